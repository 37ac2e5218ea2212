/* The ordered routing rules that name a ticket's responsible department
 * (administrators write, staff read): company-wide or of one project, each
 * naming either a department of its project or a department kind. Every
 * write is audited in its own transaction. */
#include "api/api_int.h"
#include "api/desk_config_int.h"

#include "core/err.h"

static const char *const warranties[] = {"in", "out", NULL};

static const kf_dcfg_col rule_cols[] = {
    {"id", COL_INT},
    {"position", COL_INT},
    {"name", COL_TEXT},
    {"project_id", COL_INT},
    {"building_id", COL_INT},
    {"type", COL_TEXT},
    {"category_id", COL_INT},
    {"severity", COL_TEXT},
    {"warranty", COL_TEXT},
    {"department_id", COL_INT},
    {"department_kind", COL_TEXT},
    {"active", COL_BOOL},
    {"created_at", COL_TIME},
    {"updated_at", COL_TIME},
    {"version", COL_INT},
};
#define NRULE (sizeof(rule_cols) / sizeof(rule_cols[0]))
#define RULE_SELECT                                                                                \
    "SELECT id, position, name, project_id, building_id, type, category_id, severity, warranty,"   \
    " department_id, department_kind, active, created_at, updated_at, version FROM routing_rules"

static int load_rule(kf_tx *tx, int64_t id, json_t **out)
{
    return kf_dcfg_load_row(tx, RULE_SELECT " WHERE id = ?", rule_cols, NRULE, id, out);
}

/* Staff who do not see every project see the company-wide rows and those of
 * their projects; ?project_id= narrows to what applies to that project. */
static void rules_list(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    int64_t active = kf_dcfg_query_bool(&in, "active"), project = 0;
    kf_query_i64(&in, "project_id", 1, INT64_MAX, &project);
    if (kf_input_end(&in)) return;
    kf_tx *tx = kf_req_read(req);
    kf_stmt *st;
    if (!tx) return;
    int rc = kf_tx_query(tx, &st,
                         RULE_SELECT
                         " WHERE (CAST(? AS BIGINT) = 1 OR project_id IS NULL OR project_id IN"
                         " (SELECT project_id FROM user_projects WHERE user_id = ?))"
                         " AND (CAST(? AS BIGINT) < 0 OR active = ?)"
                         " AND (CAST(? AS BIGINT) = 0 OR project_id IS NULL OR project_id = ?)"
                         " ORDER BY position, id LIMIT ?",
                         "iiiiiii", (int64_t)kf_role_is_global(req->auth->role), req->auth->user.id,
                         active, active, project, project, (int64_t)KF_DCFG_MAX_ITEMS);
    kf_dcfg_reply_items(req, rc, st, rule_cols, NRULE);
}

static void rules_get(kf_req *req)
{
    kf_dcfg_get_scoped(req, load_rule);
}

static void read_rule(kf_input *in, json_t *row, int create)
{
    kf_dcfg_read_int(in, row, "position", 0, 1000000000, create);
    kf_dcfg_read_text(in, row, "name", 64, create);
    kf_dcfg_read_opt_id(in, row, "project_id");
    kf_dcfg_read_opt_id(in, row, "building_id");
    kf_dcfg_read_enum(in, row, "type", kf_ticket_types, 1, 0);
    kf_dcfg_read_opt_id(in, row, "category_id");
    kf_dcfg_read_enum(in, row, "severity", kf_ticket_severities, 1, 0);
    kf_dcfg_read_enum(in, row, "warranty", warranties, 1, 0);
    kf_dcfg_read_opt_id(in, row, "department_id");
    kf_dcfg_read_enum(in, row, "department_kind", kf_department_kinds, 1, 0);
    kf_dcfg_read_bool(in, row, "active");
    if (!create) return;
    static const char *const optional[] = {"project_id",    "building_id",    "type",
                                           "category_id",   "severity",       "warranty",
                                           "department_id", "department_kind"};
    for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
        if (!json_object_get(row, optional[i])) json_object_set_new(row, optional[i], json_null());
    if (!json_object_get(row, "active")) json_object_set_new(row, "active", json_true());
}

/* The rule as it would be stored: one target, references in its project. */
static int check_rule(kf_tx *tx, kf_dcfg_job *j, const json_t *row)
{
    int64_t project = kf_dcfg_row_id(row, "project_id"),
            building = kf_dcfg_row_id(row, "building_id");
    int64_t dept = kf_dcfg_row_id(row, "department_id"), owner = 0;
    int has_kind = kf_dcfg_row_str(row, "department_kind") != NULL;
    int rc = KF_OK;
    if ((dept != 0) == has_kind) kf_input_fail(j->in, "department_id", "one_target_required");
    if (rc == KF_OK) rc = kf_dcfg_check_project(tx, j, row);
    if (rc == KF_OK) rc = kf_dcfg_check_category(tx, j, row);
    if (rc == KF_OK && building && !project)
        kf_input_fail(j->in, "building_id", "requires_project");
    if (rc == KF_OK && building && project) {
        rc = kf_tx_i64(tx, &owner, "SELECT project_id FROM buildings WHERE id = ?", "i", building);
        if (rc == KF_ENOTFOUND || (rc == KF_OK && owner != project)) {
            kf_input_fail(j->in, "building_id", "unknown_building");
            rc = KF_OK;
        }
    }
    if (rc == KF_OK && dept && !project) kf_input_fail(j->in, "department_id", "requires_project");
    if (rc == KF_OK && dept && project) {
        rc = kf_tx_i64(tx, &owner, "SELECT project_id FROM departments WHERE id = ?", "i", dept);
        if (rc == KF_ENOTFOUND || (rc == KF_OK && owner != project)) {
            kf_input_fail(j->in, "department_id", "unknown_reference");
            rc = KF_OK;
        }
    }
    if (rc == KF_OK && j->in->fields) rc = KF_EINVAL;
    return rc;
}

