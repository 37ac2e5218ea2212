/* The deadline policies (时限), administrators write and staff read: one per
 * ticket type, severity, project and category, each with its targets per
 * milestone. Every write is audited in its own transaction. */
#include "api/api_int.h"
#include "api/desk_config_int.h"

#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TARGETS 6
#define MAX_MINUTES 525600 /* a year */

static const char *const milestones[] = {"acknowledge", "contact", "plan", "resolve",
                                         "follow_up",   "onsite",  NULL};
static const char *const bases[] = {"working", "calendar", NULL};

static const kf_dcfg_col policy_cols[] = {
    {"id", COL_INT},        {"name", COL_TEXT},       {"type", COL_TEXT},
    {"severity", COL_TEXT}, {"project_id", COL_INT},  {"category_id", COL_INT},
    {"targets", COL_JSON},  {"created_at", COL_TIME}, {"updated_at", COL_TIME},
    {"version", COL_INT},
};
#define NPOLICY (sizeof(policy_cols) / sizeof(policy_cols[0]))
#define POLICY_SELECT                                                                              \
    "SELECT id, name, type, severity, project_id, category_id, targets, created_at, updated_at,"   \
    " version FROM sla_policies"

static int load_policy(kf_tx *tx, int64_t id, json_t **out)
{
    return kf_dcfg_load_row(tx, POLICY_SELECT " WHERE id = ?", policy_cols, NPOLICY, id, out);
}

static void policies_list(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    int64_t project = 0;
    const char *type = kf_query_str(&in, "type", 32);
    const char *severity = kf_query_str(&in, "severity", 32);
    if (type && !kf_in_list(kf_ticket_types, type)) kf_input_fail(&in, "type", "not_in_list");
    if (severity && !kf_in_list(kf_ticket_severities, severity))
        kf_input_fail(&in, "severity", "not_in_list");
    kf_query_i64(&in, "project_id", 1, INT64_MAX, &project);
    if (kf_input_end(&in)) return;
    kf_tx *tx = kf_req_read(req);
    kf_stmt *st;
    if (!tx) return;
    int rc = kf_tx_query(
        tx, &st,
        POLICY_SELECT " WHERE (CAST(? AS BIGINT) = 1 OR project_id IS NULL OR project_id IN"
                      " (SELECT project_id FROM user_projects WHERE user_id = ?))"
                      " AND (CAST(? AS TEXT) IS NULL OR type = ?)"
                      " AND (CAST(? AS TEXT) IS NULL OR severity = ?)"
                      " AND (CAST(? AS BIGINT) = 0 OR project_id IS NULL OR project_id = ?)"
                      " ORDER BY type, severity, id LIMIT ?",
        "iissssiii", (int64_t)kf_role_is_global(req->auth->role), req->auth->user.id, type, type,
        severity, severity, project, project, (int64_t)KF_DCFG_MAX_ITEMS);
    kf_dcfg_reply_items(req, rc, st, policy_cols, NPOLICY);
}

static void policies_get(kf_req *req)
{
    kf_dcfg_get_scoped(req, load_policy);
}

/* An integer member KEY of target I: *out keeps DEF when absent. */
static void target_int(kf_input *in, const json_t *t, size_t i, const char *key, int64_t min,
                       int64_t max, int required, int64_t *out)
{
    char field[64];
    snprintf(field, sizeof(field), "targets[%zu].%s", i, key);
    const json_t *v = json_object_get(t, key);
    if (!v || json_is_null(v)) {
        if (required) kf_input_fail(in, field, "required");
    } else if (!json_is_integer(v)) {
        kf_input_fail(in, field, "must_be_integer");
    } else if (json_integer_value(v) < min || json_integer_value(v) > max) {
        kf_input_fail(in, field, "out_of_range");
    } else {
        *out = json_integer_value(v);
    }
}

