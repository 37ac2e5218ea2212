/* What happens to a ticket: transitions through the lifecycle table
 * (src/domain/ticket_flow.c), dispatch and transfer, the manager on site,
 * and the timeline of events. */
#include "api/api.h"
#include "api/api_int.h"
#include "api/tickets_int.h"

#include "core/err.h"
#include "desk/routing.h"

#include <stdio.h>
#include <string.h>

/* ---- dispatch ---- */

int kf_ticket_dispatch_prepare(kf_tx *tx, kf_ticket_job *j, kf_ticket *t,
                               const kf_desk_calendar *cal, int64_t department, int64_t assignee,
                               kf_dispatch *d)
{
    int64_t project = kf_ticket_i(t, "project_id");
    d->old_department = kf_ticket_i(t, "department_id");
    d->old_assignee = kf_ticket_i(t, "assignee_id");
    if (!department) department = d->old_department;
    int rc, ok = 1;
    if (!department) {
        kf_input_fail(j->in, "department_id", "required");
        return KF_EINVAL;
    }
    if ((rc = kf_ticket_check_ref(tx, "departments", department, project, &ok)) != KF_OK) return rc;
    if (!ok) {
        kf_input_fail(j->in, "department_id", "unknown_reference");
        return KF_EINVAL;
    }
    if (assignee) { /* by hand: the front desk may hand it to any member */
        if ((rc = kf_desk_is_member(tx, department, assignee, &ok)) != KF_OK) return rc;
        if (!ok) {
            kf_input_fail(j->in, "assignee_id", "not_member");
            return KF_EINVAL;
        }
    } else if ((rc = kf_desk_pick_assignee(tx, project, department, &assignee)) != KF_OK) {
        return rc;
    }
    d->from = kf_ticket_status(t);
    d->kind = d->from == KF_TS_NEW || d->from == KF_TS_REOPENED ? "dispatched" : "transferred";
    if (d->from == KF_TS_NEW && kf_ticket_i(t, "dispatched_at")) d->kind = "redispatched";
    d->department = department;
    d->assignee = assignee;
    t->handed_over = strcmp(d->kind, "transferred") == 0 ? 2 : 1; /* counted (ticket_facts.c) */
    kf_ticket_set_i(t, "department_id", department);
    kf_ticket_set_i(t, "assignee_id", assignee);
    kf_ticket_set_s(t, "status", "dispatched");
    if (!kf_ticket_i(t, "dispatched_at")) kf_ticket_set_i(t, "dispatched_at", j->now);
    return kf_ticket_clocks_on(t, &cal->cal, d->from, KF_TS_DISPATCHED, j->now);
}

int kf_ticket_dispatch_record(kf_tx *tx, kf_ticket_job *j, const kf_ticket *t, const kf_dispatch *d,
                              const char *note)
{
    json_t *data = json_pack("{s:o, s:I, s:o, s:o}", "from_department_id",
                             d->old_department ? json_integer(d->old_department) : json_null(),
                             "department_id", (json_int_t)d->department, "from_assignee_id",
                             d->old_assignee ? json_integer(d->old_assignee) : json_null(),
                             "assignee_id", d->assignee ? json_integer(d->assignee) : json_null());
    int rc = kf_ticket_event(tx, kf_ticket_i(t, "id"), j->actor, d->kind,
                             kf_ticket_state_name(d->from), "dispatched", note, data, j->now);
    json_decref(data);
    if (rc == KF_OK && d->assignee && d->assignee != d->old_assignee)
        rc = kf_desk_notify(tx, d->assignee, kf_ticket_i(t, "project_id"), kf_ticket_i(t, "id"),
                            "assigned", NULL, j->now);
    return rc;
}

static int dispatch(kf_tx *tx, kf_ticket_job *j, kf_ticket *t, const kf_desk_calendar *cal,
                    int64_t department, int64_t assignee, const char *note)
{
    kf_dispatch d;
    int rc = kf_ticket_dispatch_prepare(tx, j, t, cal, department, assignee, &d);
    return rc == KF_OK ? kf_ticket_dispatch_record(tx, j, t, &d, note) : rc;
}

/* ---- transitions ---- */

