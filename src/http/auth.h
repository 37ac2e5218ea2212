/* Who is calling: a Bearer API token or the session cookie. */
#ifndef KF_AUTH_H
#define KF_AUTH_H

#include "http/req.h"

#define KF_SESSION_COOKIE "kefu_session"

/* kf_auth_resolve: fills req->auth. KF_EAUTH when no credential was sent,
 * KF_ESTALE when one was sent but is unknown, expired or revoked. */
int kf_auth_resolve(kf_req *req);
/* kf_auth_csrf_ok: 1 when the request needs no CSRF token (safe method, or a
 * Bearer token) or carries the session's token in X-CSRF-Token. */
int kf_auth_csrf_ok(kf_req *req);

#endif