static void target_bool(kf_input *in, const json_t *t, size_t i, const char *key, int *out)
{
    char field[64];
    snprintf(field, sizeof(field), "targets[%zu].%s", i, key);
    const json_t *v = json_object_get(t, key);
    if (!v || json_is_null(v)) return;
    if (!json_is_boolean(v))
        kf_input_fail(in, field, "must_be_boolean");
    else
        *out = json_is_true(v);
}

/* A member KEY of target I that must be one of VALUES; DEF when absent. */
static const char *target_enum(kf_input *in, const json_t *t, size_t i, const char *key,
                               const char *const *values, const char *def)
{
    char field[64];
    snprintf(field, sizeof(field), "targets[%zu].%s", i, key);
    const json_t *v = json_object_get(t, key);
    if (!v || json_is_null(v)) {
        if (!def) kf_input_fail(in, field, "required");
        return def;
    }
    if (!json_is_string(v)) {
        kf_input_fail(in, field, "must_be_string");
        return NULL;
    }
    if (!kf_in_list(values, json_string_value(v))) {
        kf_input_fail(in, field, "not_in_list");
        return NULL;
    }
    return json_string_value(v);
}

/* One target, every key present, or NULL after failing its fields. */
static json_t *read_target(kf_input *in, const json_t *t, size_t i, unsigned *seen)
{
    static const char *const keys[] = {
        "milestone",     "minutes",           "basis", "remind_percent", "escalate_after_minutes",
        "pause_on_hold", "restart_on_reopen", NULL};
    char field[64];
    if (!json_is_object(t)) {
        snprintf(field, sizeof(field), "targets[%zu]", i);
        kf_input_fail(in, field, "invalid");
        return NULL;
    }
    const char *key;
    json_t *v;
    int bad = 0;
    json_object_foreach((json_t *)t, key, v)
    {
        if (kf_in_list(keys, key)) continue;
        snprintf(field, sizeof(field), "targets[%zu].%.32s", i, key);
        kf_input_fail(in, field, "unknown_field");
        bad = 1;
    }
    const char *milestone = target_enum(in, t, i, "milestone", milestones, NULL);
    const char *basis = target_enum(in, t, i, "basis", bases, "working");
    int64_t minutes = 0, remind = 80, escalate = 240;
    target_int(in, t, i, "minutes", 1, MAX_MINUTES, 1, &minutes);
    target_int(in, t, i, "remind_percent", 0, 99, 0, &remind);
    target_int(in, t, i, "escalate_after_minutes", 0, MAX_MINUTES, 0, &escalate);
    int pause = 1, restart = 0;
    if (milestone)
        restart = strcmp(milestone, "resolve") == 0 || strcmp(milestone, "follow_up") == 0;
    target_bool(in, t, i, "pause_on_hold", &pause);
    target_bool(in, t, i, "restart_on_reopen", &restart);
    if (milestone) {
        unsigned bit = 0;
        for (unsigned m = 0; milestones[m]; m++)
            if (strcmp(milestones[m], milestone) == 0) bit = 1u << m;
        if (*seen & bit) {
            snprintf(field, sizeof(field), "targets[%zu].milestone", i);
            kf_input_fail(in, field, "duplicate_milestone");
            bad = 1;
        }
        *seen |= bit;
    }
    if (bad || !milestone || !basis || !minutes || in->fields) return NULL;
    return json_pack("{s:s, s:I, s:s, s:I, s:I, s:b, s:b}", "milestone", milestone, "minutes",
                     (json_int_t)minutes, "basis", basis, "remind_percent", (json_int_t)remind,
                     "escalate_after_minutes", (json_int_t)escalate, "pause_on_hold", pause,
                     "restart_on_reopen", restart);
}

/* "targets": 1..MAX_TARGETS targets, each milestone once, normalized into ROW. */
static void read_targets(kf_input *in, json_t *row, int required)
{
    json_t *v = json_object_get(in->body, "targets");
    if (!v || json_is_null(v)) {
        if (required || v) kf_input_fail(in, "targets", "required");
        return;
    }
    if (!json_is_array(v)) {
        kf_input_fail(in, "targets", "must_be_array");
        return;
    }
    if (json_array_size(v) == 0 || json_array_size(v) > MAX_TARGETS) {
        kf_input_fail(in, "targets", json_array_size(v) ? "too_long" : "too_short");
        return;
    }
    json_t *out = json_array();
    unsigned seen = 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *t = read_target(in, json_array_get(v, i), i, &seen);
        if (t) json_array_append_new(out, t);
    }
    if (json_array_size(out) == json_array_size(v))
        json_object_set_new(row, "targets", out);
    else
        json_decref(out);
}

