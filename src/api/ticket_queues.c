/* The ticket queues (mine, my department's, unassigned, escalated, waiting follow-up, overdue,
 * due soon, all) and their counts: lists are index range scans within the
 * caller's projects, counts come from the maintained ticket_counts rows and
 * the deadline index, never a count over all tickets. A list with q= is a
 * search over the queue (ticket_search.c). */
#include "api/api.h"
#include "api/api_int.h"
#include "api/ticket_list.h"
#include "api/tickets_int.h"

#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A list answer's ceiling: 200 rows of short text stay far below it. */
#define PAGE_MAX ((size_t)8 << 20)

void kf_list_page_init(kf_list_page *page)
{
    memset(page, 0, sizeof(*page));
    kf_buf_init(&page->items, PAGE_MAX);
    kf_jsonw_init(&page->w, &page->items);
    kf_jsonw_object(&page->w);
    kf_jsonw_key(&page->w, "items");
    kf_jsonw_array(&page->w);
}

void kf_list_page_free(kf_list_page *page)
{
    kf_buf_free(&page->items);
}

/* The short form of a ticket in a list (KF_LIST_COLUMNS). */
void kf_list_page_add(kf_list_page *page, kf_stmt *st)
{
    kf_jsonw *w = &page->w;
    const char *caller = kf_stmt_text(st, 12);
    kf_jsonw_object(w);
    kf_jsonw_key(w, "id");
    kf_jsonw_int(w, kf_stmt_i64(st, 0));
    kf_jsonw_key(w, "project_id");
    kf_jsonw_int(w, kf_stmt_i64(st, 1));
    kf_jsonw_key(w, "type");
    kf_jsonw_str(w, kf_stmt_text(st, 2));
    kf_jsonw_key(w, "severity");
    kf_jsonw_str(w, kf_stmt_text(st, 3));
    kf_jsonw_key(w, "status");
    kf_jsonw_str(w, kf_stmt_text(st, 4));
    kf_jsonw_key(w, "subject");
    kf_jsonw_str(w, kf_stmt_text(st, 5));
    kf_jsonw_key(w, "category_id");
    kf_jsonw_id(w, kf_stmt_i64(st, 6));
    kf_jsonw_key(w, "department_id");
    kf_jsonw_id(w, kf_stmt_i64(st, 7));
    kf_jsonw_key(w, "assignee_id");
    kf_jsonw_id(w, kf_stmt_i64(st, 8));
    kf_jsonw_key(w, "escalation_level");
    kf_jsonw_int(w, kf_stmt_i64(st, 9));
    kf_jsonw_key(w, "next_due_at");
    kf_jsonw_time(w, kf_stmt_i64(st, 10));
    kf_jsonw_key(w, "unit_id");
    kf_jsonw_id(w, kf_stmt_i64(st, 11));
    kf_jsonw_key(w, "caller_name");
    kf_jsonw_str(w, caller ? caller : "");
    kf_jsonw_key(w, "created_at");
    kf_jsonw_time(w, kf_stmt_i64(st, 13));
    kf_jsonw_key(w, "updated_at");
    kf_jsonw_time(w, kf_stmt_i64(st, 14));
    kf_jsonw_key(w, "version");
    kf_jsonw_int(w, kf_stmt_i64(st, 15));
    kf_jsonw_end(w);
    page->n++;
    page->last_id = kf_stmt_i64(st, 0);
    page->last_due = kf_stmt_i64(st, 10);
}

void kf_list_page_reply(kf_req *req, kf_list_page *page, const kf_list_query *lq, int by_due)
{
    kf_jsonw *w = &page->w;
    kf_jsonw_end(w);
    kf_jsonw_key(w, "next_cursor");
    if (page->n == lq->limit) {
        char buf[48];
        if (by_due)
            snprintf(buf, sizeof(buf), "%lld.%lld", (long long)page->last_due,
                     (long long)page->last_id);
        else
            snprintf(buf, sizeof(buf), "%lld", (long long)page->last_id);
        kf_jsonw_str(w, buf);
    } else {
        kf_jsonw_null(w);
    }
    kf_jsonw_end(w);
    if (w->failed) {
        kf_list_page_free(page);
        kf_reply_error(req, 500, "internal", NULL);
        return;
    }
    size_t len = page->items.len;
    kf_reply_owned(req, 200, "application/json; charset=utf-8", kf_buf_steal(&page->items), len);
    kf_list_page_free(page);
}

