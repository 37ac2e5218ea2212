/* Related tickets (关联工单): an agent links two tickets of one project (the
 * same leak reported by two neighbours, a complaint about a repair), and
 * unlinks them. A link is kept once per direction and is an event on both
 * timelines. Duplicates are merged instead (the `merged` transition); a
 * repeat is found at intake (repeat_of). */
#include "api/api.h"
#include "api/api_int.h"
#include "api/tickets_int.h"

#include "core/err.h"
#include "desk/ticket.h"

#include <stdio.h>

typedef struct {
    kf_req *req;
    kf_input *in;
    int64_t ticket, other, actor, now;
    int unlink;
    int err_status;
    const char *err_code;
} link_job;

static int events(kf_tx *tx, link_job *l, const char *kind)
{
    const int64_t pair[2][2] = {{l->ticket, l->other}, {l->other, l->ticket}};
    int rc = KF_OK;
    for (int i = 0; i < 2 && rc == KF_OK; i++) {
        json_t *data = json_pack("{s:I}", "ticket_id", (json_int_t)pair[i][1]);
        rc = kf_ticket_event(tx, pair[i][0], l->actor, kind, NULL, NULL, "", data, l->now);
        json_decref(data);
    }
    return rc;
}

static int link_write(kf_tx *tx, void *ctx)
{
    link_job *l = ctx;
    int64_t mine = 0, theirs = 0, changed = 0;
    int rc = kf_ticket_project_seen(l->req, tx, l->ticket, &mine);
    if (rc != KF_OK) return rc;
    rc = kf_ticket_project_seen(l->req, tx, l->other, &theirs);
    if (rc == KF_ENOTFOUND || (rc == KF_OK && theirs != mine)) {
        kf_input_fail(l->in, "ticket_id", rc == KF_OK ? "other_project" : "unknown_reference");
        return KF_EINVAL;
    }
    if (rc != KF_OK) return rc;
    if (l->unlink) {
        rc = kf_tx_exec(tx, &changed,
                        "DELETE FROM ticket_links WHERE (ticket_id = ? AND other_id = ?)"
                        " OR (ticket_id = ? AND other_id = ?)",
                        "iiii", l->ticket, l->other, l->other, l->ticket);
        if (rc == KF_OK && !changed) return KF_ENOTFOUND;
        return rc == KF_OK ? events(tx, l, "unlinked") : rc;
    }
    rc = kf_tx_exec(
        tx, &changed,
        "INSERT INTO ticket_links (ticket_id, other_id, created_by, created_at)"
        " VALUES (?, ?, ?, ?), (?, ?, ?, ?) ON CONFLICT (ticket_id, other_id) DO NOTHING",
        "iiiiiiii", l->ticket, l->other, l->actor, l->now, l->other, l->ticket, l->actor, l->now);
    if (rc == KF_OK && !changed) {
        l->err_status = 409;
        l->err_code = "already_linked";
        return KF_ECONFLICT;
    }
    return rc == KF_OK ? events(tx, l, "linked") : rc;
}

static void run_link(kf_req *req, link_job *l, kf_input *in)
{
    l->req = req;
    l->in = in;
    l->actor = req->auth->user.id;
    l->now = kf_app_now(req->app);
    if (l->other == l->ticket) kf_input_fail(in, "ticket_id", "same_ticket");
    if (kf_input_end(in) != 0) return;
    int rc = kf_req_write(req, link_write, l);
    if (rc == KF_EINVAL && in->fields)
        kf_input_end(in);
    else if (l->err_code)
        kf_reply_error(req, l->err_status, l->err_code, NULL);
    else if (rc != KF_OK)
        kf_reply_status(req, rc);
    else if (l->unlink)
        kf_reply_empty(req, 204);
    else
        kf_reply_json(req, 201,
                      json_pack("{s:I, s:I, s:I, s:o}", "ticket_id", (json_int_t)l->ticket,
                                "other_id", (json_int_t)l->other, "created_by",
                                (json_int_t)l->actor, "created_at", kf_api_time(l->now)));
}

static void link_create(kf_req *req)
{
    static const char *const fields[] = {"ticket_id", NULL};
    link_job l = {0};
    if (kf_req_param_id(req, "id", &l.ticket) != 0) return;
    kf_input in;
    if (kf_input_begin(&in, req, fields) != 0) return;
    kf_input_i64(&in, "ticket_id", 1, 1, INT64_MAX, &l.other);
    run_link(req, &l, &in);
}

static void link_delete(kf_req *req)
{
    link_job l = {.unlink = 1};
    if (kf_req_param_id(req, "id", &l.ticket) != 0 || kf_req_param_id(req, "other", &l.other) != 0)
        return;
    kf_input in;
    kf_query_begin(&in, req);
    run_link(req, &l, &in);
}

static json_t *link_json(kf_stmt *st, const void *ctx)
{
    (void)ctx;
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "ticket_id", (json_int_t)kf_stmt_i64(st, 0),
                     "subject", kf_stmt_text(st, 1), "status", kf_stmt_text(st, 2), "type",
                     kf_stmt_text(st, 3), "created_by",
                     kf_stmt_isnull(st, 4) ? json_null() : json_integer(kf_stmt_i64(st, 4)),
                     "created_at", kf_api_time(kf_stmt_i64(st, 5)));
}

static void links_list(kf_req *req)
{
    kf_ticket_reply_rows(req,
                         "SELECT l.other_id, t.subject, t.status, t.type, l.created_by,"
                         " l.created_at FROM ticket_links l JOIN tickets t ON t.id = l.other_id"
                         " WHERE l.ticket_id = ? ORDER BY l.other_id",
                         link_json);
}

int kf_api_ticket_links_register(kf_router *r)
{
    if (kf_router_add(r, "POST", "/api/v1/tickets/{id}/links", "tickets.write", link_create, 0) !=
            KF_OK ||
        kf_router_add(r, "GET", "/api/v1/tickets/{id}/links", "tickets.read", links_list, 0) !=
            KF_OK ||
        kf_router_add(r, "DELETE", "/api/v1/tickets/{id}/links/{other}", "tickets.write",
                      link_delete, 0) != KF_OK)
        return KF_EINVAL;
    return KF_OK;
}
