/* The caller's own account: GET/PATCH /api/v1/me, password change, API tokens. */
#include "api/api.h"
#include "api/api_int.h"

#include "core/err.h"
#include "core/timeutil.h"
#include "store/projects.h"

#include <string.h>

static void me_get(kf_req *req)
{
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    json_t *projects = NULL;
    int rc = kf_projects_json(tx, req->auth->project_ids, req->auth->nprojects,
                              kf_role_is_global(req->auth->role), &projects);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    json_t *perms = kf_api_role_permissions(req->auth->role);
    json_t *body = json_pack(
        "{s:o, s:o, s:o}", "user",
        kf_api_user_json(&req->auth->user, req->auth->project_ids, req->auth->nprojects, req->lang),
        "projects", projects, "permissions", perms);
    if (!req->auth->via_token && req->auth->csrf_token)
        json_object_set_new(body, "csrf_token", json_string(req->auth->csrf_token));
    kf_reply_json(req, 200, body);
}

typedef struct {
    kf_actor actor;
    kf_arena *arena;
    int64_t user_id;
    const char *display_name, *language;
    int64_t version; /* 0: any */
    kf_user user;    /* the result */
} me_update_job;

static int write_me_update(kf_tx *tx, void *ctx)
{
    me_update_job *j = ctx;
    int rc = kf_user_get_for_update(tx, j->arena, j->user_id, &j->user);
    if (rc != KF_OK) return rc;
    if (j->version && j->version != j->user.version) return KF_ESTALE;
    json_t *before =
        json_pack("{s:s, s:s}", "display_name", j->user.display_name, "language", j->user.language);
    if (j->display_name) j->user.display_name = j->display_name;
    if (j->language) j->user.language = j->language;
    rc = kf_user_update(tx, &j->user, kf_now_ms());
    if (rc == KF_OK) {
        json_t *after = json_pack("{s:s, s:s}", "display_name", j->user.display_name, "language",
                                  j->user.language);
        kf_audit_entry e = {.entity = "user",
                            .entity_id = j->user_id,
                            .action = "update_self",
                            .before = before,
                            .after = after};
        rc = kf_audit_write(tx, &j->actor, &e, j->user.updated_at);
        json_decref(after);
    }
    json_decref(before);
    return rc;
}

static void me_patch(kf_req *req)
{
    static const char *const names[] = {"display_name", "language", "version", NULL};
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    me_update_job j = {
        .actor = kf_api_actor(req), .arena = &req->arena, .user_id = req->auth->user.id};
    j.display_name = kf_input_str(&in, "display_name", 0, 1, 64);
    j.language = kf_api_language(&in, "language");
    kf_input_i64(&in, "version", 0, 1, INT64_MAX, &j.version);
    if (kf_input_end(&in)) return;
    if (!j.display_name && !j.language) { /* nothing to change: no write, no audit */
        me_get(req);
        return;
    }
    int rc = kf_req_write(req, write_me_update, &j);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(
        req, 200,
        kf_api_user_json(&j.user, req->auth->project_ids, req->auth->nprojects, req->lang));
}

typedef struct {
    kf_actor actor;
    int64_t user_id, keep_session;
    char hash[KF_PASSWORD_HASH_LEN];
} password_job;

static int write_password(kf_tx *tx, void *ctx)
{
    password_job *j = ctx;
    return kf_user_change_password(tx, &j->actor, j->user_id, j->hash, j->keep_session,
                                   "password_change", kf_now_ms());
}

static void me_password(kf_req *req)
{
    static const char *const names[] = {"current_password", "new_password", NULL};
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    const char *current = kf_input_str(&in, "current_password", 1, 1, 128);
    const char *next = kf_api_new_password(&in, "new_password");
    if (kf_input_end(&in)) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    kf_user u;
    int rc = kf_user_get(tx, &req->arena, req->auth->user.id, &u);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_req_read_done(req);
    if (!kf_api_password_verify(req, u.password_hash, current)) {
        kf_input_fail(&in, "current_password", "wrong_password");
        kf_input_end(&in);
        return;
    }
    /* Other sessions end; the one changing the password stays signed in. */
    password_job j = {.actor = kf_api_actor(req),
                      .user_id = u.id,
                      .keep_session = req->auth->via_token ? 0 : req->auth->session_id};
    if (kf_api_password_hash(req, next, j.hash) != 0) {
        kf_reply_status(req, KF_EDB);
        return;
    }
    rc = kf_req_write(req, write_password, &j);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_empty(req, 204);
}

