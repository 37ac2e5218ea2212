/* The SQLite backend: one file in WAL mode.
 *
 * Readers: a pool of connections (query_only), one per concurrent request,
 * each with its own cache of prepared statements.
 *
 * Writers: one writer thread group-commits every write, a syncer thread
 * makes each commit durable before it is answered, a checkpointer thread
 * copies the log into the database (sqlite_write.c). */
#include "store/sqlite_int.h"

#include "store/fts_cjk.h"

#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void free_stmt_handle(void *handle)
{
    sq_stmt *s = handle;
    sqlite3_finalize(s->st);
    free(s);
}

void sq_conn_close(sq_conn *c)
{
    if (!c->db) return;
    kf_stmt_cache_free(&c->cache, free_stmt_handle);
    sqlite3_close(c->db);
    c->db = NULL;
}

void sq_note_error(sq_conn *c, const char *what)
{
    snprintf(c->err, sizeof(c->err), "%s", sqlite3_errmsg(c->db));
    kf_logline l;
    kf_log_begin(&l, c->log, KF_LOG_ERROR, "sqlite error");
    kf_log_str(&l, "op", what);
    kf_log_str(&l, "error", c->err);
    kf_log_end(&l);
}

static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            return KF_ECONFLICT;
        default:
            return KF_EINVAL;
        }
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return KF_ETIMEOUT;
    default:
        return KF_EDB;
    }
}

int sq_conn_open(sq_conn *c, const char *path, int timeout_ms, int reader, const kf_log *log,
                 char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->log = log;
    c->tx.conn = c;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    /* the writer gathers each commit's log writes into one (sqlite_walbuf.c);
     * readers read the database through a mapping that outlives commits
     * (sqlite_readmap.c) */
    const char *vfs = reader ? (sq_readmap_register() == SQLITE_OK ? SQ_READMAP_VFS : NULL)
                             : (sq_walbuf_register() == SQLITE_OK ? SQ_WALBUF_VFS : NULL);
    int rc = sqlite3_open_v2(path, &c->db, flags, vfs);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open SQLite database %s: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sqlite3_close(c->db);
        c->db = NULL;
        return KF_EDB;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, timeout_ms);
    /* The writer gets a large page cache (filled only as used): a long
     * transaction (an import) that overflows the cache spills pages into the
     * WAL again and again, and every later page read then searches that
     * growing WAL index — measured: a 100,000-row import slowed from seconds
     * to minutes. */
    char pragmas[256];
    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
             " PRAGMA temp_store=MEMORY;%s",
             reader ? " PRAGMA query_only=1; PRAGMA mmap_size=1099511627776;"
                    : " PRAGMA cache_size=-262144;");
    char *msg = NULL;
    rc = sqlite3_exec(c->db, pragmas, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot use SQLite database %s: %s", path,
                 msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sqlite3_close(c->db);
        c->db = NULL;
        return KF_EDB;
    }
    /* ticket search (FTS5) splits Chinese into character pairs with our
     * tokenizer, which every connection must know before it meets the table */
    rc = kf_cjk_register_fts5(c->db);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen,
                 "cannot use SQLite database %s: no FTS5 for the search tokenizer (%s)", path,
                 sqlite3_errstr(rc));
        sqlite3_close(c->db);
        c->db = NULL;
        return KF_EDB;
    }
    kf_stmt_cache_init(&c->cache);
    return KF_OK;
}

void sq_conn_note_cache(sq_conn *c)
{
    int bytes = 0, high = 0;
    if (sqlite3_db_status(c->db, SQLITE_DBSTATUS_CACHE_USED, &bytes, &high, 0) == SQLITE_OK)
        atomic_store_explicit(&c->cache_bytes, bytes, memory_order_relaxed);
}

/* Finishes every statement used in the transaction so locks and snapshots go. */
void sq_conn_reset_dirty(sq_conn *c)
{
    for (sq_stmt *s = c->dirty; s; s = s->next_dirty) {
        sqlite3_reset(s->st);
        sqlite3_clear_bindings(s->st);
        s->dirty = 0;
    }
    c->dirty = NULL;
}

