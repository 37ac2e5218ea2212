/* Core helpers: configuration precedence, time parsing, bounded buffers,
 * logfmt escaping, language choice, the login throttle, the work queue. */
#include "core/buf.h"
#include "core/config.h"
#include "core/i18n.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "core/workq.h"
#include "http/throttle.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_config_precedence(void **state)
{
    (void)state;
    char path[] = "/tmp/kefu-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "# comment\nlisten = 127.0.0.1:1111\nthreads = 3\nmax-body=2048\n");
    char cfgarg[64];
    snprintf(cfgarg, sizeof(cfgarg), "--config=%s", path);
    char *env[] = {"KEFU_LISTEN=127.0.0.1:2222", "KEFU_TIMEOUT=7", NULL};
    char *argv[] = {cfgarg, "--listen", "127.0.0.1:3333", NULL};
    kf_config cfg;
    char err[256];
    int help;

    kf_config_defaults(&cfg);
    assert_int_equal(kf_config_load(&cfg, 3, argv, env, &help, err, sizeof(err)), 0);
    assert_string_equal(cfg.listen, "127.0.0.1:3333"); /* flag beats env beats file */
    assert_int_equal(cfg.timeout, 7);                  /* env */
    assert_int_equal(cfg.threads, 3);                  /* file */
    assert_int_equal(cfg.max_body, 2048);              /* file */

    kf_config_defaults(&cfg);
    assert_int_equal(kf_config_load(&cfg, 1, argv, env, &help, err, sizeof(err)), 0);
    assert_string_equal(cfg.listen, "127.0.0.1:2222");

    kf_config_defaults(&cfg);
    assert_int_equal(kf_config_load(&cfg, 1, argv, NULL, &help, err, sizeof(err)), 0);
    assert_string_equal(cfg.listen, "127.0.0.1:1111");
    unlink(path);
}

