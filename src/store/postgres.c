/* The PostgreSQL backend: a pool of libpq connections.
 *
 * Every transaction, read or write, holds one connection of the pool for its
 * whole length. Statements are prepared once per connection (server-side,
 * named "k<n>") and cached by SQL address, as in the SQLite backend; those
 * whose plan depends on their values (kf_tx_prepare_replanned) are sent with
 * their text each time instead, as PostgreSQL's unnamed statement. The SQL
 * is written with `?` placeholders, renumbered here to $1..$n; values travel
 * as text so the server infers each parameter's type from its context.
 *
 * Each kf_store_write is its own transaction: the server already overlaps
 * concurrent commits and flushes their WAL together, so there is no writer
 * thread here. Rows every write adds to are kept per connection (its index
 * is the transaction's stripe, kf_tx_stripe), so concurrent writes do not
 * queue for one row lock held until the commit is on disk; the one such row
 * that cannot be striped, a department's round-robin turn, moves on in a
 * statement of its own on a few more connections (kf_tx_aside), whose commit
 * does not wait for the disk. A transaction's BEGIN goes with its first
 * statement, in one round trip, and a read's COMMIT is not waited for.
 *
 * A failed statement aborts the whole PostgreSQL transaction, so after one
 * failure every later statement of the transaction fails at once and the
 * write is rolled back. Connecting, opening and closing are in postgres_open.c. */
#include "store/postgres_int.h"

#include "core/err.h"
#include "core/mem.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Big parameter buffers are dropped at the end of a transaction rather than
 * kept for the life of the connection. */
enum { KEEP_PARAM_BYTES = 64 * 1024 };

/* ---- statements: memory ---- */

static void stmt_clear(pg_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->executed = 0;
    st->row = -1;
    st->nrows = 0;
    st->changes = 0;
}

void pg_free_stmt_handle(void *handle)
{
    pg_stmt *st = handle;
    PQclear(st->res);
    for (int i = 0; i < st->nparams; i++)
        free(st->buf[i]);
    free(st->buf);
    free(st->cap);
    free(st->values);
    free(st->sql);
    free(st);
}

/* Rewrites ? placeholders as $1..$n, leaving string literals, quoted
 * identifiers and comments alone. *NPARAMS gets n. */
static char *renumber(const char *sql, int *nparams)
{
    size_t len = strlen(sql), marks = 0;
    for (const char *p = sql; *p; p++)
        marks += *p == '?';
    char *out = kf_malloc(len + marks * 10 + 1), *o = out;
    int n = 0;
    for (const char *p = sql; *p;) {
        size_t span = 1;
        if (*p == '\'' || *p == '"') {
            const char *end = strchr(p + 1, *p); /* '' and "" escapes pair up naturally */
            span = end ? (size_t)(end - p) + 1 : strlen(p);
        } else if (p[0] == '-' && p[1] == '-') {
            span = strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            span = end ? (size_t)(end - p) + 2 : strlen(p);
        } else if (*p == '?') {
            o += sprintf(o, "$%d", ++n);
            p++;
            continue;
        }
        memcpy(o, p, span);
        o += span;
        p += span;
    }
    *o = '\0';
    *nparams = n;
    return out;
}

static void set_param(pg_stmt *st, int idx, const char *v, size_t len)
{
    if (idx < 1 || idx > st->nparams) return; /* as SQLite: out of range is ignored */
    if (st->executed) stmt_clear(st);         /* rebinding restarts the statement */
    int i = idx - 1;
    if (!v) {
        st->values[i] = NULL;
        return;
    }
    if (st->cap[i] < len + 1) {
        size_t cap = st->cap[i] ? st->cap[i] : 32;
        while (cap < len + 1)
            cap *= 2;
        st->buf[i] = kf_realloc(st->buf[i], cap);
        st->cap[i] = cap;
    }
    memcpy(st->buf[i], v, len);
    st->buf[i][len] = '\0';
    st->values[i] = st->buf[i];
}

/* ---- errors ---- */

