/* Scheduled reports and their snapshots (定期报表):
 *   GET/PUT /api/v1/report-schedules   a project's weekly and monthly days
 *   GET  /api/v1/reports               the snapshots made, newest first
 *   POST /api/v1/reports               make one now (for a period end)
 *   GET  /api/v1/reports/{id}          one, with its document
 *   POST /api/v1/reports/run-due       make every scheduled report now due
 * A snapshot is made once per project, kind and period (the unique key makes a
 * second attempt find the first) and never changes afterwards (the schema
 * refuses updates). The job thread (report_job.c) runs kf_reports_run_due. */
#include "api/reports.h"

#include "api/api_int.h"
#include "api/report_doc.h"
#include "api/report_export.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "desk/calendar.h"
#include "desk/rollup.h"
#include "http/app.h"
#include "http/router.h"

#include <stdlib.h>
#include <string.h>

/* ---- making a snapshot ---- */

typedef struct {
    int64_t project, created_by, now;
    const char *kind;
    char from[16], to[16];
    char *body; /* owned */
    int64_t id; /* the snapshot's, made or found */
    int made;
} snapshot_job;

static int snapshot_write(kf_tx *tx, void *ctx)
{
    snapshot_job *s = ctx;
    int64_t changed = 0;
    int rc =
        kf_tx_exec(tx, &changed,
                   "INSERT INTO report_snapshots (project_id, kind, period_from, period_to,"
                   " body, created_by, created_at) VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), ?)"
                   " ON CONFLICT (project_id, kind, period_from, period_to) DO NOTHING",
                   "issssii", s->project, s->kind, s->from, s->to, s->body, s->created_by, s->now);
    if (rc != KF_OK) return rc;
    s->made = changed > 0;
    return kf_tx_i64(tx, &s->id,
                     "SELECT id FROM report_snapshots WHERE project_id = ? AND kind = ?"
                     " AND period_from = ? AND period_to = ?",
                     "isss", s->project, s->kind, s->from, s->to);
}

/* The snapshot of PROJECT's KIND report (scheduled on DAY) ending on END:
 * built from a read transaction, stored by one write. */
static int make_snapshot(kf_app *app, const kf_stats_env *env, int64_t project, kf_report_kind kind,
                         int day, int64_t end, int64_t by, int64_t *id, int *made)
{
    int64_t from, prev_from, prev_to;
    kf_report_period(kind, day, end, &from, &prev_from, &prev_to);
    kf_tx *tx;
    int rc = kf_store_read_begin(app->store, &tx);
    if (rc != KF_OK) return rc;
    json_t *doc = NULL;
    rc = kf_report_build(env, tx, project, kind, day, from, end, &doc);
    kf_store_read_end(app->store, tx);
    if (rc != KF_OK) return rc;
    snapshot_job s = {.project = project, .created_by = by, .now = env->now};
    s.kind = kf_report_kind_name(kind);
    kf_date_format(from, s.from, sizeof(s.from));
    kf_date_format(end, s.to, sizeof(s.to));
    json_object_set_new(doc, "generated_at", kf_api_time(env->now));
    s.body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!s.body) return KF_EIO;
    rc = kf_store_write(app->store, snapshot_write, &s);
    free(s.body);
    if (rc == KF_OK) {
        *id = s.id;
        *made = s.made;
    }
    return rc;
}

/* The project's "today" (its zone) at the desk's time. */
static int project_today(kf_app *app, kf_tx *tx, int64_t project, int64_t *today)
{
    kf_desk_calendar *cal = NULL;
    int rc = kf_calendar_cache_get(app->calendars, tx, project, kf_now_ms(), &cal);
    if (rc != KF_OK) return rc;
    *today = kf_rollup_day(cal->cal.tz, kf_app_now(app));
    kf_desk_calendar_free(cal);
    return KF_OK;
}

typedef struct {
    int64_t project, day;
    kf_report_kind kind;
} due_report;

/* A schedule's day as kf_report_last_end takes it: weekly 1 = Monday … 7
 * is weekday 0 … 6. */
static int64_t sched_day(int kind, int64_t day)
{
    return kind == KF_REPORT_WEEKLY ? day - 1 : day;
}

