/* Shared internals of src/store: the backend operations table. Each backend
 * embeds kf_store, kf_tx and kf_stmt as the first member of its own structs. */
#ifndef KF_STORE_INT_H
#define KF_STORE_INT_H

#include "store/store.h"

typedef struct kf_store_ops {
    const char *name;
    int backend;
    /* open: TARGET is the URL (postgres) or the path after "sqlite:" */
    int (*open)(const char *target, const kf_store_opts *opts, kf_store **out, char *err,
                size_t errlen);
    void (*close)(kf_store *s);
    int (*read_begin)(kf_store *s, kf_tx **out);
    void (*read_end)(kf_store *s, kf_tx *tx);
    int (*write)(kf_store *s, kf_write_fn fn, void *ctx, int alone);
    /* submit: kf_store_submit (NULL: the backend only writes on the caller's thread) */
    int (*submit)(kf_store *s, kf_write_fn fn, void *ctx, kf_write_done_fn done, void *arg);
    void (*stats)(kf_store *s, kf_store_stats *out);
    /* bulk: kf_store_bulk (NULL: nothing to do) */
    int (*bulk)(kf_store *s, int on);
    /* migration_lock: serialises concurrent migrators inside a write tx */
    int (*migration_lock)(kf_tx *tx);
    int (*exec_script)(kf_tx *tx, const char *sql);
    /* savepoint: 0 mark, 1 release, 2 roll back to the mark */
    int (*savepoint)(kf_tx *tx, int op);
    const char *(*errmsg)(kf_tx *tx);
    int (*prepare)(kf_tx *tx, const char *sql, kf_stmt **out);
    /* prepare_replanned: kf_tx_prepare_replanned (NULL: as prepare) */
    int (*prepare_replanned)(kf_tx *tx, const char *sql, kf_stmt **out);
    void (*bind_i64)(kf_stmt *st, int idx, int64_t v);
    void (*bind_text)(kf_stmt *st, int idx, const char *v);
    void (*bind_double)(kf_stmt *st, int idx, double v);
    void (*bind_null)(kf_stmt *st, int idx);
    int (*step)(kf_stmt *st);
    int64_t (*col_i64)(kf_stmt *st, int col);
    double (*col_double)(kf_stmt *st, int col);
    const char *(*col_text)(kf_stmt *st, int col);
    int (*col_isnull)(kf_stmt *st, int col);
    int64_t (*changes)(kf_stmt *st);
    /* inserted_id: the id of the row the statement just inserted, or NULL
     * when the backend can only say so through RETURNING */
    int64_t (*inserted_id)(kf_stmt *st);
    /* stripe: kf_tx_stripe (NULL: always 0, one writer at a time) */
    int (*stripe)(kf_tx *tx);
    /* aside: kf_tx_aside (NULL: FN runs inside TX) */
    int (*aside)(kf_tx *tx, kf_write_fn fn, void *ctx);
} kf_store_ops;

struct kf_store {
    const kf_store_ops *ops;
    const kf_log *log;
};
/* A write deferred to the commit (kf_tx_defer). */
typedef struct kf_deferred {
    kf_write_fn fn;
    void *ctx;
    void (*release)(void *);
    struct kf_deferred *next;
} kf_deferred;

struct kf_tx {
    kf_store *store;
    kf_deferred *deferred;       /* in order */
    kf_deferred **deferred_tail; /* NULL: not collecting, kf_tx_defer runs at once */
    kf_deferred *deferred_later; /* while one runs: those after it (kf_tx_defer_each_later) */
};

/* The backends' side of kf_tx_defer: kf_tx_defer_begin starts collecting;
 * kf_tx_defer_mark is where the next one will go, kf_tx_defer_drop releases
 * those from MARK on (a write undone); kf_tx_defer_run runs and releases
 * them all and stops collecting (the first failure is returned, the rest
 * released unrun); kf_tx_defer_end releases them all unrun. */
void kf_tx_defer_begin(kf_tx *tx);
kf_deferred **kf_tx_defer_mark(kf_tx *tx);
void kf_tx_defer_drop(kf_tx *tx, kf_deferred **mark);
int kf_tx_defer_run(kf_tx *tx);
void kf_tx_defer_end(kf_tx *tx);
struct kf_stmt {
    const kf_store_ops *ops;
};

extern const kf_store_ops kf_store_sqlite_ops;
extern const kf_store_ops kf_store_postgres_ops;

/* kf_store_note_batch: adds a commit of N transactions to STATS (caller locks). */
void kf_store_note_batch(kf_store_stats *stats, uint64_t n);
/* kf_store_note_sync: adds a log sync that took US microseconds (caller locks). */
void kf_store_note_sync(kf_store_stats *stats, int64_t us);
/* kf_store_note_wait: adds an acknowledged write that waited US[stage]
 * microseconds in each stage (caller locks). */
void kf_store_note_wait(kf_store_stats *stats, const int64_t us[KF_WAIT_STAGES]);

#endif
