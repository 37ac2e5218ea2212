/* The company-wide ticket category tree (administrators write, staff read):
 * at most MAX_CAT_LEVELS levels, codes unique and immutable, and a category
 * in use (children, tickets, rules, policies) cannot be deleted. Every write
 * is audited in its own transaction. */
#include "api/api_int.h"
#include "api/desk_config_int.h"

#include "core/err.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CAT_LEVELS 4

static const kf_dcfg_col cat_cols[] = {
    {"id", COL_INT},          {"parent_id", COL_INT}, {"code", COL_TEXT}, {"name_zh", COL_TEXT},
    {"name_en", COL_TEXT},    {"active", COL_BOOL},   {"sort", COL_INT},  {"created_at", COL_TIME},
    {"updated_at", COL_TIME}, {"version", COL_INT},
};
#define NCAT (sizeof(cat_cols) / sizeof(cat_cols[0]))
#define CAT_SELECT                                                                                 \
    "SELECT id, parent_id, code, name_zh, name_en, active, sort, created_at, updated_at, version"  \
    " FROM ticket_categories"

static int load_category(kf_tx *tx, int64_t id, json_t **out)
{
    return kf_dcfg_load_row(tx, CAT_SELECT " WHERE id = ?", cat_cols, NCAT, id, out);
}

/* The whole tree as (id, parent) pairs, to check depth and cycles. */
typedef struct {
    int64_t *id, *parent;
    size_t n;
} tree;

static int tree_load(kf_tx *tx, tree *t)
{
    kf_stmt *st;
    size_t cap = 0;
    memset(t, 0, sizeof(*t));
    int rc = kf_tx_query(tx, &st, "SELECT id, parent_id FROM ticket_categories", NULL);
    if (rc != KF_OK) return rc;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        if (t->n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *ids = realloc(t->id, cap * sizeof(*ids));
            if (ids) t->id = ids;
            int64_t *parents = ids ? realloc(t->parent, cap * sizeof(*parents)) : NULL;
            if (parents) t->parent = parents;
            if (!ids || !parents) return KF_EIO;
        }
        t->id[t->n] = kf_stmt_i64(st, 0);
        t->parent[t->n] = kf_stmt_isnull(st, 1) ? 0 : kf_stmt_i64(st, 1);
        t->n++;
    }
    return rc == KF_DONE ? KF_OK : rc;
}

static void tree_free(tree *t)
{
    free(t->id);
    free(t->parent);
}

/* ID's parent: 0 for a root, -1 when ID is not in the tree. */
static int64_t tree_parent(const tree *t, int64_t id)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->id[i] == id) return t->parent[i];
    return -1;
}

/* ID's level (a root is 1); walks at most the tree's size. */
static int tree_level(const tree *t, int64_t id)
{
    int level = 0;
    for (size_t steps = 0; id > 0 && steps <= t->n; steps++) {
        level++;
        id = tree_parent(t, id);
    }
    return level;
}

/* 1 when ANCESTOR is ID or on ID's way up to its root. */
static int tree_under(const tree *t, int64_t id, int64_t ancestor)
{
    for (size_t steps = 0; id > 0 && steps <= t->n; steps++) {
        if (id == ancestor) return 1;
        id = tree_parent(t, id);
    }
    return 0;
}

/* Levels of the subtree rooted at ID (a leaf has 1). */
static int tree_height(const tree *t, int64_t id, int guard)
{
    int h = 1;
    if (guard > MAX_CAT_LEVELS + 2) return h;
    for (size_t i = 0; i < t->n; i++)
        if (t->parent[i] == id) {
            int sub = 1 + tree_height(t, t->id[i], guard + 1);
            if (sub > h) h = sub;
        }
    return h;
}

/* PARENT (0: none) must exist, not lie under ID (0 at create), and leave the
 * subtree within MAX_CAT_LEVELS. The no-op UPDATE locks the tree on
 * PostgreSQL, so two concurrent moves cannot make a cycle between them. */
