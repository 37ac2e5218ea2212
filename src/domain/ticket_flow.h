/* The ticket lifecycle (工单流转): states, the one table of allowed
 * transitions, and the milestones whose clocks the states start and stop.
 * docs/tickets.md documents the same table; the server enforces it. */
#ifndef KF_TICKET_FLOW_H
#define KF_TICKET_FLOW_H

#include <stddef.h>

typedef enum {
    KF_TS_NEW,
    KF_TS_DISPATCHED,
    KF_TS_ACKNOWLEDGED,
    KF_TS_CONTACTED,
    KF_TS_SCHEDULED,
    KF_TS_ON_HOLD,
    KF_TS_RESOLVED,
    KF_TS_FOLLOW_UP,
    KF_TS_CLOSED,
    KF_TS_REOPENED,
    KF_TS_CANCELLED,
    KF_TS_MERGED,
    KF_TS_CLOSED_INVALID,
    KF_TS_COUNT
} kf_ticket_state;

/* kf_ticket_state_name: "new", "dispatched" …; kf_ticket_state_parse: -1 if unknown. */
const char *kf_ticket_state_name(kf_ticket_state s);
int kf_ticket_state_parse(const char *name);
/* kf_ticket_state_open: 1 while work remains (not closed, cancelled, merged,
 * closed-invalid). A resolved ticket is open until its follow-up closes it. */
int kf_ticket_state_open(kf_ticket_state s);

/* kf_ticket_allowed: the states FROM may move to, into OUT (at most
 * KF_TS_COUNT), returning how many. HELD_FROM is the state an on-hold ticket
 * was in (it may only resume there, or be cancelled); ignored otherwise.
 * Dispatch (to "dispatched") is its own action but listed like any other. */
size_t kf_ticket_allowed(kf_ticket_state from, kf_ticket_state held_from, kf_ticket_state *out);
int kf_ticket_may(kf_ticket_state from, kf_ticket_state held_from, kf_ticket_state to);

/* The milestones a deadline policy can set. */
typedef enum {
    KF_MS_ACKNOWLEDGE, /* from dispatch to acknowledged */
    KF_MS_CONTACT,     /* from dispatch to contacted */
    KF_MS_PLAN,        /* from dispatch to scheduled (plan and visit time) */
    KF_MS_RESOLVE,     /* from creation to resolved */
    KF_MS_FOLLOW_UP,   /* from resolved to closed or reopened (the follow-up call) */
    KF_MS_ONSITE,      /* from creation to the manager on site (major complaints) */
    KF_MS_COUNT
} kf_milestone;

typedef enum {
    KF_START_CREATED,
    KF_START_DISPATCHED,
    KF_START_RESOLVED,
} kf_clock_origin;

const char *kf_milestone_name(kf_milestone m);
int kf_milestone_parse(const char *name);
kf_clock_origin kf_milestone_start(kf_milestone m);
/* kf_milestone_met_by: 1 when entering state TO meets milestone M (a later
 * step meets the earlier ones: resolving meets acknowledge, contact and plan).
 * The on-site milestone is met by its own action, never by a state. */
int kf_milestone_met_by(kf_milestone m, kf_ticket_state to);

#endif
