/* Attachments (附件): photos and files on a ticket. An upload is the file
 * itself as the request body (Content-Type says what it claims to be, the
 * query its name); its type is judged by content, and a file that is not a
 * JPEG, PNG, WebP or PDF, claims another type than it is, or passes 10 MB is
 * refused with nothing stored. The bytes go to the blob store (by SHA-256)
 * before the row is written, so a row never names missing bytes; a crash in
 * between leaves at most an unreferenced file. Listing and download follow
 * the ticket: whoever may not see the ticket gets 404. */
#include "api/api.h"
#include "api/api_int.h"
#include "api/tickets_int.h"

#include "core/blobstore.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/filetype.h"
#include "desk/ticket.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_FILE_BYTES ((size_t)10 << 20)

typedef struct {
    int64_t ticket, project, actor, now, id;
    const char *filename, *mime;
    size_t size;
    char sha[KF_BLOB_HASH_LEN];
} upload;

/* A name to show and to download under (valid UTF-8 already): printable,
 * no path. */
static int filename_ok(const char *s)
{
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0) return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\' || *p == '"') return 0;
    return 1;
}

static json_t *attachment_json(int64_t id, int64_t ticket, const char *filename, const char *mime,
                               int64_t size, const char *sha, int64_t by, int64_t at)
{
    char url[64];
    snprintf(url, sizeof(url), "/api/v1/attachments/%lld", (long long)id);
    return json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:o, s:o, s:s}", "id", (json_int_t)id,
                     "ticket_id", (json_int_t)ticket, "filename", filename, "mime", mime,
                     "size_bytes", (json_int_t)size, "sha256", sha, "uploaded_by",
                     by ? json_integer(by) : json_null(), "created_at", kf_api_time(at), "url",
                     url);
}

static int upload_write(kf_tx *tx, void *ctx)
{
    upload *u = ctx;
    int rc = kf_tx_i64(tx, &u->id,
                       "INSERT INTO attachments (project_id, ticket_id, sha256, mime, size_bytes,"
                       " filename, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                       " RETURNING id",
                       "iissisii", u->project, u->ticket, u->sha, u->mime, (int64_t)u->size,
                       u->filename, u->actor, u->now);
    if (rc != KF_OK) return rc;
    json_t *data = json_pack("{s:I, s:s, s:I}", "attachment_id", (json_int_t)u->id, "mime", u->mime,
                             "size_bytes", (json_int_t)u->size);
    rc = kf_ticket_event(tx, u->ticket, u->actor, "attachment_added", NULL, NULL, u->filename, data,
                         u->now);
    json_decref(data);
    return rc;
}

/* The declared type, without parameters ("image/png; x=y" → "image/png"). */
static const char *declared_type(kf_req *req)
{
    const char *ct = kf_req_header(req, "Content-Type");
    if (!ct) return NULL;
    size_t n = strcspn(ct, "; \t");
    return kf_arena_printf(&req->arena, "%.*s", (int)n, ct);
}

static void attachment_upload(kf_req *req)
{
    upload u = {.actor = req->auth->user.id, .now = kf_app_now(req->app)};
    if (kf_req_param_id(req, "id", &u.ticket) != 0) return;
    kf_input in;
    kf_query_begin(&in, req);
    u.filename = kf_query_str(&in, "filename", 200);
    if (u.filename && !filename_ok(u.filename))
        kf_input_fail(&in, "filename", "invalid");
    else if (!u.filename && !in.fields)
        kf_input_fail(&in, "filename", "required");
    if (kf_input_end(&in) != 0) return;
    if (req->body_len > MAX_FILE_BYTES) {
        kf_reply_error(req, 413, "file_too_large", NULL);
        return;
    }
    u.size = req->body_len;
    u.mime = kf_filetype_sniff((const unsigned char *)req->body, req->body_len);
    const char *claimed = declared_type(req);
    if (!u.mime) {
        kf_reply_error(req, 415, "unsupported_type", NULL);
        return;
    }
    if (claimed && strcasecmp(claimed, u.mime) != 0 &&
        strcasecmp(claimed, "application/octet-stream") != 0) {
        kf_reply_error(req, 415, "type_mismatch", NULL);
        return;
    }
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int rc = kf_ticket_project_seen(req, tx, u.ticket, &u.project);
    if (rc == KF_OK) rc = kf_blobstore_put(req->app->files, req->body, u.size, u.sha);
    if (rc == KF_OK) rc = kf_req_write(req, upload_write, &u);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_header(req, "Location",
                    kf_arena_printf(&req->arena, "/api/v1/attachments/%lld", (long long)u.id));
    kf_reply_json(req, 201,
                  attachment_json(u.id, u.ticket, u.filename, u.mime, (int64_t)u.size, u.sha,
                                  u.actor, u.now));
}

