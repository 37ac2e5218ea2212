/* The SQLite backend's writes.
 *
 * Every kf_store_write call queues a job (kf_store_submit too, without
 * waiting for it); one writer thread takes the queued jobs in batches and
 * runs them in one transaction, each inside its own savepoint so a failing
 * job is undone alone, then commits once. A durable commit costs about a
 * millisecond on these disks; sharing it across the batch is what makes
 * thousands of durable writes a second possible (see ARCHITECTURE.md,
 * "group commit").
 *
 * Durability is pipelined: the writer commits without waiting for the disk
 * (synchronous=NORMAL) and hands the batch to the syncer thread, which
 * fdatasyncs the log and only then wakes the batch's callers (or tells
 * those who submitted), while the writer already runs the next batch. A job
 * is acknowledged only once the log holding its commit is on disk; a crash
 * loses at most commits nobody was told about (WAL recovery stops at the
 * last intact commit).
 *
 * Checkpoints run on a thread of their own (docs/decisions.md). What would
 * hold the writes queued behind it is done by the writer when it has
 * nothing else to do: restarting the log, and merging the search index's
 * segments a few pages at a time. */
#define _GNU_SOURCE /* pthread_setname_np: the store's threads show by name in top and perf */
#include "store/sqlite_int.h"

#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "store/search_index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The checkpointer copies the log into the database once this many frames
 * (4 KB pages) are new in it. A write that begins with all of the log
 * copied starts it afresh (SQLite does), which at a desk's own pace keeps it
 * short. A busy writer never begins so: past LOG_RESTART_FRAMES it makes the
 * log start afresh itself (restart_log) when it is idle, and past
 * LOG_RESTART_FRAMES_MAX whether or not, so the log stays bounded (512 MB).
 * The restart copies and syncs what the checkpointer has not: 4–27 ms during
 * which no write runs, so it is kept rare (the writes of the mix paced at
 * 2,000–4,000 a second, 10,000,000 tickets: p99 10–30 ms with a restart
 * every 16,000 frames, 7–15 every 64,000). A load (kefu gen) restarts at
 * LOG_RESTART_FRAMES_BULK: nobody waits for its writes. */
#define CHECKPOINT_FRAMES       2000
#define LOG_RESTART_FRAMES      64000
#define LOG_RESTART_FRAMES_MAX  (2 * LOG_RESTART_FRAMES)
#define LOG_RESTART_FRAMES_BULK 16000
/* The search index is merged MERGE_PAGES pages at a time (at 10,000,000
 * tickets a step that merges takes 0.14 ms at p50, 10 ms at p99: pages read
 * from the disk). Each batch earns one step, up to MERGE_STEPS_OWED: FTS5
 * itself merged at about that rate (its automerge: up to 64 pages for each
 * level of the index every 64 pages written), but all at once inside a
 * commit. The steps owed are taken while the writer is idle, and one after
 * every MERGE_BUSY_BATCHES batches while it is not, so a writer never idle
 * still keeps the index's segments few. Unbounded, the merging of a large
 * segment (after `kefu gen` left the index in one) took every idle moment
 * of the writer and then some. */
#define MERGE_PAGES        16
#define MERGE_STEPS_OWED   64
#define MERGE_BUSY_BATCHES 16
/* How long the checkpointer waits when the writer holds the checkpoint. */
#define BUSY_RETRY_MS 10
/* After this long without a write the writer gives back its page cache and
 * what its thread freed: a server that was busy keeps no memory it no longer
 * uses while idle. The next write reads its pages again (microseconds). */
#define IDLE_RELEASE_MS 1000

/* Runs one job inside its own savepoint. Returns the job's code. */
static int run_job(sq_store *s, write_job *job)
{
    sq_conn *c = &s->writer;
    kf_tx *tx = &c->tx.base;
    if (job->alone) {
        /* it runs its own transactions: what it defers runs at once */
        kf_tx_defer_end(tx);
        int rc = job->fn(tx, job->ctx);
        sq_conn_reset_dirty(c);
        if (rc != KF_OK && !sqlite3_get_autocommit(c->db)) sq_conn_simple(c, "ROLLBACK");
        return rc;
    }
    int rc = sq_conn_simple(c, "SAVEPOINT kf_job");
    if (rc != KF_OK) return rc;
    kf_deferred **mark = kf_tx_defer_mark(tx);
    rc = job->fn(tx, job->ctx);
    sq_conn_reset_dirty(c);
    if (rc != KF_OK) kf_tx_defer_drop(tx, mark); /* undone, with what it deferred */
    if (sqlite3_get_autocommit(c->db)) return rc == KF_OK ? KF_EDB : rc; /* tx aborted */
    if (rc != KF_OK) sq_conn_simple(c, "ROLLBACK TO kf_job");
    int rel = sq_conn_simple(c, "RELEASE kf_job");
    return rc != KF_OK ? rc : rel;
}

