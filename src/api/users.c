/* User management under /api/v1/users (administrators write; managers and
 * supervisors read the users of their own projects), and GET /api/v1/roles. */
#include "api/api.h"
#include "api/api_int.h"

#include "core/err.h"
#include "core/timeutil.h"
#include "domain/account.h"

#include <string.h>

static const char *valid_login(kf_input *in)
{
    const char *login = kf_input_str(in, "login", 1, 1, 64);
    const char *problem = login ? kf_login_problem(login) : NULL;
    if (problem) {
        kf_input_fail(in, "login", problem);
        return NULL;
    }
    return login;
}

static const char *valid_role(kf_input *in, int required)
{
    const char *role = kf_input_str(in, "role", required, 1, 32);
    if (role && kf_role_parse(role) < 0) {
        kf_input_fail(in, "role", "unknown_role");
        return NULL;
    }
    return role;
}

/* Non-administrators see only users who share one of their projects. */
static int user_visible(kf_req *req, const int64_t *pids, size_t np)
{
    if (kf_role_is_global(req->auth->role)) return 1;
    for (size_t i = 0; i < np; i++)
        if (kf_req_sees_project(req, pids[i])) return 1;
    return 0;
}

static void users_list(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    kf_user_filter f = {.active = -1};
    int64_t limit = 50, active = -1;
    f.role = kf_query_str(&in, "role", 32);
    if (f.role && kf_role_parse(f.role) < 0) kf_input_fail(&in, "role", "unknown_role");
    f.q = kf_query_str(&in, "q", 64);
    kf_query_i64(&in, "active", 0, 1, &active);
    kf_query_i64(&in, "project_id", 1, INT64_MAX, &f.project_id);
    kf_query_i64(&in, "limit", 1, 500, &limit);
    kf_api_cursor(&in, &f.after_id);
    if (kf_input_end(&in)) return;
    f.active = (int)active;
    f.limit = (int)limit;
    if (f.project_id && !kf_req_sees_project(req, f.project_id)) {
        kf_reply_json(req, 200, kf_api_page(json_array(), 0));
        return;
    }
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    json_t *items = json_array();
    int64_t last = 0;
    int full = 0;
    /* Pages are filled after the scope filter, so a page may take a few reads. */
    for (int round = 0; round < 20 && (int)json_array_size(items) < f.limit; round++) {
        kf_user *users;
        size_t n;
        int rc = kf_user_list(tx, &req->arena, &f, &users, &n);
        if (rc != KF_OK) {
            json_decref(items);
            kf_reply_status(req, rc);
            return;
        }
        for (size_t i = 0; i < n && (int)json_array_size(items) < f.limit; i++) {
            int64_t *pids;
            size_t np;
            rc = kf_user_projects(tx, &req->arena, users[i].id, &pids, &np);
            if (rc != KF_OK) {
                json_decref(items);
                kf_reply_status(req, rc);
                return;
            }
            last = users[i].id;
            if (user_visible(req, pids, np))
                json_array_append_new(items, kf_api_user_json(&users[i], pids, np, req->lang));
        }
        full = (int)n == f.limit;
        if (!full) break;
        f.after_id = last;
    }
    kf_reply_json(req, 200, kf_api_page(items, full ? last : 0));
}

/* Loads user ID with projects; answers 404 (also when out of scope). */
static int load_user(kf_req *req, kf_tx *tx, int64_t id, kf_user *u, int64_t **pids, size_t *np)
{
    int rc = kf_user_get(tx, &req->arena, id, u);
    if (rc == KF_OK) rc = kf_user_projects(tx, &req->arena, id, pids, np);
    if (rc == KF_OK && !user_visible(req, *pids, *np)) rc = KF_ENOTFOUND;
    if (rc != KF_OK) kf_reply_status(req, rc);
    return rc;
}

static void users_get(kf_req *req)
{
    int64_t id, *pids;
    size_t np;
    kf_user u;
    if (kf_req_param_id(req, "id", &id)) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx || load_user(req, tx, id, &u, &pids, &np) != KF_OK) return;
    kf_reply_json(req, 200, kf_api_user_json(&u, pids, np, req->lang));
}

/* A linked person must be in one of the user's projects. */
static int check_person(kf_tx *tx, int64_t user_id, int64_t person_id, int *bad)
{
    if (!person_id) return KF_OK;
    int64_t ok = 0;
    int rc = kf_tx_i64(tx, &ok,
                       "SELECT COUNT(*) FROM people p JOIN user_projects m"
                       " ON m.project_id = p.project_id WHERE p.id = ? AND m.user_id = ?",
                       "ii", person_id, user_id);
    if (rc == KF_OK && !ok) {
        *bad = 1;
        return KF_EINVAL;
    }
    return rc;
}

typedef struct {
    kf_actor actor;
    kf_arena *arena;
    kf_user user;
    int64_t *pids;
    size_t np;
    int set_projects;
    int64_t now;
    json_t *before; /* update: the old values */
    int last_admin; /* refused: it would leave no active administrator */
    int set_person; /* update: person_id was given (0 unlinks) */
    int bad_person; /* refused: the person is not in the user's projects */
} user_job;

