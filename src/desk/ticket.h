/* A ticket as the service desk reads and writes it inside one write
 * transaction: the row (as a JSON object of its columns), its clocks, and the
 * bookkeeping every change carries — an append-only event, the maintained
 * queue counts, the earliest open deadline and the next alarm.
 *
 * Ownership: kf_ticket_load fills a kf_ticket whose ROW the caller releases
 * with kf_ticket_release. Functions return KF_* codes. */
#ifndef KF_DESK_TICKET_H
#define KF_DESK_TICKET_H

#include "core/jsonw.h"
#include "desk/calendar.h"
#include "desk/policy_cache.h"
#include "desk/rollup.h"
#include "domain/sla.h"
#include "domain/ticket_flow.h"
#include "store/store.h"

#include <jansson.h>
#include <stdint.h>

extern const char *const kf_ticket_types[];    /* repair, complaint, … NULL-terminated */
extern const char *const kf_ticket_channels[]; /* phone, visit, portal, staff, api */
extern const char *const kf_ticket_severities[];
extern const char *const kf_hold_reasons[]; /* customer, materials, third_party */
/* kf_in_list: 1 when S (may be NULL) is one of the NULL-terminated LIST. */
int kf_in_list(const char *const *list, const char *s);

typedef struct {
    json_t *row;           /* every column; owned */
    json_t *before_counts; /* the queue buckets the row was in when loaded (owned) */
    kf_clock clocks[KF_MS_COUNT];
    kf_clock
        stored[KF_MS_COUNT]; /* each clock as its row holds it: unchanged ones are not written */
    int has_clock[KF_MS_COUNT];
    int clocks_loaded;
    /* the category and its ancestors, read once for policy and routing
     * (valid while chain_of is the row's category_id and chain_known is set) */
    int64_t chain[8], chain_of;
    int nchain, chain_known;
    /* its unit's building and warranty end, read once for routing and the
     * facts (valid while unit_of is the row's unit_id and unit_known is set) */
    int64_t building, unit_of;
    char warranty_end[16];
    int unit_known;
    /* the ticket as loaded, and facts the write names itself (rollup.h) */
    kf_rollup_mark mark;
    kf_rollup_extra extra[KF_ROLLUP_EXTRA_MAX];
    int nextra;
    int handed_over; /* this write dispatched, transferred or re-dispatched it (1, or 2: a transfer)
                      */
    int names_loaded; /* kf_ticket_read: the row has the names shown beside it */
} kf_ticket;

/* Field access on the row. */
int64_t kf_ticket_i(const kf_ticket *t, const char *col);       /* 0 for NULL */
const char *kf_ticket_s(const kf_ticket *t, const char *col);   /* NULL for NULL */
void kf_ticket_set_i(kf_ticket *t, const char *col, int64_t v); /* 0 stores NULL for ids/times */
void kf_ticket_set_s(kf_ticket *t, const char *col, const char *v);
kf_ticket_state kf_ticket_status(const kf_ticket *t);

/* kf_ticket_new: an empty ticket row for PROJECT created at NOW. */
int kf_ticket_new(kf_ticket *t, int64_t project, int64_t now);
/* kf_ticket_insert: writes the new row (sets "id"), its clocks and the
 * facts of its intake, counted in CAL's zone. */
int kf_ticket_insert(kf_tx *tx, kf_ticket *t, const kf_workcal *cal);
/* kf_ticket_insert_row: the row alone (its next deadline and alarm from the
 * clocks; sets "id"): what kf_ticket_insert starts with, for a bulk loader
 * (src/gen) that writes the clocks, counts and facts itself. */
int kf_ticket_insert_row(kf_tx *tx, kf_ticket *t);
/* kf_ticket_save_clocks: inserts or updates the ticket's clocks. */
int kf_ticket_save_clocks(kf_tx *tx, kf_ticket *t);
/* kf_ticket_compute_next: the row's next_due_at and next_alarm_at from its clocks. */
void kf_ticket_compute_next(kf_ticket *t);
/* kf_ticket_buckets: the queue-count buckets ("open", "dept:3", …) the
 * ticket counts in as it stands; a new array reference. */
json_t *kf_ticket_buckets(const kf_ticket *t);
/* kf_ticket_lock: takes ID for writing: checks VERSION when it is not 0
 * (KF_ESTALE when it differs), bumps the version, loads row and clocks.
 * KF_ENOTFOUND when there is no such ticket. */
int kf_ticket_lock(kf_tx *tx, int64_t id, int64_t version, kf_ticket *t);
/* kf_ticket_moved: what every move of T from FROM to TO at NOW records on
 * the row, whoever makes it (a transition, the generator): leaving a hold
 * clears its reason, and an ended ticket gets its closed_at. */
