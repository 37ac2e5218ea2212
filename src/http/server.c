/* libmicrohttpd glue. Each request gets a `pending` record on its first
 * callback; the body accumulates (bounded) over the next callbacks; the last
 * callback dispatches it. A read (GET, HEAD, OPTIONS) runs right there on the
 * network thread. A write may wait for its group commit, which would hold up
 * every other connection that thread serves, so its connection is suspended
 * and the request handed to a request worker, which runs the handler and
 * resumes the connection; the callback that follows sends the answer. A
 * write whose route parks (KF_ROUTE_PARKS) skips the worker when the store
 * submits writes: its handler runs here, the connection is suspended while
 * the store's threads commit the write, and the store resumes it; the
 * callback that follows runs the handler's answer and sends it. Per
 * ARCHITECTURE.md, answering on the very first callback drops keep-alive, so
 * ordinary answers wait for a later call; only a body declared too large is
 * refused at once (the connection closes). */
#include "http/server.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "core/workq.h"
#include "http/auth.h"
#include "http/metrics.h"
#include "http/router.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Finished request records kept for the next requests, at most this many. */
#define SPARE_MAX 256

typedef struct pending pending;

struct kf_server {
    kf_app *app;
    struct MHD_Daemon *daemon;
    kf_workq *workers; /* run the handlers */
    int port;
    _Atomic int inflight;
    _Atomic int parked;   /* connections waiting for a write handed to the store */
    _Atomic int stopping; /* no more writes are handed to the store */
    /* request ids: this run's random prefix, then a count */
    unsigned char id_prefix[4];
    _Atomic uint64_t id_next;
    pthread_mutex_t spare_mu;
    pending *spare; /* finished records, reused: no malloc per request */
    int nspare;
};

#define DISCARD_LIMIT ((size_t)64 << 20)

struct pending {
    pending *next_spare;
    kf_server *server;
    kf_req req;
    kf_buf body;
    int64_t start_us;
    int64_t queued_us; /* handed to the workers */
    int too_big;
    size_t discarded; /* bytes of an oversized body read and dropped */
    int path_known;   /* no route matched, but the path exists under another method */
    int answered;     /* handed to a worker, or answered at once */
    int ready;        /* the worker is done: the answer waits to be sent */
    int written;      /* the parked write is done (WRITE_RC): its answer is next */
    int write_rc;
    char ip[INET6_ADDRSTRLEN];
    /* the request arena's first block: most requests need no other (the
     * record is reused, so this costs no malloc, and no malloc of a large
     * block that makes glibc consolidate its free lists each time) */
    _Alignas(16) unsigned char arena_first[6144];
};

static const char *security_headers[][2] = {
    {"Content-Security-Policy",
     "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
     "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
};

static void client_ip(struct MHD_Connection *conn, char *out, size_t outlen)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, outlen, "-");
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)outlen);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)outlen);
}

/* A client's X-Request-Id is kept when it is short and plain; else a new one. */
static void request_id(kf_server *s, struct MHD_Connection *conn, char *out, size_t outlen)
{
    const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (given) {
        size_t n = strlen(given), ok = n > 0 && n < outlen && n <= 36;
        for (size_t i = 0; ok && i < n; i++)
            ok = (given[i] >= '0' && given[i] <= '9') || (given[i] >= 'a' && given[i] <= 'z') ||
                 (given[i] >= 'A' && given[i] <= 'Z') || given[i] == '-' || given[i] == '_';
        if (ok) {
            memcpy(out, given, n + 1);
            return;
        }
    }
    /* unique, not secret: no random bytes (a system call) per request */
    uint64_t n = atomic_fetch_add(&s->id_next, 1);
    unsigned char raw[8] = {s->id_prefix[0],          s->id_prefix[1],
                            s->id_prefix[2],          s->id_prefix[3],
                            (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8),  (unsigned char)n};
    sodium_bin2hex(out, outlen, raw, sizeof(raw));
}

