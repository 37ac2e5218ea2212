/* The working calendar (工作日历) that deadlines count in: working windows
 * per weekday (several a day, e.g. 08:30–12:00 and 13:30–18:00), public
 * holidays and make-up working days (调休), all in the project's time zone.
 *
 * Pure computation over a description the caller builds; nothing here reads
 * the database or the clock. Instants are int64 ms since the epoch, UTC. */
#ifndef KF_WORKCAL_H
#define KF_WORKCAL_H

#include "core/tz.h"

#include <stddef.h>
#include <stdint.h>

#define KF_WORKCAL_MAX_WINDOWS 4

typedef struct {
    int start_min, end_min; /* local minutes since midnight, 0 <= start < end <= 1440 */
} kf_work_window;

typedef enum {
    KF_DAY_HOLIDAY = 1, /* no working time, whatever the weekday */
    KF_DAY_WORKDAY = 2, /* a make-up working day (调休): works with the makeup windows */
} kf_day_kind;

typedef struct {
    int64_t day; /* local date as a day number (kf_days_from_civil) */
    kf_day_kind kind;
} kf_special_day;

typedef struct {
    /* index 0 = Monday … 6 = Sunday; windows sorted, not overlapping */
    kf_work_window week[7][KF_WORKCAL_MAX_WINDOWS];
    int nwindows[7];
    /* the windows of a make-up working day: those of weekday MAKEUP_WEEKDAY
     * (0 = Monday by default) */
    int makeup_weekday;
    const kf_special_day *special; /* sorted by day, at most one per day; borrowed */
    size_t nspecial;
    const kf_tz *tz; /* borrowed */
} kf_workcal;

/* kf_workcal_check_day: 0 when WINDOWS[0..N) are each within 0..1440 with
 * start < end, sorted and not overlapping (touching is allowed); -1 otherwise. */
int kf_workcal_check_day(const kf_work_window *windows, int n);
/* kf_workcal_has_time: 1 when some weekday has a window (else no working
 * deadline can ever fall due). */
int kf_workcal_has_time(const kf_workcal *c);

/* kf_workcal_add: the instant at which WORK_MS of working time has passed
 * counting from FROM_MS (time outside windows, on holidays and on days off
 * does not count). WORK_MS 0 gives FROM_MS itself. KF_OK, or KF_EINVAL when the
 * calendar has no working time within 20 years of FROM_MS. */
int kf_workcal_add(const kf_workcal *c, int64_t from_ms, int64_t work_ms, int64_t *out_ms);
/* kf_workcal_add_each: kf_workcal_add for each of WORK_MS[0..N), in
 * ascending order (KF_EINVAL otherwise), into OUT_MS[0..N), walking the
 * calendar once (a clock's reminder, due and escalation instants). */
int kf_workcal_add_each(const kf_workcal *c, int64_t from_ms, const int64_t *work_ms, int n,
                        int64_t *out_ms);
/* kf_workcal_between: working time in ms between A_MS and B_MS (0 if B <= A). */
int64_t kf_workcal_between(const kf_workcal *c, int64_t a_ms, int64_t b_ms);
/* kf_workcal_is_working: 1 when instant AT_MS falls inside working time. */
int kf_workcal_is_working(const kf_workcal *c, int64_t at_ms);

#endif