static const char *const queue_names[] = {"all",        "mine",      "department",
                                          "unassigned", "escalated", "overdue",
                                          "due_soon",   "follow_up", NULL};

const char *const kf_queue_cond[KF_Q_COUNT] = {
    [KF_Q_ALL] = KF_COND_ALL,
    [KF_Q_MINE] = KF_COND_MINE,
    [KF_Q_DEPARTMENT] = KF_COND_DEPARTMENT,
    [KF_Q_UNASSIGNED] = KF_COND_UNASSIGNED,
    [KF_Q_ESCALATED] = KF_COND_ESCALATED,
    [KF_Q_OVERDUE] = KF_COND_DUE,
    [KF_Q_DUE_SOON] = KF_COND_DUE,
    [KF_Q_FOLLOW_UP] = KF_COND_FOLLOW_UP,
};

#define BY_ID(scope, cond)                                                                         \
    "SELECT " KF_LIST_COLUMNS " FROM tickets t WHERE" scope cond                                   \
    " AND t.id < ? ORDER BY t.id DESC LIMIT ?"
/* Soonest deadline first; the cursor is "due_ms.id". */
#define BY_DUE(scope)                                                                              \
    "SELECT " KF_LIST_COLUMNS " FROM tickets t WHERE" scope " AND t.next_due_at IS NOT NULL"       \
    " AND (t.next_due_at, t.id) > (?, ?) AND t.next_due_at <= ? ORDER BY t.next_due_at, t.id"      \
    " LIMIT ?"
#define QUEUES(scope)                                                                              \
    {                                                                                              \
        [KF_Q_ALL] = BY_ID(scope, KF_COND_ALL), [KF_Q_MINE] = BY_ID(scope, KF_COND_MINE),          \
        [KF_Q_DEPARTMENT] = BY_ID(KF_SCOPE_NOT_INDEXED(scope), KF_COND_DEPARTMENT),                \
        [KF_Q_UNASSIGNED] = BY_ID(scope, KF_COND_UNASSIGNED),                                      \
        [KF_Q_ESCALATED] = BY_ID(scope, KF_COND_ESCALATED), [KF_Q_OVERDUE] = BY_DUE(scope),        \
        [KF_Q_DUE_SOON] = BY_DUE(scope), [KF_Q_FOLLOW_UP] = BY_ID(scope, KF_COND_FOLLOW_UP),       \
    }
/* [0]: one project, [1]: all the caller sees. */
static const char *const queue_sql[2][KF_Q_COUNT] = {QUEUES(KF_SCOPE_ONE), QUEUES(KF_SCOPE_MANY)};

static void read_cursor(kf_input *in, kf_list_query *lq, const char *c)
{
    char *end;
    /* a search lists by id whatever the queue */
    if ((lq->q == KF_Q_OVERDUE || lq->q == KF_Q_DUE_SOON) && !lq->terms) {
        lq->after_due = strtoll(c, &end, 10);
        if (*end == '.') lq->after_id = strtoll(end + 1, &end, 10);
    } else {
        lq->after_id = strtoll(c, &end, 10);
    }
    if (*end || lq->after_id <= 0) kf_input_fail(in, "cursor", "bad_cursor");
}

/* q: present but with nothing to search for (empty, spaces, punctuation)
 * is a mistake, not a request for every ticket. */
static void read_search(kf_req *req, kf_input *in, kf_list_query *lq)
{
    const char *raw = kf_req_query(req, "q");
    if (!raw) return;
    const char *q = *raw ? kf_query_str(in, "q", KF_SEARCH_QUERY_MAX) : NULL;
    if (*raw && !q) return; /* too long or not UTF-8: already said */
    lq->text = q;
    lq->terms = kf_search_query(kf_store_backend(req->app->store), q ? q : "", lq->match);
    if (lq->terms <= 0) kf_input_fail(in, "q", lq->terms < 0 ? "too_long" : "no_search_terms");
}

