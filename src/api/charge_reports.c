/* Reading charges (ticket_charges.c writes them): a ticket's charges, one
 * charge, the approval queue of the caller (what waits at a level the
 * caller may approve, in the projects the caller sees) and the decided
 * history; and the crews' month-end settlement of their warranty deposits
 * (质保金月结): the opening balance, the month's deposits, deductions (each
 * with its ticket and charge), refunds and adjustments, and the closing
 * balance, with the month's bounds in the project's time zone. */
#include "api/api.h"
#include "api/api_int.h"
#include "api/tickets_int.h"

#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- charges ---- */

#define CHARGE_SELECT                                                                              \
    "SELECT c.id, c.project_id, c.ticket_id, c.kind, c.amount_fen, c.labour_fen,"                  \
    " c.materials_fen, c.materials, c.bearer, c.bearer_id, c.reason, c.status, c.level,"           \
    " c.created_by, c.created_at, c.decided_by, c.decided_at, c.decision_note,"                    \
    " c.deposit_entry_id, c.updated_at, c.version, COALESCE(cr.name, d.name, su.display_name),"    \
    " cu.display_name, du.display_name, t.subject FROM ticket_charges c"                           \
    " JOIN tickets t ON t.id = c.ticket_id"                                                        \
    " LEFT JOIN crews cr ON c.bearer = 'crew' AND cr.id = c.bearer_id"                             \
    " LEFT JOIN departments d ON c.bearer = 'department' AND d.id = c.bearer_id"                   \
    " LEFT JOIN users su ON c.bearer = 'staff' AND su.id = c.bearer_id"                            \
    " LEFT JOIN users cu ON cu.id = c.created_by LEFT JOIN users du ON du.id = c.decided_by"

static json_t *opt_id(kf_stmt *st, int col)
{
    return kf_stmt_isnull(st, col) ? json_null() : json_integer(kf_stmt_i64(st, col));
}

static json_t *opt_text(kf_stmt *st, int col)
{
    return kf_stmt_text(st, col) ? json_string(kf_stmt_text(st, col)) : json_null();
}

/* A row of CHARGE_SELECT as shown. New reference. */
static json_t *charge_json(kf_stmt *st, const void *ctx)
{
    (void)ctx;
    const char *kind = kf_stmt_text(st, 3), *lines = kf_stmt_text(st, 7);
    json_t *materials = lines ? json_loads(lines, 0, NULL) : NULL;
    json_t *o = json_pack(
        "{s:I, s:I, s:I, s:s, s:I, s:I, s:I, s:o, s:s, s:o, s:o, s:s, s:s, s:s}", "id",
        (json_int_t)kf_stmt_i64(st, 0), "project_id", (json_int_t)kf_stmt_i64(st, 1), "ticket_id",
        (json_int_t)kf_stmt_i64(st, 2), "kind", kind, "amount_fen", (json_int_t)kf_stmt_i64(st, 4),
        "labour_fen", (json_int_t)kf_stmt_i64(st, 5), "materials_fen",
        (json_int_t)kf_stmt_i64(st, 6), "materials", materials ? materials : json_null(), "bearer",
        kf_stmt_text(st, 8), "bearer_id", opt_id(st, 9), "bearer_name", opt_text(st, 21), "reason",
        kf_stmt_text(st, 10), "status", kf_stmt_text(st, 11), "level", kf_stmt_text(st, 12));
    json_object_set_new(o, "repair",
                        strcmp(kind, "repair") != 0 ? json_null()
                        : lines                     ? json_string("abnormal")
                                                    : json_string("normal"));
    json_object_set_new(o, "ticket_subject", json_string(kf_stmt_text(st, 24)));
    json_object_set_new(o, "created_by", opt_id(st, 13));
    json_object_set_new(o, "created_by_name", opt_text(st, 22));
    json_object_set_new(o, "created_at", kf_api_time(kf_stmt_i64(st, 14)));
    json_object_set_new(o, "decided_by", opt_id(st, 15));
    json_object_set_new(o, "decided_by_name", opt_text(st, 23));
    json_object_set_new(o, "decided_at",
                        kf_stmt_isnull(st, 16) ? json_null() : kf_api_time(kf_stmt_i64(st, 16)));
    json_object_set_new(o, "decision_note", json_string(kf_stmt_text(st, 17)));
    json_object_set_new(o, "deposit_entry_id", opt_id(st, 18));
    json_object_set_new(o, "updated_at", kf_api_time(kf_stmt_i64(st, 19)));
    json_object_set_new(o, "version", json_integer(kf_stmt_i64(st, 20)));
    return o;
}