/* Runs BATCH (a list of N jobs) in one transaction and commits it once. */
static void run_batch(sq_store *s, write_job *batch)
{
    sq_conn *c = &s->writer;
    uint64_t ok = 0, undone = 0;
    write_job *pending = batch; /* first job whose success is not yet durable */
    int rc = sq_conn_simple(c, "BEGIN IMMEDIATE");
    kf_tx_defer_begin(&c->tx.base);
    for (write_job *j = batch; j; j = j->next) {
        if (rc != KF_OK) {
            j->rc = rc;
            continue;
        }
        j->rc = run_job(s, j);
        if (j->rc != KF_OK) undone++;
        if (sqlite3_get_autocommit(c->db)) {
            /* SQLite rolled the whole transaction back (disk full, I/O error):
             * every earlier success in it is lost, so report them failed and
             * start again for the rest. */
            for (write_job *p = pending; p != j->next; p = p->next)
                if (p->rc == KF_OK) p->rc = KF_EDB;
            pending = j->next;
            kf_tx_defer_end(&c->tx.base); /* theirs were lost with them */
            rc = sq_conn_simple(c, "BEGIN IMMEDIATE");
            kf_tx_defer_begin(&c->tx.base);
        }
    }
    /* what the jobs deferred: a failure there undoes the whole batch */
    int deferred = KF_OK;
    if (rc == KF_OK)
        deferred = kf_tx_defer_run(&c->tx.base);
    else
        kf_tx_defer_end(&c->tx.base);
    if (rc == KF_OK && deferred != KF_OK) {
        sq_conn_simple(c, "ROLLBACK");
        for (write_job *p = pending; p; p = p->next)
            if (p->rc == KF_OK) p->rc = deferred;
        rc = deferred;
    } else if (rc == KF_OK) {
        rc = sq_conn_simple(c, "COMMIT");
        if (rc != KF_OK) {
            sq_conn_simple(c, "ROLLBACK");
            for (write_job *p = pending; p; p = p->next)
                if (p->rc == KF_OK) p->rc = rc;
        }
    }
    sq_conn_reset_dirty(c);
    sq_conn_note_cache(c);
    for (write_job *p = batch; p; p = p->next)
        if (p->rc == KF_OK) ok++;
    pthread_mutex_lock(&s->queue_mu);
    if (ok) kf_store_note_batch(&s->stats, ok);
    s->stats.rollbacks += undone;
    pthread_mutex_unlock(&s->queue_mu);
}

/* Counts the waits of JOBS (a list, acknowledged now) by stage. Under
 * queue_mu. */
static void note_waits(sq_store *s, const write_job *jobs)
{
    int64_t now = kf_monotonic_us();
    for (const write_job *j = jobs; j; j = j->next) {
        int64_t us[KF_WAIT_STAGES] = {j->started_us - j->queued_us, j->committed_us - j->started_us,
                                      now - j->committed_us};
        kf_store_note_wait(&s->stats, us);
    }
}

/* Tells the callers of JOBS (a list) that they are done; RC, when not KF_OK,
 * replaces the result of each that had succeeded. */
static void wake_jobs(write_job *jobs, int rc)
{
    for (write_job *j = jobs, *next; j; j = next) {
        next = j->next; /* the waiter may free J once it is posted */
        if (rc != KF_OK && j->rc == KF_OK) j->rc = rc;
        if (j->told) {
            j->told(j->told_arg, j->rc);
            free(j);
        } else {
            sem_post(&j->done);
        }
    }
}

/* The log starts afresh only when a write begins with all of it copied into
 * the database, which the checkpointer, running beside a busy writer, never
 * sees. So once the log is long the writer copies the last part itself
 * (little: the checkpointer has done the rest), and its next write restarts
 * the log. Under queue_mu, released meanwhile. */
