/* The writer's VFS (src/store/sqlite_walbuf.c), which gathers a commit's WAL
 * frames: whatever SQLite writes through it, another connection (the
 * default VFS, as the server's readers) and a reopened database read
 * exactly what was committed — plain commits, a transaction that spills
 * pages and then changes them again (SQLite then rewrites frame headers
 * alone to fix their checksums), and a log that starts afresh. */
#include "store/sqlite_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

static char g_path[512];

static sqlite3 *open_db(const char *vfs)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    assert_int_equal(sqlite3_open_v2(g_path, &db, flags, vfs), SQLITE_OK);
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static long long scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("KEFU_TEST_TMP");
    snprintf(g_path, sizeof(g_path), "%s/walbuf_%d.db", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    char p[600];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", g_path, suffix[i]);
        unlink(p);
    }
    return sq_walbuf_register() == SQLITE_OK ? 0 : -1;
}

/* The sum of the rows as the writer, a reader and a reopened database see them. */
static void check_everywhere(sqlite3 *writer, const char *sql, long long want)
{
    assert_int_equal(scalar(writer, sql), want);
    sqlite3 *reader = open_db(NULL);
    assert_int_equal(scalar(reader, sql), want);
    sqlite3_close(reader);
}

static void test_commits_are_read_by_others(void **state)
{
    (void)state;
    sqlite3 *w = open_db(SQ_WALBUF_VFS);
    exec(w, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, pad BLOB)");
    sqlite3 *reader = open_db(NULL); /* open across the commits, as the server's are */
    for (int i = 1; i <= 200; i++) {
        char sql[200];
        snprintf(sql, sizeof(sql), "INSERT INTO t (n, pad) VALUES (%d, zeroblob(300))", i);
        exec(w, sql);
        /* every commit is visible to the other connection at once */
        assert_int_equal(scalar(reader, "SELECT COALESCE(SUM(n), 0) FROM t"),
                         (long long)i * (i + 1) / 2);
    }
    sqlite3_close(reader);
    /* a log that starts afresh after a checkpoint, then more commits */
    exec(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    exec(w, "UPDATE t SET n = n + 1");
    check_everywhere(w, "SELECT SUM(n) FROM t", 20100 + 200);
    sqlite3_close(w);
    sqlite3 *again = open_db(NULL);
    assert_int_equal(scalar(again, "SELECT SUM(n) FROM t"), 20300);
    sqlite3_close(again);
}

static void test_spilled_pages_changed_again(void **state)
{
    (void)state;
    sqlite3 *w = open_db(SQ_WALBUF_VFS);
    /* a tiny cache makes the transaction spill its pages to the log, and the
     * second UPDATE changes them again: SQLite overwrites those frames and
     * rewrites the checksums of the frames after them at the commit */
    exec(w, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=10;"
            " CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, pad BLOB)");
    exec(w, "BEGIN; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000)"
            " INSERT INTO t (n, pad) SELECT x, zeroblob(1000) FROM c;"
            " UPDATE t SET n = n * 2; UPDATE t SET n = n + 1 WHERE id % 7 = 0; COMMIT");
    long long want = 3000LL * 3001 + 428; /* 2 × Σ 1..3000, plus one for each of 428 sevenths */
    check_everywhere(w, "SELECT SUM(n) FROM t", want);
    sqlite3_close(w);
    sqlite3 *again = open_db(NULL);
    assert_int_equal(scalar(again, "SELECT SUM(n) FROM t"), want);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(again, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_commits_are_read_by_others, setup),
        cmocka_unit_test_setup(test_spilled_pages_changed_again, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
