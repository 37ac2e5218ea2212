/* Facts and their daily sums: the journal row now, the sums at the commit. */
#include "desk/rollup.h"

#include "core/err.h"
#include "core/mem.h"
#include "domain/ticket_flow.h"

#include <stdlib.h>
#include <string.h>

/* Which grains each metric is summed at: 'p' (type × category) for the
 * project's and the categories' figures, 'b' (+ building) for the hot
 * issues, 'd' (type × department × person) for the desk's. Hand-overs
 * belong to departments and people only. */
static const struct {
    const char *metric, *grains;
} kept[] = {
    {KF_M_CREATED, "pbd"},       {KF_M_INVALID, "pbd"},         {KF_M_RECEIVED, "d"},
    {KF_M_TRANSFERRED, "d"},     {KF_M_RETURNED, "d"},          {KF_M_RESOLVED, "pd"},
    {KF_M_CLOSED, "pd"},         {KF_M_REOPENED, "pd"},         {KF_M_FOLLOW_UP, "pd"},
    {KF_M_SCORE_OVERALL, "pd"},  {KF_M_SCORE_TIMELINESS, "pd"}, {KF_M_SCORE_ATTITUDE, "pd"},
    {"clock.acknowledge", "pd"}, {"clock.contact", "pd"},       {"clock.plan", "pd"},
    {"clock.resolve", "pd"},     {"clock.follow_up", "pd"},     {"clock.onsite", "pd"},
    {"reach.acknowledge", "pd"}, {"reach.contact", "pd"},       {"reach.plan", "pd"},
    {"reach.resolve", "pd"},     {"reach.follow_up", "pd"},     {"reach.onsite", "pd"},
};

static const char *const clock_metrics[KF_MS_COUNT] = {
    "clock.acknowledge", "clock.contact",   "clock.plan",
    "clock.resolve",     "clock.follow_up", "clock.onsite",
};
static const char *const reach_metrics[KF_MS_COUNT] = {
    "reach.acknowledge", "reach.contact",   "reach.plan",
    "reach.resolve",     "reach.follow_up", "reach.onsite",
};

const char *kf_rollup_clock_metric(int m)
{
    return m >= 0 && m < KF_MS_COUNT ? clock_metrics[m] : NULL;
}

const char *kf_rollup_reach_metric(int m)
{
    return m >= 0 && m < KF_MS_COUNT ? reach_metrics[m] : NULL;
}

const char *kf_rollup_metric(size_t i)
{
    return i < sizeof(kept) / sizeof(kept[0]) ? kept[i].metric : NULL;
}

const char *kf_rollup_grains(const char *metric)
{
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        if (strcmp(kept[i].metric, metric) == 0) return kept[i].grains;
    return NULL;
}

int64_t kf_rollup_day(const kf_tz *tz, int64_t ms)
{
    int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    s += kf_tz_offset(tz, s);
    return s >= 0 ? s / 86400 : (s - 86399) / 86400;
}

/* ---- the sums ---- */

typedef struct {
    int64_t project, day, category, building, department, person, value;
    const char *metric, *type; /* static / owned by the batch's strings */
    char grain;
} delta;

typedef struct {
    delta *d;
    size_t n;
    char *types; /* the type strings, copied: the ticket's row may be gone by the commit */
} delta_batch;

static int delta_cmp(const void *pa, const void *pb)
{
    const delta *a = pa, *b = pb;
    int c;
#define CMP_I(f)                                                                                   \
    if (a->f != b->f) return a->f < b->f ? -1 : 1
    CMP_I(project);
    if ((c = strcmp(a->metric, b->metric))) return c;
    if (a->grain != b->grain) return a->grain < b->grain ? -1 : 1;
    CMP_I(day);
    if ((c = strcmp(a->type, b->type))) return c;
    CMP_I(category);
    CMP_I(building);
    CMP_I(department);
    CMP_I(person);
#undef CMP_I
    return 0;
}

