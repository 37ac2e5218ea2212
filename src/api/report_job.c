/* The scheduled reports' thread: wakes every interval (and at once when
 * stopped), makes what is due, logs a failure and tries again next time. */
#define _GNU_SOURCE /* pthread_setname_np: the thread shows by name in top and perf */
#include "api/reports.h"

#include "core/err.h"
#include "core/log.h"
#include "core/timeutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct kf_report_job {
    kf_app *app;
    int interval_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int stopping;
};

static void *job_thread(void *arg)
{
    kf_report_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        if (!j->stopping) {
            struct timespec until = kf_deadline_after_ms((int64_t)j->interval_s * 1000);
            pthread_cond_timedwait(&j->cond, &j->mu, &until);
        }
        int stop = j->stopping;
        pthread_mutex_unlock(&j->mu);
        if (stop) break;
        if (kf_reports_run_due(j->app, 0, NULL) != KF_OK) {
            kf_logline l;
            kf_log_begin(&l, j->app->log, KF_LOG_WARN, "making the due reports failed; retrying");
            kf_log_end(&l);
        }
    }
    return NULL;
}

kf_report_job *kf_report_job_start(kf_app *app, int interval_s)
{
    kf_report_job *j = calloc(1, sizeof(*j));
    if (!j) return NULL;
    j->app = app;
    j->interval_s = interval_s > 0 ? interval_s : 300;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cond, NULL);
    if (pthread_create(&j->thread, NULL, job_thread, j) != 0) {
        pthread_cond_destroy(&j->cond);
        pthread_mutex_destroy(&j->mu);
        free(j);
        return NULL;
    }
    pthread_setname_np(j->thread, "kefu-reports");
    return j;
}

void kf_report_job_stop(kf_report_job *j)
{
    if (!j) return;
    pthread_mutex_lock(&j->mu);
    j->stopping = 1;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->thread, NULL);
    pthread_cond_destroy(&j->cond);
    pthread_mutex_destroy(&j->mu);
    free(j);
}