static void restart_log(sq_store *s)
{
    pthread_mutex_unlock(&s->queue_mu);
    int frames = 0, backfilled = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->writer.db, "main", SQLITE_CHECKPOINT_PASSIVE, &frames,
                                       &backfilled);
    pthread_mutex_lock(&s->queue_mu);
    if (rc == SQLITE_OK) {
        s->stats.checkpoints++;
        if (backfilled > s->log_backfilled) s->log_backfilled = backfilled;
    }
}

/* What the writer owes besides the queued jobs (its thread's alone). */
typedef struct {
    int holds;         /* memory held since the last release */
    int merges_owed;   /* merge steps earned by batches, not yet taken */
    int unmerged;      /* batches since the last merge */
    int restart_tried; /* restart_log ran (or found the checkpointer in the way) since a batch */
} writer_debts;

/* Merges up to MERGE_PAGES pages of the search index in a transaction of its
 * own, left for the syncer to make durable with the next batch (nobody waits
 * for it). Under queue_mu, released meanwhile. */
static void merge_step(sq_store *s, writer_debts *d)
{
    pthread_mutex_unlock(&s->queue_mu);
    sq_conn *c = &s->writer;
    sqlite3_int64 changes = sqlite3_total_changes64(c->db);
    int rc = sq_conn_simple(c, "BEGIN IMMEDIATE");
    if (rc == KF_OK) rc = kf_search_merge(&c->tx.base, MERGE_PAGES);
    sq_conn_reset_dirty(c);
    if (rc == KF_OK) rc = sq_conn_simple(c, "COMMIT");
    if (rc != KF_OK && !sqlite3_get_autocommit(c->db)) sq_conn_simple(c, "ROLLBACK");
    /* each 'merge' command is one change; more when it merged something */
    int merged = rc == KF_OK && sqlite3_total_changes64(c->db) - changes > 2;
    pthread_mutex_lock(&s->queue_mu);
    d->merges_owed = merged ? d->merges_owed - 1 : 0;
    d->unmerged = 0;
}

/* Whether the writer does what it owes besides the jobs: not while loading
 * (kf_store_bulk: the load's end optimizes the index), nor once nothing more
 * can be made durable. Under queue_mu. */
static int owes_upkeep(const sq_store *s)
{
    return !s->bulk && !s->sync_failed;
}

/* Waits under queue_mu for a job or the stop, doing meanwhile what the
 * writer owes (D): a log restart, the index's merges; then, once idle for
 * IDLE_RELEASE_MS while holding memory, it releases it (queue_mu released
 * meanwhile). */
static void wait_for_jobs(sq_store *s, writer_debts *d)
{
    while (!s->head && !s->stopping) {
        if (s->log_frames >= LOG_RESTART_FRAMES && !d->restart_tried && owes_upkeep(s)) {
            d->restart_tried = 1;
            restart_log(s);
            continue;
        }
        if (d->merges_owed > 0 && owes_upkeep(s)) {
            merge_step(s, d);
            continue;
        }
        if (!d->holds) {
            pthread_cond_wait(&s->queue_nonempty, &s->queue_mu);
            continue;
        }
        struct timespec until = kf_deadline_after_ms(IDLE_RELEASE_MS);
        if (pthread_cond_timedwait(&s->queue_nonempty, &s->queue_mu, &until) != ETIMEDOUT ||
            s->head || s->stopping)
            continue;
        pthread_mutex_unlock(&s->queue_mu);
        sqlite3_db_release_memory(s->writer.db);
        sq_conn_note_cache(&s->writer);
        kf_mem_release();
        pthread_mutex_lock(&s->queue_mu);
        d->holds = 0;
    }
}