static json_t *token_json(const kf_api_token *t)
{
    return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)t->id, "name",
                     t->name, "prefix", t->prefix, "created_at", kf_api_time(t->created_at),
                     "expires_at", kf_api_time(t->expires_at), "last_used_at",
                     kf_api_time(t->last_used_at), "revoked_at", kf_api_time(t->revoked_at));
}

static void tokens_list(kf_req *req)
{
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    kf_api_token *tokens;
    size_t n;
    int rc = kf_token_list(tx, &req->arena, req->auth->user.id, &tokens, &n);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, token_json(&tokens[i]));
    kf_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

typedef struct {
    kf_actor actor;
    int64_t user_id;
    kf_api_token token;
    char hash[KF_TOKEN_HASH_LEN];
} token_job;

static int write_token(kf_tx *tx, void *ctx)
{
    token_job *j = ctx;
    int rc = kf_token_insert(tx, j->user_id, j->token.name, j->token.prefix, j->hash,
                             j->token.created_at, j->token.expires_at, &j->token.id);
    if (rc != KF_OK) return rc;
    json_t *after = json_pack("{s:s, s:s}", "name", j->token.name, "prefix", j->token.prefix);
    kf_audit_entry e = {
        .entity = "api_token", .entity_id = j->token.id, .action = "create", .after = after};
    rc = kf_audit_write(tx, &j->actor, &e, j->token.created_at);
    json_decref(after);
    return rc;
}

static void tokens_create(kf_req *req)
{
    static const char *const names[] = {"name", "expires_in_days", NULL};
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    token_job j = {.actor = kf_api_actor(req), .user_id = req->auth->user.id};
    j.token.name = kf_input_str(&in, "name", 1, 1, 64);
    int64_t days = 0;
    kf_input_i64(&in, "expires_in_days", 0, 1, 3650, &days);
    if (kf_input_end(&in)) return;
    /* Shown once: only its hash is kept. */
    char secret[64], token[72];
    kf_token_random(secret, sizeof(secret), 32);
    snprintf(token, sizeof(token), "kf_%s", secret);
    kf_token_hash(token, j.hash);
    j.token.prefix = kf_arena_strndup(&req->arena, token, 10);
    j.token.created_at = kf_now_ms();
    j.token.expires_at = days ? j.token.created_at + days * 86400000 : 0;
    int rc = kf_req_write(req, write_token, &j);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    json_t *body = token_json(&j.token);
    json_object_set_new(body, "token", json_string(token));
    kf_reply_json(req, 201, body);
}

typedef struct {
    kf_actor actor;
    int64_t user_id, token_id;
} revoke_job;

static int write_revoke(kf_tx *tx, void *ctx)
{
    revoke_job *j = ctx;
    int64_t now = kf_now_ms();
    int rc = kf_token_revoke(tx, j->user_id, j->token_id, now);
    if (rc != KF_OK) return rc;
    kf_audit_entry e = {.entity = "api_token", .entity_id = j->token_id, .action = "revoke"};
    return kf_audit_write(tx, &j->actor, &e, now);
}

static void tokens_revoke(kf_req *req)
{
    revoke_job j = {.actor = kf_api_actor(req), .user_id = req->auth->user.id};
    if (kf_req_param_id(req, "id", &j.token_id)) return;
    int rc = kf_req_write(req, write_revoke, &j);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_empty(req, 204);
}

int kf_api_me_register(kf_router *r)
{
    int rc = KF_OK;
    const char *auth = KF_PERM_AUTHENTICATED;
    if (rc == KF_OK) rc = kf_router_add(r, "GET", "/api/v1/me", auth, me_get, 0);
    if (rc == KF_OK) rc = kf_router_add(r, "PATCH", "/api/v1/me", auth, me_patch, 0);
    if (rc == KF_OK) rc = kf_router_add(r, "POST", "/api/v1/me/password", auth, me_password, 0);
    if (rc == KF_OK) rc = kf_router_add(r, "GET", "/api/v1/me/tokens", auth, tokens_list, 0);
    if (rc == KF_OK) rc = kf_router_add(r, "POST", "/api/v1/me/tokens", auth, tokens_create, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "DELETE", "/api/v1/me/tokens/{id}", auth, tokens_revoke, 0);
    return rc;
}