static pending *pending_new(kf_server *s, struct MHD_Connection *conn, const char *url,
                            const char *method)
{
    pthread_mutex_lock(&s->spare_mu);
    pending *p = s->spare;
    if (p) {
        s->spare = p->next_spare;
        s->nspare--;
    }
    pthread_mutex_unlock(&s->spare_mu);
    if (p)
        memset(p, 0, offsetof(pending, arena_first));
    else
        p = kf_calloc(1, sizeof(*p));
    p->server = s;
    p->start_us = kf_monotonic_us();
    kf_buf_init(&p->body, (size_t)s->app->cfg->max_body);
    kf_req *req = &p->req;
    kf_arena_init_buf(&req->arena, p->arena_first, sizeof(p->arena_first));
    req->app = s->app;
    req->conn = conn;
    req->method = kf_arena_strdup(&req->arena, method);
    req->path = kf_arena_strdup(&req->arena, url);
    req->lang = kf_lang_pick(
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
    request_id(s, conn, req->request_id, sizeof(req->request_id));
    client_ip(conn, p->ip, sizeof(p->ip));
    req->ip = p->ip;
    return p;
}

static void pending_free(pending *p)
{
    kf_req *req = &p->req;
    kf_req_read_done(req);
    json_decref(req->json);
    free(req->resp_body);
    if (req->resp_has_fd) close(req->resp_fd); /* an answer never sent */
    kf_arena_free(&req->arena);
    kf_buf_free(&p->body);
    kf_server *s = p->server;
    pthread_mutex_lock(&s->spare_mu);
    if (s->nspare < SPARE_MAX) {
        p->next_spare = s->spare;
        s->spare = p;
        s->nspare++;
        p = NULL;
    }
    pthread_mutex_unlock(&s->spare_mu);
    free(p);
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, kf_req *req)
{
    struct MHD_Response *resp;
    if (req->resp_has_fd) { /* a file (kf_reply_file): MHD reads it as it sends, then closes it */
        resp = MHD_create_response_from_fd64(req->resp_fd_size, req->resp_fd);
        if (!resp) return MHD_NO; /* the fd stays the request's: pending_free closes it */
        req->resp_has_fd = 0;
        if (req->resp_disposition)
            MHD_add_response_header(resp, "Content-Disposition", req->resp_disposition);
    } else {
        resp = req->resp_body
                   ? MHD_create_response_from_buffer(req->resp_len, req->resp_body,
                                                     MHD_RESPMEM_MUST_FREE)
                   : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!resp) return MHD_NO;
        req->resp_body = NULL; /* MHD frees it now */
    }
    for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
        MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
    MHD_add_response_header(resp, "X-Request-Id", req->request_id);
    if (req->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
    int has_cache_control = 0;
    for (int i = 0; i < req->nheaders; i++) {
        MHD_add_response_header(resp, req->header_names[i], req->header_values[i]);
        has_cache_control |= strcasecmp(req->header_names[i], "Cache-Control") == 0;
    }
    if (!has_cache_control) MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)req->status, resp);
    MHD_destroy_response(resp);
    return r;
}

static int is_unsafe(const char *method)
{
    return strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
}

/* Authentication, CSRF and permission, in that order; answers and returns -1
 * when the request may not go on. */
static int admit(kf_req *req)
{
    const kf_route *rt = req->route;
    if (strcmp(rt->permission, KF_PERM_PUBLIC) == 0) return 0;
    int rc = kf_auth_resolve(req);
    if (rc == KF_EAUTH) {
        kf_reply_error(req, 401, "unauthorized", NULL);
        return -1;
    }
    if (rc == KF_ESTALE) {
        kf_reply_error(req, 401, "session_expired", NULL);
        return -1;
    }
    if (rc != KF_OK) {
        if (!req->status) kf_reply_status(req, rc);
        return -1;
    }
    if (!MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Accept-Language") &&
        req->auth->user.language)
        req->lang = strcmp(req->auth->user.language, "en") == 0 ? "en" : "zh-CN";
    if (is_unsafe(req->method) && !kf_auth_csrf_ok(req)) {
        kf_reply_error(req, 403, "csrf_failed", NULL);
        return -1;
    }
    if (!kf_role_has(req->auth->role, rt->permission)) {
        kf_reply_error(req, 403, "forbidden", NULL);
        return -1;
    }
    return 0;
}

/* A handler that gave no answer answers 500. */
static void must_answer(kf_req *req)
{
    if (req->status) return;
    kf_logline l;
    kf_log_begin(&l, req->app->log, KF_LOG_ERROR, "handler gave no answer");
    kf_log_str(&l, "route", req->route->pattern);
    kf_log_end(&l);
    kf_reply_error(req, 500, "internal", NULL);
}

static void dispatch(pending *p)
{
    kf_req *req = &p->req;
    req->body = p->body.data;
    req->body_len = p->body.len;
    if (!req->route) { /* matched on the first callback */
        if (p->path_known) {
            kf_reply_header(req, "Allow",
                            kf_router_allowed(req->app->router, req->path, &req->arena));
            kf_reply_error(req, 405, "method_not_allowed", NULL);
        } else {
            kf_reply_error(req, 404, "not_found", NULL);
        }
        return;
    }
    if (admit(req) == 0) {
        req->route->handler(req);
        if (!req->park_fn) must_answer(req);
    }
    kf_req_read_done(req);
}

