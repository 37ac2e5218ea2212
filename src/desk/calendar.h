/* A project's working calendar as stored: working windows per weekday (JSON
 * in work_calendars, or the default Mon–Fri 08:30–12:00 and 13:30–18:00), the
 * national holiday schedule (calendar_days with project 0) overlaid with the
 * project's own days, and the project's time zone. */
#ifndef KF_DESK_CALENDAR_H
#define KF_DESK_CALENDAR_H

#include "core/tz.h"
#include "domain/workcal.h"
#include "store/store.h"

#include <jansson.h>
#include <stdatomic.h>

/* The week as JSON: {"mon": [["08:30","12:00"], ["13:30","18:00"]], …,
 * "sun": []}; a day left out has no working time. */
extern const char *const kf_weekday_keys[7]; /* "mon" … "sun" */
#define KF_DEFAULT_WEEK                                                                            \
    "{\"mon\":[[\"08:30\",\"12:00\"],[\"13:30\",\"18:00\"]],"                                      \
    "\"tue\":[[\"08:30\",\"12:00\"],[\"13:30\",\"18:00\"]],"                                       \
    "\"wed\":[[\"08:30\",\"12:00\"],[\"13:30\",\"18:00\"]],"                                       \
    "\"thu\":[[\"08:30\",\"12:00\"],[\"13:30\",\"18:00\"]],"                                       \
    "\"fri\":[[\"08:30\",\"12:00\"],[\"13:30\",\"18:00\"]],\"sat\":[],\"sun\":[]}"

/* kf_week_parse: WEEK into CAL's windows. On a problem returns -1 with the
 * offending key ("week" or a weekday key) in *field and a reason key in
 * *reason ("invalid", "too_many_windows", "overlapping_windows",
 * "bad_time", "no_working_time"). */
int kf_week_parse(const json_t *week, kf_workcal *cal, const char **field, const char **reason);

/* A loaded calendar: CAL is ready for kf_workcal_*; the struct owns the
 * special days. Immutable once loaded and shared by reference count: release
 * each reference with kf_desk_calendar_free. */
typedef struct {
    kf_workcal cal;
    kf_special_day *days;
    char timezone[64];
    _Atomic int refs;
} kf_desk_calendar;

/* kf_desk_calendar_load: PROJECT's calendar read through TX, its zone from
 * TZC. KF_OK with *out (caller frees), KF_ENOTFOUND for an unknown project,
 * or a store error. */
int kf_desk_calendar_load(kf_tx *tx, kf_tz_cache *tzc, int64_t project, kf_desk_calendar **out);
void kf_desk_calendar_free(kf_desk_calendar *c);

/* Every ticket write and read needs its project's calendar; the cache keeps
 * each project's for up to a minute (another server's edit shows within
 * that), and this server's own calendar edits drop it at once. Thread-safe. */
typedef struct kf_calendar_cache kf_calendar_cache;
kf_calendar_cache *kf_calendar_cache_new(kf_tz_cache *tzc); /* NULL on allocation failure */
void kf_calendar_cache_free(kf_calendar_cache *cc);
/* kf_calendar_cache_get: PROJECT's calendar, loaded through TX when not
 * cached (or stale at NOW_MS, a monotonic-enough wall clock); *out is a new
 * reference. Same codes as kf_desk_calendar_load. */
int kf_calendar_cache_get(kf_calendar_cache *cc, kf_tx *tx, int64_t project, int64_t now_ms,
                          kf_desk_calendar **out);
/* kf_calendar_cache_clear: forgets every project's calendar (after an edit). */
void kf_calendar_cache_clear(kf_calendar_cache *cc);

#endif
