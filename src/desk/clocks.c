/* The clocks of a ticket: which policy sets them, how a change of state moves
 * them, how a change of type, category or severity re-targets them (the rule
 * in docs/tickets.md), and how they are shown. */
#include "api/api_int.h"
#include "desk/ticket.h"

#include "core/err.h"

#include <stdlib.h>
#include <string.h>

#define MINUTE_MS 60000

int kf_ticket_policy(kf_tx *tx, kf_policy_cache *pc, kf_ticket *t, kf_sla_target *targets, int *n)
{
    *n = 0;
    int rc = kf_ticket_categories(tx, t);
    if (rc != KF_OK) return rc;
    kf_stmt *st;
    rc = kf_tx_query(tx, &st,
                     "SELECT id, COALESCE(project_id, 0), COALESCE(category_id, 0), targets"
                     " FROM sla_policies WHERE type = ? AND severity = ?"
                     " AND (project_id IS NULL OR project_id = ?) ORDER BY id",
                     "ssi", kf_ticket_s(t, "type"), kf_ticket_s(t, "severity"),
                     kf_ticket_i(t, "project_id"));
    if (rc != KF_OK) return rc;
    /* most specific wins: a project counts more than a category, a nearer
     * category more than an ancestor; ties go to the oldest */
    int best_score = -1;
    int64_t best = 0;
    char *best_targets = NULL;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        int score = kf_stmt_i64(st, 1) ? 100 : 0;
        int64_t cat = kf_stmt_i64(st, 2);
        if (cat) {
            int depth = -1;
            for (int i = 0; i < t->nchain; i++)
                if (t->chain[i] == cat) {
                    depth = i;
                    break;
                }
            if (depth < 0) continue;
            score += 50 - depth;
        }
        if (score > best_score) {
            best_score = score;
            best = kf_stmt_i64(st, 0);
            free(best_targets);
            best_targets = strdup(kf_stmt_text(st, 3) ? kf_stmt_text(st, 3) : "[]");
            if (!best_targets) return KF_EIO;
        }
    }
    if (rc != KF_DONE) {
        free(best_targets);
        return rc;
    }
    kf_ticket_set_i(t, "policy_id", best);
    if (!best) return KF_OK;
    kf_policy_targets(pc, best_targets, targets, n);
    free(best_targets);
    return KF_OK;
}

/* Whether milestone M's start has happened for the ticket as it stands. */
static int start_happened(const kf_ticket *t, kf_milestone m)
{
    switch (kf_milestone_start(m)) {
    case KF_START_CREATED:
        return 1;
    case KF_START_DISPATCHED:
        return kf_ticket_i(t, "dispatched_at") != 0;
    case KF_START_RESOLVED: {
        kf_ticket_state s = kf_ticket_status(t);
        return s == KF_TS_RESOLVED || s == KF_TS_FOLLOW_UP;
    }
    }
    return 0;
}

static int started_by(kf_milestone m, kf_ticket_state to)
{
    switch (kf_milestone_start(m)) {
    case KF_START_DISPATCHED:
        return to == KF_TS_DISPATCHED;
    case KF_START_RESOLVED:
        return to == KF_TS_RESOLVED;
    default:
        return 0;
    }
}

int kf_ticket_clocks_on(kf_ticket *t, const kf_workcal *cal, kf_ticket_state from,
                        kf_ticket_state to, int64_t now)
{
    int rc = KF_OK;
    for (int m = 0; m < KF_MS_COUNT && rc == KF_OK; m++) {
        if (!t->has_clock[m]) continue;
        kf_clock *c = &t->clocks[m];
        if (from == KF_TS_ON_HOLD && to != KF_TS_ON_HOLD) rc = kf_clock_resume(c, cal, now);
        if (rc != KF_OK) break;
        if (to == KF_TS_REOPENED) {
            /* the reopen ends the follow-up call's round: met, and counted
             * before the clock starts afresh */
            if (kf_milestone_met_by((kf_milestone)m, to)) kf_clock_meet(c, cal, now);
            if (c->t.restart_on_reopen) {
                kf_ticket_facts_round_ended(t, m, cal, now);
                rc = kf_clock_restart(c, cal, now,
                                      kf_milestone_start(m) != KF_START_RESOLVED &&
                                          start_happened(t, (kf_milestone)m));
            }
            continue;
        }
        if (kf_milestone_met_by((kf_milestone)m, to)) kf_clock_meet(c, cal, now);
        if (started_by((kf_milestone)m, to)) rc = kf_clock_start(c, cal, now);
        if (to == KF_TS_ON_HOLD) kf_clock_pause(c, now);
        if (!kf_ticket_state_open(to)) kf_clock_cancel(c, cal, now);
    }
    return rc;
}

