/* The ticket queues (mine, my department's, unassigned, escalated, waiting follow-up, overdue,
 * due soon, all) and their counts: lists are index range scans within the
 * caller's projects, counts come from the maintained ticket_counts rows and
 * the deadline index, never a count over all tickets. */
#include "api/api.h"
#include "api/api_int.h"
#include "api/tickets_int.h"

#include "core/err.h"
#include "store/fts_cjk.h"
#include "store/search_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *id_or_null(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

#define SUMMARY_COLUMNS                                                                            \
    "t.id, t.project_id, t.type, t.severity, t.status, t.subject, t.category_id,"                  \
    " t.department_id, t.assignee_id, t.escalation_level, t.next_due_at, t.unit_id,"               \
    " t.caller_name, t.created_at, t.updated_at, t.version"
/* The caller's scope, in two forms so that each can use an index: one
 * project (a parameter), or every project the caller sees (admins: all). An
 * OR of the two would keep SQLite from using the project's index (measured:
 * the overdue queue went from 1.9 s to milliseconds at 1,000,000 tickets). */
#define SCOPE_ONE " t.project_id = ?"
#define SCOPE_MANY                                                                                 \
    " t.project_id IN (SELECT id FROM projects WHERE CAST(? AS BIGINT) = 1"                        \
    " UNION SELECT project_id FROM user_projects WHERE user_id = ?)"

/* The short form of a ticket in a list (SUMMARY_COLUMNS). New reference. */
static json_t *summary_row(kf_stmt *st)
{
    return json_pack(
        "{s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:o, s:o, s:s, s:o, s:o, s:I}", "id",
        (json_int_t)kf_stmt_i64(st, 0), "project_id", (json_int_t)kf_stmt_i64(st, 1), "type",
        kf_stmt_text(st, 2), "severity", kf_stmt_text(st, 3), "status", kf_stmt_text(st, 4),
        "subject", kf_stmt_text(st, 5), "category_id", id_or_null(kf_stmt_i64(st, 6)),
        "department_id", id_or_null(kf_stmt_i64(st, 7)), "assignee_id",
        id_or_null(kf_stmt_i64(st, 8)), "escalation_level", (json_int_t)kf_stmt_i64(st, 9),
        "next_due_at", kf_api_time(kf_stmt_i64(st, 10)), "unit_id", id_or_null(kf_stmt_i64(st, 11)),
        "caller_name", kf_stmt_text(st, 12) ? kf_stmt_text(st, 12) : "", "created_at",
        kf_api_time(kf_stmt_i64(st, 13)), "updated_at", kf_api_time(kf_stmt_i64(st, 14)), "version",
        (json_int_t)kf_stmt_i64(st, 15));
}

typedef enum {
    Q_ALL,
    Q_MINE,
    Q_DEPARTMENT,
    Q_UNASSIGNED,
    Q_ESCALATED,
    Q_OVERDUE,
    Q_DUE_SOON,
    Q_FOLLOW_UP
} queue;
static const char *const queue_names[] = {"all",        "mine",      "department",
                                          "unassigned", "escalated", "overdue",
                                          "due_soon",   "follow_up", NULL};

/* What puts a ticket in each queue (the parameters are bound by
 * bind_queue). The queues list newest first, by id; the two deadline queues
 * soonest deadline first, unless a search orders them by id. */
#define COND_ALL  " AND (CAST(? AS TEXT) = '' OR t.status = ?)"
#define COND_MINE " AND t.assignee_id = ? AND t.is_open = 1"
#define COND_DEPARTMENT                                                                            \
    " AND t.department_id IN (SELECT department_id FROM department_members"                        \
    " WHERE user_id = ? AND (CAST(? AS BIGINT) = 0 OR department_id = ?)"                          \
    " UNION SELECT CAST(? AS BIGINT) WHERE CAST(? AS BIGINT) = 1) AND t.is_open = 1"
