/* Request accessors and replies (the MHD-independent half of a request). */
#include "http/req.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/mem.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *kf_req_param(const kf_req *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++)
        if (strcmp(req->param_names[i], name) == 0) return req->param_values[i];
    return NULL;
}

int kf_req_param_id(kf_req *req, const char *name, int64_t *out)
{
    const char *v = kf_req_param(req, name);
    char *end;
    long long id = v ? strtoll(v, &end, 10) : 0;
    if (!v || *end || id <= 0 || strlen(v) > 18) {
        kf_reply_error(req, 404, "not_found", NULL);
        return -1;
    }
    *out = id;
    return 0;
}

const char *kf_req_query(const kf_req *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *kf_req_header(const kf_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

json_t *kf_req_json_body(kf_req *req)
{
    if (req->json) return req->json;
    const char *ctype = kf_req_header(req, "Content-Type");
    if (req->body_len && ctype && strncasecmp(ctype, "application/json", 16) != 0) {
        kf_reply_error(req, 415, "unsupported_media_type", NULL);
        return NULL;
    }
    json_error_t jerr;
    /* JSON_REJECT_DUPLICATES: {"role":"agent","role":"admin"} must not slip through */
    req->json =
        json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!req->json || !json_is_object(req->json)) {
        json_decref(req->json);
        req->json = NULL;
        kf_reply_error(req, 400, "invalid_json", NULL);
        return NULL;
    }
    return req->json;
}

kf_tx *kf_req_read(kf_req *req)
{
    if (req->rtx) return req->rtx;
    if (kf_store_read_begin(req->app->store, &req->rtx) != KF_OK) {
        req->rtx = NULL;
        kf_reply_error(req, 503, "unavailable", NULL);
        return NULL;
    }
    return req->rtx;
}

void kf_req_read_done(kf_req *req)
{
    if (!req->rtx) return;
    kf_store_read_end(req->app->store, req->rtx);
    req->rtx = NULL;
}

int kf_req_write(kf_req *req, kf_write_fn fn, void *ctx)
{
    kf_req_read_done(req);
    return kf_store_write(req->app->store, fn, ctx);
}

void kf_req_write_then(kf_req *req, kf_write_fn fn, void *ctx, kf_after_fn after)
{
    kf_req_read_done(req);
    if (req->parks) { /* the server hands it over (server.c) */
        req->park_fn = fn;
        req->park_ctx = ctx;
        req->park_after = after;
        return;
    }
    after(req, ctx, kf_store_write(req->app->store, fn, ctx));
}

int kf_req_sees_project(const kf_req *req, int64_t project_id)
{
    if (!req->auth) return 0;
    if (kf_role_is_global(req->auth->role)) return 1;
    for (size_t i = 0; i < req->auth->nprojects; i++)
        if (req->auth->project_ids[i] == project_id) return 1;
    return 0;
}

static void set_body(kf_req *req, int status, const char *ctype, char *body, size_t len)
{
    free(req->resp_body);
    if (req->resp_has_fd) close(req->resp_fd); /* a file answer replaced */
    req->resp_has_fd = 0;
    req->resp_disposition = NULL;
    req->status = status;
    req->content_type = ctype;
    req->resp_body = body;
    req->resp_len = len;
}

void kf_reply_json(kf_req *req, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) {
        kf_reply_error(req, 500, "internal", NULL);
        return;
    }
    set_body(req, status, "application/json; charset=utf-8", text, strlen(text));
}

void kf_reply_raw(kf_req *req, int status, const char *content_type, const char *data, size_t len)
{
    set_body(req, status, content_type, kf_strndup(data, len), len);
}

void kf_reply_owned(kf_req *req, int status, const char *content_type, char *data, size_t len)
{
    set_body(req, status, content_type, data, len);
}

void kf_reply_empty(kf_req *req, int status)
{
    set_body(req, status, NULL, NULL, 0);
}

