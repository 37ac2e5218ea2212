/* The statistics routes (stats.c: the KPIs; stats_more.c: hot issues and
 * the facts behind a number) and what the report snapshots reuse. */
#ifndef KF_API_STATS_H
#define KF_API_STATS_H

#include "api/input.h"
#include "http/req.h"
#include "http/router.h"
#include "report/kpi.h"

#include <jansson.h>

/* What figures depend on besides the period: the language of the names and
 * the present (for "overdue now"). A request's, or the report job's. */
typedef struct {
    const char *lang; /* "zh-CN" or "en" */
    int64_t now;      /* the desk's time, ms UTC */
} kf_stats_env;

/* kf_stats_env_of: REQ's language and the desk's time. */
kf_stats_env kf_stats_env_of(const kf_req *req);

/* kf_stats_read_query: project_id (required, seen by the caller), from/to
 * (dates in the project's zone, this month so far by default, at most 366
 * days), group_by (DFLT when absent), type and the id filters, into Q.
 * KF_EINVAL with the problems in IN. */
int kf_stats_read_query(kf_req *req, kf_tx *tx, kf_input *in, kf_kpi_query *q, kf_kpi_by dflt);
/* kf_stats_period_json: {"project_id", "from", "to", "group_by"}. New reference. */
json_t *kf_stats_period_json(const kf_kpi_query *q);
/* kf_stats_key_json: a group's key as shown (id and name, or the date). */
json_t *kf_stats_key_json(const kf_stats_env *env, kf_tx *tx, kf_kpi_by by, int64_t key);
/* kf_stats_kpi_json: the KPI NAME ("intake", "repairs", "closure",
 * "satisfaction", "milestones", "workload") for Q: {period…, "rows": […]}. */
int kf_stats_kpi_json(const kf_stats_env *env, kf_tx *tx, const char *name, const kf_kpi_query *q,
                      json_t **out);
/* kf_stats_hot_issues_json: created tickets per month × category ×
 * building in Q's period, each with the month before's count. */
int kf_stats_hot_issues_json(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                             json_t **out);

/* kf_stats_reply: answers a statistics request: the problems in IN (RC
 * KF_EINVAL), the store's code RC, or OUT (stolen) with 200. */
void kf_stats_reply(kf_req *req, kf_input *in, int rc, json_t *out);

int kf_api_stats_register(kf_router *r);
int kf_api_stats_more_register(kf_router *r);

#endif
