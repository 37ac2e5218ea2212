#include "domain/perm.h"

#include <string.h>

#define R(role) (1u << (role))
#define STAFF                                                                                      \
    (R(KF_ROLE_ADMIN) | R(KF_ROLE_EXECUTIVE) | R(KF_ROLE_MANAGER) | R(KF_ROLE_SUPERVISOR) |        \
     R(KF_ROLE_AGENT) | R(KF_ROLE_TECHNICIAN) | R(KF_ROLE_CASHIER))
/* who approves money (charges), and who reads the crews' settlements */
#define APPROVERS (R(KF_ROLE_EXECUTIVE) | R(KF_ROLE_MANAGER) | R(KF_ROLE_SUPERVISOR))
#define ALL       (STAFF | R(KF_ROLE_RESIDENT))

static const struct {
    const char *name, *zh, *en;
} roles[KF_ROLE_COUNT] = {
    [KF_ROLE_ADMIN] = {"admin", "系统管理员", "Administrator"},
    [KF_ROLE_EXECUTIVE] = {"executive", "公司主管/总经理", "Executive"},
    [KF_ROLE_MANAGER] = {"manager", "客服经理", "Manager"},
    [KF_ROLE_SUPERVISOR] = {"supervisor", "客服主管", "Supervisor"},
    [KF_ROLE_AGENT] = {"agent", "客服专员", "Agent"},
    [KF_ROLE_TECHNICIAN] = {"technician", "维修工/端口责任人", "Technician"},
    [KF_ROLE_CASHIER] = {"cashier", "收费员", "Cashier"},
    [KF_ROLE_RESIDENT] = {"resident", "业主/住户", "Resident"},
};

static const kf_permission permissions[] = {
    {"projects.read", "查看所属项目", "See the projects one belongs to", ALL},
    {"users.read", "查看用户", "See user accounts", R(KF_ROLE_ADMIN) | APPROVERS},
    {"users.manage", "管理用户、角色与项目成员", "Create and change user accounts",
     R(KF_ROLE_ADMIN)},
    {"audit.read", "查看审计日志", "Read the audit log", R(KF_ROLE_ADMIN)},
    {"system.metrics", "读取运行指标", "Read server metrics", R(KF_ROLE_ADMIN)},
    {"projects.manage", "创建与修改项目", "Create and change projects", R(KF_ROLE_ADMIN)},
    {"records.read", "查看档案（楼栋、房屋、业户等）", "See records (buildings, units, people …)",
     STAFF},
    {"records.write", "维护档案", "Change records",
     R(KF_ROLE_ADMIN) | R(KF_ROLE_MANAGER) | R(KF_ROLE_SUPERVISOR) | R(KF_ROLE_AGENT)},
    {"pii.reveal", "查看完整手机号与证件号", "Reveal full phone and ID numbers",
     R(KF_ROLE_ADMIN) | R(KF_ROLE_MANAGER)},
    {"tickets.read", "查看工单", "See tickets", STAFF},
    {"tickets.write", "受理与处理工单", "Take in and work on tickets",
     R(KF_ROLE_ADMIN) | R(KF_ROLE_MANAGER) | R(KF_ROLE_SUPERVISOR) | R(KF_ROLE_AGENT) |
         R(KF_ROLE_TECHNICIAN)},
    {"tickets.dispatch", "派单与转派", "Dispatch and transfer tickets",
     R(KF_ROLE_ADMIN) | R(KF_ROLE_MANAGER) | R(KF_ROLE_SUPERVISOR) | R(KF_ROLE_AGENT)},
    {"desk.configure", "配置工单分类、派单规则、时限与工作日历",
     "Configure categories, routing rules, deadlines and calendars", R(KF_ROLE_ADMIN)},
    {"charges.approve", "审批维修费用与赔偿（按金额分级）",
     "Approve repair costs and compensation (by amount)", R(KF_ROLE_ADMIN) | APPROVERS},
    {"charges.report", "查看施工队质保金月结", "See the crews' month-end deposit settlements",
     R(KF_ROLE_ADMIN) | APPROVERS},
    {"reports.read", "查看报表与服务指标", "See reports and service KPIs",
     R(KF_ROLE_ADMIN) | APPROVERS},
    {"reports.manage", "设置定期报表、生成报表", "Schedule and make reports",
     R(KF_ROLE_ADMIN) | R(KF_ROLE_MANAGER)},
    {"test.clock", "移动测试时钟（仅测试构建）", "Move the test clock (test builds only)",
     R(KF_ROLE_ADMIN)},
};

int kf_role_parse(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < KF_ROLE_COUNT; i++)
        if (strcmp(roles[i].name, name) == 0) return i;
    return -1;
}

const char *kf_role_name(kf_role role)
{
    return role < KF_ROLE_COUNT ? roles[role].name : "";
}

const char *kf_role_label(kf_role role, const char *lang)
{
    if (role >= KF_ROLE_COUNT) return "";
    return lang && strncmp(lang, "en", 2) == 0 ? roles[role].en : roles[role].zh;
}

const kf_permission *kf_permissions(size_t *count)
{
    *count = sizeof(permissions) / sizeof(permissions[0]);
    return permissions;
}

static const kf_permission *find(const char *name)
{
    for (size_t i = 0; i < sizeof(permissions) / sizeof(permissions[0]); i++)
        if (strcmp(permissions[i].name, name) == 0) return &permissions[i];
    return NULL;
}

int kf_perm_known(const char *name)
{
    if (!name || !*name) return 0;
    return strcmp(name, KF_PERM_PUBLIC) == 0 || strcmp(name, KF_PERM_AUTHENTICATED) == 0 ||
           find(name) != NULL;
}

int kf_role_has(kf_role role, const char *perm)
{
    if (role >= KF_ROLE_COUNT || !perm) return 0;
    if (strcmp(perm, KF_PERM_PUBLIC) == 0 || strcmp(perm, KF_PERM_AUTHENTICATED) == 0) return 1;
    const kf_permission *p = find(perm);
    return p && (p->roles & R(role));
}

int kf_role_is_global(kf_role role)
{
    return role == KF_ROLE_ADMIN;
}

int kf_role_approver_rank(kf_role role)
{
    switch (role) {
    case KF_ROLE_SUPERVISOR:
        return 1;
    case KF_ROLE_MANAGER:
        return 2;
    case KF_ROLE_EXECUTIVE:
        return 3;
    default:
        return 0;
    }
}
