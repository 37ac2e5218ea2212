/* What a ticket costs (维修费用、赔偿): the repair cost given when a ticket is
 * resolved (labour only is a normal repair, approved at once; with materials
 * an abnormal one, which a supervisor approves), compensation to the customer
 * (approved by the supervisor, the manager or the executive by amount, the
 * limits in desk_settings), the decisions, and the gate that keeps a ticket
 * with a charge waiting for approval from closing. Approving a charge borne
 * by a crew posts its deduction to the crew's warranty deposit (质保金) in the
 * same transaction. Every charge and decision is audited and is an event on
 * the ticket's timeline. The reading routes are in charge_reports.c. */
#include "api/api.h"
#include "api/api_int.h"
#include "api/tickets_int.h"

#include "core/err.h"
#include "core/secret.h"
#include "desk/alarms.h"
#include "desk/routing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The approver levels, lowest first; a role approves up to its rank
 * (kf_role_approver_rank). */
static const char *const levels[] = {"none", "supervisor", "manager", "executive", NULL};

static int level_rank(const char *level)
{
    for (int i = 0; levels[i]; i++)
        if (strcmp(levels[i], level) == 0) return i;
    return 0;
}

static const char *const comp_bearers[] = {"company", "department", "crew", "staff", NULL};

/* ---- reading the repair cost ---- */

/* A quantity: a number above 0, at most 1,000,000, with at most three
 * decimals; *MILLI the quantity × 1000. */
static void read_quantity(kf_input *in, const json_t *v, const char *field, int64_t *milli)
{
    if (!v || json_is_null(v)) {
        kf_input_fail(in, field, "required");
    } else if (json_is_integer(v)) {
        json_int_t q = json_integer_value(v);
        if (q <= 0 || q > 1000000)
            kf_input_fail(in, field, "out_of_range");
        else
            *milli = (int64_t)q * 1000;
    } else if (json_is_real(v)) {
        double q = json_real_value(v), m = q * 1000.0;
        if (!(q > 0) || q > 1000000)
            kf_input_fail(in, field, "out_of_range");
        else if (fabs(m - round(m)) > 1e-6 || round(m) < 1)
            kf_input_fail(in, field, "quantity_decimals");
        else
            *milli = (int64_t)llround(m);
    } else {
        kf_input_fail(in, field, "must_be_number");
    }
}

static int64_t line_int(kf_input *in, const json_t *o, size_t i, const char *key)
{
    char field[96]; /* "materials[" + a size_t + "]." + 32 bytes of a key */
    snprintf(field, sizeof(field), "materials[%zu].%s", i, key);
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        kf_input_fail(in, field, "required");
    else if (!json_is_integer(v))
        kf_input_fail(in, field, "must_be_integer");
    else if (json_integer_value(v) < 0 || json_integer_value(v) > KF_CHARGE_MAX_FEN)
        kf_input_fail(in, field, "out_of_range");
    else
        return json_integer_value(v);
    return -1;
}

