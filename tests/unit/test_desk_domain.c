/* The ticket lifecycle (states, transitions, milestones) and the deadline
 * clocks on a working calendar: Mon–Fri 08:30–12:00 and 13:30–18:00 in
 * Asia/Shanghai, with a few 2026 holidays and one make-up working day. */
#include "core/err.h"
#include "core/tz.h"
#include "desk/policy_cache.h"
#include "domain/sla.h"
#include "domain/ticket_flow.h"
#include "domain/workcal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MIN_MS   (60 * 1000LL)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static kf_tz *g_sh;
static kf_special_day g_special[8];
static kf_workcal g_cal;

/* Shanghai wall time in 2026 (UTC+8 throughout) as an instant. */
static int64_t sh(int m, int d, int h, int mi)
{
    return ((kf_days_from_civil(2026, m, d) * 86400 + h * 3600 + mi * 60) - 8 * 3600) * 1000;
}

static int group_setup(void **state)
{
    (void)state;
    if (kf_tz_load(NULL, "Asia/Shanghai", &g_sh) != KF_OK) return -1;
    /* Qingming Monday off, 1–5 May off (Fri–Tue), Saturday 9 May worked */
    size_t n = 0;
    g_special[n++] = (kf_special_day){kf_days_from_civil(2026, 4, 6), KF_DAY_HOLIDAY};
    for (int d = 1; d <= 5; d++)
        g_special[n++] = (kf_special_day){kf_days_from_civil(2026, 5, d), KF_DAY_HOLIDAY};
    g_special[n++] = (kf_special_day){kf_days_from_civil(2026, 5, 9), KF_DAY_WORKDAY};
    memset(&g_cal, 0, sizeof(g_cal));
    for (int wd = 0; wd < 5; wd++) {
        g_cal.week[wd][0] = (kf_work_window){8 * 60 + 30, 12 * 60};
        g_cal.week[wd][1] = (kf_work_window){13 * 60 + 30, 18 * 60};
        g_cal.nwindows[wd] = 2;
    }
    g_cal.special = g_special;
    g_cal.nspecial = n;
    g_cal.tz = g_sh;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    kf_tz_free(g_sh);
    return 0;
}

/* ---- the lifecycle --------------------------------------------------------- */

/* Columns, in enum order: new dispatched acknowledged contacted scheduled
 * on_hold resolved follow_up closed reopened cancelled merged closed_invalid.
 * 'x' at column TO (character 2*TO) means FROM may move to TO. */
/* clang-format off */
static const char *const expected_flow[KF_TS_COUNT] = {
    /*                       N D A C S H R F X O c m i */
    [KF_TS_NEW]            = ". x . . . x . . . . x x x",
    [KF_TS_DISPATCHED]     = "x x x . . x . . . . x x x",
    [KF_TS_ACKNOWLEDGED]   = "x x . x . x . . . . x x .",
    [KF_TS_CONTACTED]      = "x x . . x x x . . . x x .",
    [KF_TS_SCHEDULED]      = "x x . . x x x . . . x x .",
    [KF_TS_ON_HOLD]        = ". . . . . . . . . . x . .", /* plus held_from */
    [KF_TS_RESOLVED]       = ". . . . . . . x x x . . .",
    [KF_TS_FOLLOW_UP]      = ". . . . . . . . x x . . .",
    [KF_TS_CLOSED]         = ". . . . . . . . . x . . .",
    [KF_TS_REOPENED]       = "x x x x x x x . . . x . .",
    [KF_TS_CANCELLED]      = ". . . . . . . . . . . . .",
    [KF_TS_MERGED]         = ". . . . . . . . . . . . .",
    [KF_TS_CLOSED_INVALID] = ". . . . . . . . . . . . .",
};
/* The states a ticket may be held from, and so resume to. */
static const char expected_holdable[] = "x x x x x . . . . x . . .";
/* clang-format on */

static int expect_may(int from, int held, int to)
{
    if (from == KF_TS_ON_HOLD && to == held && held < KF_TS_COUNT &&
        expected_holdable[2 * held] == 'x')
        return 1;
    return expected_flow[from][2 * to] == 'x';
}

static void test_transitions(void **state)
{
    (void)state;
    for (int s = 0; s < KF_TS_COUNT; s++) {
        assert_int_equal(strlen(expected_flow[s]), 2 * KF_TS_COUNT - 1);
        /* one can hold from exactly the states that may move to on_hold */
        assert_int_equal(expected_holdable[2 * s] == 'x',
                         expected_flow[s][2 * KF_TS_ON_HOLD] == 'x');
    }
    /* held_from KF_TS_COUNT and beyond: out of range, never resumable */
    for (int from = 0; from < KF_TS_COUNT; from++)
        for (int held = 0; held <= KF_TS_COUNT + 1; held++) {
            kf_ticket_state out[KF_TS_COUNT];
            memset(out, 0xff, sizeof(out));
            size_t n = kf_ticket_allowed((kf_ticket_state)from, (kf_ticket_state)held, out);
            size_t k = 0;
            for (int to = 0; to < KF_TS_COUNT; to++) {
                int want = expect_may(from, held, to);
                if (kf_ticket_may((kf_ticket_state)from, (kf_ticket_state)held,
                                  (kf_ticket_state)to) != want)
                    fail_msg("may(%s, held %d, %s) should be %d", kf_ticket_state_name(from), held,
                             kf_ticket_state_name(to), want);
                /* allowed() lists the same set, ascending */
                if (want) {
                    assert_true(k < n);
                    assert_int_equal(out[k++], to);
                }
            }
            assert_int_equal(n, k);
            assert_false(kf_ticket_may((kf_ticket_state)from, (kf_ticket_state)held, KF_TS_COUNT));
        }
    /* on hold resumes only to a holdable held_from */
    assert_false(kf_ticket_may(KF_TS_ON_HOLD, KF_TS_RESOLVED, KF_TS_RESOLVED));
    kf_ticket_state out[KF_TS_COUNT];
    assert_int_equal(kf_ticket_allowed(KF_TS_COUNT, KF_TS_NEW, out), 0);
    assert_false(kf_ticket_may(KF_TS_COUNT, KF_TS_NEW, KF_TS_NEW));
}