/* On a store thread: the parked write of P is durable or failed. */
static void write_done(void *arg, int rc)
{
    pending *p = arg;
    kf_server *s = p->server; /* P may be gone once its connection is resumed */
    p->write_rc = rc;
    p->written = 1;
    MHD_resume_connection(p->req.conn);
    atomic_fetch_sub(&s->parked, 1);
}

/* 1 when a request of route RT may park its write, counted then in
 * S->parked until its answer is under way, so kf_server_stop waits for it:
 * counted before STOPPING is looked at, so either the stop sees the count
 * or the request sees the stop. */
static int may_park(kf_server *s, const kf_route *rt)
{
    if (!rt || !(rt->flags & KF_ROUTE_PARKS) || !kf_store_submits(s->app->store)) return 0;
    atomic_fetch_add(&s->parked, 1);
    if (!atomic_load(&s->stopping)) return 1;
    atomic_fetch_sub(&s->parked, 1);
    return 0;
}

/* The handler of P left a write (kf_req_write_then): the connection waits,
 * suspended, while the store's threads commit it. */
static void park(pending *p)
{
    kf_server *s = p->server;
    kf_req *req = &p->req;
    MHD_suspend_connection(req->conn);
    int rc = kf_store_submit(s->app->store, req->park_fn, req->park_ctx, write_done, p);
    if (rc != KF_OK) write_done(p, rc);
}

/* The parked write of P is done: the handler's answer to it. */
static void answer_parked(pending *p)
{
    kf_req *req = &p->req;
    kf_after_fn after = req->park_after;
    req->park_fn = NULL;
    req->park_after = NULL;
    after(req, req->park_ctx, p->write_rc);
    must_answer(req);
    kf_req_read_done(req);
}