typedef struct {
    kf_ticket_job job;
    int to;
    const char *note, *hold_reason, *plan, *resolution, *root_cause;
    int64_t visit_at, merged_into, department, assignee;
    kf_repair_cost cost; /* resolved: labour and materials (ticket_charges.c) */
} transition_input;

static void refuse_transition(kf_ticket_job *j, const kf_ticket *t)
{
    kf_ticket_state out[KF_TS_COUNT];
    int held = kf_ticket_state_parse(kf_ticket_s(t, "held_from"));
    size_t n = kf_ticket_allowed(kf_ticket_status(t), held < 0 ? KF_TS_COUNT : held, out);
    json_t *allowed = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(allowed, json_string(kf_ticket_state_name(out[i])));
    j->err_status = 409;
    j->err_code = "transition_not_allowed";
    j->err_key = "allowed";
    j->err_extra = allowed;
}

/* What the target state needs and sets on the row; KF_EINVAL with fields. */
static int apply_state_fields(kf_tx *tx, transition_input *ti, kf_ticket *t)
{
    kf_ticket_job *j = &ti->job;
    kf_ticket_state from = kf_ticket_status(t);
    switch (ti->to) {
    case KF_TS_ON_HOLD:
        kf_ticket_set_s(t, "held_from", kf_ticket_state_name(from));
        kf_ticket_set_s(t, "hold_reason", ti->hold_reason);
        break;
    case KF_TS_SCHEDULED:
        if (ti->visit_at <= j->now) {
            kf_input_fail(j->in, "visit_at", "in_past");
            return KF_EINVAL;
        }
        kf_ticket_set_s(t, "plan", ti->plan);
        kf_ticket_set_i(t, "visit_at", ti->visit_at);
        break;
    case KF_TS_ACKNOWLEDGED:
        if (!kf_ticket_i(t, "assignee_id"))
            kf_ticket_set_i(t, "assignee_id", j->actor); /* claimed */
        break;
    case KF_TS_NEW: /* back to the department's pool */
        kf_ticket_set_i(t, "assignee_id", 0);
        break;
    case KF_TS_RESOLVED:
        kf_ticket_set_s(t, "resolution", ti->resolution);
        if (ti->root_cause) kf_ticket_set_s(t, "root_cause", ti->root_cause);
        kf_ticket_set_i(t, "resolved_at", j->now);
        break;
    case KF_TS_CLOSED_INVALID: /* the explanation given to the customer */
        kf_ticket_set_s(t, "invalid_reason", ti->note);
        break;
    case KF_TS_REOPENED:
        kf_ticket_set_i(t, "reopen_count", kf_ticket_i(t, "reopen_count") + 1);
        kf_ticket_set_i(t, "resolved_at", 0);
        kf_ticket_set_i(t, "closed_at", 0);
        break;
    case KF_TS_MERGED: {
        int64_t into_project = 0;
        int rc = kf_tx_i64(tx, &into_project,
                           "SELECT project_id FROM tickets WHERE id = ? AND is_open = 1", "i",
                           ti->merged_into);
        if (rc != KF_OK && rc != KF_ENOTFOUND) return rc;
        if (rc == KF_ENOTFOUND || ti->merged_into == kf_ticket_i(t, "id")) {
            kf_input_fail(j->in, "merged_into", "unknown_reference");
            return KF_EINVAL;
        }
        if (into_project != kf_ticket_i(t, "project_id")) {
            kf_input_fail(j->in, "merged_into", "other_project");
            return KF_EINVAL;
        }
        kf_ticket_set_i(t, "merged_into", ti->merged_into);
        break;
    }
    default:
        break;
    }
    kf_ticket_moved(t, from, (kf_ticket_state)ti->to, j->now);
    return KF_OK;
}

