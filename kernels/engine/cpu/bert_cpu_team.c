/* bert_cpu_team.c: a team of threads with poll-then-sleep hand-offs.
 *
 * A worker registers in `active` before it looks whether a run is open, and the caller
 * closes the run before it waits for `active` to drop to zero: so a worker either
 * joins a run the caller then waits for, or sees it closed and stays out. Every flag
 * is a sequentially consistent atomic; whichever of two threads writes second sees
 * the other's write, which is what each sleep/wake-up pair below relies on.
 */
#include "bert_cpu_team.h"

/* About 0.1 ms of polling before a thread sleeps on a condition variable. */
#define SPIN_ITERATIONS 4096

struct _BertCpuTeam {
  int n_threads;
  GThread **workers; /* n_threads - 1 */
  GMutex mutex;
  GCond wake_cond; /* a run started (generation changed) */
  GCond done_cond; /* the last active worker left a closed run */
  gint generation; /* counts runs started */
  gint open;       /* the current run accepts workers */
  gint active;     /* workers inside the current run */
  gint sleeping_workers;
  gint caller_sleeping;
  gboolean quit;
  BertCpuTeamFunc func;
  gpointer data;
};

typedef struct {
  BertCpuTeam *team;
  int index;
} WorkerArgs;

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

static void
wait_for_generation_change (BertCpuTeam *team, int seen)
{
  for (int i = 0; i < SPIN_ITERATIONS; i++) {
    if (g_atomic_int_get (&team->generation) != seen)
      return;
    cpu_relax ();
  }
  g_mutex_lock (&team->mutex);
  g_atomic_int_inc (&team->sleeping_workers);
  while (g_atomic_int_get (&team->generation) == seen)
    g_cond_wait (&team->wake_cond, &team->mutex);
  g_atomic_int_add (&team->sleeping_workers, -1);
  g_mutex_unlock (&team->mutex);
}

static void
leave_run (BertCpuTeam *team)
{
  if (g_atomic_int_dec_and_test (&team->active) && g_atomic_int_get (&team->caller_sleeping)) {
    g_mutex_lock (&team->mutex);
    g_cond_signal (&team->done_cond);
    g_mutex_unlock (&team->mutex);
  }
}

static gpointer
worker_main (gpointer data)
{
  WorkerArgs *args = data;
  BertCpuTeam *team = args->team;
  int seen = 0;

  for (;;) {
    wait_for_generation_change (team, seen);
    seen = g_atomic_int_get (&team->generation);
    if (g_atomic_int_get (&team->quit))
      break;
    g_atomic_int_inc (&team->active);
    /* func and data stay put while this worker is active in an open run. */
    if (g_atomic_int_get (&team->open))
      team->func (args->index, team->data);
    leave_run (team);
  }
  g_free (args);
  return NULL;
}

static void
start_generation (BertCpuTeam *team)
{
  g_atomic_int_inc (&team->generation);
  if (g_atomic_int_get (&team->sleeping_workers) > 0) {
    g_mutex_lock (&team->mutex);
    g_cond_broadcast (&team->wake_cond);
    g_mutex_unlock (&team->mutex);
  }
}

static void
wait_for_active_workers (BertCpuTeam *team)
{
  for (int i = 0; i < SPIN_ITERATIONS; i++) {
    if (g_atomic_int_get (&team->active) == 0)
      return;
    cpu_relax ();
  }
  g_mutex_lock (&team->mutex);
  g_atomic_int_set (&team->caller_sleeping, 1);
  while (g_atomic_int_get (&team->active) > 0)
    g_cond_wait (&team->done_cond, &team->mutex);
  g_atomic_int_set (&team->caller_sleeping, 0);
  g_mutex_unlock (&team->mutex);
}

BertCpuTeam *
bert_cpu_team_new (int n_threads)
{
  BertCpuTeam *team = g_new0 (BertCpuTeam, 1);

  team->n_threads = MAX (n_threads, 1);
  g_mutex_init (&team->mutex);
  g_cond_init (&team->wake_cond);
  g_cond_init (&team->done_cond);
  team->workers = g_new0 (GThread *, team->n_threads);
  for (int i = 1; i < team->n_threads; i++) {
    WorkerArgs *args = g_new (WorkerArgs, 1);

    args->team = team;
    args->index = i;
    team->workers[i - 1] = g_thread_new ("bert-cpu", worker_main, args);
  }
  return team;
}

void
bert_cpu_team_free (BertCpuTeam *team)
{
  if (team == NULL)
    return;
  g_atomic_int_set (&team->quit, TRUE);
  start_generation (team);
  for (int i = 0; i < team->n_threads - 1; i++)
    g_thread_join (team->workers[i]);
  g_free (team->workers);
  g_mutex_clear (&team->mutex);
  g_cond_clear (&team->wake_cond);
  g_cond_clear (&team->done_cond);
  g_free (team);
}

int
bert_cpu_team_size (const BertCpuTeam *team)
{
  return team->n_threads;
}

void
bert_cpu_team_run (BertCpuTeam *team, BertCpuTeamFunc func, gpointer data)
{
  if (team->n_threads == 1) {
    func (0, data);
    return;
  }
  team->func = func;
  team->data = data;
  g_atomic_int_set (&team->open, 1);
  start_generation (team);
  func (0, data);
  g_atomic_int_set (&team->open, 0);
  wait_for_active_workers (team);
}
