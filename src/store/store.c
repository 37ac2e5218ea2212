/* URL dispatch to a backend, and the conveniences built on the operations. */
#include "store/store_int.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kf_store_url_backend(const char *url)
{
    if (strncmp(url, "sqlite:", 7) == 0) return KF_BACKEND_SQLITE;
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        return KF_BACKEND_POSTGRES;
    return 0;
}

int kf_store_open(const char *url, const kf_store_opts *opts, kf_store **out, char *err,
                  size_t errlen)
{
    kf_store_opts defaults = {0};
    if (!opts) opts = &defaults;
    *out = NULL;
    int backend = kf_store_url_backend(url);
    if (backend == KF_BACKEND_SQLITE) {
        const char *path = url + 7;
        if (strncmp(path, "//", 2) == 0) path += 2;
        if (!*path) {
            snprintf(err, errlen, "database URL %s names no file", url);
            return KF_EINVAL;
        }
        return kf_store_sqlite_ops.open(path, opts, out, err, errlen);
    }
    if (backend == KF_BACKEND_POSTGRES)
        return kf_store_postgres_ops.open(url, opts, out, err, errlen);
    snprintf(err, errlen, "database URL must start with sqlite: or postgres:// (got %.40s)", url);
    return KF_EINVAL;
}

void kf_store_close(kf_store *s)
{
    if (s) s->ops->close(s);
}

int kf_store_backend(const kf_store *s)
{
    return s->ops->backend;
}

const char *kf_store_backend_name(const kf_store *s)
{
    return s->ops->name;
}

int kf_store_read_begin(kf_store *s, kf_tx **out)
{
    return s->ops->read_begin(s, out);
}

void kf_store_read_end(kf_store *s, kf_tx *tx)
{
    if (tx) s->ops->read_end(s, tx);
}

int kf_store_write(kf_store *s, kf_write_fn fn, void *ctx)
{
    return s->ops->write(s, fn, ctx, 0);
}

int kf_store_write_alone(kf_store *s, kf_write_fn fn, void *ctx)
{
    return s->ops->write(s, fn, ctx, 1);
}

int kf_store_submits(const kf_store *s)
{
    return s->ops->submit != NULL;
}

int kf_store_submit(kf_store *s, kf_write_fn fn, void *ctx, kf_write_done_fn done, void *arg)
{
    return s->ops->submit ? s->ops->submit(s, fn, ctx, done, arg) : KF_EINVAL;
}

int kf_store_bulk(kf_store *s, int on)
{
    return s->ops->bulk ? s->ops->bulk(s, on) : KF_OK;
}

void kf_store_stats_get(kf_store *s, kf_store_stats *out)
{
    s->ops->stats(s, out);
}

void kf_store_note_batch(kf_store_stats *stats, uint64_t n)
{
    stats->commits++;
    stats->transactions += n;
    uint64_t bound = 1;
    for (int i = 0; i < 8; i++, bound *= 2)
        if (i == 7 || n <= bound) stats->batch_le[i]++;
}

/* Counts US (negative: 0) into the cumulative buckets LE (KF_MS_BUCKETS_US)
 * and into *SUM. */
static void note_time(uint64_t le[8], uint64_t *sum, int64_t us)
{
    static const int64_t bound_us[8] = KF_MS_BUCKETS_US;
    if (us < 0) us = 0;
    *sum += (uint64_t)us;
    for (int i = 0; i < 8; i++)
        if (us <= bound_us[i]) le[i]++;
}

void kf_store_note_sync(kf_store_stats *stats, int64_t us)
{
    stats->syncs++;
    note_time(stats->sync_le, &stats->sync_us, us);
}

void kf_store_note_wait(kf_store_stats *stats, const int64_t us[KF_WAIT_STAGES])
{
    stats->waited++;
    for (int i = 0; i < KF_WAIT_STAGES; i++)
        note_time(stats->wait_le[i], &stats->wait_us[i], us[i]);
}

