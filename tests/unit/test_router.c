/* The router: path parameters, literal routes before parameters, 405 vs 404,
 * and the refusal of routes without a known permission. */
#include "core/err.h"
#include "http/router.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void h_a(kf_req *req)
{
    (void)req;
}
static void h_b(kf_req *req)
{
    (void)req;
}

static kf_router *fixture(void)
{
    kf_router *r = kf_router_new();
    assert_int_equal(kf_router_add(r, "GET", "/api/v1/users/{id}", "users.read", h_a, 0), KF_OK);
    assert_int_equal(kf_router_add(r, "GET", "/api/v1/users/me", "authenticated", h_b, 0), KF_OK);
    assert_int_equal(
        kf_router_add(r, "POST", "/api/v1/users/{id}/password", "users.manage", h_a, 0), KF_OK);
    assert_int_equal(kf_router_add(r, "GET", "/", "public", h_b, 0), KF_OK);
    return r;
}

static void test_params(void **state)
{
    (void)state;
    kf_router *r = fixture();
    kf_req req = {0};
    kf_arena_init(&req.arena);
    int known;
    const kf_route *rt = kf_router_match(r, "POST", "/api/v1/users/42/password", &req, &known);
    assert_non_null(rt);
    assert_string_equal(rt->permission, "users.manage");
    assert_int_equal(req.nparams, 1);
    assert_string_equal(kf_req_param(&req, "id"), "42");
    assert_null(kf_req_param(&req, "nope"));
    kf_arena_free(&req.arena);
    kf_router_free(r);
}

static void test_literal_beats_parameter(void **state)
{
    (void)state;
    kf_router *r = fixture();
    kf_req req = {0};
    kf_arena_init(&req.arena);
    int known;
    const kf_route *rt = kf_router_match(r, "GET", "/api/v1/users/me", &req, &known);
    assert_non_null(rt);
    assert_ptr_equal(rt->handler, h_b);
    rt = kf_router_match(r, "GET", "/api/v1/users/7", &req, &known);
    assert_ptr_equal(rt->handler, h_a);
    rt = kf_router_match(r, "GET", "/", &req, &known);
    assert_ptr_equal(rt->handler, h_b);
    kf_arena_free(&req.arena);
    kf_router_free(r);
}

static void test_405_and_404(void **state)
{
    (void)state;
    kf_router *r = fixture();
    kf_req req = {0};
    kf_arena_init(&req.arena);
    int known = 0;
    assert_null(kf_router_match(r, "DELETE", "/api/v1/users/7", &req, &known));
    assert_int_equal(known, 1);
    assert_null(kf_router_match(r, "GET", "/api/v1/nothing", &req, &known));
    assert_int_equal(known, 0);
    assert_null(kf_router_match(r, "GET", "/api/v1//users/7", &req, &known));
    assert_null(kf_router_match(r, "GET", "relative", &req, &known));
    kf_arena_free(&req.arena);
    kf_router_free(r);
}

static void test_refuses_routes_without_permission(void **state)
{
    (void)state;
    kf_router *r = kf_router_new();
    assert_int_equal(kf_router_add(r, "GET", "/x", NULL, h_a, 0), KF_EINVAL);
    assert_int_equal(kf_router_add(r, "GET", "/x", "", h_a, 0), KF_EINVAL);
    assert_int_equal(kf_router_add(r, "GET", "/x", "made.up", h_a, 0), KF_EINVAL);
    assert_int_equal(kf_router_count(r), 0);
    assert_int_equal(kf_router_add(r, "GET", "/x/{id}", "users.read", h_a, 0), KF_OK);
    /* the same shape twice is a mistake, whatever the parameter is called */
    assert_int_equal(kf_router_add(r, "GET", "/x/{other}", "users.read", h_a, 0), KF_EINVAL);
    assert_int_equal(kf_router_add(r, "GET", "no-slash", "users.read", h_a, 0), KF_EINVAL);
    assert_int_equal(kf_router_count(r), 1);
    kf_router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_literal_beats_parameter),
        cmocka_unit_test(test_405_and_404),
        cmocka_unit_test(test_refuses_routes_without_permission),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
