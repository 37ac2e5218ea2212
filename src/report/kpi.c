/* Sums over ticket_rollups, percentiles over ticket_facts (see kpi.h). */
#include "report/kpi.h"

#include "core/err.h"
#include "core/mem.h"
#include "core/tz.h"
#include "desk/rollup.h"
#include "desk/ticket.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const kf_kpi_by_names[] = {"project", "department", "person", "category", "building",
                                       "type",    "day",        "week",   "month",    NULL};

void kf_kpi_table_free(kf_kpi_table *t)
{
    free(t->rows);
    t->rows = NULL;
    t->n = t->cap = 0;
}

kf_kpi_row *kf_kpi_table_row(kf_kpi_table *t, int64_t key)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->rows[i].key == key) return &t->rows[i];
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        kf_kpi_row *rows = realloc(t->rows, cap * sizeof(*rows));
        if (!rows) return NULL;
        t->rows = rows;
        t->cap = cap;
    }
    kf_kpi_row *r = &t->rows[t->n++];
    memset(r, 0, sizeof(*r));
    r->key = key;
    for (int i = 0; i < KF_KPI_SLOTS; i++)
        r->p50[i] = r->p90[i] = -1;
    return r;
}

static int by_key(const void *a, const void *b)
{
    int64_t x = ((const kf_kpi_row *)a)->key, y = ((const kf_kpi_row *)b)->key;
    return x < y ? -1 : x > y;
}

void kf_kpi_table_sort(kf_kpi_table *t)
{
    if (t->n) qsort(t->rows, t->n, sizeof(kf_kpi_row), by_key);
}

int64_t kf_kpi_key_of_day(kf_kpi_by by, int64_t day)
{
    if (by == KF_BY_WEEK) return day - kf_weekday(day);
    if (by == KF_BY_MONTH) {
        int y, m, d;
        kf_civil_from_days(day, &y, &m, &d);
        return (int64_t)y * 100 + m;
    }
    return day;
}

/* The grain that answers Q: 'd' for departments and people, 'b' for
 * buildings, 'p' otherwise; 0 when no grain does. */
static char grain_of(const kf_kpi_query *q, const char *metric, const char **field)
{
    const char *kept = kf_rollup_grains(metric);
    int desk = q->by == KF_BY_DEPARTMENT || q->by == KF_BY_PERSON || q->department || q->person;
    int place = q->by == KF_BY_BUILDING || q->building;
    char g = desk ? 'd' : place ? 'b' : 'p';
    *field = NULL;
    if (desk && (place || q->category || q->by == KF_BY_CATEGORY))
        *field = q->by == KF_BY_BUILDING || q->by == KF_BY_CATEGORY ? "group_by"
                 : q->building                                      ? "building_id"
                                                                    : "category_id";
    else if (!kept || !strchr(kept, g))
        *field = place ? (q->by == KF_BY_BUILDING ? "group_by" : "building_id") : "group_by";
    return *field ? 0 : g;
}

int kf_kpi_supported(const kf_kpi_query *q, const char *metric, const char **field)
{
    return grain_of(q, metric, field) ? KF_OK : KF_EINVAL;
}

/* The group's column, by the CASE of the queries: 1 department, 2 person,
 * 3 category, 4 building, 6 day (folded into weeks and months here). */
static int64_t group_code(kf_kpi_by by)
{
    switch (by) {
    case KF_BY_DEPARTMENT:
        return 1;
    case KF_BY_PERSON:
        return 2;
    case KF_BY_CATEGORY:
        return 3;
    case KF_BY_BUILDING:
        return 4;
    case KF_BY_DAY:
    case KF_BY_WEEK:
    case KF_BY_MONTH:
        return 6;
    default:
        return 0;
    }
}

#define GROUP_CASE                                                                                 \
    "CASE CAST(? AS BIGINT) WHEN 1 THEN department_id WHEN 2 THEN person_id"                       \
    " WHEN 3 THEN category_id WHEN 4 THEN building_id WHEN 6 THEN day ELSE 0 END"
#define FILTERS                                                                                    \
    " AND (CAST(? AS TEXT) = '' OR type = ?) AND (CAST(? AS BIGINT) = 0 OR category_id = ?)"       \
    " AND (CAST(? AS BIGINT) = 0 OR building_id = ?)"                                              \
    " AND (CAST(? AS BIGINT) = 0 OR department_id = ?)"                                            \
    " AND (CAST(? AS BIGINT) = 0 OR person_id = ?)"

static const char sum_sql[] =
    "SELECT " GROUP_CASE ", type, CAST(SUM(n) AS BIGINT), CAST(SUM(total) AS BIGINT)"
    " FROM ticket_rollups WHERE project_id = ? AND metric = ? AND grain = ?"
    " AND day >= ? AND day <= ?" FILTERS " GROUP BY 1, 2";

static const char minutes_sql[] =
    "SELECT " GROUP_CASE ", type, minutes FROM ticket_facts"
    " WHERE project_id = ? AND metric IN (?, ?) AND day >= ? AND day <= ?"
    " AND minutes IS NOT NULL" FILTERS;

static int64_t row_key(const kf_kpi_query *q, int64_t k, const char *type)
{
    if (q->by == KF_BY_TYPE) {
        for (int i = 0; kf_ticket_types[i]; i++)
            if (type && strcmp(kf_ticket_types[i], type) == 0) return i;
        return -1;
    }
    return kf_kpi_key_of_day(q->by, k);
}

