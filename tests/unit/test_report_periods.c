/* The report periods (weekly and monthly ends, a month shorter than the
 * schedule's day, the period before), the day a fact counts on in the
 * project's zone, and the week and month keys of the KPI groupings. */
#include "api/report_doc.h"
#include "core/err.h"
#include "core/tz.h"
#include "desk/rollup.h"
#include "report/kpi.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int64_t day_of(const char *s)
{
    int64_t d = 0;
    assert_int_equal(kf_date_parse(s, &d), 0);
    return d;
}

static void assert_day(int64_t d, const char *want)
{
    char got[16];
    kf_date_format(d, got, sizeof(got));
    assert_string_equal(got, want);
}

static void monthly_on_the_25th(void **state)
{
    (void)state;
    /* on the 25th itself the period ending that day is complete only once it is over */
    assert_day(kf_report_last_end(KF_REPORT_MONTHLY, 25, day_of("2027-03-25")), "2027-03-25");
    assert_day(kf_report_last_end(KF_REPORT_MONTHLY, 25, day_of("2027-03-24")), "2027-02-25");
    assert_day(kf_report_last_end(KF_REPORT_MONTHLY, 25, day_of("2027-01-10")), "2026-12-25");
    int64_t from, pf, pt;
    kf_report_period(KF_REPORT_MONTHLY, 25, day_of("2027-03-25"), &from, &pf, &pt);
    assert_day(from, "2027-02-26");
    assert_day(pf, "2027-01-26");
    assert_day(pt, "2027-02-25");
}

static void monthly_on_the_31st_follows_short_months(void **state)
{
    (void)state;
    assert_day(kf_report_last_end(KF_REPORT_MONTHLY, 31, day_of("2027-03-15")), "2027-02-28");
    assert_day(kf_report_last_end(KF_REPORT_MONTHLY, 31, day_of("2028-03-01")), "2028-02-29");
    assert_day(kf_report_last_end(KF_REPORT_MONTHLY, 30, day_of("2027-03-01")), "2027-02-28");
    int64_t from, pf, pt;
    kf_report_period(KF_REPORT_MONTHLY, 31, day_of("2027-03-31"), &from, &pf, &pt);
    assert_day(from, "2027-03-01");
    assert_day(pf, "2027-02-01");
    assert_day(pt, "2027-02-28");
    /* the 30th: March's report starts the day after February's end (the 28th) */
    kf_report_period(KF_REPORT_MONTHLY, 30, day_of("2027-03-30"), &from, &pf, &pt);
    assert_day(from, "2027-03-01");
}

static void weekly_ends_on_its_weekday(void **state)
{
    (void)state;
    /* 2027-03-01 is a Monday; weekday 5 is Saturday */
    assert_day(kf_report_last_end(KF_REPORT_WEEKLY, 5, day_of("2027-03-01")), "2027-02-27");
    assert_day(kf_report_last_end(KF_REPORT_WEEKLY, 5, day_of("2027-03-06")), "2027-03-06");
    assert_day(kf_report_last_end(KF_REPORT_WEEKLY, 0, day_of("2027-03-01")), "2027-03-01");
    int64_t from, pf, pt;
    kf_report_period(KF_REPORT_WEEKLY, 5, day_of("2027-03-06"), &from, &pf, &pt);
    assert_day(from, "2027-02-28");
    assert_day(pf, "2027-02-21");
    assert_day(pt, "2027-02-27");
}

static void facts_count_on_the_local_day(void **state)
{
    (void)state;
    kf_tz *sh = NULL, *utc = NULL;
    assert_int_equal(kf_tz_load(NULL, "Asia/Shanghai", &sh), KF_OK);
    assert_int_equal(kf_tz_load(NULL, "UTC", &utc), KF_OK);
    /* 2027-02-28T16:30Z is 2027-03-01 00:30 in Shanghai */
    int64_t ms = (day_of("2027-02-28") * 86400 + 16 * 3600 + 30 * 60) * 1000;
    assert_day(kf_rollup_day(sh, ms), "2027-03-01");
    assert_day(kf_rollup_day(utc, ms), "2027-02-28");
    assert_day(kf_rollup_day(utc, -1), "1969-12-31");
    kf_tz_free(sh);
    kf_tz_free(utc);
}