int kf_reports_run_due(kf_app *app, int64_t project_only, json_t *made)
{
    kf_tx *tx;
    int rc = kf_store_read_begin(app->store, &tx);
    if (rc != KF_OK) return rc;
    /* what is due: each active schedule's last completed period, not made yet */
    due_report due[256];
    int n = 0;
    kf_stmt *st;
    rc = kf_tx_query(tx, &st,
                     "SELECT project_id, kind, day FROM report_schedules WHERE active = 1"
                     " AND (CAST(? AS BIGINT) = 0 OR project_id = ?) ORDER BY id",
                     "ii", project_only, project_only);
    while (rc == KF_OK && n < 256 && (rc = kf_stmt_step(st)) == KF_ROW) {
        int kind = kf_report_kind_parse(kf_stmt_text(st, 1));
        if (kind >= 0)
            due[n++] = (due_report){kf_stmt_i64(st, 0), sched_day(kind, kf_stmt_i64(st, 2)),
                                    (kf_report_kind)kind};
        rc = KF_OK;
    }
    if (rc == KF_DONE) rc = KF_OK;
    int64_t ends[256];
    for (int i = 0; i < n && rc == KF_OK; i++) {
        int64_t today = 0;
        rc = project_today(app, tx, due[i].project, &today);
        /* a period is complete once its last day is over */
        ends[i] = kf_report_last_end(due[i].kind, (int)due[i].day, today - 1);
    }
    kf_store_read_end(app->store, tx);
    kf_stats_env env = {"zh-CN", kf_app_now(app)};
    for (int i = 0; i < n && rc == KF_OK; i++) {
        int64_t id = 0;
        int was_made = 0;
        rc = make_snapshot(app, &env, due[i].project, due[i].kind, (int)due[i].day, ends[i], 0, &id,
                           &was_made);
        if (rc == KF_OK && was_made && made) json_array_append_new(made, json_integer(id));
    }
    return rc;
}

/* ---- schedules ---- */

static json_t *schedule_row(kf_stmt *st, const void *ctx)
{
    (void)ctx;
    return json_pack("{s:I, s:I, s:s, s:I, s:b, s:o, s:I}", "id", (json_int_t)kf_stmt_i64(st, 0),
                     "project_id", (json_int_t)kf_stmt_i64(st, 1), "kind", kf_stmt_text(st, 2),
                     "day", (json_int_t)kf_stmt_i64(st, 3), "active", (int)kf_stmt_i64(st, 4),
                     "updated_at", kf_api_time(kf_stmt_i64(st, 5)), "version",
                     (json_int_t)kf_stmt_i64(st, 6));
}

static int read_project(kf_req *req, kf_input *in, int64_t *project)
{
    const char *given = kf_req_query(req, "project_id");
    if (!given || !*given)
        kf_input_fail(in, "project_id", "required");
    else if (kf_query_i64(in, "project_id", 1, INT64_MAX, project) &&
             !kf_req_sees_project(req, *project))
        kf_input_fail(in, "project_id", "unknown_project");
    return kf_input_end(in);
}

static void reply_schedules(kf_req *req, int64_t project)
{
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT id, project_id, kind, day, active, updated_at, version"
                         " FROM report_schedules WHERE project_id = ? ORDER BY kind DESC",
                         "i", project);
    kf_api_reply_rows(req, rc, st, schedule_row, NULL);
}

static void schedules_get(kf_req *req)
{
    kf_input in;
    int64_t project = 0;
    kf_query_begin(&in, req);
    if (read_project(req, &in, &project) == 0) reply_schedules(req, project);
}

typedef struct {
    kf_req *req;
    int64_t project, day, active, now;
    const char *kind;
} schedule_input;

static int schedule_write(kf_tx *tx, void *ctx)
{
    schedule_input *s = ctx;
    int rc = kf_tx_exec(tx, NULL,
                        "INSERT INTO report_schedules (project_id, kind, day, active, created_at,"
                        " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, kind)"
                        " DO UPDATE SET day = excluded.day, active = excluded.active,"
                        " updated_at = excluded.updated_at,"
                        " version = report_schedules.version + 1",
                        "isiiii", s->project, s->kind, s->day, s->active, s->now, s->now);
    if (rc != KF_OK) return rc;
    kf_actor actor = kf_api_actor(s->req);
    json_t *after = json_pack("{s:s, s:I, s:b}", "kind", s->kind, "day", (json_int_t)s->day,
                              "active", (int)s->active);
    kf_audit_entry e = {"report_schedule", 0, s->project, "update", NULL, after};
    rc = kf_audit_write(tx, &actor, &e, s->now);
    json_decref(after);
    return rc;
}

