/* Shared internals of src/api. */
#ifndef KF_API_INT_H
#define KF_API_INT_H

#include "api/input.h"
#include "core/secret.h"
#include "http/req.h"
#include "store/accounts.h"
#include "store/audit.h"

#include <jansson.h>

/* The kinds of responsible department (责任端口), NULL-terminated
 * (departments.c; routing rules name them too). */
extern const char *const kf_department_kinds[];
/* kf_api_actor: the audit actor for REQ (borrowed strings). */
kf_actor kf_api_actor(const kf_req *req);
/* kf_api_time: an RFC 3339 UTC string for MS (0 → null). New reference. */
json_t *kf_api_time(int64_t ms);
/* kf_api_user_json: the public view of a user (never the password hash). */
json_t *kf_api_user_json(const kf_user *u, const int64_t *project_ids, size_t nprojects,
                         const char *lang);
/* kf_api_password_hash: argon2id with at most a few hashes at once (each
 * takes 64 MiB); 0 or -1. */
int kf_api_password_hash(kf_req *req, const char *password, char out[KF_PASSWORD_HASH_LEN]);
int kf_api_password_verify(kf_req *req, const char *hash, const char *password);
/* kf_api_new_password: reads FIELD as a new password (8–128 characters). */
const char *kf_api_new_password(kf_input *in, const char *field);
/* kf_api_language: reads FIELD as a UI language ("zh-CN" or "en"); NULL when absent or bad. */
const char *kf_api_language(kf_input *in, const char *field);
/* kf_api_masked_mobiles: person ID's mobiles, masked, in order (new reference). */
int kf_api_masked_mobiles(kf_tx *tx, int64_t id, json_t **out);
/* kf_api_cursor: parses ?cursor= (an id) into *after; 0 when absent. */
int kf_api_cursor(kf_input *in, int64_t *after);
/* kf_api_reply_rows: answers {"items": […]} with ROW(ST, CTX) for every row
 * of ST; RC is the status ST was prepared with (anything but KF_OK answers
 * that status, as does a failing step). */
void kf_api_reply_rows(kf_req *req, int rc, kf_stmt *st, json_t *(*row)(kf_stmt *, const void *),
                       const void *ctx);
/* The caller's scope as a condition on COL (a project id), in two forms so
 * that each can use an index: one project (a parameter), or every project
 * the caller sees (admins: all). An OR of the two would keep SQLite from
 * using the project's index (measured: the overdue queue went from 1.9 s to
 * milliseconds at 1,000,000 tickets). Bound by kf_api_bind_scope. */
#define KF_SCOPE_ONE_ON(col) " " col " = ?"
#define KF_SCOPE_MANY_ON(col)                                                                      \
    " " col " IN (SELECT id FROM projects WHERE CAST(? AS BIGINT) = 1"                             \
    " UNION SELECT project_id FROM user_projects WHERE user_id = ?)"
/* kf_api_bind_scope: binds the scope's parameters from parameter 1, of
 * KF_SCOPE_ONE_ON when PROJECT is set, else of KF_SCOPE_MANY_ON; returns the
 * next parameter's number. */
int kf_api_bind_scope(kf_req *req, kf_stmt *st, int64_t project);
/* kf_api_page: {"items": ITEMS, "next_cursor": …}; steals ITEMS. */
json_t *kf_api_page(json_t *items, int64_t next_id);

#endif
