/* File answers (kf_reply_file): a real server on 127.0.0.1 sends an export
 * written with the table writer to a nameless temporary file, with the
 * download name in Content-Disposition and the usual headers; GET, HEAD and a
 * POST (answered from a worker thread); a file answer replaced by an error
 * closes the file; and the Content-Disposition value itself. */
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "http/app.h"
#include "http/metrics.h"
#include "http/req.h"
#include "http/router.h"
#include "http/server.h"
#include "report/table_out.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define EXPECT_CSV "\xEF\xBB\xBF月报\r\n项目,收费\r\n一期,2500.00\r\n"

static char g_tmp[512];

static const char *tmp_dir(void)
{
    if (!g_tmp[0]) {
        const char *base = getenv("KEFU_TEST_TMP");
        snprintf(g_tmp, sizeof(g_tmp), "%s/reply_file", base && *base ? base : "/tmp");
        if (base && *base) mkdir(base, 0700);
        mkdir(g_tmp, 0700);
    }
    return g_tmp;
}

/* An export as the report endpoint will make it. */
static void h_export(kf_req *req)
{
    static const kf_table_col cols[] = {{"项目", KF_COL_TEXT, 0}, {"收费", KF_COL_FEN, 0}};
    kf_table_out *t;
    int rc = kf_table_open_temp(KF_TABLE_CSV, tmp_dir(), "Asia/Shanghai", &t);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_table_sheet(t, "月报", NULL, cols, 2);
    kf_table_text(t, "一期");
    kf_table_int(t, 250000);
    int fd;
    uint64_t size;
    rc = kf_table_close_fd(t, &fd, &size);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    lseek(fd, 5, SEEK_SET); /* the position does not matter: sent from the start */
    kf_reply_file(req, 200, kf_table_content_type(KF_TABLE_CSV), fd, size, "月报-2026-03.csv");
}

/* A file answer that the handler then replaces with an error. */
static void h_replaced(kf_req *req)
{
    /* (no cmocka asserts here: this runs on a server thread) */
    kf_table_out *t;
    int fd = -1;
    uint64_t size = 0;
    static const kf_table_col cols[] = {{"a", KF_COL_TEXT, 0}};
    if (kf_table_open_temp(KF_TABLE_CSV, tmp_dir(), NULL, &t) == KF_OK) {
        kf_table_sheet(t, "s", NULL, cols, 1);
        kf_table_close_fd(t, &fd, &size);
    }
    kf_reply_file(req, 200, "text/csv; charset=utf-8", fd, size, "x.csv");
    kf_reply_error(req, 404, "not_found", NULL);
}

typedef struct {
    kf_config cfg;
    kf_log log;
    kf_app app;
    kf_server *server;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    kf_config_defaults(&f->cfg);
    snprintf(f->cfg.listen, sizeof(f->cfg.listen), "127.0.0.1:0");
    f->cfg.threads = 2;
    f->log = (kf_log){.fd = -1, .level = KF_LOG_ERROR};
    f->app.cfg = &f->cfg;
    f->app.log = &f->log;
    f->app.router = kf_router_new();
    assert_int_equal(kf_router_add(f->app.router, "GET", "/export", KF_PERM_PUBLIC, h_export, 0),
                     KF_OK);
    assert_int_equal(kf_router_add(f->app.router, "POST", "/export", KF_PERM_PUBLIC, h_export, 0),
                     KF_OK);
    assert_int_equal(
        kf_router_add(f->app.router, "GET", "/replaced", KF_PERM_PUBLIC, h_replaced, 0), KF_OK);
    f->app.metrics = kf_metrics_new(kf_router_count(f->app.router));
    char err[256];
    assert_int_equal(kf_server_start(&f->app, &f->server, err, sizeof(err)), KF_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kf_server_stop(f->server, 1000);
    kf_metrics_free(f->app.metrics);
    kf_router_free(f->app.router);
    free(f);
    return 0;
}

/* request: sends RAW, reads the whole answer (the server closes after it);
 * malloc'd, *LEN its size. */
static char *request(fixture *f, const char *raw, size_t *len)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)kf_server_port(f->server))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(write(s, raw, strlen(raw)), (ssize_t)strlen(raw));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while ((got = read(s, buf + n, cap - n - 1)) > 0) {
        n += (size_t)got;
        if (n + 1 == cap) buf = realloc(buf, cap *= 2);
    }
    close(s);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* header: the value of header NAME in the answer RESP (a static copy), or NULL. */