void pg_first_line(char *dst, size_t dstlen, const char *msg)
{
    size_t n = strcspn(msg, "\n");
    if (n >= dstlen) n = dstlen - 1;
    memcpy(dst, msg, n);
    dst[n] = '\0';
}

/* Keeps the failure's first line for errmsg and, when LOG, logs it. */
static void note_error(pg_conn *c, const char *what, const PGresult *res, int log)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg) {
        /* libpq's own text, e.g. "FATAL:  terminating connection …" */
        msg = PQerrorMessage(c->pg);
        if (strncmp(msg, "FATAL:  ", 8) == 0 || strncmp(msg, "ERROR:  ", 8) == 0) msg += 8;
    }
    pg_first_line(c->err, sizeof(c->err), msg);
    if (!log) return;
    kf_logline l;
    kf_log_begin(&l, c->log, KF_LOG_ERROR, "postgres error");
    kf_log_str(&l, "op", what);
    if (res) kf_log_str(&l, "sqlstate", PQresultErrorField(res, PG_DIAG_SQLSTATE));
    if (res) kf_log_str(&l, "constraint", PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME));
    kf_log_str(&l, "error", c->err);
    kf_log_end(&l);
}

static int map_sqlstate(const char *state)
{
    static const char *const conflict[] = {"23505", "23503", "23001", "23P01"};
    static const char *const invalid[] = {"23502", "23514"};
    if (!state) return KF_EDB; /* no answer at all: the connection is gone */
    for (size_t i = 0; i < sizeof(conflict) / sizeof(conflict[0]); i++)
        if (strcmp(state, conflict[i]) == 0) return KF_ECONFLICT;
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
        if (strcmp(state, invalid[i]) == 0) return KF_EINVAL;
    if (strncmp(state, "22", 2) == 0) return KF_EINVAL;  /* data exception */
    if (strcmp(state, "57014") == 0) return KF_ETIMEOUT; /* statement_timeout */
    return KF_EDB;
}

/* Records a failed command (RES may be NULL), frees RES, marks the
 * transaction aborted and returns the store code. Scripts (migrations) are
 * reported by their caller, so their failures are not logged twice. */
static int conn_fail_as(pg_conn *c, const char *what, PGresult *res, int log)
{
    note_error(c, what, res, log);
    int rc = map_sqlstate(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL);
    PQclear(res);
    c->failed = 1;
    return rc;
}

static int conn_fail(pg_conn *c, const char *what, PGresult *res)
{
    return conn_fail_as(c, what, res, 1);
}

/* ---- connections ---- */

/* Server-side statements die with the session: the handles stay (a caller
 * may hold one) and are prepared again on their next use (stmt_ready). */
static void conn_reset(pg_conn *c)
{
    kf_log_msg(c->log, KF_LOG_WARN, "postgres connection lost, reconnecting", NULL);
    PQreset(c->pg); /* same parameters, so statement_timeout etc. still apply */
    c->session++;
}

/* Ends every statement used in the transaction: results go, big buffers too. */
static void conn_end_statements(pg_conn *c)
{
    for (pg_stmt *st = c->dirty, *next; st; st = next) {
        next = st->next_dirty;
        stmt_clear(st);
        for (int i = 0; i < st->nparams; i++) {
            st->values[i] = NULL;
            if (st->cap[i] > KEEP_PARAM_BYTES) {
                free(st->buf[i]);
                st->buf[i] = NULL;
                st->cap[i] = 0;
            }
        }
        st->dirty = 0;
        st->next_dirty = NULL;
    }
    c->dirty = NULL;
}

/* Starts a transaction. The BEGIN waits to go with the transaction's first
 * statement, in one round trip (pg_step): on this machine a round trip's
 * system calls are most of what a statement costs the server. */
static int conn_begin(pg_conn *c, const char *sql)
{
    c->failed = 0;
    c->err[0] = '\0';
    if (PQstatus(c->pg) != CONNECTION_OK) conn_reset(c);
    c->begin_sql = sql;
    return KF_OK;
}