/* One line {name, quantity, unit_price_fen}; its amount in checked arithmetic. */
static void read_line(kf_input *in, const json_t *o, size_t i, kf_material_line *l)
{
    static const char *const keys[] = {"name", "quantity", "unit_price_fen", NULL};
    char field[96]; /* "materials[" + a size_t + "]." + 32 bytes of a key */
    if (!json_is_object(o)) {
        snprintf(field, sizeof(field), "materials[%zu]", i);
        kf_input_fail(in, field, "invalid");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        if (kf_in_list(keys, key)) continue;
        snprintf(field, sizeof(field), "materials[%zu].%.32s", i, key);
        kf_input_fail(in, field, "unknown_field");
    }
    snprintf(field, sizeof(field), "materials[%zu].name", i);
    v = json_object_get(o, "name");
    size_t chars = v && json_is_string(v) ? kf_utf8_chars(json_string_value(v)) : 0;
    if (!v || json_is_null(v))
        kf_input_fail(in, field, "required");
    else if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        kf_input_fail(in, field, "must_be_string");
    else if (chars < 1 || chars > 100)
        kf_input_fail(in, field, chars ? "too_long" : "too_short");
    else
        l->name = json_string_value(v);
    snprintf(field, sizeof(field), "materials[%zu].quantity", i);
    read_quantity(in, json_object_get(o, "quantity"), field, &l->quantity_milli);
    l->unit_price = line_int(in, o, i, "unit_price_fen");
    if (!l->name || !l->quantity_milli || l->unit_price < 0) return;
    int64_t cost; /* quantity × 1000 × price, then to the fen, half up */
    if (__builtin_mul_overflow(l->quantity_milli, l->unit_price, &cost) ||
        __builtin_add_overflow(cost, 500, &cost)) {
        snprintf(field, sizeof(field), "materials[%zu].unit_price_fen", i);
        kf_input_fail(in, field, "amount_overflow");
        return;
    }
    l->amount = cost / 1000;
}

static void read_materials(kf_input *in, kf_repair_cost *c)
{
    json_t *v = json_object_get(in->body, "materials");
    if (!v || json_is_null(v)) return;
    if (!json_is_array(v)) {
        kf_input_fail(in, "materials", "must_be_array");
        return;
    }
    if (json_array_size(v) > KF_CHARGE_MAX_LINES) {
        kf_input_fail(in, "materials", "too_long");
        return;
    }
    c->nlines = json_array_size(v);
    for (size_t i = 0; i < c->nlines; i++) {
        read_line(in, json_array_get(v, i), i, &c->lines[i]);
        if (__builtin_add_overflow(c->materials, c->lines[i].amount, &c->materials))
            kf_input_fail(in, "materials", "amount_overflow");
    }
}

void kf_repair_cost_read(kf_input *in, int resolving, kf_repair_cost *c)
{
    static const char *const fields[] = {"labour_fen", "materials", "charged_crew_id", NULL};
    memset(c, 0, sizeof(*c));
    if (!resolving) { /* money is recorded with the resolution, nowhere else */
        for (size_t i = 0; fields[i]; i++)
            if (json_object_get(in->body, fields[i])) kf_input_fail(in, fields[i], "resolve_only");
        return;
    }
    kf_input_i64(in, "labour_fen", 0, 0, KF_CHARGE_MAX_FEN, &c->labour);
    kf_input_i64(in, "charged_crew_id", 0, 1, INT64_MAX, &c->crew);
    read_materials(in, c);
    if (in->fields) return;
    if (__builtin_add_overflow(c->labour, c->materials, &c->amount) ||
        c->amount > KF_CHARGE_MAX_FEN)
        kf_input_fail(in, c->nlines ? "materials" : "labour_fen", "amount_overflow");
    else if (c->crew && c->amount == 0)
        kf_input_fail(in, "charged_crew_id", "no_cost");
}

/* ---- writing charges ---- */

typedef struct {
    int64_t project, ticket, amount, labour, materials, bearer_id;
    const char *kind, *bearer, *reason, *status, *level;
    const json_t *lines; /* borrowed; NULL: none */
} charge_row;

static int charge_insert(kf_tx *tx, const kf_ticket_job *j, const charge_row *c, int64_t *id)
{
    char *lines = c->lines ? json_dumps(c->lines, JSON_COMPACT) : NULL;
    int decided = strcmp(c->status, "pending") != 0;
    kf_stmt *st;
    int rc = kf_tx_query(
        tx, &st,
        "INSERT INTO ticket_charges (project_id, ticket_id, kind, amount_fen, labour_fen,"
        " materials_fen, materials, bearer, bearer_id, reason, status, level, created_by,"
        " created_at, decided_at, updated_at, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?, ?, ?, ?, ?,"
        " NULLIF(CAST(? AS BIGINT), 0), ?, 1) RETURNING id",
        "iisiiississsiiii", c->project, c->ticket, c->kind, c->amount, c->labour, c->materials,
        lines, c->bearer, c->bearer_id, c->reason, c->status, c->level, j->actor, j->now,
        decided ? j->now : 0, j->now);
    free(lines);
    if (rc == KF_OK) rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_EDB : rc;
    *id = kf_stmt_i64(st, 0);
    rc = kf_stmt_step(st);
    return rc == KF_DONE ? KF_OK : rc;
}

