#include "domain/ticket_flow.h"

#include <string.h>

static const char *const state_names[KF_TS_COUNT] = {
    [KF_TS_NEW] = "new",
    [KF_TS_DISPATCHED] = "dispatched",
    [KF_TS_ACKNOWLEDGED] = "acknowledged",
    [KF_TS_CONTACTED] = "contacted",
    [KF_TS_SCHEDULED] = "scheduled",
    [KF_TS_ON_HOLD] = "on_hold",
    [KF_TS_RESOLVED] = "resolved",
    [KF_TS_FOLLOW_UP] = "follow_up",
    [KF_TS_CLOSED] = "closed",
    [KF_TS_REOPENED] = "reopened",
    [KF_TS_CANCELLED] = "cancelled",
    [KF_TS_MERGED] = "merged",
    [KF_TS_CLOSED_INVALID] = "closed_invalid",
};

#define BIT(s) (1u << (s))

/* The lifecycle in one table: FROM → the states it may move to. "new" again
 * means returned to the pool; on-hold resumes only where it was held from. */
static const unsigned flow[KF_TS_COUNT] = {
    [KF_TS_NEW] = BIT(KF_TS_DISPATCHED) | BIT(KF_TS_ON_HOLD) | BIT(KF_TS_CANCELLED) |
                  BIT(KF_TS_MERGED) | BIT(KF_TS_CLOSED_INVALID),
    [KF_TS_DISPATCHED] = BIT(KF_TS_DISPATCHED) | BIT(KF_TS_ACKNOWLEDGED) | BIT(KF_TS_NEW) |
                         BIT(KF_TS_ON_HOLD) | BIT(KF_TS_CANCELLED) | BIT(KF_TS_MERGED) |
                         BIT(KF_TS_CLOSED_INVALID),
    [KF_TS_ACKNOWLEDGED] = BIT(KF_TS_DISPATCHED) | BIT(KF_TS_CONTACTED) | BIT(KF_TS_NEW) |
                           BIT(KF_TS_ON_HOLD) | BIT(KF_TS_CANCELLED) | BIT(KF_TS_MERGED),
    [KF_TS_CONTACTED] = BIT(KF_TS_DISPATCHED) | BIT(KF_TS_SCHEDULED) | BIT(KF_TS_RESOLVED) |
                        BIT(KF_TS_NEW) | BIT(KF_TS_ON_HOLD) | BIT(KF_TS_CANCELLED) |
                        BIT(KF_TS_MERGED),
    [KF_TS_SCHEDULED] = BIT(KF_TS_DISPATCHED) | BIT(KF_TS_SCHEDULED) | BIT(KF_TS_RESOLVED) |
                        BIT(KF_TS_NEW) | BIT(KF_TS_ON_HOLD) | BIT(KF_TS_CANCELLED) |
                        BIT(KF_TS_MERGED),
    [KF_TS_ON_HOLD] = BIT(KF_TS_CANCELLED), /* plus the state it was held from */
    [KF_TS_RESOLVED] = BIT(KF_TS_FOLLOW_UP) | BIT(KF_TS_CLOSED) | BIT(KF_TS_REOPENED),
    [KF_TS_FOLLOW_UP] = BIT(KF_TS_CLOSED) | BIT(KF_TS_REOPENED),
    [KF_TS_CLOSED] = BIT(KF_TS_REOPENED),
    [KF_TS_REOPENED] = BIT(KF_TS_DISPATCHED) | BIT(KF_TS_ACKNOWLEDGED) | BIT(KF_TS_CONTACTED) |
                       BIT(KF_TS_SCHEDULED) | BIT(KF_TS_RESOLVED) | BIT(KF_TS_NEW) |
                       BIT(KF_TS_ON_HOLD) | BIT(KF_TS_CANCELLED),
    [KF_TS_CANCELLED] = 0,
    [KF_TS_MERGED] = 0,
    [KF_TS_CLOSED_INVALID] = 0,
};