/* Sends a pending BEGIN on its own, for commands that cannot go with it. A
 * connection whose server went away is only noticed on use, so a BEGIN that
 * finds it dead reconnects and tries once more. */
static int conn_send_begin(pg_conn *c)
{
    const char *sql = c->begin_sql;
    if (!sql) return KF_OK;
    c->begin_sql = NULL;
    for (int reset = 0;;) {
        PGresult *r = PQexec(c->pg, sql);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            PQclear(r);
            return KF_OK;
        }
        if (reset || PQstatus(c->pg) == CONNECTION_OK) return conn_fail(c, sql, r);
        PQclear(r); /* the server had gone: reconnect once */
        conn_reset(c);
        reset = 1;
    }
}

/* COMMIT, or ROLLBACK when COMMIT is false or the transaction failed.
 * Returns KF_OK only when COMMIT made the changes permanent. */
static int conn_end(pg_conn *c, int commit)
{
    conn_end_statements(c);
    if (c->begin_sql) { /* nothing ran: nothing to end */
        c->begin_sql = NULL;
        return commit && !c->failed ? KF_OK : KF_EDB;
    }
    commit = commit && !c->failed;
    const char *sql = commit ? "COMMIT" : "ROLLBACK";
    PGresult *r = PQexec(c->pg, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        conn_fail(c, sql, r);
        return KF_EDB;
    }
    /* COMMIT of a transaction the server had aborted answers "ROLLBACK" */
    int committed = commit && strcmp(PQcmdStatus(r), "COMMIT") == 0;
    if (commit && !committed)
        snprintf(c->err, sizeof(c->err), "the server rolled the transaction back");
    PQclear(r);
    return committed ? KF_OK : KF_EDB;
}

/* Takes the answer to a read's COMMIT, sent without waiting for it
 * (pg_read_end): it has usually arrived by the connection's next use. A
 * failure there changes nothing the read answered; a connection lost on the
 * way is found and reset by the next BEGIN. */
static void conn_settle(pg_conn *c)
{
    if (!c->commit_sent) return;
    c->commit_sent = 0;
    for (PGresult *r; (r = PQgetResult(c->pg));) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            kf_log_msg(c->log, KF_LOG_WARN, "postgres: a read's COMMIT failed",
                       PQresultErrorMessage(r));
        PQclear(r);
    }
}

static pg_conn *take_from(pg_store *s, pg_pool *p)
{
    pthread_mutex_lock(&s->mu);
    while (!p->free)
        pthread_cond_wait(&p->freed, &s->mu);
    pg_conn *c = p->free;
    p->free = c->next_free;
    pthread_mutex_unlock(&s->mu);
    c->tx.base.store = &s->base;
    conn_settle(c);
    return c;
}

static void give_to(pg_store *s, pg_pool *p, pg_conn *c)
{
    conn_end_statements(c);
    c->begin_sql = NULL;
    /* never hand on a connection inside a transaction (a COMMIT on its way
     * ends one) */
    if (!c->commit_sent && PQstatus(c->pg) == CONNECTION_OK &&
        PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        PQclear(PQexec(c->pg, "ROLLBACK"));
    pthread_mutex_lock(&s->mu);
    c->next_free = p->free;
    p->free = c;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&s->mu);
}

static pg_conn *take_conn(pg_store *s)
{
    return take_from(s, &s->pool);
}

static void give_conn(pg_store *s, pg_conn *c)
{
    give_to(s, &s->pool, c);
}

/* ---- transactions ---- */

