/* The storage interface: one API over two backends, chosen by URL.
 *
 *   sqlite:PATH            a SQLite file in WAL mode; writes go through one writer
 *                          thread that commits queued transactions in batches
 *                          (group commit) with synchronous=FULL.
 *   postgres://…           PostgreSQL via libpq (also postgresql://…), a pool of
 *                          connections with prepared statements.
 *
 * SQL is the portable subset of both dialects with `?` placeholders (the
 * postgres backend renumbers them). Times are BIGINT ms UTC, money BIGINT fen.
 *
 * Reading: a request takes one read transaction (kf_store_read_begin) and runs
 * all its reads in it: consistent, and cheap because statements are cached.
 *
 * Writing: kf_store_write(s, fn, ctx) runs fn(tx, ctx) inside a write
 * transaction and returns only after the transaction is durably committed (or
 * rolled back). If fn returns anything but KF_OK its changes are undone and
 * that code is returned. fn may run on another thread (the SQLite writer) and
 * in the same commit as other callers' functions, so it must only touch the
 * database through TX and its own CTX, must not block, and must not call
 * kf_store_write or kf_store_read_begin itself. Expensive work (password
 * hashing, file I/O) belongs before the call.
 *
 * A statement that fails inside fn: on SQLite only that statement is undone,
 * on PostgreSQL the whole transaction is lost. So fn returns the first error
 * it meets rather than carrying on; an "insert or else" belongs behind a
 * named per-backend function, not in a retry inside fn.
 *
 * A parameter PostgreSQL cannot type from its context (`? IS NULL`, `? = 0`
 * where the value may not fit int4) needs a CAST: `CAST(? AS TEXT) IS NULL`.
 */
#ifndef KF_STORE_H
#define KF_STORE_H

#include "core/log.h"

#include <stddef.h>
#include <stdint.h>

typedef struct kf_store kf_store;
typedef struct kf_tx kf_tx;
typedef struct kf_stmt kf_stmt;

enum { KF_BACKEND_SQLITE = 1, KF_BACKEND_POSTGRES = 2 };
/* kf_store_url_backend: the backend a database URL names (sqlite:…,
 * postgres://… or postgresql://…), or 0 when it names none. */
int kf_store_url_backend(const char *url);

typedef struct {
    int pool_size;            /* read connections (sqlite) or pool (postgres); 0 = 8 */
    int statement_timeout_ms; /* 0 = 10000; postgres statement_timeout, sqlite busy wait */
    int max_batch;            /* sqlite group commit: most transactions per commit; 0 = 256 */
    const kf_log *log;        /* borrowed; database errors are logged here (may be NULL) */
} kf_store_opts;

/* SQLite: the stages of an acknowledged write's wait, from its caller's
 * kf_store_write to the fdatasync that made it durable: in the writer's
 * queue, in its batch (run and committed with the jobs beside it), and for
 * the log's sync (behind the sync before it, if one was running). */
enum { KF_WAIT_QUEUE, KF_WAIT_BATCH, KF_WAIT_SYNC, KF_WAIT_STAGES };
/* The upper bounds (µs) of the millisecond histograms' 8 buckets (log
 * syncs, a write's waits), which /metrics labels 0.0005 … 0.05 s and +Inf. */
#define KF_MS_BUCKETS_US                                                                           \
    {                                                                                              \
        500, 1000, 2000, 5000, 10000, 20000, 50000, INT64_MAX                                      \
    }

typedef struct {
    uint64_t commits;      /* durable commits (batches) */
    uint64_t transactions; /* write transactions committed inside them */
    uint64_t rollbacks;    /* write transactions undone */
    uint64_t syncs;        /* SQLite: log syncs that made commits durable (one may cover several) */
    uint64_t checkpoints;  /* SQLite: checkpoints run (the log copied into the database) */
    int64_t log_frames;    /* SQLite: frames (pages) in the log after the last commit */
    uint64_t batch_le[8];  /* commits with batch size <= 1,2,4,8,16,32,64,+Inf (cumulative) */
    /* SQLite: log syncs that took <= 0.5,1,2,5,10,20,50 ms,+Inf (cumulative),
     * and their time in all: an acknowledged write waited for one */
    uint64_t sync_le[8];
    uint64_t sync_us;
    /* SQLite: acknowledged writes, and by stage of their wait: how many took
     * <= 0.5,1,2,5,10,20,50 ms,+Inf (cumulative), and the time in all */
    uint64_t waited;
    uint64_t wait_le[KF_WAIT_STAGES][8];
    uint64_t wait_us[KF_WAIT_STAGES];
    /* SQLite: statements SQLite prepared again at their step (see conn_prepare) */
    uint64_t reprepares;
    /* SQLite: the page caches' memory, the writer's and the readers' summed,
     * as each connection was last let go of */
    int64_t writer_cache_bytes, reader_cache_bytes;
} kf_store_stats;