static const char *const schedule_fields[] = {"project_id", "kind", "day", "active", NULL};

static void schedules_put(kf_req *req)
{
    kf_input in;
    if (kf_input_begin(&in, req, schedule_fields) != 0) return;
    schedule_input s = {.req = req, .active = 1, .now = kf_now_ms()};
    kf_input_i64(&in, "project_id", 1, 1, INT64_MAX, &s.project);
    if (s.project && !kf_req_sees_project(req, s.project))
        kf_input_fail(&in, "project_id", "unknown_project");
    s.kind = kf_input_str(&in, "kind", 1, 1, 16);
    int kind = kf_report_kind_parse(s.kind);
    if (s.kind && kind < 0) kf_input_fail(&in, "kind", "not_in_list");
    /* weekly: 1 = Monday … 7 = Sunday; monthly: 1–31 (a shorter month ends on its last day) */
    kf_input_i64(&in, "day", 1, 1, kind == KF_REPORT_WEEKLY ? 7 : 31, &s.day);
    int active = 1;
    if (kf_input_bool(&in, "active", 0, &active)) s.active = active;
    if (kf_input_end(&in) != 0) return;
    int rc = kf_req_write(req, schedule_write, &s);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    reply_schedules(req, s.project);
}

/* ---- snapshots ---- */

static json_t *snapshot_row(kf_stmt *st, const void *ctx)
{
    (void)ctx;
    json_t *o =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)kf_stmt_i64(st, 0),
                  "project_id", (json_int_t)kf_stmt_i64(st, 1), "kind", kf_stmt_text(st, 2), "from",
                  kf_stmt_text(st, 3), "to", kf_stmt_text(st, 4), "created_by",
                  kf_stmt_isnull(st, 5) ? json_null() : json_integer(kf_stmt_i64(st, 5)),
                  "created_at", kf_api_time(kf_stmt_i64(st, 6)));
    return o;
}

#define SNAPSHOT_COLUMNS "id, project_id, kind, period_from, period_to, created_by, created_at"