/* The states one may hold from (and so resume to). */
static const unsigned holdable = BIT(KF_TS_NEW) | BIT(KF_TS_DISPATCHED) | BIT(KF_TS_ACKNOWLEDGED) |
                                 BIT(KF_TS_CONTACTED) | BIT(KF_TS_SCHEDULED) | BIT(KF_TS_REOPENED);

const char *kf_ticket_state_name(kf_ticket_state s)
{
    return (unsigned)s < KF_TS_COUNT ? state_names[s] : "unknown";
}

int kf_ticket_state_parse(const char *name)
{
    for (int i = 0; name && i < KF_TS_COUNT; i++)
        if (strcmp(state_names[i], name) == 0) return i;
    return -1;
}

int kf_ticket_state_open(kf_ticket_state s)
{
    return s != KF_TS_CLOSED && s != KF_TS_CANCELLED && s != KF_TS_MERGED &&
           s != KF_TS_CLOSED_INVALID;
}

static unsigned allowed_mask(kf_ticket_state from, kf_ticket_state held_from)
{
    if ((unsigned)from >= KF_TS_COUNT) return 0;
    unsigned m = flow[from];
    if (from == KF_TS_ON_HOLD && (unsigned)held_from < KF_TS_COUNT && (holdable & BIT(held_from)))
        m |= BIT(held_from);
    return m;
}

size_t kf_ticket_allowed(kf_ticket_state from, kf_ticket_state held_from, kf_ticket_state *out)
{
    unsigned m = allowed_mask(from, held_from);
    size_t n = 0;
    for (int s = 0; s < KF_TS_COUNT; s++)
        if (m & BIT(s)) out[n++] = (kf_ticket_state)s;
    return n;
}

int kf_ticket_may(kf_ticket_state from, kf_ticket_state held_from, kf_ticket_state to)
{
    return (unsigned)to < KF_TS_COUNT && (allowed_mask(from, held_from) & BIT(to)) != 0;
}

static const char *const milestone_names[KF_MS_COUNT] = {
    [KF_MS_ACKNOWLEDGE] = "acknowledge", [KF_MS_CONTACT] = "contact",     [KF_MS_PLAN] = "plan",
    [KF_MS_RESOLVE] = "resolve",         [KF_MS_FOLLOW_UP] = "follow_up", [KF_MS_ONSITE] = "onsite",
};

const char *kf_milestone_name(kf_milestone m)
{
    return (unsigned)m < KF_MS_COUNT ? milestone_names[m] : "unknown";
}

int kf_milestone_parse(const char *name)
{
    for (int i = 0; name && i < KF_MS_COUNT; i++)
        if (strcmp(milestone_names[i], name) == 0) return i;
    return -1;
}

kf_clock_origin kf_milestone_start(kf_milestone m)
{
    switch (m) {
    case KF_MS_ACKNOWLEDGE:
    case KF_MS_CONTACT:
    case KF_MS_PLAN:
        return KF_START_DISPATCHED;
    case KF_MS_FOLLOW_UP:
        return KF_START_RESOLVED;
    default:
        return KF_START_CREATED;
    }
}

int kf_milestone_met_by(kf_milestone m, kf_ticket_state to)
{
    /* how far along the work each state is */
    static const int progress[KF_TS_COUNT] = {
        [KF_TS_ACKNOWLEDGED] = 1, [KF_TS_CONTACTED] = 2, [KF_TS_SCHEDULED] = 3,
        [KF_TS_RESOLVED] = 4,     [KF_TS_FOLLOW_UP] = 4, [KF_TS_CLOSED] = 4,
    };
    if ((unsigned)to >= KF_TS_COUNT) return 0;
    switch (m) {
    case KF_MS_ACKNOWLEDGE:
        return progress[to] >= 1;
    case KF_MS_CONTACT:
        return progress[to] >= 2;
    case KF_MS_PLAN:
        return progress[to] >= 3;
    case KF_MS_RESOLVE:
        return progress[to] >= 4;
    case KF_MS_FOLLOW_UP:
        return to == KF_TS_CLOSED || to == KF_TS_REOPENED;
    default:
        return 0;
    }
}