static void test_state_names(void **state)
{
    (void)state;
    static const char *const names[KF_TS_COUNT] = {
        "new",       "dispatched", "acknowledged",   "contacted", "scheduled",
        "on_hold",   "resolved",   "follow_up",      "closed",    "reopened",
        "cancelled", "merged",     "closed_invalid",
    };
    static const int open[KF_TS_COUNT] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0};
    for (int s = 0; s < KF_TS_COUNT; s++) {
        assert_string_equal(kf_ticket_state_name((kf_ticket_state)s), names[s]);
        assert_int_equal(kf_ticket_state_parse(names[s]), s);
        assert_int_equal(kf_ticket_state_open((kf_ticket_state)s), open[s]);
    }
    assert_string_equal(kf_ticket_state_name(KF_TS_COUNT), "unknown");
    assert_int_equal(kf_ticket_state_parse("unknown"), -1);
    assert_int_equal(kf_ticket_state_parse("New"), -1);
    assert_int_equal(kf_ticket_state_parse(""), -1);
    assert_int_equal(kf_ticket_state_parse(NULL), -1);

    static const char *const ms[KF_MS_COUNT] = {"acknowledge", "contact",   "plan",
                                                "resolve",     "follow_up", "onsite"};
    static const kf_clock_origin origin[KF_MS_COUNT] = {KF_START_DISPATCHED, KF_START_DISPATCHED,
                                                        KF_START_DISPATCHED, KF_START_CREATED,
                                                        KF_START_RESOLVED,   KF_START_CREATED};
    for (int m = 0; m < KF_MS_COUNT; m++) {
        assert_string_equal(kf_milestone_name((kf_milestone)m), ms[m]);
        assert_int_equal(kf_milestone_parse(ms[m]), m);
        assert_int_equal(kf_milestone_start((kf_milestone)m), origin[m]);
    }
    assert_string_equal(kf_milestone_name(KF_MS_COUNT), "unknown");
    assert_int_equal(kf_milestone_parse("visit"), -1);
    assert_int_equal(kf_milestone_parse(NULL), -1);

    assert_int_equal(kf_basis_parse("working"), KF_BASIS_WORKING);
    assert_int_equal(kf_basis_parse(kf_basis_name(KF_BASIS_CALENDAR)), KF_BASIS_CALENDAR);
    assert_int_equal(kf_basis_parse("wall"), -1);
    static const char *const cs[] = {"pending", "running", "paused", "met", "cancelled"};
    for (int s = 0; s < 5; s++) {
        assert_string_equal(kf_clock_state_name((kf_clock_state)s), cs[s]);
        assert_int_equal(kf_clock_state_parse(cs[s]), s);
    }
    assert_int_equal(kf_clock_state_parse(NULL), -1);
}

static void test_milestones_met(void **state)
{
    (void)state;
    /* columns as in expected_flow */
    /* clang-format off */
    static const char *const met[KF_MS_COUNT] = {
        /*                    N D A C S H R F X O c m i */
        [KF_MS_ACKNOWLEDGE] = ". . x x x . x x x . . . .",
        [KF_MS_CONTACT]     = ". . . x x . x x x . . . .",
        [KF_MS_PLAN]        = ". . . . x . x x x . . . .",
        [KF_MS_RESOLVE]     = ". . . . . . x x x . . . .",
        [KF_MS_FOLLOW_UP]   = ". . . . . . . . x x . . .",
        [KF_MS_ONSITE]      = ". . . . . . . . . . . . .",
    };
    /* clang-format on */
    for (int m = 0; m < KF_MS_COUNT; m++) {
        for (int to = 0; to < KF_TS_COUNT; to++)
            if (kf_milestone_met_by((kf_milestone)m, (kf_ticket_state)to) !=
                (met[m][2 * to] == 'x'))
                fail_msg("met_by(%s, %s)", kf_milestone_name((kf_milestone)m),
                         kf_ticket_state_name((kf_ticket_state)to));
        assert_false(kf_milestone_met_by((kf_milestone)m, KF_TS_COUNT));
    }
}

/* ---- clocks ------------------------------------------------------------------ */

static kf_sla_target target(kf_basis basis, int minutes, int pct, int esc_minutes)
{
    return (kf_sla_target){.milestone = KF_MS_RESOLVE,
                           .basis = basis,
                           .target_ms = minutes * MIN_MS,
                           .remind_percent = pct,
                           .escalate_after_ms = esc_minutes * MIN_MS,
                           .pause_on_hold = 1,
                           .restart_on_reopen = 1};
}