int kf_tx_prepare(kf_tx *tx, const char *sql, kf_stmt **out)
{
    return tx->store->ops->prepare(tx, sql, out);
}

int kf_tx_prepare_replanned(kf_tx *tx, const char *sql, kf_stmt **out)
{
    if (!tx->store->ops->prepare_replanned) return kf_tx_prepare(tx, sql, out);
    return tx->store->ops->prepare_replanned(tx, sql, out);
}

int kf_tx_exec_script(kf_tx *tx, const char *sql)
{
    return tx->store->ops->exec_script(tx, sql);
}

int kf_tx_needs_returning(kf_tx *tx)
{
    return tx->store->ops->inserted_id == NULL;
}

int kf_stmt_insert_step(kf_stmt *st, int64_t *id)
{
    int rc = st->ops->step(st);
    if (st->ops->inserted_id) {
        if (rc != KF_DONE) return rc == KF_ROW ? KF_EDB : rc;
        *id = st->ops->inserted_id(st);
        return KF_OK;
    }
    if (rc != KF_ROW) return rc == KF_DONE ? KF_EDB : rc;
    *id = st->ops->col_i64(st, 0);
    rc = st->ops->step(st);
    return rc == KF_DONE ? KF_OK : rc == KF_ROW ? KF_EDB : rc;
}

int kf_tx_defer(kf_tx *tx, kf_write_fn fn, void *ctx, void (*release)(void *))
{
    if (!tx->deferred_tail) {
        int rc = fn(tx, ctx);
        if (release) release(ctx);
        return rc;
    }
    kf_deferred *d = kf_malloc(sizeof(*d));
    *d = (kf_deferred){fn, ctx, release, NULL};
    *tx->deferred_tail = d;
    tx->deferred_tail = &d->next;
    return KF_OK;
}

void kf_tx_defer_begin(kf_tx *tx)
{
    tx->deferred = NULL;
    tx->deferred_tail = &tx->deferred;
}

kf_deferred **kf_tx_defer_mark(kf_tx *tx)
{
    return tx->deferred_tail;
}

void kf_tx_defer_drop(kf_tx *tx, kf_deferred **mark)
{
    if (!mark) return;
    kf_deferred *d = *mark;
    *mark = NULL;
    tx->deferred_tail = mark;
    while (d) {
        kf_deferred *next = d->next;
        if (d->release) d->release(d->ctx);
        free(d);
        d = next;
    }
}

int kf_tx_defer_run(kf_tx *tx)
{
    kf_deferred *d = tx->deferred;
    tx->deferred = NULL;
    tx->deferred_tail = NULL; /* what the deferred do runs at once */
    int rc = KF_OK;
    while (d) {
        kf_deferred *next = d->next;
        tx->deferred_later = next;
        if (rc == KF_OK) rc = d->fn(tx, d->ctx);
        if (d->release) d->release(d->ctx);
        free(d);
        d = next;
    }
    tx->deferred_later = NULL;
    return rc;
}

void kf_tx_defer_each_later(kf_tx *tx, kf_write_fn fn, void (*visit)(void *ctx, void *arg),
                            void *arg)
{
    for (kf_deferred *d = tx->deferred_later; d; d = d->next)
        if (d->fn == fn) visit(d->ctx, arg);
}

void kf_tx_defer_end(kf_tx *tx)
{
    if (tx->deferred_tail) kf_tx_defer_drop(tx, &tx->deferred);
    tx->deferred_tail = NULL;
}

int kf_tx_savepoint(kf_tx *tx)
{
    return tx->store->ops->savepoint(tx, 0);
}

int kf_tx_release(kf_tx *tx)
{
    return tx->store->ops->savepoint(tx, 1);
}

int kf_tx_rollback_to(kf_tx *tx)
{
    return tx->store->ops->savepoint(tx, 2);
}

const char *kf_tx_errmsg(kf_tx *tx)
{
    return tx->store->ops->errmsg(tx);
}

