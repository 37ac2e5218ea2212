/* A ticket as shown (工单详情): its columns, names, clocks and the moves
 * its caller may make, written as JSON text — for GET /api/v1/tickets/{id}
 * and for the answer to every write on a ticket (kf_ticket_present). */
#include "api/api_int.h"
#include "api/tickets_int.h"

#include "core/err.h"
#include "domain/pii.h"

#include <stdio.h>
#include <string.h>

static void category_write(kf_req *req, kf_tx *tx, const kf_ticket_names *names, int64_t id,
                           kf_jsonw *w)
{
    if (!id) {
        kf_jsonw_null(w);
        return;
    }
    kf_stmt *st;
    const char *code = names ? names->category_code : NULL;
    const char *zh = names ? names->category_zh : NULL, *en = names ? names->category_en : NULL;
    if (!names &&
        kf_tx_query(tx, &st, "SELECT code, name_zh, name_en FROM ticket_categories WHERE id = ?",
                    "i", id) == KF_OK &&
        kf_stmt_step(st) == KF_ROW) {
        code = kf_stmt_text(st, 0);
        zh = kf_stmt_text(st, 1);
        en = kf_stmt_text(st, 2);
    }
    kf_jsonw_object(w);
    kf_jsonw_key(w, "id");
    kf_jsonw_int(w, id);
    if (code) {
        kf_jsonw_key(w, "code");
        kf_jsonw_str(w, code);
        kf_jsonw_key(w, "name");
        kf_jsonw_str(w, req->lang && strncmp(req->lang, "en", 2) == 0 ? en : zh);
    }
    kf_jsonw_end(w);
}

static void caller_write(kf_tx *tx, const kf_ticket_names *names, const kf_ticket *t, kf_jsonw *w)
{
    char masked[40] = "";
    const char *phone = kf_ticket_s(t, "caller_phone"), *name = kf_ticket_s(t, "caller_name");
    if (phone) kf_mask_mobile(phone, masked, sizeof(masked));
    int64_t unit = kf_ticket_i(t, "unit_id");
    kf_jsonw_object(w);
    kf_jsonw_key(w, "person_id");
    kf_jsonw_id(w, kf_ticket_i(t, "person_id"));
    kf_jsonw_key(w, "unit_id");
    kf_jsonw_id(w, unit);
    kf_jsonw_key(w, "unit_code");
    kf_stmt *st;
    if (names)
        kf_jsonw_str(w, names->unit_code);
    else if (unit &&
             kf_tx_query(tx, &st, "SELECT code FROM units WHERE id = ?", "i", unit) == KF_OK &&
             kf_stmt_step(st) == KF_ROW)
        kf_jsonw_str(w, kf_stmt_text(st, 0));
    else
        kf_jsonw_null(w);
    kf_jsonw_key(w, "name");
    kf_jsonw_str(w, name ? name : "");
    kf_jsonw_key(w, "phone");
    kf_jsonw_str(w, phone ? masked : NULL);
    kf_jsonw_end(w);
}

static void allowed_write(const kf_ticket *t, kf_jsonw *w)
{
    kf_ticket_state out[KF_TS_COUNT];
    int held = kf_ticket_state_parse(kf_ticket_s(t, "held_from"));
    size_t n = kf_ticket_allowed(kf_ticket_status(t), held < 0 ? KF_TS_COUNT : held, out);
    kf_jsonw_array(w);
    for (size_t i = 0; i < n; i++)
        kf_jsonw_str(w, kf_ticket_state_name(out[i]));
    kf_jsonw_end(w);
}

/* "20261122-000123": the project's date of intake and the id. */
static void number_write(const kf_ticket *t, const kf_desk_calendar *cal, kf_jsonw *w)
{
    char day[11] = "", num[40];
    if (cal) kf_ticket_today(cal, kf_ticket_i(t, "created_at"), day);
    snprintf(num, sizeof(num), "%c%c%c%c%c%c%c%c-%06lld", day[0], day[1], day[2], day[3], day[5],
             day[6], day[8], day[9], (long long)kf_ticket_i(t, "id"));
    kf_jsonw_str(w, cal ? num : "");
}

/* The columns shown as they are stored. */
static const char *const shown_texts[] = {
    "type",        "channel",        "severity", "status", "held_from",  "hold_reason", "subject",
    "description", "invalid_reason", "answer",   "plan",   "resolution", "root_cause"};
static const char *const shown_ids[] = {"routing_rule_id", "policy_id",   "department_id",
                                        "assignee_id",     "merged_into", "created_by"};
static const char *const shown_times[] = {"visit_at",  "dispatched_at", "resolved_at",
                                          "closed_at", "next_due_at",   "created_at",
                                          "updated_at"};
