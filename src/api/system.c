/* The server's own pages: the index, /healthz, /metrics, the API description. */
#include "api/api.h"
#include "api/api_int.h"

#include "core/buf.h"
#include "core/embedded.h"
#include "core/err.h"
#include "http/metrics.h"
#include "store/demo.h"

#include <string.h>

static void index_page(kf_req *req)
{
    kf_buf b;
    kf_buf_init(&b, 0);
    kf_buf_printf(&b,
                  "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                  "<title>kefu 客服</title></head><body>\n"
                  "<h1>kefu 客服运作系统</h1>\n<p>版本 Version %s · 数据库 Database %s</p>\n",
                  KEFU_VERSION, kf_store_backend_name(req->app->store));
    if (req->app->demo) {
        size_t n;
        const kf_demo_account *a = kf_demo_accounts(&n);
        kf_buf_puts(&b, "<h2>演示账号 Demo logins</h2>\n<table>\n"
                        "<tr><th>账号 login</th><th>角色 role</th><th>密码 password</th></tr>\n");
        for (size_t i = 0; i < n; i++)
            kf_buf_printf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n", a[i].login,
                          kf_role_label((kf_role)kf_role_parse(a[i].role), "zh-CN"),
                          KF_DEMO_PASSWORD);
        kf_buf_puts(&b, "</table>\n");
    }
    kf_buf_puts(&b, "<p>API: <a href=\"/api/v1/openapi.yaml\">/api/v1/openapi.yaml</a></p>\n"
                    "</body></html>\n");
    kf_reply_raw(req, 200, "text/html; charset=utf-8", b.data, b.len);
    kf_buf_free(&b);
}

static void healthz(kf_req *req)
{
    kf_tx *tx = kf_req_read(req);
    int64_t one = 0;
    if (!tx || kf_tx_i64(tx, &one, "SELECT 1", NULL) != KF_OK) {
        if (!req->status)
            kf_reply_json(req, 503, json_pack("{s:s, s:s}", "status", "fail", "db", "fail"));
        return;
    }
    kf_reply_json(req, 200,
                  json_pack("{s:s, s:s, s:s, s:s}", "status", "ok", "db", "ok", "backend",
                            kf_store_backend_name(req->app->store), "version", KEFU_VERSION));
}

static void metrics(kf_req *req)
{
    kf_store_stats db;
    kf_store_stats_get(req->app->store, &db);
    kf_buf b;
    kf_buf_init(&b, 0);
    kf_metrics_render(req->app->metrics, req->app->router, &db, &b);
    kf_reply_raw(req, 200, "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "", b.len);
    kf_buf_free(&b);
}

static void openapi(kf_req *req)
{
    const kf_embedded_file *f = kf_embedded_find("docs/openapi.yaml");
    if (!f) {
        kf_reply_status(req, KF_ENOTFOUND);
        return;
    }
    kf_reply_raw(req, 200, "application/yaml; charset=utf-8", f->data, f->size);
}

int kf_api_system_register(kf_router *r)
{
    int rc = KF_OK;
    if (rc == KF_OK) rc = kf_router_add(r, "GET", "/", KF_PERM_PUBLIC, index_page, 0);
    if (rc == KF_OK) rc = kf_router_add(r, "GET", "/healthz", KF_PERM_PUBLIC, healthz, 0);
    if (rc == KF_OK) rc = kf_router_add(r, "GET", "/metrics", "system.metrics", metrics, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "GET", "/api/v1/openapi.yaml", KF_PERM_PUBLIC, openapi, 0);
    return rc;
}