static kf_clock started(kf_basis basis, int minutes, int pct, int esc, int64_t at)
{
    kf_sla_target t = target(basis, minutes, pct, esc);
    kf_clock c;
    kf_clock_init(&c, &t);
    assert_int_equal(c.state, KF_CLOCK_PENDING);
    assert_int_equal(kf_clock_next_alarm(&c), 0);
    assert_int_equal(kf_clock_start(&c, &g_cal, at), KF_OK);
    assert_int_equal(c.state, KF_CLOCK_RUNNING);
    assert_int_equal(c.started_at, at);
    return c;
}

static void test_start_schedule(void **state)
{
    (void)state;
    static const struct {
        kf_basis basis;
        int minutes, pct, esc;
    } cases[] = {
        /* Mon 09:00 + 180 min = 12:00; 80% = 144 min → 11:24; +60 after lunch → 14:30 */
        {KF_BASIS_WORKING, 180, 80, 60},
        /* Mon 10:00 + 240: 120 before lunch, 120 after → 15:30; 192 → 14:42; 420 → Tue 09:00 */
        {KF_BASIS_WORKING, 240, 80, 180},
        /* Saturday: counts from Monday 08:30 */
        {KF_BASIS_WORKING, 60, 50, 0},
        /* Fri 04-03 17:00: 60 min that day, Mon 04-06 off → Tue 09:30 */
        {KF_BASIS_WORKING, 120, 25, 60},
        /* Fri 05-08 17:00: the make-up Saturday 05-09 works with Monday's windows */
        {KF_BASIS_WORKING, 120, 0, 0},
        /* Thu 04-30 16:00: 120 that day, 1–5 May off, Wed 05-06 a full 480 */
        {KF_BASIS_WORKING, 600, 90, 0},
        /* calendar basis: wall-clock, lunch and nights count */
        {KF_BASIS_CALENDAR, 240, 80, 60},
        {KF_BASIS_CALENDAR, 1440, 50, 0},
    };
    const int64_t instants[NELEM(cases)][4] = {
        {sh(3, 2, 9, 0), sh(3, 2, 11, 24), sh(3, 2, 12, 0), sh(3, 2, 14, 30)},
        {sh(3, 2, 10, 0), sh(3, 2, 14, 42), sh(3, 2, 15, 30), sh(3, 3, 9, 0)},
        {sh(3, 7, 10, 0), sh(3, 9, 9, 0), sh(3, 9, 9, 30), 0},
        {sh(4, 3, 17, 0), sh(4, 3, 17, 30), sh(4, 7, 9, 30), sh(4, 7, 10, 30)},
        {sh(5, 8, 17, 0), 0, sh(5, 9, 9, 30), 0},
        {sh(4, 30, 16, 0), sh(5, 6, 17, 0), sh(5, 6, 18, 0), 0},
        {sh(3, 2, 9, 0), sh(3, 2, 12, 12), sh(3, 2, 13, 0), sh(3, 2, 14, 0)},
        {sh(3, 6, 17, 0), sh(3, 7, 5, 0), sh(3, 7, 17, 0), 0},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        kf_clock c =
            started(cases[i].basis, cases[i].minutes, cases[i].pct, cases[i].esc, instants[i][0]);
        assert_int_equal(c.remind_at, instants[i][1]);
        assert_int_equal(c.due_at, instants[i][2]);
        assert_int_equal(c.escalate_at, instants[i][3]);
        assert_int_equal(kf_clock_open_due(&c), instants[i][2]);
        /* the breach is the moment after the due time (met at it is on time) */
        assert_int_equal(kf_clock_next_alarm(&c),
                         instants[i][1] ? instants[i][1] : instants[i][2] + 1);
        assert_int_equal(c.paused_ms, 0);
        /* starting again does nothing */
        kf_clock before = c;
        assert_int_equal(kf_clock_start(&c, &g_cal, instants[i][2]), KF_OK);
        assert_memory_equal(&c, &before, sizeof(c));
    }

    /* a calendar without working time: working clocks cannot start, calendar ones can */
    kf_workcal none;
    memset(&none, 0, sizeof(none));
    none.tz = g_sh;
    kf_sla_target t = target(KF_BASIS_WORKING, 60, 80, 0);
    kf_clock c;
    kf_clock_init(&c, &t);
    assert_int_equal(kf_clock_start(&c, &none, sh(3, 2, 9, 0)), KF_EINVAL);
    t.basis = KF_BASIS_CALENDAR;
    kf_clock_init(&c, &t);
    assert_int_equal(kf_clock_start(&c, &none, sh(3, 2, 9, 0)), KF_OK);
    assert_int_equal(c.due_at, sh(3, 2, 10, 0));
}

