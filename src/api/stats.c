/* GET /api/v1/stats/…: the KPIs of docs/reports.md over a period of one
 * project, grouped by one dimension, from the rollups (src/report/kpi.c),
 * and the facts behind any number (GET /api/v1/stats/facts). */
#include "api/api.h"
#include "api/api_int.h"
#include "api/stats.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "desk/calendar.h"
#include "desk/rollup.h"
#include "desk/ticket.h"
#include "http/app.h"
#include "http/router.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The longest period one request may sum: a year and a day (a leap year). */
#define MAX_PERIOD_DAYS 366

static const char *const milestones[] = {"acknowledge", "contact",   "plan",
                                         "resolve",     "follow_up", "onsite"};

int kf_stats_read_query(kf_req *req, kf_tx *tx, kf_input *in, kf_kpi_query *q, kf_kpi_by dflt)
{
    memset(q, 0, sizeof(*q));
    q->by = dflt;
    const char *given = kf_req_query(req, "project_id");
    if (!given || !*given)
        kf_input_fail(in, "project_id", "required");
    else if (kf_query_i64(in, "project_id", 1, INT64_MAX, &q->project) &&
             !kf_req_sees_project(req, q->project))
        kf_input_fail(in, "project_id", "unknown_project");
    const char *by = kf_query_str(in, "group_by", 20);
    if (by) {
        int i = 0;
        while (kf_kpi_by_names[i] && strcmp(kf_kpi_by_names[i], by) != 0)
            i++;
        if (!kf_kpi_by_names[i])
            kf_input_fail(in, "group_by", "not_in_list");
        else
            q->by = (kf_kpi_by)i;
    }
    q->type = kf_query_str(in, "type", 32);
    if (q->type && !kf_in_list(kf_ticket_types, q->type)) kf_input_fail(in, "type", "not_in_list");
    const char *ids[] = {"category_id", "building_id", "department_id", "person_id"};
    int64_t *dst[] = {&q->category, &q->building, &q->department, &q->person};
    for (int i = 0; i < 4; i++)
        kf_query_i64(in, ids[i], 1, INT64_MAX, dst[i]);
    /* the period: dates in the project's zone; this month so far by default */
    const char *from = kf_query_str(in, "from", 10), *to = kf_query_str(in, "to", 10);
    if (from && kf_date_parse(from, &q->from) != 0) kf_input_fail(in, "from", "invalid_date");
    if (to && kf_date_parse(to, &q->to) != 0) kf_input_fail(in, "to", "invalid_date");
    if (in->fields || !q->project) return KF_EINVAL;
    kf_desk_calendar *cal = NULL;
    int rc = kf_calendar_cache_get(req->app->calendars, tx, q->project, kf_now_ms(), &cal);
    if (rc == KF_ENOTFOUND) {
        kf_input_fail(in, "project_id", "unknown_project");
        return KF_EINVAL;
    }
    if (rc != KF_OK) return rc;
    int64_t today = kf_rollup_day(cal->cal.tz, kf_app_now(req->app));
    kf_desk_calendar_free(cal);
    if (!to) q->to = today;
    if (!from) {
        int y, m, d;
        kf_civil_from_days(q->to, &y, &m, &d);
        q->from = kf_days_from_civil(y, m, 1);
    }
    if (q->to < q->from)
        kf_input_fail(in, "to", "before_from");
    else if (q->to - q->from + 1 > MAX_PERIOD_DAYS)
        kf_input_fail(in, "to", "period_too_long");
    return in->fields ? KF_EINVAL : KF_OK;
}

/* ---- the names of the groups ---- */

static json_t *name_of(kf_tx *tx, const char *sql, int64_t id)
{
    kf_stmt *st;
    if (kf_tx_query(tx, &st, sql, "i", id) != KF_OK || kf_stmt_step(st) != KF_ROW)
        return json_null();
    return json_string(kf_stmt_text(st, 0) ? kf_stmt_text(st, 0) : "");
}

kf_stats_env kf_stats_env_of(const kf_req *req)
{
    return (kf_stats_env){req->lang, kf_app_now(req->app)};
}

