/* The service desk's configuration (administrators write, staff read): the
 * ticket categories (desk_categories.c), the routing rules (desk_rules.c),
 * the deadline policies (desk_policies.c) and the project calendars
 * (desk_calendar.c). Here: the row helpers they share, declared in
 * desk_config_int.h, and the registration of all their routes. Every write
 * is audited in its own transaction. */
#include "api/api.h"
#include "api/api_int.h"
#include "api/desk_config_int.h"

#include "core/err.h"

#include <string.h>

/* ---- rows as JSON ---- */

/* The current row of ST as JSON, column I named COLS[I]; SQL NULL → null. */
static json_t *row_json(kf_stmt *st, const kf_dcfg_col *cols, size_t n)
{
    json_t *row = json_object();
    for (size_t i = 0; i < n; i++) {
        int c = (int)i;
        json_t *v;
        if (kf_stmt_isnull(st, c))
            v = json_null();
        else if (cols[i].kind == COL_INT)
            v = json_integer(kf_stmt_i64(st, c));
        else if (cols[i].kind == COL_BOOL)
            v = json_boolean(kf_stmt_i64(st, c));
        else if (cols[i].kind == COL_TIME)
            v = kf_api_time(kf_stmt_i64(st, c));
        else if (cols[i].kind == COL_JSON)
            v = json_loads(kf_stmt_text(st, c), 0, NULL);
        else
            v = json_string(kf_stmt_text(st, c));
        json_object_set_new(row, cols[i].name, v ? v : json_null());
    }
    return row;
}

int kf_dcfg_step_done(kf_stmt *st)
{
    int rc;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
    }
    return rc == KF_DONE ? KF_OK : rc;
}

int kf_dcfg_step_changed(kf_stmt *st)
{
    int rc = kf_dcfg_step_done(st);
    return rc == KF_OK && kf_stmt_changes(st) != 1 ? KF_ESTALE : rc;
}

typedef struct {
    const kf_dcfg_col *cols;
    size_t n;
} col_list;

static json_t *listed_row(kf_stmt *st, const void *ctx)
{
    const col_list *c = ctx;
    return row_json(st, c->cols, c->n);
}

void kf_dcfg_reply_items(kf_req *req, int rc, kf_stmt *st, const kf_dcfg_col *cols, size_t n)
{
    col_list c = {cols, n};
    kf_api_reply_rows(req, rc, st, listed_row, &c);
}