static void week_and_month_keys(void **state)
{
    (void)state;
    assert_day(kf_kpi_key_of_day(KF_BY_WEEK, day_of("2027-03-07")), "2027-03-01");
    assert_day(kf_kpi_key_of_day(KF_BY_WEEK, day_of("2027-03-01")), "2027-03-01");
    assert_int_equal(kf_kpi_key_of_day(KF_BY_MONTH, day_of("2027-12-31")), 202712);
    assert_int_equal(kf_kpi_key_of_day(KF_BY_DAY, 12345), 12345);
}

static void metrics_and_their_grains(void **state)
{
    (void)state;
    assert_string_equal(kf_rollup_grains("created"), "pbd");
    assert_string_equal(kf_rollup_grains("received"), "d");
    assert_string_equal(kf_rollup_clock_metric(0), "clock.acknowledge");
    assert_string_equal(kf_rollup_reach_metric(5), "reach.onsite");
    assert_null(kf_rollup_grains("nothing"));
    size_t n = 0;
    for (const char *m; (m = kf_rollup_metric(n)); n++)
        assert_non_null(kf_rollup_grains(m));
    assert_int_equal(n, 24); /* 12 counts, 6 clocks, 6 late reaches */
    assert_null(kf_rollup_clock_metric(6));
    kf_kpi_query q = {.project = 1, .by = KF_BY_DEPARTMENT, .category = 3};
    const char *field = NULL;
    assert_int_equal(kf_kpi_supported(&q, "closed", &field), KF_EINVAL);
    assert_string_equal(field, "category_id");
    q = (kf_kpi_query){.project = 1, .by = KF_BY_BUILDING};
    assert_int_equal(kf_kpi_supported(&q, "closed", &field), KF_EINVAL);
    assert_string_equal(field, "group_by");
    assert_int_equal(kf_kpi_supported(&q, "created", &field), KF_OK);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The quickselect against a full sort, on arrays with many equal values,
 * sorted, reversed and random ones of every small length. */
static void percentiles_are_the_nearest_rank(void **state)
{
    (void)state;
    uint64_t seed = 42;
    int64_t v[300], sorted[300];
    for (size_t n = 1; n <= 300; n += (n < 40 ? 1 : 37)) {
        for (int shape = 0; shape < 4; shape++) {
            for (size_t i = 0; i < n; i++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                int64_t r = (int64_t)(seed >> 33);
                v[i] = shape == 0   ? r % 1000
                       : shape == 1 ? r % 3
                       : shape == 2 ? (int64_t)i
                                    : (int64_t)(n - i);
            }
            memcpy(sorted, v, n * sizeof(int64_t));
            qsort(sorted, n, sizeof(int64_t), cmp_i64);
            const double ps[] = {0.5, 0.9, 0.01, 1.0};
            for (int k = 0; k < 4; k++) {
                size_t rank = (size_t)ceil(ps[k] * (double)n);
                int64_t copy[300];
                memcpy(copy, v, n * sizeof(int64_t));
                assert_int_equal((int64_t)kf_kpi_rank(copy, n, ps[k]), sorted[rank ? rank - 1 : 0]);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(monthly_on_the_25th),
        cmocka_unit_test(monthly_on_the_31st_follows_short_months),
        cmocka_unit_test(weekly_ends_on_its_weekday),
        cmocka_unit_test(facts_count_on_the_local_day),
        cmocka_unit_test(week_and_month_keys),
        cmocka_unit_test(metrics_and_their_grains),
        cmocka_unit_test(percentiles_are_the_nearest_rank),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
