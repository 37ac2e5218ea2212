/* Signing in and out: POST /api/v1/session, DELETE /api/v1/session. */
#include "api/api.h"
#include "api/api_int.h"

#include "core/err.h"
#include "core/timeutil.h"
#include "http/auth.h"
#include "http/throttle.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    kf_actor actor;
    const kf_user *user;
    char token_hash[KF_TOKEN_HASH_LEN];
    char csrf[64];
    int64_t now, expires_at;
    const char *ip, *user_agent;
    int64_t session_id;
    int ok; /* 0: audit a failed attempt only */
    const char *login_tried;
} login_job;

static int write_login(kf_tx *tx, void *ctx)
{
    login_job *j = ctx;
    if (!j->ok) {
        json_t *after = json_pack("{s:s}", "login", j->login_tried);
        kf_audit_entry e = {.entity = "user",
                            .entity_id = j->user ? j->user->id : 0,
                            .action = "login_failed",
                            .after = after};
        int rc = kf_audit_write(tx, &j->actor, &e, j->now);
        json_decref(after);
        return rc;
    }
    int rc = kf_session_insert(tx, j->user->id, j->token_hash, j->csrf, j->now, j->expires_at,
                               j->ip, j->user_agent, &j->session_id);
    if (rc != KF_OK) return rc;
    j->actor.actor_id = j->user->id;
    j->actor.actor_login = j->user->login;
    kf_audit_entry e = {.entity = "session", .entity_id = j->session_id, .action = "login"};
    return kf_audit_write(tx, &j->actor, &e, j->now);
}

/* 429 when the account or the address has failed too often lately. */
static int throttled(kf_req *req, const char *account_key, const char *ip_key, int64_t now)
{
    const kf_config *cfg = req->app->cfg;
    int64_t wait_a = kf_throttle_blocked(req->app->throttle, account_key,
                                         (int)cfg->login_max_failures_account, now);
    int64_t wait_i =
        kf_throttle_blocked(req->app->throttle, ip_key, (int)cfg->login_max_failures_ip, now);
    int64_t wait = wait_a > wait_i ? wait_a : wait_i;
    if (!wait) return 0;
    kf_reply_header(req, "Retry-After", kf_arena_printf(&req->arena, "%lld", (long long)wait));
    kf_reply_error(req, 429, "too_many_attempts", NULL);
    return 1;
}

static void reply_login(kf_req *req, login_job *j, const char *token)
{
    const kf_config *cfg = req->app->cfg;
    kf_reply_header(req, "Set-Cookie",
                    kf_arena_printf(&req->arena,
                                    KF_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict;"
                                                      " Max-Age=%ld%s",
                                    token, cfg->session_ttl * 60,
                                    cfg->cookie_secure ? "; Secure" : ""));
    int64_t *pids = NULL;
    size_t np = 0;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int rc = kf_user_projects(tx, &req->arena, j->user->id, &pids, &np);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200,
                  json_pack("{s:o, s:s, s:o}", "user",
                            kf_api_user_json(j->user, pids, np, req->lang), "csrf_token", j->csrf,
                            "expires_at", kf_api_time(j->expires_at)));
}

static void login(kf_req *req)
{
    static const char *const names[] = {"login", "password", NULL};
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    const char *login_name = kf_input_str(&in, "login", 1, 1, 64);
    const char *password = kf_input_str(&in, "password", 1, 1, 128);
    if (kf_input_end(&in)) return;

    int64_t now = kf_now_ms();
    const char *account_key = kf_arena_printf(&req->arena, "account:%s", login_name);
    const char *ip_key = kf_arena_printf(&req->arena, "ip:%s", req->ip);
    if (throttled(req, account_key, ip_key, now)) return;

    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    kf_user user;
    int rc = kf_user_by_login(tx, &req->arena, login_name, &user);
    if (rc != KF_OK && rc != KF_ENOTFOUND) {
        kf_reply_status(req, rc);
        return;
    }
    kf_req_read_done(req);
    int found = rc == KF_OK;
    /* An unknown login costs a hash too, so timing does not tell it apart. */
    int ok =
        kf_api_password_verify(req, found ? user.password_hash : req->app->dummy_hash, password) &&
        found && user.active;

    login_job j = {.actor = kf_api_actor(req),
                   .user = found ? &user : NULL,
                   .now = now,
                   .ip = req->ip,
                   .user_agent = kf_req_header(req, "User-Agent"),
                   .ok = ok,
                   .login_tried = login_name};
    char token[64];
    if (ok) {
        kf_token_random(token, sizeof(token), 32);
        kf_token_hash(token, j.token_hash);
        kf_token_random(j.csrf, sizeof(j.csrf), 24);
        j.expires_at = now + req->app->cfg->session_ttl * 60 * 1000;
    }
    rc = kf_req_write(req, write_login, &j);
    if (!ok) {
        kf_throttle_fail(req->app->throttle, account_key, now);
        kf_throttle_fail(req->app->throttle, ip_key, now);
        kf_reply_error(req, 401, "invalid_credentials", NULL);
        return;
    }
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_throttle_clear(req->app->throttle, account_key);
    reply_login(req, &j, token);
}

typedef struct {
    kf_actor actor;
    int64_t session_id;
} logout_job;

static int write_logout(kf_tx *tx, void *ctx)
{
    logout_job *j = ctx;
    int rc = kf_session_delete(tx, j->session_id);
    if (rc != KF_OK) return rc;
    kf_audit_entry e = {.entity = "session", .entity_id = j->session_id, .action = "logout"};
    return kf_audit_write(tx, &j->actor, &e, kf_now_ms());
}

static void logout(kf_req *req)
{
    if (!req->auth->via_token) {
        logout_job j = {.actor = kf_api_actor(req), .session_id = req->auth->session_id};
        int rc = kf_req_write(req, write_logout, &j);
        if (rc != KF_OK) {
            kf_reply_status(req, rc);
            return;
        }
    }
    kf_reply_header(req, "Set-Cookie",
                    KF_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    kf_reply_empty(req, 204);
}

int kf_api_session_register(kf_router *r)
{
    int rc = kf_router_add(r, "POST", "/api/v1/session", KF_PERM_PUBLIC, login, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "DELETE", "/api/v1/session", KF_PERM_AUTHENTICATED, logout, 0);
    return rc;
}
