/* In-app notifications (站内通知) written by the desk — assignments,
 * reminders, breaches, escalations — each rendered in the reader's language.
 * Also the test-only clock that lets tests move deadlines past. */
#include "api/api.h"
#include "api/api_int.h"

#include "core/err.h"
#include "desk/alarms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *key, *zh, *en;
} milestone_labels[] = {
    {"acknowledge", "响应", "acknowledgement"},        {"contact", "联系客户", "customer contact"},
    {"plan", "方案及上门时间", "plan and visit time"}, {"resolve", "处理完成", "resolution"},
    {"follow_up", "回访", "follow-up call"},           {"onsite", "经理上门", "manager on site"},
};

static const struct {
    const char *kind, *zh, *en;
} kind_texts[] = {
    {"assigned", "新工单已派给您", "A ticket was assigned to you"},
    {"remind", "工单即将超时：%s", "Due soon: %s"},
    {"breach", "工单已超时：%s（已升级至主管）", "Overdue: %s (escalated to the supervisor)"},
    {"escalate", "工单严重超时：%s（已升级至经理）", "Long overdue: %s (escalated to the manager)"},
    {"chased", "客户催单，请尽快处理", "The customer chased this ticket: please act on it"},
    {"major_complaint", "重大投诉：请在2个工作日内安排经理上门",
     "Major complaint: arrange a manager's visit within 2 working days"},
    {"charge_pending", "有费用或赔偿等待您审批", "A cost or compensation awaits your approval"},
    {"charge_approved", "您提交的费用或赔偿已获批准", "Your cost or compensation was approved"},
    {"charge_refused", "您提交的费用或赔偿被驳回", "Your cost or compensation was refused"},
};

static json_t *render(const char *lang, const char *kind, const char *milestone)
{
    int en = lang && strncmp(lang, "en", 2) == 0;
    const char *label = milestone ? milestone : "";
    for (size_t i = 0; milestone && i < sizeof(milestone_labels) / sizeof(milestone_labels[0]); i++)
        if (strcmp(milestone_labels[i].key, milestone) == 0)
            label = en ? milestone_labels[i].en : milestone_labels[i].zh;
    for (size_t i = 0; i < sizeof(kind_texts) / sizeof(kind_texts[0]); i++)
        if (strcmp(kind_texts[i].kind, kind) == 0) {
            /* the template's "%s" is the milestone */
            const char *tpl = en ? kind_texts[i].en : kind_texts[i].zh;
            const char *hole = strstr(tpl, "%s");
            char text[256];
            if (!hole) return json_string(tpl);
            snprintf(text, sizeof(text), "%.*s%s%s", (int)(hole - tpl), tpl, label, hole + 2);
            return json_string(text);
        }
    return json_string(kind);
}

static void notifications_list(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    int64_t after = 0, limit = 50;
    kf_query_i64(&in, "limit", 1, 200, &limit);
    const char *unread = kf_query_str(&in, "unread", 8);
    if (unread && strcmp(unread, "true") != 0 && strcmp(unread, "false") != 0)
        kf_input_fail(&in, "unread", "must_be_boolean");
    const char *c = kf_req_query(req, "cursor");
    if (c && *c) {
        char *end;
        after = strtoll(c, &end, 10);
        if (*end || after <= 0) kf_input_fail(&in, "cursor", "bad_cursor");
    }
    if (kf_input_end(&in) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int only_unread = unread && strcmp(unread, "true") == 0;
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT n.id, n.kind, n.milestone, n.ticket_id, n.project_id,"
                         " n.created_at, n.read_at, t.subject FROM notifications n"
                         " LEFT JOIN tickets t ON t.id = n.ticket_id WHERE n.user_id = ?"
                         " AND (? = 0 OR n.read_at IS NULL) AND n.id < ? ORDER BY n.id DESC"
                         " LIMIT ?",
                         "iiii", req->auth->user.id, (int64_t)only_unread,
                         after ? after : INT64_MAX, limit);
    json_t *items = json_array();
    int64_t last = 0;
    while (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_ROW) {
        const char *ms = kf_stmt_text(st, 2), *subject = kf_stmt_text(st, 7);
        json_array_append_new(
            items, json_pack("{s:I, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:o}", "id",
                             (json_int_t)kf_stmt_i64(st, 0), "kind", kf_stmt_text(st, 1),
                             "milestone", ms ? json_string(ms) : json_null(), "ticket_id",
                             kf_stmt_isnull(st, 3) ? json_null() : json_integer(kf_stmt_i64(st, 3)),
                             "project_id", (json_int_t)kf_stmt_i64(st, 4), "subject",
                             subject ? json_string(subject) : json_null(), "text",
                             render(req->lang, kf_stmt_text(st, 1), ms), "created_at",
                             kf_api_time(kf_stmt_i64(st, 5)), "read_at",
                             kf_api_time(kf_stmt_isnull(st, 6) ? 0 : kf_stmt_i64(st, 6))));
        last = kf_stmt_i64(st, 0);
        rc = KF_OK;
    }
    int64_t unread_count = 0;
    if (rc == KF_DONE || rc == KF_OK)
        rc = kf_tx_i64(tx, &unread_count,
                       "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL",
                       "i", req->auth->user.id);
    if (rc != KF_OK) {
        json_decref(items);
        kf_reply_status(req, rc);
        return;
    }
    json_t *page = kf_api_page(items, (int64_t)json_array_size(items) == limit ? last : 0);
    json_object_set_new(page, "unread", json_integer(unread_count));
    kf_reply_json(req, 200, page);
}

