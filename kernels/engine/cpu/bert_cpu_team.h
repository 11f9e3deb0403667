/* bert_cpu_team.h: a fixed team of threads that share runs of work (engine-private).
 *
 * bert_cpu_team_run calls func on the caller's thread and on every worker that is
 * awake while the run is open; func takes work items from a shared counter
 * (bert_cpu_team_next_item) until none are left, so the run completes even if no worker
 * ever joins: on a loaded machine a descheduled worker costs nothing, where a static
 * split would stall every step until it ran again. Workers poll briefly between runs,
 * since a forward pass starts dozens of runs back to back, then sleep.
 */
#ifndef BERT_CPU_TEAM_H
#define BERT_CPU_TEAM_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BertCpuTeam BertCpuTeam;
/* thread_index is 0 for the caller, 1 to n_threads - 1 for workers (for per-thread
 * scratch memory). */
typedef void (*BertCpuTeamFunc) (int thread_index, gpointer data);

BertCpuTeam *bert_cpu_team_new (int n_threads);
void bert_cpu_team_free (BertCpuTeam *team);
int bert_cpu_team_size (const BertCpuTeam *team);
/* Not reentrant: one run at a time per team. */
void bert_cpu_team_run (BertCpuTeam *team, BertCpuTeamFunc func, gpointer data);

/* The next of n_items items from counter (set to 0 before the run), or -1. */
static inline int
bert_cpu_team_next_item (gint *counter, int n_items)
{
  int item = g_atomic_int_add (counter, 1);

  return item < n_items ? item : -1;
}

G_END_DECLS

#endif