static int check_parent(kf_tx *tx, kf_dcfg_job *j, int64_t parent)
{
    if (!parent) return KF_OK;
    tree t = {0};
    int rc = kf_tx_exec(tx, NULL, "UPDATE ticket_categories SET version = version", NULL);
    if (rc == KF_OK) rc = tree_load(tx, &t);
    if (rc == KF_OK) {
        if (tree_parent(&t, parent) < 0)
            kf_input_fail(j->in, "parent_id", "unknown_category");
        else if (j->id && tree_under(&t, parent, j->id))
            kf_input_fail(j->in, "parent_id", "cycle");
        else if (tree_level(&t, parent) + (j->id ? tree_height(&t, j->id, 0) : 1) > MAX_CAT_LEVELS)
            kf_input_fail(j->in, "parent_id", "too_deep");
    }
    tree_free(&t);
    return rc;
}

static void categories_list(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    int64_t active = kf_dcfg_query_bool(&in, "active");
    if (kf_input_end(&in)) return;
    kf_tx *tx = kf_req_read(req);
    kf_stmt *st;
    if (!tx) return;
    int rc = kf_tx_query(tx, &st,
                         CAT_SELECT " WHERE (CAST(? AS BIGINT) < 0 OR active = ?)"
                                    " ORDER BY sort, id LIMIT ?",
                         "iii", active, active, (int64_t)KF_DCFG_MAX_ITEMS);
    kf_dcfg_reply_items(req, rc, st, cat_cols, NCAT);
}

static void categories_get(kf_req *req)
{
    int64_t id;
    json_t *row;
    if (kf_req_param_id(req, "id", &id)) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int rc = load_category(tx, id, &row);
    if (rc != KF_OK)
        kf_reply_status(req, rc);
    else
        kf_reply_json(req, 200, row);
}

static int is_code(const char *s)
{
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
    return 1;
}

static int write_category_create(kf_tx *tx, void *ctx)
{
    kf_dcfg_job *j = ctx;
    const json_t *r = j->input;
    int64_t taken = 0;
    int rc = check_parent(tx, j, kf_dcfg_row_id(r, "parent_id"));
    if (rc == KF_OK)
        rc = kf_tx_i64(tx, &taken, "SELECT COUNT(*) FROM ticket_categories WHERE code = ?", "s",
                       kf_dcfg_row_str(r, "code"));
    if (rc == KF_OK && taken) kf_input_fail(j->in, "code", "taken");
    if (rc != KF_OK) return rc;
    if (j->in->fields) return KF_EINVAL;
    kf_stmt *st;
    rc = kf_tx_prepare(tx,
                       "INSERT INTO ticket_categories (parent_id, code, name_zh, name_en, active,"
                       " sort, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)"
                       " RETURNING id",
                       &st);
    if (rc != KF_OK) return rc;
    kf_dcfg_bind_opt_id(st, 1, r, "parent_id");
    kf_stmt_bind_text(st, 2, kf_dcfg_row_str(r, "code"));
    kf_stmt_bind_text(st, 3, kf_dcfg_row_str(r, "name_zh"));
    kf_stmt_bind_text(st, 4, kf_dcfg_row_str(r, "name_en"));
    kf_stmt_bind_i64(st, 5, json_is_true(json_object_get(r, "active")));
    kf_stmt_bind_i64(st, 6, kf_dcfg_row_i64(r, "sort"));
    kf_stmt_bind_i64(st, 7, j->now);
    kf_stmt_bind_i64(st, 8, j->now);
    rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_EDB : rc;
    j->id = kf_stmt_i64(st, 0);
    rc = kf_dcfg_step_done(st);
    if (rc == KF_OK) rc = load_category(tx, j->id, &j->after);
    return rc == KF_OK ? kf_dcfg_audit(tx, j, "ticket_category", "create", 0) : rc;
}

