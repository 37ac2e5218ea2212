/* A fixed set of threads running queued jobs in arrival order. The HTTP
 * server hands each request here so that a handler waiting for the database
 * never holds up the connections of other clients. */
#ifndef KF_WORKQ_H
#define KF_WORKQ_H

typedef struct kf_workq kf_workq;
typedef void (*kf_work_fn)(void *arg);

/* kf_workq_start: NTHREADS threads named NAME (at most 15 bytes); NULL when a
 * thread cannot be started. The caller owns the queue: kf_workq_free. */
kf_workq *kf_workq_start(int nthreads, const char *name);
/* kf_workq_push: queues FN(ARG); -1 (nothing queued) once stopping. */
int kf_workq_push(kf_workq *q, kf_work_fn fn, void *arg);
/* kf_workq_stop: refuses new jobs, runs every job already queued, joins the
 * threads. Q stays valid (kf_workq_push answers -1) until kf_workq_free. */
void kf_workq_stop(kf_workq *q);
/* kf_workq_free: stops Q if still running, then frees it. */
void kf_workq_free(kf_workq *q);

#endif
