/* The daily rollups and the queue counts, summed in memory as the tickets'
 * facts come (what the server adds one write at a time).
 *
 * Memory stays bounded: tickets are made in time order and a ticket's whole
 * life is made at once, and its facts fall no earlier than its intake. So
 * once a batch is written, the sums of days before the next ticket's intake
 * are final: they are written then and forgotten (gen_rollups_flush). What
 * stays is the last few weeks, and the few days after them that long-lived
 * tickets reach. */
#include "gen/gen_int.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CAP (1u << 16)

/* The index of metric M in kf_rollup_metric's list and its grains (NULL
 * when it has no rollups). A fact names its metric with one of a few
 * literals: their addresses are remembered, so a fact costs a few pointer
 * comparisons rather than a string search of the list (measured: 14 % of
 * the run went to summing). */
static int metric_of(kf_gen *g, const char *m, const char **grains)
{
    for (int i = 0; i < g->nmetrics; i++)
        if (g->metrics[i].name == m) {
            *grains = g->metrics[i].grains;
            return g->metrics[i].index;
        }
    int index = -1;
    const char *k;
    for (int i = 0; (k = kf_rollup_metric((size_t)i)); i++)
        if (strcmp(k, m) == 0) index = i;
    *grains = index >= 0 ? kf_rollup_grains(m) : NULL;
    if (g->nmetrics < GEN_METRICS_SEEN)
        g->metrics[g->nmetrics++] = (gen_metric){.name = m, .grains = *grains, .index = index};
    return index;
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

/* Moves the table's rows into a new one of CAP slots. */
static void rollup_rehash(kf_gen *g, size_t cap)
{
    gen_rollup *t = kf_malloc(cap * sizeof(gen_rollup));
    for (size_t i = 0; i < cap; i++)
        t[i].metric = -1;
    size_t kept = 0;
    for (size_t i = 0; i < g->rollup_cap; i++) {
        const gen_rollup *r = &g->rollups[i];
        if (r->metric < 0) continue;
        *rollup_slot(t, cap, r) = *r;
        kept++;
    }
    free(g->rollups);
    g->rollups = t;
    g->rollup_cap = cap;
    g->rollup_n = kept;
}

void gen_rollup_add(kf_gen *g, const kf_fact *f, int8_t type)
{
    const char *grains;
    int metric = metric_of(g, f->metric, &grains);
    for (const char *gr = grains; gr && *gr && metric >= 0; gr++) {
        if ((g->rollup_n + 1) * 10 > g->rollup_cap * 7)
            rollup_rehash(g, g->rollup_cap ? g->rollup_cap * 2 : MIN_CAP);
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

/* ticket_rollups' key order: the rows go into the table's B-tree in order */
#define CMP(x, y)                                                                                  \
    if ((x) != (y)) return (x) < (y) ? -1 : 1

static int rollup_cmp(const void *pa, const void *pb)
{
    const gen_rollup *a = pa, *b = pb;
    CMP(a->project, b->project);
    CMP(a->metric, b->metric);
    CMP(a->grain, b->grain);
    CMP(a->day, b->day);
    CMP(a->type, b->type);
    CMP(a->category, b->category);
    CMP(a->building, b->building);
    CMP(a->department, b->department);
    CMP(a->person, b->person);
    return 0;
}

static void stage_rollup(gen_batch *b, const gen_rollup *r)
{
    char grain[2] = {r->grain, 0};
    gen_batch_i(b, r->project);
    gen_batch_s(b, kf_rollup_metric((size_t)r->metric));
    gen_batch_s(b, grain);
    gen_batch_i(b, r->day);
    gen_batch_s(b, gen_types[r->type]);
    int64_t v[] = {r->category, r->building, r->department, r->person, r->n, r->total};
    for (int k = 0; k < 6; k++)
        gen_batch_i(b, v[k]);
}

int64_t gen_cutoff(const kf_gen *g, int64_t next)
{
    /* the first instant ticket NEXT can have (begin() in life.c adds a
     * fraction of a slot to it); rollup days are local, and a day a zone's
     * offset (under a day) before that instant's UTC day is final */
    int64_t at =
        g->start + (int64_t)((double)next * (double)(g->now - g->start) / (double)g->o.tickets);
    return at / 86400000LL - 1;
}

/* Takes the rows of days before CUTOFF out of the table in place into OUT
 * (room for rollup_n), returning how many. The table keeps its size: a new
 * one per batch (and regrowing it) measured 6 % of the run in rehashing
 * alone, more in page faults. */
static size_t rollup_take(kf_gen *g, int64_t cutoff, gen_rollup *out)
{
    size_t n = 0, cap = g->rollup_cap, empty = cap;
    for (size_t i = 0; i < cap; i++) {
        gen_rollup *r = &g->rollups[i];
        if (r->metric >= 0 && r->day < cutoff) {
            out[n++] = *r;
            r->metric = -1;
        }
        if (r->metric < 0 && empty == cap) empty = i;
    }
    g->rollup_n -= n;
    /* linear probing: the rows left behind a freed slot may now be out of
     * their probe run; placing each again, going round once from an empty
     * slot, puts it at or before where it was */
    for (size_t k = 1; n && empty < cap && k <= cap; k++) {
        gen_rollup *r = &g->rollups[(empty + k) & (cap - 1)];
        if (r->metric < 0) continue;
        gen_rollup row = *r;
        r->metric = -1;
        *rollup_slot(g->rollups, cap, &row) = row;
    }
    return n;
}

void gen_rollups_stage(kf_gen *g, gen_batch *b, int64_t cutoff)
{
    if (!g->rollup_n) return;
    /* kept from batch to batch: a fresh block of this size each time is
     * fresh pages each time, and the page faults measured dearer than the sort */
    if (g->rollup_done_cap < g->rollup_n) {
        free(g->rollup_done);
        g->rollup_done_cap = g->rollup_cap;
        g->rollup_done = kf_malloc(g->rollup_done_cap * sizeof(gen_rollup));
    }
    gen_rollup *done = g->rollup_done;
    size_t n = rollup_take(g, cutoff, done);
    qsort(done, n, sizeof(gen_rollup), rollup_cmp);
    for (size_t i = 0; i < n; i++)
        stage_rollup(b, &done[i]);
    g->sum.rollups += (int64_t)n;
}

/* ---- queue counts: one entry per open ticket and bucket ---- */

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

int gen_counts_write(kf_gen *g, kf_tx *tx)
{
    qsort(g->counts, g->count_n, sizeof(gen_count), count_cmp);
    int rc = KF_OK;
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
    return rc;
}

void gen_sums_free(kf_gen *g)
{
    free(g->rollups);
    free(g->rollup_done);
    free(g->counts);
    g->rollup_done = NULL;
    g->rollups = NULL;
    g->counts = NULL;
}