/* The category fields of the body into ROW (CREATE: with defaults). */
static void read_category(kf_input *in, json_t *row, int create)
{
    json_t *code = json_object_get(in->body, "code");
    if (create || code) {
        const char *s = kf_input_str(in, "code", 1, 1, 32);
        if (s && !is_code(s))
            kf_input_fail(in, "code", "invalid");
        else if (s)
            json_object_set_new(row, "code", json_string(s));
    }
    kf_dcfg_read_text(in, row, "name_zh", 64, create);
    kf_dcfg_read_text(in, row, "name_en", 64, create);
    kf_dcfg_read_opt_id(in, row, "parent_id");
    kf_dcfg_read_bool(in, row, "active");
    kf_dcfg_read_int(in, row, "sort", -1000000000, 1000000000, 0);
    if (create) {
        if (!json_object_get(row, "parent_id")) json_object_set_new(row, "parent_id", json_null());
        if (!json_object_get(row, "active")) json_object_set_new(row, "active", json_true());
        if (!json_object_get(row, "sort")) json_object_set_new(row, "sort", json_integer(0));
    }
}

static void categories_create(kf_req *req)
{
    static const char *const names[] = {"code",   "name_zh", "name_en", "parent_id",
                                        "active", "sort",    NULL};
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    json_t *row = json_object();
    read_category(&in, row, 1);
    if (kf_input_end(&in)) {
        json_decref(row);
        return;
    }
    kf_dcfg_job j;
    kf_dcfg_job_init(&j, req, &in, row);
    int rc = kf_req_write(req, write_category_create, &j);
    if (rc == KF_ECONFLICT && !in.fields) { /* the code was taken meanwhile */
        kf_input_fail(&in, "code", "taken");
        rc = KF_EINVAL;
    }
    if (rc != KF_OK) {
        kf_dcfg_reply_failure(req, &j, rc);
    } else {
        kf_reply_header(
            req, "Location",
            kf_arena_printf(&req->arena, "/api/v1/ticket-categories/%lld", (long long)j.id));
        kf_reply_json(req, 201, json_incref(j.after));
    }
    kf_dcfg_job_done(&j);
    json_decref(row);
}

static int write_category_update(kf_tx *tx, void *ctx)
{
    kf_dcfg_job *j = ctx;
    int rc = load_category(tx, j->id, &j->before);
    if (rc == KF_OK) rc = kf_dcfg_check_version(j, j->before);
    if (rc != KF_OK) return rc;
    const char *code = kf_dcfg_row_str(j->input, "code");
    if (code && strcmp(code, kf_dcfg_row_str(j->before, "code")) != 0)
        kf_input_fail(j->in, "code", "immutable");
    json_t *row = json_deep_copy(j->before);
    json_object_update(row, j->input);
    int64_t parent = kf_dcfg_row_id(row, "parent_id");
    if (parent != kf_dcfg_row_id(j->before, "parent_id")) rc = check_parent(tx, j, parent);
    if (rc == KF_OK && j->in->fields) rc = KF_EINVAL;
    kf_stmt *st;
    if (rc == KF_OK)
        rc = kf_tx_prepare(tx,
                           "UPDATE ticket_categories SET parent_id = ?, name_zh = ?, name_en = ?,"
                           " active = ?, sort = ?, updated_at = ?, version = version + 1"
                           " WHERE id = ? AND version = ?",
                           &st);
    if (rc == KF_OK) {
        kf_dcfg_bind_opt_id(st, 1, row, "parent_id");
        kf_stmt_bind_text(st, 2, kf_dcfg_row_str(row, "name_zh"));
        kf_stmt_bind_text(st, 3, kf_dcfg_row_str(row, "name_en"));
        kf_stmt_bind_i64(st, 4, json_is_true(json_object_get(row, "active")));
        kf_stmt_bind_i64(st, 5, kf_dcfg_row_i64(row, "sort"));
        kf_stmt_bind_i64(st, 6, j->now);
        kf_stmt_bind_i64(st, 7, j->id);
        kf_stmt_bind_i64(st, 8, kf_dcfg_row_i64(j->before, "version"));
        rc = kf_dcfg_step_changed(st);
    }
    json_decref(row);
    if (rc == KF_OK) rc = load_category(tx, j->id, &j->after);
    return rc == KF_OK ? kf_dcfg_audit(tx, j, "ticket_category", "update", 0) : rc;
}