static void *writer_main(void *arg)
{
    sq_store *s = arg;
    writer_debts debts = {0};
    pthread_mutex_lock(&s->queue_mu);
    for (;;) {
        wait_for_jobs(s, &debts);
        debts.holds = 1;
        if (!s->head) break; /* stopping and drained */
        /* a job that runs alone is a batch of one, and ends any batch before it */
        write_job *batch = s->head, *last = batch;
        for (int n = 1; !batch->alone && n < s->max_batch && last->next && !last->next->alone; n++)
            last = last->next;
        s->head = last->next;
        if (!s->head) s->tail = NULL;
        last->next = NULL;
        if (s->sync_failed) {
            wake_jobs(batch, KF_EIO);
            continue;
        }
        pthread_mutex_unlock(&s->queue_mu);

        int64_t began = kf_monotonic_us();
        for (write_job *j = batch; j; j = j->next)
            j->started_us = began;
        run_batch(s, batch);
        int64_t committed = kf_monotonic_us();
        for (write_job *j = batch; j; j = j->next)
            j->committed_us = committed;

        pthread_mutex_lock(&s->queue_mu);
        if (s->wal_fd >= 0 && !s->bulk) {
            if (s->unsynced_tail)
                s->unsynced_tail->next = batch;
            else
                s->unsynced_head = batch;
            s->unsynced_tail = last;
            pthread_cond_signal(&s->sync_needed);
        } else {
            note_waits(s, batch);
            wake_jobs(batch, KF_OK);
        }
        if (debts.merges_owed < MERGE_STEPS_OWED) debts.merges_owed++;
        debts.unmerged++;
        debts.restart_tried = 0;
        /* a load restarts the log as soon as it may: nobody waits for its writes */
        if (s->log_frames >= (s->bulk ? LOG_RESTART_FRAMES_BULK : LOG_RESTART_FRAMES_MAX))
            restart_log(s);
        else if (s->head && debts.unmerged >= MERGE_BUSY_BATCHES && owes_upkeep(s))
            merge_step(s, &debts); /* this batch has just earned it */
    }
    pthread_mutex_unlock(&s->queue_mu);
    return NULL;
}

/* After each commit (on the writer): wakes the checkpointer when enough of
 * the log is new. Replaces SQLite's own checkpoint at commit, which ran on
 * the writer and held every write behind it. */
static int on_log_grown(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    sq_store *s = arg;
    pthread_mutex_lock(&s->queue_mu);
    if (frames < s->log_backfilled) s->log_backfilled = 0; /* the log started afresh */
    s->log_frames = frames;
    if (frames - s->log_backfilled >= CHECKPOINT_FRAMES) pthread_cond_signal(&s->checkpoint_needed);
    pthread_mutex_unlock(&s->queue_mu);
    return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
    sq_store *s = arg;
    pthread_mutex_lock(&s->queue_mu);
    for (;;) {
        while (s->log_frames - s->log_backfilled < CHECKPOINT_FRAMES && !s->checkpointer_stopping)
            pthread_cond_wait(&s->checkpoint_needed, &s->queue_mu);
        if (s->checkpointer_stopping) break;
        pthread_mutex_unlock(&s->queue_mu);

        int frames = 0, backfilled = 0;
        int rc = sqlite3_wal_checkpoint_v2(s->checkpointer.db, "main", SQLITE_CHECKPOINT_PASSIVE,
                                           &frames, &backfilled);

        pthread_mutex_lock(&s->queue_mu);
        if (rc == SQLITE_OK) {
            s->stats.checkpoints++;
            if (backfilled > s->log_backfilled) s->log_backfilled = backfilled;
        } else if ((rc & 0xff) != SQLITE_BUSY) {
            pthread_mutex_unlock(&s->queue_mu);
            sq_note_error(&s->checkpointer, "checkpoint");
            pthread_mutex_lock(&s->queue_mu);
            s->log_backfilled = s->log_frames; /* try again once the log grows on */
        } else {
            /* the writer is checkpointing (restart_log): trying again at once
             * spun thousands of times a second while a slow disk held it */
            struct timespec until = kf_deadline_after_ms(BUSY_RETRY_MS);
            pthread_cond_timedwait(&s->checkpoint_needed, &s->queue_mu, &until);
        }
    }
    pthread_mutex_unlock(&s->queue_mu);
    return NULL;
}

/* Makes the log durable for every committed batch waiting, then wakes their
 * callers: one fdatasync often covers several commits. */
