#include "api/api.h"

#include "core/err.h"

json_t *kf_api_role_permissions(kf_role role)
{
    size_t n;
    const kf_permission *table = kf_permissions(&n);
    json_t *names = json_array();
    for (size_t i = 0; i < n; i++)
        if (kf_role_has(role, table[i].name))
            json_array_append_new(names, json_string(table[i].name));
    return names;
}

int kf_api_register(kf_router *r)
{
    int (*const parts[])(kf_router *) = {
        kf_api_system_register,       kf_api_session_register,        kf_api_me_register,
        kf_api_users_register,        kf_api_estate_register,         kf_api_people_register,
        kf_api_lookup_register,       kf_api_imports_register,        kf_api_departments_register,
        kf_api_households_register,   kf_api_audit_register,          kf_api_desk_config_register,
        kf_api_tickets_register,      kf_api_notifications_register,  kf_api_attachments_register,
        kf_api_ticket_links_register, kf_api_ticket_charges_register, kf_api_stats_register,
        kf_api_reports_register,
    };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        if (parts[i](r) != KF_OK) return KF_EINVAL;
    return KF_OK;
}