json_t *kf_stats_key_json(const kf_stats_env *env, kf_tx *tx, kf_kpi_by by, int64_t key)
{
    char date[48];
    int en = env->lang && strncmp(env->lang, "en", 2) == 0;
    switch (by) {
    case KF_BY_PROJECT:
        return json_pack("{s:o}", "name", json_null());
    case KF_BY_DEPARTMENT:
        return json_pack("{s:o, s:o}", "id", key ? json_integer(key) : json_null(), "name",
                         key ? name_of(tx, "SELECT name FROM departments WHERE id = ?", key)
                             : json_string(en ? "(none)" : "（未派单）"));
    case KF_BY_PERSON:
        return json_pack("{s:o, s:o}", "id", key ? json_integer(key) : json_null(), "name",
                         key ? name_of(tx, "SELECT display_name FROM users WHERE id = ?", key)
                             : json_string(en ? "(pool)" : "（部门待领）"));
    case KF_BY_CATEGORY:
        return json_pack(
            "{s:o, s:o}", "id", key ? json_integer(key) : json_null(), "name",
            !key ? json_string(en ? "(none)" : "（未分类）")
            : en ? name_of(tx, "SELECT name_en FROM ticket_categories WHERE id = ?", key)
                 : name_of(tx, "SELECT name_zh FROM ticket_categories WHERE id = ?", key));
    case KF_BY_BUILDING:
        return json_pack("{s:o, s:o}", "id", key ? json_integer(key) : json_null(), "name",
                         key ? name_of(tx, "SELECT name FROM buildings WHERE id = ?", key)
                             : json_string(en ? "(no unit)" : "（无房屋）"));
    case KF_BY_TYPE:
        return json_pack("{s:s}", "type", key >= 0 ? kf_ticket_types[key] : "");
    case KF_BY_MONTH:
        snprintf(date, sizeof(date), "%04lld-%02lld", (long long)(key / 100),
                 (long long)(key % 100));
        return json_pack("{s:s}", "month", date);
    default: /* day, week (its Monday) */
        kf_date_format(key, date, sizeof(date));
        return json_pack("{s:s}", by == KF_BY_WEEK ? "week_of" : "day", date);
    }
}

/* ---- the answers ---- */

static json_t *ratio(int64_t num, int64_t den)
{
    return den ? json_real(round((double)num / (double)den * 10000.0) / 10000.0) : json_null();
}

static json_t *mean(int64_t total, int64_t n)
{
    return n ? json_real(round((double)total / (double)n * 100.0) / 100.0) : json_null();
}

static json_t *hours(double minutes)
{
    return minutes < 0 ? json_null() : json_real(round(minutes / 60.0 * 100.0) / 100.0);
}

json_t *kf_stats_period_json(const kf_kpi_query *q)
{
    char from[16], to[16];
    kf_date_format(q->from, from, sizeof(from));
    kf_date_format(q->to, to, sizeof(to));
    return json_pack("{s:I, s:s, s:s, s:s}", "project_id", (json_int_t)q->project, "from", from,
                     "to", to, "group_by", kf_kpi_by_names[q->by]);
}

/* Households: the project's (or building's) homes handed over to owners. */
static int households(kf_tx *tx, int64_t project, int64_t building, int64_t *out)
{
    return kf_tx_i64(tx, out,
                     "SELECT COUNT(*) FROM units WHERE project_id = ? AND status <> 'unsold'"
                     " AND (CAST(? AS BIGINT) = 0 OR building_id = ?)",
                     "iii", project, building, building);
}

typedef int (*kpi_fill)(kf_tx *tx, const kf_kpi_query *q, kf_kpi_table *t);
typedef int (*kpi_row)(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                       const kf_kpi_row *r, json_t *o);