void kf_ticket_moved(kf_ticket *t, kf_ticket_state from, kf_ticket_state to, int64_t now);
/* kf_ticket_touch: kf_ticket_lock for a change that leaves the row, clocks,
 * counts and facts as they are (a note): bumps the version and updated_at
 * to NOW without loading or saving the ticket; *PROJECT gets its project. */
int kf_ticket_touch(kf_tx *tx, int64_t id, int64_t version, int64_t now, int64_t *project);
/* kf_ticket_read: the row and clocks for showing (no lock), and in the same
 * statement what is shown beside them: row members category_code,
 * category_name_zh, category_name_en and unit_code (NULL: none). */
int kf_ticket_read(kf_tx *tx, int64_t id, kf_ticket *t);
/* kf_ticket_save: writes the changed row and clocks, the counts, the next
 * deadline and alarm, and the facts of the change (counted on NOW's day in
 * CAL's zone; the clocks' minutes in CAL). */
int kf_ticket_save(kf_tx *tx, kf_ticket *t, const kf_workcal *cal, int64_t now);
void kf_ticket_release(kf_ticket *t);

/* kf_ticket_event: appends an event to the ticket's timeline. ACTOR 0 is the
 * system. FROM/TO may be NULL; DATA (borrowed, may be NULL) is stored as JSON. */
int kf_ticket_event(kf_tx *tx, int64_t ticket, int64_t actor, const char *kind, const char *from,
                    const char *to, const char *note, const json_t *data, int64_t now);

/* Facts (ticket_facts.c). kf_ticket_add_fact: a fact this write names
 * itself (a follow-up call's scores), recorded by the save. */
void kf_ticket_add_fact(kf_ticket *t, const char *metric, int64_t value);
/* kf_ticket_facts_mark: remembers T as it is now (FRESH: not stored yet). */
void kf_ticket_facts_mark(kf_ticket *t, int fresh);
/* kf_ticket_facts_round_ended: clock M is about to start afresh (a reopen):
 * its outcome, if this write decided it, is counted now. */
void kf_ticket_facts_round_ended(kf_ticket *t, int m, const kf_workcal *cal, int64_t now);
/* kf_ticket_facts_collect: the facts of the change since the mark into OUT
 * (room for KF_TICKET_FACTS_MAX), without their building and without
 * touching the database or the mark; returns how many. */
#define KF_TICKET_FACTS_MAX (8 + 2 * KF_MS_COUNT + KF_ROLLUP_EXTRA_MAX)
size_t kf_ticket_facts_collect(const kf_ticket *t, const kf_workcal *cal, int64_t now,
                               kf_fact *out);
/* kf_ticket_facts_record: the facts of the change since the mark. */
int kf_ticket_facts_record(kf_tx *tx, kf_ticket *t, const kf_workcal *cal, int64_t now);

/* Clocks. */
/* kf_ticket_policy: picks the policy for the ticket's type, severity,
 * project and category (most specific wins) and fills TARGETS; *n 0 when no
 * policy applies. Sets the row's policy_id. PC (may be NULL) keeps the
 * parsed targets. */
int kf_ticket_policy(kf_tx *tx, kf_policy_cache *pc, kf_ticket *t, kf_sla_target *targets, int *n);
/* kf_ticket_clocks_on: moves the clocks for a change of state FROM → TO at NOW. */
int kf_ticket_clocks_on(kf_ticket *t, const kf_workcal *cal, kf_ticket_state from,
                        kf_ticket_state to, int64_t now);
/* kf_ticket_clocks_retarget: the documented re-targeting rule after a change
 * of type, category or severity (docs/tickets.md). */
int kf_ticket_clocks_retarget(kf_tx *tx, kf_policy_cache *pc, kf_ticket *t, const kf_workcal *cal,
                              int64_t now);
/* kf_ticket_clocks_write: the clocks as shown on the ticket, an array written to W. */
void kf_ticket_clocks_write(const kf_ticket *t, const kf_workcal *cal, int64_t now, kf_jsonw *w);

/* kf_ticket_categories: T's category and its ancestors (up to 8, nearest
 * first), read once per category and kept on T; T->chain, T->nchain. */
int kf_ticket_categories(kf_tx *tx, kf_ticket *t);
/* kf_ticket_unit: T's unit's building and warranty end (0 and "" without a
 * unit, or none recorded), read once per unit and kept on T:
 * T->building, T->warranty_end. kf_ticket_unit_known: what the caller read
 * of T's unit itself (WARRANTY_END may be NULL). */
int kf_ticket_unit(kf_tx *tx, kf_ticket *t);
void kf_ticket_unit_known(kf_ticket *t, int64_t building, const char *warranty_end);

#endif