static void test_config_errors(void **state)
{
    (void)state;
    kf_config cfg;
    char err[256];
    int help;
    char *bad_num[] = {"--threads", "zero"};
    kf_config_defaults(&cfg);
    assert_int_equal(kf_config_load(&cfg, 2, bad_num, NULL, &help, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "threads"));
    char *unknown[] = {"--frobnicate=1"};
    assert_int_equal(kf_config_load(&cfg, 1, unknown, NULL, &help, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "frobnicate"));
    char *range[] = {"--max-body=1"};
    assert_int_equal(kf_config_load(&cfg, 1, range, NULL, &help, err, sizeof(err)), -1);
    char *envbad[] = {"KEFU_THREADS=-4", NULL};
    assert_int_equal(kf_config_load(&cfg, 0, NULL, envbad, &help, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "KEFU_THREADS"));
    char *missing[] = {"--config", "/nonexistent/kefu.conf"};
    assert_int_equal(kf_config_load(&cfg, 2, missing, NULL, &help, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent/kefu.conf"));
    char *helpflag[] = {"--help"};
    assert_int_equal(kf_config_load(&cfg, 1, helpflag, NULL, &help, err, sizeof(err)), 0);
    assert_int_equal(help, 1);
}

static void test_time(void **state)
{
    (void)state;
    int64_t ms;
    char out[32];
    assert_int_equal(kf_time_parse("2026-01-31T08:00:00+08:00", &ms), 0);
    kf_time_format(ms, out, sizeof(out));
    assert_string_equal(out, "2026-01-31T00:00:00.000Z");
    assert_int_equal(kf_time_parse("1970-01-01T00:00:00.25Z", &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(kf_time_parse("2024-02-29T23:59:59Z", &ms), 0);
    kf_time_format(ms, out, sizeof(out));
    assert_string_equal(out, "2024-02-29T23:59:59.000Z");
    /* the hand-made format agrees with gmtime_r, before 1970 too */
    for (int64_t t = -5000000000000LL; t < 5000000000000LL; t += 7777777777LL + 123) {
        time_t secs = (time_t)(t >= 0 ? t / 1000 : (t - 999) / 1000);
        struct tm tm;
        char want[64];
        gmtime_r(&secs, &tm);
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(t - (int64_t)secs * 1000));
        kf_time_format(t, out, sizeof(out));
        assert_string_equal(out, want);
    }
    assert_int_equal(kf_time_parse("2026-13-01T00:00:00Z", &ms), -1);
    assert_int_equal(kf_time_parse("2026-01-01", &ms), -1);
    assert_int_equal(kf_time_parse("2026-01-01T00:00:00", &ms), -1); /* no zone */
    assert_int_equal(kf_time_parse("2026-01-01T00:00:00Zjunk", &ms), -1);
}

static void test_jsonw(void **state)
{
    (void)state;
    kf_buf b;
    kf_buf_init(&b, 0);
    kf_jsonw w;
    kf_jsonw_init(&w, &b);
    kf_jsonw_object(&w);
    kf_jsonw_key(&w, "items");
    kf_jsonw_array(&w);
    kf_jsonw_object(&w);
    kf_jsonw_key(&w, "s");
    kf_jsonw_str(&w, "卫生间\"漏水\"\\\n\t\x01/");
    kf_jsonw_key(&w, "n");
    kf_jsonw_int(&w, INT64_MIN);
    kf_jsonw_key(&w, "id");
    kf_jsonw_id(&w, 0);
    kf_jsonw_key(&w, "at");
    kf_jsonw_time(&w, 250);
    kf_jsonw_key(&w, "ok");
    kf_jsonw_bool(&w, 1);
    kf_jsonw_key(&w, "no");
    kf_jsonw_bool(&w, 0);
    kf_jsonw_end(&w);
    kf_jsonw_int(&w, 0);
    kf_jsonw_array(&w);
    kf_jsonw_end(&w);
    kf_jsonw_end(&w);
    kf_jsonw_key(&w, "next");
    kf_jsonw_str(&w, NULL);
    kf_jsonw_end(&w);
    assert_false(w.failed);
    assert_string_equal(b.data,
                        "{\"items\":[{\"s\":\"卫生间\\\"漏水\\\"\\\\\\n\\t\\u0001/\","
                        "\"n\":-9223372036854775808,\"id\":null,"
                        "\"at\":\"1970-01-01T00:00:00.250Z\",\"ok\":true,\"no\":false},0,[]],"
                        "\"next\":null}");
    /* texts at and past the length written in one append, a key to escape,
     * numbers and times after commas */
    kf_buf_reset(&b);
    kf_jsonw_init(&w, &b);
    char at_edge[97], past[98];
    memset(at_edge, 'a', 96);
    at_edge[96] = '\0';
    memset(past, 'b', 97);
    past[97] = '\0';
    kf_jsonw_array(&w);
    kf_jsonw_str(&w, at_edge);
    kf_jsonw_str(&w, past);
    kf_jsonw_int(&w, -7);
    kf_jsonw_time(&w, 1000);
    kf_jsonw_object(&w);
    kf_jsonw_key(&w, "a\"b");
    kf_jsonw_int(&w, 1);
    kf_jsonw_key(&w, "");
    kf_jsonw_str(&w, "");
    kf_jsonw_end(&w);
    kf_jsonw_end(&w);
    assert_false(w.failed);
    char want[400];
    snprintf(want, sizeof(want),
             "[\"%s\",\"%s\",-7,\"1970-01-01T00:00:01.000Z\",{\"a\\\"b\":1,\"\":\"\"}]", at_edge,
             past);
    assert_string_equal(b.data, want);
    /* the buffer's limit is met: the writer says so rather than cutting the text short */
    kf_buf small;
    kf_buf_init(&small, 8);
    kf_jsonw_init(&w, &small);
    kf_jsonw_array(&w);
    kf_jsonw_str(&w, "too long for eight bytes");
    kf_jsonw_end(&w);
    assert_true(w.failed);
    kf_buf_free(&small);
    kf_buf_free(&b);
}

/* JSON's escapes of S, byte by byte, into OUT: what kf_jsonw_str must write. */
static void escape_ref(const char *s, char *out)
{
    char *o = out;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *o++ = '\\';
            *o++ = (char)*p;
        } else if (*p == '\n') {
            o += sprintf(o, "\\n");
        } else if (*p == '\r') {
            o += sprintf(o, "\\r");
        } else if (*p == '\t') {
            o += sprintf(o, "\\t");
        } else if (*p < 0x20) {
            o += sprintf(o, "\\u%04x", *p);
        } else {
            *o++ = (char)*p;
        }
    }
    *o++ = '"';
    *o = '\0';
}

/* Strings of every length to 200 with what must be escaped anywhere in
 * them (the writer tests eight bytes at a time), beside UTF-8 and DEL. */
static void test_jsonw_escapes(void **state)
{
    (void)state;
    static const unsigned char alphabet[] = {'a',  '"',  '\\', '\n', '\t', 0x01, 0x1f, 0x20,
                                             0x7f, 0xe5, 0x8d, 0x9b, '~',  '!',  '#',  ']'};
    uint64_t seed = 7;
    for (int i = 0; i < 3000; i++) {
        char text[201], want[201 * 6 + 3];
        int len = i % 201;
        for (int k = 0; k < len; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            /* mostly plain, so that long runs reach the fast paths */
            unsigned pick = (unsigned)(seed >> 33) % 64;
            text[k] = (char)(pick < sizeof(alphabet) ? alphabet[pick] : 'a' + pick % 26);
        }
        if (i % 2 == 0 && len > 0) { /* plain but for one byte, anywhere */
            for (int k = 0; k < len; k++)
                text[k] = (char)('a' + k % 26);
            text[(seed >> 40) % (uint64_t)len] = (char)alphabet[(seed >> 20) % sizeof(alphabet)];
        }
        text[len] = '\0';
        escape_ref(text, want);
        kf_buf b;
        kf_buf_init(&b, 0);
        kf_jsonw w;
        kf_jsonw_init(&w, &b);
        kf_jsonw_str(&w, text);
        assert_false(w.failed);
        assert_string_equal(b.data, want);
        kf_buf_free(&b);
    }
}

static void test_buf_limit(void **state)
{
    (void)state;
    kf_buf b;
    kf_buf_init(&b, 10);
    assert_int_equal(kf_buf_append(&b, "12345", 5), 0);
    assert_int_equal(kf_buf_append(&b, "67890", 5), 0);
    assert_int_equal(kf_buf_append(&b, "x", 1), -1);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "1234567890");
    kf_buf_free(&b);
}

