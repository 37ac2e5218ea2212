/* Inside the SQLite backend: its connections and store, shared by sqlite.c
 * (connections, reads, statements, open and close) and sqlite_write.c (the
 * writer, syncer and checkpointer threads). */
#ifndef KF_SQLITE_INT_H
#define KF_SQLITE_INT_H

#include "store/stmt_cache.h"
#include "store/store_int.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sqlite3.h>

/* sqlite_walbuf.c: the writer's VFS, which writes a commit's WAL frames
 * with one pwrite. sq_walbuf_register registers it (once per process) and
 * returns SQLITE_OK when it can be used. */
#define SQ_WALBUF_VFS "kefu-walbuf"
int sq_walbuf_register(void);

/* sqlite_readmap.c: the readers' VFS, which reads database pages through one
 * mapping of the file that outlives every change. sq_readmap_register
 * registers it (once per process) and returns SQLITE_OK when it can be used. */
#define SQ_READMAP_VFS "kefu-readmap"
int sq_readmap_register(void);

/* sqlite_shim.c: a shim's file starts with sq_shim_file; REAL is the
 * default VFS's file, which every sq_shim_* method calls. */
typedef struct {
    sqlite3_file base; /* the shim's methods */
    sqlite3_file *real;
} sq_shim_file;

/* Opens NAME with the default VFS REAL into STORAGE (REAL->szOsFile bytes)
 * and points F at it. A file that cannot memory-map (io methods before
 * version 3) is closed and refused. */
int sq_shim_open(sqlite3_vfs *real, const char *name, sq_shim_file *f, sqlite3_file *storage,
                 int flags, int *out_flags);
/* Makes VFS a copy of the default VFS (*REAL) named NAME, whose files are
 * EXTRA bytes larger and opened by OPEN, and registers it. Every other method
 * is the default VFS's own, with its own pAppData. Once per process: SQLite's
 * registry of names is process-wide. */
int sq_shim_vfs_register(sqlite3_vfs *vfs, sqlite3_vfs **real, const char *name, int extra,
                         int (*open)(sqlite3_vfs *, const char *, sqlite3_file *, int, int *));
int sq_shim_close(sqlite3_file *f);
int sq_shim_read(sqlite3_file *f, void *out, int amt, sqlite3_int64 off);
int sq_shim_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off);
int sq_shim_truncate(sqlite3_file *f, sqlite3_int64 size);
int sq_shim_sync(sqlite3_file *f, int flags);
int sq_shim_file_size(sqlite3_file *f, sqlite3_int64 *size);
int sq_shim_lock(sqlite3_file *f, int l);
int sq_shim_unlock(sqlite3_file *f, int l);
int sq_shim_check_reserved(sqlite3_file *f, int *out);
int sq_shim_file_control(sqlite3_file *f, int op, void *arg);
int sq_shim_sector_size(sqlite3_file *f);
int sq_shim_device_characteristics(sqlite3_file *f);
int sq_shim_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **out);
int sq_shim_shm_lock(sqlite3_file *f, int offset, int n, int flags);
void sq_shim_shm_barrier(sqlite3_file *f);
int sq_shim_shm_unmap(sqlite3_file *f, int del);
int sq_shim_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **out);
int sq_shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p);

typedef struct sq_conn sq_conn;
typedef struct sq_stmt sq_stmt;

struct sq_stmt {
    kf_stmt base;
    sqlite3_stmt *st;
    sq_conn *conn;
    sq_stmt *next_dirty; /* on the connection's list of statements used in this tx */
    int dirty;
    int64_t changes;
    int reprepares; /* SQLite's count of its own re-preparations, when last seen */
};

typedef struct {
    kf_tx base;
    sq_conn *conn;
} sq_tx;

struct sq_conn {
    sqlite3 *db;
    kf_stmt_cache cache; /* sql → sq_stmt */
    sq_stmt *dirty;
    sq_tx tx; /* a connection runs one transaction at a time */
    const kf_log *log;
    char err[256];
    sq_conn *next_free;
    /* statements SQLite prepared again at their step: read by the stats */
    _Atomic uint64_t reprepares;
    /* its page cache's size when last let go of: read by the stats */
    _Atomic int64_t cache_bytes;
};

