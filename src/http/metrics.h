/* Prometheus counters: requests by route and status, a latency histogram per
 * route, connections in flight; database commit batches come from the store. */
#ifndef KF_METRICS_H
#define KF_METRICS_H

#include "core/buf.h"
#include "http/router.h"
#include "store/store.h"

#include <stdint.h>

typedef struct kf_metrics kf_metrics;

/* kf_metrics_new: counters for NROUTES routes (plus one for unmatched
 * requests); free with kf_metrics_free. */
kf_metrics *kf_metrics_new(size_t nroutes);
void kf_metrics_free(kf_metrics *m);
/* kf_metrics_observe: one finished request. ROUTE_INDEX is -1 for none. */
void kf_metrics_observe(kf_metrics *m, int route_index, int status, int64_t duration_us);
void kf_metrics_inflight(kf_metrics *m, int delta);
/* kf_metrics_worker_wait: a request that waited US microseconds for a
 * worker (from its hand-over to the start of its handler). */
void kf_metrics_worker_wait(kf_metrics *m, int64_t us);
/* kf_metrics_render: the Prometheus text exposition into OUT. */
void kf_metrics_render(const kf_metrics *m, const kf_router *r, const kf_store_stats *db,
                       kf_buf *out);

#endif