static const char *header(const char *resp, const char *name)
{
    static char value[1024];
    const char *end = strstr(resp, "\r\n\r\n");
    size_t nlen = strlen(name);
    for (const char *p = strstr(resp, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            size_t vlen = (size_t)(strstr(v, "\r\n") - v);
            snprintf(value, sizeof(value), "%.*s", (int)vlen, v);
            return value;
        }
    }
    return NULL;
}

/* open_exports: how many descriptors of this process are export files. */
static int open_exports(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    char link[320], target[1024];
    while ((e = readdir(d))) {
        snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
        ssize_t k = readlink(link, target, sizeof(target) - 1);
        if (k <= 0) continue;
        target[k] = '\0';
        n += strstr(target, "kefu-export-") != NULL;
    }
    closedir(d);
    return n;
}

/* no_open_exports: waits a little for the server to let go of the files. */
static void assert_no_open_exports(void)
{
    for (int i = 0; i < 100 && open_exports(); i++)
        usleep(10000);
    assert_int_equal(open_exports(), 0);
}

static void check_download(const char *resp, size_t len, int with_body)
{
    assert_true(strncmp(resp, "HTTP/1.1 200", 12) == 0);
    assert_string_equal(header(resp, "Content-Type"), "text/csv; charset=utf-8");
    assert_string_equal(header(resp, "Content-Disposition"),
                        "attachment; filename=\"__-2026-03.csv\"; "
                        "filename*=UTF-8''%E6%9C%88%E6%8A%A5-2026-03.csv");
    char clen[32];
    snprintf(clen, sizeof(clen), "%zu", strlen(EXPECT_CSV));
    assert_string_equal(header(resp, "Content-Length"), clen);
    /* the headers every answer carries */
    assert_string_equal(header(resp, "X-Content-Type-Options"), "nosniff");
    assert_non_null(header(resp, "Content-Security-Policy"));
    assert_string_equal(header(resp, "Cache-Control"), "no-store");
    assert_non_null(header(resp, "X-Request-Id"));
    const char *body = strstr(resp, "\r\n\r\n") + 4;
    if (with_body)
        assert_string_equal(body, EXPECT_CSV);
    else
        assert_int_equal(len, (size_t)(body - resp));
}

static void test_download(void **state)
{
    fixture *f = *state;
    size_t len;
    char *resp = request(f, "GET /export HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &len);
    check_download(resp, len, 1);
    free(resp);
    resp = request(f, "HEAD /export HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &len);
    check_download(resp, len, 0);
    free(resp);
    /* a write runs on a request worker and is sent by the network thread */
    resp = request(f,
                   "POST /export HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
                   "Connection: close\r\n\r\n",
                   &len);
    check_download(resp, len, 1);
    free(resp);
    assert_no_open_exports(); /* libmicrohttpd closed each file */
}

static void test_replaced(void **state)
{
    fixture *f = *state;
    size_t len;
    char *resp = request(f, "GET /replaced HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &len);
    assert_true(strncmp(resp, "HTTP/1.1 404", 12) == 0);
    assert_null(header(resp, "Content-Disposition"));
    assert_string_equal(header(resp, "Content-Type"), "application/json; charset=utf-8");
    free(resp);
    assert_no_open_exports();
}

static void test_disposition(void **state)
{
    (void)state;
    kf_arena a;
    kf_arena_init(&a);
    assert_string_equal(kf_reply_disposition(&a, "attachment", "月报-2026-03.xlsx"),
                        "attachment; filename=\"__-2026-03.xlsx\"; "
                        "filename*=UTF-8''%E6%9C%88%E6%8A%A5-2026-03.xlsx");
    /* quotes, separators, percent signs and line breaks never reach the header raw */
    assert_string_equal(kf_reply_disposition(&a, "attachment", "a \"b\"/c\\d%e;f\r\n.csv"),
                        "attachment; filename=\"a _b__c_d_e;f__.csv\"; "
                        "filename*=UTF-8''a%20%22b%22_c_d%25e%3Bf__.csv");
    assert_string_equal(kf_reply_disposition(&a, "inline", ""),
                        "inline; filename=\"download\"; filename*=UTF-8''download");
    assert_string_equal(kf_reply_disposition(&a, "attachment", "\xF0\x9F\x98\x80.csv"),
                        "attachment; filename=\"_.csv\"; filename*=UTF-8''%F0%9F%98%80.csv");
    kf_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_download, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replaced, setup, teardown),
        cmocka_unit_test(test_disposition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