static int read_list_query(kf_req *req, kf_input *in, kf_list_query *lq)
{
    kf_query_begin(in, req);
    const char *q = kf_query_str(in, "queue", 32);
    lq->q = KF_Q_ALL;
    if (q) {
        lq->q = -1;
        for (int i = 0; queue_names[i]; i++)
            if (strcmp(queue_names[i], q) == 0) lq->q = i;
        if (lq->q < 0) kf_input_fail(in, "queue", "not_in_list");
    }
    lq->limit = 50;
    lq->within = 240;
    kf_query_i64(in, "limit", 1, 200, &lq->limit);
    kf_query_i64(in, "project_id", 1, INT64_MAX, &lq->project);
    kf_query_i64(in, "department_id", 1, INT64_MAX, &lq->department);
    kf_query_i64(in, "within_minutes", 1, 60 * 24 * 30, &lq->within);
    lq->status = kf_query_str(in, "status", 32);
    if (lq->status && kf_ticket_state_parse(lq->status) < 0)
        kf_input_fail(in, "status", "not_in_list");
    if (lq->project && !kf_req_sees_project(req, lq->project))
        kf_input_fail(in, "project_id", "unknown_project");
    read_search(req, in, lq);
    const char *c = kf_req_query(req, "cursor");
    if (c && *c && lq->q >= 0) read_cursor(in, lq, c);
    return kf_input_end(in);
}

/* Binds the parameters of LQ's queue_cond from I on; returns the next
 * parameter's number. */
int kf_list_bind_queue(kf_req *req, kf_stmt *st, int i, const kf_list_query *lq, int64_t now)
{
    int64_t me = req->auth->user.id;
    switch (lq->q) {
    case KF_Q_ALL:
        kf_stmt_bind_text(st, i++, lq->status ? lq->status : "");
        kf_stmt_bind_text(st, i++, lq->status ? lq->status : "");
        break;
    case KF_Q_MINE:
        kf_stmt_bind_i64(st, i++, me);
        break;
    case KF_Q_DEPARTMENT:
        /* a named department, if the caller belongs to it or may see its project */
        kf_stmt_bind_i64(st, i++, me);
        kf_stmt_bind_i64(st, i++, lq->department);
        kf_stmt_bind_i64(st, i++, lq->department);
        kf_stmt_bind_i64(st, i++, lq->department);
        kf_stmt_bind_i64(st, i++, lq->department != 0);
        break;
    case KF_Q_OVERDUE:
        kf_stmt_bind_i64(st, i++, 0);
        kf_stmt_bind_i64(st, i++, now);
        break;
    case KF_Q_DUE_SOON:
        kf_stmt_bind_i64(st, i++, now);
        kf_stmt_bind_i64(st, i++, now + lq->within * 60000);
        break;
    default:
        break;
    }
    return i;
}

static void queue_list(kf_req *req, kf_tx *tx, const kf_list_query *lq)
{
    int64_t now = kf_app_now(req->app);
    int due = lq->q == KF_Q_OVERDUE || lq->q == KF_Q_DUE_SOON;
    kf_stmt *st;
    int rc = kf_tx_prepare(tx, queue_sql[lq->project == 0][lq->q], &st);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    int i = kf_api_bind_scope(req, st, lq->project);
    if (due) {
        /* a keyset on (next_due_at, id), the deadline index's order: the page
         * starts after the cursor, or at the window's start */
        int64_t lo = lq->q == KF_Q_OVERDUE ? 0 : now;
        int64_t hi = lq->q == KF_Q_OVERDUE ? now : now + lq->within * 60000;
        kf_stmt_bind_i64(st, i++, lq->after_id ? lq->after_due : lo);
        kf_stmt_bind_i64(st, i++, lq->after_id ? lq->after_id : INT64_MAX);
        kf_stmt_bind_i64(st, i++, hi);
    } else {
        i = kf_list_bind_queue(req, st, i, lq, now);
        kf_stmt_bind_i64(st, i++, lq->after_id ? lq->after_id : INT64_MAX);
    }
    kf_stmt_bind_i64(st, i, lq->limit);
    kf_list_page page;
    kf_list_page_init(&page);
    while ((rc = kf_stmt_step(st)) == KF_ROW)
        kf_list_page_add(&page, st);
    if (rc != KF_DONE) {
        kf_list_page_free(&page);
        kf_reply_status(req, rc);
        return;
    }
    kf_list_page_reply(req, &page, lq, due);
}

