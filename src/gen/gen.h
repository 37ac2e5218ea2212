/* kefu gen: a realistic, deterministic data set written through the store
 * (issue 7): projects with buildings, units and owners, departments with
 * technicians and crews, and years of tickets with their clocks, events,
 * follow-up calls, compensations, facts, daily rollups, queue counts and
 * search index, exactly as the server would have written them for that
 * history (`kefu verify rollups` finds no difference). The same seed gives
 * the same data. */
#ifndef KF_GEN_H
#define KF_GEN_H

#include "store/store.h"

#include <stdint.h>

typedef struct {
    int64_t tickets; /* how many tickets */
    uint64_t seed;   /* the PRNG seed */
    int projects;    /* projects in all, the demo project (1) included */
    int years;       /* of tickets, ending now */
    int64_t now;     /* the end of the history (ms UTC); 0: the wall clock */
    int batch;       /* tickets per transaction; 0: 20,000 */
    int quiet;       /* no progress lines on stderr */
} kf_gen_opts;

typedef struct {
    int64_t projects, units, people, users, tickets, open, events, clocks, facts, rollups;
    int64_t follow_ups, charges;
    double seconds, load_seconds;
} kf_gen_summary;

/* kf_gen_run: generates into the migrated store S, which must have no
 * tickets (KF_ECONFLICT otherwise, with a line in ERR). Fills SUM. */
int kf_gen_run(kf_store *s, const kf_gen_opts *opts, kf_gen_summary *sum, char *err, size_t errlen);

#endif