static int conn_prepare(sq_conn *c, const char *sql, sq_stmt **out)
{
    sq_stmt *s = kf_stmt_cache_get(&c->cache, sql);
    if (!s) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK) {
            sq_note_error(c, "prepare");
            return map_rc(rc);
        }
        s = kf_calloc(1, sizeof(*s));
        s->base.ops = &kf_store_sqlite_ops;
        s->st = st;
        s->conn = c;
        sq_stmt *replaced = kf_stmt_cache_put(&c->cache, sql, s);
        if (replaced) {
            /* the same buffer now holds other SQL, maybe within this tx */
            for (sq_stmt **p = &c->dirty; *p; p = &(*p)->next_dirty)
                if (*p == replaced) {
                    *p = replaced->next_dirty;
                    break;
                }
            free_stmt_handle(replaced);
        }
    }
    if (s->dirty) {
        sqlite3_reset(s->st);
        sqlite3_clear_bindings(s->st);
    } else {
        s->dirty = 1;
        s->next_dirty = c->dirty;
        c->dirty = s;
    }
    s->changes = 0;
    /* SQLite prepares a statement again at its step after a schema change,
     * or each time a new value is bound to a parameter its plan depends on
     * (one compared with a column of a partial index's condition): as dear
     * as a parse, and invisible. Counted when the statement is next used. */
    int again = sqlite3_stmt_status(s->st, SQLITE_STMTSTATUS_REPREPARE, 0);
    if (again != s->reprepares) {
        atomic_fetch_add_explicit(&c->reprepares, (uint64_t)(again - s->reprepares),
                                  memory_order_relaxed);
        s->reprepares = again;
    }
    *out = s;
    return KF_OK;
}

/* Runs a statement without results (BEGIN, COMMIT, savepoints), cached. */
int sq_conn_simple(sq_conn *c, const char *sql)
{
    sq_stmt *s;
    int rc = conn_prepare(c, sql, &s);
    if (rc != KF_OK) return rc;
    rc = sqlite3_step(s->st);
    sqlite3_reset(s->st);
    if (rc != SQLITE_DONE) {
        sq_note_error(c, sql);
        return map_rc(rc);
    }
    return KF_OK;
}

/* ---- reads ---- */

static int sq_read_begin(kf_store *base, kf_tx **out)
{
    sq_store *s = (sq_store *)base;
    pthread_mutex_lock(&s->readers_mu);
    while (!s->free_readers)
        pthread_cond_wait(&s->reader_free, &s->readers_mu);
    sq_conn *c = s->free_readers;
    s->free_readers = c->next_free;
    pthread_mutex_unlock(&s->readers_mu);
    c->tx.base.store = base;
    int rc = sq_conn_simple(c, "BEGIN");
    if (rc != KF_OK) {
        pthread_mutex_lock(&s->readers_mu);
        c->next_free = s->free_readers;
        s->free_readers = c;
        pthread_cond_signal(&s->reader_free);
        pthread_mutex_unlock(&s->readers_mu);
        return rc;
    }
    *out = &c->tx.base;
    return KF_OK;
}

static void sq_read_end(kf_store *base, kf_tx *tx)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = ((sq_tx *)tx)->conn;
    sq_conn_reset_dirty(c);
    if (!sqlite3_get_autocommit(c->db)) sq_conn_simple(c, "COMMIT");
    sq_conn_reset_dirty(c);
    sq_conn_note_cache(c);
    pthread_mutex_lock(&s->readers_mu);
    c->next_free = s->free_readers;
    s->free_readers = c;
    pthread_cond_signal(&s->reader_free);
    pthread_mutex_unlock(&s->readers_mu);
}

