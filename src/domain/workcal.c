#include "domain/workcal.h"

#include "core/err.h"

#define DAY_S     86400
#define DAY_MIN   1440
#define WALK_DAYS (20 * 366) /* the 20 years a walk may cover */
/* Instants handled: about ±35,000 years around the epoch, far from overflow. */
#define MS_LIMIT ((int64_t)1 << 50)

/* One working window of one day as UTC instants, START < END. */
typedef struct {
    int64_t start, end;
} span;

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t clamp_ms(int64_t ms)
{
    return ms < -MS_LIMIT ? -MS_LIMIT : ms > MS_LIMIT ? MS_LIMIT : ms;
}

/* A calendar without a zone counts in UTC. */
static int64_t local_day(const kf_workcal *c, int64_t ms)
{
    int64_t s = floor_div(ms, 1000);
    return floor_div(s + (c->tz ? kf_tz_offset(c->tz, s) : 0), DAY_S);
}

static int64_t local_to_ms(const kf_workcal *c, int64_t local_s)
{
    return (c->tz ? kf_tz_to_utc(c->tz, local_s) : local_s) * 1000;
}

/* special_kind: the kind of DAY in the calendar's sorted special days, 0 when
 * it is an ordinary day. */
static int special_kind(const kf_workcal *c, int64_t day)
{
    size_t lo = 0, hi = c->special ? c->nspecial : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->special[mid].day < day)
            lo = mid + 1;
        else if (c->special[mid].day > day)
            hi = mid;
        else
            return (int)c->special[mid].kind;
    }
    return 0;
}

static int clamp_count(int n)
{
    return n < 0 ? 0 : n > KF_WORKCAL_MAX_WINDOWS ? KF_WORKCAL_MAX_WINDOWS : n;
}

/* day_windows: the windows of local date DAY into *W, and how many. */
static int day_windows(const kf_workcal *c, int64_t day, const kf_work_window **w)
{
    int kind = special_kind(c, day), wd;
    if (kind == KF_DAY_HOLIDAY) return 0;
    if (kind == KF_DAY_WORKDAY)
        wd = c->makeup_weekday >= 0 && c->makeup_weekday < 7 ? c->makeup_weekday : 0;
    else
        wd = kf_weekday(day);
    *w = c->week[wd];
    return clamp_count(c->nwindows[wd]);
}

/* day_spans: the working windows of local date DAY as UTC instants, in order.
 * Windows are taken as kf_workcal_check_day describes them; one that is not
 * is cut to what lies within the day and after the window before it. A window
 * edge in a wall time a DST jump skips falls just after the jump, one in a
 * repeated wall time at its first occurrence. */
static int day_spans(const kf_workcal *c, int64_t day, span out[KF_WORKCAL_MAX_WINDOWS])
{
    const kf_work_window *w = NULL;
    int n = day_windows(c, day, &w), k = 0, prev = 0;
    int64_t midnight = day * DAY_S;
    for (int i = 0; i < n; i++) {
        int s = w[i].start_min < prev ? prev : w[i].start_min;
        int e = w[i].end_min > DAY_MIN ? DAY_MIN : w[i].end_min;
        if (s >= e) continue;
        prev = e;
        span sp = {local_to_ms(c, midnight + (int64_t)s * 60),
                   local_to_ms(c, midnight + (int64_t)e * 60)};
        if (sp.start < sp.end) out[k++] = sp;
    }
    return k;
}

int kf_workcal_check_day(const kf_work_window *windows, int n)
{
    if (n < 0 || n > KF_WORKCAL_MAX_WINDOWS || (n > 0 && !windows)) return -1;
    for (int i = 0; i < n; i++) {
        const kf_work_window *w = &windows[i];
        if (w->start_min < 0 || w->end_min > DAY_MIN || w->start_min >= w->end_min) return -1;
        if (i > 0 && w->start_min < windows[i - 1].end_min) return -1;
    }
    return 0;
}

