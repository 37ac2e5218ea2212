/* The bulk writer: the run's transactions (the world, then the tickets in
 * large batches through kf_store_write_alone), the daily rollups and queue
 * counts summed in memory and written once at the end, the departments'
 * round-robin positions, and the search index rebuilt as `kefu reindex`
 * does. */
#include "gen/gen_int.h"

#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "store/search_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int metric_index(const char *m)
{
    const char *k;
    for (int i = 0; (k = kf_rollup_metric((size_t)i)); i++)
        if (k == m || strcmp(k, m) == 0) return i;
    return -1;
}

/* ---- rollups: an open-addressing table keyed like ticket_rollups ---- */

static uint64_t mix(uint64_t h, int64_t v)
{
    h ^= (uint64_t)v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

static uint64_t rollup_hash(const gen_rollup *r)
{
    uint64_t h = 1469598103934665603ULL;
    h = mix(h, r->project);
    h = mix(h, r->day);
    h = mix(h, r->category);
    h = mix(h, r->building);
    h = mix(h, r->department);
    h = mix(h, r->person);
    h = mix(h, ((int64_t)r->metric << 16) | ((int64_t)r->type << 8) | r->grain);
    return h ^ (h >> 29);
}

static int rollup_same(const gen_rollup *a, const gen_rollup *b)
{
    return a->project == b->project && a->day == b->day && a->category == b->category &&
           a->building == b->building && a->department == b->department && a->person == b->person &&
           a->metric == b->metric && a->type == b->type && a->grain == b->grain;
}

static gen_rollup *rollup_slot(gen_rollup *table, size_t cap, const gen_rollup *key)
{
    size_t i = rollup_hash(key) & (cap - 1);
    while (table[i].metric >= 0 && !rollup_same(&table[i], key))
        i = (i + 1) & (cap - 1);
    return &table[i];
}

static void rollup_grow(kf_gen *g)
{
    size_t cap = g->rollup_cap ? g->rollup_cap * 2 : 1 << 16;
    gen_rollup *t = kf_malloc(cap * sizeof(gen_rollup));
    for (size_t i = 0; i < cap; i++)
        t[i].metric = -1;
    for (size_t i = 0; i < g->rollup_cap; i++)
        if (g->rollups[i].metric >= 0) *rollup_slot(t, cap, &g->rollups[i]) = g->rollups[i];
    free(g->rollups);
    g->rollups = t;
    g->rollup_cap = cap;
}

void gen_rollup_add(kf_gen *g, const kf_fact *f, int8_t type)
{
    const char *grains = kf_rollup_grains(f->metric);
    int metric = metric_index(f->metric);
    for (const char *gr = grains; gr && *gr && metric >= 0; gr++) {
        if ((g->rollup_n + 1) * 10 > g->rollup_cap * 7) rollup_grow(g);
        gen_rollup key = {.project = f->project,
                          .day = f->day,
                          .category = f->category,
                          .metric = (int16_t)metric,
                          .type = type,
                          .grain = *gr};
        if (*gr == 'b') key.building = f->building;
        if (*gr == 'd') {
            key.category = 0;
            key.department = f->department;
            key.person = f->person;
        }
        gen_rollup *s = rollup_slot(g->rollups, g->rollup_cap, &key);
        if (s->metric < 0) {
            *s = key;
            g->rollup_n++;
        }
        s->n++;
        s->total += f->value;
    }
}

void gen_count_add(kf_gen *g, int64_t project, const char *bucket, int64_t stripe)
{
    if (g->count_n == g->count_cap) {
        g->count_cap = g->count_cap ? g->count_cap * 2 : 1024;
        g->counts = kf_realloc(g->counts, g->count_cap * sizeof(gen_count));
    }
    gen_count *c = &g->counts[g->count_n++];
    c->project = project;
    c->stripe = stripe;
    snprintf(c->bucket, sizeof(c->bucket), "%s", bucket);
}

static int count_cmp(const void *pa, const void *pb)
{
    const gen_count *a = pa, *b = pb;
    if (a->project != b->project) return a->project < b->project ? -1 : 1;
    int c = strcmp(a->bucket, b->bucket);
    if (c) return c;
    return a->stripe < b->stripe ? -1 : a->stripe > b->stripe;
}

static int rollup_cmp(const void *pa, const void *pb)
{
    const gen_rollup *a = pa, *b = pb;
    int64_t x[] = {a->project,  a->metric,   a->grain,      a->day,   a->type,
                   a->category, a->building, a->department, a->person};
    int64_t y[] = {b->project,  b->metric,   b->grain,      b->day,   b->type,
                   b->category, b->building, b->department, b->person};
    for (int i = 0; i < 9; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

static int write_sums(kf_tx *tx, void *ctx)
{
    kf_gen *g = ctx;
    int rc = KF_OK;
    for (size_t i = 0; i < g->rollup_n && rc == KF_OK; i++) {
        const gen_rollup *r = &g->rollups[i];
        char grain[2] = {r->grain, 0};
        rc = kf_tx_exec(tx, NULL,
                        "INSERT INTO ticket_rollups (project_id, metric, grain, day, type,"
                        " category_id, building_id, department_id, person_id, n, total)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        "issisiiiiii", r->project, kf_rollup_metric((size_t)r->metric), grain,
                        r->day, gen_types[r->type], r->category, r->building, r->department,
                        r->person, r->n, r->total);
    }
    for (size_t i = 0; i < g->count_n && rc == KF_OK;) {
        size_t j = i;
        while (j < g->count_n && count_cmp(&g->counts[i], &g->counts[j]) == 0)
            j++;
        rc = kf_tx_exec(
            tx, NULL,
            "INSERT INTO ticket_counts (project_id, bucket, stripe, n) VALUES (?, ?, ?, ?)", "isii",
            g->counts[i].project, g->counts[i].bucket, g->counts[i].stripe, (int64_t)(j - i));
        i = j;
    }
    for (int p = 0; p < g->nprojects && rc == KF_OK; p++)
        for (int d = 0; d < g->projects[p].ndepts && rc == KF_OK; d++)
            rc = kf_tx_exec(tx, NULL, "UPDATE departments SET last_assignee_id = ? WHERE id = ?",
                            "ii", g->projects[p].depts[d].last, g->projects[p].depts[d].id);
    return rc;
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

int gen_finish(kf_gen *g)
{
    /* compact the table into its rows, in key order */
    size_t n = 0;
    for (size_t i = 0; i < g->rollup_cap; i++)
        if (g->rollups[i].metric >= 0) g->rollups[n++] = g->rollups[i];
    g->rollup_n = n;
    qsort(g->rollups, n, sizeof(gen_rollup), rollup_cmp);
    qsort(g->counts, g->count_n, sizeof(gen_count), count_cmp);
    int rc = kf_store_write_alone(g->store, write_sums, g);
    g->sum.rollups = (int64_t)n;
    reindex_batch b = {0, 0};
    while (rc == KF_OK && (rc = kf_store_write_alone(g->store, reindex, &b)) == KF_OK &&
           b.last != b.after)
        b.after = b.last;
    if (rc == KF_OK) rc = kf_store_write_alone(g->store, optimize, NULL);
    return rc;
}

/* ---- the run ---- */

typedef struct {
    kf_gen *g;
    int64_t from, n;
} ticket_batch;

static int ticket_batch_write(kf_tx *tx, void *ctx)
{
    ticket_batch *b = ctx;
    return gen_tickets(b->g, tx, b->from, b->n);
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int kf_gen_run(kf_store *s, const kf_gen_opts *opts, kf_gen_summary *sum, char *err, size_t errlen)
{
    double t0 = seconds();
    kf_gen *g = kf_calloc(1, sizeof(*g));
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
    double t1 = seconds();
    for (int64_t from = 0; rc == KF_OK && from < g->o.tickets; from += g->o.batch) {
        ticket_batch b = {g, from,
                          g->o.tickets - from < g->o.batch ? g->o.tickets - from : g->o.batch};
        rc = kf_store_write_alone(s, ticket_batch_write, &b);
        if (rc == KF_OK && !g->o.quiet)
            fprintf(stderr, "kefu gen: %lld tickets\n", (long long)(from + b.n));
    }
    if (rc == KF_OK) rc = gen_finish(g);
    if (rc != KF_OK && !err[0]) snprintf(err, errlen, "writing failed: %s", kf_err_name(rc));
    g->sum.load_seconds = seconds() - t1;
    g->sum.seconds = seconds() - t0;
    *sum = g->sum;
    gen_world_free(g);
    free(g->rollups);
    free(g->counts);
    if (g->tzc) kf_tz_cache_free(g->tzc);
    free(g);
    return rc;
}