void kf_reply_file(kf_req *req, int status, const char *content_type, int fd, uint64_t size,
                   const char *download_name)
{
    if (fd < 0) {
        kf_reply_error(req, 500, "internal", NULL);
        return;
    }
    set_body(req, status, content_type, NULL, 0);
    req->resp_has_fd = 1;
    req->resp_fd = fd;
    req->resp_fd_size = size;
    if (download_name)
        req->resp_disposition = kf_reply_disposition(&req->arena, "attachment", download_name);
}

/* attr_char: RFC 5987's attr-char, the bytes filename* may carry unencoded. */
static int attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$&+-.^_`|~", c));
}

const char *kf_reply_disposition(kf_arena *a, const char *type, const char *name)
{
    if (!name || !*name) name = "download";
    kf_buf ascii, exact;
    kf_buf_init(&ascii, 0);
    kf_buf_init(&exact, 0);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        unsigned char c = *p;
        int unsafe = c < 0x20 || c == 0x7F || c == '/' || c == '\\';
        /* one '_' per character: continuation bytes of UTF-8 add nothing */
        if (c < 0x80)
            kf_buf_append(&ascii, unsafe || c == '"' || c == '%' ? "_" : (const char *)p, 1);
        else if (c >= 0xC0)
            kf_buf_append(&ascii, "_", 1);
        if (unsafe)
            kf_buf_append(&exact, "_", 1);
        else if (attr_char(c))
            kf_buf_append(&exact, p, 1);
        else
            kf_buf_printf(&exact, "%%%02X", c);
    }
    const char *out = kf_arena_printf(a, "%s; filename=\"%s\"; filename*=UTF-8''%s", type,
                                      ascii.data ? ascii.data : "", exact.data ? exact.data : "");
    kf_buf_free(&ascii);
    kf_buf_free(&exact);
    return out;
}

void kf_reply_error(kf_req *req, int status, const char *code, json_t *fields)
{
    kf_reply_error_with(req, status, code, fields, NULL, NULL);
}

void kf_reply_error_with(kf_req *req, int status, const char *code, json_t *fields, const char *key,
                         json_t *extra)
{
    json_t *err = json_pack("{s:s, s:s, s:s}", "code", code, "message", kf_msg(req->lang, code),
                            "request_id", req->request_id);
    if (fields) {
        const char *field;
        json_t *reason;
        json_t *translated = json_object();
        json_object_foreach(fields, field, reason)
        {
            const char *r = json_string_value(reason);
            json_object_set_new(translated, field, json_string(r ? kf_msg(req->lang, r) : "?"));
        }
        json_object_set_new(err, "fields", translated);
        json_decref(fields);
    }
    if (key && extra)
        json_object_set_new(err, key, extra);
    else
        json_decref(extra);
    req->error_code = code;
    kf_reply_json(req, status, json_pack("{s:o}", "error", err));
}

void kf_reply_status(kf_req *req, int rc)
{
    switch (rc) {
    case KF_ENOTFOUND:
        kf_reply_error(req, 404, "not_found", NULL);
        break;
    case KF_ECONFLICT:
        kf_reply_error(req, 409, "conflict", NULL);
        break;
    case KF_ESTALE:
        kf_reply_error(req, 409, "version_conflict", NULL);
        break;
    case KF_EINVAL:
        kf_reply_error(req, 422, "validation_failed", NULL);
        break;
    case KF_EPERM:
        kf_reply_error(req, 403, "forbidden", NULL);
        break;
    case KF_EAUTH:
        kf_reply_error(req, 401, "unauthorized", NULL);
        break;
    case KF_ELIMIT:
        kf_reply_error(req, 429, "too_many_requests", NULL);
        break;
    case KF_ETIMEOUT:
        kf_reply_error(req, 503, "timeout", NULL);
        break;
    case KF_EBUSY:
        kf_reply_error(req, 503, "unavailable", NULL);
        break;
    default:
        kf_reply_error(req, 500, "internal", NULL);
        break;
    }
}

void kf_reply_header(kf_req *req, const char *name, const char *value)
{
    if (req->nheaders == KF_MAX_HEADERS) return;
    req->header_names[req->nheaders] = name;
    req->header_values[req->nheaders] = value;
    req->nheaders++;
}
