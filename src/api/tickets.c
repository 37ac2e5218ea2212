/* Tickets (工单): intake with validity, routing and dispatch; changing what
 * a ticket is about. A ticket as shown lives in ticket_show.c, transitions in
 * ticket_actions.c, the queues and their maintained counts in
 * ticket_queues.c. */
#include "api/api.h"
#include "api/api_int.h"
#include "api/tickets_int.h"

#include "core/err.h"
#include "core/secret.h"
#include "desk/alarms.h"
#include "desk/routing.h"
#include "domain/pii.h"
#include "store/search_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An enum field: NULL when absent or not one of LIST (the reason is recorded). */
static const char *input_enum(kf_input *in, const char *field, int required,
                              const char *const *list)
{
    const char *v = kf_input_str(in, field, required, 1, 32);
    if (v && !kf_in_list(list, v)) {
        kf_input_fail(in, field, "not_in_list");
        return NULL;
    }
    return v;
}

int kf_ticket_check_ref(kf_tx *tx, const char *table, int64_t id, int64_t project, int *ok)
{
    const char *sql = strcmp(table, "people") == 0 ? "SELECT project_id FROM people WHERE id = ?"
                      : strcmp(table, "units") == 0
                          ? "SELECT project_id FROM units WHERE id = ?"
                          : "SELECT project_id FROM departments WHERE id = ?";
    int64_t owner = 0;
    int rc = kf_tx_i64(tx, &owner, sql, "i", id);
    *ok = rc == KF_OK && owner == project;
    return rc == KF_ENOTFOUND ? KF_OK : rc;
}

int kf_ticket_project_seen(const kf_req *req, kf_tx *tx, int64_t id, int64_t *project)
{
    int rc = kf_tx_i64(tx, project, "SELECT project_id FROM tickets WHERE id = ?", "i", id);
    if (rc == KF_OK && !kf_req_sees_project(req, *project)) rc = KF_ENOTFOUND;
    return rc;
}

