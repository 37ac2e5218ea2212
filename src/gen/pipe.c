/* The tickets' load on two cores: the calling thread makes the tickets
 * (their lives, facts and sums) into chunks, while the store's writer writes
 * the chunk before. A helper thread runs one kf_store_write_alone per batch
 * of tickets (one transaction each); its job on the writer takes chunks
 * until the batch's last one. The few reads generation needs (the policy
 * and route of a kind of ticket, once each) are asked of the writer too, as
 * the connection is its alone.
 *
 * Determinism: the tickets are made in the same order by one thread, and
 * what the writer answers does not depend on when it is asked, so the data
 * is the same as made and written in turn. */
#include "gen/life.h"

#include "core/err.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_TICKETS 500

struct gen_pipe {
    kf_gen *g;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    gen_chunk chunk[2];
    int full[2]; /* handed to the writer, not yet written */
    int put, take;
    /* a question for the writer (gen_on_writer) */
    kf_write_fn ask_fn;
    void *ask_ctx;
    int ask_pending, ask_rc;
    int rc;       /* the first failure, on either side */
    int finished; /* the helper has run its last batch */
};

static void fail(gen_pipe *p, int rc)
{
    if (p->rc == KF_OK) p->rc = rc;
    pthread_cond_broadcast(&p->cv);
}

/* On the writer, in a batch's transaction: writes chunks as they come and
 * answers questions, until the batch's last chunk is written. */
static int batch_job(kf_tx *tx, void *ctx)
{
    gen_pipe *p = ctx;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->full[p->take] && !p->ask_pending && p->rc == KF_OK)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->rc != KF_OK) break;
        if (p->ask_pending) {
            pthread_mutex_unlock(&p->mu);
            int rc = p->ask_fn(tx, p->ask_ctx);
            pthread_mutex_lock(&p->mu);
            p->ask_rc = rc;
            p->ask_pending = 0;
            pthread_cond_broadcast(&p->cv);
            continue;
        }
        gen_chunk *c = &p->chunk[p->take];
        pthread_mutex_unlock(&p->mu);
        int rc = gen_write_chunk(p->g, tx, c);
        int last = c->last;
        pthread_mutex_lock(&p->mu);
        p->full[p->take] = 0;
        p->take ^= 1;
        if (rc != KF_OK) fail(p, rc);
        pthread_cond_broadcast(&p->cv);
        if (last) break;
    }
    int rc = p->rc;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

static void *helper_main(void *arg)
{
    gen_pipe *p = arg;
    kf_gen *g = p->g;
    for (int64_t from = 0; from < g->o.tickets; from += g->o.batch) {
        int rc = kf_store_write_alone(g->store, batch_job, p);
        pthread_mutex_lock(&p->mu);
        if (rc != KF_OK) fail(p, rc);
        int stop = p->rc != KF_OK;
        pthread_mutex_unlock(&p->mu);
        if (stop) break;
    }
    pthread_mutex_lock(&p->mu);
    p->finished = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int gen_on_writer(kf_gen *g, kf_write_fn fn, void *ctx)
{
    gen_pipe *p = g->pipe;
    pthread_mutex_lock(&p->mu);
    p->ask_fn = fn;
    p->ask_ctx = ctx;
    p->ask_pending = 1;
    pthread_cond_broadcast(&p->cv);
    while (p->ask_pending && p->rc == KF_OK && !p->finished)
        pthread_cond_wait(&p->cv, &p->mu);
    int rc = p->ask_pending ? (p->rc != KF_OK ? p->rc : KF_EDB) : p->ask_rc;
    p->ask_pending = 0;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* The next free chunk, once the writer is done with it; NULL after a failure. */
static gen_chunk *free_chunk(gen_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->full[p->put] && p->rc == KF_OK)
        pthread_cond_wait(&p->cv, &p->mu);
    gen_chunk *c = p->rc == KF_OK ? &p->chunk[p->put] : NULL;
    pthread_mutex_unlock(&p->mu);
    return c;
}

static void hand_over(gen_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->full[p->put] = 1;
    p->put ^= 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Makes batch [FROM, FROM + N) into chunks; the last one carries the
 * rollups the batch finished. */
static int make_batch(kf_gen *g, int64_t from, int64_t n)
{
    gen_pipe *p = g->pipe;
    int rc = KF_OK;
    for (int64_t at = from; at < from + n && rc == KF_OK; at += CHUNK_TICKETS) {
        gen_chunk *c = free_chunk(p);
        if (!c) return KF_EDB; /* the writer failed: its code is in p->rc */
        int64_t k = from + n - at < CHUNK_TICKETS ? from + n - at : CHUNK_TICKETS;
        rc = gen_tickets(g, c, at, k);
        c->last = at + k == from + n;
        if (rc == KF_OK && c->last) gen_rollups_stage(g, &c->rollups, gen_cutoff(g, from + n));
        if (rc == KF_OK) hand_over(p);
    }
    return rc;
}

int gen_load_tickets(kf_gen *g, void (*progress)(kf_gen *g, int64_t done))
{
    gen_pipe *p = kf_calloc(1, sizeof(*p));
    p->g = g;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int i = 0; i < 2; i++)
        gen_chunk_init(g, &p->chunk[i], CHUNK_TICKETS);
    g->pipe = p;
    pthread_t helper;
    int rc = pthread_create(&helper, NULL, helper_main, p) == 0 ? KF_OK : KF_EIO;
    int started = rc == KF_OK;
    for (int64_t from = 0; rc == KF_OK && from < g->o.tickets; from += g->o.batch) {
        int64_t n = g->o.tickets - from < g->o.batch ? g->o.tickets - from : g->o.batch;
        rc = make_batch(g, from, n);
        if (rc == KF_OK) progress(g, from + n);
    }
    pthread_mutex_lock(&p->mu);
    if (rc != KF_OK) fail(p, rc); /* stops the writer's job: the batch is undone */
    pthread_mutex_unlock(&p->mu);
    if (started) pthread_join(helper, NULL);
    if (rc == KF_OK || rc == KF_EDB) rc = p->rc != KF_OK ? p->rc : rc;
    g->pipe = NULL;
    for (int i = 0; i < 2; i++)
        gen_chunk_free(&p->chunk[i]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return rc;
}
