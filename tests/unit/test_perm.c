/* The role × permission table. */
#include "domain/perm.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void test_roles(void **state)
{
    (void)state;
    for (int r = 0; r < KF_ROLE_COUNT; r++)
        assert_int_equal(kf_role_parse(kf_role_name((kf_role)r)), r);
    assert_int_equal(kf_role_parse("root"), -1);
    assert_int_equal(kf_role_parse(NULL), -1);
    assert_string_equal(kf_role_label(KF_ROLE_CASHIER, "zh-CN"), "收费员");
    assert_string_equal(kf_role_label(KF_ROLE_CASHIER, "en"), "Cashier");
}

static void test_matrix(void **state)
{
    (void)state;
    assert_true(kf_role_has(KF_ROLE_ADMIN, "users.manage"));
    assert_false(kf_role_has(KF_ROLE_MANAGER, "users.manage"));
    assert_true(kf_role_has(KF_ROLE_MANAGER, "users.read"));
    assert_false(kf_role_has(KF_ROLE_AGENT, "users.read"));
    assert_false(kf_role_has(KF_ROLE_RESIDENT, "audit.read"));
    assert_true(kf_role_has(KF_ROLE_MANAGER, "pii.reveal"));
    assert_false(kf_role_has(KF_ROLE_AGENT, "pii.reveal"));
    for (int r = 0; r < KF_ROLE_COUNT; r++) {
        assert_true(kf_role_has((kf_role)r, "authenticated"));
        assert_true(kf_role_has((kf_role)r, "public"));
        assert_false(kf_role_has((kf_role)r, "no.such"));
    }
    assert_true(kf_role_is_global(KF_ROLE_ADMIN));
    assert_false(kf_role_is_global(KF_ROLE_MANAGER));
    assert_false(kf_role_is_global(KF_ROLE_EXECUTIVE));
}

/* Charges: supervisors, managers and executives approve, by rank; an
 * administrator holds the permission (as every one) but approves nothing. */
static void test_approvers(void **state)
{
    (void)state;
    assert_string_equal(kf_role_name(KF_ROLE_EXECUTIVE), "executive");
    assert_string_equal(kf_role_label(KF_ROLE_EXECUTIVE, "zh-CN"), "公司主管/总经理");
    const kf_role approvers[] = {KF_ROLE_SUPERVISOR, KF_ROLE_MANAGER, KF_ROLE_EXECUTIVE};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kf_role_approver_rank(approvers[i]), i + 1);
        assert_true(kf_role_has(approvers[i], "charges.approve"));
        assert_true(kf_role_has(approvers[i], "charges.report"));
        assert_true(kf_role_has(approvers[i], "tickets.read"));
        assert_true(kf_role_has(approvers[i], "users.read"));
    }
    const kf_role others[] = {KF_ROLE_ADMIN, KF_ROLE_AGENT, KF_ROLE_TECHNICIAN, KF_ROLE_CASHIER,
                              KF_ROLE_RESIDENT};
    for (int i = 0; i < 5; i++)
        assert_int_equal(kf_role_approver_rank(others[i]), 0);
    assert_false(kf_role_has(KF_ROLE_AGENT, "charges.approve"));
    assert_false(kf_role_has(KF_ROLE_CASHIER, "charges.report"));
    assert_false(kf_role_has(KF_ROLE_EXECUTIVE, "desk.configure"));
    assert_false(kf_role_has(KF_ROLE_EXECUTIVE, "users.manage"));
}

static void test_known(void **state)
{
    (void)state;
    size_t n;
    const kf_permission *p = kf_permissions(&n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        assert_true(kf_perm_known(p[i].name));
        assert_true(p[i].roles & (1u << KF_ROLE_ADMIN)); /* admins hold everything */
        assert_true(strlen(p[i].zh) > 0 && strlen(p[i].en) > 0);
    }
    assert_false(kf_perm_known(""));
    assert_false(kf_perm_known(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_approvers),
        cmocka_unit_test(test_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
