/* Users, their project memberships, login sessions and API tokens. Strings in
 * results are allocated from the caller's arena. */
#ifndef KF_ACCOUNTS_H
#define KF_ACCOUNTS_H

#include "core/arena.h"
#include "store/audit.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t id;
    const char *login;
    const char *display_name;
    const char *role;
    const char *language;
    const char *password_hash;
    int active;
    int64_t created_at, updated_at, password_changed_at, version;
    int64_t person_id; /* the person record of a resident's own account; 0: none */
} kf_user;

typedef struct {
    const char *role;   /* NULL: any */
    const char *q;      /* part of login or display name; NULL: any */
    int active;         /* -1: any */
    int64_t project_id; /* 0: any */
    int64_t after_id;   /* cursor: ids greater than this */
    int limit;
} kf_user_filter;

int kf_user_get(kf_tx *tx, kf_arena *a, int64_t id, kf_user *out);
/* kf_user_get_for_update: kf_user_get that first locks the row until the write
 * commits (PostgreSQL; SQLite's single writer needs none), so a read-modify-
 * write without a client version cannot lose to a concurrent one. */
int kf_user_get_for_update(kf_tx *tx, kf_arena *a, int64_t id, kf_user *out);
int kf_user_by_login(kf_tx *tx, kf_arena *a, const char *login, kf_user *out);
/* kf_user_insert: KF_ECONFLICT when the login is taken. Sets u->id. */
int kf_user_insert(kf_tx *tx, kf_user *u, int64_t now);
/* kf_user_update: writes display_name, role, language, active where the
 * stored version is U->version, and bumps it (U->version and updated_at are
 * set to the new values). KF_ESTALE on another version, KF_ENOTFOUND. */
int kf_user_update(kf_tx *tx, kf_user *u, int64_t now);
int kf_user_set_password(kf_tx *tx, int64_t id, const char *hash, int64_t now);
/* kf_user_change_password: sets the hash, ends the user's sessions except
 * KEEP_SESSION (0: all) and audits ACTION ("password_change", "password_reset"). */
int kf_user_change_password(kf_tx *tx, const kf_actor *actor, int64_t id, const char *hash,
                            int64_t keep_session, const char *action, int64_t now);
/* kf_user_list: up to F->limit users in id order; *out is arena memory. */
int kf_user_list(kf_tx *tx, kf_arena *a, const kf_user_filter *f, kf_user **out, size_t *n);
int kf_user_count(kf_tx *tx, int64_t *n);

/* Project memberships. *ids is arena memory, in id order. */
int kf_user_projects(kf_tx *tx, kf_arena *a, int64_t user_id, int64_t **ids, size_t *n);
/* kf_user_set_projects: replaces the memberships; KF_ENOTFOUND when a project does not exist. */
int kf_user_set_projects(kf_tx *tx, int64_t user_id, const int64_t *ids, size_t n);

/* A session or API token as found by its hash. */
typedef struct {
    int64_t id; /* session or token id */
    kf_user user;
    const char *csrf_token; /* sessions only */
    int64_t expires_at;     /* 0: never (tokens without expiry) */
    int64_t last_used_at;   /* tokens only; 0: never */
    int64_t *project_ids;   /* the user's memberships, in id order; arena memory */
    size_t nprojects;
} kf_credential;

int kf_session_insert(kf_tx *tx, int64_t user_id, const char *token_hash, const char *csrf,
                      int64_t now, int64_t expires_at, const char *ip, const char *user_agent,
                      int64_t *id);
/* kf_session_find: the live session with TOKEN_HASH of an active user. */
int kf_session_find(kf_tx *tx, kf_arena *a, const char *token_hash, int64_t now,
                    kf_credential *out);
int kf_session_delete(kf_tx *tx, int64_t id);
/* kf_sessions_revoke: ends USER_ID's sessions except KEEP_ID (0: all). */
int kf_sessions_revoke(kf_tx *tx, int64_t user_id, int64_t keep_id);

typedef struct {
    int64_t id;
    const char *name, *prefix;
    int64_t created_at, expires_at, last_used_at, revoked_at; /* 0: none */
} kf_api_token;

int kf_token_insert(kf_tx *tx, int64_t user_id, const char *name, const char *prefix,
                    const char *hash, int64_t now, int64_t expires_at, int64_t *id);
int kf_token_find(kf_tx *tx, kf_arena *a, const char *hash, int64_t now, kf_credential *out);
/* kf_token_list: USER_ID's tokens, newest first; *out is arena memory. */
int kf_token_list(kf_tx *tx, kf_arena *a, int64_t user_id, kf_api_token **out, size_t *n);
/* kf_token_touch: records that token ID was used at NOW. */
int kf_token_touch(kf_tx *tx, int64_t id, int64_t now);
/* kf_token_revoke: KF_ENOTFOUND unless USER_ID owns a live token ID. */
int kf_token_revoke(kf_tx *tx, int64_t user_id, int64_t id, int64_t now);

#endif