typedef struct {
    int64_t user, id, now, changed;
} read_job;

static int mark_read(kf_tx *tx, void *ctx)
{
    read_job *j = ctx;
    return kf_tx_exec(tx, &j->changed,
                      "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL"
                      " AND (CAST(? AS BIGINT) = 0 OR id = ?)",
                      "iiii", j->now, j->user, j->id, j->id);
}

static void notification_read(kf_req *req)
{
    read_job j = {.user = req->auth->user.id, .now = kf_app_now(req->app)};
    if (kf_req_param_id(req, "id", &j.id) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int64_t owner = 0;
    int rc = kf_tx_i64(tx, &owner, "SELECT user_id FROM notifications WHERE id = ?", "i", j.id);
    if (rc == KF_OK && owner != j.user) rc = KF_ENOTFOUND; /* another's: as if absent */
    if (rc == KF_OK) rc = kf_req_write(req, mark_read, &j);
    if (rc != KF_OK)
        kf_reply_status(req, rc);
    else
        kf_reply_empty(req, 204);
}

static void notifications_read_all(kf_req *req)
{
    read_job j = {.user = req->auth->user.id, .now = kf_app_now(req->app)};
    int rc = kf_req_write(req, mark_read, &j);
    if (rc != KF_OK)
        kf_reply_status(req, rc);
    else
        kf_reply_json(req, 200, json_pack("{s:I}", "marked", (json_int_t)j.changed));
}

/* POST /api/v1/test/clock: moves the desk's clock (test builds started with
 * --test-clock only), then fires what fell due, before answering. */
static void test_clock(kf_req *req)
{
    if (!req->app->test_clock) {
        kf_reply_error(req, 404, "not_found", NULL);
        return;
    }
    static const char *const fields[] = {"advance_minutes", "now", NULL};
    kf_input in;
    if (kf_input_begin(&in, req, fields) != 0) return;
    int64_t minutes = 0, at = 0;
    int has_minutes = kf_input_i64(&in, "advance_minutes", 0, 0, 60 * 24 * 3650, &minutes);
    const char *now_s = kf_input_str(&in, "now", 0, 1, 40);
    if (now_s && kf_time_parse(now_s, &at) != 0) kf_input_fail(&in, "now", "bad_time");
    if (!has_minutes && !now_s) kf_input_fail(&in, "advance_minutes", "required");
    if (kf_input_end(&in) != 0) return;
    if (now_s) {
        int64_t offset = at - kf_now_ms();
        int64_t current = atomic_load(&req->app->clock_offset_ms);
        if (offset < current) offset = current; /* time never runs backwards */
        atomic_store(&req->app->clock_offset_ms, offset);
    }
    atomic_fetch_add(&req->app->clock_offset_ms, minutes * 60000);
    int64_t now = kf_app_now(req->app);
    int fired = 0;
    kf_req_read_done(req);
    kf_alarms_kick(req->app->alarms, 1); /* its sleep was measured on the old clock */
    int rc = kf_alarms_run_due(req->app, now, &fired);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200,
                  json_pack("{s:o, s:I, s:i}", "now", kf_api_time(now), "offset_minutes",
                            (json_int_t)(atomic_load(&req->app->clock_offset_ms) / 60000), "fired",
                            fired));
}

int kf_api_notifications_register(kf_router *r)
{
    if (kf_router_add(r, "GET", "/api/v1/notifications", "authenticated", notifications_list, 0) !=
            KF_OK ||
        kf_router_add(r, "POST", "/api/v1/notifications/{id}/read", "authenticated",
                      notification_read, 0) != KF_OK ||
        kf_router_add(r, "POST", "/api/v1/notifications/read-all", "authenticated",
                      notifications_read_all, 0) != KF_OK ||
        kf_router_add(r, "POST", "/api/v1/test/clock", "test.clock", test_clock, 0) != KF_OK)
        return KF_EINVAL;
    return KF_OK;
}