static int pg_read_begin(kf_store *base, kf_tx **out)
{
    pg_store *s = (pg_store *)base;
    pg_conn *c = take_conn(s);
    int rc = conn_begin(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (rc != KF_OK) {
        give_conn(s, c);
        return rc;
    }
    *out = &c->tx.base;
    return KF_OK;
}

/* A read's COMMIT goes without waiting for its answer: a read-only
 * transaction has nothing to make durable, and the wait was one round trip
 * of every read request (taken by conn_settle). */
static void pg_read_end(kf_store *base, kf_tx *tx)
{
    pg_conn *c = ((pg_tx *)tx)->conn;
    if (c->begin_sql || c->failed || PQstatus(c->pg) != CONNECTION_OK) {
        conn_end(c, 1);
    } else {
        conn_end_statements(c);
        c->commit_sent = PQsendQuery(c->pg, "COMMIT");
        if (!c->commit_sent) conn_end(c, 1);
    }
    give_conn((pg_store *)base, c);
}

static int pg_write(kf_store *base, kf_write_fn fn, void *ctx, int alone)
{
    pg_store *s = (pg_store *)base;
    pg_conn *c = take_conn(s);
    int rc = conn_begin(c, "BEGIN");
    if (rc != KF_OK) {
        give_conn(s, c);
        return rc;
    }
    /* a job that runs alone commits as it goes: what it defers runs at once */
    if (!alone) kf_tx_defer_begin(&c->tx.base);
    rc = fn(&c->tx.base, ctx);
    if (rc == KF_OK && c->failed) rc = KF_EDB; /* fn went on past a failed statement */
    if (rc == KF_OK)
        rc = kf_tx_defer_run(&c->tx.base);
    else
        kf_tx_defer_end(&c->tx.base);
    if (rc == KF_OK && c->failed) rc = KF_EDB;
    if (rc == KF_OK) {
        rc = conn_end(c, 1);
    } else {
        conn_end(c, 0);
    }
    give_conn(s, c);
    pthread_mutex_lock(&s->mu);
    if (rc == KF_OK)
        kf_store_note_batch(&s->stats, 1);
    else
        s->stats.rollbacks++;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static void pg_stats(kf_store *base, kf_store_stats *out)
{
    pg_store *s = (pg_store *)base;
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}

static int pg_stripe(kf_tx *tx)
{
    return ((pg_tx *)tx)->conn->index;
}

/* An aside runs in autocommit, one round trip per statement, and its commit
 * does not wait for the WAL to reach the disk (synchronous_commit off on
 * these connections): the row lock it takes is held for the statement, not
 * for a flush. TX's durable commit comes later in the log, so it makes the
 * aside durable too. */
static int pg_aside(kf_tx *tx, kf_write_fn fn, void *ctx)
{
    pg_store *s = (pg_store *)tx->store;
    pg_conn *c = take_from(s, &s->aside);
    int rc = KF_EDB;
    /* A server gone since the last aside is only found by using the
     * connection: then reconnect and run FN once more. An aside is
     * bookkeeping, so one that did run before the connection dropped can
     * safely run twice (the turn moves on by one more). */
    for (int attempt = 0; attempt < 2; attempt++) {
        c->failed = 0;
        c->err[0] = '\0';
        if (PQstatus(c->pg) != CONNECTION_OK) conn_reset(c);
        rc = fn(&c->tx.base, ctx);
        if (rc == KF_OK && c->failed) rc = KF_EDB;
        conn_end_statements(c);
        if (rc == KF_OK || PQstatus(c->pg) == CONNECTION_OK) break;
    }
    if (rc != KF_OK) {
        /* the failure belongs to TX's write: its log line names the aside's error */
        kf_log_msg(c->log, KF_LOG_WARN, "postgres aside failed", c->err);
    }
    give_to(s, &s->aside, c);
    return rc;
}

/* Later statements of an aborted transaction would only be refused by the
 * server: refuse them here without the round trip. */
static int fail_fast(pg_conn *c)
{
    (void)c; /* c->err keeps the first failure's message: the useful one */
    return KF_EDB;
}

static int pg_migration_lock(kf_tx *tx)
{
    pg_conn *c = ((pg_tx *)tx)->conn;
    if (c->failed) return fail_fast(c);
    /* The lock (7171: kefu's migrations) is held to the end of the
     * transaction. A migration may rightly take longer than a request's
     * statement_timeout, and so may waiting for another server's. */
    static const char sql[] = "SET LOCAL statement_timeout = 0;"
                              " SELECT pg_advisory_xact_lock(7171)";
    int rc = conn_send_begin(c);
    if (rc != KF_OK) return rc;
    PGresult *r = PQexec(c->pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) return conn_fail(c, sql, r);
    PQclear(r);
    return KF_OK;
}

static int pg_exec_script(kf_tx *tx, const char *sql)
{
    pg_conn *c = ((pg_tx *)tx)->conn;
    if (c->failed) return fail_fast(c);
    int rc = conn_send_begin(c);
    if (rc != KF_OK) return rc;
    PGresult *r = PQexec(c->pg, sql); /* simple protocol: several statements at once */
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        return conn_fail_as(c, "script", r, 0);
    PQclear(r);
    return KF_OK;
}

/* Rolling back to the mark is what makes an aborted transaction usable again,
 * so it is the one statement allowed after a failure. */
static int pg_savepoint(kf_tx *tx, int op)
{
    static const char *const sql[] = {"SAVEPOINT kf_part", "RELEASE SAVEPOINT kf_part",
                                      "ROLLBACK TO SAVEPOINT kf_part"};
    pg_conn *c = ((pg_tx *)tx)->conn;
    if (c->failed && op != 2) return fail_fast(c);
    int rc = conn_send_begin(c);
    if (rc != KF_OK) return rc;
    PGresult *r = PQexec(c->pg, sql[op]);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return conn_fail(c, sql[op], r);
    PQclear(r);
    if (op == 2) c->failed = 0;
    return KF_OK;
}

static const char *pg_errmsg(kf_tx *tx)
{
    return ((pg_tx *)tx)->conn->err;
}

/* ---- statements ---- */

/* Prepares SQL on the connection (unless REPLANNED: then the server parses
 * and plans it at each execution) and caches it. */
static int stmt_new(pg_conn *c, const char *sql, int replanned, pg_stmt **out)
{
    int n;
    char *text = renumber(sql, &n);
    char name[24] = "";
    if (!replanned) {
        snprintf(name, sizeof(name), "k%u", ++c->next_name);
        PGresult *r = PQprepare(c->pg, name, text, 0, NULL); /* types inferred */
        if (PQresultStatus(r) != PGRES_COMMAND_OK && c->begin_sql &&
            PQstatus(c->pg) != CONNECTION_OK) {
            /* nothing of the transaction ran yet: reconnect once, as conn_send_begin */
            PQclear(r);
            conn_reset(c);
            r = PQprepare(c->pg, name, text, 0, NULL);
        }
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            free(text);
            return conn_fail(c, sql, r);
        }
        PQclear(r);
    }
    pg_stmt *st = kf_calloc(1, sizeof(*st));
    st->base.ops = &kf_store_postgres_ops;
    st->conn = c;
    memcpy(st->name, name, sizeof(name));
    st->replanned = replanned;
    st->sql = text;
    st->nparams = n;
    st->session = c->session;
    st->row = -1;
    if (n) {
        st->buf = kf_calloc((size_t)n, sizeof(*st->buf));
        st->cap = kf_calloc((size_t)n, sizeof(*st->cap));
        st->values = kf_calloc((size_t)n, sizeof(*st->values));
    }
    pg_stmt *replaced = kf_stmt_cache_put(&c->cache, sql, st);
    if (replaced) {
        /* a freed heap string's address reused by other SQL, maybe in this tx */
        for (pg_stmt **p = &c->dirty; *p; p = &(*p)->next_dirty)
            if (*p == replaced) {
                *p = replaced->next_dirty;
                break;
            }
        char dealloc[40];
        snprintf(dealloc, sizeof(dealloc), "DEALLOCATE %s", replaced->name);
        if (!replaced->replanned)
            PQclear(PQexec(c->pg, dealloc)); /* not transactional; harmless if refused */
        pg_free_stmt_handle(replaced);
    }
    *out = st;
    return KF_OK;
}

static int prepare_as(kf_tx *tx, const char *sql, int replanned, kf_stmt **out)
{
    pg_conn *c = ((pg_tx *)tx)->conn;
    if (c->failed) return fail_fast(c);
    pg_stmt *st = kf_stmt_cache_get(&c->cache, sql);
    if (!st) {
        int rc = stmt_new(c, sql, replanned, &st);
        if (rc != KF_OK) return rc;
    }
    stmt_clear(st);
    for (int i = 0; i < st->nparams; i++)
        st->values[i] = NULL;
    if (!st->dirty) {
        st->dirty = 1;
        st->next_dirty = c->dirty;
        c->dirty = st;
    }
    *out = &st->base;
    return KF_OK;
}

static int pg_prepare(kf_tx *tx, const char *sql, kf_stmt **out)
{
    return prepare_as(tx, sql, 0, out);
}

static int pg_prepare_replanned(kf_tx *tx, const char *sql, kf_stmt **out)
{
    return prepare_as(tx, sql, 1, out);
}

static void pg_bind_i64(kf_stmt *st, int idx, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%" PRId64, v);
    set_param((pg_stmt *)st, idx, num, (size_t)n);
}

static void pg_bind_text(kf_stmt *st, int idx, const char *v)
{
    set_param((pg_stmt *)st, idx, v, strlen(v));
}

static void pg_bind_double(kf_stmt *st, int idx, double v)
{
    char num[32];
    int n = snprintf(num, sizeof(num), "%.17g", v); /* round-trips every double */
    set_param((pg_stmt *)st, idx, num, (size_t)n);
}

static void pg_bind_null(kf_stmt *st, int idx)
{
    set_param((pg_stmt *)st, idx, NULL, 0);
}

/* Prepares ST again when the connection has reconnected since. */
static int stmt_ready(pg_conn *c, pg_stmt *st)
{
    if (st->session == c->session || st->replanned) return KF_OK;
    PGresult *r = PQprepare(c->pg, st->name, st->sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return conn_fail(c, st->sql, r);
    PQclear(r);
    st->session = c->session;
    return KF_OK;
}

static PGresult *stmt_run(PGconn *pg, const pg_stmt *st)
{
    if (st->replanned)
        return PQexecParams(pg, st->sql, st->nparams, NULL, st->values, NULL, NULL, 0);
    return PQexecPrepared(pg, st->name, st->nparams, st->values, NULL, NULL, 0);
}

static int stmt_send(PGconn *pg, const pg_stmt *st)
{
    if (st->replanned)
        return PQsendQueryParams(pg, st->sql, st->nparams, NULL, st->values, NULL, NULL, 0);
    return PQsendQueryPrepared(pg, st->name, st->nparams, st->values, NULL, NULL, 0);
}

/* The result of the next command of a pipeline, past the NULL that ends it. */
static PGresult *pipeline_result(PGconn *pg)
{
    PGresult *r = PQgetResult(pg);
    if (r && PQresultStatus(r) != PGRES_PIPELINE_SYNC)
        for (PGresult *more; (more = PQgetResult(pg));)
            PQclear(more);
    return r;
}

/* The pending BEGIN and ST in one round trip (libpq's pipeline mode). *BEGUN
 * tells whether the BEGIN succeeded; the result is ST's, or NULL when the
 * connection failed on the way. */
static PGresult *exec_with_begin(pg_conn *c, pg_stmt *st, int *begun)
{
    PGconn *pg = c->pg;
    PGresult *res = NULL;
    *begun = 0;
    if (!PQenterPipelineMode(pg)) return NULL;
    if (PQsendQueryParams(pg, c->begin_sql, 0, NULL, NULL, NULL, NULL, 0) && stmt_send(pg, st) &&
        PQpipelineSync(pg)) {
        PGresult *b = pipeline_result(pg);
        *begun = PQresultStatus(b) == PGRES_COMMAND_OK;
        PQclear(b);
        res = pipeline_result(pg);
        PQclear(pipeline_result(pg)); /* the sync */
    }
    if (!PQexitPipelineMode(pg)) {
        /* results left over: the connection cannot be trusted */
        *begun = 0;
        PQclear(res);
        res = NULL;
        conn_reset(c);
    }
    return res;
}

/* Runs ST, with the transaction's BEGIN when it is still to be sent: a
 * server gone since the last transaction is found here, so this reconnects
 * once, as conn_send_begin does. */
static PGresult *stmt_exec(pg_conn *c, pg_stmt *st)
{
    for (int reset = 0;; reset = 1) {
        if (stmt_ready(c, st) != KF_OK) return NULL;
        if (!c->begin_sql) return stmt_run(c->pg, st);
        int begun;
        PGresult *r = exec_with_begin(c, st, &begun);
        if (begun) {
            c->begin_sql = NULL;
            return r;
        }
        PQclear(r);
        if (reset || PQstatus(c->pg) == CONNECTION_OK) {
            /* BEGIN itself failed, or the pipeline did: alone, it says why */
            if (conn_send_begin(c) != KF_OK || stmt_ready(c, st) != KF_OK) return NULL;
            return stmt_run(c->pg, st);
        }
        conn_reset(c);
    }
}

static int pg_step(kf_stmt *base)
{
    pg_stmt *st = (pg_stmt *)base;
    pg_conn *c = st->conn;
    if (!st->executed) {
        if (c->failed) return fail_fast(c);
        PGresult *r = stmt_exec(c, st);
        if (!r && c->failed) return KF_EDB; /* stmt_exec has recorded why */
        ExecStatusType es = PQresultStatus(r);
        if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) return conn_fail(c, st->sql, r);
        st->res = r;
        st->executed = 1;
        st->row = -1;
        st->nrows = es == PGRES_TUPLES_OK ? PQntuples(r) : 0;
        st->changes = strtoll(PQcmdTuples(r), NULL, 10);
    }
    if (st->row < st->nrows) st->row++;
    return st->row < st->nrows ? KF_ROW : KF_DONE;
}

/* The text of a cell of the current row; NULL for SQL NULL or no such cell. */
static const char *cell(pg_stmt *st, int col)
{
    if (!st->res || st->row < 0 || st->row >= st->nrows || col < 0 || col >= PQnfields(st->res))
        return NULL;
    if (PQgetisnull(st->res, st->row, col)) return NULL;
    return PQgetvalue(st->res, st->row, col);
}

static int64_t pg_col_i64(kf_stmt *st, int col)
{
    const char *v = cell((pg_stmt *)st, col);
    if (!v) return 0;
    if (strcmp(v, "t") == 0) return 1; /* boolean */
    if (strcmp(v, "f") == 0) return 0;
    return strtoll(v, NULL, 10);
}

static double pg_col_double(kf_stmt *st, int col)
{
    const char *v = cell((pg_stmt *)st, col);
    return v ? strtod(v, NULL) : 0.0;
}

static const char *pg_col_text(kf_stmt *st, int col)
{
    return cell((pg_stmt *)st, col);
}

static int pg_col_isnull(kf_stmt *st, int col)
{
    return cell((pg_stmt *)st, col) == NULL;
}

static int64_t pg_changes(kf_stmt *st)
{
    return ((pg_stmt *)st)->changes;
}

const kf_store_ops kf_store_postgres_ops = {
    .name = "postgres",
    .backend = KF_BACKEND_POSTGRES,
    .open = pg_open,
    .close = pg_close,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    .write = pg_write,
    .stats = pg_stats,
    .migration_lock = pg_migration_lock,
    .exec_script = pg_exec_script,
    .savepoint = pg_savepoint,
    .errmsg = pg_errmsg,
    .prepare = pg_prepare,
    .prepare_replanned = pg_prepare_replanned,
    .bind_i64 = pg_bind_i64,
    .bind_text = pg_bind_text,
    .bind_double = pg_bind_double,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .col_i64 = pg_col_i64,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_isnull = pg_col_isnull,
    .changes = pg_changes,
    .stripe = pg_stripe,
    .aside = pg_aside,
};
