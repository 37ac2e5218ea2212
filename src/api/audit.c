/* GET /api/v1/audit: the audit log, newest first, filtered. */
#include "api/api.h"
#include "api/api_int.h"

#include "core/err.h"

static void audit_list(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    kf_audit_filter f = {.limit = 50};
    int64_t limit = 50;
    f.entity = kf_query_str(&in, "entity", 64);
    f.action = kf_query_str(&in, "action", 64);
    kf_query_i64(&in, "entity_id", 1, INT64_MAX, &f.entity_id);
    kf_query_i64(&in, "actor_id", 1, INT64_MAX, &f.actor_id);
    kf_query_time(&in, "from", &f.from_ms);
    kf_query_time(&in, "to", &f.to_ms);
    kf_query_i64(&in, "limit", 1, 500, &limit);
    kf_api_cursor(&in, &f.before_id);
    if (f.from_ms && f.to_ms && f.to_ms <= f.from_ms) kf_input_fail(&in, "to", "out_of_range");
    if (kf_input_end(&in)) return;
    f.limit = (int)limit;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    json_t *items;
    int64_t last = 0;
    int rc = kf_audit_list(tx, &f, &items, &last);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, kf_api_page(items, (int)json_array_size(items) == f.limit ? last : 0));
}

int kf_api_audit_register(kf_router *r)
{
    return kf_router_add(r, "GET", "/api/v1/audit", "audit.read", audit_list, 0);
}