static void read_policy(kf_input *in, json_t *row, int create)
{
    kf_dcfg_read_text(in, row, "name", 64, create);
    kf_dcfg_read_enum(in, row, "type", kf_ticket_types, 0, create);
    kf_dcfg_read_enum(in, row, "severity", kf_ticket_severities, 0, create);
    kf_dcfg_read_opt_id(in, row, "project_id");
    kf_dcfg_read_opt_id(in, row, "category_id");
    read_targets(in, row, create);
    if (!create) return;
    if (!json_object_get(row, "project_id")) json_object_set_new(row, "project_id", json_null());
    if (!json_object_get(row, "category_id")) json_object_set_new(row, "category_id", json_null());
}

/* References, then one policy per (type, severity, project, category). The
 * no-op UPDATE locks the rows of the same type and severity on PostgreSQL so
 * two concurrent writes of the same combination cannot both pass the check. */
static int check_policy(kf_tx *tx, kf_dcfg_job *j, const json_t *row)
{
    int rc = kf_dcfg_check_project(tx, j, row);
    if (rc == KF_OK) rc = kf_dcfg_check_category(tx, j, row);
    if (rc == KF_OK && j->in->fields) rc = KF_EINVAL;
    if (rc == KF_OK)
        rc = kf_tx_exec(tx, NULL,
                        "UPDATE sla_policies SET version = version WHERE type = ? AND severity = ?",
                        "ss", kf_dcfg_row_str(row, "type"), kf_dcfg_row_str(row, "severity"));
    if (rc != KF_OK) return rc;
    rc = kf_tx_i64(tx, &j->existing,
                   "SELECT id FROM sla_policies WHERE type = ? AND severity = ?"
                   " AND COALESCE(project_id, 0) = ? AND COALESCE(category_id, 0) = ? AND id <> ?"
                   " ORDER BY id LIMIT 1",
                   "ssiii", kf_dcfg_row_str(row, "type"), kf_dcfg_row_str(row, "severity"),
                   kf_dcfg_row_id(row, "project_id"), kf_dcfg_row_id(row, "category_id"), j->id);
    if (rc == KF_ENOTFOUND) {
        j->existing = 0;
        return KF_OK;
    }
    return rc == KF_OK ? KF_ECONFLICT : rc;
}

/* Binds name … targets as parameters 1–6. */
static int bind_policy(kf_stmt *st, const json_t *row)
{
    char *targets = json_dumps(json_object_get(row, "targets"), JSON_COMPACT);
    if (!targets) return KF_EIO;
    kf_stmt_bind_text(st, 1, kf_dcfg_row_str(row, "name"));
    kf_stmt_bind_text(st, 2, kf_dcfg_row_str(row, "type"));
    kf_stmt_bind_text(st, 3, kf_dcfg_row_str(row, "severity"));
    kf_dcfg_bind_opt_id(st, 4, row, "project_id");
    kf_dcfg_bind_opt_id(st, 5, row, "category_id");
    kf_stmt_bind_text(st, 6, targets); /* copied */
    free(targets);
    return KF_OK;
}

