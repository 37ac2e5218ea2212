/* Shared internals of the ticket routes (tickets.c: intake, reading, lists;
 * ticket_actions.c: transitions, dispatch, on-site, the timeline;
 * ticket_charges.c and charge_reports.c: costs, compensation, approvals and
 * the crews' month-end settlement). */
#ifndef KF_TICKETS_INT_H
#define KF_TICKETS_INT_H

#include "api/input.h"
#include "core/buf.h"
#include "core/jsonw.h"
#include "desk/calendar.h"
#include "desk/ticket.h"
#include "http/req.h"
#include "http/router.h"

#include <jansson.h>
#include <stdint.h>

/* What a ticket's answer names beside its own columns, when the request read
 * them before its write: then a new ticket is answered without reading the
 * database again after the commit. NULL members: no category, no unit. */
typedef struct {
    const char *category_code, *category_zh, *category_en;
    const char *unit_code;
} kf_ticket_names;

/* One write on a ticket. The write function fills RESULT (the ticket as
 * shown) or, for a refusal that is not a field problem, ERR_* . */
typedef struct kf_ticket_job {
    kf_req *req;
    kf_input *in;
    int64_t now, actor, id, version;
    int64_t shown; /* the ticket to answer with, read after the commit */
    kf_buf result; /* the answer's JSON text, when HAS_RESULT */
    int has_result;
    int err_status;        /* e.g. 409 */
    const char *err_code;  /* e.g. "transition_not_allowed" */
    const char *err_key;   /* extra member of the error object */
    json_t *err_extra;     /* owned */
    int64_t alarm;         /* the ticket's next alarm after the write */
    int replayed;          /* an Idempotency-Key answered from before */
    const kf_ticket *made; /* borrowed: the ticket J->shown exactly as the write stored it */
    /* borrowed, set with MADE by intake or not at all: MADE's names and its
     * project's calendar, read before the write (NULL: read after the commit) */
    const kf_ticket_names *names;
    const kf_desk_calendar *cal;
    int status; /* of the answer, on success */
    /* frees what the write's context owns, once the answer is given; may be NULL */
    void (*release)(struct kf_ticket_job *j);
} kf_ticket_job;

/* kf_ticket_job_new: a zeroed write context of SIZE bytes whose first member
 * is a kf_ticket_job, with J->in, on the request's arena: it outlives the
 * handler, as kf_ticket_job_run needs. */
void *kf_ticket_job_new(kf_req *req, size_t size);
/* kf_ticket_job_run: runs FN as the request's write (kf_req_write_then) and
 * answers: STATUS with the result, or the job's error, or the store's; then
 * J->release. J comes from kf_ticket_job_new; the handler does nothing after
 * this. */
void kf_ticket_job_run(kf_req *req, kf_ticket_job *j, kf_write_fn fn, int status);

/* kf_idem_claim: claims the Idempotency-Key KEY of J's actor for the
 * request hashed HASH, before anything is made, so two requests racing with
 * one key make one thing (on PostgreSQL the second insert waits for the
 * first transaction and then finds its row). A key used before: *EXISTING
 * gets what it made (a ticket; a charge when CHARGE), or J is refused
 * (422 idempotency_key_reused, KF_ECONFLICT) when the request differed or
 * made nothing. *EXISTING 0: this request claimed the key. */
int kf_idem_claim(kf_tx *tx, kf_ticket_job *j, const char *key, const char *hash, int charge,
                  int64_t *existing);

/* kf_ticket_job_refused: answers J, a write that did not succeed (RC): its
 * refusal (J->err_*), its field problems, or the store's code. */
void kf_ticket_job_refused(kf_req *req, kf_ticket_job *j, int rc);

/* kf_ticket_with: the shape of every write on a stored ticket: locks J->id
 * (checking J->version), checks the caller sees its project, loads the
 * project's calendar, runs APPLY(tx, CTX, ticket, calendar), saves, and
 * sets J->shown (the answer is built after the commit). */
int kf_ticket_with(kf_tx *tx, kf_ticket_job *j, void *ctx,
                   int (*apply)(kf_tx *, void *, kf_ticket *, const kf_desk_calendar *));

/* kf_ticket_present: ticket T as shown to REQ's caller (clocks included;
 * CAL may be NULL to leave out the used minutes), written to W: the most
 * read answer, so written as text rather than built as a tree. What it names
 * comes from NAMES, or when NULL from what kf_ticket_read read with T, or
 * else is read on TX. */
void kf_ticket_present(kf_req *req, kf_tx *tx, const kf_ticket_names *names, const kf_ticket *t,
                       const kf_desk_calendar *cal, int64_t now, kf_jsonw *w);