static int audit(kf_tx *tx, const kf_ticket_job *j, const char *entity, int64_t id, int64_t project,
                 const char *action, json_t *before, json_t *after)
{
    kf_actor actor = kf_api_actor(j->req);
    kf_audit_entry e = {.entity = entity,
                        .entity_id = id,
                        .project_id = project,
                        .action = action,
                        .before = before,
                        .after = after};
    return kf_audit_write(tx, &actor, &e, j->now);
}

/* The charge's audit entry: ACTION with the row before (may be NULL) and as it is now. */
static int audit_charge(kf_tx *tx, const kf_ticket_job *j, int64_t id, int64_t project,
                        const char *action, json_t *before)
{
    json_t *after = NULL;
    int rc = kf_charge_read(tx, id, &after);
    if (rc == KF_OK) rc = audit(tx, j, "ticket_charge", id, project, action, before, after);
    json_decref(after);
    return rc;
}

/* The deduction of AMOUNT from CREW's deposit for charge CHARGE of TICKET,
 * audited like an entry made by hand. The balance may go below zero: the
 * crew then owes the difference (docs/tickets.md). */
static int post_deduction(kf_tx *tx, const kf_ticket_job *j, int64_t project, int64_t crew,
                          int64_t charge, int64_t ticket, int64_t amount, int64_t *entry)
{
    char note[96];
    snprintf(note, sizeof(note), "工单 %lld 费用 %lld / ticket %lld charge %lld", (long long)ticket,
             (long long)charge, (long long)ticket, (long long)charge);
    /* the crew is locked like a deduction by hand (departments.c) */
    int rc = kf_tx_exec(tx, NULL, "UPDATE crews SET version = version WHERE id = ?", "i", crew);
    if (rc == KF_OK)
        rc = kf_tx_i64(tx, entry,
                       "INSERT INTO crew_deposit_entries (project_id, crew_id, kind, amount_fen,"
                       " note, created_at, updated_at, version, charge_id)"
                       " VALUES (?, ?, 'deduction', ?, ?, ?, ?, 1, ?) RETURNING id",
                       "iiisiii", project, crew, -amount, note, j->now, j->now, charge);
    if (rc != KF_OK) return rc;
    json_t *after =
        json_pack("{s:I, s:I, s:I, s:s, s:I, s:s, s:I}", "id", (json_int_t)*entry, "project_id",
                  (json_int_t)project, "crew_id", (json_int_t)crew, "kind", "deduction",
                  "amount_fen", (json_int_t)-amount, "note", note, "charge_id", (json_int_t)charge);
    rc = audit(tx, j, "crew_deposit_entry", *entry, project, "create", NULL, after);
    json_decref(after);
    return rc;
}

/* The approvers of LEVEL in PROJECT are told a charge waits for them. */
static int notify_approvers(kf_tx *tx, const kf_ticket_job *j, const char *level, int64_t project,
                            int64_t ticket)
{
    return kf_desk_notify_role(tx, level, project, ticket, "charge_pending", NULL, j->now);
}

/* The materials as stored and shown: [{name, quantity, unit_price_fen, amount_fen}]. */
static json_t *lines_json(const kf_repair_cost *c)
{
    json_t *out = json_array();
    for (size_t i = 0; i < c->nlines; i++) {
        const kf_material_line *l = &c->lines[i];
        json_t *q = l->quantity_milli % 1000 ? json_real((double)l->quantity_milli / 1000.0)
                                             : json_integer(l->quantity_milli / 1000);
        json_array_append_new(out, json_pack("{s:s, s:o, s:I, s:I}", "name", l->name, "quantity", q,
                                             "unit_price_fen", (json_int_t)l->unit_price,
                                             "amount_fen", (json_int_t)l->amount));
    }
    return out;
}