typedef int (*kf_write_fn)(kf_tx *tx, void *ctx);

/* kf_store_open: connects; on failure writes one line naming the cause into ERR
 * and returns KF_EDB (or KF_EINVAL for a URL it does not understand). The
 * caller owns *out and releases it with kf_store_close. Does not migrate. */
int kf_store_open(const char *url, const kf_store_opts *opts, kf_store **out, char *err,
                  size_t errlen);
/* kf_store_close: finishes queued writes, then closes every connection. */
void kf_store_close(kf_store *s);
int kf_store_backend(const kf_store *s);
const char *kf_store_backend_name(const kf_store *s);

/* kf_store_migrate: applies the embedded migrations not yet applied, each in one
 * transaction. *applied (may be NULL) gets how many; *version the newest. */
int kf_store_migrate(kf_store *s, int *applied, int *version, char *err, size_t errlen);

int kf_store_read_begin(kf_store *s, kf_tx **out);
void kf_store_read_end(kf_store *s, kf_tx *tx);
int kf_store_write(kf_store *s, kf_write_fn fn, void *ctx);
/* kf_store_write_alone: kf_store_write for a large job (an import): on SQLite
 * it commits in a batch of its own, outside the per-job savepoint that lets a
 * batch undo one job — inside a savepoint SQLite journals every statement, which
 * made bulk inserts ~18x slower (measured). */
int kf_store_write_alone(kf_store *s, kf_write_fn fn, void *ctx);
/* kf_write_done_fn: told the result of a write handed over by kf_store_submit,
 * on one of the store's threads, maybe under the store's lock: it must be
 * quick and must not call the store. */
typedef void (*kf_write_done_fn)(void *arg, int rc);
/* kf_store_submits: 1 when kf_store_submit hands writes over without waiting
 * (SQLite, whose writer thread runs them); 0 on PostgreSQL, whose writes run
 * on the caller's thread. */
int kf_store_submits(const kf_store *s);
/* kf_store_submit: queues FN(tx, CTX) as kf_store_write does and returns at
 * once; DONE(ARG, rc) is called exactly once, when the write is durable or
 * has failed, with what kf_store_write would have returned. CTX must live
 * until then. Returns KF_OK, or an error and nothing was queued (DONE is not
 * called): KF_EBUSY when the store is stopping, KF_EINVAL when it cannot
 * (kf_store_submits is 0). */
int kf_store_submit(kf_store *s, kf_write_fn fn, void *ctx, kf_write_done_fn done, void *arg);
void kf_store_stats_get(kf_store *s, kf_store_stats *out);
/* kf_store_bulk: bulk-load mode, for filling a fresh database that is thrown
 * away if the load fails (kefu gen). ON: SQLite's writer stops checking
 * foreign keys and stops syncing: a write returns once committed, not once
 * on disk, and a power cut or OS crash meanwhile can corrupt the file. OFF:
 * checks and syncs are back, and everything written is on disk when it
 * returns. No effect on PostgreSQL. Not for a running server. */
int kf_store_bulk(kf_store *s, int on);

/* kf_tx_prepare: the cached statement for SQL, reset and with bindings cleared.
 * SQL should be a string literal: the cache is keyed by its address (and
 * checked by its text). The statement is borrowed from the transaction; do not
 * prepare the same SQL again while still stepping it. */
int kf_tx_prepare(kf_tx *tx, const char *sql, kf_stmt **out);
/* kf_tx_prepare_replanned: as kf_tx_prepare, for a statement whose best plan
 * depends on its values (how common a word is, how wide a range): PostgreSQL
 * plans it again for each execution's values, where a plan made once for any
 * values can walk a whole index. SQLite: kf_tx_prepare. */
int kf_tx_prepare_replanned(kf_tx *tx, const char *sql, kf_stmt **out);
/* kf_tx_exec_script: runs several statements separated by ';' (migrations). */
int kf_tx_exec_script(kf_tx *tx, const char *sql);
/* Savepoints inside a write, for bulk paths that pass over a failing part:
 * kf_tx_savepoint marks, kf_tx_release keeps what came after the mark,
 * kf_tx_rollback_to undoes it (and, on PostgreSQL, makes the transaction
 * usable again after a failed statement). Not nested. */
int kf_tx_savepoint(kf_tx *tx);
int kf_tx_release(kf_tx *tx);
int kf_tx_rollback_to(kf_tx *tx);
/* kf_tx_defer: runs FN(TX, CTX) later in this write: after the statements
 * of the write (and, on SQLite, of the writes committed with it), just
 * before the commit, in the order deferred; then RELEASE(CTX) (may be NULL),
 * also when FN never runs because the write is undone. A failing FN undoes
 * the whole commit. For work that is cheaper done once per commit than once
 * per write (the search index: FTS5 writes out what it holds at every
 * statement of a transaction after it). Outside a write that collects
 * (kf_store_write_alone's, migrations), FN runs at once. */