static json_t *audit_view(const kf_user *u, const int64_t *pids, size_t np)
{
    return kf_api_user_json(u, pids, np, "en");
}

static int write_user_create(kf_tx *tx, void *ctx)
{
    user_job *j = ctx;
    int rc = kf_user_insert(tx, &j->user, j->now);
    if (rc == KF_OK) rc = kf_user_set_projects(tx, j->user.id, j->pids, j->np);
    if (rc == KF_OK) rc = check_person(tx, j->user.id, j->user.person_id, &j->bad_person);
    if (rc == KF_OK && j->user.person_id)
        rc = kf_tx_exec(tx, NULL, "UPDATE users SET person_id = ? WHERE id = ?", "ii",
                        j->user.person_id, j->user.id);
    if (rc != KF_OK) return rc;
    json_t *after = audit_view(&j->user, j->pids, j->np);
    kf_audit_entry e = {
        .entity = "user", .entity_id = j->user.id, .action = "create", .after = after};
    rc = kf_audit_write(tx, &j->actor, &e, j->now);
    json_decref(after);
    return rc;
}

static void users_create(kf_req *req)
{
    static const char *const names[] = {"login",    "display_name", "role",
                                        "password", "project_ids",  "language",
                                        "active",   "person_id",    NULL};
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    user_job j = {.actor = kf_api_actor(req), .arena = &req->arena, .now = kf_now_ms()};
    j.user.login = valid_login(&in);
    j.user.display_name = kf_input_str(&in, "display_name", 1, 1, 64);
    j.user.role = valid_role(&in, 1);
    const char *password = kf_api_new_password(&in, "password");
    j.user.language = kf_api_language(&in, "language");
    if (!j.user.language) j.user.language = "zh-CN";
    j.user.active = 1;
    kf_input_bool(&in, "active", 0, &j.user.active);
    kf_input_ids(&in, "project_ids", 0, 1000, &j.pids, &j.np);
    kf_input_i64(&in, "person_id", 0, 1, INT64_MAX, &j.user.person_id);
    if (kf_input_end(&in)) return;
    char hash[KF_PASSWORD_HASH_LEN];
    if (kf_api_password_hash(req, password, hash) != 0) {
        kf_reply_status(req, KF_EDB);
        return;
    }
    j.user.password_hash = hash;
    int rc = kf_req_write(req, write_user_create, &j);
    if (rc == KF_ECONFLICT) {
        kf_input_fail(&in, "login", "login_taken");
        kf_reply_error(req, 409, "conflict", in.fields);
        return;
    }
    if (rc == KF_ENOTFOUND || (rc == KF_EINVAL && j.bad_person)) {
        kf_input_fail(&in, j.bad_person ? "person_id" : "project_ids",
                      j.bad_person ? "unknown_reference" : "unknown_project");
        kf_input_end(&in);
        return;
    }
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_header(req, "Location",
                    kf_arena_printf(&req->arena, "/api/v1/users/%lld", (long long)j.user.id));
    kf_reply_json(req, 201, kf_api_user_json(&j.user, j.pids, j.np, req->lang));
}

/* The no-op UPDATE locks every active admin row on PostgreSQL, so two
 * concurrent demotions of the last two admins cannot both pass the count;
 * SQLite's single writer needs no lock. */
static int active_admins_other_than(kf_tx *tx, int64_t id, int64_t *n)
{
    int rc = kf_tx_exec(
        tx, NULL, "UPDATE users SET version = version WHERE role = 'admin' AND active = 1", NULL);
    if (rc != KF_OK) return rc;
    return kf_tx_i64(tx, n,
                     "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND id <> ?",
                     "i", id);
}

static int write_user_update(kf_tx *tx, void *ctx)
{
    user_job *j = ctx;
    kf_user cur;
    int64_t *old_pids;
    size_t old_np;
    int rc = kf_user_get(tx, j->arena, j->user.id, &cur);
    if (rc == KF_OK) rc = kf_user_projects(tx, j->arena, cur.id, &old_pids, &old_np);
    if (rc != KF_OK) return rc;
    if (cur.version != j->user.version) return KF_ESTALE;
    if (!j->user.display_name) j->user.display_name = cur.display_name;
    if (!j->user.role) j->user.role = cur.role;
    if (!j->user.language) j->user.language = cur.language;
    if (j->user.active < 0) j->user.active = cur.active;
    int stays_admin = strcmp(j->user.role, "admin") == 0 && j->user.active;
    if (strcmp(cur.role, "admin") == 0 && cur.active && !stays_admin) {
        int64_t others = 0;
        rc = active_admins_other_than(tx, cur.id, &others);
        if (rc != KF_OK) return rc;
        if (!others) {
            j->last_admin = 1;
            return KF_ECONFLICT;
        }
    }
    if (!j->set_person) j->user.person_id = cur.person_id;
    /* memberships first: the person is checked against the final ones, before
     * the row names it */
    if (j->set_projects) rc = kf_user_set_projects(tx, cur.id, j->pids, j->np);
    if (rc == KF_OK) rc = check_person(tx, cur.id, j->user.person_id, &j->bad_person);
    if (rc == KF_OK) rc = kf_user_update(tx, &j->user, j->now);
    if (rc == KF_OK && !j->user.active) rc = kf_sessions_revoke(tx, cur.id, 0);
    if (rc != KF_OK) return rc;
    if (!j->set_projects) j->pids = old_pids, j->np = old_np;
    j->user.login = cur.login;
    j->user.created_at = cur.created_at;
    json_t *before = audit_view(&cur, old_pids, old_np),
           *after = audit_view(&j->user, j->pids, j->np);
    kf_audit_entry e = {.entity = "user",
                        .entity_id = cur.id,
                        .action = "update",
                        .before = before,
                        .after = after};
    rc = kf_audit_write(tx, &j->actor, &e, j->now);
    json_decref(before);
    json_decref(after);
    return rc;
}