static void test_pause_resume(void **state)
{
    (void)state;
    static const struct {
        kf_basis basis;
        int paused_min;
    } cases[] = {
        {KF_BASIS_WORKING, 90},  /* 11:00–12:00 and 13:30–14:00 */
        {KF_BASIS_WORKING, 90},  /* Fri 17:00–18:00, weekend nothing, Mon 08:30–09:00 */
        {KF_BASIS_WORKING, 45},  /* Fri 17:30–18:00, Mon holiday nothing, Tue 08:30–08:45 */
        {KF_BASIS_WORKING, 0},   /* a hold within the weekend */
        {KF_BASIS_CALENDAR, 90}, /* wall-clock 10:00–11:30 */
    };
    /* start, pause, resume, due before, due after, reminder (50%) after */
    const int64_t at[NELEM(cases)][6] = {
        {sh(3, 2, 9, 0), sh(3, 2, 11, 0), sh(3, 2, 14, 0), sh(3, 3, 9, 0), sh(3, 3, 10, 30),
         sh(3, 2, 16, 0)},
        {sh(3, 6, 9, 0), sh(3, 6, 17, 0), sh(3, 9, 9, 0), sh(3, 9, 9, 0), sh(3, 9, 10, 30),
         sh(3, 6, 16, 0)},
        {sh(4, 3, 9, 0), sh(4, 3, 17, 30), sh(4, 7, 8, 45), sh(4, 7, 9, 0), sh(4, 7, 9, 45),
         sh(4, 3, 15, 15)},
        {sh(3, 6, 9, 0), sh(3, 7, 10, 0), sh(3, 8, 20, 0), sh(3, 9, 9, 0), sh(3, 9, 9, 0),
         sh(3, 6, 14, 30)},
        {sh(3, 2, 9, 0), sh(3, 2, 10, 0), sh(3, 2, 11, 30), sh(3, 2, 17, 0), sh(3, 2, 18, 30),
         sh(3, 2, 14, 30)},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        kf_clock c = started(cases[i].basis, 480, 50, 0, at[i][0]);
        assert_int_equal(c.due_at, at[i][3]);
        int64_t used = kf_clock_used_ms(&c, &g_cal, at[i][1]);
        kf_clock_pause(&c, at[i][1]);
        assert_int_equal(c.state, KF_CLOCK_PAUSED);
        assert_int_equal(c.paused_at, at[i][1]);
        /* on hold: no alarms, no open due, the used time stands still */
        assert_int_equal(kf_clock_next_alarm(&c), 0);
        assert_int_equal(kf_clock_open_due(&c), 0);
        assert_int_equal(kf_clock_fire(&c, at[i][2]), 0);
        assert_int_equal(kf_clock_used_ms(&c, &g_cal, at[i][2]), used);
        kf_clock_pause(&c, at[i][2]); /* pausing again changes nothing */
        assert_int_equal(c.paused_at, at[i][1]);

        assert_int_equal(kf_clock_resume(&c, &g_cal, at[i][2]), KF_OK);
        assert_int_equal(c.state, KF_CLOCK_RUNNING);
        assert_int_equal(c.paused_at, 0);
        assert_int_equal(c.paused_ms, cases[i].paused_min * MIN_MS);
        assert_int_equal(c.due_at, at[i][4]);
        assert_int_equal(c.remind_at, at[i][5]);
        assert_int_equal(kf_clock_used_ms(&c, &g_cal, at[i][2]), used);
        /* resuming a running clock does nothing */
        assert_int_equal(kf_clock_resume(&c, &g_cal, at[i][2] + 60 * MIN_MS), KF_OK);
        assert_int_equal(c.due_at, at[i][4]);
    }

    /* a clock that does not pause on hold keeps running */
    kf_clock c = started(KF_BASIS_WORKING, 480, 50, 0, sh(3, 2, 9, 0));
    c.t.pause_on_hold = 0;
    kf_clock_pause(&c, sh(3, 2, 11, 0));
    assert_int_equal(c.state, KF_CLOCK_RUNNING);
    assert_int_equal(c.paused_at, 0);
    assert_int_equal(kf_clock_resume(&c, &g_cal, sh(3, 2, 14, 0)), KF_OK);
    assert_int_equal(c.paused_ms, 0);
    assert_int_equal(c.due_at, sh(3, 3, 9, 0));
    assert_int_equal(kf_clock_next_alarm(&c), sh(3, 2, 14, 30));
}

static void test_meet(void **state)
{
    (void)state;
    /* Mon 09:00 + 180 min: due 12:00 */
    kf_clock c = started(KF_BASIS_WORKING, 180, 80, 60, sh(3, 2, 9, 0));
    kf_clock_meet(&c, &g_cal, sh(3, 2, 11, 59));
    assert_int_equal(c.state, KF_CLOCK_MET);
    assert_int_equal(c.met_at, sh(3, 2, 11, 59));
    assert_int_equal(c.breached_at, 0);
    assert_false(kf_clock_breached(&c, sh(3, 20, 9, 0)));
    assert_int_equal(kf_clock_next_alarm(&c), 0);
    assert_int_equal(kf_clock_open_due(&c), 0);
    assert_int_equal(kf_clock_fire(&c, sh(3, 20, 9, 0)), 0);
    kf_clock_meet(&c, &g_cal, sh(3, 2, 15, 0)); /* met once */
    assert_int_equal(c.met_at, sh(3, 2, 11, 59));

    c = started(KF_BASIS_WORKING, 180, 80, 60, sh(3, 2, 9, 0));
    assert_false(kf_clock_breached(&c, sh(3, 2, 12, 0)));
    assert_true(kf_clock_breached(&c, sh(3, 2, 12, 0) + 1));
    kf_clock_meet(&c, &g_cal, sh(3, 2, 13, 45));
    assert_int_equal(c.state, KF_CLOCK_MET);
    assert_int_equal(c.breached_at, sh(3, 2, 12, 0));
    assert_true(kf_clock_breached(&c, sh(3, 2, 13, 45)));
    assert_int_equal(kf_clock_used_ms(&c, &g_cal, sh(3, 5, 9, 0)), 195 * MIN_MS);

    /* a pending clock cannot be met */
    kf_sla_target t = target(KF_BASIS_WORKING, 60, 0, 0);
    kf_clock_init(&c, &t);
    kf_clock_meet(&c, &g_cal, sh(3, 2, 9, 0));
    assert_int_equal(c.state, KF_CLOCK_PENDING);

    /* met while on hold: the hold does not count (sla.c says so). Held from
     * 11:00 (120 min used of 180) to Tuesday, past the due time. */
    c = started(KF_BASIS_WORKING, 180, 0, 0, sh(3, 2, 9, 0));
    kf_clock_pause(&c, sh(3, 2, 11, 0));
    kf_clock_meet(&c, &g_cal, sh(3, 3, 10, 0));
    assert_int_equal(c.state, KF_CLOCK_MET);
    assert_int_equal(c.breached_at, 0);
    assert_false(kf_clock_breached(&c, sh(3, 3, 10, 0)));
    assert_int_equal(kf_clock_used_ms(&c, &g_cal, sh(3, 4, 9, 0)), 120 * MIN_MS);
}

