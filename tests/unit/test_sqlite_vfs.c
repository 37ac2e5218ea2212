/* The backend's two VFS shims.
 *
 * The writer's (src/store/sqlite_walbuf.c), which gathers a commit's WAL
 * frames: whatever SQLite writes through it, another connection (the
 * default VFS, as the server's readers) and a reopened database read
 * exactly what was committed — plain commits, a transaction that spills
 * pages and then changes them again (SQLite then rewrites frame headers
 * alone to fix their checksums), and a log that starts afresh.
 *
 * The readers' (src/store/sqlite_readmap.c), which reads database pages
 * through one mapping that outlives commits: readers open across hundreds of
 * another connection's commits, checkpoints and a growing file read exactly
 * what was committed; two readers of one file share a mapping; a file shrunk
 * under them by another program (VACUUM) gives the new data, never a crash;
 * and readers opening and closing leave the process's locks on the file. */
#include "store/sqlite_int.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static char g_path[512];

static sqlite3 *open_db(const char *vfs, int mapped)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    assert_int_equal(sqlite3_open_v2(g_path, &db, flags, vfs), SQLITE_OK);
    if (mapped)
        assert_int_equal(sqlite3_exec(db, "PRAGMA mmap_size=1099511627776", NULL, NULL, NULL),
                         SQLITE_OK);
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

/* The one value SQL yields on DB, or fails the test. */
static long long scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static long long file_size(void)
{
    struct stat st;
    assert_int_equal(stat(g_path, &st), 0);
    return (long long)st.st_size;
}

/* Whether this process maps the database file: the readers' pages come
 * from the mapping, not from pread. */
static int file_is_mapped(void)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    assert_non_null(maps);
    char line[1024];
    int found = 0;
    while (!found && fgets(line, sizeof(line), maps)) {
        line[strcspn(line, "\n")] = '\0';
        size_t n = strlen(line), k = strlen(g_path);
        found = n >= k && strcmp(line + n - k, g_path) == 0;
    }
    fclose(maps);
    return found;
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("KEFU_TEST_TMP");
    snprintf(g_path, sizeof(g_path), "%s/vfs_%d.db", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    char p[600];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", g_path, suffix[i]);
        unlink(p);
    }
    return sq_walbuf_register() == SQLITE_OK && sq_readmap_register() == SQLITE_OK ? 0 : -1;
}

/* The sum of the rows as the writer, a reader and a reopened database see them. */
static void check_everywhere(sqlite3 *writer, const char *sql, long long want)
{
    assert_int_equal(scalar(writer, sql), want);
    sqlite3 *reader = open_db(NULL, 0);
    assert_int_equal(scalar(reader, sql), want);
    sqlite3_close(reader);
}

static void test_commits_are_read_by_others(void **state)
{
    (void)state;
    sqlite3 *w = open_db(SQ_WALBUF_VFS, 0);
    exec(w, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, pad BLOB)");
    sqlite3 *reader = open_db(NULL, 0); /* open across the commits, as the server's are */
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
    sqlite3 *again = open_db(NULL, 0);
    assert_int_equal(scalar(again, "SELECT SUM(n) FROM t"), 20300);
    sqlite3_close(again);
}

