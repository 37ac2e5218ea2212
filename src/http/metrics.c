#include "http/metrics.h"

#include "core/mem.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const int status_slots[] = {200, 201, 204, 301, 302, 304, 400, 401, 403, 404,
                                   405, 409, 413, 415, 422, 429, 500, 503, 0};
#define NSTATUS (sizeof(status_slots) / sizeof(status_slots[0])) /* last: other */

static const double bucket_s[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                  0.05,   0.1,   0.25,   0.5,   1,    2.5};
#define NBUCKETS (sizeof(bucket_s) / sizeof(bucket_s[0]))

typedef struct {
    _Atomic uint64_t by_status[NSTATUS];
    _Atomic uint64_t bucket[NBUCKETS]; /* non-cumulative; summed when rendered */
    _Atomic uint64_t count;
    _Atomic uint64_t sum_us;
} route_counters;

/* The millisecond histograms' bounds (KF_MS_BUCKETS_US), as labelled. */
static const int64_t short_bound_us[8] = KF_MS_BUCKETS_US;
static const char *const short_le[8] = {"0.0005", "0.001", "0.002", "0.005",
                                        "0.01",   "0.02",  "0.05",  "+Inf"};

struct kf_metrics {
    size_t nroutes; /* counters[nroutes] holds unmatched requests */
    route_counters *counters;
    _Atomic int64_t inflight;
    /* requests that waited for a worker: by short_bound_us (non-cumulative) */
    _Atomic uint64_t worker_wait[8];
    _Atomic uint64_t worker_wait_us;
};

kf_metrics *kf_metrics_new(size_t nroutes)
{
    kf_metrics *m = kf_calloc(1, sizeof(*m));
    m->nroutes = nroutes;
    m->counters = kf_calloc(nroutes + 1, sizeof(*m->counters));
    return m;
}

void kf_metrics_free(kf_metrics *m)
{
    if (!m) return;
    free(m->counters);
    free(m);
}

void kf_metrics_observe(kf_metrics *m, int route_index, int status, int64_t duration_us)
{
    size_t i =
        route_index >= 0 && (size_t)route_index < m->nroutes ? (size_t)route_index : m->nroutes;
    route_counters *c = &m->counters[i];
    size_t s = 0;
    while (status_slots[s] && status_slots[s] != status)
        s++;
    atomic_fetch_add_explicit(&c->by_status[s], 1, memory_order_relaxed);
    double secs = (double)duration_us / 1e6;
    for (size_t b = 0; b < NBUCKETS; b++) {
        if (secs <= bucket_s[b]) {
            atomic_fetch_add_explicit(&c->bucket[b], 1, memory_order_relaxed);
            break;
        }
    }
    atomic_fetch_add_explicit(&c->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&c->sum_us, (uint64_t)(duration_us > 0 ? duration_us : 0),
                              memory_order_relaxed);
}

void kf_metrics_worker_wait(kf_metrics *m, int64_t us)
{
    if (us < 0) us = 0;
    int b = 0;
    while (us > short_bound_us[b])
        b++; /* the last bound is INT64_MAX */
    atomic_fetch_add_explicit(&m->worker_wait[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->worker_wait_us, (uint64_t)us, memory_order_relaxed);
}

void kf_metrics_inflight(kf_metrics *m, int delta)
{
    atomic_fetch_add_explicit(&m->inflight, delta, memory_order_relaxed);
}

static void route_label(const kf_router *r, size_t i, size_t nroutes, char *out, size_t outlen)
{
    const kf_route *rt = i < nroutes ? kf_router_at(r, i) : NULL;
    snprintf(out, outlen, "method=\"%s\",route=\"%s\"", rt ? rt->method : "",
             rt ? rt->pattern : "unmatched");
}

static void render_requests(const kf_metrics *m, const kf_router *r, kf_buf *out)
{
    char label[512];
    kf_buf_puts(out, "# HELP kefu_http_requests_total HTTP requests by route and status.\n"
                     "# TYPE kefu_http_requests_total counter\n");
    for (size_t i = 0; i <= m->nroutes; i++) {
        route_label(r, i, m->nroutes, label, sizeof(label));
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t n = atomic_load_explicit(&m->counters[i].by_status[s], memory_order_relaxed);
            if (!n) continue;
            char status[8];
            if (status_slots[s])
                snprintf(status, sizeof(status), "%d", status_slots[s]);
            else
                strcpy(status, "other");
            kf_buf_printf(out, "kefu_http_requests_total{%s,status=\"%s\"} %llu\n", label, status,
                          (unsigned long long)n);
        }
    }
}