static void bind_rule(kf_stmt *st, const json_t *row, int64_t now)
{
    static const char *const texts[] = {"type", "severity", "warranty", "department_kind"};
    kf_stmt_bind_i64(st, 1, kf_dcfg_row_i64(row, "position"));
    kf_stmt_bind_text(st, 2, kf_dcfg_row_str(row, "name"));
    kf_dcfg_bind_opt_id(st, 3, row, "project_id");
    kf_dcfg_bind_opt_id(st, 4, row, "building_id");
    kf_dcfg_bind_opt_id(st, 5, row, "category_id");
    kf_dcfg_bind_opt_id(st, 6, row, "department_id");
    for (int i = 0; i < 4; i++)
        kf_stmt_bind_text(st, 7 + i, kf_dcfg_row_str(row, texts[i]));
    kf_stmt_bind_i64(st, 11, json_is_true(json_object_get(row, "active")));
    kf_stmt_bind_i64(st, 12, now);
}

static int write_rule_create(kf_tx *tx, void *ctx)
{
    kf_dcfg_job *j = ctx;
    kf_stmt *st;
    int rc = check_rule(tx, j, j->input);
    if (rc == KF_OK)
        rc = kf_tx_prepare(
            tx,
            "INSERT INTO routing_rules (position, name, project_id, building_id, category_id,"
            " department_id, type, severity, warranty, department_kind, active, updated_at,"
            " created_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
            &st);
    if (rc != KF_OK) return rc;
    bind_rule(st, j->input, j->now);
    kf_stmt_bind_i64(st, 13, j->now);
    rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_EDB : rc;
    j->id = kf_stmt_i64(st, 0);
    rc = kf_dcfg_step_done(st);
    if (rc == KF_OK) rc = load_rule(tx, j->id, &j->after);
    return rc == KF_OK ? kf_dcfg_audit(tx, j, "routing_rule", "create",
                                       kf_dcfg_row_id(j->after, "project_id"))
                       : rc;
}

static int write_rule_update(kf_tx *tx, void *ctx)
{
    kf_dcfg_job *j = ctx;
    kf_stmt *st;
    int rc = load_rule(tx, j->id, &j->before);
    if (rc == KF_OK && !kf_dcfg_row_visible(j->req, j->before)) rc = KF_ENOTFOUND;
    if (rc == KF_OK) rc = kf_dcfg_check_version(j, j->before);
    if (rc != KF_OK) return rc;
    json_t *row = json_deep_copy(j->before);
    json_object_update(row, j->input);
    rc = check_rule(tx, j, row);
    if (rc == KF_OK)
        rc = kf_tx_prepare(tx,
                           "UPDATE routing_rules SET position = ?, name = ?, project_id = ?,"
                           " building_id = ?, category_id = ?, department_id = ?, type = ?,"
                           " severity = ?, warranty = ?, department_kind = ?, active = ?,"
                           " updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
                           &st);
    if (rc == KF_OK) {
        bind_rule(st, row, j->now);
        kf_stmt_bind_i64(st, 13, j->id);
        kf_stmt_bind_i64(st, 14, kf_dcfg_row_i64(j->before, "version"));
        rc = kf_dcfg_step_changed(st);
    }
    json_decref(row);
    if (rc == KF_OK) rc = load_rule(tx, j->id, &j->after);
    return rc == KF_OK ? kf_dcfg_audit(tx, j, "routing_rule", "update",
                                       kf_dcfg_row_id(j->after, "project_id"))
                       : rc;
}

static int write_rule_delete(kf_tx *tx, void *ctx)
{
    kf_dcfg_job *j = ctx;
    int rc = load_rule(tx, j->id, &j->before);
    if (rc == KF_OK && !kf_dcfg_row_visible(j->req, j->before)) rc = KF_ENOTFOUND;
    if (rc == KF_OK)
        rc = kf_tx_exec(tx, NULL, "DELETE FROM routing_rules WHERE id = ?", "i", j->id);
    return rc == KF_OK ? kf_dcfg_audit(tx, j, "routing_rule", "delete",
                                       kf_dcfg_row_id(j->before, "project_id"))
                       : rc;
}

static const char *const rule_names[] = {
    "position",    "name",     "project_id", "building_id",   "type",
    "category_id", "severity", "warranty",   "department_id", "department_kind",
    "active",      "version",  NULL};

static void rules_create(kf_req *req)
{
    kf_dcfg_save_with(req, rule_names, read_rule, write_rule_create, 1);
}

static void rules_update(kf_req *req)
{
    kf_dcfg_save_with(req, rule_names, read_rule, write_rule_update, 0);
}

static void rules_delete(kf_req *req)
{
    kf_dcfg_delete_with(req, write_rule_delete);
}

int kf_api_desk_rules_register(kf_router *r)
{
    static const kf_dcfg_route routes[] = {
        {"GET", "/api/v1/routing-rules", "tickets.read", rules_list},
        {"POST", "/api/v1/routing-rules", "desk.configure", rules_create},
        {"GET", "/api/v1/routing-rules/{id}", "tickets.read", rules_get},
        {"PATCH", "/api/v1/routing-rules/{id}", "desk.configure", rules_update},
        {"DELETE", "/api/v1/routing-rules/{id}", "desk.configure", rules_delete},
    };
    return kf_dcfg_add_routes(r, routes, sizeof(routes) / sizeof(routes[0]));
}