int kf_charge_read(kf_tx *tx, int64_t id, json_t **out)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st, CHARGE_SELECT " WHERE c.id = ?", "i", id);
    if (rc == KF_OK) rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_ENOTFOUND : rc;
    *out = charge_json(st, NULL);
    rc = kf_stmt_step(st);
    if (rc == KF_DONE) return KF_OK;
    json_decref(*out);
    *out = NULL;
    return rc;
}

static void ticket_charges(kf_req *req)
{
    kf_ticket_reply_rows(req, CHARGE_SELECT " WHERE c.ticket_id = ? ORDER BY c.id", charge_json);
}

static void charge_get(kf_req *req)
{
    int64_t id;
    if (kf_req_param_id(req, "id", &id) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    json_t *out = NULL;
    int rc = kf_charge_read(tx, id, &out);
    if (rc == KF_OK &&
        !kf_req_sees_project(req, json_integer_value(json_object_get(out, "project_id"))))
        rc = KF_ENOTFOUND;
    if (rc != KF_OK) {
        json_decref(out);
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, out);
}

/* The queue: newest first. Parameters: the scope (one project, or the
 * caller's), the status, the caller's approver rank three times (pending
 * charges only at the levels it reaches), the kind twice, the cursor, the limit. */
#define QUEUE_SQL(scope)                                                                           \
    CHARGE_SELECT                                                                                  \
    " WHERE" scope " AND c.status = ?"                                                             \
    " AND (c.status <> 'pending' OR (c.level = 'supervisor' AND CAST(? AS BIGINT) >= 1)"           \
    " OR (c.level = 'manager' AND CAST(? AS BIGINT) >= 2)"                                         \
    " OR (c.level = 'executive' AND CAST(? AS BIGINT) >= 3))"                                      \
    " AND (CAST(? AS TEXT) = '' OR c.kind = ?) AND c.id < ? ORDER BY c.id DESC"                    \
    " LIMIT ?"
static const char *const queue_sql[2] = {
    QUEUE_SQL(KF_SCOPE_ONE_ON("c.project_id")),
    QUEUE_SQL(KF_SCOPE_MANY_ON("c.project_id")),
};

static const char *const statuses[] = {"pending", "approved", "refused", NULL};
static const char *const kinds[] = {"repair", "compensation", NULL};

static void charges_list(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    int64_t project = 0, limit = 50, after = 0;
    kf_query_i64(&in, "project_id", 1, INT64_MAX, &project);
    kf_query_i64(&in, "limit", 1, 200, &limit);
    kf_api_cursor(&in, &after);
    const char *status = kf_query_str(&in, "status", 16), *kind = kf_query_str(&in, "kind", 16);
    if (status && !kf_in_list(statuses, status)) kf_input_fail(&in, "status", "not_in_list");
    if (kind && !kf_in_list(kinds, kind)) kf_input_fail(&in, "kind", "not_in_list");
    if (project && !kf_req_sees_project(req, project))
        kf_input_fail(&in, "project_id", "unknown_project");
    if (kf_input_end(&in) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    kf_stmt *st;
    int rc = kf_tx_prepare(tx, queue_sql[project == 0], &st);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    int i = kf_api_bind_scope(req, st, project);
    kf_stmt_bind_text(st, i++, status ? status : "pending");
    int64_t rank = kf_role_approver_rank(req->auth->role);
    for (int k = 0; k < 3; k++)
        kf_stmt_bind_i64(st, i++, rank);
    kf_stmt_bind_text(st, i++, kind ? kind : "");
    kf_stmt_bind_text(st, i++, kind ? kind : "");
    kf_stmt_bind_i64(st, i++, after ? after : INT64_MAX);
    kf_stmt_bind_i64(st, i, limit);
    json_t *items = json_array();
    int64_t last = 0;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        json_array_append_new(items, charge_json(st, NULL));
        last = kf_stmt_i64(st, 0);
    }
    if (rc != KF_DONE) {
        json_decref(items);
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200,
                  kf_api_page(items, (int64_t)json_array_size(items) == limit ? last : 0));
}

/* ---- the crews' month-end settlement (质保金月结) ---- */

/* ?month=YYYY-MM: the month's bounds as instants (ms), its first local
 * midnight to the next month's, in the project's time zone. */
typedef struct {
    const char *text;
    int64_t first_day, next_day; /* day numbers */
    int64_t from, to;            /* ms UTC, set once the zone is known */
    char zone[64];
} month_range;

static void read_month(kf_input *in, month_range *m)
{
    m->text = kf_query_str(in, "month", 16);
    const char *s = m->text;
    if (!s) {
        kf_input_fail(in, "month", "required");
        return;
    }
    int ok = strlen(s) == 7 && s[4] == '-';
    for (int i = 0; ok && i < 7; i++)
        ok = i == 4 || (s[i] >= '0' && s[i] <= '9');
    int y = ok ? atoi(s) : 0, mo = ok ? atoi(s + 5) : 0;
    if (!ok || y < 1900 || y > 2199 || mo < 1 || mo > 12) {
        kf_input_fail(in, "month", "invalid_month");
        return;
    }
    m->first_day = kf_days_from_civil(y, mo, 1);
    m->next_day = mo == 12 ? kf_days_from_civil(y + 1, 1, 1) : kf_days_from_civil(y, mo + 1, 1);
}

static int month_bounds(kf_req *req, kf_tx *tx, int64_t project, month_range *m)
{
    kf_desk_calendar *cal = NULL;
    int rc = kf_calendar_cache_get(req->app->calendars, tx, project, kf_now_ms(), &cal);
    if (rc != KF_OK) return rc;
    m->from = kf_tz_to_utc(cal->cal.tz, m->first_day * 86400) * 1000;
    m->to = kf_tz_to_utc(cal->cal.tz, m->next_day * 86400) * 1000;
    snprintf(m->zone, sizeof(m->zone), "%s", cal->timezone);
    kf_desk_calendar_free(cal);
    return KF_OK;
}

/* Per crew of a project (or one crew): the balance before the month and the
 * month's sums by kind (deductions and refunds as positive amounts), the
 * number of entries and of deductions. Parameters: from ×7, to, project, the
 * crew twice (0: all), the limit. */
static const char settlement_sql[] =
    "SELECT c.id, c.name,"
    " COALESCE(SUM(CASE WHEN e.created_at < ? THEN e.amount_fen ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN e.created_at >= ? AND e.kind = 'deposit' THEN e.amount_fen"
    " ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN e.created_at >= ? AND e.kind = 'deduction' THEN -e.amount_fen"
    " ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN e.created_at >= ? AND e.kind = 'refund' THEN -e.amount_fen"
    " ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN e.created_at >= ? AND e.kind = 'adjustment' THEN e.amount_fen"
    " ELSE 0 END), 0),"
    " COUNT(CASE WHEN e.created_at >= ? THEN 1 END),"
    " COUNT(CASE WHEN e.created_at >= ? AND e.kind = 'deduction' THEN 1 END)"
    " FROM crews c LEFT JOIN crew_deposit_entries e ON e.crew_id = c.id AND e.created_at < ?"
    " WHERE c.project_id = ? AND (CAST(? AS BIGINT) = 0 OR c.id = ?)"
    " GROUP BY c.id, c.name ORDER BY c.id LIMIT ?";

#define MAX_CREWS   2000 /* crews of one project in a report */
#define MAX_ENTRIES 2000 /* entries of one crew's month */

static const char *const sums[] = {"opening_balance_fen", "deposits_fen", "deductions_fen",
                                   "refunds_fen", "adjustments_fen"};

/* A row of settlement_sql; *TOTALS (may be NULL) adds it up. New reference. */
static json_t *settlement_row(kf_stmt *st, json_t *totals)
{
    json_t *o = json_pack("{s:I, s:s}", "crew_id", (json_int_t)kf_stmt_i64(st, 0), "crew_name",
                          kf_stmt_text(st, 1));
    int64_t v[5];
    for (int i = 0; i < 5; i++) {
        v[i] = kf_stmt_i64(st, 2 + i);
        json_object_set_new(o, sums[i], json_integer(v[i]));
    }
    int64_t closing = v[0] + v[1] - v[2] - v[3] + v[4];
    json_object_set_new(o, "closing_balance_fen", json_integer(closing));
    json_object_set_new(o, "entry_count", json_integer(kf_stmt_i64(st, 7)));
    json_object_set_new(o, "deduction_count", json_integer(kf_stmt_i64(st, 8)));
    const char *key;
    json_t *n;
    if (totals) json_object_foreach(totals, key, n)
        {
            json_int_t add = json_integer_value(json_object_get(o, key));
            json_integer_set(n, json_integer_value(n) + add);
        }
    return o;
}

static int settlement_query(kf_tx *tx, const month_range *m, int64_t project, int64_t crew,
                            kf_stmt **st)
{
    int rc = kf_tx_prepare(tx, settlement_sql, st);
    if (rc != KF_OK) return rc;
    int i = 1;
    for (int k = 0; k < 7; k++)
        kf_stmt_bind_i64(*st, i++, m->from);
    kf_stmt_bind_i64(*st, i++, m->to);
    kf_stmt_bind_i64(*st, i++, project);
    kf_stmt_bind_i64(*st, i++, crew);
    kf_stmt_bind_i64(*st, i++, crew);
    kf_stmt_bind_i64(*st, i, MAX_CREWS);
    return KF_OK;
}

static json_t *period_json(const month_range *m, int64_t project)
{
    return json_pack("{s:I, s:s, s:s, s:o, s:o}", "project_id", (json_int_t)project, "month",
                     m->text, "timezone", m->zone, "from", kf_api_time(m->from), "to",
                     kf_api_time(m->to));
}

/* The month's entries of CREW, oldest first, each with its charge and
 * ticket (null for entries made by hand). New reference in *out. */
static int month_entries(kf_tx *tx, const month_range *m, int64_t crew, json_t **out)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT e.id, e.kind, e.amount_fen, e.note, e.created_at, e.charge_id,"
                         " ch.ticket_id, ch.kind, ch.reason FROM crew_deposit_entries e"
                         " LEFT JOIN ticket_charges ch ON ch.id = e.charge_id"
                         " WHERE e.crew_id = ? AND e.created_at >= ? AND e.created_at < ?"
                         " ORDER BY e.created_at, e.id LIMIT ?",
                         "iiii", crew, m->from, m->to, (int64_t)MAX_ENTRIES);
    if (rc != KF_OK) return rc;
    *out = json_array();
    while ((rc = kf_stmt_step(st)) == KF_ROW)
        json_array_append_new(*out,
                              json_pack("{s:I, s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
                                        (json_int_t)kf_stmt_i64(st, 0), "kind", kf_stmt_text(st, 1),
                                        "amount_fen", (json_int_t)kf_stmt_i64(st, 2), "note",
                                        kf_stmt_text(st, 3), "at", kf_api_time(kf_stmt_i64(st, 4)),
                                        "charge_id", opt_id(st, 5), "ticket_id", opt_id(st, 6),
                                        "charge_kind", opt_text(st, 7), "reason", opt_text(st, 8)));
    if (rc == KF_DONE) return KF_OK;
    json_decref(*out);
    *out = NULL;
    return rc;
}

