#define _GNU_SOURCE /* pthread_setname_np: the thread shows by name in top and perf */
#include "desk/alarms.h"

#include "core/err.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "desk/routing.h"
#include "desk/ticket.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define BATCH        64
#define MAX_SLEEP_MS 60000 /* a safety net only: kicks wake the thread on time */

struct kf_alarms {
    kf_app *app;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int stopping;
    int64_t sleeping_until; /* desk time; 0 when awake */
    int kicked;
};

typedef struct {
    kf_app *app;
    const int64_t *ids;
    int n;
    int64_t now;
} fire_job;

/* What a clock that fired sends, and to whom. */
static int send(kf_tx *tx, kf_ticket *t, const kf_clock *c, unsigned fired, int64_t now)
{
    int64_t project = kf_ticket_i(t, "project_id"), id = kf_ticket_i(t, "id");
    const char *ms = kf_milestone_name(c->t.milestone);
    int rc = KF_OK;
    json_t *data = json_pack("{s:s}", "milestone", ms);
    if (fired & KF_FIRE_REMIND) {
        int64_t who = kf_ticket_i(t, "assignee_id"), dept = kf_ticket_i(t, "department_id");
        if (who)
            rc = kf_desk_notify(tx, who, project, id, "remind", ms, now);
        else if (dept)
            rc = kf_desk_notify_department(tx, dept, project, id, "remind", ms, now);
        if (rc == KF_OK) rc = kf_ticket_event(tx, id, 0, "reminded", NULL, NULL, "", data, now);
    }
    if (rc == KF_OK && (fired & KF_FIRE_BREACH)) {
        rc = kf_desk_notify_role(tx, "supervisor", project, id, "breach", ms, now);
        if (kf_ticket_i(t, "escalation_level") < 1) kf_ticket_set_i(t, "escalation_level", 1);
        json_object_set_new(data, "level", json_integer(kf_ticket_i(t, "escalation_level")));
        if (rc == KF_OK) rc = kf_ticket_event(tx, id, 0, "breached", NULL, NULL, "", data, now);
    }
    if (rc == KF_OK && (fired & KF_FIRE_ESCALATE)) {
        rc = kf_desk_notify_role(tx, "manager", project, id, "escalate", ms, now);
        kf_ticket_set_i(t, "escalation_level", 2);
        json_object_set_new(data, "level", json_integer(2));
        if (rc == KF_OK) rc = kf_ticket_event(tx, id, 0, "escalated", NULL, NULL, "", data, now);
    }
    json_decref(data);
    return rc;
}

static int fire_one(kf_tx *tx, kf_app *app, int64_t id, int64_t now)
{
    kf_ticket t;
    kf_desk_calendar *cal = NULL;
    int rc = kf_ticket_lock(tx, id, 0, &t);
    if (rc != KF_OK) return rc == KF_ENOTFOUND ? KF_OK : rc;
    if (!kf_ticket_i(&t, "next_alarm_at") || kf_ticket_i(&t, "next_alarm_at") > now) {
        kf_ticket_release(&t); /* someone else got here first */
        return KF_OK;
    }
    for (int m = 0; m < KF_MS_COUNT && rc == KF_OK; m++) {
        if (!t.has_clock[m]) continue;
        unsigned fired = kf_clock_fire(&t.clocks[m], now);
        if (fired) rc = send(tx, &t, &t.clocks[m], fired, now);
    }
    /* the facts of a breach are counted on the project's day */
    if (rc == KF_OK)
        rc = kf_calendar_cache_get(app->calendars, tx, kf_ticket_i(&t, "project_id"), kf_now_ms(),
                                   &cal);
    if (rc == KF_OK) rc = kf_ticket_save(tx, &t, &cal->cal, now);
    kf_desk_calendar_free(cal);
    kf_ticket_release(&t);
    return rc;
}

static int fire_job_run(kf_tx *tx, void *ctx)
{
    fire_job *j = ctx;
    for (int i = 0; i < j->n; i++) {
        int rc = fire_one(tx, j->app, j->ids[i], j->now);
        if (rc != KF_OK) return rc;
    }
    return KF_OK;
}