static int fill_intake(kf_tx *tx, const kf_kpi_query *q, kf_kpi_table *t)
{
    int rc = kf_kpi_sum(tx, q, KF_M_CREATED, 0, t);
    if (rc == KF_OK) rc = kf_kpi_sum(tx, q, KF_M_INVALID, 1, t);
    kf_kpi_query c = *q;
    c.type = "complaint";
    if (rc == KF_OK && (!q->type || strcmp(q->type, "complaint") == 0))
        rc = kf_kpi_sum(tx, &c, KF_M_CREATED, 2, t);
    return rc;
}

static int row_intake(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                      const kf_kpi_row *r, json_t *o)
{
    json_object_set_new(o, "created", json_integer(r->n[0]));
    json_object_set_new(o, "invalid", json_integer(r->n[1]));
    json_object_set_new(o, "invalid_share", ratio(r->n[1], r->n[0]));
    json_object_set_new(o, "complaints", json_integer(r->n[2]));
    int64_t homes = 0;
    int per_homes = q->by == KF_BY_PROJECT || q->by == KF_BY_BUILDING;
    if (per_homes) {
        int rc = households(tx, q->project, q->by == KF_BY_BUILDING ? r->key : q->building, &homes);
        if (rc != KF_OK) return rc;
    }
    json_object_set_new(o, "households", per_homes ? json_integer(homes) : json_null());
    json_object_set_new(
        o, "complaints_per_100_households",
        per_homes && homes
            ? json_real(round((double)r->n[2] * 100.0 / (double)homes * 100.0) / 100.0)
            : json_null());
    return KF_OK;
}

static int fill_repairs(kf_tx *tx, const kf_kpi_query *q, kf_kpi_table *t)
{
    kf_kpi_query r = *q;
    r.type = "repair";
    int rc = kf_kpi_sum(tx, &r, KF_M_RESOLVED, 0, t);
    return rc == KF_OK ? kf_kpi_sum(tx, &r, KF_M_CREATED, 1, t) : rc;
}

static int row_repairs(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                       const kf_kpi_row *r, json_t *o)
{
    json_object_set_new(o, "resolved", json_integer(r->n[0]));
    json_object_set_new(o, "resolved_in_time", json_integer(r->total[0]));
    json_object_set_new(o, "timeliness", ratio(r->total[0], r->n[0]));
    json_object_set_new(o, "repairs", json_integer(r->n[1]));
    json_object_set_new(o, "repeats", json_integer(r->total[1]));
    json_object_set_new(o, "repeat_rate", ratio(r->total[1], r->n[1]));
    return KF_OK;
}

static int fill_closure(kf_tx *tx, const kf_kpi_query *q, kf_kpi_table *t)
{
    int rc = kf_kpi_sum(tx, q, KF_M_CLOSED, 0, t);
    return rc == KF_OK ? kf_kpi_sum(tx, q, KF_M_REOPENED, 1, t) : rc;
}

static int row_closure(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                       const kf_kpi_row *r, json_t *o)
{
    json_object_set_new(o, "closed", json_integer(r->n[0]));
    json_object_set_new(o, "closed_first_time", json_integer(r->total[0]));
    json_object_set_new(o, "first_time_close_rate", ratio(r->total[0], r->n[0]));
    json_object_set_new(o, "reopened", json_integer(r->n[1]));
    return KF_OK;
}

static const char *const score_metrics[] = {KF_M_SCORE_OVERALL, KF_M_SCORE_TIMELINESS,
                                            KF_M_SCORE_ATTITUDE};

static int fill_satisfaction(kf_tx *tx, const kf_kpi_query *q, kf_kpi_table *t)
{
    int rc = kf_kpi_sum(tx, q, KF_M_FOLLOW_UP, 0, t);
    for (int i = 0; i < 3 && rc == KF_OK; i++)
        rc = kf_kpi_sum(tx, q, score_metrics[i], 1 + i, t);
    return rc;
}

static int row_satisfaction(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                            const kf_kpi_row *r, json_t *o)
{
    json_object_set_new(o, "follow_ups", json_integer(r->n[0]));
    json_object_set_new(o, "satisfied", json_integer(r->total[0]));
    json_object_set_new(o, "satisfaction_rate", ratio(r->total[0], r->n[0]));
    const char *names[] = {"mean_score_overall", "mean_score_timeliness", "mean_score_attitude"};
    for (int i = 0; i < 3; i++)
        json_object_set_new(o, names[i], mean(r->total[1 + i], r->n[1 + i]));
    return KF_OK;
}