#define UPSERT_SQL(rows, key)                                                                      \
    "INSERT INTO ticket_rollups (project_id, metric, grain, day, type, category_id, building_id,"  \
    " department_id, person_id, stripe, n, total) VALUES " rows                                    \
    " ON CONFLICT (project_id, metric, grain, day, type, category_id, building_id, department_id," \
    " person_id" key ") DO UPDATE SET n = ticket_rollups.n + excluded.n,"                          \
    " total = ticket_rollups.total + excluded.total"
#define ROW1 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define ROW2 ROW1 ", " ROW1
#define ROW4 ROW2 ", " ROW2
#define UPSERTS(key)                                                                               \
    {                                                                                              \
        UPSERT_SQL(ROW1, key), UPSERT_SQL(ROW2, key), UPSERT_SQL(ROW2 ", " ROW1, key),             \
            UPSERT_SQL(ROW4, key), UPSERT_SQL(ROW4 ", " ROW1, key),                                \
            UPSERT_SQL(ROW4 ", " ROW2, key), UPSERT_SQL(ROW4 ", " ROW2 ", " ROW1, key),            \
            UPSERT_SQL(ROW4 ", " ROW4, key)                                                        \
    }
enum { UPSERT_ROWS = 8, UPSERT_PARAMS = 12 };

/* Up to eight rows a statement: a ticket's write adds to three to a dozen
 * rows, and on PostgreSQL each statement is a round trip. [1]: a row per
 * stripe, so that concurrent writes add to rows of their own
 * (kf_tx_stripe); [0]: SQLite, which writes one at a time and keeps stripe 0
 * only, out of its key (migration 0013). */
static const char *const upsert_sql[2][UPSERT_ROWS] = {UPSERTS(""), UPSERTS(", stripe")};

/* Takes a later write's sums into the first one's (kf_tx_defer_each_later):
 * they share rows often (today's, of one project), and the later one's type
 * strings live until its own release, after this run. */
static void take_later(void *ctx, void *arg)
{
    delta_batch *later = ctx, *first = arg;
    if (!later->n) return;
    delta *grown = realloc(first->d, (first->n + later->n) * sizeof(delta));
    if (!grown) return; /* the later one adds its own */
    first->d = grown;
    memcpy(first->d + first->n, later->d, later->n * sizeof(delta));
    first->n += later->n;
    later->n = 0;
}

typedef struct {
    const delta *d; /* the first of equal keys */
    int64_t n, total;
} sum_row;

/* Adds ROWS[0..N) in one statement; their keys are distinct, as PostgreSQL
 * requires of one INSERT … ON CONFLICT DO UPDATE. */
static int upsert(kf_tx *tx, const sum_row *rows, size_t n)
{
    int pg = kf_tx_is_postgres(tx);
    kf_stmt *st;
    int rc = kf_tx_prepare(tx, upsert_sql[pg][n - 1], &st);
    if (rc != KF_OK) return rc;
    int64_t stripe = kf_tx_stripe(tx);
    for (size_t i = 0; i < n; i++) {
        const delta *d = rows[i].d;
        int at = (int)i * UPSERT_PARAMS;
        char grain[2] = {d->grain, 0};
        kf_stmt_bind_i64(st, at + 1, d->project);
        kf_stmt_bind_text(st, at + 2, d->metric);
        kf_stmt_bind_text(st, at + 3, grain);
        kf_stmt_bind_i64(st, at + 4, d->day);
        kf_stmt_bind_text(st, at + 5, d->type);
        int64_t v[] = {d->category, d->building, d->department, d->person,
                       stripe,      rows[i].n,   rows[i].total};
        for (int k = 0; k < 7; k++)
            kf_stmt_bind_i64(st, at + 6 + k, v[k]);
    }
    rc = kf_stmt_step(st);
    return rc == KF_DONE ? KF_OK : rc == KF_ROW ? KF_EDB : rc;
}