/* GET /api/v1/crews/{id}/settlement?month=: one crew's month. */
static void crew_settlement(kf_req *req)
{
    int64_t crew, project = 0;
    if (kf_req_param_id(req, "id", &crew) != 0) return;
    kf_input in;
    month_range m = {0};
    kf_query_begin(&in, req);
    read_month(&in, &m);
    if (kf_input_end(&in) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int rc = kf_tx_i64(tx, &project, "SELECT project_id FROM crews WHERE id = ?", "i", crew);
    if (rc == KF_OK && !kf_req_sees_project(req, project)) rc = KF_ENOTFOUND;
    if (rc == KF_OK) rc = month_bounds(req, tx, project, &m);
    kf_stmt *st = NULL;
    if (rc == KF_OK) rc = settlement_query(tx, &m, project, crew, &st);
    if (rc == KF_OK) rc = kf_stmt_step(st);
    if (rc != KF_ROW) {
        kf_reply_status(req, rc == KF_DONE ? KF_ENOTFOUND : rc);
        return;
    }
    json_t *out = period_json(&m, project), *row = settlement_row(st, NULL), *entries = NULL;
    json_object_update(out, row);
    json_decref(row);
    rc = month_entries(tx, &m, crew, &entries);
    if (rc != KF_OK) {
        json_decref(out);
        kf_reply_status(req, rc);
        return;
    }
    json_object_set_new(out, "entries_truncated",
                        json_boolean(json_array_size(entries) == MAX_ENTRIES));
    json_object_set_new(out, "entries", entries);
    kf_reply_json(req, 200, out);
}

/* GET /api/v1/reports/crew-settlement?project_id=&month=: every crew of a
 * project, with the totals. */
static void settlement_report(kf_req *req)
{
    kf_input in;
    month_range m = {0};
    int64_t project = 0;
    kf_query_begin(&in, req);
    const char *given = kf_req_query(req, "project_id");
    if (!given || !*given)
        kf_input_fail(&in, "project_id", "required");
    else
        kf_query_i64(&in, "project_id", 1, INT64_MAX, &project);
    if (project && !kf_req_sees_project(req, project))
        kf_input_fail(&in, "project_id", "unknown_project");
    read_month(&in, &m);
    if (kf_input_end(&in) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int rc = month_bounds(req, tx, project, &m);
    if (rc == KF_ENOTFOUND) { /* a project that does not exist */
        kf_input_fail(&in, "project_id", "unknown_project");
        kf_input_end(&in);
        return;
    }
    kf_stmt *st = NULL;
    if (rc == KF_OK) rc = settlement_query(tx, &m, project, 0, &st);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    json_t *totals = json_object(), *crews = json_array();
    for (int i = 0; i < 5; i++)
        json_object_set_new(totals, sums[i], json_integer(0));
    const char *more[] = {"closing_balance_fen", "entry_count", "deduction_count"};
    for (int i = 0; i < 3; i++)
        json_object_set_new(totals, more[i], json_integer(0));
    while ((rc = kf_stmt_step(st)) == KF_ROW)
        json_array_append_new(crews, settlement_row(st, totals));
    if (rc != KF_DONE) {
        json_decref(totals);
        json_decref(crews);
        kf_reply_status(req, rc);
        return;
    }
    json_t *out = period_json(&m, project);
    json_object_set_new(out, "crews", crews);
    json_object_set_new(out, "totals", totals);
    kf_reply_json(req, 200, out);
}

int kf_api_charge_reports_register(kf_router *r)
{
    if (kf_router_add(r, "GET", "/api/v1/tickets/{id}/charges", "tickets.read", ticket_charges,
                      0) != KF_OK ||
        kf_router_add(r, "GET", "/api/v1/charges", "charges.approve", charges_list, 0) != KF_OK ||
        kf_router_add(r, "GET", "/api/v1/charges/{id}", "tickets.read", charge_get, 0) != KF_OK ||
        kf_router_add(r, "GET", "/api/v1/crews/{id}/settlement", "charges.report", crew_settlement,
                      0) != KF_OK ||
        kf_router_add(r, "GET", "/api/v1/reports/crew-settlement", "charges.report",
                      settlement_report, 0) != KF_OK)
        return KF_EINVAL;
    return KF_OK;
}