static void users_update(kf_req *req)
{
    static const char *const names[] = {"display_name", "role",        "language",  "active",
                                        "version",      "project_ids", "person_id", NULL};
    user_job j = {.actor = kf_api_actor(req), .arena = &req->arena, .now = kf_now_ms()};
    if (kf_req_param_id(req, "id", &j.user.id)) return;
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    kf_input_i64(&in, "version", 1, 1, INT64_MAX, &j.user.version);
    j.user.display_name = kf_input_str(&in, "display_name", 0, 1, 64);
    j.user.role = valid_role(&in, 0);
    j.user.language = kf_api_language(&in, "language");
    j.user.active = -1;
    kf_input_bool(&in, "active", 0, &j.user.active);
    j.set_projects = kf_input_ids(&in, "project_ids", 0, 1000, &j.pids, &j.np);
    j.set_person = json_object_get(in.body, "person_id") != NULL;
    kf_input_i64(&in, "person_id", 0, 1, INT64_MAX, &j.user.person_id);
    if (kf_input_end(&in)) return;
    int rc = kf_req_write(req, write_user_update, &j);
    if (rc == KF_EINVAL && j.bad_person) {
        kf_input_fail(&in, "person_id", "unknown_reference");
        kf_input_end(&in);
        return;
    }
    if (rc == KF_ECONFLICT && j.last_admin) {
        kf_input_fail(&in, "role", "last_admin");
        kf_reply_error(req, 409, "conflict", in.fields);
        return;
    }
    if (rc == KF_ENOTFOUND && j.set_projects) {
        kf_tx *tx = kf_req_read(req);
        kf_user u;
        if (tx && kf_user_get(tx, &req->arena, j.user.id, &u) == KF_OK) {
            kf_input_fail(&in, "project_ids", "unknown_project");
            kf_input_end(&in);
            return;
        }
    }
    if (rc != KF_OK) {
        if (!req->status) kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, kf_api_user_json(&j.user, j.pids, j.np, req->lang));
}

typedef struct {
    kf_actor actor;
    int64_t user_id;
    char hash[KF_PASSWORD_HASH_LEN];
} reset_job;

static int write_reset(kf_tx *tx, void *ctx)
{
    reset_job *j = ctx;
    return kf_user_change_password(tx, &j->actor, j->user_id, j->hash, 0, "password_reset",
                                   kf_now_ms());
}

static void users_password(kf_req *req)
{
    static const char *const names[] = {"new_password", NULL};
    reset_job j = {.actor = kf_api_actor(req)};
    if (kf_req_param_id(req, "id", &j.user_id)) return;
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    const char *password = kf_api_new_password(&in, "new_password");
    if (kf_input_end(&in)) return;
    if (kf_api_password_hash(req, password, j.hash) != 0) {
        kf_reply_status(req, KF_EDB);
        return;
    }
    int rc = kf_req_write(req, write_reset, &j);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_empty(req, 204);
}

static void roles_list(kf_req *req)
{
    json_t *items = json_array();
    for (int r = 0; r < KF_ROLE_COUNT; r++) {
        json_t *perms = kf_api_role_permissions((kf_role)r);
        json_array_append_new(items, json_pack("{s:s, s:s, s:o}", "name", kf_role_name((kf_role)r),
                                               "label", kf_role_label((kf_role)r, req->lang),
                                               "permissions", perms));
    }
    kf_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

int kf_api_users_register(kf_router *r)
{
    int rc = KF_OK;
    if (rc == KF_OK) rc = kf_router_add(r, "GET", "/api/v1/users", "users.read", users_list, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "POST", "/api/v1/users", "users.manage", users_create, 0);
    if (rc == KF_OK) rc = kf_router_add(r, "GET", "/api/v1/users/{id}", "users.read", users_get, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "PATCH", "/api/v1/users/{id}", "users.manage", users_update, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "POST", "/api/v1/users/{id}/password", "users.manage", users_password,
                           0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "GET", "/api/v1/roles", KF_PERM_AUTHENTICATED, roles_list, 0);
    return rc;
}