static const char *const shown_counts[] = {"escalation_level", "reopen_count", "chase_count"};

void kf_ticket_present(kf_req *req, kf_tx *tx, const kf_ticket_names *names, const kf_ticket *t,
                       const kf_desk_calendar *cal, int64_t now, kf_jsonw *w)
{
    kf_ticket_names loaded;
    if (!names && t->names_loaded) { /* kf_ticket_read read them with the row */
        loaded =
            (kf_ticket_names){kf_ticket_s(t, "category_code"), kf_ticket_s(t, "category_name_zh"),
                              kf_ticket_s(t, "category_name_en"), kf_ticket_s(t, "unit_code")};
        names = &loaded;
    }
    kf_jsonw_object(w);
    kf_jsonw_key(w, "id");
    kf_jsonw_int(w, kf_ticket_i(t, "id"));
    kf_jsonw_key(w, "number");
    number_write(t, cal, w);
    kf_jsonw_key(w, "project_id");
    kf_jsonw_int(w, kf_ticket_i(t, "project_id"));
    for (size_t i = 0; i < sizeof(shown_texts) / sizeof(shown_texts[0]); i++) {
        kf_jsonw_key(w, shown_texts[i]);
        kf_jsonw_str(w, kf_ticket_s(t, shown_texts[i]));
    }
    kf_jsonw_key(w, "is_open");
    kf_jsonw_bool(w, (int)kf_ticket_i(t, "is_open"));
    kf_jsonw_key(w, "category");
    category_write(req, tx, names, kf_ticket_i(t, "category_id"), w);
    kf_jsonw_key(w, "caller");
    caller_write(tx, names, t, w);
    for (size_t i = 0; i < sizeof(shown_ids) / sizeof(shown_ids[0]); i++) {
        kf_jsonw_key(w, shown_ids[i]);
        kf_jsonw_id(w, kf_ticket_i(t, shown_ids[i]));
    }
    for (size_t i = 0; i < sizeof(shown_counts) / sizeof(shown_counts[0]); i++) {
        kf_jsonw_key(w, shown_counts[i]);
        kf_jsonw_int(w, kf_ticket_i(t, shown_counts[i]));
    }
    kf_jsonw_key(w, "repeat_of");
    kf_jsonw_id(w, kf_ticket_i(t, "repeat_of"));
    /* first-time close (一次关闭): closed without ever being reopened */
    kf_jsonw_key(w, "first_time_close");
    if (strcmp(kf_ticket_s(t, "status"), "closed") == 0)
        kf_jsonw_bool(w, kf_ticket_i(t, "reopen_count") == 0);
    else
        kf_jsonw_null(w);
    for (size_t i = 0; i < sizeof(shown_times) / sizeof(shown_times[0]); i++) {
        kf_jsonw_key(w, shown_times[i]);
        kf_jsonw_time(w, kf_ticket_i(t, shown_times[i]));
    }
    kf_jsonw_key(w, "allowed_transitions");
    allowed_write(t, w);
    kf_jsonw_key(w, "clocks");
    kf_ticket_clocks_write(t, cal ? &cal->cal : NULL, now, w);
    kf_jsonw_key(w, "version");
    kf_jsonw_int(w, kf_ticket_i(t, "version"));
    kf_jsonw_end(w);
}

static void ticket_get(kf_req *req)
{
    int64_t id;
    if (kf_req_param_id(req, "id", &id) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    kf_ticket t;
    int rc = kf_ticket_read(tx, id, &t);
    if (rc == KF_OK && !kf_req_sees_project(req, kf_ticket_i(&t, "project_id"))) rc = KF_ENOTFOUND;
    kf_desk_calendar *cal = NULL;
    if (rc == KF_OK)
        rc = kf_calendar_cache_get(req->app->calendars, tx, kf_ticket_i(&t, "project_id"),
                                   kf_now_ms(), &cal);
    if (rc == KF_OK) {
        kf_buf out;
        kf_buf_init(&out, 0);
        kf_jsonw w;
        kf_jsonw_init(&w, &out);
        kf_ticket_present(req, tx, NULL, &t, cal, kf_app_now(req->app), &w);
        size_t len = out.len;
        kf_reply_owned(req, 200, "application/json; charset=utf-8", kf_buf_steal(&out), len);
    } else {
        kf_reply_status(req, rc);
    }
    kf_desk_calendar_free(cal);
    kf_ticket_release(&t);
}

int kf_api_ticket_show_register(kf_router *r)
{
    return kf_router_add(r, "GET", "/api/v1/tickets/{id}", "tickets.read", ticket_get, 0);
}
