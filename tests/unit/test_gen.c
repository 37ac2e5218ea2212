/* The generator's pure parts: the PRNG (deterministic per seed and stream,
 * in range, unbiased enough), the rainy-season weights, and the formats of
 * names and mobile numbers. */
#include "domain/pii.h"
#include "gen/names.h"
#include "gen/prng.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_prng_is_deterministic(void **state)
{
    (void)state;
    kf_rng a, b, c;
    kf_rng_seed(&a, 7, 0);
    kf_rng_seed(&b, 7, 0);
    kf_rng_seed(&c, 8, 0);
    int differs = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = kf_rng_next(&a), y = kf_rng_next(&b), z = kf_rng_next(&c);
        assert_true(x == y);
        differs |= x != z;
    }
    assert_true(differs);
    /* a known value: the sequence must not change between versions */
    uint64_t s = 0;
    assert_true(kf_splitmix64(&s) == 0xe220a8397b1dcdafULL);
}

static void test_prng_ranges(void **state)
{
    (void)state;
    kf_rng r;
    kf_rng_seed(&r, 1, 2);
    int hist[10] = {0};
    for (int i = 0; i < 100000; i++) {
        int64_t v = kf_rng_range(&r, 3, 12);
        assert_true(v >= 3 && v <= 12);
        hist[v - 3]++;
        double u = kf_rng_unit(&r);
        assert_true(u >= 0.0 && u < 1.0);
    }
    for (int i = 0; i < 10; i++)
        assert_true(hist[i] > 9000 && hist[i] < 11000);
    unsigned w[3] = {1, 0, 3};
    int got[3] = {0};
    for (int i = 0; i < 40000; i++)
        got[kf_rng_weighted(&r, w, 3)]++;
    assert_int_equal(got[1], 0);
    assert_true(got[2] > 2 * got[0]);
}

static void test_season(void **state)
{
    (void)state;
    unsigned summer = 0, winter = 0;
    for (int m = 6; m <= 9; m++)
        summer += kf_gen_season_weight(1, m);
    winter = kf_gen_season_weight(1, 12) + kf_gen_season_weight(1, 1) + kf_gen_season_weight(1, 2);
    assert_true(summer / 4 > 3 * (winter / 3));
    for (int m = 1; m <= 12; m++)
        assert_int_equal(kf_gen_season_weight(0, m), 100);
    assert_int_equal(kf_gen_season_weight(1, 13), 100);
}

static void test_names_and_mobiles(void **state)
{
    (void)state;
    kf_rng r;
    kf_rng_seed(&r, 3, 0);
    for (int i = 0; i < 2000; i++) {
        char name[16], mobile[16], norm[KF_MOBILE_LEN];
        kf_gen_name(&r, name, sizeof(name));
        size_t len = strlen(name);
        assert_true(len == 6 || len == 9); /* two or three CJK characters */
        assert_true((unsigned char)name[0] >= 0xe4);
        kf_gen_mobile(&r, mobile, sizeof(mobile));
        assert_int_equal(strlen(mobile), 11);
        assert_true(mobile[0] == '1' && mobile[1] >= '3' && mobile[1] <= '9');
        assert_null(kf_mobile_problem(mobile, norm, sizeof(norm)));
        assert_string_equal(norm, mobile);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prng_is_deterministic),
        cmocka_unit_test(test_prng_ranges),
        cmocka_unit_test(test_season),
        cmocka_unit_test(test_names_and_mobiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