int kf_dcfg_load_row(kf_tx *tx, const char *sql, const kf_dcfg_col *cols, size_t n, int64_t id,
                     json_t **out)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st, sql, "i", id);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc == KF_DONE) return KF_ENOTFOUND;
    if (rc != KF_ROW) return rc;
    *out = row_json(st, cols, n);
    rc = kf_dcfg_step_done(st);
    if (rc != KF_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int64_t kf_dcfg_row_i64(const json_t *row, const char *key)
{
    return json_integer_value(json_object_get(row, key));
}

const char *kf_dcfg_row_str(const json_t *row, const char *key)
{
    return json_string_value(json_object_get(row, key));
}

int64_t kf_dcfg_row_id(const json_t *row, const char *key)
{
    const json_t *v = json_object_get(row, key);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

void kf_dcfg_bind_opt_id(kf_stmt *st, int idx, const json_t *row, const char *key)
{
    int64_t id = kf_dcfg_row_id(row, key);
    if (id)
        kf_stmt_bind_i64(st, idx, id);
    else
        kf_stmt_bind_null(st, idx);
}

/* ---- input ---- */

int64_t kf_dcfg_query_bool(kf_input *in, const char *key)
{
    const char *v = kf_req_query(in->req, key);
    if (!v || !*v) return -1;
    if (!strcmp(v, "true") || !strcmp(v, "1")) return 1;
    if (!strcmp(v, "false") || !strcmp(v, "0")) return 0;
    kf_input_fail(in, key, "must_be_boolean");
    return -1;
}

void kf_dcfg_read_opt_id(kf_input *in, json_t *row, const char *f)
{
    json_t *v = json_object_get(in->body, f);
    int64_t n;
    if (!v) return;
    if (json_is_null(v))
        json_object_set_new(row, f, json_null());
    else if (kf_input_i64(in, f, 0, 1, INT64_MAX, &n))
        json_object_set_new(row, f, json_integer(n));
}

void kf_dcfg_read_enum(kf_input *in, json_t *row, const char *f, const char *const *values,
                       int nullable, int required)
{
    json_t *v = json_object_get(in->body, f);
    if (!v || (json_is_null(v) && !nullable)) {
        if (required || v) kf_input_fail(in, f, "required");
        return;
    }
    if (json_is_null(v)) {
        json_object_set_new(row, f, json_null());
        return;
    }
    const char *s = kf_input_str(in, f, 0, 1, 32);
    if (s && !kf_in_list(values, s))
        kf_input_fail(in, f, "not_in_list");
    else if (s)
        json_object_set_new(row, f, json_string(s));
}

void kf_dcfg_read_text(kf_input *in, json_t *row, const char *f, size_t max, int required)
{
    json_t *v = json_object_get(in->body, f);
    if (!v) {
        if (required) kf_input_fail(in, f, "required");
        return;
    }
    const char *s = kf_input_str(in, f, 1, 1, max);
    if (s) json_object_set_new(row, f, json_string(s));
}

void kf_dcfg_read_int(kf_input *in, json_t *row, const char *f, int64_t min, int64_t max,
                      int required)
{
    int64_t n;
    json_t *v = json_object_get(in->body, f);
    if (!v) {
        if (required) kf_input_fail(in, f, "required");
        return;
    }
    if (kf_input_i64(in, f, 1, min, max, &n)) json_object_set_new(row, f, json_integer(n));
}

void kf_dcfg_read_bool(kf_input *in, json_t *row, const char *f)
{
    int b;
    json_t *v = json_object_get(in->body, f);
    if (v && kf_input_bool(in, f, 1, &b)) json_object_set_new(row, f, json_boolean(b));
}

void kf_dcfg_read_version(kf_input *in, int64_t *version)
{
    *version = 0;
    kf_input_i64(in, "version", 0, 1, INT64_MAX, version);
}

/* ---- writes ---- */

void kf_dcfg_job_init(kf_dcfg_job *j, kf_req *req, kf_input *in, json_t *input)
{
    memset(j, 0, sizeof(*j));
    j->actor = kf_api_actor(req);
    j->in = in;
    j->req = req;
    j->arena = &req->arena;
    j->now = kf_app_now(req->app);
    j->input = input;
}

void kf_dcfg_job_done(kf_dcfg_job *j)
{
    json_decref(j->before);
    json_decref(j->after);
    json_decref(j->dependents);
}

int kf_dcfg_audit(kf_tx *tx, kf_dcfg_job *j, const char *entity, const char *action,
                  int64_t project)
{
    kf_audit_entry e = {.entity = entity,
                        .entity_id = j->id,
                        .project_id = project,
                        .action = action,
                        .before = j->before,
                        .after = j->after};
    return kf_audit_write(tx, &j->actor, &e, j->now);
}

void kf_dcfg_reply_failure(kf_req *req, kf_dcfg_job *j, int rc)
{
    if (rc == KF_EINVAL && j->in->fields) {
        kf_input_end(j->in);
    } else if (rc == KF_ECONFLICT && j->dependents) {
        json_t *fields = json_object();
        const char *what;
        json_t *n;
        json_object_foreach(j->dependents, what, n)
        {
            if (json_integer_value(n) > 0)
                json_object_set_new(fields, what, json_string("has_dependents"));
        }
        kf_reply_error_with(req, 409, "has_dependents", fields, "dependents",
                            json_incref(j->dependents));
    } else {
        kf_reply_status(req, rc);
    }
}

int kf_dcfg_check_version(const kf_dcfg_job *j, const json_t *row)
{
    return j->version && kf_dcfg_row_i64(row, "version") != j->version ? KF_ESTALE : KF_OK;
}

int kf_dcfg_check_project(kf_tx *tx, kf_dcfg_job *j, const json_t *row)
{
    int64_t project = kf_dcfg_row_id(row, "project_id"), n = 0;
    if (!project) return KF_OK;
    int rc = kf_tx_i64(tx, &n, "SELECT COUNT(*) FROM projects WHERE id = ?", "i", project);
    if (rc != KF_OK) return rc;
    if (!n || !kf_req_sees_project(j->req, project))
        kf_input_fail(j->in, "project_id", "unknown_project");
    return KF_OK;
}

int kf_dcfg_check_category(kf_tx *tx, kf_dcfg_job *j, const json_t *row)
{
    int64_t cat = kf_dcfg_row_id(row, "category_id"), n = 0;
    if (!cat) return KF_OK;
    int rc = kf_tx_i64(tx, &n, "SELECT COUNT(*) FROM ticket_categories WHERE id = ?", "i", cat);
    if (rc == KF_OK && !n) kf_input_fail(j->in, "category_id", "unknown_category");
    return rc;
}

int kf_dcfg_row_visible(const kf_req *req, const json_t *row)
{
    int64_t project = kf_dcfg_row_id(row, "project_id");
    return !project || kf_req_sees_project(req, project);
}

/* ---- handlers every kind shares ---- */

void kf_dcfg_get_scoped(kf_req *req, int (*load)(kf_tx *, int64_t, json_t **))
{
    int64_t id;
    json_t *row = NULL;
    if (kf_req_param_id(req, "id", &id)) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int rc = load(tx, id, &row);
    if (rc == KF_OK && !kf_dcfg_row_visible(req, row)) rc = KF_ENOTFOUND;
    if (rc != KF_OK) {
        json_decref(row);
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, row);
}

void kf_dcfg_delete_with(kf_req *req, kf_write_fn write_fn)
{
    kf_input in;
    kf_query_begin(&in, req);
    kf_dcfg_job j;
    kf_dcfg_job_init(&j, req, &in, NULL);
    if (kf_req_param_id(req, "id", &j.id)) return;
    int rc = kf_req_write(req, write_fn, &j);
    if (rc != KF_OK)
        kf_dcfg_reply_failure(req, &j, rc);
    else
        kf_reply_empty(req, 204);
    kf_dcfg_job_done(&j);
}

void kf_dcfg_save_with(kf_req *req, const char *const *names,
                       void (*read)(kf_input *, json_t *, int), kf_write_fn fn, int create)
{
    int64_t id = 0;
    if (!create && kf_req_param_id(req, "id", &id)) return;
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    if (create && json_object_get(in.body, "version"))
        kf_input_fail(&in, "version", "unknown_field");
    json_t *row = json_object();
    read(&in, row, create);
    kf_dcfg_job j;
    kf_dcfg_job_init(&j, req, &in, row);
    j.id = id;
    if (!create) kf_dcfg_read_version(&in, &j.version);
    if (kf_input_end(&in) == 0) {
        int rc = kf_req_write(req, fn, &j);
        if (rc == KF_ECONFLICT && j.existing) {
            kf_reply_error_with(req, 409, "duplicate_policy", NULL, "existing_id",
                                json_integer(j.existing));
        } else if (rc != KF_OK) {
            kf_dcfg_reply_failure(req, &j, rc);
        } else {
            if (create)
                kf_reply_header(
                    req, "Location",
                    kf_arena_printf(&req->arena, "%s/%lld", req->path, (long long)j.id));
            kf_reply_json(req, create ? 201 : 200, json_incref(j.after));
        }
    }
    kf_dcfg_job_done(&j);
    json_decref(row);
}

/* ---- routes ---- */

int kf_dcfg_add_routes(kf_router *r, const kf_dcfg_route *routes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = kf_router_add(r, routes[i].method, routes[i].path, routes[i].perm,
                               routes[i].handler, 0);
        if (rc != KF_OK) return rc;
    }
    return KF_OK;
}

/* In this order: categories, rules, policies, calendars. */
int kf_api_desk_config_register(kf_router *r)
{
    int rc = kf_api_desk_categories_register(r);
    if (rc == KF_OK) rc = kf_api_desk_rules_register(r);
    if (rc == KF_OK) rc = kf_api_desk_policies_register(r);
    if (rc == KF_OK) rc = kf_api_desk_calendar_register(r);
    if (rc == KF_OK) rc = kf_api_desk_settings_register(r);
    return rc;
}