static void render_latency(const kf_metrics *m, const kf_router *r, kf_buf *out)
{
    char label[512];
    kf_buf_puts(out, "# HELP kefu_http_request_duration_seconds Time from request to answer.\n"
                     "# TYPE kefu_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= m->nroutes; i++) {
        const route_counters *c = &m->counters[i];
        uint64_t count = atomic_load_explicit(&c->count, memory_order_relaxed);
        if (!count) continue;
        route_label(r, i, m->nroutes, label, sizeof(label));
        uint64_t cumulative = 0;
        for (size_t b = 0; b < NBUCKETS; b++) {
            cumulative += atomic_load_explicit(&c->bucket[b], memory_order_relaxed);
            kf_buf_printf(out, "kefu_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n",
                          label, bucket_s[b], (unsigned long long)cumulative);
        }
        kf_buf_printf(out,
                      "kefu_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n"
                      "kefu_http_request_duration_seconds_sum{%s} %.6f\n"
                      "kefu_http_request_duration_seconds_count{%s} %llu\n",
                      label, (unsigned long long)count, label,
                      (double)atomic_load_explicit(&c->sum_us, memory_order_relaxed) / 1e6, label,
                      (unsigned long long)count);
    }
}

/* The header of histogram NAME. */
static void render_head(kf_buf *out, const char *name, const char *help)
{
    kf_buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
}

/* The 8 cumulative buckets of histogram NAME, with LABEL ("" or `k="v",`);
 * its _sum and _count follow from the caller, in their own units. */
static void render_le(kf_buf *out, const char *name, const char *label, const char *const le[8],
                      const uint64_t counts[8])
{
    for (int i = 0; i < 8; i++)
        kf_buf_printf(out, "%s_bucket{%sle=\"%s\"} %llu\n", name, label, le[i],
                      (unsigned long long)counts[i]);
}

static void render_buckets(kf_buf *out, const char *name, const char *help, const char *const le[8],
                           const uint64_t counts[8])
{
    render_head(out, name, help);
    render_le(out, name, "", le, counts);
}

/* A write's wait in the writer's queue, its batch and the log's sync. */
static void render_waits(const kf_store_stats *db, kf_buf *out)
{
    static const char *const stage[KF_WAIT_STAGES] = {"queue", "batch", "sync"};
    static const char name[] = "kefu_db_write_wait_seconds";
    render_head(out, name,
                "SQLite: a write's wait until durable, by stage: in the writer's queue, in its"
                " batch (run and committed with the jobs beside it), for the log's sync.");
    for (int i = 0; i < KF_WAIT_STAGES; i++) {
        char label[32];
        snprintf(label, sizeof(label), "stage=\"%s\",", stage[i]);
        render_le(out, name, label, short_le, db->wait_le[i]);
        kf_buf_printf(out, "%s_sum{stage=\"%s\"} %.6f\n%s_count{stage=\"%s\"} %llu\n", name,
                      stage[i], (double)db->wait_us[i] / 1e6, name, stage[i],
                      (unsigned long long)db->waited);
    }
}