static int transition_apply(kf_tx *tx, transition_input *ti, kf_ticket *t,
                            const kf_desk_calendar *cal)
{
    kf_ticket_job *j = &ti->job;
    kf_ticket_state from = kf_ticket_status(t);
    int held = kf_ticket_state_parse(kf_ticket_s(t, "held_from"));
    if (!kf_ticket_may(from, held < 0 ? KF_TS_COUNT : held, (kf_ticket_state)ti->to)) {
        refuse_transition(j, t);
        return KF_ECONFLICT;
    }
    int rc = ti->to == KF_TS_CLOSED ? kf_charges_gate(tx, j, t) : KF_OK; /* nothing unapproved */
    if (rc != KF_OK) return rc;
    /* resuming a held ticket that was dispatched is a resume, not a new dispatch */
    if (ti->to == KF_TS_DISPATCHED && from != KF_TS_ON_HOLD)
        return dispatch(tx, j, t, cal, ti->department, ti->assignee, ti->note);
    if ((rc = apply_state_fields(tx, ti, t)) != KF_OK) return rc;
    kf_ticket_set_s(t, "status", kf_ticket_state_name((kf_ticket_state)ti->to));
    if ((rc = kf_ticket_clocks_on(t, &cal->cal, from, (kf_ticket_state)ti->to, j->now)) != KF_OK)
        return rc;
    json_t *data = NULL;
    if (ti->to == KF_TS_ON_HOLD) data = json_pack("{s:s}", "hold_reason", ti->hold_reason);
    if (ti->to == KF_TS_SCHEDULED)
        data = json_pack("{s:s, s:o}", "plan", ti->plan, "visit_at", kf_api_time(ti->visit_at));
    if (ti->to == KF_TS_MERGED)
        data = json_pack("{s:I}", "merged_into", (json_int_t)ti->merged_into);
    if (ti->to == KF_TS_RESOLVED &&
        (rc = kf_repair_cost_charge(tx, j, t, &ti->cost, &data)) != KF_OK)
        return rc;
    rc =
        kf_ticket_event(tx, kf_ticket_i(t, "id"), j->actor, "status", kf_ticket_state_name(from),
                        kf_ticket_state_name((kf_ticket_state)ti->to),
                        ti->note ? ti->note : (ti->resolution ? ti->resolution : ""), data, j->now);
    json_decref(data);
    return rc;
}

static int transition_cb(kf_tx *tx, void *ctx, kf_ticket *t, const kf_desk_calendar *cal)
{
    return transition_apply(tx, ctx, t, cal);
}

static int transition_write(kf_tx *tx, void *ctx)
{
    transition_input *ti = ctx;
    return kf_ticket_with(tx, &ti->job, ti, transition_cb);
}

static void read_transition(kf_input *in, transition_input *ti)
{
    const char *to = kf_input_str(in, "to", 1, 1, 32);
    ti->to = to ? kf_ticket_state_parse(to) : -1;
    if (to && ti->to < 0) kf_input_fail(in, "to", "not_in_list");
    kf_input_i64(in, "version", 0, 1, INT64_MAX, &ti->job.version);
    /* a reason is owed to whoever reads the timeline when work goes back or ends */
    int note_required = ti->to == KF_TS_NEW || ti->to == KF_TS_CANCELLED ||
                        ti->to == KF_TS_CLOSED_INVALID || ti->to == KF_TS_REOPENED ||
                        ti->to == KF_TS_ON_HOLD;
    ti->note = kf_input_str(in, "note", note_required, 1, 2000);
    if (ti->to == KF_TS_ON_HOLD) {
        ti->hold_reason = kf_input_str(in, "hold_reason", 1, 1, 32);
        if (ti->hold_reason && !kf_in_list(kf_hold_reasons, ti->hold_reason))
            kf_input_fail(in, "hold_reason", "not_in_list");
    }
    if (ti->to == KF_TS_SCHEDULED) {
        ti->plan = kf_input_str(in, "plan", 1, 1, 2000);
        const char *at = kf_input_str(in, "visit_at", 1, 1, 40);
        if (at && kf_time_parse(at, &ti->visit_at) != 0) kf_input_fail(in, "visit_at", "bad_time");
    }
    if (ti->to == KF_TS_RESOLVED) {
        ti->resolution = kf_input_str(in, "resolution", 1, 1, 5000);
        ti->root_cause = kf_input_str(in, "root_cause", 0, 1, 2000); /* 根本原因 */
    } else if (kf_input_has(in, "root_cause")) {
        kf_input_fail(in, "root_cause", "resolve_only");
    }
    kf_repair_cost_read(in, ti->to == KF_TS_RESOLVED, &ti->cost);
    if (ti->to == KF_TS_MERGED) kf_input_i64(in, "merged_into", 1, 1, INT64_MAX, &ti->merged_into);
    if (ti->to == KF_TS_DISPATCHED) {
        kf_input_i64(in, "department_id", 0, 1, INT64_MAX, &ti->department);
        kf_input_i64(in, "assignee_id", 0, 1, INT64_MAX, &ti->assignee);
    }
}

