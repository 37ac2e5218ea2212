#include "api/api.h"

#include "core/err.h"

int kf_api_register(kf_router *r)
{
    int (*const parts[])(kf_router *) = {
        kf_api_system_register, kf_api_session_register,  kf_api_me_register,
        kf_api_users_register,  kf_api_projects_register, kf_api_audit_register,
    };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        if (parts[i](r) != KF_OK) return KF_EINVAL;
    return KF_OK;
}