#define COLUMNS "id, ticket_id, filename, mime, size_bytes, sha256, uploaded_by, created_at"

static json_t *row_json(kf_stmt *st, const void *ctx)
{
    (void)ctx;
    return attachment_json(kf_stmt_i64(st, 0), kf_stmt_i64(st, 1), kf_stmt_text(st, 2),
                           kf_stmt_text(st, 3), kf_stmt_i64(st, 4), kf_stmt_text(st, 5),
                           kf_stmt_i64(st, 6), kf_stmt_i64(st, 7));
}

static void attachments_list(kf_req *req)
{
    kf_ticket_reply_rows(req, "SELECT " COLUMNS " FROM attachments WHERE ticket_id = ? ORDER BY id",
                         row_json);
}

/* Content-Disposition: images open in place, anything else is saved
 * (kf_reply_disposition: the name as ASCII for old clients, exactly per RFC
 * 6266/5987, quotes, backslashes and control characters made harmless). */
static const char *disposition(kf_req *req, const char *mime, const char *name)
{
    return kf_reply_disposition(&req->arena,
                                strncmp(mime, "image/", 6) == 0 ? "inline" : "attachment", name);
}

static void attachment_download(kf_req *req)
{
    int64_t id, project;
    if (kf_req_param_id(req, "id", &id) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT a.sha256, a.filename, t.project_id FROM attachments a"
                         " JOIN tickets t ON t.id = a.ticket_id WHERE a.id = ?",
                         "i", id);
    if (rc == KF_OK) rc = kf_stmt_step(st) == KF_ROW ? KF_OK : KF_ENOTFOUND;
    if (rc == KF_OK && !kf_req_sees_project(req, (project = kf_stmt_i64(st, 2)))) rc = KF_ENOTFOUND;
    char sha[KF_BLOB_HASH_LEN] = "";
    const char *name = NULL;
    if (rc == KF_OK) {
        snprintf(sha, sizeof(sha), "%s", kf_stmt_text(st, 0));
        name = kf_arena_strdup(&req->arena, kf_stmt_text(st, 1));
    }
    kf_req_read_done(req);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    void *data = NULL;
    size_t len = 0;
    rc = kf_blobstore_read(req->app->files, sha, MAX_FILE_BYTES, &data, &len);
    if (rc != KF_OK) { /* a row whose bytes are gone or damaged: the server's fault */
        kf_reply_status(req, KF_EIO);
        return;
    }
    /* the type is the content's, as at upload (and a static string, as the answer needs) */
    const char *mime = kf_filetype_sniff(data, len);
    if (!mime) mime = "application/octet-stream";
    kf_reply_header(req, "Content-Disposition", disposition(req, mime, name));
    kf_reply_header(req, "Cache-Control", "private, max-age=86400");
    kf_reply_header(req, "ETag", kf_arena_printf(&req->arena, "\"%s\"", sha));
    kf_reply_owned(req, 200, mime, data, len);
}

int kf_api_attachments_register(kf_router *r)
{
    if (kf_router_add(r, "POST", "/api/v1/tickets/{id}/attachments", "tickets.write",
                      attachment_upload, KF_ROUTE_LARGE_BODY) != KF_OK ||
        kf_router_add(r, "GET", "/api/v1/tickets/{id}/attachments", "tickets.read",
                      attachments_list, 0) != KF_OK ||
        kf_router_add(r, "GET", "/api/v1/attachments/{id}", "tickets.read", attachment_download,
                      0) != KF_OK)
        return KF_EINVAL;
    return KF_OK;
}
