/* The store interface, run twice: on a temp SQLite file and on the throwaway
 * PostgreSQL cluster whose URL is in the file named by KEFU_TEST_PG_URL_FILE
 * (tests/pg/cluster.sh). Without that variable only SQLite runs. */
#include "core/embedded.h"
#include "core/err.h"
#include "store/store.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const char *name; /* as kf_store_backend_name */
    int backend;
    char url[512]; /* postgres; sqlite URLs are made per test */
} backend;

static backend g_sqlite = {.name = "sqlite", .backend = KF_BACKEND_SQLITE};
static backend g_pg = {.name = "postgres", .backend = KF_BACKEND_POSTGRES};
static const backend *g_cur; /* the group being run */
static char g_tmp[400];
static kf_log g_log = {.fd = -1, .level = KF_LOG_DEBUG};
static int g_seq;

typedef struct {
    kf_store *s;
    char path[512]; /* sqlite file */
} fixture;

/* ---- helpers ---- */

static void remove_sqlite(const char *path)
{
    char p[600];
    const char *suffix[] = {"", "-wal", "-shm", "-journal"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
        unlink(p);
    }
}

static int reset_schema(kf_tx *tx, void *ctx)
{
    (void)ctx;
    /* not bound by a test's tiny statement_timeout: dropping every table of
     * the test before can take longer than 100 ms on a busy machine */
    return kf_tx_exec_script(tx, "SET LOCAL statement_timeout = 0;"
                                 " DROP SCHEMA public CASCADE; CREATE SCHEMA public");
}

/* A store on an empty database: a new SQLite file, or PostgreSQL with schema
 * public dropped and made again. */
static fixture *fixture_open(const kf_store_opts *opts)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    char url[600], err[256] = "";
    if (g_cur->backend == KF_BACKEND_SQLITE) {
        snprintf(f->path, sizeof(f->path), "%s/store_db_%d_%d.db", g_tmp, (int)getpid(), ++g_seq);
        remove_sqlite(f->path);
        snprintf(url, sizeof(url), "sqlite:%s", f->path);
    } else {
        snprintf(url, sizeof(url), "%s", g_cur->url);
    }
    int rc = kf_store_open(url, opts, &f->s, err, sizeof(err));
    if (rc != KF_OK) fail_msg("kf_store_open(%s): %s", url, err);
    if (g_cur->backend == KF_BACKEND_POSTGRES)
        assert_int_equal(kf_store_write(f->s, reset_schema, NULL), KF_OK);
    assert_string_equal(kf_store_backend_name(f->s), g_cur->name);
    return f;
}

static void fixture_close(fixture *f)
{
    kf_store_close(f->s);
    if (f->path[0]) remove_sqlite(f->path);
    free(f);
}

static int setup_empty(void **state)
{
    kf_store_opts opts = {.log = &g_log};
    *state = fixture_open(&opts);
    return 0;
}

static int setup_migrated(void **state)
{
    setup_empty(state);
    fixture *f = *state;
    char err[256] = "";
    int rc = kf_store_migrate(f->s, NULL, NULL, err, sizeof(err));
    if (rc != KF_OK) fail_msg("migrate: %s", err);
    return 0;
}

static int teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static int64_t count_where(kf_store *s, const char *sql)
{
    kf_tx *tx;
    assert_int_equal(kf_store_read_begin(s, &tx), KF_OK);
    int64_t n = -1;
    int rc = kf_tx_i64(tx, &n, sql, NULL);
    if (rc != KF_OK) fail_msg("%s: %s (%s)", sql, kf_err_name(rc), kf_tx_errmsg(tx));
    kf_store_read_end(s, tx);
    return n;
}

static int64_t now_ms = 1700000000000;

static int insert_project(kf_tx *tx, const char *code, int64_t *id)
{
    return kf_tx_i64(tx, id,
                     "INSERT INTO projects (code, name, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?) RETURNING id",
                     "ssii", code, "项目", now_ms, now_ms);
}

/* ---- migrations ---- */

static void test_migrate(void **state)
{
    fixture *f = *state;
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "migrations/%s/", g_cur->name);
    int files = 0, newest = 0;
    for (const kf_embedded_file *e = kf_embedded_files; e->path; e++) {
        if (strncmp(e->path, prefix, strlen(prefix)) != 0) continue;
        files++;
        int v = atoi(e->path + strlen(prefix));
        if (v > newest) newest = v;
    }
    assert_true(files >= 1);

    int applied = -1, version = -1;
    char err[256] = "";
    int rc = kf_store_migrate(f->s, &applied, &version, err, sizeof(err));
    if (rc != KF_OK) fail_msg("migrate: %s", err);
    assert_int_equal(applied, files);
    assert_int_equal(version, newest);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM schema_migrations WHERE version = 1"
                                       " AND name = '0001_foundation.sql'"),
                     1);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM audit_log"), 0);

    rc = kf_store_migrate(f->s, &applied, &version, err, sizeof(err));
    if (rc != KF_OK) fail_msg("second migrate: %s", err);
    assert_int_equal(applied, 0);
    assert_int_equal(version, newest);
}

/* Two servers starting at once: the migrations are applied once, and both
 * start. */
typedef struct {
    kf_store *s;
    int rc, applied;
    char err[256];
} migrator;

static void *migrate_main(void *p)
{
    migrator *m = p;
    m->rc = kf_store_migrate(m->s, &m->applied, NULL, m->err, sizeof(m->err));
    return NULL;
}

