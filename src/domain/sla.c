#include "domain/sla.h"

#include "core/err.h"

#include <string.h>

static const char *const basis_names[] = {"working", "calendar"};
static const char *const state_names[] = {"pending", "running", "paused", "met", "cancelled"};

const char *kf_basis_name(kf_basis b)
{
    return (unsigned)b < 2 ? basis_names[b] : "unknown";
}

int kf_basis_parse(const char *name)
{
    for (int i = 0; name && i < 2; i++)
        if (strcmp(basis_names[i], name) == 0) return i;
    return -1;
}

const char *kf_clock_state_name(kf_clock_state s)
{
    return (unsigned)s < 5 ? state_names[s] : "unknown";
}

int kf_clock_state_parse(const char *name)
{
    for (int i = 0; name && i < 5; i++)
        if (strcmp(state_names[i], name) == 0) return i;
    return -1;
}

void kf_clock_init(kf_clock *c, const kf_sla_target *t)
{
    memset(c, 0, sizeof(*c));
    c->t = *t;
    c->state = KF_CLOCK_PENDING;
}

/* AMOUNT[0..N) (ascending) of the clock's basis after START, into OUT. */
static int advance(const kf_clock *c, const kf_workcal *cal, int64_t start, const int64_t *amount,
                   int n, int64_t *out)
{
    if (c->t.basis == KF_BASIS_CALENDAR) {
        for (int i = 0; i < n; i++)
            out[i] = start + amount[i];
        return KF_OK;
    }
    return kf_workcal_add_each(cal, start, amount, n, out);
}

static int64_t span(const kf_clock *c, const kf_workcal *cal, int64_t a, int64_t b)
{
    if (b <= a) return 0;
    return c->t.basis == KF_BASIS_CALENDAR ? b - a : kf_workcal_between(cal, a, b);
}

/* Due, reminder and escalation instants from the start, target and pauses. */
static int schedule(kf_clock *c, const kf_workcal *cal)
{
    int64_t base = c->paused_ms, amount[3], at[3];
    int n = 0, remind = -1, escalate = -1;
    if (c->t.remind_percent > 0 && c->t.remind_percent < 100) {
        int64_t share = c->t.target_ms / 100 * c->t.remind_percent +
                        c->t.target_ms % 100 * c->t.remind_percent / 100;
        remind = n;
        amount[n++] = share + base;
    }
    int due = n;
    amount[n++] = c->t.target_ms + base;
    if (c->t.escalate_after_ms > 0) {
        escalate = n;
        amount[n++] = c->t.target_ms + c->t.escalate_after_ms + base;
    }
    /* the reminder comes before the due instant, the escalation after it */
    int rc = advance(c, cal, c->started_at, amount, n, at);
    c->due_at = at[due];
    c->remind_at = remind >= 0 ? at[remind] : 0;
    c->escalate_at = escalate >= 0 ? at[escalate] : 0;
    return rc;
}

/* The hold so far (paused at PAUSED_AT until NOW) joins the paused time. */
static void end_pause(kf_clock *c, const kf_workcal *cal, int64_t now)
{
    c->paused_ms += span(c, cal, c->paused_at, now);
    c->paused_at = 0;
}

int kf_clock_start(kf_clock *c, const kf_workcal *cal, int64_t now)
{
    if (c->state != KF_CLOCK_PENDING) return KF_OK;
    c->state = KF_CLOCK_RUNNING;
    c->started_at = now;
    c->paused_ms = 0;
    return schedule(c, cal);
}

void kf_clock_pause(kf_clock *c, int64_t now)
{
    if (c->state != KF_CLOCK_RUNNING || !c->t.pause_on_hold) return;
    c->state = KF_CLOCK_PAUSED;
    c->paused_at = now;
}

int kf_clock_resume(kf_clock *c, const kf_workcal *cal, int64_t now)
{
    if (c->state != KF_CLOCK_PAUSED) return KF_OK;
    end_pause(c, cal, now);
    c->state = KF_CLOCK_RUNNING;
    return schedule(c, cal);
}