static const char *const transition_fields[] = {
    "to", "version", "note", "hold_reason", "plan", "visit_at", "resolution", "root_cause",
    "merged_into", "department_id", "assignee_id",
    /* what a repair cost, with to: resolved (ticket_charges.c) */
    "labour_fen", "materials", "charged_crew_id", NULL};

static void ticket_transition(kf_req *req)
{
    transition_input *ti = kf_ticket_job_new(req, sizeof(*ti));
    kf_input *in = ti->job.in;
    if (kf_req_param_id(req, "id", &ti->job.id) != 0) return;
    if (kf_input_begin(in, req, transition_fields) != 0) return;
    read_transition(in, ti);
    if (ti->to == KF_TS_DISPATCHED && !kf_role_has(req->auth->role, "tickets.dispatch")) {
        kf_reply_error(req, 403, "forbidden", NULL);
        return;
    }
    if (kf_input_end(in) != 0) return;
    kf_ticket_job_run(req, &ti->job, transition_write, 200);
}

static void ticket_dispatch(kf_req *req)
{
    static const char *const fields[] = {"department_id", "assignee_id", "note", "version", NULL};
    transition_input *ti = kf_ticket_job_new(req, sizeof(*ti));
    kf_input *in = ti->job.in;
    ti->to = KF_TS_DISPATCHED;
    if (kf_req_param_id(req, "id", &ti->job.id) != 0) return;
    if (kf_input_begin(in, req, fields) != 0) return;
    kf_input_i64(in, "department_id", 0, 1, INT64_MAX, &ti->department);
    kf_input_i64(in, "assignee_id", 0, 1, INT64_MAX, &ti->assignee);
    kf_input_i64(in, "version", 0, 1, INT64_MAX, &ti->job.version);
    ti->note = kf_input_str(in, "note", 0, 0, 2000);
    if (kf_input_end(in) != 0) return;
    kf_ticket_job_run(req, &ti->job, transition_write, 200);
}

/* ---- the manager on site (major complaints) ---- */

/* ---- actions that take {note, version} ---- */

typedef struct {
    transition_input ti; /* APPLY's context */
    int (*apply)(kf_tx *, void *, kf_ticket *, const kf_desk_calendar *);
} note_action;

static int note_action_write(kf_tx *tx, void *ctx)
{
    note_action *a = ctx;
    return kf_ticket_with(tx, &a->ti.job, &a->ti, a->apply);
}

/* Reads {note (required when NOTE_REQUIRED), version} and runs APPLY on
 * the ticket as the request's write (or WRITE, when given, instead of
 * kf_ticket_with); answers the ticket. */
static void run_note_action(kf_req *req, int note_required,
                            int (*apply)(kf_tx *, void *, kf_ticket *, const kf_desk_calendar *),
                            kf_write_fn write)
{
    static const char *const fields[] = {"note", "version", NULL};
    note_action *a = kf_ticket_job_new(req, sizeof(*a));
    kf_input *in = a->ti.job.in;
    a->apply = apply;
    if (kf_req_param_id(req, "id", &a->ti.job.id) != 0) return;
    if (kf_input_begin(in, req, fields) != 0) return;
    a->ti.note = kf_input_str(in, "note", note_required, note_required, 2000);
    kf_input_i64(in, "version", 0, 1, INT64_MAX, &a->ti.job.version);
    if (kf_input_end(in) != 0) return;
    kf_ticket_job_run(req, &a->ti.job, write ? write : note_action_write, 200);
}