static void *syncer_main(void *arg)
{
    sq_store *s = arg;
    pthread_mutex_lock(&s->queue_mu);
    for (;;) {
        while (!s->unsynced_head && !s->syncer_stopping)
            pthread_cond_wait(&s->sync_needed, &s->queue_mu);
        if (!s->unsynced_head) break; /* stopping and drained */
        write_job *jobs = s->unsynced_head;
        s->unsynced_head = s->unsynced_tail = NULL;
        pthread_mutex_unlock(&s->queue_mu);

        int64_t began = kf_monotonic_us();
        int rc = fdatasync(s->wal_fd) == 0 ? KF_OK : KF_EIO;
        int64_t took = kf_monotonic_us() - began;
        if (rc != KF_OK) {
            /* after a failed sync the kernel may have dropped the pages: what
             * was committed cannot be promised, now or later */
            kf_logline l;
            kf_log_begin(&l, s->base.log, KF_LOG_ERROR, "sqlite log sync failed");
            kf_log_str(&l, "error", strerror(errno));
            kf_log_str(&l, "effect", "no further writes are accepted; restart the server");
            kf_log_end(&l);
        }

        pthread_mutex_lock(&s->queue_mu);
        kf_store_note_sync(&s->stats, took);
        if (rc != KF_OK) s->sync_failed = 1; /* before anyone hears of it */
        note_waits(s, jobs);
        pthread_mutex_unlock(&s->queue_mu);
        wake_jobs(jobs, rc); /* outside the lock, which the writer wants */
        pthread_mutex_lock(&s->queue_mu);
    }
    pthread_mutex_unlock(&s->queue_mu);
    return NULL;
}

/* Queues JOB for the writer; KF_EBUSY (not queued) once the store is stopping. */
static int enqueue(sq_store *s, write_job *job)
{
    pthread_mutex_lock(&s->queue_mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->queue_mu);
        return KF_EBUSY;
    }
    job->queued_us = kf_monotonic_us();
    if (s->tail)
        s->tail->next = job;
    else
        s->head = job;
    s->tail = job;
    pthread_cond_signal(&s->queue_nonempty);
    pthread_mutex_unlock(&s->queue_mu);
    return KF_OK;
}

int sq_write(kf_store *base, kf_write_fn fn, void *ctx, int alone)
{
    write_job job = {.fn = fn, .ctx = ctx, .alone = alone};
    sem_init(&job.done, 0, 0);
    int rc = enqueue((sq_store *)base, &job);
    if (rc == KF_OK) {
        while (sem_wait(&job.done) != 0) /* only EINTR: a signal came */
            ;
        rc = job.rc;
    }
    sem_destroy(&job.done);
    return rc;
}

int sq_submit(kf_store *base, kf_write_fn fn, void *ctx, kf_write_done_fn done, void *arg)
{
    write_job *job = kf_calloc(1, sizeof(*job));
    job->fn = fn;
    job->ctx = ctx;
    job->told = done;
    job->told_arg = arg;
    int rc = enqueue((sq_store *)base, job);
    if (rc != KF_OK) free(job);
    return rc;
}

typedef struct {
    sq_store *s;
    int on;
} bulk_switch;

/* Syncs the file at PATH (the database or its log) to disk. */
static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? KF_OK : KF_EIO;
    int rc = fdatasync(fd) == 0 ? KF_OK : KF_EIO;
    close(fd);
    return rc;
}

/* Runs on the writer as a job of its own: the pragmas cannot change inside
 * a transaction, so it ends the one run_batch began and begins another.
 * Leaving bulk mode syncs the database file and its log: checkpoints run by
 * the writer meanwhile (restart_log) copied pages without syncing them. */
