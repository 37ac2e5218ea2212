#include "store/demo.h"

#include "core/err.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "store/accounts.h"
#include "store/audit.h"
#include "store/projects.h"

static const kf_demo_account accounts[] = {
    {"admin", "admin", "系统管理员 Admin"}, {"executive", "executive", "周总"},
    {"manager", "manager", "王经理"},       {"supervisor", "supervisor", "李主管"},
    {"agent", "agent", "张客服"},           {"technician", "technician", "赵师傅"},
    {"cashier", "cashier", "钱收费"},       {"resident", "resident", "孙业主"},
};
#define NACCOUNTS (sizeof(accounts) / sizeof(accounts[0]))

const kf_demo_account *kf_demo_accounts(size_t *n)
{
    *n = NACCOUNTS;
    return accounts;
}

typedef struct {
    char hash[KF_PASSWORD_HASH_LEN];
    int created;
} seed_job;

static int write_seed(kf_tx *tx, void *ctx)
{
    seed_job *j = ctx;
    int64_t users = 0, project = 0, now = kf_now_ms();
    int rc = kf_user_count(tx, &users);
    if (rc != KF_OK || users) return rc;
    rc = kf_project_insert(tx, "demo", "演示小区 Demo Gardens", "Asia/Shanghai", now, &project);
    for (size_t i = 0; rc == KF_OK && i < NACCOUNTS; i++) {
        kf_user u = {.login = accounts[i].login,
                     .display_name = accounts[i].display_name,
                     .role = accounts[i].role,
                     .language = "zh-CN",
                     .password_hash = j->hash,
                     .active = 1};
        rc = kf_user_insert(tx, &u, now);
        if (rc == KF_OK) rc = kf_user_set_projects(tx, u.id, &project, 1);
    }
    kf_actor system = {.actor_login = "system"};
    kf_audit_entry e = {
        .entity = "project", .entity_id = project, .project_id = project, .action = "demo_seed"};
    if (rc == KF_OK) rc = kf_audit_write(tx, &system, &e, now);
    if (rc == KF_OK) j->created = 1;
    return rc;
}

int kf_demo_seed(kf_store *s, int *created)
{
    seed_job j = {0};
    /* One hash for all demo accounts: they share the printed password anyway. */
    if (kf_password_hash(KF_DEMO_PASSWORD, j.hash) != 0) return KF_EDB;
    int rc = kf_store_write(s, write_seed, &j);
    *created = j.created;
    return rc;
}