/* The resolve event's cost summary. New reference. */
static json_t *cost_summary(const kf_repair_cost *c, int64_t charge, const charge_row *row,
                            int64_t entry)
{
    return json_pack("{s:{s:I, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:o, s:o}}", "cost", "charge_id",
                     (json_int_t)charge, "repair", c->nlines ? "abnormal" : "normal", "labour_fen",
                     (json_int_t)c->labour, "materials_fen", (json_int_t)c->materials, "amount_fen",
                     (json_int_t)c->amount, "status", row->status, "level", row->level, "bearer",
                     row->bearer, "bearer_id", c->crew ? json_integer(c->crew) : json_null(),
                     "deposit_entry_id", entry ? json_integer(entry) : json_null());
}

int kf_repair_cost_charge(kf_tx *tx, kf_ticket_job *j, const kf_ticket *t, const kf_repair_cost *c,
                          json_t **data)
{
    if (c->amount == 0) return KF_OK; /* nothing was spent */
    int64_t project = kf_ticket_i(t, "project_id"), ticket = kf_ticket_i(t, "id"), owner = 0;
    int rc;
    if (c->crew) {
        rc = kf_tx_i64(tx, &owner, "SELECT project_id FROM crews WHERE id = ?", "i", c->crew);
        if (rc != KF_OK && rc != KF_ENOTFOUND) return rc;
        if (owner != project) {
            kf_input_fail(j->in, "charged_crew_id", "unknown_reference");
            return KF_EINVAL;
        }
    }
    json_t *lines = c->nlines ? lines_json(c) : NULL;
    charge_row row = {.project = project,
                      .ticket = ticket,
                      .amount = c->amount,
                      .labour = c->labour,
                      .materials = c->materials,
                      .bearer_id = c->crew,
                      .kind = "repair",
                      .bearer = c->crew ? "crew" : "company",
                      .reason = "",
                      .status = c->nlines ? "pending" : "approved",
                      .level = c->nlines ? "supervisor" : "none",
                      .lines = lines};
    int64_t id = 0, entry = 0;
    rc = charge_insert(tx, j, &row, &id);
    json_decref(lines);
    if (rc == KF_OK && c->nlines) rc = notify_approvers(tx, j, row.level, project, ticket);
    if (rc == KF_OK && !c->nlines && c->crew) {
        rc = post_deduction(tx, j, project, c->crew, id, ticket, c->amount, &entry);
        if (rc == KF_OK)
            rc = kf_tx_exec(tx, NULL, "UPDATE ticket_charges SET deposit_entry_id = ? WHERE id = ?",
                            "ii", entry, id);
    }
    if (rc == KF_OK) rc = audit_charge(tx, j, id, project, "create", NULL);
    if (rc == KF_OK) *data = cost_summary(c, id, &row, entry);
    return rc;
}

int kf_charges_gate(kf_tx *tx, kf_ticket_job *j, const kf_ticket *t)
{
    int64_t pending = 0;
    int rc = kf_tx_i64(tx, &pending,
                       "SELECT id FROM ticket_charges WHERE ticket_id = ? AND status = 'pending'"
                       " ORDER BY id LIMIT 1",
                       "i", kf_ticket_i(t, "id"));
    if (rc == KF_ENOTFOUND) return KF_OK;
    if (rc != KF_OK) return rc;
    j->err_status = 409;
    j->err_code = "approval_pending";
    j->err_key = "charge_id";
    j->err_extra = json_integer(pending);
    return KF_ECONFLICT;
}

/* ---- answering ---- */

