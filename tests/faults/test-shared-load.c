/* test-shared-load.c: one model load that never ends must not hold up the others.
 *
 * A load can block for a long time on a slow network file system. To make one block
 * at will, this test interposes the two GLib functions the loader maps weights with:
 * a load of the "stuck" folder waits in them until the test lets it go.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <gst/check/gstcheck.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "faults-common.h"

static GMutex gate_lock;
static GCond gate_changed;
static char *stuck_folder;
static guint stuck_loads_entered;
static gboolean stuck_load_released;

/* Blocks while path lies in stuck_folder and the test has not released it. */
static void
wait_at_gate (const char *path)
{
  g_mutex_lock (&gate_lock);
  if (stuck_folder != NULL && g_str_has_prefix (path, stuck_folder)) {
    stuck_loads_entered++;
    g_cond_broadcast (&gate_changed);
    while (!stuck_load_released)
      g_cond_wait (&gate_changed, &gate_lock);
  }
  g_mutex_unlock (&gate_lock);
}

GMappedFile *
g_mapped_file_new (const gchar *filename, gboolean writable, GError **error)
{
  GMappedFile *(*real) (const gchar *, gboolean, GError **) = dlsym (RTLD_NEXT, "g_mapped_file_new");

  wait_at_gate (filename);
  return real (filename, writable, error);
}

GMappedFile *
g_mapped_file_new_from_fd (gint fd, gboolean writable, GError **error)
{
  GMappedFile *(*real) (gint, gboolean, GError **) = dlsym (RTLD_NEXT, "g_mapped_file_new_from_fd");
  char link[64], path[4096];
  gssize length;

  g_snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
  length = readlink (link, path, sizeof path - 1);
  path[MAX (length, 0)] = '\0';
  wait_at_gate (path);
  return real (fd, writable, error);
}

static gpointer
load_shared (gpointer folder)
{
  GError *error = NULL;
  BertModel *model = bert_model_load_shared (folder, &error);

  fail_unless (model != NULL, "%s", error ? error->message : "?");
  return model;
}

/* Starts a load of stuck_folder and returns once it is blocked in the gate. */
static GThread *
start_stuck_load (void)
{
  GThread *thread = g_thread_new ("stuck-load", load_shared, stuck_folder);
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&gate_lock);
  while (stuck_loads_entered == 0)
    fail_unless (g_cond_wait_until (&gate_changed, &gate_lock, deadline), "the stuck load never started");
  g_mutex_unlock (&gate_lock);
  return thread;
}

static void
release_stuck_load (void)
{
  g_mutex_lock (&gate_lock);
  stuck_load_released = TRUE;
  g_cond_broadcast (&gate_changed);
  g_mutex_unlock (&gate_lock);
}

static char *
real_folder (char *folder)
{
  char *real = realpath (folder, NULL), *copy = g_strdup (real);

  free (real);
  g_free (folder);
  return copy;
}

typedef struct {
  GMutex lock;
  GCond done;
  const char *folder;
  BertModel *model;
} BackgroundLoad;

static gpointer
load_in_background (gpointer data)
{
  BackgroundLoad *load = data;
  BertModel *model = load_shared ((gpointer) load->folder);

  g_mutex_lock (&load->lock);
  load->model = model;
  g_cond_signal (&load->done);
  g_mutex_unlock (&load->lock);
  return NULL;
}

/* The model of the load, or NULL when it has not finished within seconds. */
static BertModel *
wait_for_load (BackgroundLoad *load, int seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_TIME_SPAN_SECOND;

  g_mutex_lock (&load->lock);
  while (load->model == NULL && g_cond_wait_until (&load->done, &load->lock, deadline))
    ;
  g_mutex_unlock (&load->lock);
  return load->model;
}

GST_START_TEST (test_stuck_load_does_not_block_another_model)
{
  char *other_folder = faults_copy_tiny_model ();
  BackgroundLoad other = { .folder = other_folder };
  GThread *stuck, *other_thread;
  BertModel *stuck_model, *other_model;

  stuck_folder = real_folder (faults_copy_tiny_model ());
  stuck = start_stuck_load ();
  other_thread = g_thread_new ("other-load", load_in_background, &other);
  other_model = wait_for_load (&other, 10);
  release_stuck_load ();
  fail_unless (other_model != NULL, "loading a model waited for another model's stuck load");
  stuck_model = g_thread_join (stuck);
  g_thread_join (other_thread);
  fail_unless (stuck_model != other_model);
  bert_model_unref (stuck_model);
  bert_model_unref (other_model);
  faults_delete_model_copy (other_folder);
  faults_delete_model_copy (g_steal_pointer (&stuck_folder));
}
GST_END_TEST;

/* A second user of a folder being loaded waits for that load and shares its model,
 * instead of loading the folder a second time. */
GST_START_TEST (test_second_user_waits_for_the_same_load)
{
  BackgroundLoad second = { 0 };
  GThread *stuck, *second_thread;
  BertModel *first_model, *second_model;

  stuck_folder = real_folder (faults_copy_tiny_model ());
  second.folder = stuck_folder;
  stuck = start_stuck_load ();
  second_thread = g_thread_new ("second-load", load_in_background, &second);
  fail_unless (wait_for_load (&second, 1) == NULL, "the second user did not wait for the first load");
  release_stuck_load ();
  first_model = g_thread_join (stuck);
  second_model = wait_for_load (&second, 10);
  g_thread_join (second_thread);
  fail_unless (second_model == first_model, "the folder was loaded twice");
  g_mutex_lock (&gate_lock);
  fail_unless_equals_int (stuck_loads_entered, 1);
  g_mutex_unlock (&gate_lock);
  bert_model_unref (first_model);
  bert_model_unref (second_model);
  faults_delete_model_copy (g_steal_pointer (&stuck_folder));
}
GST_END_TEST;

static Suite *
shared_load_suite (void)
{
  Suite *suite = suite_create ("shared-load");
  TCase *cache = tcase_create ("cache");

  suite_add_tcase (suite, cache);
  tcase_set_timeout (cache, 60);
  tcase_add_test (cache, test_stuck_load_does_not_block_another_model);
  tcase_add_test (cache, test_second_user_waits_for_the_same_load);
  return suite;
}

GST_CHECK_MAIN (shared_load);