void kf_clock_meet(kf_clock *c, const kf_workcal *cal, int64_t now)
{
    if (c->state == KF_CLOCK_PAUSED) { /* met while on hold: the hold does not count */
        end_pause(c, cal, now);
        c->state = KF_CLOCK_RUNNING;
        if (schedule(c, cal) != KF_OK) c->due_at = 0;
    }
    if (c->state != KF_CLOCK_RUNNING) return;
    c->state = KF_CLOCK_MET;
    c->met_at = now;
    if (!c->breached_at && c->due_at && now > c->due_at) c->breached_at = c->due_at;
}

void kf_clock_cancel(kf_clock *c, const kf_workcal *cal, int64_t now)
{
    if (c->state == KF_CLOCK_MET || c->state == KF_CLOCK_CANCELLED) return;
    if (c->state == KF_CLOCK_PAUSED) end_pause(c, cal, now);
    if (c->state != KF_CLOCK_PENDING) c->met_at = now; /* where its time stops */
    c->state = KF_CLOCK_CANCELLED;
}

int kf_clock_restart(kf_clock *c, const kf_workcal *cal, int64_t now, int started)
{
    if (c->state == KF_CLOCK_PENDING && !started) return KF_OK;
    kf_sla_target t = c->t;
    int64_t id = c->id;
    kf_clock_init(c, &t);
    c->id = id;
    return started ? kf_clock_start(c, cal, now) : KF_OK;
}

int kf_clock_retarget(kf_clock *c, const kf_sla_target *t, const kf_workcal *cal, int64_t now)
{
    (void)now;
    if (c->state == KF_CLOCK_MET || c->state == KF_CLOCK_CANCELLED) return KF_OK;
    c->t = *t;
    if (c->state == KF_CLOCK_PENDING) return KF_OK;
    int64_t paused_at = c->paused_at;
    int rc = schedule(c, cal);
    c->paused_at = paused_at;
    return rc;
}

unsigned kf_clock_fire(kf_clock *c, int64_t now)
{
    if (c->state != KF_CLOCK_RUNNING) return 0;
    unsigned fired = 0;
    int late = c->breached_at || (c->due_at && c->due_at < now);
    if (c->remind_at && !c->reminded_at && c->remind_at <= now) {
        c->reminded_at = now;
        if (!late) fired |= KF_FIRE_REMIND; /* a reminder after the deadline is pointless */
    }
    /* met exactly at the due time is on time: the breach is the moment after */
    if (c->due_at && !c->breached_at && c->due_at < now) {
        c->breached_at = c->due_at;
        fired |= KF_FIRE_BREACH;
    }
    if (c->escalate_at && !c->escalated_at && c->escalate_at <= now && c->breached_at) {
        c->escalated_at = now;
        fired |= KF_FIRE_ESCALATE;
    }
    return fired;
}

int64_t kf_clock_next_alarm(const kf_clock *c)
{
    if (c->state != KF_CLOCK_RUNNING) return 0;
    int64_t next = 0;
    int64_t cand[3] = {c->reminded_at || c->breached_at ? 0 : c->remind_at,
                       c->breached_at || !c->due_at ? 0 : c->due_at + 1,
                       c->escalated_at ? 0 : c->escalate_at};
    for (int i = 0; i < 3; i++)
        if (cand[i] && (!next || cand[i] < next)) next = cand[i];
    return next;
}

int64_t kf_clock_open_due(const kf_clock *c)
{
    return c->state == KF_CLOCK_RUNNING ? c->due_at : 0;
}

int kf_clock_breached(const kf_clock *c, int64_t now)
{
    if (c->breached_at) return 1;
    if (c->state == KF_CLOCK_RUNNING && c->due_at && now > c->due_at) return 1;
    return c->state == KF_CLOCK_MET && c->due_at && c->met_at > c->due_at;
}

int64_t kf_clock_used_ms(const kf_clock *c, const kf_workcal *cal, int64_t now)
{
    if (c->state == KF_CLOCK_PENDING || !c->started_at) return 0;
    int64_t end = now;
    if (c->state == KF_CLOCK_MET || c->state == KF_CLOCK_CANCELLED)
        end = c->met_at ? c->met_at : now;
    else if (c->state == KF_CLOCK_PAUSED)
        end = c->paused_at;
    int64_t used = span(c, cal, c->started_at, end) - c->paused_ms;
    return used > 0 ? used : 0;
}