static void bind_filters(kf_stmt *st, int idx, const kf_kpi_query *q)
{
    const char *type = q->type ? q->type : "";
    kf_stmt_bind_text(st, idx, type);
    kf_stmt_bind_text(st, idx + 1, type);
    int64_t ids[] = {q->category, q->building, q->department, q->person};
    for (int i = 0; i < 4; i++) {
        kf_stmt_bind_i64(st, idx + 2 + 2 * i, ids[i]);
        kf_stmt_bind_i64(st, idx + 3 + 2 * i, ids[i]);
    }
}

/* SQL (sum_sql or minutes_sql: the group, the project, two texts, the
 * period and the filters) prepared for Q with A and B. */
static int period_query(kf_tx *tx, const char *sql, const kf_kpi_query *q, const char *a,
                        const char *b, kf_stmt **st)
{
    int rc = kf_tx_prepare(tx, sql, st);
    if (rc != KF_OK) return rc;
    kf_stmt_bind_i64(*st, 1, group_code(q->by));
    kf_stmt_bind_i64(*st, 2, q->project);
    kf_stmt_bind_text(*st, 3, a);
    kf_stmt_bind_text(*st, 4, b);
    kf_stmt_bind_i64(*st, 5, q->from);
    kf_stmt_bind_i64(*st, 6, q->to);
    bind_filters(*st, 7, q);
    return KF_OK;
}

int kf_kpi_sum(kf_tx *tx, const kf_kpi_query *q, const char *metric, int slot, kf_kpi_table *t)
{
    const char *field;
    char grain[2] = {grain_of(q, metric, &field), 0};
    if (!grain[0] || slot < 0 || slot >= KF_KPI_SLOTS) return KF_EINVAL;
    kf_stmt *st;
    int rc = period_query(tx, sum_sql, q, metric, grain, &st);
    if (rc != KF_OK) return rc;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        kf_kpi_row *r = kf_kpi_table_row(t, row_key(q, kf_stmt_i64(st, 0), kf_stmt_text(st, 1)));
        if (!r) return KF_EIO;
        r->n[slot] += kf_stmt_i64(st, 2);
        r->total[slot] += kf_stmt_i64(st, 3);
    }
    return rc == KF_DONE ? KF_OK : rc;
}

/* ---- percentiles ---- */

typedef struct {
    int64_t key;
    int64_t *v;
    size_t n, cap;
} sample;

/* select: rearranges V[0..N) so that V[K] is the value a sort would put
 * there, smaller ones before it and larger after (Hoare's quickselect; a
 * month of a busy project has 100,000 values: no full sort). */
static void select_kth(int64_t *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        int64_t pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                int64_t t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

double kf_kpi_rank(int64_t *v, size_t n, double p)
{
    size_t k = (size_t)ceil(p * (double)n);
    k = k ? k - 1 : 0;
    select_kth(v, n, k);
    return (double)v[k];
}

static int add_sample(sample **s, size_t *ns, size_t *caps, int64_t key, int64_t v)
{
    sample *x = *ns && (*s)[*ns - 1].key == key ? &(*s)[*ns - 1] : NULL; /* rows come grouped */
    for (size_t i = 0; !x && i < *ns; i++)
        if ((*s)[i].key == key) x = &(*s)[i];
    if (!x) {
        if (*ns == *caps) {
            size_t cap = *caps ? *caps * 2 : 8;
            sample *grown = realloc(*s, cap * sizeof(sample));
            if (!grown) return KF_EIO;
            *s = grown;
            *caps = cap;
        }
        x = &(*s)[(*ns)++];
        *x = (sample){key, NULL, 0, 0};
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 4096;
        int64_t *grown = realloc(x->v, cap * sizeof(int64_t));
        if (!grown) return KF_EIO;
        x->v = grown;
        x->cap = cap;
    }
    x->v[x->n++] = v;
    return KF_OK;
}

int kf_kpi_minutes(kf_tx *tx, const kf_kpi_query *q, int m, int slot, kf_kpi_table *t)
{
    const char *clock = kf_rollup_clock_metric(m), *reach = kf_rollup_reach_metric(m), *field;
    if (!clock || slot < 0 || slot >= KF_KPI_SLOTS || !grain_of(q, clock, &field)) return KF_EINVAL;
    kf_stmt *st;
    int rc = period_query(tx, minutes_sql, q, clock, reach, &st);
    if (rc != KF_OK) return rc;
    sample *s = NULL;
    size_t ns = 0, caps = 0;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        int64_t key = q->by == KF_BY_TYPE ? row_key(q, 0, kf_stmt_text(st, 1))
                                          : kf_kpi_key_of_day(q->by, kf_stmt_i64(st, 0));
        if ((rc = add_sample(&s, &ns, &caps, key, kf_stmt_i64(st, 2))) != KF_OK) break;
    }
    if (rc == KF_DONE) rc = KF_OK;
    for (size_t i = 0; i < ns; i++) {
        if (rc == KF_OK) {
            kf_kpi_row *r = kf_kpi_table_row(t, s[i].key);
            if (!r) {
                rc = KF_EIO;
            } else {
                r->p50[slot] = kf_kpi_rank(s[i].v, s[i].n, 0.5);
                r->p90[slot] = kf_kpi_rank(s[i].v, s[i].n, 0.9);
            }
        }
        free(s[i].v);
    }
    free(s);
    return rc;
}