static void test_fire(void **state)
{
    (void)state;
    /* Mon 10:00, 240 min, 80%, escalate 180 min later: 14:42, 15:30, Tue 09:00 */
    const int64_t remind = sh(3, 2, 14, 42), due = sh(3, 2, 15, 30), esc = sh(3, 3, 9, 0);
    kf_clock c = started(KF_BASIS_WORKING, 240, 80, 180, sh(3, 2, 10, 0));
    const struct {
        int64_t now;
        unsigned fired;
        int64_t next;
    } steps[] = {
        {remind - 1, 0, remind},   {remind, KF_FIRE_REMIND, due + 1}, {remind, 0, due + 1},
        {due, 0, due + 1},         {due + 1, KF_FIRE_BREACH, esc},    {due + 1, 0, esc},
        {sh(3, 2, 20, 0), 0, esc}, {esc, KF_FIRE_ESCALATE, 0},        {esc + 1, 0, 0},
        {sh(3, 9, 9, 0), 0, 0},
    };
    for (size_t i = 0; i < NELEM(steps); i++) {
        if (kf_clock_fire(&c, steps[i].now) != steps[i].fired) fail_msg("step %zu", i);
        assert_int_equal(kf_clock_next_alarm(&c), steps[i].next);
    }
    assert_int_equal(c.reminded_at, remind);
    assert_int_equal(c.breached_at, due);
    assert_int_equal(c.escalated_at, esc);

    /* jumping: everything due fires at once, but a reminder that arrives at or
     * after the breach is not sent (only marked done) */
    const struct {
        int64_t now;
        unsigned fired;
        int64_t next;
    } jumps[] = {
        {sh(3, 2, 15, 0), KF_FIRE_REMIND, due + 1},
        {due, KF_FIRE_REMIND, due + 1}, /* at the due time itself it is not late yet */
        {due + 1, KF_FIRE_BREACH, esc},
        {sh(3, 2, 16, 0), KF_FIRE_BREACH, esc},
        {esc, KF_FIRE_BREACH | KF_FIRE_ESCALATE, 0},
        {sh(3, 9, 9, 0), KF_FIRE_BREACH | KF_FIRE_ESCALATE, 0},
    };
    for (size_t i = 0; i < NELEM(jumps); i++) {
        c = started(KF_BASIS_WORKING, 240, 80, 180, sh(3, 2, 10, 0));
        unsigned fired = kf_clock_fire(&c, jumps[i].now);
        /* the breach and escalation bits are right either way */
        assert_int_equal(fired & ~(unsigned)KF_FIRE_REMIND,
                         jumps[i].fired & ~(unsigned)KF_FIRE_REMIND);
        assert_int_equal(c.reminded_at, jumps[i].now);
        assert_int_equal(kf_clock_next_alarm(&c), jumps[i].next);
        assert_int_equal(kf_clock_fire(&c, jumps[i].now), 0);
        assert_int_equal(fired, jumps[i].fired);
    }

    /* a reminder already late when it is set (breach recorded first) is not sent */
    c = started(KF_BASIS_WORKING, 240, 0, 0, sh(3, 2, 10, 0));
    assert_int_equal(kf_clock_fire(&c, due + 1), KF_FIRE_BREACH);
    kf_sla_target t = target(KF_BASIS_WORKING, 240, 80, 0);
    assert_int_equal(kf_clock_retarget(&c, &t, &g_cal, sh(3, 2, 16, 0)), KF_OK);
    assert_int_equal(c.remind_at, remind);
    assert_int_equal(kf_clock_next_alarm(&c), 0);
    assert_int_equal(kf_clock_fire(&c, sh(3, 2, 16, 0)), 0);

    /* nothing fires unless running */
    kf_clock_init(&c, &t);
    assert_int_equal(kf_clock_fire(&c, esc), 0);
    c = started(KF_BASIS_WORKING, 240, 80, 180, sh(3, 2, 10, 0));
    kf_clock_pause(&c, sh(3, 2, 11, 0));
    assert_int_equal(kf_clock_fire(&c, esc), 0);
    assert_int_equal(c.breached_at, 0);
}

