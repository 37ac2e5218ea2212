#define _GNU_SOURCE /* pthread_setname_np: the workers show by name in top and perf */
#include "core/workq.h"

#include "core/mem.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct work work;
struct work {
    kf_work_fn fn;
    void *arg;
    work *next;
};

struct kf_workq {
    pthread_mutex_t mu;
    pthread_cond_t nonempty;
    work *head, *tail;
    int stopping;
    int nthreads;
    pthread_t threads[];
};

static void *worker_main(void *arg)
{
    kf_workq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->head && !q->stopping)
            pthread_cond_wait(&q->nonempty, &q->mu);
        work *w = q->head;
        if (!w) break; /* stopping and drained */
        q->head = w->next;
        if (!q->head) q->tail = NULL;
        pthread_mutex_unlock(&q->mu);
        w->fn(w->arg);
        free(w);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static void join_all(kf_workq *q)
{
    pthread_mutex_lock(&q->mu);
    int joined = q->stopping;
    q->stopping = 1;
    pthread_cond_broadcast(&q->nonempty);
    pthread_mutex_unlock(&q->mu);
    if (joined) return;
    for (int i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
}

kf_workq *kf_workq_start(int nthreads, const char *name)
{
    if (nthreads < 1) nthreads = 1;
    kf_workq *q = kf_calloc(1, sizeof(*q) + (size_t)nthreads * sizeof(pthread_t));
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->nonempty, NULL);
    for (; q->nthreads < nthreads; q->nthreads++) {
        if (pthread_create(&q->threads[q->nthreads], NULL, worker_main, q) != 0) {
            kf_workq_free(q);
            return NULL;
        }
        pthread_setname_np(q->threads[q->nthreads], name);
    }
    return q;
}

int kf_workq_push(kf_workq *q, kf_work_fn fn, void *arg)
{
    work *w = kf_calloc(1, sizeof(*w));
    w->fn = fn;
    w->arg = arg;
    pthread_mutex_lock(&q->mu);
    if (q->stopping) {
        pthread_mutex_unlock(&q->mu);
        free(w);
        return -1;
    }
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    pthread_cond_signal(&q->nonempty);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

void kf_workq_stop(kf_workq *q)
{
    if (q) join_all(q);
}

void kf_workq_free(kf_workq *q)
{
    if (!q) return;
    join_all(q);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->nonempty);
    free(q);
}