static int onsite_cb(kf_tx *tx, void *ctx, kf_ticket *t, const kf_desk_calendar *cal)
{
    transition_input *ti = ctx;
    if (!kf_ticket_i(t, "is_open") || !t->has_clock[KF_MS_ONSITE] ||
        t->clocks[KF_MS_ONSITE].state == KF_CLOCK_MET) {
        ti->job.err_status = 409;
        ti->job.err_code = "no_onsite_due";
        return KF_ECONFLICT;
    }
    kf_clock_meet(&t->clocks[KF_MS_ONSITE], &cal->cal, ti->job.now);
    return kf_ticket_event(tx, kf_ticket_i(t, "id"), ti->job.actor, "manager_on_site", NULL, NULL,
                           ti->note, NULL, ti->job.now);
}

static void ticket_onsite(kf_req *req)
{
    run_note_action(req, 1, onsite_cb, NULL);
}

/* ---- chasers (催单) ---- */

/* The customer chases an open ticket: counted, on the timeline, and the
 * handler (or, in the pool, the department on duty) is told. */
static int chase_cb(kf_tx *tx, void *ctx, kf_ticket *t, const kf_desk_calendar *cal)
{
    (void)cal;
    transition_input *ti = ctx;
    if (!kf_ticket_i(t, "is_open")) {
        ti->job.err_status = 409;
        ti->job.err_code = "ticket_not_open";
        return KF_ECONFLICT;
    }
    int64_t id = kf_ticket_i(t, "id"), project = kf_ticket_i(t, "project_id");
    kf_ticket_set_i(t, "chase_count", kf_ticket_i(t, "chase_count") + 1);
    json_t *data = json_pack("{s:I}", "chase_count", (json_int_t)kf_ticket_i(t, "chase_count"));
    int rc = kf_ticket_event(tx, id, ti->job.actor, "chased", NULL, NULL, ti->note ? ti->note : "",
                             data, ti->job.now);
    json_decref(data);
    int64_t who = kf_ticket_i(t, "assignee_id"), dept = kf_ticket_i(t, "department_id");
    if (rc == KF_OK && who)
        rc = kf_desk_notify(tx, who, project, id, "chased", NULL, ti->job.now);
    else if (rc == KF_OK && dept)
        rc = kf_desk_notify_department(tx, dept, project, id, "chased", NULL, ti->job.now);
    return rc;
}

static void ticket_chase(kf_req *req)
{
    run_note_action(req, 0, chase_cb, NULL);
}

/* ---- notes (备注) ---- */

/* A note on the timeline, on an open or an ended ticket (a later call, a
 * finding); searched with the ticket. It changes nothing the ticket's row,
 * clocks, counts or facts hold, so it only touches the ticket instead of
 * loading and saving it: a save rewrites every index on tickets (measured:
 * a note cost ~420 µs of server time that way). */
static int note_write(kf_tx *tx, void *ctx)
{
    note_action *a = ctx;
    kf_ticket_job *j = &a->ti.job;
    int64_t project = 0;
    int rc = kf_ticket_touch(tx, j->id, j->version, j->now, &project);
    if (rc == KF_OK && !kf_req_sees_project(j->req, project)) rc = KF_ENOTFOUND;
    if (rc == KF_OK)
        rc = kf_ticket_event(tx, j->id, j->actor, "note", NULL, NULL, a->ti.note, NULL, j->now);
    if (rc == KF_OK) j->shown = j->id;
    return rc;
}

static void ticket_note(kf_req *req)
{
    run_note_action(req, 1, NULL, note_write);
}

/* ---- follow-up calls (回访) ---- */

typedef struct {
    transition_input ti; /* where the call leads: closed, or reopened */
    int satisfied;
    int64_t overall, timeliness, attitude; /* 1–5; 0: not given */
    const char *comment;
} follow_up_input;

/* The call on a resolved ticket: kept with its scores, on the timeline, and
 * the ticket closed (satisfied) or reopened to its department. */