static int batch_run(kf_tx *tx, void *ctx)
{
    delta_batch *b = ctx;
    if (!b->n) return KF_OK; /* taken by an earlier write of this commit */
    kf_tx_defer_each_later(tx, batch_run, take_later, b);
    qsort(b->d, b->n, sizeof(delta), delta_cmp);
    sum_row rows[UPSERT_ROWS];
    size_t nrows = 0;
    int rc = KF_OK;
    for (size_t i = 0; i < b->n && rc == KF_OK;) {
        /* equal keys (the writes of one commit on the same day's rows) are
         * summed into one row */
        sum_row r = {&b->d[i], 1, b->d[i].value};
        size_t j = i + 1;
        for (; j < b->n && delta_cmp(&b->d[i], &b->d[j]) == 0; j++) {
            r.n++;
            r.total += b->d[j].value;
        }
        rows[nrows++] = r;
        if (nrows == UPSERT_ROWS || j == b->n) {
            rc = upsert(tx, rows, nrows);
            nrows = 0;
        }
        i = j;
    }
    return rc;
}

static void batch_free(void *ctx)
{
    delta_batch *b = ctx;
    free(b->d);
    free(b->types);
    free(b);
}

#define FACT_SQL(rows)                                                                             \
    "INSERT INTO ticket_facts (ticket_id, project_id, day, at, metric, type, category_id,"         \
    " building_id, department_id, person_id, value, minutes) VALUES " rows
enum { FACT_ROWS = 4 };

/* Up to four facts a statement (a write records one to a few): one round
 * trip on PostgreSQL. */
static const char *const fact_sql[FACT_ROWS] = {FACT_SQL(ROW1), FACT_SQL(ROW2),
                                                FACT_SQL(ROW2 ", " ROW1), FACT_SQL(ROW4)};

static int insert_facts(kf_tx *tx, const kf_fact *facts, size_t n)
{
    kf_stmt *st;
    int rc = kf_tx_prepare(tx, fact_sql[n - 1], &st);
    if (rc != KF_OK) return rc;
    for (size_t i = 0; i < n; i++) {
        const kf_fact *f = &facts[i];
        int at = (int)i * 12;
        int64_t v[] = {f->ticket, f->project, f->day, f->at};
        for (int k = 0; k < 4; k++)
            kf_stmt_bind_i64(st, at + k + 1, v[k]);
        kf_stmt_bind_text(st, at + 5, f->metric);
        kf_stmt_bind_text(st, at + 6, f->type);
        int64_t w[] = {f->category, f->building, f->department, f->person, f->value};
        for (int k = 0; k < 5; k++)
            kf_stmt_bind_i64(st, at + k + 7, w[k]);
        if (f->minutes >= 0)
            kf_stmt_bind_i64(st, at + 12, f->minutes);
        else
            kf_stmt_bind_null(st, at + 12);
    }
    rc = kf_stmt_step(st);
    return rc == KF_DONE ? KF_OK : rc == KF_ROW ? KF_EDB : rc;
}

int kf_rollup_record(kf_tx *tx, const kf_fact *facts, size_t n)
{
    if (n == 0) return KF_OK;
    delta_batch *b = kf_malloc(sizeof(*b));
    size_t cap = 0, types_len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *g = kf_rollup_grains(facts[i].metric);
        if (!g) return free(b), KF_EINVAL;
        cap += strlen(g);
        types_len += strlen(facts[i].type) + 1;
    }
    b->d = kf_malloc(cap * sizeof(delta));
    b->types = kf_malloc(types_len);
    b->n = 0;
    char *tp = b->types;
    int rc = KF_OK;
    for (size_t i = 0; i < n && rc == KF_OK; i += FACT_ROWS)
        rc = insert_facts(tx, facts + i, n - i < FACT_ROWS ? n - i : FACT_ROWS);
    for (size_t i = 0; i < n && rc == KF_OK; i++) {
        const kf_fact *f = &facts[i];
        size_t tl = strlen(f->type) + 1;
        memcpy(tp, f->type, tl);
        for (const char *g = kf_rollup_grains(f->metric); *g; g++) {
            delta d = {f->project, f->day, f->category, 0, 0, 0, f->value, f->metric, tp, *g};
            if (*g == 'b') d.building = f->building;
            if (*g == 'd') {
                d.category = 0;
                d.department = f->department;
                d.person = f->person;
            }
            b->d[b->n++] = d;
        }
        tp += tl;
    }
    if (rc != KF_OK) {
        batch_free(b);
        return rc;
    }
    return kf_tx_defer(tx, batch_run, b, batch_free);
}