static void reports_list(kf_req *req)
{
    kf_input in;
    int64_t project = 0, after = 0, limit = 50;
    kf_query_begin(&in, req);
    const char *kind = kf_query_str(&in, "kind", 16);
    if (kind && kf_report_kind_parse(kind) < 0) kf_input_fail(&in, "kind", "not_in_list");
    kf_query_i64(&in, "limit", 1, 200, &limit);
    kf_api_cursor(&in, &after);
    if (read_project(req, &in, &project) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    kf_stmt *st;
    int rc =
        kf_tx_query(tx, &st,
                    "SELECT " SNAPSHOT_COLUMNS " FROM report_snapshots WHERE project_id = ?"
                    " AND (CAST(? AS TEXT) = '' OR kind = ?)"
                    " AND (CAST(? AS BIGINT) = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
                    "issiii", project, kind ? kind : "", kind ? kind : "", after, after, limit + 1);
    json_t *items = json_array();
    int64_t last = 0;
    while (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_ROW) {
        if ((int64_t)json_array_size(items) == limit) break;
        json_array_append_new(items, snapshot_row(st, NULL));
        last = kf_stmt_i64(st, 0);
        rc = KF_OK;
    }
    if (rc != KF_ROW && rc != KF_DONE && rc != KF_OK) {
        json_decref(items);
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, kf_api_page(items, rc == KF_ROW ? last : 0));
}

int kf_reports_snapshot(kf_req *req, int64_t id, int64_t *project, json_t **row, json_t **body)
{
    kf_tx *tx = kf_req_read(req);
    if (!tx) return KF_EBUSY;
    kf_stmt *st;
    int rc = kf_tx_query(
        tx, &st, "SELECT " SNAPSHOT_COLUMNS ", body FROM report_snapshots WHERE id = ?", "i", id);
    if (rc == KF_OK) rc = kf_stmt_step(st);
    if (rc == KF_DONE) return KF_ENOTFOUND;
    if (rc != KF_ROW) return rc;
    *project = kf_stmt_i64(st, 1);
    if (!kf_req_sees_project(req, *project)) return KF_ENOTFOUND;
    *row = snapshot_row(st, NULL);
    if (body) *body = json_loads(kf_stmt_text(st, 7), 0, NULL);
    return *row && (!body || *body) ? KF_OK : KF_EIO;
}

static void report_get(kf_req *req)
{
    int64_t id, project;
    if (kf_req_param_id(req, "id", &id) != 0) return;
    json_t *row = NULL, *body = NULL;
    int rc = kf_reports_snapshot(req, id, &project, &row, &body);
    if (rc != KF_OK) {
        json_decref(row);
        json_decref(body);
        kf_reply_status(req, rc);
        return;
    }
    json_object_set_new(row, "document", body);
    kf_reply_json(req, 200, row);
}

static const char *const make_fields[] = {"project_id", "kind", "day", "period_end", NULL};

static void report_make(kf_req *req)
{
    kf_input in;
    if (kf_input_begin(&in, req, make_fields) != 0) return;
    int64_t project = 0, day = 0, end = 0;
    kf_input_i64(&in, "project_id", 1, 1, INT64_MAX, &project);
    if (project && !kf_req_sees_project(req, project))
        kf_input_fail(&in, "project_id", "unknown_project");
    const char *kind_name = kf_input_str(&in, "kind", 1, 1, 16);
    int kind = kf_report_kind_parse(kind_name);
    if (kind_name && kind < 0) kf_input_fail(&in, "kind", "not_in_list");
    /* the schedule's day: by default Sunday for a week, the month's last day */
    int has_day = kf_input_i64(&in, "day", 0, 1, kind == KF_REPORT_WEEKLY ? 7 : 31, &day);
    if (!has_day) day = kind == KF_REPORT_WEEKLY ? 7 : 31;
    const char *given_end = kf_input_str(&in, "period_end", 0, 10, 10);
    if (given_end && kf_date_parse(given_end, &end) != 0)
        kf_input_fail(&in, "period_end", "invalid_date");
    if (kf_input_end(&in) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int64_t today = 0;
    int rc = project_today(req->app, tx, project, &today);
    kf_req_read_done(req);
    if (rc == KF_OK && !given_end)
        end = kf_report_last_end((kf_report_kind)kind, (int)sched_day(kind, day), today - 1);
    else if (rc == KF_OK &&
             kf_report_last_end((kf_report_kind)kind, (int)sched_day(kind, day), end) != end) {
        kf_input_fail(&in, "period_end", "not_a_period_end");
        kf_input_end(&in);
        return;
    }
    kf_stats_env env = kf_stats_env_of(req);
    int64_t id = 0;
    int made = 0;
    if (rc == KF_OK)
        rc = make_snapshot(req->app, &env, project, (kf_report_kind)kind, (int)sched_day(kind, day),
                           end, req->auth->user.id, &id, &made);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    json_t *row = NULL, *body = NULL;
    rc = kf_reports_snapshot(req, id, &project, &row, &body);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    json_object_set_new(row, "document", body);
    kf_reply_json(req, made ? 201 : 200, row);
}

static void reports_run_due(kf_req *req)
{
    json_t *made = json_array();
    /* every project the caller sees (an administrator: all) */
    int rc = KF_OK;
    if (kf_role_is_global(req->auth->role)) {
        rc = kf_reports_run_due(req->app, 0, made);
    } else {
        for (size_t i = 0; i < req->auth->nprojects && rc == KF_OK; i++)
            rc = kf_reports_run_due(req->app, req->auth->project_ids[i], made);
    }
    if (rc != KF_OK) {
        json_decref(made);
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, json_pack("{s:o}", "made", made));
}

int kf_api_reports_register(kf_router *r)
{
    if (kf_router_add(r, "GET", "/api/v1/report-schedules", "reports.read", schedules_get, 0) !=
            KF_OK ||
        kf_router_add(r, "PUT", "/api/v1/report-schedules", "reports.manage", schedules_put, 0) !=
            KF_OK ||
        kf_router_add(r, "GET", "/api/v1/reports", "reports.read", reports_list, 0) != KF_OK ||
        kf_router_add(r, "POST", "/api/v1/reports", "reports.manage", report_make, 0) != KF_OK ||
        kf_router_add(r, "POST", "/api/v1/reports/run-due", "reports.manage", reports_run_due, 0) !=
            KF_OK ||
        kf_router_add(r, "GET", "/api/v1/reports/{id}", "reports.read", report_get, 0) != KF_OK)
        return KF_EINVAL;
    return kf_api_report_export_register(r);
}
