/* What a ticket write did, as counted facts: the ticket as loaded (its mark)
 * against the ticket as saved. One place decides every KPI's numerator and
 * denominator, whichever request or thread made the change
 * (docs/reports.md). */
#include "desk/ticket.h"

#include "core/err.h"

#include <string.h>

static int clock_decided(const kf_clock *c)
{
    return c->state == KF_CLOCK_MET || c->breached_at != 0;
}

void kf_ticket_facts_mark(kf_ticket *t, int fresh)
{
    kf_rollup_mark *m = &t->mark;
    memset(m, 0, sizeof(*m));
    m->fresh = fresh;
    m->status = kf_ticket_status(t);
    m->department = kf_ticket_i(t, "department_id");
    m->person = kf_ticket_i(t, "assignee_id");
    for (int i = 0; i < KF_MS_COUNT; i++) {
        if (!t->has_clock[i]) continue;
        m->decided[i] = (unsigned char)clock_decided(&t->clocks[i]);
        m->met[i] = t->clocks[i].state == KF_CLOCK_MET;
    }
    t->nextra = 0;
    t->handed_over = 0;
}

static void add_extra(kf_ticket *t, const char *metric, int64_t value, int64_t minutes)
{
    if (t->nextra < KF_ROLLUP_EXTRA_MAX)
        t->extra[t->nextra++] = (kf_rollup_extra){metric, value, minutes};
}

void kf_ticket_add_fact(kf_ticket *t, const char *metric, int64_t value)
{
    add_extra(t, metric, value, -1);
}

/* The minutes a met clock took in its basis, to the nearest minute. */
static int64_t clock_minutes(const kf_clock *c, const kf_workcal *cal, int64_t now)
{
    return c->state == KF_CLOCK_MET ? (kf_clock_used_ms(c, cal, now) + 30000) / 60000 : -1;
}

/* What clock M's state says against the mark: a decision ("clock."), a
 * late meeting of a clock counted as missed ("reach."), or nothing. */
static const char *clock_outcome(const kf_ticket *t, int m, int64_t *value)
{
    const kf_clock *c = &t->clocks[m];
    int met = c->state == KF_CLOCK_MET;
    *value = met && !c->breached_at;
    if (clock_decided(c) && !t->mark.decided[m]) return kf_rollup_clock_metric(m);
    if (met && t->mark.decided[m] && !t->mark.met[m]) {
        *value = 0;
        return kf_rollup_reach_metric(m);
    }
    return NULL;
}

void kf_ticket_facts_round_ended(kf_ticket *t, int m, const kf_workcal *cal, int64_t now)
{
    int64_t value;
    const char *metric = t->has_clock[m] ? clock_outcome(t, m, &value) : NULL;
    if (metric) add_extra(t, metric, value, clock_minutes(&t->clocks[m], cal, now));
    t->mark.decided[m] = t->mark.met[m] = 0; /* the next round is counted afresh */
}

#define MAX_FACTS KF_TICKET_FACTS_MAX

typedef struct {
    kf_fact f[MAX_FACTS];
    size_t n;
    kf_fact base; /* the ticket's dimensions after the write */
} fact_list;

static void add(fact_list *l, const char *metric, int64_t value, int64_t minutes)
{
    if (l->n >= MAX_FACTS) return; /* cannot happen: MAX_FACTS counts every kind once */
    kf_fact f = l->base;
    f.metric = metric;
    f.value = value;
    f.minutes = minutes;
    l->f[l->n++] = f;
}

/* A fact counted against the department and person who had the ticket. */
static void add_before(fact_list *l, const kf_rollup_mark *m, const char *metric)
{
    add(l, metric, 1, -1);
    l->f[l->n - 1].department = m->department;
    l->f[l->n - 1].person = m->person;
}

/* Hand-overs are what the write says it did (a resume from hold to
 * "dispatched" is none; a transfer to the same person is one), exactly as
 * its dispatch events say. */
static void hand_overs(fact_list *l, const kf_rollup_mark *m, const kf_ticket *t)
{
    int st = kf_ticket_status(t);
    if (t->handed_over) add(l, KF_M_RECEIVED, 1, -1);
    if (t->handed_over == 2) add_before(l, m, KF_M_TRANSFERRED);
    if (!m->fresh && st == KF_TS_NEW && m->status != KF_TS_NEW) add_before(l, m, KF_M_RETURNED);
}

static void state_changes(fact_list *l, const kf_rollup_mark *m, const kf_ticket *t)
{
    int st = kf_ticket_status(t);
    if (m->fresh) add(l, KF_M_CREATED, kf_ticket_i(t, "repeat_of") != 0, -1);
    if (!m->fresh && st == m->status) return;
    switch (st) {
    case KF_TS_RESOLVED: {
        const kf_clock *c = &t->clocks[KF_MS_RESOLVE];
        add(l, KF_M_RESOLVED,
            t->has_clock[KF_MS_RESOLVE] && c->state == KF_CLOCK_MET && !c->breached_at, -1);
        break;
    }
    case KF_TS_CLOSED:
        add(l, KF_M_CLOSED, kf_ticket_i(t, "reopen_count") == 0, -1);
        break;
    case KF_TS_REOPENED:
        add(l, KF_M_REOPENED, 1, -1);
        break;
    case KF_TS_CLOSED_INVALID:
        add(l, KF_M_INVALID, 1, -1);
        break;
    default:
        break;
    }
}

static void clocks(fact_list *l, const kf_ticket *t, const kf_workcal *cal, int64_t now)
{
    for (int i = 0; i < KF_MS_COUNT; i++) {
        int64_t value;
        const char *metric = t->has_clock[i] ? clock_outcome(t, i, &value) : NULL;
        if (metric) add(l, metric, value, clock_minutes(&t->clocks[i], cal, now));
    }
}

size_t kf_ticket_facts_collect(const kf_ticket *t, const kf_workcal *cal, int64_t now, kf_fact *out)
{
    fact_list l;
    l.n = 0;
    l.base = (kf_fact){
        .ticket = kf_ticket_i(t, "id"),
        .project = kf_ticket_i(t, "project_id"),
        .type = kf_ticket_s(t, "type"),
        .category = kf_ticket_i(t, "category_id"),
        .department = kf_ticket_i(t, "department_id"),
        .person = kf_ticket_i(t, "assignee_id"),
        .at = now,
        .day = kf_rollup_day(cal->tz, now),
    };
    if (!l.base.type) l.base.type = "";
    const kf_rollup_mark *m = &t->mark;
    state_changes(&l, m, t);
    hand_overs(&l, m, t);
    clocks(&l, t, cal, now);
    for (int i = 0; i < t->nextra; i++)
        add(&l, t->extra[i].metric, t->extra[i].value, t->extra[i].minutes);
    memcpy(out, l.f, l.n * sizeof(kf_fact));
    return l.n;
}

int kf_ticket_facts_record(kf_tx *tx, kf_ticket *t, const kf_workcal *cal, int64_t now)
{
    kf_fact f[MAX_FACTS];
    size_t n = kf_ticket_facts_collect(t, cal, now, f);
    int rc = KF_OK;
    if (n && (rc = kf_ticket_unit(tx, t)) == KF_OK)
        for (size_t i = 0; i < n; i++)
            f[i].building = t->building;
    if (rc == KF_OK) rc = kf_rollup_record(tx, f, n);
    if (rc == KF_OK) kf_ticket_facts_mark(t, 0); /* a second save counts only what follows */
    return rc;
}
