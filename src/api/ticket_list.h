/* Shared by the ticket lists: the queues (ticket_queues.c) and the search
 * over them (ticket_search.c). */
#ifndef KF_TICKET_LIST_H
#define KF_TICKET_LIST_H

#include "api/api_int.h"
#include "api/input.h"
#include "core/jsonw.h"
#include "http/req.h"
#include "store/search_index.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>

/* The short form of a ticket in a list; kf_list_summary reads these. */
#define KF_LIST_COLUMNS                                                                            \
    "t.id, t.project_id, t.type, t.severity, t.status, t.subject, t.category_id,"                  \
    " t.department_id, t.assignee_id, t.escalation_level, t.next_due_at, t.unit_id,"               \
    " t.caller_name, t.created_at, t.updated_at, t.version"
#define KF_LIST_NCOLUMNS 16
/* The caller's scope on the ticket (api_int.h), bound by kf_api_bind_scope. */
#define KF_SCOPE_ONE  KF_SCOPE_ONE_ON("t.project_id")
#define KF_SCOPE_MANY KF_SCOPE_MANY_ON("t.project_id")

/* The department queue is found through its departments' open tickets
 * (tickets_department), never by walking the project's tickets and testing
 * each: for a caller in no department, or a department with few open
 * tickets, that walk reads the whole project (measured: 2.7 ms a page at
 * 3,700 tickets, growing with the project). The unary plus keeps the
 * planners off the project's index. */
#define KF_SCOPE_NOT_INDEXED(scope) " +" scope

typedef enum {
    KF_Q_ALL,
    KF_Q_MINE,
    KF_Q_DEPARTMENT,
    KF_Q_UNASSIGNED,
    KF_Q_ESCALATED,
    KF_Q_OVERDUE,
    KF_Q_DUE_SOON,
    KF_Q_FOLLOW_UP,
    KF_Q_COUNT
} kf_queue;

/* What puts a ticket in each queue, " AND …" on tickets t (its parameters
 * bound by kf_list_bind_queue), as literals and as a table. */
#define KF_COND_ALL  " AND (CAST(? AS TEXT) = '' OR t.status = ?)"
#define KF_COND_MINE " AND t.assignee_id = ? AND t.is_open = 1"
#define KF_COND_DEPARTMENT                                                                         \
    " AND t.department_id IN (SELECT department_id FROM department_members"                        \
    " WHERE user_id = ? AND (CAST(? AS BIGINT) = 0 OR department_id = ?)"                          \
    " UNION SELECT CAST(? AS BIGINT) WHERE CAST(? AS BIGINT) = 1) AND t.is_open = 1"
#define KF_COND_UNASSIGNED " AND t.is_open = 1 AND t.assignee_id IS NULL"
#define KF_COND_ESCALATED  " AND t.is_open = 1 AND t.escalation_level > 0"
#define KF_COND_DUE        " AND t.next_due_at IS NOT NULL AND t.next_due_at > ? AND t.next_due_at <= ?"
/* resolved, waiting for the follow-up call (回访) */
#define KF_COND_FOLLOW_UP " AND t.status IN ('resolved', 'follow_up')"
extern const char *const kf_queue_cond[KF_Q_COUNT];
/* KF_EACH_QUEUE(F, scope): F(scope, cond) for each queue (the department's
 * with KF_SCOPE_NOT_INDEXED), in kf_queue's order, as initialisers of a
 * table (literals: statements are cached by their address). */
#define KF_EACH_QUEUE(F, scope)                                                                    \
    {                                                                                              \
        F(scope, KF_COND_ALL), F(scope, KF_COND_MINE),                                             \
            F(KF_SCOPE_NOT_INDEXED(scope), KF_COND_DEPARTMENT), F(scope, KF_COND_UNASSIGNED),      \
            F(scope, KF_COND_ESCALATED), F(scope, KF_COND_DUE), F(scope, KF_COND_DUE),             \
            F(scope, KF_COND_FOLLOW_UP)                                                            \
    }

/* A list request, as read from the query string. */
typedef struct {
    int q; /* kf_queue */
    int64_t project, department, limit, after_id, after_due, within;
    const char *status;
    const char *text;                /* the search, as typed; NULL: no search */
    int terms;                       /* of a search; 0: no search */
    char match[KF_SEARCH_QUERY_BUF]; /* the search, as the backend takes it */
} kf_list_query;

/* kf_list_bind_queue: binds LQ's kf_queue_cond from parameter I on; returns
 * the next parameter's number. */
int kf_list_bind_queue(kf_req *req, kf_stmt *st, int i, const kf_list_query *lq, int64_t now);

/* A page being filled: its items written as JSON in order, how many, and
 * where the next page starts. kf_list_page_init, then kf_list_page_reply
 * or kf_list_page_free. */
typedef struct {
    kf_buf items; /* the JSON array being written */
    kf_jsonw w;
    int64_t n, last_id, last_due;
} kf_list_page;
void kf_list_page_init(kf_list_page *page);
void kf_list_page_free(kf_list_page *page);
/* kf_list_page_add: appends ST's row (KF_LIST_COLUMNS first). */
void kf_list_page_add(kf_list_page *page, kf_stmt *st);
/* kf_list_page_reply: answers with PAGE (and frees it) and its cursor:
 * the last id, or "due_ms.id" when BY_DUE; none when the page is short. */
void kf_list_page_reply(kf_req *req, kf_list_page *page, const kf_list_query *lq, int by_due);

/* kf_ticket_search_list: answers LQ, a search (LQ->terms > 0), on TX. */
void kf_ticket_search_list(kf_req *req, kf_tx *tx, const kf_list_query *lq);

#endif
