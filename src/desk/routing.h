/* Who handles a ticket: the routing rules pick the responsible department
 * (责任端口), and a department that dispatches automatically picks the person
 * (round-robin or least-loaded among its members on duty, under a cap of open
 * tickets per person). Notifications go to people by role or duty. */
#ifndef KF_DESK_ROUTING_H
#define KF_DESK_ROUTING_H

#include "desk/ticket.h"
#include "store/store.h"

#include <stdint.h>

/* kf_desk_route: the first active rule that matches ticket T (TODAY is the
 * project's date "YYYY-MM-DD", for the warranty condition) and names a
 * department that exists; sets routing_rule_id and department_id (both 0
 * when nothing matched). */
int kf_desk_route(kf_tx *tx, kf_ticket *t, const char *today);

/* kf_desk_pick_assignee: for DEPARTMENT's dispatch mode, the member who
 * takes the next ticket (*user 0: the mode is manual, or everyone on duty is
 * at the cap). Remembers the pick for round-robin. */
int kf_desk_pick_assignee(kf_tx *tx, int64_t project, int64_t department, int64_t *user);

/* kf_desk_is_member: 1 in *yes when USER is a member of DEPARTMENT. */
int kf_desk_is_member(kf_tx *tx, int64_t department, int64_t user, int *yes);

/* kf_desk_notify: an in-app notification for USER and its outbox rows (SMS
 * and e-mail, delivered by the notices issue). KIND: assigned, remind,
 * breach, escalate, major_complaint, chased, charge_pending, charge_approved,
 * charge_refused. MILESTONE may be NULL. */
int kf_desk_notify(kf_tx *tx, int64_t user, int64_t project, int64_t ticket, const char *kind,
                   const char *milestone, int64_t now);
/* kf_desk_notify_role: kf_desk_notify for every active user of ROLE in PROJECT. */
int kf_desk_notify_role(kf_tx *tx, const char *role, int64_t project, int64_t ticket,
                        const char *kind, const char *milestone, int64_t now);
/* kf_desk_notify_department: for every member on duty of DEPARTMENT. */
int kf_desk_notify_department(kf_tx *tx, int64_t department, int64_t project, int64_t ticket,
                              const char *kind, const char *milestone, int64_t now);

#endif
