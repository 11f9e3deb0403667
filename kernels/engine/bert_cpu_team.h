/* bert_cpu_team.h: a fixed team of threads that run one function together (engine-private).
 *
 * Like an OpenMP parallel region: bert_cpu_team_run calls func on every thread of the
 * team, the caller's included as index 0, and returns when all have returned. Workers
 * spin briefly between runs, since a forward pass starts dozens of runs back to back,
 * then sleep.
 */
#ifndef BERT_CPU_TEAM_H
#define BERT_CPU_TEAM_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BertCpuTeam BertCpuTeam;
typedef void (*BertCpuTeamFunc) (int index, int n_threads, gpointer data);

BertCpuTeam *bert_cpu_team_new (int n_threads);
void bert_cpu_team_free (BertCpuTeam *team);
int bert_cpu_team_size (const BertCpuTeam *team);
/* Not reentrant: one run at a time per team. */
void bert_cpu_team_run (BertCpuTeam *team, BertCpuTeamFunc func, gpointer data);

/* The share [*begin, *end) of n items that thread index of n_threads takes, in
 * multiples of granule except for the last share. */
void bert_cpu_team_split (int n, int granule, int index, int n_threads, int *begin, int *end);

G_END_DECLS

#endif