static void render_worker_wait(const kf_metrics *m, kf_buf *out)
{
    uint64_t le[8], n = 0;
    for (int i = 0; i < 8; i++) {
        n += atomic_load_explicit(&m->worker_wait[i], memory_order_relaxed);
        le[i] = n;
    }
    render_buckets(out, "kefu_http_worker_wait_seconds",
                   "Requests that run on a worker (writes): their wait for a free one.", short_le,
                   le);
    kf_buf_printf(out,
                  "kefu_http_worker_wait_seconds_sum %.6f\n"
                  "kefu_http_worker_wait_seconds_count %llu\n",
                  (double)atomic_load_explicit(&m->worker_wait_us, memory_order_relaxed) / 1e6,
                  (unsigned long long)n);
}

static void render_db(const kf_store_stats *db, kf_buf *out)
{
    static const char *const batch_le[] = {"1", "2", "4", "8", "16", "32", "64", "+Inf"};
    render_buckets(out, "kefu_db_commit_batch_size", "Write transactions per durable commit.",
                   batch_le, db->batch_le);
    kf_buf_printf(out,
                  "kefu_db_commit_batch_size_sum %llu\n"
                  "kefu_db_commit_batch_size_count %llu\n"
                  "# HELP kefu_db_commits_total Durable commits (batches).\n"
                  "# TYPE kefu_db_commits_total counter\n"
                  "kefu_db_commits_total %llu\n"
                  "# HELP kefu_db_write_transactions_total Write transactions committed.\n"
                  "# TYPE kefu_db_write_transactions_total counter\n"
                  "kefu_db_write_transactions_total %llu\n"
                  "# HELP kefu_db_rollbacks_total Write transactions undone.\n"
                  "# TYPE kefu_db_rollbacks_total counter\n"
                  "kefu_db_rollbacks_total %llu\n"
                  "# HELP kefu_db_log_syncs_total SQLite log syncs that made commits durable.\n"
                  "# TYPE kefu_db_log_syncs_total counter\n"
                  "kefu_db_log_syncs_total %llu\n",
                  (unsigned long long)db->transactions, (unsigned long long)db->commits,
                  (unsigned long long)db->commits, (unsigned long long)db->transactions,
                  (unsigned long long)db->rollbacks, (unsigned long long)db->syncs);
    render_buckets(out, "kefu_db_log_sync_seconds",
                   "SQLite: time to make the log durable; each acknowledged write waited for one.",
                   short_le, db->sync_le);
    kf_buf_printf(out,
                  "kefu_db_log_sync_seconds_sum %.6f\n"
                  "kefu_db_log_sync_seconds_count %llu\n"
                  "# HELP kefu_db_statement_reprepares_total SQLite: statements prepared again"
                  " at their step (a schema change, or a new value of a parameter the plan"
                  " depends on).\n"
                  "# TYPE kefu_db_statement_reprepares_total counter\n"
                  "kefu_db_statement_reprepares_total %llu\n",
                  (double)db->sync_us / 1e6, (unsigned long long)db->syncs,
                  (unsigned long long)db->reprepares);
    kf_buf_printf(out,
                  "# HELP kefu_db_page_cache_bytes SQLite: memory of the page caches, the"
                  " writer's (given back after a second without writes) and the readers'.\n"
                  "# TYPE kefu_db_page_cache_bytes gauge\n"
                  "kefu_db_page_cache_bytes{connection=\"writer\"} %lld\n"
                  "kefu_db_page_cache_bytes{connection=\"readers\"} %lld\n",
                  (long long)db->writer_cache_bytes, (long long)db->reader_cache_bytes);
    render_waits(db, out);
}

void kf_metrics_render(const kf_metrics *m, const kf_router *r, const kf_store_stats *db,
                       kf_buf *out)
{
    render_requests(m, r, out);
    render_latency(m, r, out);
    kf_buf_printf(out,
                  "# HELP kefu_http_requests_in_flight Requests being answered now.\n"
                  "# TYPE kefu_http_requests_in_flight gauge\n"
                  "kefu_http_requests_in_flight %lld\n",
                  (long long)atomic_load_explicit(&m->inflight, memory_order_relaxed));
    render_worker_wait(m, out);
    render_db(db, out);
}
