/* Roles and permissions: which role may do what. Every route names one
 * permission from this table (or a pseudo-permission: "public" needs no
 * login, "authenticated" needs any login); the router refuses others. */
#ifndef KF_PERM_H
#define KF_PERM_H

#include <stddef.h>

#define KF_PERM_PUBLIC        "public"
#define KF_PERM_AUTHENTICATED "authenticated"

typedef enum {
    KF_ROLE_ADMIN,
    KF_ROLE_EXECUTIVE, /* 公司主管/总经理: approves what is above the manager's limit */
    KF_ROLE_MANAGER,
    KF_ROLE_SUPERVISOR,
    KF_ROLE_AGENT,
    KF_ROLE_TECHNICIAN,
    KF_ROLE_CASHIER,
    KF_ROLE_RESIDENT,
    KF_ROLE_COUNT
} kf_role;

typedef struct {
    const char *name;    /* e.g. "users.manage" */
    const char *zh, *en; /* what it allows, for people */
    unsigned roles;      /* bit (1u << kf_role) per role that holds it */
} kf_permission;

/* kf_role_parse: the role named NAME, or -1. */
int kf_role_parse(const char *name);
const char *kf_role_name(kf_role role);
/* kf_role_label: the role's name for people in LANG ("zh-CN" or "en"). */
const char *kf_role_label(kf_role role, const char *lang);

/* kf_permissions: the table (static), *count entries. */
const kf_permission *kf_permissions(size_t *count);
/* kf_perm_known: 1 if NAME is a permission or a pseudo-permission. */
int kf_perm_known(const char *name);
/* kf_role_has: 1 if ROLE holds PERM ("authenticated" is held by every role;
 * "public" by everyone). */
int kf_role_has(kf_role role, const char *perm);
/* kf_role_is_global: 1 for roles that see every project (administrators). */
int kf_role_is_global(kf_role role);
/* kf_role_approver_rank: how much ROLE may approve (charges): 1 supervisor,
 * 2 manager, 3 executive, 0 every other role (administrators included). */
int kf_role_approver_rank(kf_role role);

#endif