int kf_tx_stripe(kf_tx *tx)
{
    return tx->store->ops->stripe ? tx->store->ops->stripe(tx) : 0;
}

int kf_tx_aside(kf_tx *tx, kf_write_fn fn, void *ctx)
{
    return tx->store->ops->aside ? tx->store->ops->aside(tx, fn, ctx) : fn(tx, ctx);
}

kf_store *kf_tx_store(kf_tx *tx)
{
    return tx->store;
}

int kf_tx_is_postgres(kf_tx *tx)
{
    return kf_store_backend(tx->store) == KF_BACKEND_POSTGRES;
}

void kf_stmt_bind_i64(kf_stmt *st, int idx, int64_t v)
{
    st->ops->bind_i64(st, idx, v);
}

void kf_stmt_bind_text(kf_stmt *st, int idx, const char *v)
{
    if (v)
        st->ops->bind_text(st, idx, v);
    else
        st->ops->bind_null(st, idx);
}

void kf_stmt_bind_double(kf_stmt *st, int idx, double v)
{
    st->ops->bind_double(st, idx, v);
}

void kf_stmt_bind_null(kf_stmt *st, int idx)
{
    st->ops->bind_null(st, idx);
}

int kf_stmt_step(kf_stmt *st)
{
    return st->ops->step(st);
}

int64_t kf_stmt_i64(kf_stmt *st, int col)
{
    return st->ops->col_i64(st, col);
}

double kf_stmt_double(kf_stmt *st, int col)
{
    return st->ops->col_double(st, col);
}

const char *kf_stmt_text(kf_stmt *st, int col)
{
    return st->ops->col_text(st, col);
}

int kf_stmt_isnull(kf_stmt *st, int col)
{
    return st->ops->col_isnull(st, col);
}

int64_t kf_stmt_changes(kf_stmt *st)
{
    return st->ops->changes(st);
}

static int vquery(kf_tx *tx, kf_stmt **out, const char *sql, const char *types, va_list ap)
{
    kf_stmt *st;
    int rc = kf_tx_prepare(tx, sql, &st);
    if (rc != KF_OK) return rc;
    int idx = 1;
    for (const char *t = types ? types : ""; *t; t++, idx++) {
        switch (*t) {
        case 'i':
            kf_stmt_bind_i64(st, idx, va_arg(ap, int64_t));
            break;
        case 's':
            kf_stmt_bind_text(st, idx, va_arg(ap, const char *));
            break;
        case 'd':
            kf_stmt_bind_double(st, idx, va_arg(ap, double));
            break;
        case 'n':
            kf_stmt_bind_null(st, idx);
            break;
        default:
            return KF_EINVAL;
        }
    }
    *out = st;
    return KF_OK;
}

int kf_tx_query(kf_tx *tx, kf_stmt **out, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = vquery(tx, out, sql, types, ap);
    va_end(ap);
    return rc;
}

int kf_tx_exec(kf_tx *tx, int64_t *changes, const char *sql, const char *types, ...)
{
    kf_stmt *st;
    va_list ap;
    va_start(ap, types);
    int rc = vquery(tx, &st, sql, types, ap);
    va_end(ap);
    if (rc != KF_OK) return rc;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
    }
    if (rc != KF_DONE) return rc;
    if (changes) *changes = kf_stmt_changes(st);
    return KF_OK;
}

int kf_tx_i64(kf_tx *tx, int64_t *out, const char *sql, const char *types, ...)
{
    kf_stmt *st;
    va_list ap;
    va_start(ap, types);
    int rc = vquery(tx, &st, sql, types, ap);
    va_end(ap);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc == KF_DONE) return KF_ENOTFOUND;
    if (rc != KF_ROW) return rc;
    *out = kf_stmt_i64(st, 0);
    /* finish the statement so an INSERT … RETURNING is complete */
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
    }
    return rc == KF_DONE ? KF_OK : rc;
}