int kf_workcal_has_time(const kf_workcal *c)
{
    for (int wd = 0; wd < 7; wd++) {
        int n = clamp_count(c->nwindows[wd]);
        for (int i = 0; i < n; i++) {
            const kf_work_window *w = &c->week[wd][i];
            int s = w->start_min < 0 ? 0 : w->start_min;
            int e = w->end_min > DAY_MIN ? DAY_MIN : w->end_min;
            if (s < e) return 1;
        }
    }
    return 0;
}

/* The walk starts a day before FROM's local date (a window of the day before
 * may end after FROM only in odd zones, but it costs nothing) and goes day by
 * day; T is the instant up to which working time has been counted, DONE how
 * much was counted. Each amount is found on the way to the next. */
int kf_workcal_add_each(const kf_workcal *c, int64_t from_ms, const int64_t *work_ms, int n,
                        int64_t *out_ms)
{
    int j = 0, bad = from_ms < -MS_LIMIT || from_ms > MS_LIMIT;
    for (int i = 0; i < n; i++) {
        out_ms[i] = from_ms;
        bad |= work_ms[i] < 0 || (i > 0 && work_ms[i] < work_ms[i - 1]);
    }
    if (bad) return KF_EINVAL;
    while (j < n && work_ms[j] == 0)
        j++;
    if (j == n) return KF_OK;
    if (!kf_workcal_has_time(c)) return KF_EINVAL;

    int64_t t = from_ms, done = 0, day = local_day(c, from_ms) - 1;
    for (int i = 0; i <= WALK_DAYS; i++, day++) {
        span sp[KF_WORKCAL_MAX_WINDOWS];
        int nsp = day_spans(c, day, sp);
        for (int k = 0; k < nsp; k++) {
            if (sp[k].end <= t) continue;
            int64_t s = sp[k].start > t ? sp[k].start : t;
            for (; work_ms[j] - done <= sp[k].end - s; j++) {
                out_ms[j] = s + (work_ms[j] - done);
                if (j + 1 == n) return KF_OK;
            }
            done += sp[k].end - s;
            t = sp[k].end;
        }
    }
    for (int i = 0; i < n; i++)
        out_ms[i] = from_ms;
    return KF_EINVAL;
}

int kf_workcal_add(const kf_workcal *c, int64_t from_ms, int64_t work_ms, int64_t *out_ms)
{
    return kf_workcal_add_each(c, from_ms, &work_ms, 1, out_ms);
}

/* The same walk as kf_workcal_add, so that between(a, add(a, w)) == w. Like
 * add it covers at most 20 years: working time later than that after A is
 * not counted. */
int64_t kf_workcal_between(const kf_workcal *c, int64_t a_ms, int64_t b_ms)
{
    a_ms = clamp_ms(a_ms);
    b_ms = clamp_ms(b_ms);
    if (b_ms <= a_ms || !kf_workcal_has_time(c)) return 0;

    int64_t total = 0, t = a_ms, day = local_day(c, a_ms) - 1, last = local_day(c, b_ms);
    if (last - day > WALK_DAYS) last = day + WALK_DAYS;
    for (; day <= last; day++) {
        span sp[KF_WORKCAL_MAX_WINDOWS];
        int n = day_spans(c, day, sp);
        for (int k = 0; k < n; k++) {
            if (sp[k].start >= b_ms) return total;
            if (sp[k].end <= t) continue;
            int64_t s = sp[k].start > t ? sp[k].start : t;
            int64_t e = sp[k].end < b_ms ? sp[k].end : b_ms;
            total += e - s;
            t = e;
        }
    }
    return total;
}

int kf_workcal_is_working(const kf_workcal *c, int64_t at_ms)
{
    if (at_ms < -MS_LIMIT || at_ms > MS_LIMIT) return 0;
    int64_t day = local_day(c, at_ms);
    for (int64_t d = day - 1; d <= day + 1; d++) {
        span sp[KF_WORKCAL_MAX_WINDOWS];
        int n = day_spans(c, d, sp);
        for (int k = 0; k < n; k++)
            if (sp[k].start <= at_ms && at_ms < sp[k].end) return 1;
    }
    return 0;
}
