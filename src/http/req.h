/* One HTTP request as a handler sees it, and the ways to answer it.
 *
 * Memory: everything hanging off a request (strings from kf_req_param,
 * kf_req_query, kf_arena_* allocations, the parsed body) lives until the
 * request ends; handlers free nothing of it. json_t values passed to kf_reply_*
 * are stolen (the reply owns the reference).
 *
 * A handler answers exactly once with a kf_reply_* call; one that does not
 * answers 500. */
#ifndef KF_REQ_H
#define KF_REQ_H

#include "core/arena.h"
#include "domain/perm.h"
#include "http/app.h"
#include "store/accounts.h"

#include <jansson.h>
#include <stdint.h>

#define KF_MAX_PARAMS  8
#define KF_MAX_HEADERS 8

typedef struct kf_route kf_route;

/* Who is calling, resolved from the session cookie or a Bearer token. */
typedef struct {
    kf_user user; /* the caller's row as of this request */
    kf_role role;
    int via_token;      /* 1: Bearer API token; 0: session cookie */
    int64_t session_id; /* or token id when via_token */
    const char *csrf_token;
    int64_t *project_ids; /* the projects the user belongs to */
    size_t nprojects;
} kf_auth;

typedef struct kf_req {
    kf_app *app;
    kf_arena arena;
    void *conn; /* struct MHD_Connection *, for headers and query arguments */
    const char *method;
    const char *path; /* without the query string */
    const kf_route *route;
    const char *param_names[KF_MAX_PARAMS];
    const char *param_values[KF_MAX_PARAMS];
    int nparams;
    const char *body;
    size_t body_len;
    json_t *json; /* parsed body, owned by the request */
    const char *lang;
    char request_id[40];
    const char *ip;
    kf_auth *auth; /* NULL until authenticated */
    kf_tx *rtx;    /* the request's read transaction, begun on first use */

    /* the answer */
    int status;
    const char *content_type;
    char *resp_body; /* malloc'd, owned by the request */
    size_t resp_len;
    int resp_has_fd;              /* the body is the file RESP_FD instead (kf_reply_file) */
    int resp_fd;                  /* owned by the request until the server hands it to MHD */
    uint64_t resp_fd_size;        /* bytes of RESP_FD to send, from its start */
    const char *resp_disposition; /* Content-Disposition of a file answer (arena) */
    const char *header_names[KF_MAX_HEADERS];
    const char *header_values[KF_MAX_HEADERS];
    int nheaders;
    const char *error_code; /* for the log line */

    /* a write kf_req_write_then left for the server to hand to the store;
     * PARKS: the server lets it (see kf_req_write_then) */
    int parks;
    kf_write_fn park_fn;
    void *park_ctx;
    void (*park_after)(struct kf_req *req, void *ctx, int rc);
} kf_req;

const char *kf_req_param(const kf_req *req, const char *name);
/* kf_req_param_id: the path parameter NAME as a positive id; answers 404 and
 * returns -1 when it is not one. */
int kf_req_param_id(kf_req *req, const char *name, int64_t *out);
const char *kf_req_query(const kf_req *req, const char *key);
const char *kf_req_header(const kf_req *req, const char *name);
/* kf_req_json_body: the body as a JSON object; answers 400 invalid_json (or
 * 415) and returns NULL otherwise. Borrowed. */
json_t *kf_req_json_body(kf_req *req);
/* kf_req_read: the request's read transaction; answers 503 and returns NULL
 * when the database cannot be read. */
kf_tx *kf_req_read(kf_req *req);
/* kf_req_read_done: ends the read transaction early (e.g. before a write, so a
 * later read sees it). */
void kf_req_read_done(kf_req *req);
/* kf_req_write: ends the read transaction, then kf_store_write. */
int kf_req_write(kf_req *req, kf_write_fn fn, void *ctx);
/* kf_after_fn: answers a write given to kf_req_write_then; RC is what
 * kf_store_write returned for it. */
