/* Scheduled reports and their snapshots (reports.c), the job that makes
 * them when due (report_job.c) and their exports (report_export.c). */
#ifndef KF_API_REPORTS_H
#define KF_API_REPORTS_H

#include "http/app.h"
#include "http/req.h"
#include "http/router.h"

#include <jansson.h>

/* kf_reports_run_due: makes the snapshot of every active schedule (of
 * PROJECT, or of all when 0) whose last complete period has none yet;
 * the ids made are appended to MADE (may be NULL). */
int kf_reports_run_due(kf_app *app, int64_t project, json_t *made);

/* kf_reports_snapshot: snapshot ID as listed (*row) and its document
 * (*body; NULL BODY: not read), when REQ's caller sees its project
 * (else KF_ENOTFOUND). New references. */
int kf_reports_snapshot(kf_req *req, int64_t id, int64_t *project, json_t **row, json_t **body);

/* The job: a thread that runs kf_reports_run_due every INTERVAL_S. */
typedef struct kf_report_job kf_report_job;
kf_report_job *kf_report_job_start(kf_app *app, int interval_s); /* NULL on failure */
void kf_report_job_stop(kf_report_job *j);                       /* wakes, joins, frees */

int kf_api_reports_register(kf_router *r);

#endif