static int bulk_switch_run(kf_tx *tx, void *ctx)
{
    (void)tx;
    bulk_switch *b = ctx;
    sq_store *s = b->s;
    sq_conn *c = &s->writer;
    const char *pragmas = b->on            ? "PRAGMA foreign_keys=OFF; PRAGMA synchronous=OFF"
                          : s->wal_fd >= 0 ? "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL"
                                           : "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL";
    int rc = sq_conn_simple(c, "COMMIT");
    if (rc == KF_OK && sqlite3_exec(c->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
        sq_note_error(c, pragmas);
        rc = KF_EDB;
    }
    const char *file = sqlite3_db_filename(c->db, "main");
    if (rc == KF_OK && !b->on && file && *file) {
        char wal[4096];
        snprintf(wal, sizeof(wal), "%s-wal", file);
        rc = sync_path(file);
        if (rc == KF_OK) rc = sync_path(wal);
    }
    pthread_mutex_lock(&s->queue_mu);
    if (rc == KF_OK) s->bulk = b->on;
    pthread_mutex_unlock(&s->queue_mu);
    int begin = sq_conn_simple(c, "BEGIN IMMEDIATE");
    return rc != KF_OK ? rc : begin;
}

int sq_bulk(kf_store *base, int on)
{
    bulk_switch b = {(sq_store *)base, on != 0};
    return sq_write(base, bulk_switch_run, &b, 1);
}

/* Opens the writer's log (the database file + "-wal") for the syncer and lets the writer commit
 * without syncing. A database without a log file of its own (in memory)
 * keeps synchronous=FULL: the writer then syncs at each COMMIT. */
static int open_log(sq_store *s, char *err, size_t errlen)
{
    /* a first read opens (and, for a new database, creates) the log */
    if (sqlite3_exec(s->writer.db, "SELECT COUNT(*) FROM sqlite_schema", NULL, NULL, NULL) !=
        SQLITE_OK)
        return KF_OK;
    const char *file = sqlite3_db_filename(s->writer.db, "main");
    if (!file || !*file) return KF_OK;
    char wal[4096];
    if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", file) >= sizeof(wal)) return KF_OK;
    int fd = open(wal, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return KF_OK;
    /* the log's name in its directory must be on disk too, as SQLite itself
     * makes sure of on its first sync */
    const char *slash = strrchr(wal, '/');
    char dir[4096];
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - wal) : 1, slash ? wal : ".");
    int dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int synced = dfd >= 0 && fsync(dfd) == 0 && fdatasync(fd) == 0;
    if (dfd >= 0) close(dfd);
    if (!synced ||
        sqlite3_exec(s->writer.db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot sync the SQLite log %s: %s", wal, strerror(errno));
        close(fd);
        return KF_EIO;
    }
    s->wal_fd = fd;
    return KF_OK;
}

int sq_writes_start(sq_store *s, const char *path, int timeout_ms, char *err, size_t errlen)
{
    int rc = open_log(s, err, errlen);
    if (rc != KF_OK) return rc;
    if (s->wal_fd >= 0) {
        rc = sq_conn_open(&s->checkpointer, path, timeout_ms, 0, s->base.log, err, errlen);
        if (rc != KF_OK) return rc;
        if (pthread_create(&s->checkpointer_thread, NULL, checkpointer_main, s) != 0) {
            snprintf(err, errlen, "cannot start the database checkpointer thread");
            return KF_EDB;
        }
        pthread_setname_np(s->checkpointer_thread, "kefu-checkpoint");
        s->checkpointer_started = 1;
        sqlite3_wal_hook(s->writer.db, on_log_grown, s);
        if (pthread_create(&s->syncer_thread, NULL, syncer_main, s) != 0) {
            snprintf(err, errlen, "cannot start the database syncer thread");
            return KF_EDB;
        }
        pthread_setname_np(s->syncer_thread, "kefu-syncer");
        s->syncer_started = 1;
    }
    if (pthread_create(&s->writer_thread, NULL, writer_main, s) != 0) {
        snprintf(err, errlen, "cannot start the database writer thread");
        return KF_EDB;
    }
    pthread_setname_np(s->writer_thread, "kefu-writer");
    s->writer_started = 1;
    return KF_OK;
}

static void stop_thread(sq_store *s, pthread_t thread, int *stopping, pthread_cond_t *cv)
{
    pthread_mutex_lock(&s->queue_mu);
    *stopping = 1;
    pthread_cond_signal(cv);
    pthread_mutex_unlock(&s->queue_mu);
    pthread_join(thread, NULL);
}

void sq_writes_stop(sq_store *s)
{
    if (s->writer_started) stop_thread(s, s->writer_thread, &s->stopping, &s->queue_nonempty);
    s->stopping = 1;
    /* after the writer: it hands the syncer its last batches */
    if (s->syncer_started) stop_thread(s, s->syncer_thread, &s->syncer_stopping, &s->sync_needed);
    if (s->checkpointer_started)
        stop_thread(s, s->checkpointer_thread, &s->checkpointer_stopping, &s->checkpoint_needed);
    sq_conn_close(&s->checkpointer);
    if (s->wal_fd >= 0) close(s->wal_fd);
    s->wal_fd = -1;
}
