/* GET /api/v1/stats/hot-issues (created tickets per month × category ×
 * building, against the month before: the leak and crack trend) and
 * GET /api/v1/stats/facts (the tickets behind any number). */
#include "api/api_int.h"
#include "api/stats.h"
#include "core/err.h"
#include "core/tz.h"
#include "desk/rollup.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t month, category, building, n;
} hot_cell;

typedef struct {
    hot_cell *c;
    size_t n, cap;
} hot_cells;

static hot_cell *cell_of(hot_cells *h, int64_t month, int64_t category, int64_t building)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->c[i].month == month && h->c[i].category == category && h->c[i].building == building)
            return &h->c[i];
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        hot_cell *grown = realloc(h->c, cap * sizeof(*grown));
        if (!grown) return NULL;
        h->c = grown;
        h->cap = cap;
    }
    h->c[h->n] = (hot_cell){month, category, building, 0};
    return &h->c[h->n++];
}

static int64_t month_before(int64_t month)
{
    return month % 100 == 1 ? (month / 100 - 1) * 100 + 12 : month - 1;
}

static int by_month_count(const void *pa, const void *pb)
{
    const hot_cell *a = pa, *b = pb;
    if (a->month != b->month) return a->month < b->month ? -1 : 1;
    if (a->n != b->n) return a->n > b->n ? -1 : 1;
    if (a->category != b->category) return a->category < b->category ? -1 : 1;
    return a->building < b->building ? -1 : a->building > b->building;
}

int kf_stats_hot_issues_json(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                             json_t **out)
{
    /* from the first day of the month before the period's first month */
    int y, m, d;
    kf_civil_from_days(q->from, &y, &m, &d);
    int64_t first = m == 1 ? kf_days_from_civil(y - 1, 12, 1) : kf_days_from_civil(y, m - 1, 1);
    int64_t first_month = (int64_t)y * 100 + m;
    kf_stmt *st;
    int rc =
        kf_tx_query(tx, &st,
                    "SELECT day, category_id, building_id, CAST(SUM(n) AS BIGINT)"
                    " FROM ticket_rollups WHERE project_id = ? AND metric = 'created'"
                    " AND grain = 'b' AND day >= ? AND day <= ?"
                    " AND (CAST(? AS TEXT) = '' OR type = ?)"
                    " AND (CAST(? AS BIGINT) = 0 OR category_id = ?)"
                    " AND (CAST(? AS BIGINT) = 0 OR building_id = ?)"
                    " GROUP BY day, category_id, building_id",
                    "iiissiiii", q->project, first, q->to, q->type ? q->type : "",
                    q->type ? q->type : "", q->category, q->category, q->building, q->building);
    if (rc != KF_OK) return rc;
    hot_cells h = {0};
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        hot_cell *c = cell_of(&h, kf_kpi_key_of_day(KF_BY_MONTH, kf_stmt_i64(st, 0)),
                              kf_stmt_i64(st, 1), kf_stmt_i64(st, 2));
        if (!c) {
            rc = KF_EIO;
            break;
        }
        c->n += kf_stmt_i64(st, 3);
    }
    if (rc != KF_DONE) {
        free(h.c);
        return rc;
    }
    size_t shown = h.n;
    /* the period's cells; a month before with nothing now shows as a fall to 0 */
    for (size_t i = 0; i < shown; i++) {
        int64_t next =
            h.c[i].month % 100 == 12 ? (h.c[i].month / 100 + 1) * 100 + 1 : h.c[i].month + 1;
        if (kf_kpi_key_of_day(KF_BY_MONTH, q->to) >= next &&
            !cell_of(&h, next, h.c[i].category, h.c[i].building)) {
            rc = KF_EIO;
            break;
        }
    }
    if (h.n) qsort(h.c, h.n, sizeof(hot_cell), by_month_count);
    json_t *rows = json_array();
    for (size_t i = 0; i < h.n && rc != KF_EIO; i++) {
        const hot_cell *c = &h.c[i];
        if (c->month < first_month) continue;
        int64_t before = 0;
        for (size_t j = 0; j < h.n; j++)
            if (h.c[j].month == month_before(c->month) && h.c[j].category == c->category &&
                h.c[j].building == c->building)
                before = h.c[j].n;
        json_t *key = kf_stats_key_json(env, tx, KF_BY_MONTH, c->month);
        json_object_set_new(key, "category",
                            kf_stats_key_json(env, tx, KF_BY_CATEGORY, c->category));
        json_object_set_new(key, "building",
                            kf_stats_key_json(env, tx, KF_BY_BUILDING, c->building));
        json_array_append_new(
            rows,
            json_pack("{s:o, s:I, s:I, s:I, s:o}", "key", key, "count", (json_int_t)c->n,
                      "previous", (json_int_t)before, "change", (json_int_t)(c->n - before),
                      "change_ratio",
                      before ? json_real((double)(c->n - before) / (double)before) : json_null()));
    }
    free(h.c);
    if (rc == KF_EIO) {
        json_decref(rows);
        return rc;
    }
    *out = kf_stats_period_json(q);
    json_object_set_new(*out, "group_by", json_string("month,category,building"));
    json_object_set_new(*out, "rows", rows);
    return KF_OK;
}