static void test_concurrent_migrate(void **state)
{
    fixture *f = *state;
    kf_store_opts opts = {.pool_size = 2, .log = &g_log};
    char url[600], err[256] = "";
    if (g_cur->backend == KF_BACKEND_SQLITE)
        snprintf(url, sizeof(url), "sqlite:%s", f->path);
    else
        snprintf(url, sizeof(url), "%s", g_cur->url);
    migrator m[2] = {{.s = f->s}, {.s = NULL}};
    if (kf_store_open(url, &opts, &m[1].s, err, sizeof(err)) != KF_OK) fail_msg("%s", err);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, migrate_main, &m[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    kf_store_close(m[1].s);
    for (int i = 0; i < 2; i++)
        if (m[i].rc != KF_OK) fail_msg("migrator %d: %s", i, m[i].err);
    int64_t n = count_where(f->s, "SELECT COUNT(*) FROM schema_migrations");
    assert_int_equal(m[0].applied + m[1].applied, n);
}

/* ---- values ---- */

static const char *const texts[] = {"漏水", "it's \"quoted\" \\ ok", "", "a?b 'c' --d"};
static const int64_t ints[] = {INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
static const double doubles[] = {0.1, -1e300, 3.141592653589793, 5e-324};

static int create_rt(kf_tx *tx, void *ctx)
{
    (void)ctx;
    if (kf_store_backend(kf_tx_store(tx)) == KF_BACKEND_SQLITE)
        return kf_tx_exec_script(tx, "CREATE TABLE rt (id INTEGER PRIMARY KEY, s TEXT,"
                                     " i BIGINT, d DOUBLE PRECISION)");
    return kf_tx_exec_script(tx, "CREATE TABLE rt (id BIGINT GENERATED BY DEFAULT AS IDENTITY"
                                 " PRIMARY KEY, s TEXT, i BIGINT, d DOUBLE PRECISION)");
}

static int fill_rt(kf_tx *tx, void *ctx)
{
    (void)ctx;
    for (int k = 0; k < 4; k++) {
        int rc = kf_tx_exec(tx, NULL, "INSERT INTO rt (id, s, i, d) VALUES (?, ?, ?, ?)", "isid",
                            (int64_t)k + 1, texts[k], ints[k], doubles[k]);
        if (rc != KF_OK) return rc;
    }
    return kf_tx_exec(tx, NULL, "INSERT INTO rt (id, s, i, d) VALUES (?, ?, ?, ?)", "innn",
                      (int64_t)5);
}

static void test_roundtrip(void **state)
{
    fixture *f = *state;
    assert_int_equal(kf_store_write(f->s, create_rt, NULL), KF_OK);
    assert_int_equal(kf_store_write(f->s, fill_rt, NULL), KF_OK);
    kf_tx *tx;
    kf_stmt *st;
    assert_int_equal(kf_store_read_begin(f->s, &tx), KF_OK);
    assert_int_equal(kf_tx_query(tx, &st, "SELECT id, s, i, d FROM rt ORDER BY id", NULL), KF_OK);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(kf_stmt_step(st), KF_ROW);
        assert_int_equal(kf_stmt_i64(st, 0), k + 1);
        assert_false(kf_stmt_isnull(st, 1));
        assert_string_equal(kf_stmt_text(st, 1), texts[k]);
        assert_true(kf_stmt_i64(st, 2) == ints[k]);
        assert_true(kf_stmt_double(st, 3) == doubles[k]);
    }
    assert_int_equal(kf_stmt_step(st), KF_ROW);
    for (int col = 1; col < 4; col++)
        assert_true(kf_stmt_isnull(st, col));
    assert_null(kf_stmt_text(st, 1));
    assert_int_equal(kf_stmt_i64(st, 2), 0);
    assert_int_equal(kf_stmt_step(st), KF_DONE);

    /* ? inside literals, quoted identifiers and comments is not a parameter */
    assert_int_equal(kf_tx_query(tx, &st,
                                 "SELECT '?''?' || ? AS \"a?b\", /* ? */ ? -- ?\n"
                                 "FROM rt WHERE s = ?",
                                 "sis", "x", (int64_t)42, "漏水"),
                     KF_OK);
    assert_int_equal(kf_stmt_step(st), KF_ROW);
    assert_string_equal(kf_stmt_text(st, 0), "?'?x");
    assert_int_equal(kf_stmt_i64(st, 1), 42);
    assert_int_equal(kf_stmt_step(st), KF_DONE);
    kf_store_read_end(f->s, tx);
}

static int update_rt(kf_tx *tx, void *ctx)
{
    int64_t *changes = ctx;
    int rc = kf_tx_exec(tx, &changes[0], "UPDATE rt SET i = i + 0 WHERE id <= ?", "i", (int64_t)3);
    if (rc != KF_OK) return rc;
    rc = kf_tx_exec(tx, &changes[1], "DELETE FROM rt WHERE id = ?", "i", (int64_t)5);
    if (rc != KF_OK) return rc;
    return kf_tx_exec(tx, &changes[2], "DELETE FROM rt WHERE id = ?", "i", (int64_t)99);
}

static void test_changes(void **state)
{
    fixture *f = *state;
    assert_int_equal(kf_store_write(f->s, create_rt, NULL), KF_OK);
    assert_int_equal(kf_store_write(f->s, fill_rt, NULL), KF_OK);
    int64_t changes[3] = {-1, -1, -1};
    assert_int_equal(kf_store_write(f->s, update_rt, changes), KF_OK);
    assert_int_equal(changes[0], 3);
    assert_int_equal(changes[1], 1);
    assert_int_equal(changes[2], 0);
}

/* The same SQL prepared again in one transaction starts over with new bindings. */
static void test_reprepare(void **state)
{
    fixture *f = *state;
    kf_tx *tx;
    kf_stmt *st;
    static const char sql[] = "SELECT name FROM projects WHERE code = ?";
    assert_int_equal(kf_store_read_begin(f->s, &tx), KF_OK);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(kf_tx_query(tx, &st, sql, "s", "none"), KF_OK);
        assert_int_equal(kf_stmt_step(st), KF_DONE);
        int64_t n = -1;
        assert_int_equal(
            kf_tx_i64(tx, &n, "SELECT COUNT(*) FROM projects WHERE id > ?", "i", (int64_t)round),
            KF_OK);
        assert_int_equal(n, 0);
        assert_int_equal(kf_tx_i64(tx, &n, "SELECT id FROM projects WHERE id = ?", "i", (int64_t)1),
                         KF_ENOTFOUND);
    }
    kf_store_read_end(f->s, tx);
}

