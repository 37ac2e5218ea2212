/* Reading holiday schedules from iCalendar files (RFC 5545), as published by
 * calendar services for Chinese public holidays: each all-day VEVENT names a
 * holiday or a make-up working day (调休上班). */
#ifndef KF_ICAL_H
#define KF_ICAL_H

#include "domain/workcal.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t day; /* day number (kf_days_from_civil) */
    kf_day_kind kind;
    char name[64]; /* SUMMARY, truncated at a character boundary, UTF-8 */
} kf_ical_day;

/* kf_ical_days: every day of the all-day events in TEXT[0..LEN). An event
 * spanning several days (DTEND exclusive) yields each day. A SUMMARY with 班
 * (补班, 上班), "workday" or "make-up", or X-KEFU-KIND:workday, marks a make-up working day;
 * otherwise the day is a holiday. Lines are unfolded; CRLF or LF. At most MAX
 * days are returned; more is an error.
 * Returns KF_OK with *out (malloc'd, caller frees) and *n, or KF_EINVAL with a
 * reason key in *reason ("not_icalendar", "bad_date", "too_many_days",
 * "event_too_long" (more than 366 days), "timed_event" (a DTSTART with a time of
 * day: not a whole day)) and the 1-based line in *line. */
int kf_ical_days(const char *text, size_t len, size_t max, kf_ical_day **out, size_t *n,
                 const char **reason, int *line);

#endif