static int fill_milestones(kf_tx *tx, const kf_kpi_query *q, kf_kpi_table *t)
{
    int rc = KF_OK;
    for (int m = 0; m < KF_MS_COUNT && rc == KF_OK; m++) {
        rc = kf_kpi_sum(tx, q, kf_rollup_clock_metric(m), m, t);
        if (rc == KF_OK) rc = kf_kpi_minutes(tx, q, m, m, t);
    }
    return rc;
}

static json_t *milestone_json(const kf_kpi_row *r, int m)
{
    return json_pack("{s:I, s:I, s:o, s:o, s:o}", "due", (json_int_t)r->n[m], "met_in_time",
                     (json_int_t)r->total[m], "compliance", ratio(r->total[m], r->n[m]),
                     "median_hours", hours(r->p50[m]), "p90_hours", hours(r->p90[m]));
}

static int row_milestones(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                          const kf_kpi_row *r, json_t *o)
{
    json_t *ms = json_object();
    for (int m = 0; m < KF_MS_COUNT; m++)
        json_object_set_new(ms, milestones[m], milestone_json(r, m));
    json_object_set_new(o, "milestones", ms);
    return KF_OK;
}

/* workload slots: 0 received, 1 closed, 2 transferred, 3 returned, 4 the
 * overall score, 5.. the minutes to each milestone */
static int fill_workload(kf_tx *tx, const kf_kpi_query *q, kf_kpi_table *t)
{
    const char *sums[] = {KF_M_RECEIVED, KF_M_CLOSED, KF_M_TRANSFERRED, KF_M_RETURNED,
                          KF_M_SCORE_OVERALL};
    int rc = KF_OK;
    for (int i = 0; i < 5 && rc == KF_OK; i++)
        rc = kf_kpi_sum(tx, q, sums[i], i, t);
    for (int m = 0; m < KF_MS_COUNT && rc == KF_OK; m++)
        rc = kf_kpi_minutes(tx, q, m, 5 + m, t);
    return rc;
}

/* Open tickets past their earliest deadline now, of the group's department
 * or person (a live count: the due index holds only open deadlines). */
static int overdue_now(kf_tx *tx, const kf_kpi_query *q, int64_t key, int64_t now, int64_t *out)
{
    int64_t dept = q->by == KF_BY_DEPARTMENT ? key : q->department;
    int64_t person = q->by == KF_BY_PERSON ? key : q->person;
    return kf_tx_i64(tx, out,
                     "SELECT COUNT(*) FROM tickets WHERE project_id = ? AND next_due_at IS NOT NULL"
                     " AND next_due_at < ? AND (CAST(? AS BIGINT) = 0 OR department_id = ?)"
                     " AND (CAST(? AS BIGINT) = 0 OR assignee_id = ?)"
                     " AND (CAST(? AS TEXT) = '' OR type = ?)",
                     "iiiiiiss", q->project, now, dept, dept, person, person,
                     q->type ? q->type : "", q->type ? q->type : "");
}

static int row_workload(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                        const kf_kpi_row *r, json_t *o)
{
    const char *names[] = {"received", "closed", "transferred", "returned"};
    for (int i = 0; i < 4; i++)
        json_object_set_new(o, names[i], json_integer(r->n[i]));
    int64_t late = 0;
    int rc = overdue_now(tx, q, r->key, env->now, &late);
    if (rc != KF_OK) return rc;
    json_object_set_new(o, "overdue_now", json_integer(late));
    json_object_set_new(o, "mean_score_overall", mean(r->total[4], r->n[4]));
    json_t *ms = json_object();
    for (int m = 0; m < KF_MS_COUNT; m++)
        json_object_set_new(ms, milestones[m],
                            json_pack("{s:o, s:o}", "median_hours", hours(r->p50[5 + m]),
                                      "p90_hours", hours(r->p90[5 + m])));
    json_object_set_new(o, "working_hours", ms);
    return KF_OK;
}