#define COND_UNASSIGNED " AND t.is_open = 1 AND t.assignee_id IS NULL"
#define COND_ESCALATED  " AND t.is_open = 1 AND t.escalation_level > 0"
#define COND_DUE        " AND t.next_due_at IS NOT NULL AND t.next_due_at > ? AND t.next_due_at <= ?"
/* resolved, waiting for the follow-up call (回访) */
#define COND_FOLLOW_UP " AND t.status IN ('resolved', 'follow_up')"

static const char *const queue_cond[Q_FOLLOW_UP + 1] = {
    [Q_ALL] = COND_ALL,
    [Q_MINE] = COND_MINE,
    [Q_DEPARTMENT] = COND_DEPARTMENT,
    [Q_UNASSIGNED] = COND_UNASSIGNED,
    [Q_ESCALATED] = COND_ESCALATED,
    [Q_OVERDUE] = COND_DUE,
    [Q_DUE_SOON] = COND_DUE,
    [Q_FOLLOW_UP] = COND_FOLLOW_UP,
};

#define BY_ID(scope, cond)                                                                         \
    "SELECT " SUMMARY_COLUMNS " FROM tickets t WHERE" scope cond                                   \
    " AND t.id < ? ORDER BY t.id DESC LIMIT ?"
/* Soonest deadline first; the cursor is "due_ms.id". */
#define BY_DUE(scope)                                                                              \
    "SELECT " SUMMARY_COLUMNS " FROM tickets t WHERE" scope " AND t.next_due_at IS NOT NULL"       \
    " AND (t.next_due_at, t.id) > (?, ?) AND t.next_due_at <= ? ORDER BY t.next_due_at, t.id"      \
    " LIMIT ?"
#define QUEUES(scope)                                                                              \
    {                                                                                              \
        [Q_ALL] = BY_ID(scope, COND_ALL), [Q_MINE] = BY_ID(scope, COND_MINE),                      \
        [Q_DEPARTMENT] = BY_ID(scope, COND_DEPARTMENT),                                            \
        [Q_UNASSIGNED] = BY_ID(scope, COND_UNASSIGNED),                                            \
        [Q_ESCALATED] = BY_ID(scope, COND_ESCALATED), [Q_OVERDUE] = BY_DUE(scope),                 \
        [Q_DUE_SOON] = BY_DUE(scope), [Q_FOLLOW_UP] = BY_ID(scope, COND_FOLLOW_UP),                \
    }
/* [0]: one project, [1]: all the caller sees. */
static const char *const queue_sql[2][Q_FOLLOW_UP + 1] = {QUEUES(SCOPE_ONE), QUEUES(SCOPE_MANY)};

typedef struct {
    int q;
    int64_t project, department, limit, after_id, after_due, within;
    const char *status;
    const char *text;                /* the search, as typed; NULL: no search */
    int terms;                       /* of a search; 0: no search */
    char match[KF_SEARCH_QUERY_BUF]; /* the search, as the backend takes it */
} list_query;

static void read_cursor(kf_input *in, list_query *lq, const char *c)
{
    char *end;
    /* a search lists by id whatever the queue */
    if ((lq->q == Q_OVERDUE || lq->q == Q_DUE_SOON) && !lq->terms) {
        lq->after_due = strtoll(c, &end, 10);
        if (*end == '.') lq->after_id = strtoll(end + 1, &end, 10);
    } else {
        lq->after_id = strtoll(c, &end, 10);
    }
    if (*end || lq->after_id <= 0) kf_input_fail(in, "cursor", "bad_cursor");
}

/* q: present but with nothing to search for (empty, spaces, punctuation)
 * is a mistake, not a request for every ticket. */
static void read_search(kf_req *req, kf_input *in, list_query *lq)
{
    const char *raw = kf_req_query(req, "q");
    if (!raw) return;
    const char *q = *raw ? kf_query_str(in, "q", KF_SEARCH_QUERY_MAX) : NULL;
    if (*raw && !q) return; /* too long or not UTF-8: already said */
    lq->text = q;
    lq->terms = kf_search_query(kf_store_backend(req->app->store), q ? q : "", lq->match);
    if (lq->terms <= 0) kf_input_fail(in, "q", lq->terms < 0 ? "too_long" : "no_search_terms");
}