int kf_ticket_clocks_retarget(kf_tx *tx, kf_policy_cache *pc, kf_ticket *t, const kf_workcal *cal,
                              int64_t now)
{
    kf_sla_target targets[KF_MS_COUNT];
    int n = 0;
    int rc = kf_ticket_policy(tx, pc, t, targets, &n);
    if (rc != KF_OK) return rc;
    int listed[KF_MS_COUNT] = {0};
    for (int i = 0; i < n && rc == KF_OK; i++) {
        kf_milestone m = targets[i].milestone;
        listed[m] = 1;
        kf_clock *c = &t->clocks[m];
        if (t->has_clock[m]) {
            rc = kf_clock_retarget(c, &targets[i], cal, now);
            continue;
        }
        /* a milestone the old policy lacked starts now if its start is behind us */
        kf_clock_init(c, &targets[i]);
        t->has_clock[m] = 1;
        if (kf_ticket_state_open(kf_ticket_status(t)) && start_happened(t, m))
            rc = kf_clock_start(c, cal, now);
        else if (!kf_ticket_state_open(kf_ticket_status(t)))
            kf_clock_cancel(c, cal, now);
    }
    for (int m = 0; m < KF_MS_COUNT; m++)
        if (t->has_clock[m] && !listed[m]) kf_clock_cancel(&t->clocks[m], cal, now);
    return rc;
}

static void key_time(kf_jsonw *w, const char *key, int64_t ms)
{
    kf_jsonw_key(w, key);
    kf_jsonw_time(w, ms);
}

void kf_ticket_clocks_write(const kf_ticket *t, const kf_workcal *cal, int64_t now, kf_jsonw *w)
{
    kf_jsonw_array(w);
    for (int m = 0; m < KF_MS_COUNT; m++) {
        if (!t->has_clock[m]) continue;
        const kf_clock *c = &t->clocks[m];
        int64_t paused = c->paused_ms;
        if (c->state == KF_CLOCK_PAUSED && cal) {
            paused += c->t.basis == KF_BASIS_CALENDAR ? now - c->paused_at
                                                      : kf_workcal_between(cal, c->paused_at, now);
        }
        kf_jsonw_object(w);
        kf_jsonw_key(w, "milestone");
        kf_jsonw_str(w, kf_milestone_name(c->t.milestone));
        kf_jsonw_key(w, "basis");
        kf_jsonw_str(w, kf_basis_name(c->t.basis));
        kf_jsonw_key(w, "target_minutes");
        kf_jsonw_int(w, c->t.target_ms / MINUTE_MS);
        kf_jsonw_key(w, "state");
        kf_jsonw_str(w, kf_clock_state_name(c->state));
        key_time(w, "started_at", c->started_at);
        key_time(w, "due_at", c->state == KF_CLOCK_PAUSED ? 0 : c->due_at);
        key_time(w, "met_at", c->met_at);
        key_time(w, "paused_since", c->paused_at);
        kf_jsonw_key(w, "paused_minutes");
        kf_jsonw_int(w, paused / MINUTE_MS);
        kf_jsonw_key(w, "breached");
        kf_jsonw_bool(w, kf_clock_breached(c, now));
        key_time(w, "breached_at", c->breached_at);
        key_time(w, "remind_at", c->remind_at);
        key_time(w, "reminded_at", c->reminded_at);
        key_time(w, "escalated_at", c->escalated_at);
        kf_jsonw_key(w, "used_minutes");
        if (cal)
            kf_jsonw_int(w, kf_clock_used_ms(c, cal, now) / MINUTE_MS);
        else
            kf_jsonw_null(w);
        kf_jsonw_end(w);
    }
    kf_jsonw_end(w);
}