static void test_restart(void **state)
{
    (void)state;
    kf_clock c = started(KF_BASIS_WORKING, 240, 80, 180, sh(3, 2, 10, 0));
    c.id = 42;
    kf_clock_fire(&c, sh(3, 2, 14, 42));
    kf_clock_fire(&c, sh(3, 3, 9, 0));
    kf_clock_pause(&c, sh(3, 3, 10, 0));
    kf_clock_resume(&c, &g_cal, sh(3, 3, 11, 0));
    kf_clock_meet(&c, &g_cal, sh(3, 3, 12, 0));
    kf_sla_target t = c.t;

    /* reopened on Wednesday 10:00 with its start behind it: a fresh round */
    assert_int_equal(kf_clock_restart(&c, &g_cal, sh(3, 4, 10, 0), 1), KF_OK);
    assert_int_equal(c.id, 42);
    assert_memory_equal(&c.t, &t, sizeof(t));
    assert_int_equal(c.state, KF_CLOCK_RUNNING);
    assert_int_equal(c.started_at, sh(3, 4, 10, 0));
    assert_int_equal(c.remind_at, sh(3, 4, 14, 42));
    assert_int_equal(c.due_at, sh(3, 4, 15, 30));
    assert_int_equal(c.escalate_at, sh(3, 5, 9, 0));
    assert_int_equal(c.met_at + c.paused_at + c.paused_ms, 0);
    assert_int_equal(c.reminded_at + c.breached_at + c.escalated_at, 0);
    assert_int_equal(kf_clock_next_alarm(&c), sh(3, 4, 14, 42));
    assert_false(kf_clock_breached(&c, sh(3, 4, 15, 0)));

    /* its start has not happened in the new round: pending */
    kf_clock_fire(&c, sh(3, 5, 9, 0));
    assert_int_equal(kf_clock_restart(&c, &g_cal, sh(3, 6, 10, 0), 0), KF_OK);
    assert_int_equal(c.id, 42);
    assert_int_equal(c.state, KF_CLOCK_PENDING);
    assert_int_equal(c.started_at + c.due_at + c.remind_at + c.escalate_at, 0);
    assert_int_equal(c.reminded_at + c.breached_at + c.escalated_at, 0);
    assert_int_equal(kf_clock_next_alarm(&c), 0);
    assert_int_equal(kf_clock_used_ms(&c, &g_cal, sh(3, 9, 10, 0)), 0);
    kf_clock before = c;
    assert_int_equal(kf_clock_restart(&c, &g_cal, sh(3, 9, 10, 0), 0), KF_OK);
    assert_memory_equal(&c, &before, sizeof(c));
    /* and a pending clock whose start happened starts */
    assert_int_equal(kf_clock_restart(&c, &g_cal, sh(3, 9, 10, 0), 1), KF_OK);
    assert_int_equal(c.state, KF_CLOCK_RUNNING);
    assert_int_equal(c.due_at, sh(3, 9, 15, 30));

    /* a paused or cancelled clock restarts too */
    kf_clock_pause(&c, sh(3, 9, 11, 0));
    assert_int_equal(kf_clock_restart(&c, &g_cal, sh(3, 10, 10, 0), 1), KF_OK);
    assert_int_equal(c.state, KF_CLOCK_RUNNING);
    assert_int_equal(c.paused_at, 0);
    assert_int_equal(c.due_at, sh(3, 10, 15, 30));
    kf_clock_cancel(&c, &g_cal, sh(3, 10, 11, 0));
    assert_int_equal(kf_clock_restart(&c, &g_cal, sh(3, 11, 10, 0), 1), KF_OK);
    assert_int_equal(c.state, KF_CLOCK_RUNNING);
    assert_int_equal(c.due_at, sh(3, 11, 15, 30));
}

