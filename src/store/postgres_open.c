/* The PostgreSQL backend: connecting (the URL's options, kefu's settings,
 * errors without the password), opening the two pools and closing them. */
#include "store/postgres_int.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_notice(void *arg, const char *message)
{
    pg_conn *c = arg;
    char line[256];
    pg_first_line(line, sizeof(line), message);
    kf_log_msg(c->log, KF_LOG_DEBUG, "postgres notice", line);
}

/* Replaces every occurrence of SECRET in S (in place) with "***". */
static void scrub(char *s, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    if (n == 0) return;
    size_t stars = n < 3 ? n : 3;
    for (char *p = s; (p = strstr(p, secret)); p += stars) {
        memcpy(p, "***", stars);
        if (n > stars) memmove(p + stars, p + n, strlen(p + n) + 1);
    }
}

/* ERR gets one line: where we tried and why it failed, without the password. */
static void connect_error(PGconn *pg, const char *password, char *err, size_t errlen)
{
    char why[256];
    pg_first_line(why, sizeof(why), PQerrorMessage(pg));
    /* libpq says 'connection to server at "h" (addr), port p failed: Cause' */
    char *cause = strstr(why, "failed: ");
    cause = cause ? cause + 8 : why;
    if (strncmp(cause, "FATAL:  ", 8) == 0) cause += 8;
    if (cause[0] >= 'A' && cause[0] <= 'Z' && cause[1] >= 'a' && cause[1] <= 'z')
        cause[0] = (char)(cause[0] - 'A' + 'a');
    const char *host = PQhost(pg), *port = PQport(pg);
    snprintf(err, errlen, "cannot connect to PostgreSQL at %s:%s: %s",
             host && *host ? host : "localhost", port && *port ? port : "5432", cause);
    scrub(err, password);
}

static int conn_open(pg_conn *c, const char *url, const char *options, const char *password,
                     const kf_log *log, char *err, size_t errlen)
{
    /* later keywords win: the URL may set the timeout, not our settings */
    const char *keys[] = {"connect_timeout", "application_name", "dbname",
                          "client_encoding", "options",          NULL};
    const char *vals[] = {"10", "kefu", url, "UTF8", options, NULL};
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        if (c->pg)
            connect_error(c->pg, password, err, errlen);
        else
            snprintf(err, errlen, "cannot connect to PostgreSQL: out of memory");
        PQfinish(c->pg);
        c->pg = NULL;
        return KF_EDB;
    }
    c->log = log;
    c->tx.conn = c;
    PQsetNoticeProcessor(c->pg, on_notice, c);
    kf_stmt_cache_init(&c->cache);
    return KF_OK;
}

static void conn_close(pg_conn *c)
{
    if (!c->pg) return;
    c->dirty = NULL;
    kf_stmt_cache_free(&c->cache, pg_free_stmt_handle);
    PQfinish(c->pg);
    c->pg = NULL;
}

static void pool_close(pg_pool *p)
{
    for (int i = 0; i < p->n; i++)
        conn_close(&p->conns[i]);
    free(p->conns);
    pthread_cond_destroy(&p->freed);
}

void pg_close(kf_store *base)
{
    pg_store *s = (pg_store *)base;
    pool_close(&s->pool);
    pool_close(&s->aside);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Opens N connections into P; their stripes (kf_tx_stripe) start at FIRST. */
static int pool_open(pg_pool *p, int n, int first, const char *url, const char *options,
                     const char *password, const kf_log *log, char *err, size_t errlen)
{
    p->n = n;
    p->conns = kf_calloc((size_t)n, sizeof(*p->conns));
    for (int i = 0; i < n; i++) {
        int rc = conn_open(&p->conns[i], url, options, password, log, err, errlen);
        if (rc != KF_OK) return rc;
        p->conns[i].index = first + i;
        p->conns[i].next_free = p->free;
        p->free = &p->conns[i];
    }
    return KF_OK;
}

/* The URL's own options (e.g. search_path) are kept: ours are added to them
 * rather than replace them; *PASSWORD is only used to scrub messages. */
static int parse_url(const char *url, int timeout_ms, char **options, char **password, char *err,
                     size_t errlen)
{
    char *msg = NULL;
    PQconninfoOption *info = PQconninfoParse(url, &msg);
    if (!info) {
        char why[200];
        pg_first_line(why, sizeof(why), msg ? msg : "out of memory");
        PQfreemem(msg);
        snprintf(err, errlen, "invalid PostgreSQL URL: %s", why);
        return KF_EINVAL;
    }
    const char *given = "";
    *password = NULL;
    for (PQconninfoOption *o = info; o->keyword; o++) {
        if (strcmp(o->keyword, "options") == 0 && o->val) given = o->val;
        if (strcmp(o->keyword, "password") == 0 && o->val) *password = kf_strdup(o->val);
    }
    size_t len = strlen(given) + 192;
    *options = kf_malloc(len);
    /* Before the URL's, so that a site may turn them back on: kefu's queries
     * are index lookups and bounded pages, for which a parallel plan's
     * workers cost more than they save (measured: reads 2.5x slower with
     * them, on 2 cores), and JIT compiles for milliseconds what runs in
     * microseconds. */
    snprintf(*options, len,
             "-c max_parallel_workers_per_gather=0 -c jit=off %s%s-c statement_timeout=%d"
             " -c TimeZone=UTC",
             given, *given ? " " : "", timeout_ms);
    PQconninfoFree(info);
    return KF_OK;
}

int pg_open(const char *url, const kf_store_opts *opts, kf_store **out, char *err, size_t errlen)
{
    char *options = NULL, *password = NULL;
    int timeout = opts->statement_timeout_ms > 0 ? opts->statement_timeout_ms : 10000;
    int rc = parse_url(url, timeout, &options, &password, err, errlen);
    if (rc != KF_OK) return rc;
    pg_store *s = kf_calloc(1, sizeof(*s));
    s->base.ops = &kf_store_postgres_ops;
    s->base.log = opts->log;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->pool.freed, NULL);
    pthread_cond_init(&s->aside.freed, NULL);
    int n = opts->pool_size > 0 ? opts->pool_size : 8;
    rc = pool_open(&s->pool, n, 0, url, options, password, opts->log, err, errlen);
    if (rc == KF_OK) {
        /* a later -c wins: asides only */
        strcat(options, " -c synchronous_commit=off");
        rc = pool_open(&s->aside, ASIDE_CONNS, n, url, options, password, opts->log, err, errlen);
    }
    free(options);
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    if (rc != KF_OK) {
        pg_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return KF_OK;
}
