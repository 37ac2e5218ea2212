#include "http/auth.h"

#include "core/err.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "store/accounts.h"

#include <microhttpd.h>
#include <string.h>
#include <strings.h>

typedef struct {
    int64_t id, now;
} touch_job;

static int write_touch(kf_tx *tx, void *ctx)
{
    touch_job *j = ctx;
    return kf_token_touch(tx, j->id, j->now);
}

/* A token's last use is kept to the minute: one small write a minute per
 * token, not one per request. The read transaction ends first so a request
 * never holds two connections. */
static int touch_token(kf_req *req, const kf_credential *cred, int64_t now)
{
    if (now - cred->last_used_at < 60 * 1000) return KF_OK;
    touch_job j = {.id = cred->id, .now = now};
    return kf_req_write(req, write_touch, &j);
}

static const char *bearer_token(kf_req *req)
{
    const char *h = kf_req_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

int kf_auth_resolve(kf_req *req)
{
    const char *token = bearer_token(req);
    int via_token = token != NULL;
    if (!token) token = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, KF_SESSION_COOKIE);
    if (!token || !*token) return KF_EAUTH;
    if (strlen(token) > 256) return KF_ESTALE;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return KF_EDB;
    char hash[KF_TOKEN_HASH_LEN];
    kf_token_hash(token, hash);
    kf_credential cred;
    int64_t now = kf_now_ms();
    int rc = via_token ? kf_token_find(tx, &req->arena, hash, now, &cred)
                       : kf_session_find(tx, &req->arena, hash, now, &cred);
    if (rc == KF_ENOTFOUND) return KF_ESTALE;
    if (rc != KF_OK) return rc;
    int role = kf_role_parse(cred.user.role);
    if (role < 0) return KF_ESTALE;
    kf_auth *a = kf_arena_alloc(&req->arena, sizeof(*a));
    a->user = cred.user;
    a->role = (kf_role)role;
    a->via_token = via_token;
    a->session_id = cred.id;
    a->csrf_token = cred.csrf_token;
    a->project_ids = cred.project_ids;
    a->nprojects = cred.nprojects;
    if (via_token) rc = touch_token(req, &cred, now);
    if (rc != KF_OK) return rc;
    req->auth = a;
    return KF_OK;
}

int kf_auth_csrf_ok(kf_req *req)
{
    const char *m = req->method;
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS")) return 1;
    if (req->auth && req->auth->via_token) return 1;
    const char *sent = kf_req_header(req, "X-CSRF-Token");
    return sent && req->auth && req->auth->csrf_token && *req->auth->csrf_token &&
           kf_secret_equal(sent, req->auth->csrf_token);
}
