/* Deadline clocks (时限): one per milestone of a ticket, counted in working or
 * calendar time, paused while the ticket is on hold, restarted on reopen,
 * re-targeted when the ticket's type, category or severity changes. Each
 * clock knows when it next needs attention: the reminder (a share of the
 * target), the breach (the target) and the escalation to the manager (a
 * further delay after the breach).
 *
 * Pure computation; instants are ms UTC, 0 meaning "none". */
#ifndef KF_SLA_H
#define KF_SLA_H

#include "domain/ticket_flow.h"
#include "domain/workcal.h"

#include <stdint.h>

typedef enum { KF_BASIS_WORKING, KF_BASIS_CALENDAR } kf_basis;

typedef struct {
    kf_milestone milestone;
    kf_basis basis;
    int64_t target_ms;         /* > 0 */
    int remind_percent;        /* 1..99: remind the assignee at this share; 0: never */
    int64_t escalate_after_ms; /* after the breach, tell the manager; 0: never */
    int pause_on_hold;         /* on-hold stops this clock */
    int restart_on_reopen;     /* a reopen starts this clock afresh */
} kf_sla_target;

typedef enum {
    KF_CLOCK_PENDING, /* its start has not happened (e.g. not dispatched yet) */
    KF_CLOCK_RUNNING,
    KF_CLOCK_PAUSED,
    KF_CLOCK_MET,
    KF_CLOCK_CANCELLED, /* the ticket ended, or the policy dropped the milestone */
} kf_clock_state;

typedef struct {
    int64_t id; /* the stored row; 0 for a new clock */
    kf_sla_target t;
    kf_clock_state state;
    int64_t started_at, due_at, met_at, paused_at, paused_ms;
    int64_t remind_at, reminded_at, breached_at, escalate_at, escalated_at;
} kf_clock;

const char *kf_basis_name(kf_basis b);
int kf_basis_parse(const char *name); /* -1 if unknown */
const char *kf_clock_state_name(kf_clock_state s);
int kf_clock_state_parse(const char *name);

/* kf_clock_init: a pending clock for target T. */
void kf_clock_init(kf_clock *c, const kf_sla_target *t);
/* The transitions. Each returns KF_OK or KF_EINVAL when the calendar has no
 * working time; a call that does not apply to the clock's state does nothing. */
int kf_clock_start(kf_clock *c, const kf_workcal *cal, int64_t now);  /* pending → running */
void kf_clock_pause(kf_clock *c, int64_t now);                        /* running → paused */
int kf_clock_resume(kf_clock *c, const kf_workcal *cal, int64_t now); /* paused → running */
/* kf_clock_meet: running/paused → met (a hold up to NOW does not count). */
void kf_clock_meet(kf_clock *c, const kf_workcal *cal, int64_t now);
/* kf_clock_cancel: open → cancelled; its used time stops at NOW (kept in met_at). */
void kf_clock_cancel(kf_clock *c, const kf_workcal *cal, int64_t now);
/* kf_clock_restart: a reopen: a clock whose start has happened runs afresh
 * from NOW (STARTED: its start event has happened in the new round), else
 * becomes pending. */
int kf_clock_restart(kf_clock *c, const kf_workcal *cal, int64_t now, int started);
/* kf_clock_retarget: a new target for an open clock; due, reminder and
 * escalation move, what was already sent stands. Met/cancelled clocks keep
 * their old target. */
int kf_clock_retarget(kf_clock *c, const kf_sla_target *t, const kf_workcal *cal, int64_t now);

enum { KF_FIRE_REMIND = 1, KF_FIRE_BREACH = 2, KF_FIRE_ESCALATE = 4 };
/* kf_clock_fire: marks what has fallen due by NOW (reminder, breach,
 * escalation) as done and returns the KF_FIRE_* bits of what fired. */
unsigned kf_clock_fire(kf_clock *c, int64_t now);
/* kf_clock_next_alarm: when this clock next needs attention; 0: never. */
int64_t kf_clock_next_alarm(const kf_clock *c);
/* kf_clock_open_due: the due time while the clock runs and is not met; 0 otherwise. */
int64_t kf_clock_open_due(const kf_clock *c);
/* kf_clock_breached: 1 when the clock was or is late at NOW. */
int kf_clock_breached(const kf_clock *c, int64_t now);
/* kf_clock_used_ms: time counted so far in the clock's basis (pauses excluded). */
int64_t kf_clock_used_ms(const kf_clock *c, const kf_workcal *cal, int64_t now);

#endif