static void sq_stats(kf_store *base, kf_store_stats *out)
{
    sq_store *s = (sq_store *)base;
    pthread_mutex_lock(&s->queue_mu);
    *out = s->stats;
    out->log_frames = s->log_frames;
    pthread_mutex_unlock(&s->queue_mu);
    out->reprepares = atomic_load_explicit(&s->writer.reprepares, memory_order_relaxed) +
                      atomic_load_explicit(&s->checkpointer.reprepares, memory_order_relaxed);
    out->writer_cache_bytes = atomic_load_explicit(&s->writer.cache_bytes, memory_order_relaxed);
    for (int i = 0; i < s->nreaders; i++) {
        out->reprepares += atomic_load_explicit(&s->readers[i].reprepares, memory_order_relaxed);
        out->reader_cache_bytes +=
            atomic_load_explicit(&s->readers[i].cache_bytes, memory_order_relaxed);
    }
}

/* ---- open and close ---- */

static void sq_close(kf_store *base)
{
    sq_store *s = (sq_store *)base;
    sq_writes_stop(s);
    for (int i = 0; i < s->nreaders; i++)
        sq_conn_close(&s->readers[i]);
    sq_conn_close(&s->writer);
    free(s->readers);
    pthread_mutex_destroy(&s->readers_mu);
    pthread_cond_destroy(&s->reader_free);
    pthread_mutex_destroy(&s->queue_mu);
    pthread_cond_destroy(&s->queue_nonempty);
    pthread_cond_destroy(&s->sync_needed);
    pthread_cond_destroy(&s->checkpoint_needed);
    free(s);
}

/* The data directory is made on first start, private to the service user. */
static int ensure_parent_dir(const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return KF_OK;
    char dir[4096];
    if ((size_t)(slash - path) >= sizeof(dir)) {
        snprintf(err, errlen, "database path too long");
        return KF_EINVAL;
    }
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    struct stat st;
    if (stat(dir, &st) == 0) return KF_OK;
    /* like mkdir -p: each missing level in turn */
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p) continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create directory %s for the database: %s", dir,
                     strerror(errno));
            return KF_EIO;
        }
        *p = saved;
        if (!saved) break;
    }
    return KF_OK;
}

/* SQLite counts every allocation under one process-wide mutex unless told
 * not to; with the writer and every reader allocating at once that mutex cost
 * a tenth of the writer's time. Must run before SQLite initialises, hence
 * once, before the first connection. */
static void configure_library(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sq_open(const char *path, const kf_store_opts *opts, kf_store **out, char *err,
                   size_t errlen)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, configure_library);
    int rc = ensure_parent_dir(path, err, errlen);
    if (rc != KF_OK) return rc;
    sq_store *s = kf_calloc(1, sizeof(*s));
    s->base.ops = &kf_store_sqlite_ops;
    s->base.log = opts->log;
    s->max_batch = opts->max_batch > 0 ? opts->max_batch : 256;
    int timeout = opts->statement_timeout_ms > 0 ? opts->statement_timeout_ms : 10000;
    pthread_mutex_init(&s->readers_mu, NULL);
    pthread_cond_init(&s->reader_free, NULL);
    pthread_mutex_init(&s->queue_mu, NULL);
    pthread_cond_init(&s->queue_nonempty, NULL);
    pthread_cond_init(&s->sync_needed, NULL);
    pthread_cond_init(&s->checkpoint_needed, NULL);
    s->wal_fd = -1;

    /* The writer opens first: it creates the file and switches it to WAL. */
    rc = sq_conn_open(&s->writer, path, timeout, 0, opts->log, err, errlen);
    if (rc != KF_OK) goto fail;
    s->writer.tx.base.store = &s->base;
    s->nreaders = opts->pool_size > 0 ? opts->pool_size : 8;
    s->readers = kf_calloc((size_t)s->nreaders, sizeof(*s->readers));
    for (int i = 0; i < s->nreaders; i++) {
        rc = sq_conn_open(&s->readers[i], path, timeout, 1, opts->log, err, errlen);
        if (rc != KF_OK) goto fail;
        s->readers[i].next_free = s->free_readers;
        s->free_readers = &s->readers[i];
    }
    if ((rc = sq_writes_start(s, path, timeout, err, errlen)) != KF_OK) goto fail;
    *out = &s->base;
    return KF_OK;
