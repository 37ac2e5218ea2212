/* The deadline alarm: one thread that sleeps until the earliest moment a
 * ticket needs attention (tickets.next_alarm_at, indexed), then fires what is
 * due — reminders to the assignee, breaches to the supervisors, further
 * delays to the managers — each ticket in a transaction that records what it
 * sent, so a restart neither loses nor repeats a reminder. Writers that set
 * an earlier alarm kick it awake; it never walks all open tickets. */
#ifndef KF_DESK_ALARMS_H
#define KF_DESK_ALARMS_H

#include "http/app.h"

#include <stdint.h>

/* kf_alarms_start: starts the thread for APP (borrowed; must outlive it).
 * NULL on failure. */
kf_alarms *kf_alarms_start(kf_app *app);
/* kf_alarms_stop: wakes and joins the thread, then frees it. */
void kf_alarms_stop(kf_alarms *a);
/* kf_alarms_kick: an alarm at AT (desk time) was written; wakes the thread if
 * that is earlier than what it sleeps for. A may be NULL. */
void kf_alarms_kick(kf_alarms *a, int64_t at);
/* kf_alarms_run_due: fires every alarm due at NOW; *fired (may be NULL) gets
 * how many tickets were handled. Safe to run beside the thread. */
int kf_alarms_run_due(kf_app *app, int64_t now, int *fired);

#endif