/* After a write of charge CHARGE: STATUS with the charge, or the refusal. */
static void reply_charge(kf_req *req, kf_ticket_job *j, int rc, int64_t charge, int status)
{
    json_t *out = NULL;
    if (rc == KF_OK) {
        kf_tx *tx = kf_req_read(req);
        if (!tx) return; /* answered 503 */
        rc = kf_charge_read(tx, charge, &out);
    }
    if (rc == KF_OK) {
        if (status == 201)
            kf_reply_header(
                req, "Location",
                kf_arena_printf(&req->arena, "/api/v1/charges/%lld", (long long)charge));
        kf_reply_json(req, status, out);
    } else {
        kf_ticket_job_refused(req, j, rc);
    }
    json_decref(j->err_extra);
}

static void refuse(kf_ticket_job *j, int status, const char *code, const char *key, json_t *extra)
{
    j->err_status = status;
    j->err_code = code;
    j->err_key = key;
    j->err_extra = extra;
}

/* ---- compensation (赔偿) ---- */

typedef struct {
    kf_ticket_job job; /* the ticket, locked while the charge is made */
    int64_t amount, bearer_id, charge;
    const char *bearer, *reason;
    const char *idem_key; /* Idempotency-Key, or NULL */
    char request_hash[KF_TOKEN_HASH_LEN];
} compensation_input;

/* The bearer must be of the ticket's project: a department or crew of it, a
 * member of its staff (an active user of the project); the company has no id. */
static int check_bearer(kf_tx *tx, compensation_input *ci, int64_t project)
{
    if (strcmp(ci->bearer, "company") == 0) return KF_OK;
    int64_t n = 0;
    const char *sql = strcmp(ci->bearer, "crew") == 0
                          ? "SELECT COUNT(*) FROM crews WHERE id = ? AND project_id = ?"
                      : strcmp(ci->bearer, "department") == 0
                          ? "SELECT COUNT(*) FROM departments WHERE id = ? AND project_id = ?"
                          : "SELECT COUNT(*) FROM users u JOIN user_projects p ON p.user_id = u.id"
                            " WHERE u.id = ? AND p.project_id = ? AND u.active = 1";
    int rc = kf_tx_i64(tx, &n, sql, "ii", ci->bearer_id, project);
    if (rc == KF_OK && !n) {
        kf_input_fail(ci->job.in, "bearer_id", "unknown_reference");
        rc = KF_EINVAL;
    }
    return rc;
}

/* The level the amount needs, from the company's limits; "executive" only
 * when the project has an active executive (else 422 no_approver). */
static int compensation_level(kf_tx *tx, compensation_input *ci, int64_t project,
                              const char **level)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT compensation_supervisor_max_fen, compensation_manager_max_fen"
                         " FROM desk_settings WHERE id = 1",
                         NULL);
    if (rc == KF_OK) rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_EDB : rc;
    int64_t sup = kf_stmt_i64(st, 0), mgr = kf_stmt_i64(st, 1);
    *level = ci->amount <= sup ? "supervisor" : ci->amount <= mgr ? "manager" : "executive";
    if (strcmp(*level, "executive") != 0) return KF_OK;
    int64_t n = 0;
    rc = kf_tx_i64(tx, &n,
                   "SELECT COUNT(*) FROM users u JOIN user_projects p ON p.user_id = u.id"
                   " WHERE p.project_id = ? AND u.role = 'executive' AND u.active = 1",
                   "i", project);
    if (rc == KF_OK && !n) {
        refuse(&ci->job, 422, "no_approver", "required_level", json_string("executive"));
        rc = KF_ECONFLICT;
    }
    return rc;
}

