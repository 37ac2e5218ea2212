/* The counted facts of a ticket and their daily sums (报表的底数).
 *
 * A ticket write compares the ticket as loaded with the ticket as saved and
 * records what happened as facts (taken in, handed over, transferred,
 * returned, resolved, closed, reopened, a clock decided, a follow-up call):
 * one append-only row each in ticket_facts, and their sums per local day in
 * ticket_rollups, in the same transaction. docs/reports.md defines each
 * metric; `kefu verify rollups` (src/cli/verify.c) recounts them.
 *
 * The rollup sums are added just before the commit (kf_tx_defer), in key
 * order, so that on PostgreSQL the hot rows (today's "created" in a busy
 * project) are locked only for the end of the transaction and two writers
 * take them in the same order. */
#ifndef KF_DESK_ROLLUP_H
#define KF_DESK_ROLLUP_H

#include "domain/workcal.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

/* What the facts of a write compare: the ticket as it was loaded. */
typedef struct {
    int fresh; /* not stored yet: the write takes it in */
    int status;
    int64_t department, person;
    unsigned char decided[8], met[8]; /* per milestone (KF_MS_*) */
} kf_rollup_mark;

/* A fact named by a write itself (a follow-up call's scores). */
typedef struct {
    const char *metric;     /* static */
    int64_t value, minutes; /* minutes < 0: none */
} kf_rollup_extra;

#define KF_ROLLUP_EXTRA_MAX 8

/* The metrics (docs/reports.md). A fact's value is summed as the rollup's
 * total beside its count: for these it says the good outcome. */
#define KF_M_CREATED          "created"     /* value: 1 when a repeat (反复) */
#define KF_M_INVALID          "invalid"     /* found not a valid request */
#define KF_M_RECEIVED         "received"    /* handed to a department / person */
#define KF_M_TRANSFERRED      "transferred" /* handed on by them (their dimensions) */
#define KF_M_RETURNED         "returned"    /* given back to the pool (theirs) */
#define KF_M_RESOLVED         "resolved"    /* value: 1 when its resolve clock was met in time */
#define KF_M_CLOSED           "closed"      /* value: 1 when never reopened */
#define KF_M_REOPENED         "reopened"
#define KF_M_FOLLOW_UP        "follow_up"        /* value: 1 when satisfied */
#define KF_M_SCORE_OVERALL    "score_overall"    /* value: the score 1–5 */
#define KF_M_SCORE_TIMELINESS "score_timeliness" /* when given */
#define KF_M_SCORE_ATTITUDE   "score_attitude"   /* when given */

/* kf_rollup_clock_metric: "clock.acknowledge" … for milestone M: a clock
 * decided (met, or its deadline passed); value 1 when met in time, minutes
 * the time it took in its basis when met. kf_rollup_reach_metric:
 * "reach.acknowledge" …: a clock met after its deadline had been counted as
 * missed (only the minutes). NULL for an unknown M. */
const char *kf_rollup_clock_metric(int m);
const char *kf_rollup_reach_metric(int m);

/* kf_rollup_metric: the I-th metric kept (0 …), NULL past the last: every
 * metric, for whoever walks them all (kefu verify, kefu gen). */
const char *kf_rollup_metric(size_t i);

/* kf_rollup_grains: the grains ("p", "b", "d" letters) a metric is summed
 * at; NULL for a metric that is not kept. */
const char *kf_rollup_grains(const char *metric);

/* kf_rollup_day: the day number of instant MS (UTC) in zone TZ. */
int64_t kf_rollup_day(const kf_tz *tz, int64_t ms);

/* One fact. */
typedef struct {
    int64_t ticket, project;
    const char *type; /* borrowed */
    int64_t category, building, department, person;
    const char *metric; /* static */
    int64_t value;
    int64_t minutes; /* < 0: none */
    int64_t at, day;
} kf_fact;

/* kf_rollup_record: appends FACTS to the journal and defers their sums to
 * just before the commit. */
int kf_rollup_record(kf_tx *tx, const kf_fact *facts, size_t n);

#endif