void kf_ticket_reply_rows(kf_req *req, const char *sql, json_t *(*row)(kf_stmt *, const void *))
{
    int64_t id, project;
    if (kf_req_param_id(req, "id", &id) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int rc = kf_ticket_project_seen(req, tx, id, &project);
    kf_stmt *st = NULL;
    if (rc == KF_OK) rc = kf_tx_query(tx, &st, sql, "i", id);
    kf_api_reply_rows(req, rc, st, row, NULL);
}

void kf_ticket_today(const kf_desk_calendar *cal, int64_t now, char *out)
{
    int64_t s = now / 1000;
    s += kf_tz_offset(cal->cal.tz, s);
    int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
    kf_date_format(days, out, 11);
}

static json_t *id_or_null(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

static json_t *text_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* ---- writing ---- */

/* J->result as text: T as shown, with CAL and NAMES, or read on TX. */
static void result_write(kf_req *req, kf_ticket_job *j, kf_tx *tx, const kf_ticket_names *names,
                         const kf_ticket *t, const kf_desk_calendar *cal)
{
    kf_jsonw w;
    kf_buf_init(&j->result, 0);
    kf_jsonw_init(&w, &j->result);
    kf_ticket_present(req, tx, names, t, cal, kf_app_now(req->app), &w);
    j->has_result = 1;
}

/* J->result: the ticket J->shown (as JSON text) as it stands after the write (a new ticket
 * as the write stored it, J->made, with what intake read; any other read back); 1 in
 * *ANSWERED when the request was already answered (the database could not be read). */
static int show(kf_req *req, kf_ticket_job *j, int *answered)
{
    if (j->names) { /* a new ticket: nothing to read */
        result_write(req, j, NULL, j->names, j->made, j->cal);
        return KF_OK;
    }
    kf_tx *tx = kf_req_read(req);
    if (!tx) {
        *answered = 1;
        return KF_EBUSY;
    }
    kf_ticket read = {0};
    const kf_ticket *t = j->made;
    int rc = KF_OK;
    if (!t || kf_ticket_i(t, "id") != j->shown) {
        rc = kf_ticket_read(tx, j->shown, &read);
        t = &read;
    }
    kf_desk_calendar *cal = NULL;
    if (rc == KF_OK)
        rc = kf_calendar_cache_get(req->app->calendars, tx, kf_ticket_i(t, "project_id"),
                                   kf_now_ms(), &cal);
    if (rc == KF_OK) result_write(req, j, tx, NULL, t, cal);
    kf_desk_calendar_free(cal);
    kf_ticket_release(&read);
    return rc;
}

void kf_ticket_job_refused(kf_req *req, kf_ticket_job *j, int rc)
{
    if (j->err_code) {
        kf_reply_error_with(req, j->err_status, j->err_code, NULL, j->err_key, j->err_extra);
        j->err_extra = NULL;
    } else if (rc == KF_EINVAL && j->in && j->in->fields) {
        kf_input_end(j->in);
    } else {
        kf_reply_status(req, rc == KF_OK ? KF_EIO : rc);
    }
}

void *kf_ticket_job_new(kf_req *req, size_t size)
{
    kf_ticket_job *j = kf_arena_alloc(&req->arena, size);
    j->in = kf_arena_alloc(&req->arena, sizeof(*j->in));
    return j;
}

/* The answer to J's write, which returned RC. */
static void job_answer(kf_req *req, void *ctx, int rc)
{
    kf_ticket_job *j = ctx;
    /* the answer is built after the commit, outside the (single) writer */
    int answered = 0;
    if (rc == KF_OK && j->shown) rc = show(req, j, &answered);
    if (answered) {
        /* kf_req_read answered 503 */
    } else if (rc == KF_OK && j->has_result) {
        kf_alarms_kick(req->app->alarms, j->alarm);
        if (j->replayed) kf_reply_header(req, "Idempotent-Replayed", "true");
        if (j->status == 201 && !j->replayed)
            kf_reply_header(
                req, "Location",
                kf_arena_printf(&req->arena, "/api/v1/tickets/%lld", (long long)j->shown));
        size_t len = j->result.len;
        kf_reply_owned(req, j->replayed ? 200 : j->status, "application/json; charset=utf-8",
                       kf_buf_steal(&j->result), len);
    } else {
        kf_ticket_job_refused(req, j, rc);
    }
    if (j->has_result) kf_buf_free(&j->result);
    json_decref(j->err_extra);
    j->err_extra = NULL;
    if (j->release) j->release(j);
}

void kf_ticket_job_run(kf_req *req, kf_ticket_job *j, kf_write_fn fn, int status)
{
    j->req = req;
    j->status = status;
    if (!j->now) j->now = kf_app_now(req->app); /* intake sets it before its reads */
    j->actor = req->auth ? req->auth->user.id : 0;
    kf_req_write_then(req, fn, j, job_answer);
}

/* What intake reads from the body, checked before the write. */
typedef struct {
    kf_ticket_job job;
    int64_t project, category, person, unit, department, assignee;
    const char *type, *channel, *severity, *subject, *description, *caller_name;
    const char *invalid_reason, *answer, *idem_key;
    char phone[40];
    int valid;
    char request_hash[KF_TOKEN_HASH_LEN];
    /* the ticket as built before dispatch (intake_build); owned */
    int built;
    kf_ticket_names names; /* what the answer names, read by intake_build */
    int64_t unit_building; /* what check_unit read of the unit, for T */
    const char *unit_warranty_end;
    kf_ticket t;
    kf_desk_calendar *cal;
} intake;

/* CATEGORY (0: none) must exist and be active, or a problem goes to IN; its
 * code and names go into NAMES, when not NULL, on the request's arena (for
 * the answer). */
static int check_category(kf_tx *tx, kf_input *in, int64_t category, kf_ticket_names *names)
{
    if (!category) return KF_OK;
    kf_stmt *st;
    int rc = kf_tx_query(
        tx, &st, "SELECT active, code, name_zh, name_en FROM ticket_categories WHERE id = ?", "i",
        category);
    if (rc == KF_OK) rc = kf_stmt_step(st);
    if ((rc == KF_ROW && !kf_stmt_i64(st, 0)) || rc == KF_DONE) {
        kf_input_fail(in, "category_id", "unknown_category");
        return KF_OK;
    }
    if (rc != KF_ROW) return rc;
    if (names) {
        kf_arena *a = &in->req->arena;
        names->category_code = kf_arena_strdup(a, kf_stmt_text(st, 1));
        names->category_zh = kf_arena_strdup(a, kf_stmt_text(st, 2));
        names->category_en = kf_arena_strdup(a, kf_stmt_text(st, 3));
    }
    return KF_OK;
}

/* The unit must be in the ticket's project; its code goes into IT->names,
 * what routing and the facts read of it into IT (one statement, not three). */
static int check_unit(kf_tx *tx, intake *it)
{
    kf_stmt *st;
    int rc = kf_tx_query(
        tx, &st, "SELECT project_id, code, building_id, warranty_end FROM units WHERE id = ?", "i",
        it->unit);
    if (rc == KF_OK) rc = kf_stmt_step(st);
    if (rc == KF_ROW && kf_stmt_i64(st, 0) == it->project) {
        kf_arena *a = &it->job.req->arena;
        it->names.unit_code = kf_arena_strdup(a, kf_stmt_text(st, 1));
        it->unit_building = kf_stmt_i64(st, 2);
        const char *warranty_end = kf_stmt_text(st, 3);
        it->unit_warranty_end = warranty_end ? kf_arena_strdup(a, warranty_end) : NULL;
        return KF_OK;
    }
    if (rc != KF_ROW && rc != KF_DONE) return rc;
    kf_input_fail(it->job.in, "unit_id", "unknown_reference");
    return KF_OK;
}

static int check_intake_refs(kf_tx *tx, intake *it)
{
    kf_input *in = it->job.in;
    int ok = 1;
    int rc = check_category(tx, in, it->category, &it->names);
    if (rc == KF_OK && it->unit) rc = check_unit(tx, it);
    if (rc != KF_OK) return rc;
    const struct {
        const char *table, *field;
        int64_t id;
    } refs[] = {{"people", "person_id", it->person},
                {"departments", "department_id", it->department}};
    for (size_t i = 0; i < 2; i++) {
        if (!refs[i].id) continue;
        if ((rc = kf_ticket_check_ref(tx, refs[i].table, refs[i].id, it->project, &ok)) != KF_OK)
            return rc;
        if (!ok) kf_input_fail(in, refs[i].field, "unknown_reference");
    }
    return in->fields ? KF_EINVAL : KF_OK;
}

/* Idempotency-Key: see tickets_int.h. */
int kf_idem_claim(kf_tx *tx, kf_ticket_job *j, const char *key, const char *hash, int charge,
                  int64_t *existing)
{
    *existing = 0;
    int64_t claimed = 0;
    int rc = kf_tx_exec(tx, &claimed,
                        "INSERT INTO idempotency_keys (user_id, key, request_hash, ticket_id,"
                        " created_at) VALUES (?, ?, ?, 0, ?) ON CONFLICT (user_id, key) DO NOTHING",
                        "issi", j->actor, key, hash, j->now);
    if (rc != KF_OK || claimed) return rc;
    kf_stmt *st;
    rc = kf_tx_query(tx, &st,
                     charge ? "SELECT request_hash, COALESCE(charge_id, 0) FROM idempotency_keys"
                              " WHERE user_id = ? AND key = ?"
                            : "SELECT request_hash, ticket_id FROM idempotency_keys"
                              " WHERE user_id = ? AND key = ?",
                     "is", j->actor, key);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_EDB : rc;
    if (strcmp(kf_stmt_text(st, 0), hash) != 0 || kf_stmt_i64(st, 1) == 0) {
        j->err_status = 422;
        j->err_code = "idempotency_key_reused";
        return KF_ECONFLICT;
    }
    *existing = kf_stmt_i64(st, 1);
    return KF_OK;
}

static void fill_intake(kf_ticket *t, const intake *it)
{
    kf_ticket_set_s(t, "type", it->type);
    kf_ticket_set_s(t, "channel", it->channel);
    kf_ticket_set_s(t, "severity", it->severity);
    kf_ticket_set_i(t, "category_id", it->category);
    kf_ticket_set_i(t, "person_id", it->person);
    kf_ticket_set_i(t, "unit_id", it->unit);
    if (it->unit) kf_ticket_unit_known(t, it->unit_building, it->unit_warranty_end);
    kf_ticket_set_s(t, "caller_name", it->caller_name ? it->caller_name : "");
    kf_ticket_set_s(t, "caller_phone", it->phone[0] ? it->phone : NULL);
    kf_ticket_set_s(t, "subject", it->subject);
    kf_ticket_set_s(t, "description", it->description ? it->description : "");
    kf_ticket_set_i(t, "created_by", it->job.actor);
}

static int is_major_complaint(const kf_ticket *t)
{
    return strcmp(kf_ticket_s(t, "type"), "complaint") == 0 &&
           strcmp(kf_ticket_s(t, "severity"), "major") == 0;
}

/* The latest ticket of a unit and category taken in within the window, in
 * one range of the unit index (unit_id, is_open, category_id, created_at):
 * REPEAT_IN "0" or "1" REPEAT_LATEST. is_open is written in, not bound: a
 * parameter compared with a column of a partial index's condition makes
 * SQLite prepare the statement again whenever its value changes. */
#define REPEAT_IN                                                                                  \
    "SELECT t.id FROM desk_settings s, tickets t WHERE s.id = 1 AND s.repeat_days > 0"             \
    " AND t.unit_id = ? AND t.is_open = "
#define REPEAT_LATEST                                                                              \
    " AND t.category_id = ? AND t.created_at >= ? - s.repeat_days * 86400000"                      \
    " AND t.type IN ('repair', 'complaint') AND t.status <> 'closed_invalid'"                      \
    " ORDER BY t.created_at DESC, t.id DESC LIMIT 1"

/* A repair or complaint about the unit and category of one taken in within
 * the desk's repeat window (desk_settings.repeat_days, 0: off) is a repeat of
 * the latest such ticket (not counting those judged invalid). */
static int find_repeat(kf_tx *tx, kf_ticket *t, int64_t now)
{
    const char *type = kf_ticket_s(t, "type");
    int64_t unit = kf_ticket_i(t, "unit_id"), category = kf_ticket_i(t, "category_id");
    if (!unit || !category || (strcmp(type, "repair") != 0 && strcmp(type, "complaint") != 0))
        return KF_OK;
    /* one query with the window read in it: every intake runs this. Each
     * half walks one range of the unit index (is_open 0, then 1) from its
     * newest ticket back and stops at the first that counts, so a unit with
     * many recent tickets costs no more than one with few (taking the
     * MAX over both ranges read every ticket of the window: ~75 µs a
     * ticket at 10,000,000 tickets, on units the bench had filled). */
    int64_t earlier = 0;
    int rc = kf_tx_i64(tx, &earlier,
                       "SELECT COALESCE(MAX(id), 0) FROM (SELECT * FROM (" REPEAT_IN
                       "0" REPEAT_LATEST ") closed UNION ALL SELECT * FROM (" REPEAT_IN
                       "1" REPEAT_LATEST ") still_open) latest",
                       "iiiiii", unit, category, now, unit, category, now);
    if (rc == KF_OK && earlier) kf_ticket_set_i(t, "repeat_of", earlier);
    return rc;
}

/* A valid request gets its clocks, its department and, when the department
 * dispatches automatically or a person was named, its assignee. */
static int intake_valid(kf_tx *tx, intake *it, kf_ticket *t, const kf_desk_calendar *cal)
{
    kf_sla_target targets[KF_MS_COUNT];
    int n = 0, rc = kf_ticket_policy(tx, it->job.req->app->policies, t, targets, &n);
    if (rc != KF_OK) return rc;
    for (int i = 0; i < n; i++) {
        kf_milestone m = targets[i].milestone;
        kf_clock_init(&t->clocks[m], &targets[i]);
        t->has_clock[m] = 1;
        if (kf_milestone_start(m) == KF_START_CREATED &&
            (rc = kf_clock_start(&t->clocks[m], &cal->cal, it->job.now)) != KF_OK)
            return rc;
    }
    if (it->department) {
        kf_ticket_set_i(t, "department_id", it->department);
    } else {
        char today[11];
        kf_ticket_today(cal, it->job.now, today);
        if ((rc = kf_desk_route(tx, t, today)) != KF_OK) return rc;
    }
    if (is_major_complaint(t)) kf_ticket_set_i(t, "escalation_level", 2);
    return find_repeat(tx, t, it->job.now);
}

/* The ticket as intake makes it before dispatch: references checked, the
 * validity decision, and for a valid request its clocks and route. Reads
 * only, so it runs on the request's read transaction and the single writer
 * is left with dispatch and the inserts; it runs inside the write instead
 * when a key seen before the write turned out not to be a replay. */
static int intake_build(kf_tx *tx, intake *it)
{
    kf_ticket_job *j = &it->job;
    int rc = check_intake_refs(tx, it);
    if (rc == KF_OK)
        rc = kf_calendar_cache_get(j->req->app->calendars, tx, it->project, j->now, &it->cal);
    if (rc == KF_OK) rc = kf_ticket_new(&it->t, it->project, j->now);
    if (rc != KF_OK) return rc;
    fill_intake(&it->t, it);
    if (!it->valid) {
        kf_ticket_set_s(&it->t, "invalid_reason", it->invalid_reason);
    } else if (it->answer) { /* an inquiry answered on the spot */
        kf_ticket_set_s(&it->t, "answer", it->answer);
        kf_ticket_set_s(&it->t, "resolution", it->answer);
        kf_ticket_set_i(&it->t, "resolved_at", j->now);
    } else if ((rc = intake_valid(tx, it, &it->t, it->cal)) != KF_OK) {
        return rc;
    }
    it->built = 1;
    return KF_OK;
}

/* Before the write, on the request's read transaction TX: a request whose
 * key was used before is left to the write, which replays it; any other is
 * built here. */
static int intake_prepare(kf_tx *tx, intake *it)
{
    if (it->idem_key) {
        int64_t seen = 0;
        int rc = kf_tx_i64(tx, &seen,
                           "SELECT COUNT(*) FROM idempotency_keys WHERE user_id = ? AND key = ?",
                           "is", it->job.req->auth->user.id, it->idem_key);
        if (rc != KF_OK || seen) return rc;
    }
    return intake_build(tx, it);
}

static int intake_write(kf_tx *tx, void *ctx)
{
    intake *it = ctx;
    kf_ticket_job *j = &it->job;
    int64_t existing = 0;
    int rc = it->idem_key
                 ? kf_idem_claim(tx, &it->job, it->idem_key, it->request_hash, 0, &existing)
                 : KF_OK;
    if (rc != KF_OK) return rc;
    if (existing) {
        j->replayed = 1;
        j->shown = existing;
        return KF_OK;
    }
    if (!it->built && (rc = intake_build(tx, it)) != KF_OK) return rc;
    kf_ticket *t = &it->t;
    const char *end_state = !it->valid ? "closed_invalid" : it->answer ? "closed" : NULL;
    kf_dispatch d = {0};
    if (!end_state && kf_ticket_i(t, "department_id") &&
        (rc = kf_ticket_dispatch_prepare(tx, j, t, it->cal, 0, it->assignee, &d)) != KF_OK)
        return rc;
    if (end_state) {
        kf_ticket_set_s(t, "status", end_state);
        kf_ticket_set_i(t, "is_open", 0);
        kf_ticket_set_i(t, "closed_at", j->now);
    }
    if ((rc = kf_ticket_insert(tx, t, &it->cal->cal)) != KF_OK) return rc;
    int64_t id = kf_ticket_i(t, "id");
    if ((rc = kf_search_ticket_added(tx, id, kf_ticket_s(t, "subject"),
                                     kf_ticket_s(t, "description"))) != KF_OK)
        return rc;
    json_t *data = json_pack("{s:o, s:o, s:o}", "routing_rule_id",
                             id_or_null(kf_ticket_i(t, "routing_rule_id")), "department_id",
                             id_or_null(kf_ticket_i(t, "department_id")), "repeat_of",
                             id_or_null(kf_ticket_i(t, "repeat_of")));
    rc = kf_ticket_event(tx, id, j->actor, "created", NULL, "new", "", data, j->now);
    json_decref(data);
    if (rc == KF_OK && end_state)
        rc = kf_ticket_event(tx, id, j->actor, end_state, "new", end_state,
                             it->valid ? it->answer : it->invalid_reason, NULL, j->now);
    if (rc == KF_OK && kf_ticket_i(t, "escalation_level") == 2) {
        rc = kf_desk_notify_role(tx, "manager", it->project, id, "major_complaint", NULL, j->now);
        if (rc == KF_OK)
            rc = kf_ticket_event(tx, id, j->actor, "escalated", NULL, NULL, "", NULL, j->now);
    }
    if (rc == KF_OK && d.kind) rc = kf_ticket_dispatch_record(tx, j, t, &d, "");
    if (rc == KF_OK && it->idem_key)
        rc = kf_tx_exec(tx, NULL,
                        "UPDATE idempotency_keys SET ticket_id = ? WHERE user_id = ? AND key = ?",
                        "iis", id, j->actor, it->idem_key);
    if (rc == KF_OK) {
        j->alarm = kf_ticket_i(t, "next_alarm_at");
        j->shown = id;
        j->made = t; /* nothing reads it back to answer */
        j->names = &it->names;
        j->cal = it->cal;
    }
    return rc;
}

static const char *const intake_fields[] = {
    "project_id",     "type",        "channel",       "severity",    "category_id", "person_id",
    "unit_id",        "caller_name", "caller_phone",  "subject",     "description", "valid",
    "invalid_reason", "answer",      "department_id", "assignee_id", NULL};

static void read_intake(kf_input *in, intake *it)
{
    kf_req *req = in->req;
    if (kf_input_i64(in, "project_id", 1, 1, INT64_MAX, &it->project) &&
        !kf_req_sees_project(req, it->project))
        kf_input_fail(in, "project_id", "unknown_project");
    it->type = input_enum(in, "type", 1, kf_ticket_types);
    it->channel = input_enum(in, "channel", 1, kf_ticket_channels);
    it->severity = input_enum(in, "severity", 0, kf_ticket_severities);
    if (!it->severity && !kf_input_has(in, "severity")) it->severity = "general";
    kf_input_i64(in, "category_id", 0, 1, INT64_MAX, &it->category);
    kf_input_i64(in, "person_id", 0, 1, INT64_MAX, &it->person);
    kf_input_i64(in, "unit_id", 0, 1, INT64_MAX, &it->unit);
    kf_input_i64(in, "department_id", 0, 1, INT64_MAX, &it->department);
    kf_input_i64(in, "assignee_id", 0, 1, INT64_MAX, &it->assignee);
    it->caller_name = kf_input_str(in, "caller_name", 0, 0, 64);
    const char *phone = kf_input_str(in, "caller_phone", 0, 0, 32);
    if (phone && *phone) {
        const char *problem = kf_mobile_problem(phone, it->phone, sizeof(it->phone));
        if (problem) kf_input_fail(in, "caller_phone", problem);
    }
    it->subject = kf_input_str(in, "subject", 1, 1, 200);
    it->description = kf_input_str(in, "description", 0, 0, 5000);
    it->valid = 1;
    kf_input_bool(in, "valid", 0, &it->valid);
    it->invalid_reason = kf_input_str(in, "invalid_reason", !it->valid, 1, 500);
    it->answer = kf_input_str(in, "answer", 0, 1, 2000);
    if (it->answer && it->type && strcmp(it->type, "inquiry") != 0)
        kf_input_fail(in, "answer", "inquiry_only");
    if (!it->person && !it->unit && !it->phone[0] && !kf_input_has(in, "person_id") &&
        !kf_input_has(in, "unit_id"))
        kf_input_fail(in, "caller_phone", "caller_required");
    if (it->assignee && !it->department) kf_input_fail(in, "department_id", "required");
}

static void intake_release(kf_ticket_job *j)
{
    intake *it = (intake *)j;
    kf_ticket_release(&it->t);
    kf_desk_calendar_free(it->cal);
    it->cal = NULL;
}

static void ticket_create(kf_req *req)
{
    intake *it = kf_ticket_job_new(req, sizeof(*it));
    kf_input *in = it->job.in;
    if (kf_input_begin(in, req, intake_fields) != 0) return;
    read_intake(in, it);
    it->idem_key = kf_req_header(req, "Idempotency-Key");
    if (it->idem_key && (strlen(it->idem_key) == 0 || strlen(it->idem_key) > 128))
        kf_input_fail(in, "Idempotency-Key", "invalid");
    if (kf_input_end(in) != 0) return;
    if (it->idem_key) { /* the request as JSON with sorted keys: spacing does not matter */
        char *canon = json_dumps(in->body, JSON_COMPACT | JSON_SORT_KEYS);
        if (!canon) {
            kf_reply_status(req, KF_EIO);
            return;
        }
        kf_token_hash(canon, it->request_hash);
        free(canon);
    }
    it->job.req = req;
    it->job.now = kf_app_now(req->app);
    it->job.release = intake_release;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return; /* answered */
    int rc = intake_prepare(tx, it);
    if (rc == KF_OK) {
        kf_ticket_job_run(req, &it->job, intake_write, 201); /* releases IT */
        return;
    }
    if (rc == KF_EINVAL && in->fields)
        kf_input_end(in);
    else
        kf_reply_status(req, rc);
    intake_release(&it->job);
}

/* ---- changing what a ticket is about ---- */

typedef struct {
    kf_ticket_job job;
    const char *type, *severity, *subject, *description, *caller_name;
    int64_t category, person, unit;
    int has_category, has_person, has_unit, has_phone;
    char phone[40];
} patch_input;

static int changed_s(kf_ticket *t, const char *col, const char *v, json_t *before, json_t *after)
{
    if (!v) return 0;
    const char *old = kf_ticket_s(t, col);
    if (old && strcmp(old, v) == 0) return 0;
    json_object_set_new(before, col, text_or_null(old));
    json_object_set_new(after, col, json_string(v));
    kf_ticket_set_s(t, col, v);
    return 1;
}

static int changed_i(kf_ticket *t, const char *col, int has, int64_t v, json_t *before,
                     json_t *after)
{
    if (!has || kf_ticket_i(t, col) == v) return 0;
    json_object_set_new(before, col, id_or_null(kf_ticket_i(t, col)));
    json_object_set_new(after, col, id_or_null(v));
    kf_ticket_set_i(t, col, v);
    return 1;
}

static int patch_apply(kf_tx *tx, patch_input *p, kf_ticket *t, const kf_desk_calendar *cal)
{
    kf_ticket_job *j = &p->job;
    int64_t project = kf_ticket_i(t, "project_id");
    int ok = 1, rc;
    if (p->has_person && p->person &&
        (rc = kf_ticket_check_ref(tx, "people", p->person, project, &ok)) != KF_OK)
        return rc;
    if (!ok) kf_input_fail(j->in, "person_id", "unknown_reference");
    if (p->has_unit && p->unit &&
        (rc = kf_ticket_check_ref(tx, "units", p->unit, project, &ok)) != KF_OK)
        return rc;
    if (!ok) kf_input_fail(j->in, "unit_id", "unknown_reference");
    if (p->has_category && (rc = check_category(tx, j->in, p->category, NULL)) != KF_OK) return rc;
    if (j->in->fields) return KF_EINVAL;
    json_t *before = json_object(), *after = json_object();
    int reclassified = changed_s(t, "type", p->type, before, after);
    reclassified |= changed_s(t, "severity", p->severity, before, after);
    reclassified |= changed_i(t, "category_id", p->has_category, p->category, before, after);
    int reworded = changed_s(t, "subject", p->subject, before, after);
    reworded |= changed_s(t, "description", p->description, before, after);
    changed_s(t, "caller_name", p->caller_name, before, after);
    changed_i(t, "person_id", p->has_person, p->person, before, after);
    changed_i(t, "unit_id", p->has_unit, p->unit, before, after);
    if (p->has_phone && changed_s(t, "caller_phone", p->phone[0] ? p->phone : "", before, after)) {
        json_object_set_new(before, "caller_phone", json_string("***")); /* no numbers in events */
        json_object_set_new(after, "caller_phone", json_string("***"));
        if (!p->phone[0]) kf_ticket_set_s(t, "caller_phone", NULL);
    }
    rc = KF_OK;
    if (reworded)
        rc = kf_search_head_changed(tx, kf_ticket_i(t, "id"), kf_ticket_s(t, "subject"),
                                    kf_ticket_s(t, "description"));
    if (rc == KF_OK && reclassified)
        rc = kf_ticket_clocks_retarget(tx, j->req->app->policies, t, &cal->cal, j->now);
    if (rc == KF_OK && reclassified && is_major_complaint(t) &&
        kf_ticket_i(t, "escalation_level") < 2 && kf_ticket_i(t, "is_open")) {
        /* a complaint found to be major goes to the manager, as at intake */
        kf_ticket_set_i(t, "escalation_level", 2);
        rc = kf_desk_notify_role(tx, "manager", project, kf_ticket_i(t, "id"), "major_complaint",
                                 NULL, j->now);
        if (rc == KF_OK)
            rc = kf_ticket_event(tx, kf_ticket_i(t, "id"), j->actor, "escalated", NULL, NULL, "",
                                 NULL, j->now);
    }
    if (rc == KF_OK && json_object_size(after)) {
        json_t *data = json_pack("{s:o, s:o}", "before", before, "after", after);
        rc = kf_ticket_event(tx, kf_ticket_i(t, "id"), j->actor,
                             reclassified ? "reclassified" : "updated", NULL, NULL, "", data,
                             j->now);
        json_decref(data);
    } else {
        json_decref(before);
        json_decref(after);
    }
    return rc;
}

/* Locks the ticket, loads its calendar, runs APPLY, saves and presents. */
int kf_ticket_with(kf_tx *tx, kf_ticket_job *j, void *ctx,
                   int (*apply)(kf_tx *, void *, kf_ticket *, const kf_desk_calendar *))
{
    kf_ticket t;
    int rc = kf_ticket_lock(tx, j->id, j->version, &t);
    if (rc == KF_OK && !kf_req_sees_project(j->req, kf_ticket_i(&t, "project_id")))
        rc = KF_ENOTFOUND;
    kf_desk_calendar *cal = NULL;
    if (rc == KF_OK)
        rc = kf_calendar_cache_get(j->req->app->calendars, tx, kf_ticket_i(&t, "project_id"),
                                   kf_now_ms(), &cal);
    if (rc == KF_OK) rc = apply(tx, ctx, &t, cal);
    if (rc == KF_OK) rc = kf_ticket_save(tx, &t, &cal->cal, j->now);
    if (rc == KF_OK) {
        j->alarm = kf_ticket_i(&t, "next_alarm_at");
        j->shown = j->id;
    }
    kf_desk_calendar_free(cal);
    kf_ticket_release(&t);
    return rc;
}

static int patch_cb(kf_tx *tx, void *ctx, kf_ticket *t, const kf_desk_calendar *cal)
{
    return patch_apply(tx, ctx, t, cal);
}

static int patch_write(kf_tx *tx, void *ctx)
{
    patch_input *p = ctx;
    return kf_ticket_with(tx, &p->job, p, patch_cb);
}

static void ticket_patch(kf_req *req)
{
    static const char *const fields[] = {
        "type",         "severity",  "category_id", "subject", "description", "caller_name",
        "caller_phone", "person_id", "unit_id",     "version", NULL};
    patch_input *p = kf_ticket_job_new(req, sizeof(*p));
    kf_input *in = p->job.in;
    if (kf_req_param_id(req, "id", &p->job.id) != 0) return;
    if (kf_input_begin(in, req, fields) != 0) return;
    p->type = input_enum(in, "type", 0, kf_ticket_types);
    p->severity = input_enum(in, "severity", 0, kf_ticket_severities);
    /* null clears a link: present, unlike an absent field */
    p->has_category = json_object_get(in->body, "category_id") != NULL;
    if (p->has_category && !json_is_null(json_object_get(in->body, "category_id")))
        kf_input_i64(in, "category_id", 1, 1, INT64_MAX, &p->category);
    p->has_person = json_object_get(in->body, "person_id") != NULL;
    if (p->has_person && !json_is_null(json_object_get(in->body, "person_id")))
        kf_input_i64(in, "person_id", 1, 1, INT64_MAX, &p->person);
    p->has_unit = json_object_get(in->body, "unit_id") != NULL;
    if (p->has_unit && !json_is_null(json_object_get(in->body, "unit_id")))
        kf_input_i64(in, "unit_id", 1, 1, INT64_MAX, &p->unit);
    p->subject = kf_input_str(in, "subject", 0, 1, 200);
    p->description = kf_input_str(in, "description", 0, 0, 5000);
    p->caller_name = kf_input_str(in, "caller_name", 0, 0, 64);
    p->has_phone = json_object_get(in->body, "caller_phone") != NULL;
    const char *phone = kf_input_str(in, "caller_phone", 0, 0, 32);
    if (phone && *phone) {
        const char *problem = kf_mobile_problem(phone, p->phone, sizeof(p->phone));
        if (problem) kf_input_fail(in, "caller_phone", problem);
    }
    kf_input_i64(in, "version", 0, 1, INT64_MAX, &p->job.version);
    if (kf_input_end(in) != 0) return;
    kf_ticket_job_run(req, &p->job, patch_write, 200);
}

int kf_api_tickets_register(kf_router *r)
{
    if (kf_router_add(r, "POST", "/api/v1/tickets", "tickets.write", ticket_create,
                      KF_ROUTE_PARKS) != KF_OK ||
        kf_api_ticket_show_register(r) != KF_OK ||
        kf_router_add(r, "PATCH", "/api/v1/tickets/{id}", "tickets.write", ticket_patch,
                      KF_ROUTE_PARKS) != KF_OK)
        return KF_EINVAL;
    if (kf_api_ticket_queues_register(r) != KF_OK) return KF_EINVAL;
    return kf_api_ticket_actions_register(r);
}