typedef void (*kf_after_fn)(kf_req *req, void *ctx, int rc);
/* kf_req_write_then: ends the read transaction and runs FN(tx, CTX) as REQ's
 * write; once it is durable or has failed, AFTER(req, CTX, rc) answers.
 * On a route marked KF_ROUTE_PARKS, over a store that submits writes
 * (SQLite), it only records the write: when the handler returns, the server
 * parks the connection and hands the write to the store, no thread waits for
 * the commit, and AFTER runs later on the network thread. Elsewhere (on a
 * request worker; PostgreSQL) the write runs now and AFTER before this
 * returns. Either way the handler does nothing after calling it, and CTX,
 * with everything it points to, must outlive the handler: the request's
 * arena. */
void kf_req_write_then(kf_req *req, kf_write_fn fn, void *ctx, kf_after_fn after);
/* kf_req_sees_project: 1 if the caller may see project PROJECT_ID. */
int kf_req_sees_project(const kf_req *req, int64_t project_id);

void kf_reply_json(kf_req *req, int status, json_t *body);
void kf_reply_raw(kf_req *req, int status, const char *content_type, const char *data, size_t len);
/* kf_reply_owned: like kf_reply_raw, but takes DATA (malloc'd) instead of copying it. */
void kf_reply_owned(kf_req *req, int status, const char *content_type, char *data, size_t len);
void kf_reply_empty(kf_req *req, int status);
/* kf_reply_file: answers with SIZE bytes of the open file FD, read from its
 * start (offset 0, whatever FD's position) while the answer is sent, so a file
 * of any size costs no memory. FD is taken over: the server closes it, also
 * when another kf_reply_* replaces this answer or the client goes away.
 * CONTENT_TYPE must outlive the request (a literal, or kf_table_content_type).
 * DOWNLOAD_NAME (UTF-8, may be NULL) makes it a download:
 *   Content-Disposition: attachment; filename="__-2026-03.xlsx"; filename*=UTF-8''%E6%9C%88…
 * The usual headers (security headers, X-Request-Id, Cache-Control: no-store)
 * are added as for any answer. A typical export (100,000 rows take seconds,
 * and a GET handler runs on a network thread: see server.c):
 *
 *   kf_table_out *t;
 *   int fd = -1;
 *   uint64_t size = 0;
 *   int rc = kf_table_open_temp(KF_TABLE_XLSX, tmp_dir, tz, &t);   (nameless)
 *   if (rc == KF_OK) {
 *       … kf_table_sheet, kf_table_text, kf_table_int, …, kf_table_row_end …
 *       rc = kf_table_close_fd(t, &fd, &size);                      (frees t)
 *   }
 *   if (rc != KF_OK)
 *       kf_reply_status(req, rc);
 *   else
 *       kf_reply_file(req, 200, kf_table_content_type(KF_TABLE_XLSX), fd, size,
 *                     "月报-2026-03.xlsx");
 */
void kf_reply_file(kf_req *req, int status, const char *content_type, int fd, uint64_t size,
                   const char *download_name);
/* kf_reply_disposition: a Content-Disposition value (in A) of TYPE
 * ("attachment" or "inline") for the file name NAME (UTF-8), per RFC 6266 and
 * RFC 5987: filename="…" with each non-ASCII character (and " \ % / and
 * control characters) as '_' for old clients, filename*=UTF-8''… exactly, with
 * / \ and control characters as '_'. An empty NAME is "download". */
const char *kf_reply_disposition(kf_arena *a, const char *type, const char *name);
/* kf_reply_error: the error envelope {"error":{code,message,fields?,request_id}}
 * with the message for CODE in the request's language. FIELDS (may be NULL)
 * maps field names to reason keys, translated here; it is stolen. */
void kf_reply_error(kf_req *req, int status, const char *code, json_t *fields);
/* kf_reply_error_with: kf_reply_error plus EXTRA (stolen) under KEY in the
 * error object, e.g. "dependents": {"units": 12}. */
void kf_reply_error_with(kf_req *req, int status, const char *code, json_t *fields, const char *key,
                         json_t *extra);
/* kf_reply_status: answers for a store/domain status code (KF_ENOTFOUND → 404 …). */
void kf_reply_status(kf_req *req, int rc);
/* kf_reply_header: adds a response header; NAME and VALUE must outlive the
 * request (literals or arena strings). */
void kf_reply_header(kf_req *req, const char *name, const char *value);

#endif