static void ticket_list(kf_req *req)
{
    kf_input in;
    kf_list_query lq = {0};
    if (read_list_query(req, &in, &lq) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    if (lq.terms)
        kf_ticket_search_list(req, tx, &lq);
    else
        queue_list(req, tx, &lq);
}

/* The maintained counts of the caller's visible projects; due-soon and
 * overdue are index range counts over the deadline index. */
static void ticket_queues(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    int64_t project = 0, within = 240;
    kf_query_i64(&in, "project_id", 1, INT64_MAX, &project);
    kf_query_i64(&in, "within_minutes", 1, 60 * 24 * 30, &within);
    if (project && !kf_req_sees_project(req, project))
        kf_input_fail(&in, "project_id", "unknown_project");
    if (kf_input_end(&in) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int64_t now = kf_app_now(req->app);
    char mine[40];
    snprintf(mine, sizeof(mine), "user:%lld", (long long)req->auth->user.id);
    kf_stmt *st;
    static const char *const buckets_sql[2] = {
#define BUCKETS(scope)                                                                             \
    "SELECT bucket, SUM(n) FROM ticket_counts t WHERE" scope                                       \
    " AND (bucket IN ('open', 'unassigned', 'escalated', 'follow_up', ?)"                          \
    " OR bucket LIKE 'dept:%')"                                                                    \
    " GROUP BY bucket"
        BUCKETS(KF_SCOPE_ONE), BUCKETS(KF_SCOPE_MANY)};
    int rc = kf_tx_prepare(tx, buckets_sql[project == 0], &st);
    json_t *out =
        json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:[]}", "open", 0, "mine", 0, "unassigned",
                  0, "escalated", 0, "follow_up", 0, "due_soon", 0, "overdue", 0, "departments");
    if (rc == KF_OK) {
        int i = kf_api_bind_scope(req, st, project);
        kf_stmt_bind_text(st, i, mine);
        while ((rc = kf_stmt_step(st)) == KF_ROW) {
            const char *b = kf_stmt_text(st, 0);
            json_int_t n = kf_stmt_i64(st, 1);
            if (strncmp(b, "dept:", 5) == 0) {
                if (n)
                    json_array_append_new(json_object_get(out, "departments"),
                                          json_pack("{s:I, s:I}", "department_id",
                                                    (json_int_t)strtoll(b + 5, NULL, 10), "open",
                                                    n));
            } else {
                json_object_set_new(out, strcmp(b, mine) == 0 ? "mine" : b, json_integer(n));
            }
        }
        rc = rc == KF_DONE ? KF_OK : rc;
    }
#define DUE_COUNT(scope)                                                                           \
    "SELECT COUNT(*) FROM tickets t WHERE" scope " AND next_due_at IS NOT NULL"                    \
    " AND next_due_at > ? AND next_due_at <= ?"
    static const char *const count_sql[2] = {DUE_COUNT(KF_SCOPE_ONE), DUE_COUNT(KF_SCOPE_MANY)};
    const struct {
        const char *key;
        int64_t lo, hi;
    } ranges[] = {{"overdue", 0, now}, {"due_soon", now, now + within * 60000}};
    for (int r = 0; r < 2 && rc == KF_OK; r++) {
        if ((rc = kf_tx_prepare(tx, count_sql[project == 0], &st)) != KF_OK) break;
        int i = kf_api_bind_scope(req, st, project);
        kf_stmt_bind_i64(st, i++, ranges[r].lo);
        kf_stmt_bind_i64(st, i, ranges[r].hi);
        if ((rc = kf_stmt_step(st)) == KF_ROW) {
            json_object_set_new(out, ranges[r].key, json_integer(kf_stmt_i64(st, 0)));
            rc = KF_OK;
        }
    }
    if (rc != KF_OK) {
        json_decref(out);
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, out);
}

int kf_api_ticket_queues_register(kf_router *r)
{
    if (kf_router_add(r, "GET", "/api/v1/tickets", "tickets.read", ticket_list, 0) != KF_OK ||
        kf_router_add(r, "GET", "/api/v1/tickets/queues", "tickets.read", ticket_queues, 0) !=
            KF_OK)
        return KF_EINVAL;
    return KF_OK;
}
