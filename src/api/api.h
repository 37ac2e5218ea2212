/* The HTTP API: one file per resource, each registering its routes here. */
#ifndef KF_API_H
#define KF_API_H

#include "domain/perm.h"
#include "http/router.h"

#include <jansson.h>

/* kf_api_register: every route of the API; KF_EINVAL if one is refused. */
int kf_api_register(kf_router *r);
/* kf_api_role_permissions: the names of the permissions ROLE holds, as a
 * JSON array (new reference). */
json_t *kf_api_role_permissions(kf_role role);

int kf_api_system_register(kf_router *r);
int kf_api_session_register(kf_router *r);
int kf_api_me_register(kf_router *r);
int kf_api_users_register(kf_router *r);
int kf_api_estate_register(kf_router *r);
int kf_api_people_register(kf_router *r);
int kf_api_lookup_register(kf_router *r);
int kf_api_imports_register(kf_router *r);
int kf_api_departments_register(kf_router *r);
int kf_api_households_register(kf_router *r);
int kf_api_audit_register(kf_router *r);
int kf_api_desk_config_register(kf_router *r); /* categories, rules, policies, calendars */
int kf_api_tickets_register(kf_router *r);
int kf_api_notifications_register(kf_router *r);
int kf_api_attachments_register(kf_router *r);
int kf_api_ticket_links_register(kf_router *r);
int kf_api_ticket_charges_register(kf_router *r);
int kf_api_stats_register(kf_router *r);   /* stats.c, stats_more.c */
int kf_api_reports_register(kf_router *r); /* reports.c */
/* stats.c, stats_more.c */                /* costs, compensation, settlement */

#endif