typedef struct write_job write_job;
struct write_job {
    kf_write_fn fn;
    void *ctx;
    int rc;
    int alone; /* runs in a batch of its own, without a savepoint */
    /* posted once RC is final. A semaphore, not a condition on queue_mu: a
     * commit wakes dozens of callers at once, and each then had to take
     * queue_mu again behind the syncer, the writer and one another */
    sem_t done;
    /* or, for a job submitted (kf_store_submit), told its result; the job
     * is then the store's (malloc'd) and freed once told */
    kf_write_done_fn told;
    void *told_arg;
    /* when it was queued, its batch began, and its batch committed
     * (kf_monotonic_us), for kf_store_note_wait */
    int64_t queued_us, started_us, committed_us;
    write_job *next;
};

typedef struct {
    kf_store base;
    int max_batch;
    sq_conn *readers;
    int nreaders;
    sq_conn *free_readers;
    pthread_mutex_t readers_mu;
    pthread_cond_t reader_free;

    sq_conn writer;
    pthread_t writer_thread;
    int writer_started;
    pthread_mutex_t queue_mu;
    pthread_cond_t queue_nonempty;
    write_job *head, *tail;
    int stopping;
    kf_store_stats stats; /* under queue_mu */

    /* the syncer (all under queue_mu but wal_fd) */
    int wal_fd; /* the log, for fdatasync; -1: the writer syncs at COMMIT itself */
    pthread_t syncer_thread;
    int syncer_started;
    pthread_cond_t sync_needed;
    write_job *unsynced_head, *unsynced_tail; /* committed, not yet on disk */
    int syncer_stopping;
    int sync_failed; /* the disk refused a sync: nothing more is acknowledged */
    int bulk;        /* kf_store_bulk: commits are acknowledged unsynced */

    /* the checkpointer (under queue_mu but its connection) */
    sq_conn checkpointer;
    pthread_t checkpointer_thread;
    int checkpointer_started;
    pthread_cond_t checkpoint_needed;
    int log_frames;     /* frames in the log after the last commit */
    int log_backfilled; /* of which copied into the database by the last checkpoint */
    int checkpointer_stopping;
} sq_store;

/* Connections (sqlite.c). sq_conn_open: READER connections are query_only;
 * on failure one line in ERR. */
int sq_conn_open(sq_conn *c, const char *path, int timeout_ms, int reader, const kf_log *log,
                 char *err, size_t errlen);
void sq_conn_close(sq_conn *c);
/* sq_conn_reset_dirty: finishes every statement used in the transaction. */
void sq_conn_reset_dirty(sq_conn *c);
/* sq_conn_note_cache: records C's page cache size for the stats; called by
 * the thread using C, as it lets go of it. */
void sq_conn_note_cache(sq_conn *c);
/* sq_conn_simple: runs a statement without results (BEGIN, COMMIT, savepoints). */
int sq_conn_simple(sq_conn *c, const char *sql);
/* sq_note_error: keeps and logs the connection's last error for WHAT. */
void sq_note_error(sq_conn *c, const char *what);

/* Writes (sqlite_write.c). sq_writes_start: after the connections are open,
 * the log for the syncer and the writer, syncer and checkpointer threads;
 * on failure one line in ERR (sq_writes_stop still undoes what started). */
int sq_writes_start(sq_store *s, const char *path, int timeout_ms, char *err, size_t errlen);
/* sq_writes_stop: runs what is queued, makes it durable, stops the threads. */
void sq_writes_stop(sq_store *s);
int sq_write(kf_store *base, kf_write_fn fn, void *ctx, int alone);
int sq_submit(kf_store *base, kf_write_fn fn, void *ctx, kf_write_done_fn done, void *arg);
int sq_bulk(kf_store *base, int on);

#endif
