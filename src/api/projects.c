/* GET /api/v1/projects and /api/v1/projects/{id}: only the caller's projects;
 * another project answers 404, not 403, so its existence is not revealed. */
#include "api/api.h"
#include "api/api_int.h"

#include "core/err.h"
#include "store/projects.h"

static void projects_list(kf_req *req)
{
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    json_t *items;
    int rc = kf_projects_json(tx, req->auth->project_ids, req->auth->nprojects,
                              kf_role_is_global(req->auth->role), &items);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

static void projects_get(kf_req *req)
{
    int64_t id;
    if (kf_req_param_id(req, "id", &id)) return;
    if (!kf_req_sees_project(req, id)) {
        kf_reply_status(req, KF_ENOTFOUND);
        return;
    }
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    json_t *p;
    int rc = kf_project_json(tx, id, &p);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, p);
}

int kf_api_projects_register(kf_router *r)
{
    int rc = kf_router_add(r, "GET", "/api/v1/projects", "projects.read", projects_list, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "GET", "/api/v1/projects/{id}", "projects.read", projects_get, 0);
    return rc;
}