/* Up to BATCH tickets whose alarm is due at NOW, oldest first. */
static int due_batch(kf_app *app, int64_t now, int64_t *ids, int *n)
{
    *n = 0;
    kf_tx *tx;
    int rc = kf_store_read_begin(app->store, &tx);
    if (rc != KF_OK) return rc;
    kf_stmt *st;
    rc = kf_tx_query(tx, &st,
                     "SELECT id FROM tickets WHERE next_alarm_at IS NOT NULL"
                     " AND next_alarm_at <= ? ORDER BY next_alarm_at LIMIT 64",
                     "i", now);
    while (rc == KF_OK && *n < BATCH && (rc = kf_stmt_step(st)) == KF_ROW) {
        ids[(*n)++] = kf_stmt_i64(st, 0);
        rc = KF_OK;
    }
    kf_store_read_end(app->store, tx);
    return rc == KF_DONE || rc == KF_OK || rc == KF_ROW ? KF_OK : rc;
}

int kf_alarms_run_due(kf_app *app, int64_t now, int *fired)
{
    int total = 0, rc = KF_OK;
    /* each pass moves every ticket's alarm past NOW; the bound only guards
     * against a clock that would not move */
    for (int pass = 0; pass < 10000; pass++) {
        int64_t ids[BATCH];
        int n = 0;
        if ((rc = due_batch(app, now, ids, &n)) != KF_OK || n == 0) break;
        /* SQLite: the batch in one transaction (one writer, one fsync).
         * PostgreSQL: a ticket per transaction, so an alarm never holds one
         * ticket's lock while waiting for another's (no deadlock with agents). */
        int step = kf_store_backend(app->store) == KF_BACKEND_POSTGRES ? 1 : n;
        for (int i = 0; i < n && rc == KF_OK; i += step) {
            fire_job job = {app, ids + i, step, now};
            rc = kf_store_write(app->store, fire_job_run, &job);
        }
        if (rc != KF_OK) break;
        total += n;
    }
    if (fired) *fired = total;
    return rc;
}

/* The earliest alarm of all tickets (0: none). */
static int64_t next_alarm(kf_app *app)
{
    kf_tx *tx;
    if (kf_store_read_begin(app->store, &tx) != KF_OK) return 0;
    int64_t at = 0;
    if (kf_tx_i64(tx, &at,
                  "SELECT COALESCE(MIN(next_alarm_at), 0) FROM tickets"
                  " WHERE next_alarm_at IS NOT NULL",
                  "") != KF_OK)
        at = 0;
    kf_store_read_end(app->store, tx);
    return at;
}

static void *alarm_thread(void *arg)
{
    kf_alarms *a = arg;
    for (;;) {
        int64_t now = kf_app_now(a->app);
        int fired = 0;
        if (kf_alarms_run_due(a->app, now, &fired) != KF_OK) {
            kf_logline l;
            kf_log_begin(&l, a->app->log, KF_LOG_WARN, "firing due alarms failed; retrying");
            kf_log_end(&l);
        }
        int64_t next = next_alarm(a->app);
        now = kf_app_now(a->app);
        int64_t wait = next && next > now ? next - now : (next ? 0 : MAX_SLEEP_MS);
        if (next && next <= now) wait = 1000; /* failed above: do not spin */
        if (wait > MAX_SLEEP_MS) wait = MAX_SLEEP_MS;
        pthread_mutex_lock(&a->mu);
        if (!a->kicked && !a->stopping) {
            a->sleeping_until = now + wait;
            struct timespec until = kf_deadline_after_ms(wait);
            pthread_cond_timedwait(&a->cond, &a->mu, &until);
        }
        a->sleeping_until = 0;
        a->kicked = 0;
        int stop = a->stopping;
        pthread_mutex_unlock(&a->mu);
        if (stop) break;
    }
    return NULL;
}

kf_alarms *kf_alarms_start(kf_app *app)
{
    kf_alarms *a = calloc(1, sizeof(*a));
    if (!a) return NULL;
    a->app = app;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cond, NULL);
    if (pthread_create(&a->thread, NULL, alarm_thread, a) != 0) {
        pthread_cond_destroy(&a->cond);
        pthread_mutex_destroy(&a->mu);
        free(a);
        return NULL;
    }
    pthread_setname_np(a->thread, "kefu-alarms");
    return a;
}

void kf_alarms_stop(kf_alarms *a)
{
    if (!a) return;
    pthread_mutex_lock(&a->mu);
    a->stopping = 1;
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    pthread_cond_destroy(&a->cond);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

void kf_alarms_kick(kf_alarms *a, int64_t at)
{
    if (!a || !at) return;
    pthread_mutex_lock(&a->mu);
    if (a->sleeping_until && at < a->sleeping_until) {
        a->kicked = 1;
        pthread_cond_signal(&a->cond);
    } else if (!a->sleeping_until) {
        a->kicked = 1; /* awake: look again before sleeping */
    }
    pthread_mutex_unlock(&a->mu);
}