static int compensation_cb(kf_tx *tx, void *ctx, kf_ticket *t, const kf_desk_calendar *cal)
{
    (void)cal;
    compensation_input *ci = ctx;
    kf_ticket_job *j = &ci->job;
    const char *type = kf_ticket_s(t, "type");
    if (!kf_ticket_state_open(kf_ticket_status(t)) ||
        (strcmp(type, "complaint") != 0 && strcmp(type, "repair") != 0)) {
        refuse(j, 409, "not_chargeable", NULL, NULL);
        return KF_ECONFLICT;
    }
    int64_t project = kf_ticket_i(t, "project_id"), ticket = kf_ticket_i(t, "id");
    const char *level = NULL;
    int rc = check_bearer(tx, ci, project);
    if (rc == KF_OK) rc = compensation_level(tx, ci, project, &level);
    if (rc != KF_OK) return rc;
    charge_row row = {.project = project,
                      .ticket = ticket,
                      .amount = ci->amount,
                      .bearer_id = ci->bearer_id,
                      .kind = "compensation",
                      .bearer = ci->bearer,
                      .reason = ci->reason,
                      .status = "pending",
                      .level = level};
    if ((rc = charge_insert(tx, j, &row, &ci->charge)) != KF_OK) return rc;
    json_t *data =
        json_pack("{s:I, s:I, s:s, s:o, s:s}", "charge_id", (json_int_t)ci->charge, "amount_fen",
                  (json_int_t)ci->amount, "bearer", ci->bearer, "bearer_id",
                  ci->bearer_id ? json_integer(ci->bearer_id) : json_null(), "level", level);
    rc = kf_ticket_event(tx, ticket, j->actor, "compensation_requested", NULL, NULL, ci->reason,
                         data, j->now);
    json_decref(data);
    if (rc == KF_OK) rc = notify_approvers(tx, j, level, project, ticket);
    return rc == KF_OK ? audit_charge(tx, j, ci->charge, project, "create", NULL) : rc;
}

static int compensation_write(kf_tx *tx, void *ctx)
{
    compensation_input *ci = ctx;
    /* the user's keys are shared with intake */
    int64_t made = 0;
    int rc = ci->idem_key ? kf_idem_claim(tx, &ci->job, ci->idem_key, ci->request_hash, 1, &made)
                          : KF_OK;
    if (rc != KF_OK) return rc;
    if (made) {
        ci->charge = made;
        ci->job.replayed = 1;
        return KF_OK;
    }
    rc = kf_ticket_with(tx, &ci->job, ci, compensation_cb);
    if (rc == KF_OK && ci->idem_key)
        rc = kf_tx_exec(tx, NULL,
                        "UPDATE idempotency_keys SET charge_id = ? WHERE user_id = ? AND key = ?",
                        "iis", ci->charge, ci->job.actor, ci->idem_key);
    return rc;
}

/* The request as the key remembers it: the ticket and the body with sorted keys. */
static int request_hash(kf_input *in, compensation_input *ci)
{
    char *canon = json_dumps(in->body, JSON_COMPACT | JSON_SORT_KEYS);
    if (!canon) return KF_EIO;
    char *text =
        kf_arena_printf(&in->req->arena, "compensation %lld %s", (long long)ci->job.id, canon);
    free(canon);
    kf_token_hash(text, ci->request_hash);
    return KF_OK;
}