static void categories_update(kf_req *req)
{
    static const char *const names[] = {"code",   "name_zh", "name_en", "parent_id",
                                        "active", "sort",    "version", NULL};
    int64_t id;
    if (kf_req_param_id(req, "id", &id)) return;
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    json_t *row = json_object();
    read_category(&in, row, 0);
    kf_dcfg_job j;
    kf_dcfg_job_init(&j, req, &in, row);
    j.id = id;
    kf_dcfg_read_version(&in, &j.version);
    if (kf_input_end(&in) == 0) {
        int rc = kf_req_write(req, write_category_update, &j);
        if (rc != KF_OK)
            kf_dcfg_reply_failure(req, &j, rc);
        else
            kf_reply_json(req, 200, json_incref(j.after));
    }
    kf_dcfg_job_done(&j);
    json_decref(row);
}

/* Counts rows per dependent query; KF_ECONFLICT when any holds. */
static int count_dependents(kf_tx *tx, kf_dcfg_job *j, const char *const *what,
                            const char *const *sql, size_t n)
{
    int any = 0;
    j->dependents = json_object();
    for (size_t i = 0; i < n; i++) {
        int64_t count = 0;
        int rc = kf_tx_i64(tx, &count, sql[i], "i", j->id);
        if (rc != KF_OK) return rc;
        json_object_set_new(j->dependents, what[i], json_integer(count));
        any |= count > 0;
    }
    if (any) return KF_ECONFLICT;
    json_decref(j->dependents);
    j->dependents = NULL;
    return KF_OK;
}

static int write_category_delete(kf_tx *tx, void *ctx)
{
    static const char *const what[] = {"children", "tickets", "routing_rules", "sla_policies"};
    static const char *const sql[] = {
        "SELECT COUNT(*) FROM ticket_categories WHERE parent_id = ?",
        "SELECT COUNT(*) FROM tickets WHERE category_id = ?",
        "SELECT COUNT(*) FROM routing_rules WHERE category_id = ?",
        "SELECT COUNT(*) FROM sla_policies WHERE category_id = ?",
    };
    kf_dcfg_job *j = ctx;
    int rc = load_category(tx, j->id, &j->before);
    if (rc == KF_OK) rc = count_dependents(tx, j, what, sql, 4);
    if (rc == KF_OK)
        rc = kf_tx_exec(tx, NULL, "DELETE FROM ticket_categories WHERE id = ?", "i", j->id);
    return rc == KF_OK ? kf_dcfg_audit(tx, j, "ticket_category", "delete", 0) : rc;
}

static void categories_delete(kf_req *req)
{
    kf_dcfg_delete_with(req, write_category_delete);
}

int kf_api_desk_categories_register(kf_router *r)
{
    static const kf_dcfg_route routes[] = {
        {"GET", "/api/v1/ticket-categories", "tickets.read", categories_list},
        {"POST", "/api/v1/ticket-categories", "desk.configure", categories_create},
        {"GET", "/api/v1/ticket-categories/{id}", "tickets.read", categories_get},
        {"PATCH", "/api/v1/ticket-categories/{id}", "desk.configure", categories_update},
        {"DELETE", "/api/v1/ticket-categories/{id}", "desk.configure", categories_delete},
    };
    return kf_dcfg_add_routes(r, routes, sizeof(routes) / sizeof(routes[0]));
}