static int write_policy_create(kf_tx *tx, void *ctx)
{
    kf_dcfg_job *j = ctx;
    kf_stmt *st;
    int rc = check_policy(tx, j, j->input);
    if (rc == KF_OK)
        rc = kf_tx_prepare(tx,
                           "INSERT INTO sla_policies (name, type, severity, project_id,"
                           " category_id, targets, created_at, updated_at, version)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
                           &st);
    if (rc == KF_OK) rc = bind_policy(st, j->input);
    if (rc != KF_OK) return rc;
    kf_stmt_bind_i64(st, 7, j->now);
    kf_stmt_bind_i64(st, 8, j->now);
    rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_EDB : rc;
    j->id = kf_stmt_i64(st, 0);
    rc = kf_dcfg_step_done(st);
    if (rc == KF_OK) rc = load_policy(tx, j->id, &j->after);
    return rc == KF_OK ? kf_dcfg_audit(tx, j, "sla_policy", "create",
                                       kf_dcfg_row_id(j->after, "project_id"))
                       : rc;
}

static int write_policy_update(kf_tx *tx, void *ctx)
{
    kf_dcfg_job *j = ctx;
    kf_stmt *st;
    int rc = load_policy(tx, j->id, &j->before);
    if (rc == KF_OK && !kf_dcfg_row_visible(j->req, j->before)) rc = KF_ENOTFOUND;
    if (rc == KF_OK) rc = kf_dcfg_check_version(j, j->before);
    if (rc != KF_OK) return rc;
    json_t *row = json_deep_copy(j->before);
    json_object_update(row, j->input);
    rc = check_policy(tx, j, row);
    if (rc == KF_OK)
        rc = kf_tx_prepare(tx,
                           "UPDATE sla_policies SET name = ?, type = ?, severity = ?,"
                           " project_id = ?, category_id = ?, targets = ?, updated_at = ?,"
                           " version = version + 1 WHERE id = ? AND version = ?",
                           &st);
    if (rc == KF_OK) rc = bind_policy(st, row);
    if (rc == KF_OK) {
        kf_stmt_bind_i64(st, 7, j->now);
        kf_stmt_bind_i64(st, 8, j->id);
        kf_stmt_bind_i64(st, 9, kf_dcfg_row_i64(j->before, "version"));
        rc = kf_dcfg_step_changed(st);
    }
    json_decref(row);
    if (rc == KF_OK) rc = load_policy(tx, j->id, &j->after);
    return rc == KF_OK ? kf_dcfg_audit(tx, j, "sla_policy", "update",
                                       kf_dcfg_row_id(j->after, "project_id"))
                       : rc;
}

static int write_policy_delete(kf_tx *tx, void *ctx)
{
    kf_dcfg_job *j = ctx;
    int rc = load_policy(tx, j->id, &j->before);
    if (rc == KF_OK && !kf_dcfg_row_visible(j->req, j->before)) rc = KF_ENOTFOUND;
    if (rc == KF_OK) rc = kf_tx_exec(tx, NULL, "DELETE FROM sla_policies WHERE id = ?", "i", j->id);
    return rc == KF_OK ? kf_dcfg_audit(tx, j, "sla_policy", "delete",
                                       kf_dcfg_row_id(j->before, "project_id"))
                       : rc;
}

static const char *const policy_names[] = {"name",        "type",    "severity", "project_id",
                                           "category_id", "targets", "version",  NULL};

static void policies_create(kf_req *req)
{
    kf_dcfg_save_with(req, policy_names, read_policy, write_policy_create, 1);
}

static void policies_update(kf_req *req)
{
    kf_dcfg_save_with(req, policy_names, read_policy, write_policy_update, 0);
}

static void policies_delete(kf_req *req)
{
    kf_dcfg_delete_with(req, write_policy_delete);
}

int kf_api_desk_policies_register(kf_router *r)
{
    static const kf_dcfg_route routes[] = {
        {"GET", "/api/v1/sla-policies", "tickets.read", policies_list},
        {"POST", "/api/v1/sla-policies", "desk.configure", policies_create},
        {"GET", "/api/v1/sla-policies/{id}", "tickets.read", policies_get},
        {"PATCH", "/api/v1/sla-policies/{id}", "desk.configure", policies_update},
        {"DELETE", "/api/v1/sla-policies/{id}", "desk.configure", policies_delete},
    };
    return kf_dcfg_add_routes(r, routes, sizeof(routes) / sizeof(routes[0]));
}