static int follow_up_cb(kf_tx *tx, void *ctx, kf_ticket *t, const kf_desk_calendar *cal)
{
    follow_up_input *f = ctx;
    kf_ticket_job *j = &f->ti.job;
    kf_ticket_state st = kf_ticket_status(t);
    if (st != KF_TS_RESOLVED && st != KF_TS_FOLLOW_UP) {
        j->err_status = 409;
        j->err_code = "not_resolved";
        return KF_ECONFLICT;
    }
    int64_t id = kf_ticket_i(t, "id"), call = 0;
    int rc =
        kf_tx_i64(tx, &call,
                  "INSERT INTO follow_ups (project_id, ticket_id, satisfied, score_overall,"
                  " score_timeliness, score_attitude, comment, done_by, created_at)"
                  " VALUES (?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?) RETURNING id",
                  "iiiiiisii", kf_ticket_i(t, "project_id"), id, (int64_t)f->satisfied, f->overall,
                  f->timeliness, f->attitude, f->comment ? f->comment : "", j->actor, j->now);
    if (rc != KF_OK) return rc;
    json_t *data =
        json_pack("{s:I, s:b, s:I, s:o, s:o}", "follow_up_id", (json_int_t)call, "satisfied",
                  f->satisfied, "score_overall", (json_int_t)f->overall, "score_timeliness",
                  f->timeliness ? json_integer(f->timeliness) : json_null(), "score_attitude",
                  f->attitude ? json_integer(f->attitude) : json_null());
    rc = kf_ticket_event(tx, id, j->actor, "follow_up", NULL, NULL, f->comment ? f->comment : "",
                         data, j->now);
    json_decref(data);
    kf_ticket_add_fact(t, KF_M_FOLLOW_UP, f->satisfied != 0);
    kf_ticket_add_fact(t, KF_M_SCORE_OVERALL, f->overall);
    if (f->timeliness) kf_ticket_add_fact(t, KF_M_SCORE_TIMELINESS, f->timeliness);
    if (f->attitude) kf_ticket_add_fact(t, KF_M_SCORE_ATTITUDE, f->attitude);
    f->ti.to = f->satisfied ? KF_TS_CLOSED : KF_TS_REOPENED;
    f->ti.note = f->comment;
    return rc == KF_OK ? transition_apply(tx, &f->ti, t, cal) : rc;
}

static int follow_up_write(kf_tx *tx, void *ctx)
{
    follow_up_input *f = ctx;
    return kf_ticket_with(tx, &f->ti.job, f, follow_up_cb);
}

static void ticket_follow_up(kf_req *req)
{
    static const char *const fields[] = {
        "satisfied", "score_overall", "score_timeliness", "score_attitude", "comment", "version",
        NULL};
    follow_up_input *f = kf_ticket_job_new(req, sizeof(*f));
    kf_input *in = f->ti.job.in;
    if (kf_req_param_id(req, "id", &f->ti.job.id) != 0) return;
    if (kf_input_begin(in, req, fields) != 0) return;
    kf_input_bool(in, "satisfied", 1, &f->satisfied);
    kf_input_i64(in, "score_overall", 1, 1, 5, &f->overall);
    kf_input_i64(in, "score_timeliness", 0, 1, 5, &f->timeliness);
    kf_input_i64(in, "score_attitude", 0, 1, 5, &f->attitude);
    /* the department reopening the work must read what was wrong */
    int said_no = kf_input_has(in, "satisfied") && !f->satisfied;
    f->comment = kf_input_str(in, "comment", said_no, 1, 2000);
    kf_input_i64(in, "version", 0, 1, INT64_MAX, &f->ti.job.version);
    if (kf_input_end(in) != 0) return;
    kf_ticket_job_run(req, &f->ti.job, follow_up_write, 200);
}

static json_t *follow_up_json(kf_stmt *st, const void *ctx)
{
    (void)ctx;
    return json_pack(
        "{s:I, s:b, s:I, s:o, s:o, s:s, s:o, s:o}", "id", (json_int_t)kf_stmt_i64(st, 0),
        "satisfied", (int)kf_stmt_i64(st, 1), "score_overall", (json_int_t)kf_stmt_i64(st, 2),
        "score_timeliness", kf_stmt_isnull(st, 3) ? json_null() : json_integer(kf_stmt_i64(st, 3)),
        "score_attitude", kf_stmt_isnull(st, 4) ? json_null() : json_integer(kf_stmt_i64(st, 4)),
        "comment", kf_stmt_text(st, 5), "done_by",
        kf_stmt_isnull(st, 6) ? json_null() : json_integer(kf_stmt_i64(st, 6)), "created_at",
        kf_api_time(kf_stmt_i64(st, 7)));
}