fail:
    sq_close(&s->base);
    return rc;
}

/* ---- statements ---- */

static int sq_prepare(kf_tx *tx, const char *sql, kf_stmt **out)
{
    sq_stmt *s;
    int rc = conn_prepare(((sq_tx *)tx)->conn, sql, &s);
    if (rc == KF_OK) *out = &s->base;
    return rc;
}

static int sq_exec_script(kf_tx *tx, const char *sql)
{
    sq_conn *c = ((sq_tx *)tx)->conn;
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(c->err, sizeof(c->err), "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return map_rc(rc);
    }
    return KF_OK;
}

static int sq_savepoint(kf_tx *tx, int op)
{
    static const char *const sql[] = {"SAVEPOINT kf_part", "RELEASE kf_part",
                                      "ROLLBACK TO kf_part"};
    return sq_conn_simple(((sq_tx *)tx)->conn, sql[op]);
}

static int sq_migration_lock(kf_tx *tx)
{
    (void)tx; /* BEGIN IMMEDIATE already holds the only write lock */
    return KF_OK;
}

static const char *sq_errmsg(kf_tx *tx)
{
    return ((sq_tx *)tx)->conn->err;
}

static void sq_bind_i64(kf_stmt *st, int idx, int64_t v)
{
    sqlite3_bind_int64(((sq_stmt *)st)->st, idx, v);
}

static void sq_bind_text(kf_stmt *st, int idx, const char *v)
{
    sqlite3_bind_text(((sq_stmt *)st)->st, idx, v, -1, SQLITE_TRANSIENT);
}

static void sq_bind_double(kf_stmt *st, int idx, double v)
{
    sqlite3_bind_double(((sq_stmt *)st)->st, idx, v);
}

static void sq_bind_null(kf_stmt *st, int idx)
{
    sqlite3_bind_null(((sq_stmt *)st)->st, idx);
}

static int sq_step(kf_stmt *st)
{
    sq_stmt *s = (sq_stmt *)st;
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW) return KF_ROW;
    if (rc == SQLITE_DONE) {
        s->changes = sqlite3_changes64(s->conn->db);
        return KF_DONE;
    }
    sq_note_error(s->conn, sqlite3_sql(s->st));
    return map_rc(rc);
}

static int64_t sq_col_i64(kf_stmt *st, int col)
{
    return sqlite3_column_int64(((sq_stmt *)st)->st, col);
}

static double sq_col_double(kf_stmt *st, int col)
{
    return sqlite3_column_double(((sq_stmt *)st)->st, col);
}

static const char *sq_col_text(kf_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(((sq_stmt *)st)->st, col);
}

static int sq_col_isnull(kf_stmt *st, int col)
{
    return sqlite3_column_type(((sq_stmt *)st)->st, col) == SQLITE_NULL;
}

static int64_t sq_changes(kf_stmt *st)
{
    return ((sq_stmt *)st)->changes;
}

static int64_t sq_inserted_id(kf_stmt *st)
{
    return sqlite3_last_insert_rowid(((sq_stmt *)st)->conn->db);
}

const kf_store_ops kf_store_sqlite_ops = {
    .name = "sqlite",
    .backend = KF_BACKEND_SQLITE,
    .open = sq_open,
    .close = sq_close,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
    .write = sq_write,
    .submit = sq_submit,
    .stats = sq_stats,
    .bulk = sq_bulk,
    .migration_lock = sq_migration_lock,
    .exec_script = sq_exec_script,
    .savepoint = sq_savepoint,
    .errmsg = sq_errmsg,
    .prepare = sq_prepare,
    .bind_i64 = sq_bind_i64,
    .bind_text = sq_bind_text,
    .bind_double = sq_bind_double,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_i64 = sq_col_i64,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_isnull = sq_col_isnull,
    .changes = sq_changes,
    .inserted_id = sq_inserted_id,
};