static void test_retarget(void **state)
{
    (void)state;
    /* reminded at 14:42, then 240 → 480 min at 15:00: due Mon 10:00 + 480 =
     * Tue 10:00, reminder 384 → Mon 17:54, escalation 660 → Tue 14:30 */
    kf_clock c = started(KF_BASIS_WORKING, 240, 80, 180, sh(3, 2, 10, 0));
    assert_int_equal(kf_clock_fire(&c, sh(3, 2, 14, 42)), KF_FIRE_REMIND);
    kf_sla_target t = target(KF_BASIS_WORKING, 480, 80, 180);
    assert_int_equal(kf_clock_retarget(&c, &t, &g_cal, sh(3, 2, 15, 0)), KF_OK);
    assert_int_equal(c.t.target_ms, 480 * MIN_MS);
    assert_int_equal(c.started_at, sh(3, 2, 10, 0));
    assert_int_equal(c.due_at, sh(3, 3, 10, 0));
    assert_int_equal(c.remind_at, sh(3, 2, 17, 54));
    assert_int_equal(c.escalate_at, sh(3, 3, 14, 30));
    assert_int_equal(c.reminded_at, sh(3, 2, 14, 42)); /* already sent */
    assert_int_equal(kf_clock_next_alarm(&c), sh(3, 3, 10, 0) + 1);
    assert_int_equal(kf_clock_fire(&c, sh(3, 2, 17, 54)), 0);
    assert_int_equal(kf_clock_fire(&c, sh(3, 3, 10, 0)), 0);
    assert_int_equal(kf_clock_fire(&c, sh(3, 3, 10, 0) + 1), KF_FIRE_BREACH);

    /* breached at 12:00, then 180 → 300 min: due 15:30, the breach stands */
    c = started(KF_BASIS_WORKING, 180, 0, 60, sh(3, 2, 9, 0));
    assert_int_equal(kf_clock_fire(&c, sh(3, 2, 12, 0) + 1), KF_FIRE_BREACH);
    t = target(KF_BASIS_WORKING, 300, 0, 60);
    assert_int_equal(kf_clock_retarget(&c, &t, &g_cal, sh(3, 2, 12, 30)), KF_OK);
    assert_int_equal(c.due_at, sh(3, 2, 15, 30));
    assert_int_equal(c.breached_at, sh(3, 2, 12, 0));
    assert_true(kf_clock_breached(&c, sh(3, 2, 13, 30)));
    assert_int_equal(kf_clock_next_alarm(&c), sh(3, 2, 16, 30));

    /* a paused clock stays paused; the new due includes the holds so far */
    c = started(KF_BASIS_WORKING, 480, 50, 0, sh(3, 2, 9, 0));
    kf_clock_pause(&c, sh(3, 2, 11, 0));
    kf_clock_resume(&c, &g_cal, sh(3, 2, 14, 0)); /* 90 min held */
    kf_clock_pause(&c, sh(3, 2, 15, 0));
    t = target(KF_BASIS_WORKING, 240, 50, 0);
    assert_int_equal(kf_clock_retarget(&c, &t, &g_cal, sh(3, 2, 16, 0)), KF_OK);
    assert_int_equal(c.state, KF_CLOCK_PAUSED);
    assert_int_equal(c.paused_at, sh(3, 2, 15, 0));
    assert_int_equal(c.due_at, sh(3, 2, 16, 0)); /* 240 + 90 after 09:00 */
    assert_int_equal(c.remind_at, sh(3, 2, 14, 0));

    /* met and cancelled clocks keep their old target; a pending one takes it */
    kf_sla_target longer = target(KF_BASIS_WORKING, 960, 80, 0);
    for (int k = 0; k < 2; k++) {
        c = started(KF_BASIS_WORKING, 180, 80, 60, sh(3, 2, 9, 0));
        if (k == 0)
            kf_clock_meet(&c, &g_cal, sh(3, 2, 13, 0));
        else
            kf_clock_cancel(&c, &g_cal, sh(3, 2, 13, 0));
        kf_clock before = c;
        assert_int_equal(kf_clock_retarget(&c, &longer, &g_cal, sh(3, 2, 14, 0)), KF_OK);
        assert_memory_equal(&c, &before, sizeof(c));
    }
    kf_clock_init(&c, &t);
    assert_int_equal(kf_clock_retarget(&c, &longer, &g_cal, sh(3, 2, 14, 0)), KF_OK);
    assert_int_equal(c.state, KF_CLOCK_PENDING);
    assert_int_equal(c.t.target_ms, 960 * MIN_MS);
    assert_int_equal(c.due_at, 0);
}

static void test_used_and_cancel(void **state)
{
    (void)state;
    /* Mon 10:00, 240 min: due 15:30 */
    kf_clock c = started(KF_BASIS_WORKING, 240, 80, 180, sh(3, 2, 10, 0));
    const struct {
        int m, d, h, mi, used_min;
    } running[] = {
        {3, 2, 10, 0, 0},   {3, 2, 9, 0, 0},    {3, 2, 11, 30, 90},  {3, 2, 12, 45, 120},
        {3, 2, 15, 0, 210}, {3, 2, 20, 0, 390}, {3, 7, 12, 0, 2310}, /* Tue–Fri are 4 × 480 */
    };
    for (size_t i = 0; i < NELEM(running); i++)
        assert_int_equal(
            kf_clock_used_ms(&c, &g_cal,
                             sh(running[i].m, running[i].d, running[i].h, running[i].mi)),
            running[i].used_min * MIN_MS);
    /* held 15:00 → Tue 10:00: 180 + 90 working minutes */
    kf_clock_pause(&c, sh(3, 2, 15, 0));
    assert_int_equal(kf_clock_used_ms(&c, &g_cal, sh(3, 3, 10, 0)), 210 * MIN_MS);
    kf_clock_resume(&c, &g_cal, sh(3, 3, 10, 0));
    assert_int_equal(c.paused_ms, 270 * MIN_MS);
    assert_int_equal(c.due_at, sh(3, 3, 10, 30)); /* 15:30 + 270 working */
    assert_int_equal(kf_clock_used_ms(&c, &g_cal, sh(3, 3, 11, 0)), 270 * MIN_MS);
    kf_clock_meet(&c, &g_cal, sh(3, 3, 11, 0));
    assert_int_equal(c.breached_at, sh(3, 3, 10, 30));
    assert_int_equal(kf_clock_used_ms(&c, &g_cal, sh(3, 4, 12, 0)), 270 * MIN_MS);

    /* calendar basis: wall-clock minus holds */
    c = started(KF_BASIS_CALENDAR, 240, 80, 0, sh(3, 2, 10, 0));
    kf_clock_pause(&c, sh(3, 2, 11, 0));
    kf_clock_resume(&c, &g_cal, sh(3, 2, 13, 0));
    assert_int_equal(c.paused_ms, 120 * MIN_MS);
    assert_int_equal(c.due_at, sh(3, 2, 16, 0));
    assert_int_equal(kf_clock_used_ms(&c, &g_cal, sh(3, 2, 20, 0)), 480 * MIN_MS);

    /* cancel: no more alarms, nothing fires, met clocks stay met */
    c = started(KF_BASIS_WORKING, 240, 80, 180, sh(3, 2, 10, 0));
    kf_clock_cancel(&c, &g_cal, sh(3, 2, 11, 0));
    assert_int_equal(c.state, KF_CLOCK_CANCELLED);
    assert_int_equal(kf_clock_next_alarm(&c), 0);
    assert_int_equal(kf_clock_open_due(&c), 0);
    assert_int_equal(kf_clock_fire(&c, sh(3, 9, 9, 0)), 0);
    assert_int_equal(c.reminded_at + c.breached_at + c.escalated_at, 0);
    assert_false(kf_clock_breached(&c, sh(3, 9, 9, 0)));
    kf_clock_pause(&c, sh(3, 2, 12, 0));
    kf_clock_meet(&c, &g_cal, sh(3, 2, 12, 0));
    assert_int_equal(c.state, KF_CLOCK_CANCELLED);
    /* a cancelled clock's time stops at the cancel */
    assert_int_equal(kf_clock_used_ms(&c, &g_cal, sh(3, 7, 12, 0)), 60 * MIN_MS);

    c = started(KF_BASIS_WORKING, 240, 80, 180, sh(3, 2, 10, 0));
    kf_clock_pause(&c, sh(3, 2, 11, 0));
    kf_clock_cancel(&c, &g_cal, sh(3, 2, 14, 0));
    assert_int_equal(c.state, KF_CLOCK_CANCELLED);
    assert_int_equal(c.paused_at, 0);
    assert_int_equal(kf_clock_resume(&c, &g_cal, sh(3, 2, 15, 0)), KF_OK);
    assert_int_equal(c.state, KF_CLOCK_CANCELLED);

    c = started(KF_BASIS_WORKING, 240, 80, 180, sh(3, 2, 10, 0));
    kf_clock_meet(&c, &g_cal, sh(3, 2, 11, 0));
    kf_clock_cancel(&c, &g_cal, sh(3, 2, 12, 0));
    assert_int_equal(c.state, KF_CLOCK_MET);
}