/* Dynamic SQL built in one buffer: the same address with other text must be
 * prepared anew, even inside one transaction. */
static void test_sql_buffer_reuse(void **state)
{
    fixture *f = *state;
    kf_tx *tx;
    char sql[128];
    assert_int_equal(kf_store_read_begin(f->s, &tx), KF_OK);
    for (int k = 1; k <= 3; k++) {
        snprintf(sql, sizeof(sql), "SELECT %d + ?", k * 100);
        int64_t v = 0;
        assert_int_equal(kf_tx_i64(tx, &v, sql, "i", (int64_t)k), KF_OK);
        assert_int_equal(v, k * 101);
    }
    kf_store_read_end(f->s, tx);
    assert_int_equal(kf_store_read_begin(f->s, &tx), KF_OK);
    snprintf(sql, sizeof(sql), "SELECT %d + ?", 7);
    int64_t v = 0;
    assert_int_equal(kf_tx_i64(tx, &v, sql, "i", (int64_t)1), KF_OK);
    assert_int_equal(v, 8);
    kf_store_read_end(f->s, tx);
}

/* ---- writes: RETURNING, conflicts, rollback ---- */

static int two_projects(kf_tx *tx, void *ctx)
{
    int64_t *ids = ctx;
    int rc = insert_project(tx, "alpha", &ids[0]);
    if (rc != KF_OK) return rc;
    return insert_project(tx, "beta", &ids[1]);
}

static void test_returning(void **state)
{
    fixture *f = *state;
    int64_t ids[2] = {0, 0};
    assert_int_equal(kf_store_write(f->s, two_projects, ids), KF_OK);
    assert_true(ids[0] > 0);
    assert_true(ids[1] > ids[0]);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects"), 2);
}

typedef struct {
    char errmsg[256];
    int dup_rc;
} conflict_ctx;

static int insert_then_duplicate(kf_tx *tx, void *ctx)
{
    conflict_ctx *c = ctx;
    int64_t id;
    int rc = insert_project(tx, "gamma", &id);
    if (rc != KF_OK) return rc;
    c->dup_rc = insert_project(tx, "alpha", &id);
    snprintf(c->errmsg, sizeof(c->errmsg), "%s", kf_tx_errmsg(tx));
    return c->dup_rc;
}

static int bad_foreign_key(kf_tx *tx, void *ctx)
{
    (void)ctx;
    return kf_tx_exec(tx, NULL, "INSERT INTO user_projects (user_id, project_id) VALUES (?, ?)",
                      "ii", (int64_t)999, (int64_t)999);
}

static int missing_not_null(kf_tx *tx, void *ctx)
{
    (void)ctx;
    return kf_tx_exec(tx, NULL, "INSERT INTO projects (code, name, created_at) VALUES (?, ?, ?)",
                      "ssi", "delta", "d", now_ms);
}

static void test_conflict(void **state)
{
    fixture *f = *state;
    int64_t ids[2];
    assert_int_equal(kf_store_write(f->s, two_projects, ids), KF_OK);
    conflict_ctx c = {.dup_rc = 0};
    assert_int_equal(kf_store_write(f->s, insert_then_duplicate, &c), KF_ECONFLICT);
    assert_int_equal(c.dup_rc, KF_ECONFLICT);
    assert_true(c.errmsg[0] != '\0');
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects"), 2);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects WHERE code = 'gamma'"), 0);
    assert_int_equal(kf_store_write(f->s, bad_foreign_key, NULL), KF_ECONFLICT);
    assert_int_equal(kf_store_write(f->s, missing_not_null, NULL), KF_EINVAL);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM user_projects"), 0);
    kf_store_stats st;
    kf_store_stats_get(f->s, &st);
    assert_true(st.rollbacks >= 3);
}

static int insert_then_refuse(kf_tx *tx, void *ctx)
{
    int64_t id;
    int rc = insert_project(tx, "epsilon", &id);
    if (rc != KF_OK) return rc;
    return KF_EINVAL; /* e.g. a rule checked after the insert */
}

static void test_fn_error_rolls_back(void **state)
{
    fixture *f = *state;
    kf_store_stats before, after;
    kf_store_stats_get(f->s, &before);
    assert_int_equal(kf_store_write(f->s, insert_then_refuse, NULL), KF_EINVAL);
    kf_store_stats_get(f->s, &after);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects"), 0);
    assert_int_equal(after.rollbacks, before.rollbacks + 1);
    assert_int_equal(after.transactions, before.transactions);
}

