/* A weekly or monthly report (周报、月报) of one project as a document: its
 * period, the period before, and sections that are tables (columns with a
 * kind, rows of cells) — shown by the API as JSON, stored as a snapshot that
 * never changes, exported sheet by sheet to Excel or CSV (report_export.c).
 *
 * Sections: overview counts and rates (this period, the one before, the
 * change), milestones, departments, people, hot issues, the complaint
 * analysis (per department × category against the period before, the
 * deadlines complaints missed per department, and the root causes recorded
 * on the complaints closed). */
#ifndef KF_API_REPORT_DOC_H
#define KF_API_REPORT_DOC_H

#include "api/stats.h"

#include <jansson.h>
#include <stdint.h>

typedef enum { KF_REPORT_WEEKLY, KF_REPORT_MONTHLY } kf_report_kind;

/* "weekly", "monthly"; kf_report_kind_parse: -1 if unknown. */
const char *kf_report_kind_name(kf_report_kind k);
int kf_report_kind_parse(const char *name);

/* kf_report_last_end: the last day on or before DAY_BEFORE on which a KIND
 * report scheduled on DAY ends (weekly: weekday 0 = Monday … 6; monthly:
 * day of the month 1–31, the month's last day when it has fewer). */
int64_t kf_report_last_end(kf_report_kind kind, int day, int64_t day_before);
/* kf_report_period: the period ending on END: weekly the 7 days to END;
 * monthly from the day after the month before's end (a report on the 25th
 * covers the 26th of the month before to the 25th). *FROM (and the period
 * before it, *PREV_FROM … *PREV_TO). */
void kf_report_period(kf_report_kind kind, int day, int64_t end, int64_t *from, int64_t *prev_from,
                      int64_t *prev_to);

/* kf_report_build: the document of PROJECT's KIND report (scheduled on DAY)
 * for FROM … TO. New reference in *out. */
int kf_report_build(const kf_stats_env *env, kf_tx *tx, int64_t project, kf_report_kind kind,
                    int day, int64_t from, int64_t to, json_t **out);

#endif