static void test_spilled_pages_changed_again(void **state)
{
    (void)state;
    sqlite3 *w = open_db(SQ_WALBUF_VFS, 0);
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
    sqlite3 *again = open_db(NULL, 0);
    assert_int_equal(scalar(again, "SELECT SUM(n) FROM t"), want);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(again, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(again);
}

/* ---- the readers' mapping ---- */

static void test_readers_see_every_commit(void **state)
{
    (void)state;
    sqlite3 *w = open_db(NULL, 0);
    exec(w, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, pad BLOB);"
            " CREATE INDEX t_n ON t (n)");
    /* open before the data exists, as the server's are, so the file grows
     * past what was mapped at first */
    sqlite3 *a = open_db(SQ_READMAP_VFS, 1), *b = open_db(SQ_READMAP_VFS, 1);
    long long sum = 0;
    for (int i = 1; i <= 600; i++) {
        char sql[200];
        snprintf(sql, sizeof(sql), "INSERT INTO t (n, pad) VALUES (%d, randomblob(900))", i);
        exec(w, sql);
        sum += i;
        if (i % 50 == 0) exec(w, "PRAGMA wal_checkpoint(PASSIVE)"); /* pages move to the file */
        if (i % 100 == 0) exec(w, "UPDATE t SET n = n + 1 WHERE id % 3 = 0");
        if (i % 100 == 0) sum += i / 3;
        /* a table walk and an index walk, through pages in the file and in the log */
        assert_int_equal(scalar(a, "SELECT SUM(n) FROM t"), sum);
        assert_int_equal(scalar(b, "SELECT SUM(n) FROM t INDEXED BY t_n WHERE n > 0"), sum);
    }
    exec(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    assert_true(file_size() > 600 * 900);
    assert_true(file_is_mapped());
    assert_int_equal(scalar(a, "SELECT SUM(n) FROM t"), sum);
    assert_int_equal(scalar(b, "SELECT COUNT(*) FROM t WHERE n > 0"), 600);
    sqlite3_close(a);
    assert_true(file_is_mapped()); /* B still reads through it */
    sqlite3_close(b);
    assert_false(file_is_mapped()); /* the last reader took it away */
    sqlite3_close(w);
}

static void test_file_shrunk_by_another(void **state)
{
    (void)state;
    sqlite3 *w = open_db(NULL, 0);
    exec(w, "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB);"
            " WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000)"
            " INSERT INTO t (pad) SELECT randomblob(1000) FROM c;"
            " PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3 *r = open_db(SQ_READMAP_VFS, 1);
    assert_int_equal(scalar(r, "SELECT COUNT(*) FROM t WHERE length(pad) = 1000"), 2000);
    long long before = file_size();
    exec(w, "DELETE FROM t WHERE id > 10; VACUUM; PRAGMA wal_checkpoint(TRUNCATE)");
    assert_true(file_size() < before / 10);
    /* the reader maps no page past the new end: it reads the new data */
    assert_int_equal(scalar(r, "SELECT COUNT(*) FROM t WHERE length(pad) = 1000"), 10);
    exec(w, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500)"
            " INSERT INTO t (pad) SELECT randomblob(1000) FROM c; PRAGMA wal_checkpoint(TRUNCATE)");
    assert_int_equal(scalar(r, "SELECT COUNT(*) FROM t WHERE length(pad) = 1000"), 510);
    sqlite3_close(r);
    sqlite3_close(w);
}

/* In a child process, as another program would see it: T's row count, and
 * whether this process holds its shared lock on the file (SQLite's bytes at
 * 1 GB + 2; a WAL connection holds it for as long as it is open). */
static void seen_by_another_program(long long *rows, int *locked)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t parent = getpid(), pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        long long out[2] = {-1, 0};
        int fd = open(g_path, O_RDWR);
        struct flock fl = {
            .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0x40000002, .l_len = 510};
        if (fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0)
            out[1] = fl.l_type == F_RDLCK && fl.l_pid == parent;
        if (fd >= 0) close(fd);
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        if (sqlite3_open_v2(g_path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM t", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            out[0] = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db); /* the last connection, were our locks gone: it deletes the log */
        _exit(write(fds[1], out, sizeof(out)) == sizeof(out) ? 0 : 1);
    }
    close(fds[1]);
    long long in[2] = {-2, 0};
    assert_int_equal(read(fds[0], in, sizeof(in)), (ssize_t)sizeof(in));
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    *rows = in[0];
    *locked = (int)in[1];
}

static void assert_seen(long long want_rows)
{
    long long rows;
    int locked;
    seen_by_another_program(&rows, &locked);
    assert_true(locked);
    assert_int_equal(rows, want_rows);
}

/* Readers opening and closing keep this process's locks on the file: a
 * descriptor of it closed here would drop them all, another program would
 * then delete the log while the writer still writes to it. */
static void test_other_programs_still_see_the_log(void **state)
{
    (void)state;
    sqlite3 *w = open_db(NULL, 0);
    exec(w, "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY);"
            " INSERT INTO t DEFAULT VALUES");
    sqlite3 *a = open_db(SQ_READMAP_VFS, 1), *b = open_db(SQ_READMAP_VFS, 1);
    assert_int_equal(scalar(a, "SELECT COUNT(*) FROM t"), 1);
    assert_int_equal(scalar(b, "SELECT COUNT(*) FROM t"), 1);
    sqlite3_close(b);
    assert_seen(1);
    exec(w, "INSERT INTO t DEFAULT VALUES");
    sqlite3_close(a);
    exec(w, "INSERT INTO t DEFAULT VALUES");
    assert_seen(3);
    exec(w, "INSERT INTO t DEFAULT VALUES");
    assert_seen(4);
    sqlite3_close(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_commits_are_read_by_others, setup),
        cmocka_unit_test_setup(test_spilled_pages_changed_again, setup),
        cmocka_unit_test_setup(test_readers_see_every_commit, setup),
        cmocka_unit_test_setup(test_file_shrunk_by_another, setup),
        cmocka_unit_test_setup(test_other_programs_still_see_the_log, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