/* ---- large and rewriting transactions (the writer gathers its log writes) ---- */

/* ~10 MB in one transaction (past the writer's 4 MB log buffer), with
 * every row then rewritten in the same transaction (frames written again). */
static int big_write(kf_tx *tx, void *ctx)
{
    (void)ctx;
    int rc = kf_tx_exec_script(tx, "CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    char body[4001];
    memset(body, 'x', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    for (int i = 1; i <= 2500 && rc == KF_OK; i++)
        rc = kf_tx_exec(tx, NULL, "INSERT INTO big (id, body) VALUES (?, ?)", "is", (int64_t)i,
                        body);
    if (rc == KF_OK) rc = kf_tx_exec(tx, NULL, "UPDATE big SET body = 'y' || body", NULL);
    return rc;
}

static void test_large_transaction(void **state)
{
    fixture *f = *state;
    assert_int_equal(kf_store_write(f->s, big_write, NULL), KF_OK);
    const char *count = "SELECT COUNT(*) FROM big WHERE body LIKE 'yxxx%' AND length(body) = 4001";
    assert_int_equal(count_where(f->s, count), 2500);
    if (g_cur->backend != KF_BACKEND_SQLITE) return;
    /* read again from the file after a restart: the log as written is whole */
    kf_store_close(f->s);
    char url[600], err[256] = "";
    snprintf(url, sizeof(url), "sqlite:%s", f->path);
    kf_store_opts opts = {.log = &g_log};
    assert_int_equal(kf_store_open(url, &opts, &f->s, err, sizeof(err)), KF_OK);
    assert_int_equal(count_where(f->s, count), 2500);
}

/* ---- the log stays short at a desk's pace ---- */

enum { FILL_ROWS = 1000, FILL_BATCHES = 17 };

/* FILL_ROWS rows of ~4 KB after those of *BATCH: a page of the log each. */
static int fill_pages(kf_tx *tx, void *ctx)
{
    const int *batch = ctx;
    int rc = *batch ? KF_OK
                    : kf_tx_exec_script(tx, "CREATE TABLE fill (id INTEGER PRIMARY KEY,"
                                            " body TEXT NOT NULL)");
    char body[4001];
    memset(body, 'f', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    for (int i = 1; i <= FILL_ROWS && rc == KF_OK; i++)
        rc = kf_tx_exec(tx, NULL, "INSERT INTO fill (id, body) VALUES (?, ?)", "is",
                        (int64_t)(*batch * FILL_ROWS + i), body);
    return rc;
}

static int64_t log_frames(kf_store *s)
{
    kf_store_stats st;
    kf_store_stats_get(s, &st);
    return st.log_frames;
}

/* At a desk's own pace the log starts afresh (a write that begins with all
 * of it copied into the database restarts it) and stays short: it does not
 * grow to the length at which a busy writer restarts it itself. */
static void test_log_stays_short_at_a_desks_pace(void **state)
{
    fixture *f = *state;
    if (g_cur->backend != KF_BACKEND_SQLITE) skip();
    for (int batch = 0; batch < FILL_BATCHES; batch++)
        assert_int_equal(kf_store_write(f->s, fill_pages, &batch), KF_OK);
    /* 17,000 pages written: the log may have started afresh meanwhile, when
     * the checkpointer had copied it all as a write began. It copies once
     * 2,000 frames are new, so after a pause, a write or two more and a
     * pause for it to finish, the log holds about the last write alone. */
    int64_t frames = log_frames(f->s);
    int batches = FILL_BATCHES;
    for (int tries = 0; tries < 3 && (tries == 0 || frames >= 2 * FILL_ROWS); tries++) {
        usleep(700 * 1000);
        assert_int_equal(kf_store_write(f->s, fill_pages, &batches), KF_OK);
        batches++;
        frames = log_frames(f->s);
    }
    if (frames >= 2 * FILL_ROWS) fail_msg("the log still holds %lld frames", (long long)frames);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM fill"), batches * FILL_ROWS);
}

/* ---- work deferred to the commit (kf_tx_defer) ---- */

typedef struct {
    int ran, released, fail;
    int64_t later_seen; /* projects named "later" when the deferred ran */
} deferred_probe;

static int deferred_insert(kf_tx *tx, void *ctx)
{
    deferred_probe *p = ctx;
    p->ran++;
    int rc =
        kf_tx_i64(tx, &p->later_seen, "SELECT COUNT(*) FROM projects WHERE code = 'later'", NULL);
    if (rc != KF_OK) return rc;
    if (p->fail) return KF_EINVAL;
    int64_t id;
    return insert_project(tx, "deferred", &id);
}

static void deferred_release(void *ctx)
{
    ((deferred_probe *)ctx)->released++;
}

static int reset_projects(kf_tx *tx, void *ctx)
{
    (void)ctx;
    return kf_tx_exec(tx, NULL, "DELETE FROM projects", NULL);
}

/* Defers DEFERRED_INSERT, then inserts "later"; fails when the probe's
 * fail is 2 (after deferring). */
static int write_with_deferred(kf_tx *tx, void *ctx)
{
    deferred_probe *p = ctx;
    int rc = kf_tx_defer(tx, deferred_insert, p, deferred_release);
    int64_t id;
    if (rc == KF_OK) rc = insert_project(tx, "later", &id);
    return rc == KF_OK && p->fail == 2 ? KF_EINVAL : rc;
}

static void test_deferred(void **state)
{
    fixture *f = *state;
    /* it runs after the write's own statements, once, and is released */
    deferred_probe ok = {0};
    assert_int_equal(kf_store_write(f->s, write_with_deferred, &ok), KF_OK);
    assert_int_equal(ok.ran, 1);
    assert_int_equal(ok.released, 1);
    assert_int_equal(ok.later_seen, 1);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects WHERE code = 'deferred'"), 1);
    assert_int_equal(kf_store_write(f->s, reset_projects, NULL), KF_OK);
    /* a write that fails after deferring: never run, released, nothing kept */
    deferred_probe undone = {.fail = 2};
    assert_int_equal(kf_store_write(f->s, write_with_deferred, &undone), KF_EINVAL);
    assert_int_equal(undone.ran, 0);
    assert_int_equal(undone.released, 1);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects"), 0);
    /* a deferred that fails undoes the write */
    deferred_probe bad = {.fail = 1};
    assert_int_equal(kf_store_write(f->s, write_with_deferred, &bad), KF_EINVAL);
    assert_int_equal(bad.ran, 1);
    assert_int_equal(bad.released, 1);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects"), 0);
    /* a write that runs alone does not collect: at once, before "later" */
    deferred_probe alone = {0};
    assert_int_equal(kf_store_write_alone(f->s, write_with_deferred, &alone), KF_OK);
    assert_int_equal(alone.ran, 1);
    assert_int_equal(alone.released, 1);
    assert_int_equal(alone.later_seen, 0);
}

/* The first of several deferred works of one kind takes the later ones'
 * (kf_tx_defer_each_later): they then find nothing to do. */
typedef struct {
    int items, ran, visited;
} share_probe;

static void share_take(void *ctx, void *arg)
{
    share_probe *later = ctx, *first = arg;
    first->items += later->items;
    later->items = 0;
    first->visited++;
}

static int share_run(kf_tx *tx, void *ctx)
{
    share_probe *p = ctx;
    p->ran++;
    if (!p->items) return KF_OK;
    kf_tx_defer_each_later(tx, share_run, share_take, p);
    return KF_OK;
}

typedef struct {
    share_probe share[3];
    deferred_probe other;
} sharing;

static int write_sharing(kf_tx *tx, void *ctx)
{
    sharing *s = ctx;
    int rc = kf_tx_defer(tx, share_run, &s->share[0], NULL);
    /* another kind in between is not visited */
    if (rc == KF_OK) rc = kf_tx_defer(tx, deferred_insert, &s->other, NULL);
    for (int i = 1; i < 3 && rc == KF_OK; i++)
        rc = kf_tx_defer(tx, share_run, &s->share[i], NULL);
    return rc;
}

static void test_deferred_shared(void **state)
{
    fixture *f = *state;
    sharing s = {{{1, 0, 0}, {2, 0, 0}, {4, 0, 0}}, {0}};
    share_probe *p = s.share;
    assert_int_equal(kf_store_write(f->s, write_sharing, &s), KF_OK);
    assert_int_equal(s.other.ran, 1);
    assert_int_equal(p[0].items, 7);
    assert_int_equal(p[0].visited, 2);
    assert_int_equal(p[1].items + p[2].items, 0);
    assert_int_equal(p[0].ran + p[1].ran + p[2].ran, 3);
    assert_int_equal(kf_store_write(f->s, reset_projects, NULL), KF_OK);
}

/* Bulk paths pass over a failing part with a savepoint: the part is undone,
 * the rest is kept, and on PostgreSQL the transaction is usable again. */
static int parts_with_a_failure(kf_tx *tx, void *ctx)
{
    (void)ctx;
    static const char *const codes[] = {"p1", "alpha", "p2"}; /* alpha: taken */
    for (int i = 0; i < 3; i++) {
        int64_t id;
        int rc = kf_tx_savepoint(tx);
        if (rc != KF_OK) return rc;
        rc = insert_project(tx, codes[i], &id);
        if (rc == KF_OK) {
            rc = kf_tx_release(tx);
        } else if (rc == KF_ECONFLICT) {
            rc = kf_tx_rollback_to(tx);
            if (rc == KF_OK) rc = kf_tx_release(tx);
        }
        if (rc != KF_OK) return rc;
    }
    return KF_OK;
}

static void test_savepoints(void **state)
{
    fixture *f = *state;
    int64_t ids[2];
    assert_int_equal(kf_store_write(f->s, two_projects, ids), KF_OK);
    assert_int_equal(kf_store_write(f->s, parts_with_a_failure, NULL), KF_OK);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects"), 4);
    /* the same as a job of its own (the path imports take) */
    assert_int_equal(kf_store_write_alone(f->s, insert_then_refuse, NULL), KF_EINVAL);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects WHERE code = 'epsilon'"), 0);
    assert_int_equal(kf_store_write_alone(f->s, two_projects, ids), KF_ECONFLICT);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects"), 4);
}

/* PostgreSQL aborts the whole transaction on a failed statement: later
 * statements fail at once and the write is undone even if fn says KF_OK. */
static int ignore_failure(kf_tx *tx, void *ctx)
{
    int *later_rc = ctx;
    int64_t id;
    int rc = insert_project(tx, "zeta", &id);
    if (rc != KF_OK) return rc;
    insert_project(tx, "alpha", &id); /* conflict, ignored */
    *later_rc = insert_project(tx, "eta", &id);
    return KF_OK;
}

static void test_pg_aborted_tx(void **state)
{
    fixture *f = *state;
    if (g_cur->backend != KF_BACKEND_POSTGRES) skip();
    int64_t ids[2];
    assert_int_equal(kf_store_write(f->s, two_projects, ids), KF_OK);
    int later_rc = 0;
    assert_int_equal(kf_store_write(f->s, ignore_failure, &later_rc), KF_EDB);
    assert_int_equal(later_rc, KF_EDB);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects"), 2);
    /* the connection is fine afterwards */
    assert_int_equal(kf_store_write(f->s, insert_then_refuse, NULL), KF_EINVAL);
}

/* ---- concurrency ---- */

enum { WRITERS = 16, WRITES_EACH = 200 };

typedef struct {
    kf_store *s;
    int thread;
    int failures;
} writer_arg;

typedef struct {
    int thread, n;
} one_write;

static int write_one(kf_tx *tx, void *ctx)
{
    one_write *w = ctx;
    char code[32];
    snprintf(code, sizeof(code), "w%d-%d", w->thread, w->n);
    int64_t id;
    return insert_project(tx, code, &id);
}

static void *writer_main(void *p)
{
    writer_arg *a = p;
    for (int n = 0; n < WRITES_EACH; n++) {
        one_write w = {a->thread, n};
        if (kf_store_write(a->s, write_one, &w) != KF_OK) a->failures++;
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    fixture *f = *state;
    kf_store_stats before, after;
    kf_store_stats_get(f->s, &before);
    pthread_t th[WRITERS];
    writer_arg args[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        args[i] = (writer_arg){.s = f->s, .thread = i};
        assert_int_equal(pthread_create(&th[i], NULL, writer_main, &args[i]), 0);
    }
    int failures = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
        failures += args[i].failures;
    }
    assert_int_equal(failures, 0);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects"), WRITERS * WRITES_EACH);
    kf_store_stats_get(f->s, &after);
    uint64_t txs = after.transactions - before.transactions;
    uint64_t commits = after.commits - before.commits;
    assert_int_equal(txs, WRITERS * WRITES_EACH);
    uint64_t syncs = after.syncs - before.syncs;
    if (g_cur->backend == KF_BACKEND_SQLITE) {
        assert_true(commits < txs); /* group commit batched some */
        /* every commit was made durable by the syncer before it was answered;
         * one sync may cover several commits */
        assert_true(syncs >= 1 && syncs <= commits);
    } else {
        assert_int_equal(commits, txs);
    }
    print_message("[   INFO   ] %s: %d writes in %llu commits, %llu log syncs\n", g_cur->name,
                  WRITERS * WRITES_EACH, (unsigned long long)commits, (unsigned long long)syncs);
}

/* ---- reads ---- */

static int add_one(kf_tx *tx, void *ctx)
{
    int64_t id;
    return insert_project(tx, ctx, &id);
}

static int64_t tx_count(kf_tx *tx)
{
    int64_t n = -1;
    assert_int_equal(kf_tx_i64(tx, &n, "SELECT COUNT(*) FROM projects", NULL), KF_OK);
    return n;
}

static void test_snapshot(void **state)
{
    fixture *f = *state;
    assert_int_equal(kf_store_write(f->s, add_one, "one"), KF_OK);
    kf_tx *tx;
    assert_int_equal(kf_store_read_begin(f->s, &tx), KF_OK);
    assert_int_equal(tx_count(tx), 1);
    assert_int_equal(kf_store_write(f->s, add_one, "two"), KF_OK);
    assert_int_equal(tx_count(tx), 1); /* still the snapshot it started with */
    kf_store_read_end(f->s, tx);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects"), 2);

    /* a read transaction cannot write */
    assert_int_equal(kf_store_read_begin(f->s, &tx), KF_OK);
    int rc = kf_tx_exec(tx, NULL, "DELETE FROM projects", NULL);
    assert_int_not_equal(rc, KF_OK);
    kf_store_read_end(f->s, tx);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects"), 2);
}

/* ---- the audit log is append-only ---- */

typedef struct {
    const char *sql;
    char errmsg[256];
} audit_ctx;

static int audit_insert(kf_tx *tx, void *ctx)
{
    (void)ctx;
    return kf_tx_exec(tx, NULL,
                      "INSERT INTO audit_log (at, entity, entity_id, action, after_json)"
                      " VALUES (?, ?, ?, ?, ?)",
                      "isiss", now_ms, "project", (int64_t)1, "create", "{\"code\":\"漏水\"}");
}

static int audit_change(kf_tx *tx, void *ctx)
{
    audit_ctx *a = ctx;
    int rc = kf_tx_exec(tx, NULL, a->sql, NULL);
    snprintf(a->errmsg, sizeof(a->errmsg), "%s", kf_tx_errmsg(tx));
    return rc;
}

static void test_audit_append_only(void **state)
{
    fixture *f = *state;
    assert_int_equal(kf_store_write(f->s, audit_insert, NULL), KF_OK);
    audit_ctx upd = {.sql = "UPDATE audit_log SET action = 'edited'"};
    assert_int_equal(kf_store_write(f->s, audit_change, &upd), KF_EINVAL);
    assert_non_null(strstr(upd.errmsg, "append-only"));
    audit_ctx del = {.sql = "DELETE FROM audit_log"};
    assert_int_equal(kf_store_write(f->s, audit_change, &del), KF_EINVAL);
    assert_non_null(strstr(del.errmsg, "append-only"));
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM audit_log WHERE action = 'create'"),
                     1);
}

/* ---- postgres only: timeouts and lost connections ---- */

static void test_pg_session(void **state)
{
    (void)state;
    if (g_cur->backend != KF_BACKEND_POSTGRES) skip();
    kf_store_opts opts = {.pool_size = 1, .statement_timeout_ms = 100, .log = &g_log};
    fixture *f = fixture_open(&opts);
    kf_tx *tx;
    int64_t v;
    kf_stmt *st;
    assert_int_equal(kf_store_read_begin(f->s, &tx), KF_OK);
    assert_int_equal(kf_tx_query(tx, &st,
                                 "SELECT current_setting('statement_timeout'),"
                                 " current_setting('TimeZone'), current_setting('client_encoding'),"
                                 " true, false",
                                 NULL),
                     KF_OK);
    assert_int_equal(kf_stmt_step(st), KF_ROW);
    assert_string_equal(kf_stmt_text(st, 0), "100ms");
    assert_string_equal(kf_stmt_text(st, 1), "UTC");
    assert_string_equal(kf_stmt_text(st, 2), "UTF8");
    assert_int_equal(kf_stmt_i64(st, 3), 1); /* booleans read as 1/0 */
    assert_int_equal(kf_stmt_i64(st, 4), 0);
    assert_int_equal(kf_stmt_step(st), KF_DONE);
    assert_int_equal(kf_tx_i64(tx, &v, "SELECT COUNT(*) FROM pg_sleep(1)", NULL), KF_ETIMEOUT);
    assert_int_equal(kf_tx_i64(tx, &v, "SELECT 1", NULL), KF_EDB); /* tx aborted */
    kf_store_read_end(f->s, tx);
    assert_int_equal(kf_store_read_begin(f->s, &tx), KF_OK);
    assert_int_equal(kf_tx_i64(tx, &v, "SELECT 1", NULL), KF_OK);
    assert_int_equal(v, 1);
    kf_store_read_end(f->s, tx);
    fixture_close(f);
}

static int64_t backend_pid(kf_store *s)
{
    kf_tx *tx;
    int64_t pid = 0;
    assert_int_equal(kf_store_read_begin(s, &tx), KF_OK);
    assert_int_equal(kf_tx_i64(tx, &pid, "SELECT pg_backend_pid()", NULL), KF_OK);
    kf_store_read_end(s, tx);
    return pid;
}

static int terminate(kf_tx *tx, void *ctx)
{
    int64_t ok = 0;
    int rc = kf_tx_i64(tx, &ok, "SELECT pg_terminate_backend(?, 5000)", "i", *(int64_t *)ctx);
    return rc == KF_OK && ok ? KF_OK : KF_EDB;
}

/* A connection the server dropped is reconnected on its next use, and its
 * cached statements are prepared again. */
static void test_pg_reconnect(void **state)
{
    (void)state;
    if (g_cur->backend != KF_BACKEND_POSTGRES) skip();
    kf_store_opts opts = {.pool_size = 1, .log = &g_log};
    fixture *victim = fixture_open(&opts);
    fixture *killer = fixture_open(&opts);
    int64_t pid = backend_pid(victim->s);
    assert_int_equal(kf_store_write(killer->s, terminate, &pid), KF_OK);
    int64_t pid2 = backend_pid(victim->s);
    assert_true(pid2 > 0);
    assert_true(pid2 != pid);

    /* killed in the middle of its own transaction */
    kf_tx *tx;
    int64_t v;
    assert_int_equal(kf_store_read_begin(victim->s, &tx), KF_OK);
    assert_int_equal(
        kf_tx_i64(tx, &v, "SELECT COUNT(*) FROM pg_terminate_backend(pg_backend_pid())", NULL),
        KF_EDB);
    kf_store_read_end(victim->s, tx);
    assert_true(backend_pid(victim->s) != pid2);
    fixture_close(killer);
    fixture_close(victim);
}

/* ---- opening ---- */

static void test_open_failures(void **state)
{
    (void)state;
    kf_store *s = NULL;
    char err[256] = "";
    kf_store_opts opts = {.pool_size = 2};

    int rc =
        kf_store_open("postgres://kefu:s3cret-pw@127.0.0.1:1/kefu", &opts, &s, err, sizeof(err));
    assert_int_equal(rc, KF_EDB);
    assert_null(s);
    print_message("[   INFO   ] %s\n", err);
    assert_non_null(strstr(err, "127.0.0.1:1"));
    assert_non_null(strstr(err, "refused"));
    assert_null(strstr(err, "s3cret"));
    assert_null(strchr(err, '\n'));

    if (g_pg.url[0]) { /* the server answers, but refuses */
        char url[600];
        snprintf(url, sizeof(url), "%.*s/no_such_db", (int)(strrchr(g_pg.url, '/') - g_pg.url),
                 g_pg.url);
        assert_int_equal(kf_store_open(url, &opts, &s, err, sizeof(err)), KF_EDB);
        print_message("[   INFO   ] %s\n", err);
        assert_non_null(strstr(err, "\"no_such_db\" does not exist"));
    }

    err[0] = '\0';
    rc = kf_store_open("sqlite:/proc/nope/x.db", &opts, &s, err, sizeof(err));
    assert_int_not_equal(rc, KF_OK);
    assert_null(s);
    print_message("[   INFO   ] %s\n", err);
    assert_non_null(strstr(err, "/proc/nope"));

    char path[600];
    snprintf(path, sizeof(path), "%s/not_a_db_%d.db", g_tmp, (int)getpid());
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is a text file, not a database\n", fp);
    fclose(fp);
    char url[700];
    snprintf(url, sizeof(url), "sqlite:%s", path);
    err[0] = '\0';
    rc = kf_store_open(url, &opts, &s, err, sizeof(err));
    assert_int_equal(rc, KF_EDB);
    assert_null(s);
    print_message("[   INFO   ] %s\n", err);
    assert_non_null(strstr(err, "not a database"));
    unlink(path);

    err[0] = '\0';
    assert_int_equal(kf_store_open("mysql://x", &opts, &s, err, sizeof(err)), KF_EINVAL);
    assert_true(err[0] != '\0');
}

static int aside_insert(kf_tx *tx, void *ctx)
{
    int64_t id;
    (void)ctx;
    return insert_project(tx, "aside", &id);
}

/* Notes the stripe, inserts a row aside, then refuses: the write is undone. */
static int aside_then_refuse(kf_tx *tx, void *ctx)
{
    int *stripe = ctx;
    *stripe = kf_tx_stripe(tx);
    int rc = kf_tx_aside(tx, aside_insert, NULL);
    return rc == KF_OK ? KF_EINVAL : rc;
}

/* PostgreSQL: the aside commits on its own, and a write's stripe is its pool
 * connection's (8 by default); SQLite runs the aside inside the write, undone
 * with it, and has one stripe. */
static void test_aside_and_stripe(void **state)
{
    fixture *f = *state;
    int pg = g_cur->backend == KF_BACKEND_POSTGRES, stripe = -1;
    assert_int_equal(kf_store_write(f->s, aside_then_refuse, &stripe), KF_EINVAL);
    assert_int_equal(count_where(f->s, "SELECT COUNT(*) FROM projects WHERE code = 'aside'"),
                     pg ? 1 : 0);
    assert_true(stripe >= 0 && stripe < (pg ? 8 : 1));
}

/* ---- main ---- */

#define DB_TEST(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest db_tests[] = {
    DB_TEST(test_migrate, setup_empty),
    DB_TEST(test_concurrent_migrate, setup_empty),
    DB_TEST(test_roundtrip, setup_migrated),
    DB_TEST(test_changes, setup_migrated),
    DB_TEST(test_reprepare, setup_migrated),
    DB_TEST(test_sql_buffer_reuse, setup_migrated),
    DB_TEST(test_returning, setup_migrated),
    DB_TEST(test_conflict, setup_migrated),
    DB_TEST(test_fn_error_rolls_back, setup_migrated),
    DB_TEST(test_savepoints, setup_migrated),
    DB_TEST(test_deferred, setup_migrated),
    DB_TEST(test_deferred_shared, setup_migrated),
    DB_TEST(test_large_transaction, setup_migrated),
    DB_TEST(test_log_stays_short_at_a_desks_pace, setup_migrated),
    DB_TEST(test_pg_aborted_tx, setup_migrated),
    DB_TEST(test_concurrent_writers, setup_migrated),
    DB_TEST(test_snapshot, setup_migrated),
    DB_TEST(test_audit_append_only, setup_migrated),
    DB_TEST(test_aside_and_stripe, setup_migrated),
    cmocka_unit_test(test_pg_session),
    cmocka_unit_test(test_pg_reconnect),
};

static const struct CMUnitTest open_tests[] = {
    cmocka_unit_test(test_open_failures),
};

/* Reads the cluster URL; a named file that is missing is an error, not a skip. */
static int load_pg_url(void)
{
    const char *file = getenv("KEFU_TEST_PG_URL_FILE");
    if (!file || !*file) {
        fprintf(stderr, "KEFU_TEST_PG_URL_FILE is not set: PostgreSQL tests skipped\n");
        return 0;
    }
    FILE *fp = fopen(file, "r");
    if (!fp || !fgets(g_pg.url, sizeof(g_pg.url), fp)) {
        fprintf(stderr,
                "KEFU_TEST_PG_URL_FILE=%s cannot be read (%s): start the cluster with"
                " tests/pg/cluster.sh start DIR\n",
                file, fp ? "empty" : strerror(errno));
        if (fp) fclose(fp);
        return -1;
    }
    fclose(fp);
    g_pg.url[strcspn(g_pg.url, "\r\n")] = '\0';
    return 1;
}

int main(void)
{
    const char *tmp = getenv("KEFU_TEST_TMP");
    snprintf(g_tmp, sizeof(g_tmp), "%s", tmp && *tmp ? tmp : "/tmp/kefu-test");
    if (mkdir(g_tmp, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s: %s\n", g_tmp, strerror(errno));
        return 1;
    }
    /* database errors are expected here: log them to a file, not the output */
    char logpath[600];
    snprintf(logpath, sizeof(logpath), "%s/test_store_db.log", g_tmp);
    g_log.fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);

    int pg = load_pg_url();
    if (pg < 0) return 1;
    int failed = cmocka_run_group_tests_name("store open", open_tests, NULL, NULL);
    g_cur = &g_sqlite;
    failed += cmocka_run_group_tests_name("store on sqlite", db_tests, NULL, NULL);
    if (pg) {
        g_cur = &g_pg;
        failed += cmocka_run_group_tests_name("store on postgres", db_tests, NULL, NULL);
    }
    if (g_log.fd >= 0) close(g_log.fd);
    return failed ? 1 : 0;
}