typedef struct {
    const char *path;
    kf_kpi_by dflt;
    const char *metric; /* the one whose grains decide what may be combined */
    kpi_fill fill;
    kpi_row row;
} kpi_def;

static const kpi_def kpis[] = {
    {"/api/v1/stats/intake", KF_BY_PROJECT, KF_M_INVALID, fill_intake, row_intake},
    {"/api/v1/stats/repairs", KF_BY_PROJECT, KF_M_RESOLVED, fill_repairs, row_repairs},
    {"/api/v1/stats/closure", KF_BY_PROJECT, KF_M_CLOSED, fill_closure, row_closure},
    {"/api/v1/stats/satisfaction", KF_BY_PROJECT, KF_M_FOLLOW_UP, fill_satisfaction,
     row_satisfaction},
    {"/api/v1/stats/milestones", KF_BY_PROJECT, "clock.resolve", fill_milestones, row_milestones},
    {"/api/v1/stats/workload", KF_BY_DEPARTMENT, KF_M_RECEIVED, fill_workload, row_workload},
};

int kf_stats_kpi_json(const kf_stats_env *env, kf_tx *tx, const char *name, const kf_kpi_query *q,
                      json_t **out)
{
    const kpi_def *k = NULL;
    for (size_t i = 0; i < sizeof(kpis) / sizeof(kpis[0]); i++)
        if (strcmp(strrchr(kpis[i].path, '/') + 1, name) == 0) k = &kpis[i];
    if (!k) return KF_ENOTFOUND;
    kf_kpi_table t = {0};
    int rc = k->fill(tx, q, &t);
    if (rc == KF_OK && q->by == KF_BY_PROJECT && !t.n && !kf_kpi_table_row(&t, 0)) rc = KF_EIO;
    kf_kpi_table_sort(&t);
    json_t *rows = json_array();
    for (size_t i = 0; i < t.n && rc == KF_OK; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "key", kf_stats_key_json(env, tx, q->by, t.rows[i].key));
        rc = k->row(env, tx, q, &t.rows[i], o);
        json_array_append_new(rows, o);
    }
    kf_kpi_table_free(&t);
    if (rc != KF_OK) {
        json_decref(rows);
        return rc;
    }
    *out = kf_stats_period_json(q);
    json_object_set_new(*out, "rows", rows);
    return KF_OK;
}

static void kpi_get(kf_req *req)
{
    const kpi_def *k = req->route ? req->route->data : NULL;
    kf_input in;
    kf_query_begin(&in, req);
    kf_tx *tx = kf_req_read(req);
    if (!tx || !k) {
        if (!k) kf_reply_status(req, KF_ENOTFOUND);
        return;
    }
    kf_kpi_query q;
    int rc = kf_stats_read_query(req, tx, &in, &q, k->dflt);
    const char *field = NULL;
    if (rc == KF_OK && kf_kpi_supported(&q, k->metric, &field) != KF_OK) {
        kf_input_fail(&in, field, "not_combinable");
        rc = KF_EINVAL;
    }
    json_t *out = NULL;
    kf_stats_env env = kf_stats_env_of(req);
    if (rc == KF_OK) rc = kf_stats_kpi_json(&env, tx, strrchr(k->path, '/') + 1, &q, &out);
    kf_stats_reply(req, &in, rc, out);
}

void kf_stats_reply(kf_req *req, kf_input *in, int rc, json_t *out)
{
    if (rc == KF_EINVAL && in->fields)
        kf_input_end(in);
    else if (rc != KF_OK)
        kf_reply_status(req, rc);
    else
        kf_reply_json(req, 200, out);
}

int kf_api_stats_register(kf_router *r)
{
    for (size_t i = 0; i < sizeof(kpis) / sizeof(kpis[0]); i++)
        if (kf_router_add_data(r, "GET", kpis[i].path, "reports.read", kpi_get, 0, &kpis[i]) !=
            KF_OK)
            return KF_EINVAL;
    return kf_api_stats_more_register(r);
}