int kf_tx_defer(kf_tx *tx, kf_write_fn fn, void *ctx, void (*release)(void *));
/* kf_tx_defer_each_later: from inside a deferred FN, calls VISIT(ctx, ARG)
 * for each later deferred work of the same FN in this commit (still to run),
 * so that the first can do the work of all (sums added once per commit); the
 * visited ones then find nothing to do. Nothing outside a deferred run. */
void kf_tx_defer_each_later(kf_tx *tx, kf_write_fn fn, void (*visit)(void *ctx, void *arg),
                            void *arg);
/* kf_tx_stripe: a small number (0 up to the pool's size) that no other write
 * running at the same time has. Sums that every write adds to (queue counts,
 * daily rollups) are kept in rows per stripe and summed on reading, so that
 * concurrent writes on PostgreSQL do not queue for one row's lock, which is
 * held until the commit is on disk. SQLite runs one write at a time: 0. */
int kf_tx_stripe(kf_tx *tx);
/* kf_tx_aside: runs FN(SIDE, CTX) in a short transaction of its own, which
 * commits when FN returns KF_OK whatever becomes of TX: for bookkeeping whose
 * row, locked in TX, would make every concurrent write wait for TX's commit
 * (the round-robin turn). FN must not use TX. The aside commit is not waited
 * for on disk: a durable commit after it (TX's) makes it durable too; a crash
 * before that may lose it. PostgreSQL: one extra connection, one aside at a
 * time; SQLite (one writer at a time): FN runs inside TX, undone with it. */
int kf_tx_aside(kf_tx *tx, kf_write_fn fn, void *ctx);
/* kf_tx_errmsg: the database's message for the last failure (borrowed). */
const char *kf_tx_errmsg(kf_tx *tx);
kf_store *kf_tx_store(kf_tx *tx);
/* kf_tx_is_postgres: TX runs on PostgreSQL (SQL and locking differ there). */
int kf_tx_is_postgres(kf_tx *tx);

/* Parameters are numbered from 1; text is copied. */
void kf_stmt_bind_i64(kf_stmt *st, int idx, int64_t v);
void kf_stmt_bind_text(kf_stmt *st, int idx, const char *v); /* NULL binds SQL NULL */
void kf_stmt_bind_double(kf_stmt *st, int idx, double v);
void kf_stmt_bind_null(kf_stmt *st, int idx);
/* kf_stmt_step: KF_ROW, KF_DONE, or an error: KF_ECONFLICT (unique or foreign
 * key violated), KF_ETIMEOUT, KF_EDB. */
int kf_stmt_step(kf_stmt *st);
/* Columns are numbered from 0; values are valid until the next step. */
int64_t kf_stmt_i64(kf_stmt *st, int col);
double kf_stmt_double(kf_stmt *st, int col);
const char *kf_stmt_text(kf_stmt *st, int col); /* NULL for SQL NULL */
int kf_stmt_isnull(kf_stmt *st, int col);
/* kf_stmt_changes: rows changed by a finished INSERT/UPDATE/DELETE. */
int64_t kf_stmt_changes(kf_stmt *st);

/* Conveniences. TYPES names each argument: 'i' int64_t, 's' const char *
 * (NULL binds NULL), 'd' double, 'n' SQL NULL (takes no argument). */
/* kf_tx_query: prepare and bind; *out is ready to step. */
int kf_tx_query(kf_tx *tx, kf_stmt **out, const char *sql, const char *types, ...);
/* kf_tx_exec: prepare, bind, run to the end; *changes (may be NULL) gets the rows changed. */
int kf_tx_exec(kf_tx *tx, int64_t *changes, const char *sql, const char *types, ...);
/* Inserting a row and learning its id. SQLite knows the rowid of its last
 * insert, where RETURNING makes it build a result table for every statement
 * (intake inserts eight rows that need their id); PostgreSQL needs
 * RETURNING. Prepare KF_INSERT_ID(tx, "INSERT …") — the literal, or the
 * literal with " RETURNING id" — bind it, and step it with
 * kf_stmt_insert_step, which gives the new row's id in *ID. */
#define KF_INSERT_ID(tx, sql) (kf_tx_needs_returning(tx) ? sql " RETURNING id" : sql)
int kf_tx_needs_returning(kf_tx *tx);
int kf_stmt_insert_step(kf_stmt *st, int64_t *id);
/* kf_tx_i64: the first column of the first row (e.g. INSERT … RETURNING id);
 * KF_ENOTFOUND when there is no row. */
int kf_tx_i64(kf_tx *tx, int64_t *out, const char *sql, const char *types, ...);

#endif