static void test_logfmt_escaping(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    kf_log log = {.fd = fds[1], .level = KF_LOG_INFO};
    kf_logline l;
    kf_log_begin(&l, &log, KF_LOG_INFO, "request");
    kf_log_str(&l, "path", "/a b\"c\n");
    kf_log_int(&l, "status", 200);
    kf_log_end(&l);
    kf_log_msg(&log, KF_LOG_DEBUG, "dropped", NULL); /* below the level */
    close(fds[1]);
    char out[512] = {0};
    ssize_t n = read(fds[0], out, sizeof(out) - 1);
    close(fds[0]);
    assert_true(n > 0);
    assert_non_null(strstr(out, " level=info msg=request path=\"/a b\\\"c\\x0a\" status=200\n"));
    assert_null(strstr(out, "dropped"));
}

static void test_language(void **state)
{
    (void)state;
    assert_string_equal(kf_lang_pick(NULL), "zh-CN");
    assert_string_equal(kf_lang_pick("en-US,en;q=0.9"), "en");
    assert_string_equal(kf_lang_pick("zh-CN,zh;q=0.9,en;q=0.8"), "zh-CN");
    assert_string_equal(kf_msg("en", "invalid_json"), "The request body is not valid JSON");
    assert_string_equal(kf_msg("zh-CN", "not_found"), "找不到该资源");
}

static void test_throttle(void **state)
{
    (void)state;
    kf_throttle *t = kf_throttle_new(1000);
    int64_t now = 1000000;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kf_throttle_blocked(t, "account:a", 3, now), 0);
        kf_throttle_fail(t, "account:a", now);
    }
    assert_int_equal(kf_throttle_blocked(t, "account:a", 3, now + 10), 1);
    assert_int_equal(kf_throttle_blocked(t, "account:b", 3, now + 10), 0);
    assert_int_equal(kf_throttle_blocked(t, "account:a", 3, now + 1000), 0); /* window over */
    kf_throttle_fail(t, "account:b", now);
    kf_throttle_clear(t, "account:b");
    assert_int_equal(kf_throttle_blocked(t, "account:b", 1, now), 0);
    /* many keys never grow memory; the table keeps working */
    char key[32];
    for (int i = 0; i < 200000; i++) {
        snprintf(key, sizeof(key), "ip:%d", i);
        kf_throttle_fail(t, key, now);
    }
    kf_throttle_fail(t, "ip:new", now);
    assert_int_equal(kf_throttle_blocked(t, "ip:new", 1, now), 1);
    kf_throttle_free(t);
}

typedef struct {
    _Atomic int done;
    _Atomic int running, most_running;
} work_state;

static void count_work(void *arg)
{
    work_state *w = arg;
    int now = atomic_fetch_add(&w->running, 1) + 1;
    for (int seen = atomic_load(&w->most_running);
         now > seen && !atomic_compare_exchange_weak(&w->most_running, &seen, now);)
        ;
    usleep(200);
    atomic_fetch_sub(&w->running, 1);
    atomic_fetch_add(&w->done, 1);
}

/* Every job queued runs exactly once, several at a time but never more than
 * the threads; stop waits for all of them and refuses later ones. */
static void test_workq(void **state)
{
    (void)state;
    work_state w = {0};
    kf_workq *q = kf_workq_start(4, "test-worker");
    assert_non_null(q);
    for (int i = 0; i < 400; i++)
        assert_int_equal(kf_workq_push(q, count_work, &w), 0);
    kf_workq_stop(q);
    assert_int_equal(atomic_load(&w.done), 400);
    assert_true(atomic_load(&w.most_running) > 1);
    assert_true(atomic_load(&w.most_running) <= 4);
    assert_int_equal(kf_workq_push(q, count_work, &w), -1); /* stopped: refused, not run */
    kf_workq_free(q);
    assert_int_equal(atomic_load(&w.done), 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_precedence),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_jsonw),
        cmocka_unit_test(test_jsonw_escapes),
        cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_logfmt_escaping),
        cmocka_unit_test(test_language),
        cmocka_unit_test(test_throttle),
        cmocka_unit_test(test_workq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