/* A policy's targets parse with their defaults, bad entries are skipped, and
 * the cache answers by the exact text: an edited policy is parsed anew, and
 * more policies than the cache holds stay right. */
static void test_policy_targets(void **state)
{
    (void)state;
    kf_policy_cache *pc = kf_policy_cache_new();
    const char *json = "[{\"milestone\":\"acknowledge\",\"minutes\":180},"
                       "{\"milestone\":\"resolve\",\"minutes\":2880,\"basis\":\"calendar\","
                       "\"remind_percent\":50,\"escalate_after_minutes\":60,"
                       "\"pause_on_hold\":false},"
                       "{\"milestone\":\"nonsense\",\"minutes\":5},{\"milestone\":\"contact\"}]";
    for (int round = 0; round < 2; round++) { /* parsed, then from the cache */
        kf_sla_target t[KF_MS_COUNT];
        int n = -1;
        kf_policy_targets(pc, json, t, &n);
        assert_int_equal(n, 2);
        assert_int_equal(t[0].milestone, KF_MS_ACKNOWLEDGE);
        assert_int_equal(t[0].basis, KF_BASIS_WORKING);
        assert_int_equal(t[0].target_ms, 180 * 60000);
        assert_int_equal(t[0].remind_percent, 80);
        assert_int_equal(t[0].escalate_after_ms, 240 * 60000);
        assert_int_equal(t[0].pause_on_hold, 1);
        assert_int_equal(t[0].restart_on_reopen, 0);
        assert_int_equal(t[1].milestone, KF_MS_RESOLVE);
        assert_int_equal(t[1].basis, KF_BASIS_CALENDAR);
        assert_int_equal(t[1].remind_percent, 50);
        assert_int_equal(t[1].escalate_after_ms, 60 * 60000);
        assert_int_equal(t[1].pause_on_hold, 0);
        assert_int_equal(t[1].restart_on_reopen, 1);
    }
    char other[128];
    for (int i = 1; i <= 100; i++) { /* more texts than slots, then the first again */
        snprintf(other, sizeof(other), "[{\"milestone\":\"acknowledge\",\"minutes\":%d}]", i);
        kf_sla_target t[KF_MS_COUNT];
        int n = 0;
        kf_policy_targets(pc, other, t, &n);
        assert_int_equal(n, 1);
        assert_int_equal(t[0].target_ms, (int64_t)i * 60000);
    }
    kf_sla_target t[KF_MS_COUNT];
    int n = 0;
    kf_policy_targets(pc, json, t, &n);
    assert_int_equal(n, 2);
    kf_policy_targets(pc, "not json", t, &n);
    assert_int_equal(n, 0);
    kf_policy_cache_free(pc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions),    cmocka_unit_test(test_state_names),
        cmocka_unit_test(test_milestones_met), cmocka_unit_test(test_start_schedule),
        cmocka_unit_test(test_pause_resume),   cmocka_unit_test(test_meet),
        cmocka_unit_test(test_fire),           cmocka_unit_test(test_restart),
        cmocka_unit_test(test_retarget),       cmocka_unit_test(test_used_and_cancel),
        cmocka_unit_test(test_policy_targets),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