static void ticket_follow_ups(kf_req *req)
{
    kf_ticket_reply_rows(req,
                         "SELECT id, satisfied, score_overall, score_timeliness, score_attitude,"
                         " comment, done_by, created_at FROM follow_ups WHERE ticket_id = ?"
                         " ORDER BY id",
                         follow_up_json);
}

/* ---- the timeline ---- */

static void ticket_events(kf_req *req)
{
    int64_t id, after = 0, limit = 100;
    if (kf_req_param_id(req, "id", &id) != 0) return;
    kf_input in;
    kf_query_begin(&in, req);
    kf_api_cursor(&in, &after);
    kf_query_i64(&in, "limit", 1, 500, &limit);
    if (kf_input_end(&in) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int64_t project = 0;
    int rc = kf_ticket_project_seen(req, tx, id, &project);
    kf_stmt *st;
    if (rc == KF_OK)
        rc = kf_tx_query(tx, &st,
                         "SELECT e.id, e.kind, e.from_status, e.to_status, e.note, e.data, e.at,"
                         " e.actor_id, u.display_name FROM ticket_events e LEFT JOIN users u"
                         " ON u.id = e.actor_id WHERE e.ticket_id = ? AND e.id > ?"
                         " ORDER BY e.id LIMIT ?",
                         "iii", id, after, limit);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    json_t *items = json_array();
    int64_t last = 0;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        json_t *data = kf_stmt_text(st, 5) ? json_loads(kf_stmt_text(st, 5), 0, NULL) : NULL;
        const char *from = kf_stmt_text(st, 2), *to = kf_stmt_text(st, 3);
        json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o}", "id",
                      (json_int_t)kf_stmt_i64(st, 0), "kind", kf_stmt_text(st, 1), "from",
                      from ? json_string(from) : json_null(), "to",
                      to ? json_string(to) : json_null(), "note", kf_stmt_text(st, 4), "data",
                      data ? data : json_null(), "at", kf_api_time(kf_stmt_i64(st, 6)), "actor_id",
                      kf_stmt_isnull(st, 7) ? json_null() : json_integer(kf_stmt_i64(st, 7)),
                      "actor_name",
                      kf_stmt_text(st, 8) ? json_string(kf_stmt_text(st, 8)) : json_null()));
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

int kf_api_ticket_actions_register(kf_router *r)
{
    if (kf_router_add(r, "POST", "/api/v1/tickets/{id}/transitions", "tickets.write",
                      ticket_transition, KF_ROUTE_PARKS) != KF_OK ||
        kf_router_add(r, "POST", "/api/v1/tickets/{id}/dispatch", "tickets.dispatch",
                      ticket_dispatch, KF_ROUTE_PARKS) != KF_OK ||
        kf_router_add(r, "POST", "/api/v1/tickets/{id}/onsite", "tickets.write", ticket_onsite,
                      KF_ROUTE_PARKS) != KF_OK ||
        kf_router_add(r, "POST", "/api/v1/tickets/{id}/chase", "tickets.write", ticket_chase,
                      KF_ROUTE_PARKS) != KF_OK ||
        kf_router_add(r, "POST", "/api/v1/tickets/{id}/notes", "tickets.write", ticket_note,
                      KF_ROUTE_PARKS) != KF_OK ||
        kf_router_add(r, "POST", "/api/v1/tickets/{id}/follow-ups", "tickets.write",
                      ticket_follow_up, KF_ROUTE_PARKS) != KF_OK ||
        kf_router_add(r, "GET", "/api/v1/tickets/{id}/follow-ups", "tickets.read",
                      ticket_follow_ups, 0) != KF_OK ||
        kf_router_add(r, "GET", "/api/v1/tickets/{id}/events", "tickets.read", ticket_events, 0) !=
            KF_OK)
        return KF_EINVAL;
    return KF_OK;
}