/* kf_ticket_project_seen: ticket ID's project into *PROJECT; KF_ENOTFOUND
 * when there is no such ticket or REQ's caller does not see its project (the
 * two answer alike: 404). */
int kf_ticket_project_seen(const kf_req *req, kf_tx *tx, int64_t id, int64_t *project);
/* kf_ticket_reply_rows: answers {"items": […]} with ROW for each row of SQL
 * (its one parameter: the ticket id of the path) when the caller sees that
 * ticket; 404 when not. */
void kf_ticket_reply_rows(kf_req *req, const char *sql, json_t *(*row)(kf_stmt *, const void *));
/* kf_ticket_today: the project's date "YYYY-MM-DD" at NOW into OUT (11 bytes). */
void kf_ticket_today(const kf_desk_calendar *cal, int64_t now, char *out);

/* Dispatch in two steps, so that intake can dispatch before the row exists:
 * kf_ticket_dispatch_prepare hands T to DEPARTMENT (0: keep) and ASSIGNEE (0:
 * the department's automatic pick, if any) and starts the clocks (field
 * problems go to J->in); kf_ticket_dispatch_record writes the event
 * ("dispatched", "transferred" or "redispatched") and tells the assignee. */
typedef struct {
    const char *kind;
    kf_ticket_state from;
    int64_t old_department, old_assignee, department, assignee;
} kf_dispatch;
int kf_ticket_dispatch_prepare(kf_tx *tx, kf_ticket_job *j, kf_ticket *t,
                               const kf_desk_calendar *cal, int64_t department, int64_t assignee,
                               kf_dispatch *d);
int kf_ticket_dispatch_record(kf_tx *tx, kf_ticket_job *j, const kf_ticket *t, const kf_dispatch *d,
                              const char *note);
/* kf_ticket_check_ref: 1 when ID is a row of TABLE ("people", "units",
 * "departments") in PROJECT. */
int kf_ticket_check_ref(kf_tx *tx, const char *table, int64_t id, int64_t project, int *ok);

/* The routes of ticket_queues.c and ticket_actions.c (tickets.c calls them). */
int kf_api_ticket_show_register(kf_router *r);
int kf_api_ticket_queues_register(kf_router *r);
int kf_api_ticket_actions_register(kf_router *r);

/* ---- charges (ticket_charges.c): repair costs and compensation ---- */

/* The largest amount of one charge, its labour or a unit price: ¥100,000,000
 * in fen (the deposit ledger's bound on one entry). */
#define KF_CHARGE_MAX_FEN   10000000000LL
#define KF_CHARGE_MAX_LINES 50 /* materials of one repair */

/* One line of materials: QUANTITY_MILLI is the quantity × 1000 (up to three
 * decimals), AMOUNT the line's cost rounded half up to the fen. NAME is
 * borrowed from the request body. */
typedef struct {
    const char *name;
    int64_t quantity_milli, unit_price, amount;
} kf_material_line;

/* The cost of a repair given with a transition to resolved. */
typedef struct {
    int64_t labour, materials, amount; /* fen; AMOUNT = LABOUR + MATERIALS */
    int64_t crew;                      /* the crew that bears it; 0: the company */
    size_t nlines;
    kf_material_line lines[KF_CHARGE_MAX_LINES];
} kf_repair_cost;

/* kf_repair_cost_read: reads labour_fen, materials and charged_crew_id from
 * IN into C when RESOLVING (checked arithmetic: too large answers
 * "amount_overflow"); otherwise the fields are refused ("resolve_only"). */
void kf_repair_cost_read(kf_input *in, int resolving, kf_repair_cost *c);
/* kf_repair_cost_charge: at the resolve of T, records C as a repair charge
 * (none when it costs nothing): labour only is a normal repair, approved at
 * once (a crew's deduction posted); with materials it waits for a
 * supervisor. *DATA (new reference) gets the resolve event's cost summary. */
int kf_repair_cost_charge(kf_tx *tx, kf_ticket_job *j, const kf_ticket *t, const kf_repair_cost *c,
                          json_t **data);
/* kf_charges_gate: before T closes: KF_ECONFLICT with J's error 409
 * approval_pending when one of its charges waits for approval. */
int kf_charges_gate(kf_tx *tx, kf_ticket_job *j, const kf_ticket *t);
/* kf_charge_read: charge ID as shown (new reference in *out). */
int kf_charge_read(kf_tx *tx, int64_t id, json_t **out);
/* The reading routes (charge_reports.c; ticket_charges.c registers them). */
int kf_api_charge_reports_register(kf_router *r);

#endif