static int read_list_query(kf_req *req, kf_input *in, list_query *lq)
{
    kf_query_begin(in, req);
    const char *q = kf_query_str(in, "queue", 32);
    lq->q = Q_ALL;
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

/* Binds the scope of a statement prepared from SCOPE_ONE (PROJECT given) or
 * SCOPE_MANY; returns the next parameter's number. */
static int bind_scope(kf_req *req, kf_stmt *st, int64_t project)
{
    if (project) {
        kf_stmt_bind_i64(st, 1, project);
        return 2;
    }
    kf_stmt_bind_i64(st, 1, req->auth->role == KF_ROLE_ADMIN);
    kf_stmt_bind_i64(st, 2, req->auth->user.id);
    return 3;
}

/* Binds the parameters of LQ's queue_cond from I on; returns the next
 * parameter's number. */
static int bind_queue(kf_req *req, kf_stmt *st, int i, const list_query *lq, int64_t now)
{
    int64_t me = req->auth->user.id;
    switch (lq->q) {
    case Q_ALL:
        kf_stmt_bind_text(st, i++, lq->status ? lq->status : "");
        kf_stmt_bind_text(st, i++, lq->status ? lq->status : "");
        break;
    case Q_MINE:
        kf_stmt_bind_i64(st, i++, me);
        break;
    case Q_DEPARTMENT:
        /* a named department, if the caller belongs to it or may see its project */
        kf_stmt_bind_i64(st, i++, me);
        kf_stmt_bind_i64(st, i++, lq->department);
        kf_stmt_bind_i64(st, i++, lq->department);
        kf_stmt_bind_i64(st, i++, lq->department);
        kf_stmt_bind_i64(st, i++, lq->department != 0);
        break;
    case Q_OVERDUE:
        kf_stmt_bind_i64(st, i++, 0);
        kf_stmt_bind_i64(st, i++, now);
        break;
    case Q_DUE_SOON:
        kf_stmt_bind_i64(st, i++, now);
        kf_stmt_bind_i64(st, i++, now + lq->within * 60000);
        break;
    default:
        break;
    }
    return i;
}

/* Steps ST (rows of SUMMARY_COLUMNS) and answers with the page; the cursor
 * is the last id, or "due_ms.id" when BY_DUE_ORDER. With MATCH, only the
 * rows whose text (the subject, then columns 16 and 17) it finds, up to the
 * page's limit. */
static void reply_page(kf_req *req, kf_stmt *st, const list_query *lq, int by_due_order,
                       kf_cjk_matcher *match)
{
    json_t *items = json_array();
    int64_t last_id = 0, last_due = 0;
    int rc;
    while ((int64_t)json_array_size(items) < lq->limit && (rc = kf_stmt_step(st)) == KF_ROW) {
        if (match) {
            kf_cjk_matcher_begin(match);
            for (int col = 16; col <= 18; col++)
                kf_cjk_matcher_column(match, kf_stmt_text(st, col == 18 ? 5 : col), -1);
            if (!kf_cjk_matcher_found(match)) continue;
        }
        json_array_append_new(items, summary_row(st));
        last_id = kf_stmt_i64(st, 0);
        last_due = kf_stmt_i64(st, 10);
    }
    if ((int64_t)json_array_size(items) == lq->limit) rc = KF_DONE;
    if (rc != KF_DONE) {
        json_decref(items);
        kf_reply_status(req, rc);
        return;
    }
    json_t *next = json_null();
    if ((int64_t)json_array_size(items) == lq->limit) {
        char buf[48];
        if (by_due_order)
            snprintf(buf, sizeof(buf), "%lld.%lld", (long long)last_due, (long long)last_id);
        else
            snprintf(buf, sizeof(buf), "%lld", (long long)last_id);
        next = json_string(buf);
    }
    kf_reply_json(req, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

static void queue_list(kf_req *req, kf_tx *tx, const list_query *lq)
{
    int64_t now = kf_app_now(req->app);
    int due = lq->q == Q_OVERDUE || lq->q == Q_DUE_SOON;
    kf_stmt *st;
    int rc = kf_tx_prepare(tx, queue_sql[lq->project == 0][lq->q], &st);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    int i = bind_scope(req, st, lq->project);
    if (due) {
        /* a keyset on (next_due_at, id), the deadline index's order: the page
         * starts after the cursor, or at the window's start */
        int64_t lo = lq->q == Q_OVERDUE ? 0 : now;
        int64_t hi = lq->q == Q_OVERDUE ? now : now + lq->within * 60000;
        kf_stmt_bind_i64(st, i++, lq->after_id ? lq->after_due : lo);
        kf_stmt_bind_i64(st, i++, lq->after_id ? lq->after_id : INT64_MAX);
        kf_stmt_bind_i64(st, i++, hi);
    } else {
        i = bind_queue(req, st, i, lq, now);
        kf_stmt_bind_i64(st, i++, lq->after_id ? lq->after_id : INT64_MAX);
    }
    kf_stmt_bind_i64(st, i, lq->limit);
    reply_page(req, st, lq, due, NULL);
}

/* ---- search (工单检索) ----
 *
 * A search lists the tickets of the queue whose document holds every word,
 * newest first. SQLite can go two ways and the faster one depends on sizes:
 * from the index's matches, newest first, keeping those in the queue (cheap
 * when many matches are in it, or there are few matches), or along the
 * queue, asking the index about each ticket (cheap when the queue is short).
 * The queue's size is counted up to SEARCH_QUEUE_CAP tickets by its own
 * index; a shorter queue is walked. PostgreSQL's planner chooses itself. */
#define SEARCH_QUEUE_CAP 2000

/* Each statement is HEAD, the queue's condition, then TAIL. */
typedef struct {
    const char *head, *tail;
} frame;
/* From the matches: the FTS5 table drives, in its rowid order. */
#define FTS_DRIVEN(scope)                                                                          \
    {                                                                                              \
        "SELECT " SUMMARY_COLUMNS                                                                  \
        " FROM ticket_search JOIN tickets t ON t.id = ticket_search.rowid"                         \
        " WHERE" scope,                                                                            \
            " AND ticket_search MATCH ? AND ticket_search.rowid < ?"                               \
            " ORDER BY ticket_search.rowid DESC LIMIT ?"                                           \
    }
/* Along the queue, with each ticket's text for matching in C: asking FTS5
 * about one rowid costs as much as reading the word's whole list, reading
 * the text by rowid microseconds. The unary + keeps SQLite from walking
 * every ticket by id to spare itself sorting a short queue (measured: the
 * overdue queue took 0.45 s instead of 10 ms at 1,000,000 tickets). */
#define QUEUE_DRIVEN(scope)                                                                        \
    {                                                                                              \
        "SELECT " SUMMARY_COLUMNS ", t.description, s.notes FROM tickets t"                        \
        " LEFT JOIN ticket_search s ON s.rowid = t.id WHERE" scope,                                \
            " AND +t.id < ? ORDER BY +t.id DESC LIMIT ?"                                           \
    }
#define PG_SEARCH(scope)                                                                           \
    {                                                                                              \
        "SELECT " SUMMARY_COLUMNS " FROM tickets t JOIN ticket_search s ON s.ticket_id = t.id"     \
        " WHERE" scope,                                                                            \
            " AND s.document @@ to_tsquery('simple', ?) AND t.id < ? ORDER BY t.id DESC LIMIT ?"   \
    }
#define QUEUE_SIZE(scope)                                                                          \
    {                                                                                              \
        "SELECT COUNT(*) FROM (SELECT 1 FROM tickets t WHERE" scope, " LIMIT ?)"                   \
    }

/* [plan][scope] */
enum { PLAN_FTS, PLAN_QUEUE, PLAN_PG, PLAN_SIZE };
static const frame search_sql[4][2] = {
    [PLAN_FTS] = {FTS_DRIVEN(SCOPE_ONE), FTS_DRIVEN(SCOPE_MANY)},
    [PLAN_QUEUE] = {QUEUE_DRIVEN(SCOPE_ONE), QUEUE_DRIVEN(SCOPE_MANY)},
    [PLAN_PG] = {PG_SEARCH(SCOPE_ONE), PG_SEARCH(SCOPE_MANY)},
    [PLAN_SIZE] = {QUEUE_SIZE(SCOPE_ONE), QUEUE_SIZE(SCOPE_MANY)},
};

/* Prepares PLAN's statement for LQ's scope and queue, binding the scope
 * and the queue's parameters; *NEXT gets the next parameter's number. */
static int prepare_search(kf_req *req, kf_tx *tx, const list_query *lq, int plan, kf_stmt **st,
                          int *next)
{
    const frame *f = &search_sql[plan][lq->project == 0];
    char sql[2048];
    int n = snprintf(sql, sizeof(sql), "%s%s%s", f->head, queue_cond[lq->q], f->tail);
    if (n < 0 || (size_t)n >= sizeof(sql)) return KF_EINVAL; /* constant text: cannot happen */
    int rc = kf_tx_prepare(tx, sql, st);
    if (rc != KF_OK) return rc;
    int i = bind_scope(req, *st, lq->project);
    *next = bind_queue(req, *st, i, lq, kf_app_now(req->app));
    return KF_OK;
}

/* 1 when LQ's queue holds fewer than SEARCH_QUEUE_CAP tickets (SQLite). */
static int queue_is_short(kf_req *req, kf_tx *tx, const list_query *lq, int *rc)
{
    /* every ticket, or a status of every ticket: never short enough */
    if (lq->q == Q_ALL) return 0;
    kf_stmt *st;
    int i;
    if ((*rc = prepare_search(req, tx, lq, PLAN_SIZE, &st, &i)) != KF_OK) return 0;
    kf_stmt_bind_i64(st, i, SEARCH_QUEUE_CAP);
    if ((*rc = kf_stmt_step(st)) != KF_ROW) return 0;
    *rc = KF_OK;
    return kf_stmt_i64(st, 0) < SEARCH_QUEUE_CAP;
}

static void search_list(kf_req *req, kf_tx *tx, const list_query *lq)
{
    int rc = KF_OK, plan = PLAN_PG;
    if (kf_store_backend(req->app->store) != KF_BACKEND_POSTGRES)
        plan = queue_is_short(req, tx, lq, &rc) ? PLAN_QUEUE : PLAN_FTS;
    kf_stmt *st;
    int i = 0;
    if (rc == KF_OK) rc = prepare_search(req, tx, lq, plan, &st, &i);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_cjk_matcher *match = NULL;
    if (plan == PLAN_QUEUE)
        match = kf_cjk_matcher_new(lq->text, -1);
    else
        kf_stmt_bind_text(st, i++, lq->match);
    kf_stmt_bind_i64(st, i++, lq->after_id ? lq->after_id : INT64_MAX);
    /* a short queue is read whole: its rows are filtered here */
    kf_stmt_bind_i64(st, i, plan == PLAN_QUEUE ? SEARCH_QUEUE_CAP : lq->limit);
    reply_page(req, st, lq, 0, match);
    kf_cjk_matcher_free(match);
}

static void ticket_list(kf_req *req)
{
    kf_input in;
    list_query lq = {0};
    if (read_list_query(req, &in, &lq) != 0) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    if (lq.terms)
        search_list(req, tx, &lq);
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
        BUCKETS(SCOPE_ONE), BUCKETS(SCOPE_MANY)};
    int rc = kf_tx_prepare(tx, buckets_sql[project == 0], &st);
    json_t *out =
        json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:[]}", "open", 0, "mine", 0, "unassigned",
                  0, "escalated", 0, "follow_up", 0, "due_soon", 0, "overdue", 0, "departments");
    if (rc == KF_OK) {
        int i = bind_scope(req, st, project);
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
    static const char *const count_sql[2] = {DUE_COUNT(SCOPE_ONE), DUE_COUNT(SCOPE_MANY)};
    const struct {
        const char *key;
        int64_t lo, hi;
    } ranges[] = {{"overdue", 0, now}, {"due_soon", now, now + within * 60000}};
    for (int r = 0; r < 2 && rc == KF_OK; r++) {
        if ((rc = kf_tx_prepare(tx, count_sql[project == 0], &st)) != KF_OK) break;
        int i = bind_scope(req, st, project);
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