static void hot_issues(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    kf_kpi_query q;
    int rc = kf_stats_read_query(req, tx, &in, &q, KF_BY_MONTH);
    if (rc == KF_OK && (q.by != KF_BY_MONTH || q.department || q.person)) {
        kf_input_fail(&in,
                      q.by != KF_BY_MONTH ? "group_by"
                      : q.department      ? "department_id"
                                          : "person_id",
                      "not_combinable");
        rc = KF_EINVAL;
    }
    json_t *out = NULL;
    kf_stats_env env = kf_stats_env_of(req);
    if (rc == KF_OK) rc = kf_stats_hot_issues_json(&env, tx, &q, &out);
    kf_stats_reply(req, &in, rc, out);
}

/* ---- the facts behind a number ---- */

static json_t *fact_row(kf_stmt *st, const void *ctx)
{
    char day[16];
    kf_date_format(kf_stmt_i64(st, 2), day, sizeof(day));
    json_t *o = json_pack(
        "{s:I, s:I, s:s, s:o, s:s, s:s, s:I}", "id", (json_int_t)kf_stmt_i64(st, 0), "ticket_id",
        (json_int_t)kf_stmt_i64(st, 1), "day", day, "at", kf_api_time(kf_stmt_i64(st, 3)), "metric",
        kf_stmt_text(st, 4), "type", kf_stmt_text(st, 5), "value", (json_int_t)kf_stmt_i64(st, 10));
    const char *ids[] = {"category_id", "building_id", "department_id", "person_id"};
    for (int i = 0; i < 4; i++)
        json_object_set_new(
            o, ids[i], kf_stmt_i64(st, 6 + i) ? json_integer(kf_stmt_i64(st, 6 + i)) : json_null());
    json_object_set_new(o, "minutes",
                        kf_stmt_isnull(st, 11) ? json_null() : json_integer(kf_stmt_i64(st, 11)));
    json_object_set_new(o, "subject",
                        json_string(kf_stmt_text(st, 12) ? kf_stmt_text(st, 12) : ""));
    json_object_set_new(o, "status", json_string(kf_stmt_text(st, 13) ? kf_stmt_text(st, 13) : ""));
    return o;
}

static void facts_list(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    kf_kpi_query q;
    int rc = kf_stats_read_query(req, tx, &in, &q, KF_BY_PROJECT);
    const char *metric = kf_query_str(&in, "metric", 40);
    if (!metric)
        kf_input_fail(&in, "metric", "required");
    else if (!kf_rollup_grains(metric))
        kf_input_fail(&in, "metric", "not_in_list");
    int64_t value = -1, after = 0, limit = 50;
    kf_query_i64(&in, "value", 0, 1000000, &value);
    kf_query_i64(&in, "limit", 1, 200, &limit);
    kf_api_cursor(&in, &after);
    if (rc == KF_EINVAL || in.fields) {
        kf_input_end(&in);
        return;
    }
    kf_stmt *st = NULL;
    if (rc == KF_OK)
        rc = kf_tx_query(
            tx, &st,
            "SELECT f.id, f.ticket_id, f.day, f.at, f.metric, f.type, f.category_id, f.building_id,"
            " f.department_id, f.person_id, f.value, f.minutes, t.subject, t.status"
            " FROM ticket_facts f JOIN tickets t ON t.id = f.ticket_id"
            " WHERE f.project_id = ? AND f.metric = ? AND f.day >= ? AND f.day <= ?"
            " AND (CAST(? AS TEXT) = '' OR f.type = ?)"
            " AND (CAST(? AS BIGINT) = 0 OR f.category_id = ?)"
            " AND (CAST(? AS BIGINT) = 0 OR f.building_id = ?)"
            " AND (CAST(? AS BIGINT) = 0 OR f.department_id = ?)"
            " AND (CAST(? AS BIGINT) = 0 OR f.person_id = ?)"
            " AND (CAST(? AS BIGINT) < 0 OR f.value = ?) AND (CAST(? AS BIGINT) = 0 OR f.id < ?)"
            " ORDER BY f.id DESC LIMIT ?",
            "isiissiiiiiiiiiiiii", q.project, metric, q.from, q.to, q.type ? q.type : "",
            q.type ? q.type : "", q.category, q.category, q.building, q.building, q.department,
            q.department, q.person, q.person, value, value, after, after, limit + 1);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    json_t *items = json_array();
    int64_t last = 0;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        if ((int64_t)json_array_size(items) == limit) break;
        json_t *o = fact_row(st, NULL);
        last = kf_stmt_i64(st, 0);
        json_array_append_new(items, o);
    }
    if (rc != KF_ROW && rc != KF_DONE) {
        json_decref(items);
        kf_reply_status(req, rc);
        return;
    }
    json_t *out = kf_stats_period_json(&q);
    json_object_del(out, "group_by");
    json_object_set_new(out, "metric", json_string(metric));
    json_object_set_new(out, "items", items);
    char next[24];
    snprintf(next, sizeof(next), "%lld", (long long)last);
    json_object_set_new(out, "next_cursor", rc == KF_ROW ? json_string(next) : json_null());
    kf_reply_json(req, 200, out);
}

int kf_api_stats_more_register(kf_router *r)
{
    if (kf_router_add(r, "GET", "/api/v1/stats/hot-issues", "reports.read", hot_issues, 0) !=
            KF_OK ||
        kf_router_add(r, "GET", "/api/v1/stats/facts", "reports.read", facts_list, 0) != KF_OK)
        return KF_EINVAL;
    return KF_OK;
}
