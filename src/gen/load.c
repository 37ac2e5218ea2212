/* The run: the world, then the store in bulk mode (kf_store_bulk) and the
 * tickets' secondary indexes dropped (bulk.c), the tickets in large batches,
 * one transaction each, made and written on two threads (pipe.c) with the
 * rollups of finished days written after each batch (sums.c), then the
 * rest of the sums and the departments' round-robin positions, the indexes
 * made again, the search index rebuilt as `kefu reindex` does, and bulk
 * mode left (everything synced). */
#include "gen/gen_int.h"

#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "store/search_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A progress line: what was done, and in how long since the last one. */
static void phase(kf_gen *g, const char *what)
{
    double now = seconds();
    if (!g->o.quiet) fprintf(stderr, "kefu gen: %s (%.2f s)\n", what, now - g->phase_at);
    g->phase_at = now;
}

typedef struct {
    int64_t after, last;
} reindex_batch;

static int reindex(kf_tx *tx, void *ctx)
{
    reindex_batch *b = ctx;
    return kf_search_rebuild_batch(tx, b->after, 20000, &b->last);
}

static int optimize(kf_tx *tx, void *ctx)
{
    (void)ctx;
    return kf_search_optimize(tx);
}

static int write_sums(kf_tx *tx, void *ctx)
{
    kf_gen *g = ctx;
    gen_batch b;
    gen_batch_init(&b, &g->t_rollups);
    gen_rollups_stage(g, &b, INT64_MAX);
    int rc = gen_batch_write(&b, tx);
    gen_batch_free(&b);
    if (rc == KF_OK) rc = gen_counts_write(g, tx);
    for (int p = 0; p < g->nprojects && rc == KF_OK; p++)
        for (int d = 0; d < g->projects[p].ndepts && rc == KF_OK; d++)
            rc = kf_tx_exec(tx, NULL, "UPDATE departments SET last_assignee_id = ? WHERE id = ?",
                            "ii", g->projects[p].depts[d].last, g->projects[p].depts[d].id);
    return rc;
}

int gen_finish(kf_gen *g)
{
    int rc = kf_store_write_alone(g->store, write_sums, g);
    phase(g, "rollups and counts written");
    /* the index rebuild reads each ticket's notes through the events' index */
    if (rc == KF_OK) rc = gen_indexes_create(g);
    phase(g, "indexes made");
    reindex_batch b = {0, 0};
    while (rc == KF_OK && (rc = kf_store_write_alone(g->store, reindex, &b)) == KF_OK &&
           b.last != b.after)
        b.after = b.last;
    phase(g, "search index built");
    if (rc == KF_OK) rc = kf_store_write_alone(g->store, optimize, NULL);
    phase(g, "search index optimized");
    return rc;
}

/* ---- the run ---- */

static void made(kf_gen *g, int64_t done)
{
    char what[64];
    snprintf(what, sizeof(what), "%lld tickets made", (long long)done);
    phase(g, what);
}

int kf_gen_run(kf_store *s, const kf_gen_opts *opts, kf_gen_summary *sum, char *err, size_t errlen)
{
    double t0 = seconds();
    kf_gen *g = kf_calloc(1, sizeof(*g));
    g->phase_at = t0;
    gen_rows_init(g);
    g->o = *opts;
    if (g->o.projects < 1) g->o.projects = 1;
    if (g->o.years < 1) g->o.years = 1;
    if (g->o.batch < 1) g->o.batch = 20000;
    g->store = s;
    g->err = err;
    g->errlen = errlen;
    err[0] = '\0';
    g->nprojects = g->o.projects;
    g->now = g->o.now ? g->o.now : kf_now_ms();
    g->start = g->now - (int64_t)g->o.years * 365 * 86400000LL;
    g->next_ticket = g->next_follow_up = g->next_charge = 1;
    kf_rng_seed(&g->rng, g->o.seed, 0);
    g->tzc = kf_tz_cache_new(NULL);
    int rc = g->tzc ? gen_world(g) : KF_EIO;
    int bulk = rc == KF_OK && (rc = kf_store_bulk(s, 1)) == KF_OK;
    if (rc == KF_OK) rc = gen_indexes_drop(g);
    phase(g, "world written");
    double t1 = seconds();
    if (rc == KF_OK) rc = gen_load_tickets(g, made);
    if (rc == KF_OK) phase(g, "tickets written");
    if (rc == KF_OK) rc = gen_finish(g);
    if (bulk) {
        int off = kf_store_bulk(s, 0);
        if (rc == KF_OK) rc = off;
        phase(g, "synced");
    }
    gen_indexes_free(g);
    if (rc != KF_OK && !err[0]) snprintf(err, errlen, "writing failed: %s", kf_err_name(rc));
    g->sum.load_seconds = seconds() - t1;
    g->sum.seconds = seconds() - t0;
    *sum = g->sum;
    gen_world_free(g);
    gen_sums_free(g);
    gen_rows_free(g);
    if (g->tzc) kf_tz_cache_free(g->tzc);
    free(g);
    return rc;
}