static void compensation_create(kf_req *req)
{
    static const char *const fields[] = {"amount_fen", "bearer", "bearer_id", "reason", NULL};
    kf_input in;
    compensation_input ci = {.job = {.req = req, .in = &in}};
    if (kf_req_param_id(req, "id", &ci.job.id) != 0) return;
    if (kf_input_begin(&in, req, fields) != 0) return;
    kf_input_i64(&in, "amount_fen", 1, 1, KF_CHARGE_MAX_FEN, &ci.amount);
    ci.bearer = kf_input_str(&in, "bearer", 1, 1, 32);
    if (ci.bearer && !kf_in_list(comp_bearers, ci.bearer)) {
        kf_input_fail(&in, "bearer", "not_in_list");
        ci.bearer = NULL;
    }
    int company = ci.bearer && strcmp(ci.bearer, "company") == 0;
    if (company && kf_input_has(&in, "bearer_id"))
        kf_input_fail(&in, "bearer_id", "company_has_no_id");
    else if (!company)
        kf_input_i64(&in, "bearer_id", ci.bearer != NULL, 1, INT64_MAX, &ci.bearer_id);
    ci.reason = kf_input_str(&in, "reason", 1, 1, 2000);
    ci.idem_key = kf_req_header(req, "Idempotency-Key");
    if (ci.idem_key && (strlen(ci.idem_key) == 0 || strlen(ci.idem_key) > 128))
        kf_input_fail(&in, "Idempotency-Key", "invalid");
    if (kf_input_end(&in) != 0) return;
    ci.job.now = kf_app_now(req->app);
    ci.job.actor = req->auth->user.id;
    int rc = ci.idem_key ? request_hash(&in, &ci) : KF_OK;
    if (rc == KF_OK) rc = kf_req_write(req, compensation_write, &ci);
    if (rc == KF_OK) kf_alarms_kick(req->app->alarms, ci.job.alarm);
    if (rc == KF_OK && ci.job.replayed) kf_reply_header(req, "Idempotent-Replayed", "true");
    reply_charge(req, &ci.job, rc, ci.charge, ci.job.replayed ? 200 : 201);
}

/* ---- decisions: approve, refuse ---- */

typedef struct {
    kf_ticket_job job; /* job.id: the charge; job.version: the charge's */
    int approve;
    const char *note;
} decision_input;

/* The charge as the decision needs it. */
typedef struct {
    int64_t project, ticket, amount, bearer_id, created_by, version;
    char kind[16], bearer[16], status[16], level[16];
} charge_state;

static int charge_load(kf_tx *tx, int64_t id, charge_state *c)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT project_id, ticket_id, amount_fen, bearer_id, created_by, version,"
                         " kind, bearer, status, level FROM ticket_charges WHERE id = ?",
                         "i", id);
    if (rc == KF_OK) rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_ENOTFOUND : rc;
    int64_t *ints[] = {&c->project,   &c->ticket,     &c->amount,
                       &c->bearer_id, &c->created_by, &c->version};
    for (int i = 0; i < 6; i++)
        *ints[i] = kf_stmt_isnull(st, i) ? 0 : kf_stmt_i64(st, i);
    snprintf(c->kind, sizeof(c->kind), "%s", kf_stmt_text(st, 6));
    snprintf(c->bearer, sizeof(c->bearer), "%s", kf_stmt_text(st, 7));
    snprintf(c->status, sizeof(c->status), "%s", kf_stmt_text(st, 8));
    snprintf(c->level, sizeof(c->level), "%s", kf_stmt_text(st, 9));
    rc = kf_stmt_step(st);
    return rc == KF_DONE ? KF_OK : rc;
}

/* Who may decide: the charge's project seen (else 404), a role at or above
 * its level (403 approval_level), not the one who asked (403 own_request),
 * a charge still pending (409 not_pending) at the version given. */
static int may_decide(decision_input *di, const charge_state *c)
{
    kf_ticket_job *j = &di->job;
    if (!kf_req_sees_project(j->req, c->project)) return KF_ENOTFOUND;
    if (kf_role_approver_rank(j->req->auth->role) < level_rank(c->level)) {
        refuse(j, 403, "approval_level", "required_level", json_string(c->level));
        return KF_EPERM;
    }
    if (c->created_by == j->actor) {
        refuse(j, 403, "own_request", NULL, NULL);
        return KF_EPERM;
    }
    if (strcmp(c->status, "pending") != 0) {
        refuse(j, 409, "not_pending", "status", json_string(c->status));
        return KF_ECONFLICT;
    }
    return j->version && j->version != c->version ? KF_ESTALE : KF_OK;
}