/* On a worker: the handler, then back to the network thread to answer. */
static void run_pending(void *arg)
{
    pending *p = arg;
    kf_metrics_worker_wait(p->server->app->metrics, kf_monotonic_us() - p->queued_us);
    dispatch(p);
    p->ready = 1;
    MHD_resume_connection(p->req.conn);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    kf_server *s = cls;
    pending *p = *con_cls;
    if (!p) {
        p = pending_new(s, conn, url, method);
        *con_cls = p;
        atomic_fetch_add(&s->inflight, 1);
        kf_metrics_inflight(s->app->metrics, 1);
        /* matched once, here: the route also says how large a body may be
         * (files for imports are larger than ordinary bodies) */
        const kf_route *rt =
            kf_router_match(s->app->router, p->req.method, p->req.path, &p->req, &p->path_known);
        p->req.route = rt;
        if (rt && (rt->flags & KF_ROUTE_LARGE_BODY)) p->body.max = (size_t)s->app->cfg->max_import;
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > (unsigned long long)p->body.max) {
            p->too_big = p->answered = 1;
            kf_reply_error(&p->req, 413, "payload_too_large", NULL);
            return send_reply(conn, &p->req);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* libmicrohttpd cannot answer mid-upload: an oversized body is read
         * and dropped, then answered 413 at the end; past a hard bound the
         * connection is simply closed. */
        if (!p->too_big && kf_buf_append(&p->body, upload_data, *upload_data_size) != 0)
            p->too_big = 1;
        if (p->too_big) {
            p->discarded += *upload_data_size;
            if (p->discarded > DISCARD_LIMIT) return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (p->ready) return send_reply(conn, &p->req);
    if (p->written) {
        p->written = 0;
        answer_parked(p);
        return send_reply(conn, &p->req);
    }
    if (p->answered) return MHD_YES;
    p->answered = 1;
    if (p->too_big) {
        /* the rest of a stream that big is not worth reading on this connection */
        kf_reply_header(&p->req, "Connection", "close");
        kf_reply_error(&p->req, 413, "payload_too_large", NULL);
        return send_reply(conn, &p->req);
    }
    const kf_route *rt = p->req.route;
    p->req.parks = may_park(s, rt);
    if (p->req.parks || (!is_unsafe(p->req.method) && !(rt && (rt->flags & KF_ROUTE_WORKER)))) {
        /* a read never waits for a commit, and a parked write waits without a thread */
        dispatch(p);
        if (p->req.park_fn) {
            park(p);
            return MHD_YES;
        }
        if (p->req.parks) atomic_fetch_sub(&s->parked, 1); /* answered without a write */
        return send_reply(conn, &p->req);
    }
    MHD_suspend_connection(conn);
    p->queued_us = kf_monotonic_us();
    if (kf_workq_push(s->workers, run_pending, p) != 0) { /* shutting down */
        p->ready = 1;
        kf_reply_error(&p->req, 503, "unavailable", NULL);
        MHD_resume_connection(conn);
    }
    return MHD_YES;
}

static void log_request(const pending *p, int64_t dur_us, enum MHD_RequestTerminationCode toe)
{
    const kf_req *req = &p->req;
    kf_logline l;
    kf_log_begin(&l, req->app->log, req->status >= 500 ? KF_LOG_WARN : KF_LOG_INFO, "request");
    kf_log_str(&l, "id", req->request_id);
    kf_log_str(&l, "method", req->method);
    kf_log_str(&l, "path", req->path);
    kf_log_str(&l, "route", req->route ? req->route->pattern : "-");
    kf_log_int(&l, "status", req->status);
    kf_log_ms(&l, "dur_ms", (double)dur_us / 1000.0);
    kf_log_int(&l, "bytes_in", (int64_t)p->body.len);
    kf_log_str(&l, "ip", req->ip);
    if (req->auth) kf_log_int(&l, "user", req->auth->user.id);
    if (req->error_code) kf_log_str(&l, "error", req->error_code);
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) kf_log_int(&l, "terminated", (int64_t)toe);
    kf_log_end(&l);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    kf_server *s = cls;
    pending *p = *con_cls;
    if (!p) return;
    *con_cls = NULL;
    /* the client left while its write was parked: the answer goes nowhere, but
     * the handler's answer step frees what its write held */
    if (p->written) answer_parked(p);
    int64_t dur = kf_monotonic_us() - p->start_us;
    if (p->answered) {
        log_request(p, dur, toe);
        kf_metrics_observe(s->app->metrics, p->req.route ? p->req.route->index : -1, p->req.status,
                           dur);
    }
    pending_free(p);
    kf_metrics_inflight(s->app->metrics, -1);
    atomic_fetch_sub(&s->inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    kf_server *s = cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    kf_log_msg(s->app->log, KF_LOG_WARN, "http", msg);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, char *err, size_t errlen)
{
    const char *colon = strrchr(listen, ':');
    char host[64];
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || (size_t)(colon - listen) >= sizeof(host) || *end || port < 0 || port > 65535) {
        snprintf(err, errlen, "--listen must be IPv4-ADDRESS:PORT (got %.64s)", listen);
        return -1;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    if (!*host) strcpy(host, "0.0.0.0");
    if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        snprintf(err, errlen, "--listen address %s is not an IPv4 address", host);
        return -1;
    }
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

static void server_free(kf_server *s)
{
    while (s->spare) {
        pending *next = s->spare->next_spare;
        free(s->spare);
        s->spare = next;
    }
    pthread_mutex_destroy(&s->spare_mu);
    free(s);
}

int kf_server_start(kf_app *app, kf_server **out, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (parse_listen(app->cfg->listen, &sa, err, errlen)) return KF_EINVAL;
    kf_server *s = kf_calloc(1, sizeof(*s));
    s->app = app;
    randombytes_buf(s->id_prefix, sizeof(s->id_prefix));
    pthread_mutex_init(&s->spare_mu, NULL);
    s->workers = kf_workq_start(app->cfg->threads, "kefu-worker");
    if (!s->workers) {
        snprintf(err, errlen, "cannot start the request worker threads");
        server_free(s);
        return KF_EIO;
    }
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    errno = 0;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)app->cfg->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)app->cfg->max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)app->cfg->max_conns_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)app->cfg->timeout, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        /* SO_REUSEADDR only (a quick restart), never SO_REUSEPORT: a second
         * server on the same port must fail, not share it silently */
        MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s: %s", app->cfg->listen,
                 errno ? strerror(errno) : "address in use or not available");
        kf_workq_free(s->workers);
        server_free(s);
        return KF_EIO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : ntohs(sa.sin_port);
    *out = s;
    return KF_OK;
}

int kf_server_port(const kf_server *s)
{
    return s->port;
}

void kf_server_stop(kf_server *s, int grace_ms)
{
    if (!s) return;
    /* Stop accepting: the listening socket is closed at once, so new
     * clients are refused while requests in flight finish. */
    atomic_store(&s->stopping, 1); /* a write that would park goes to the stopped workers */
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET) close(fd);
    for (int waited = 0; atomic_load(&s->inflight) > 0 && waited < grace_ms; waited += 10)
        usleep(10 * 1000);
    /* handlers still running finish and resume their connections, and so do
     * the parked writes: libmicrohttpd must not be stopped with a connection
     * suspended */
    kf_workq_stop(s->workers); /* a write arriving now is answered 503 */
    while (atomic_load(&s->parked) > 0)
        usleep(1000);
    MHD_stop_daemon(s->daemon);
    kf_workq_free(s->workers);
    server_free(s);
}