static int decision_event(kf_tx *tx, decision_input *di, const charge_state *c, int64_t entry)
{
    kf_ticket_job *j = &di->job;
    json_t *data =
        json_pack("{s:I, s:s, s:I, s:s, s:o, s:s, s:o}", "charge_id", (json_int_t)j->id, "kind",
                  c->kind, "amount_fen", (json_int_t)c->amount, "bearer", c->bearer, "bearer_id",
                  c->bearer_id ? json_integer(c->bearer_id) : json_null(), "level", c->level,
                  "deposit_entry_id", entry ? json_integer(entry) : json_null());
    int rc =
        kf_ticket_event(tx, c->ticket, j->actor, di->approve ? "charge_approved" : "charge_refused",
                        NULL, NULL, di->note ? di->note : "", data, j->now);
    json_decref(data);
    if (rc == KF_OK && c->created_by) /* the one who asked is told */
        rc = kf_desk_notify(tx, c->created_by, c->project, c->ticket,
                            di->approve ? "charge_approved" : "charge_refused", NULL, j->now);
    return rc;
}

static int decision_write(kf_tx *tx, void *ctx)
{
    decision_input *di = ctx;
    kf_ticket_job *j = &di->job;
    charge_state c;
    int rc = charge_load(tx, j->id, &c);
    if (rc == KF_OK) rc = may_decide(di, &c);
    json_t *before = NULL;
    if (rc == KF_OK) rc = kf_charge_read(tx, j->id, &before);
    int64_t entry = 0, changed = 0;
    if (rc == KF_OK && di->approve && strcmp(c.bearer, "crew") == 0)
        rc = post_deduction(tx, j, c.project, c.bearer_id, j->id, c.ticket, c.amount, &entry);
    if (rc == KF_OK)
        rc = kf_tx_exec(
            tx, &changed,
            "UPDATE ticket_charges SET status = ?, decided_by = ?, decided_at = ?,"
            " decision_note = ?, deposit_entry_id = NULLIF(CAST(? AS BIGINT), 0), updated_at = ?,"
            " version = version + 1 WHERE id = ? AND version = ? AND status = 'pending'",
            "siisiiii", di->approve ? "approved" : "refused", j->actor, j->now,
            di->note ? di->note : "", entry, j->now, j->id, c.version);
    if (rc == KF_OK && !changed) rc = KF_ESTALE; /* decided meanwhile */
    if (rc == KF_OK) rc = decision_event(tx, di, &c, entry);
    if (rc == KF_OK)
        rc = audit_charge(tx, j, j->id, c.project, di->approve ? "approve" : "refuse", before);
    json_decref(before);
    return rc;
}

static void decide(kf_req *req, int approve)
{
    static const char *const fields[] = {"version", "note", NULL};
    kf_input in;
    decision_input di = {.job = {.req = req, .in = &in}, .approve = approve};
    if (kf_req_param_id(req, "id", &di.job.id) != 0) return;
    if (kf_input_begin(&in, req, fields) != 0) return;
    kf_input_i64(&in, "version", 0, 1, INT64_MAX, &di.job.version);
    /* a refusal owes its reason to the one who asked */
    di.note = kf_input_str(&in, "note", !approve, 1, 2000);
    if (kf_input_end(&in) != 0) return;
    di.job.now = kf_app_now(req->app);
    di.job.actor = req->auth->user.id;
    int rc = kf_req_write(req, decision_write, &di);
    reply_charge(req, &di.job, rc, di.job.id, 200);
}

static void charge_approve(kf_req *req)
{
    decide(req, 1);
}

static void charge_refuse(kf_req *req)
{
    decide(req, 0);
}

int kf_api_ticket_charges_register(kf_router *r)
{
    if (kf_router_add(r, "POST", "/api/v1/tickets/{id}/compensations", "tickets.write",
                      compensation_create, 0) != KF_OK ||
        kf_router_add(r, "POST", "/api/v1/charges/{id}/approve", "charges.approve", charge_approve,
                      0) != KF_OK ||
        kf_router_add(r, "POST", "/api/v1/charges/{id}/refuse", "charges.approve", charge_refuse,
                      0) != KF_OK)
        return KF_EINVAL;
    return kf_api_charge_reports_register(r);
}
