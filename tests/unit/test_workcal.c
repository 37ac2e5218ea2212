/* Time zones (TZif), civil dates, the working calendar and iCalendar holiday
 * schedules. Uses the system's zoneinfo (Asia/Shanghai, America/New_York). */
#include "core/err.h"
#include "core/tz.h"
#include "domain/ical.h"
#include "domain/workcal.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define HOUR_MS (3600 * 1000LL)
#define MIN_MS  (60 * 1000LL)

static kf_tz *g_sh, *g_ny;

/* ---- helpers ------------------------------------------------------------- */

static int64_t wall_s(int y, int m, int d, int h, int mi)
{
    return kf_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60;
}

static int64_t utc_ms(int y, int m, int d, int h, int mi)
{
    return wall_s(y, m, d, h, mi) * 1000;
}

/* Shanghai wall time (always UTC+8) as an instant. */
static int64_t sh(int y, int m, int d, int h, int mi)
{
    return (wall_s(y, m, d, h, mi) - 8 * 3600) * 1000;
}

static int64_t day_of(const char *iso)
{
    int64_t d = 0;
    assert_int_equal(kf_date_parse(iso, &d), 0);
    return d;
}

/* The official 2026 holidays and make-up working days (国务院办公厅通知). */
static const struct {
    const char *from;
    int ndays;
    kf_day_kind kind;
} cn2026[] = {
    {"2026-01-01", 3, KF_DAY_HOLIDAY}, {"2026-01-04", 1, KF_DAY_WORKDAY},
    {"2026-02-14", 1, KF_DAY_WORKDAY}, {"2026-02-15", 9, KF_DAY_HOLIDAY},
    {"2026-02-28", 1, KF_DAY_WORKDAY}, {"2026-04-04", 3, KF_DAY_HOLIDAY},
    {"2026-05-01", 5, KF_DAY_HOLIDAY}, {"2026-05-09", 1, KF_DAY_WORKDAY},
    {"2026-06-19", 3, KF_DAY_HOLIDAY}, {"2026-09-20", 1, KF_DAY_WORKDAY},
    {"2026-09-25", 3, KF_DAY_HOLIDAY}, {"2026-10-01", 7, KF_DAY_HOLIDAY},
    {"2026-10-10", 1, KF_DAY_WORKDAY},
};
static kf_special_day g_special[64];
static size_t g_nspecial;

/* A calendar in TZ with Mon–Fri 08:30–12:00 and 13:30–18:00. */
static kf_workcal office(const kf_tz *tz, int holidays)
{
    kf_workcal c;
    memset(&c, 0, sizeof(c));
    for (int wd = 0; wd < 5; wd++) {
        c.week[wd][0] = (kf_work_window){8 * 60 + 30, 12 * 60};
        c.week[wd][1] = (kf_work_window){13 * 60 + 30, 18 * 60};
        c.nwindows[wd] = 2;
    }
    c.tz = tz;
    if (holidays) {
        c.special = g_special;
        c.nspecial = g_nspecial;
    }
    return c;
}

static int64_t add(const kf_workcal *c, int64_t from, int64_t work)
{
    int64_t out = -1;
    assert_int_equal(kf_workcal_add(c, from, work, &out), KF_OK);
    return out;
}

static int group_setup(void **state)
{
    (void)state;
    if (kf_tz_load(NULL, "Asia/Shanghai", &g_sh) != KF_OK) return -1;
    if (kf_tz_load(NULL, "America/New_York", &g_ny) != KF_OK) return -1;
    for (size_t i = 0; i < sizeof(cn2026) / sizeof(cn2026[0]); i++) {
        int64_t d = day_of(cn2026[i].from);
        for (int k = 0; k < cn2026[i].ndays; k++)
            g_special[g_nspecial++] = (kf_special_day){d + k, cn2026[i].kind};
    }
    for (size_t i = 1; i < g_nspecial; i++)
        if (g_special[i].day <= g_special[i - 1].day) return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    kf_tz_free(g_sh);
    kf_tz_free(g_ny);
    return 0;
}

/* ---- time zones ---------------------------------------------------------- */

static void test_tz_offsets(void **state)
{
    (void)state;
    assert_string_equal(kf_tz_name(g_sh), "Asia/Shanghai");
    assert_int_equal(kf_tz_offset(g_sh, wall_s(2026, 2, 13, 8, 0)), 8 * 3600);
    assert_int_equal(kf_tz_offset(g_sh, wall_s(2099, 7, 1, 0, 0)), 8 * 3600);
    /* China had DST in 1986–1991 */
    assert_int_equal(kf_tz_offset(g_sh, wall_s(1988, 7, 1, 0, 0)), 9 * 3600);
    assert_int_equal(kf_tz_offset(g_ny, wall_s(2026, 1, 15, 12, 0)), -5 * 3600);
    assert_int_equal(kf_tz_offset(g_ny, wall_s(2026, 7, 15, 12, 0)), -4 * 3600);
    /* the 2026 transitions: 2026-03-08 07:00Z and 2026-11-01 06:00Z */
    assert_int_equal(kf_tz_offset(g_ny, wall_s(2026, 3, 8, 6, 59) + 59), -5 * 3600);
    assert_int_equal(kf_tz_offset(g_ny, wall_s(2026, 3, 8, 7, 0)), -4 * 3600);
    assert_int_equal(kf_tz_offset(g_ny, wall_s(2026, 11, 1, 5, 59) + 59), -4 * 3600);
    assert_int_equal(kf_tz_offset(g_ny, wall_s(2026, 11, 1, 6, 0)), -5 * 3600);
}

static void test_tz_to_utc(void **state)
{
    (void)state;
    assert_int_equal(kf_tz_to_utc(g_sh, wall_s(2026, 2, 13, 16, 0)), wall_s(2026, 2, 13, 8, 0));
    assert_int_equal(kf_tz_to_utc(g_ny, wall_s(2026, 1, 15, 9, 0)), wall_s(2026, 1, 15, 14, 0));
    assert_int_equal(kf_tz_to_utc(g_ny, wall_s(2026, 7, 15, 9, 0)), wall_s(2026, 7, 15, 13, 0));
    /* the gap: 02:00–03:00 on 2026-03-08 does not exist and maps to the jump
     * (07:00Z); 01:00–02:00 on 2026-11-01 happens twice and the first (EDT) wins */
    static const int cases[][6] = {
        {3, 8, 1, 59, 6, 59}, {3, 8, 2, 0, 7, 0},    {3, 8, 2, 30, 7, 0},
        {3, 8, 3, 0, 7, 0},   {3, 8, 3, 1, 7, 1},    {11, 1, 0, 59, 4, 59},
        {11, 1, 1, 0, 5, 0},  {11, 1, 1, 30, 5, 30}, {11, 1, 2, 0, 7, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const int *k = cases[i];
        assert_int_equal(kf_tz_to_utc(g_ny, wall_s(2026, k[0], k[1], k[2], k[3])),
                         wall_s(2026, k[0], k[1], k[4], k[5]));
    }

    /* round trip every 7 hours over two years of New York */
    for (int64_t t = wall_s(2025, 6, 1, 0, 0); t < wall_s(2027, 6, 1, 0, 0); t += 7 * 3600) {
        int64_t local = t + kf_tz_offset(g_ny, t);
        int64_t back = kf_tz_to_utc(g_ny, local);
        assert_true(back == t || back == t - 3600); /* first occurrence in the overlap */
    }

    /* Shanghai's last transition (the end of DST, 1991-09-15 02:00 CDT back to
     * 01:00 CST, 17:00Z): the hour repeated takes its first (CDT) occurrence,
     * and the single offset after it is found without the search */
    assert_int_equal(kf_tz_to_utc(g_sh, wall_s(1991, 9, 15, 1, 30)), wall_s(1991, 9, 14, 16, 30));
    assert_int_equal(kf_tz_to_utc(g_sh, wall_s(1991, 9, 15, 2, 30)), wall_s(1991, 9, 14, 18, 30));
    assert_int_equal(kf_tz_to_utc(g_sh, wall_s(1991, 9, 16, 12, 0)), wall_s(1991, 9, 16, 4, 0));
    assert_int_equal(kf_tz_to_utc(g_sh, wall_s(2099, 7, 1, 8, 0)), wall_s(2099, 7, 1, 0, 0));
    for (int64_t t = wall_s(1991, 3, 1, 0, 0); t < wall_s(1992, 3, 1, 0, 0); t += 7 * 3600) {
        int64_t back = kf_tz_to_utc(g_sh, t + kf_tz_offset(g_sh, t));
        assert_true(back == t || back == t - 3600);
        if (t >= wall_s(1991, 9, 14, 18, 0)) assert_int_equal(back, t);
    }

    kf_tz *utc;
    assert_int_equal(kf_tz_load(NULL, "UTC", &utc), KF_OK);
    assert_int_equal(kf_tz_offset(utc, wall_s(2026, 7, 1, 0, 0)), 0);
    assert_int_equal(kf_tz_to_utc(utc, 1234567890), 1234567890);
    kf_tz_free(utc);
}

static void test_tz_names(void **state)
{
    (void)state;
    kf_tz *tz = (kf_tz *)1;
    assert_int_equal(kf_tz_load(NULL, "Nowhere/Atlantis", &tz), KF_ENOTFOUND);
    assert_null(tz);
    assert_int_equal(kf_tz_load(NULL, "Asia", &tz), KF_ENOTFOUND); /* a directory */
    const char *bad[] = {"../etc/passwd", "/etc/passwd", "Asia/../UTC",    "",     "Asia//Shanghai",
                         "Asia/",         "zone.tab",    "Asia/Shang hai", "UTC\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(kf_tz_load(NULL, bad[i], &tz), KF_EINVAL);
    assert_int_equal(kf_tz_load(NULL, "Etc/GMT+8", &tz), KF_OK);
    assert_int_equal(kf_tz_offset(tz, 0), -8 * 3600);
    kf_tz_free(tz);
}

/* ---- crafted TZif files -------------------------------------------------- */

static unsigned char *put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return p + 4;
}

/* tzif_block: a header (VERSION) and data block with NT transitions (TSIZE
 * bytes each, to type 1 at TIMES[i]) and the types OFFS[0..NTYPES). */
static unsigned char *tzif_block(unsigned char *p, char version, int tsize, const int64_t *times,
                                 int nt, const int32_t *offs, int ntypes)
{
    memcpy(p, "TZif", 4);
    p[4] = (unsigned char)version;
    memset(p + 5, 0, 15);
    uint32_t counts[6] = {0, 0, 0, (uint32_t)nt, (uint32_t)ntypes, 4}; /* charcnt 4 */
    p += 20;
    for (int i = 0; i < 6; i++)
        p = put32(p, counts[i]);
    for (int i = 0; i < nt; i++) {
        if (tsize == 8) p = put32(p, (uint32_t)((uint64_t)times[i] >> 32));
        p = put32(p, (uint32_t)times[i]);
    }
    for (int i = 0; i < nt; i++)
        *p++ = 1;
    for (int i = 0; i < ntypes; i++) {
        p = put32(p, (uint32_t)offs[i]);
        *p++ = 0;
        *p++ = 0;
    }
    memcpy(p, "XYZ", 4);
    return p + 4;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void test_tz_files(void **state)
{
    (void)state;
    char dir[512];
    const char *tmp = getenv("KEFU_TEST_TMP");
    snprintf(dir, sizeof(dir), "%s/workcal-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (tmp && *tmp) mkdir(tmp, 0700); /* may exist already */
    assert_non_null(mkdtemp(dir));

    static unsigned char buf[2 * 1024 * 1024];
    int32_t offs[2] = {19800, 3600};
    int64_t t2100 = wall_s(2100, 1, 1, 0, 0);
    kf_tz *tz;

    /* no transitions: the first type throughout */
    unsigned char *end = tzif_block(buf, 0, 4, NULL, 0, offs, 1);
    write_file(dir, "Fixed", buf, (size_t)(end - buf));
    assert_int_equal(kf_tz_load(dir, "Fixed", &tz), KF_OK);
    assert_int_equal(kf_tz_offset(tz, 0), 19800);
    assert_int_equal(kf_tz_offset(tz, t2100), 19800);
    assert_int_equal(kf_tz_to_utc(tz, 100000), 100000 - 19800);
    kf_tz_free(tz);

    /* version 2: a transition past 2038 only the 64-bit block can hold */
    end = tzif_block(buf, '2', 4, NULL, 0, offs, 1);
    end = tzif_block(end, '2', 8, &t2100, 1, offs, 2);
    memcpy(end, "\n<+0530>-5:30\n", 14);
    write_file(dir, "Late", buf, (size_t)(end + 14 - buf));
    assert_int_equal(kf_tz_load(dir, "Late", &tz), KF_OK);
    assert_int_equal(kf_tz_offset(tz, t2100 - 1), 19800);
    assert_int_equal(kf_tz_offset(tz, t2100), 3600);
    assert_int_equal(kf_tz_offset(tz, INT64_MAX), 3600);
    kf_tz_free(tz);

    /* truncated, bad magic, a type index out of range, too big */
    write_file(dir, "Short", buf, (size_t)(end - buf) - 3);
    assert_int_equal(kf_tz_load(dir, "Short", &tz), KF_EINVAL);
    write_file(dir, "Magic", "TZix", 4);
    assert_int_equal(kf_tz_load(dir, "Magic", &tz), KF_EINVAL);
    end = tzif_block(buf, 0, 4, &t2100, 1, offs, 1); /* index 1 with one type */
    write_file(dir, "Index", buf, (size_t)(end - buf));
    assert_int_equal(kf_tz_load(dir, "Index", &tz), KF_EINVAL);
    memset(buf, 0, sizeof(buf));
    write_file(dir, "Big", buf, 1024 * 1024 + 1);
    assert_int_equal(kf_tz_load(dir, "Big", &tz), KF_EINVAL);

    const char *names[] = {"Fixed", "Late", "Short", "Magic", "Index", "Big"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[600];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void *cache_worker(void *arg)
{
    kf_tz_cache *c = arg;
    const char *zones[] = {"Asia/Shanghai", "America/New_York", "UTC", "Europe/Berlin"};
    for (int i = 0; i < 200; i++) {
        const kf_tz *tz = NULL;
        if (kf_tz_cache_get(c, zones[i % 4], &tz) != KF_OK || !tz) return (void *)1;
        if (strcmp(kf_tz_name(tz), zones[i % 4]) != 0) return (void *)1;
    }
    return NULL;
}

static void test_tz_cache(void **state)
{
    (void)state;
    kf_tz_cache *c = kf_tz_cache_new(NULL);
    assert_non_null(c);
    const kf_tz *a = NULL, *b = NULL;
    assert_int_equal(kf_tz_cache_get(c, "Asia/Shanghai", &a), KF_OK);
    assert_int_equal(kf_tz_cache_get(c, "Asia/Shanghai", &b), KF_OK);
    assert_ptr_equal(a, b);
    assert_int_equal(kf_tz_cache_get(c, "No/Such", &a), KF_ENOTFOUND);
    assert_int_equal(kf_tz_cache_get(c, "../etc/passwd", &a), KF_EINVAL);

    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, cache_worker, c), 0);
    for (int i = 0; i < 4; i++) {
        void *rc;
        pthread_join(th[i], &rc);
        assert_null(rc);
    }
    kf_tz_cache_free(c);
}

static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(kf_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(kf_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(kf_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(kf_days_from_civil(2026, 2, 14), 20498);
    assert_int_equal(kf_weekday(0), 3);                    /* 1970-01-01: Thursday */
    assert_int_equal(kf_weekday(20498), 5);                /* 2026-02-14: Saturday */
    assert_int_equal(kf_weekday(day_of("1969-12-28")), 6); /* a Sunday before 1970 */
    assert_int_equal(kf_weekday(day_of("2026-02-15")), 6);

    for (int64_t d = kf_days_from_civil(1600, 1, 1); d < kf_days_from_civil(2400, 1, 1); d++) {
        int y, m, dd;
        kf_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(kf_days_from_civil(y, m, dd), d);
    }

    int64_t d;
    assert_int_equal(kf_date_parse("2024-02-29", &d), 0);
    assert_int_equal(kf_date_parse("2000-02-29", &d), 0);
    assert_int_equal(kf_days_from_civil(2024, 3, 1) - kf_days_from_civil(2024, 2, 28), 2);
    assert_int_equal(kf_days_from_civil(2100, 3, 1) - kf_days_from_civil(2100, 2, 28), 1);
    const char *bad[] = {"2026-02-29",  "1900-02-29", "2026-02-30", "2026-04-31", "2026-13-01",
                         "2026-00-10",  "2026-01-00", "2026-2-14",  "2026-02-1",  "20260214",
                         "2026-02-14 ", "2026/02/14", "2026-02-1x", "",           "２０２６-02-14"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(kf_date_parse(bad[i], &d), -1);

    char out[11];
    kf_date_format(20498, out, sizeof(out));
    assert_string_equal(out, "2026-02-14");
    kf_date_format(-1, out, sizeof(out));
    assert_string_equal(out, "1969-12-31");
}

/* ---- working calendar ---------------------------------------------------- */

static void test_check_day(void **state)
{
    (void)state;
    static const struct {
        kf_work_window w[2];
        int n, want;
    } cases[] = {
        {{{510, 720}, {810, 1080}}, 2, 0},
        {{{0, 720}, {720, 1440}}, 2, 0}, /* touching */
        {{{0, 0}}, 0, 0},
        {{{480, 720}, {660, 780}}, 2, -1},  /* overlap */
        {{{810, 1080}, {510, 720}}, 2, -1}, /* unsorted */
        {{{1200, 1441}}, 1, -1},
        {{{600, 600}}, 1, -1},
        {{{700, 600}}, 1, -1},
        {{{-1, 600}}, 1, -1},
        {{{0, 60}}, KF_WORKCAL_MAX_WINDOWS + 1, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(kf_workcal_check_day(cases[i].w, cases[i].n), cases[i].want);
    assert_int_equal(kf_workcal_check_day(NULL, 0), 0);
}

static void test_add_spring_festival(void **state)
{
    (void)state;
    kf_workcal c = office(g_sh, 1);
    /* Fri 02-13 16:00–18:00 (2 h), Sat 02-14 make-up (8 h), 02-15..23 off,
     * Tue 02-24 (8 h), Wed 02-25 08:30–12:00 (3.5 h) and 13:30–16:00 (2.5 h) */
    assert_int_equal(add(&c, sh(2026, 2, 13, 16, 0), 24 * HOUR_MS), sh(2026, 2, 25, 16, 0));
    assert_int_equal(add(&c, sh(2026, 2, 13, 16, 0), 24 * HOUR_MS), utc_ms(2026, 2, 25, 8, 0));
    /* without the make-up day the Saturday is off */
    kf_workcal plain = office(g_sh, 0);
    assert_int_equal(add(&plain, sh(2026, 2, 13, 16, 0), 11 * HOUR_MS), sh(2026, 2, 17, 9, 30));
    assert_int_equal(add(&c, sh(2026, 2, 13, 16, 0), 11 * HOUR_MS), sh(2026, 2, 24, 9, 30));
    assert_int_equal(add(&c, sh(2026, 2, 13, 16, 0), 9 * HOUR_MS + 30 * MIN_MS),
                     sh(2026, 2, 14, 17, 30));

    /* make-up Saturday 02-28 counts; the Saturday after does not */
    assert_true(kf_workcal_is_working(&c, sh(2026, 2, 28, 10, 0)));
    assert_false(kf_workcal_is_working(&c, sh(2026, 3, 7, 10, 0)));
    assert_int_equal(add(&c, sh(2026, 2, 27, 17, 0), 2 * HOUR_MS), sh(2026, 2, 28, 9, 30));
    /* make-up Sunday 01-04 uses Monday's windows; New Year's Day is off */
    assert_true(kf_workcal_is_working(&c, sh(2026, 1, 4, 14, 0)));
    assert_false(kf_workcal_is_working(&c, sh(2026, 1, 1, 10, 0)));
    /* National Day: Wed 09-30 17:00 + 2 h, 10-01..07 off */
    assert_int_equal(add(&c, sh(2026, 9, 30, 17, 0), 2 * HOUR_MS), sh(2026, 10, 8, 9, 30));
    /* Labour Day then the make-up Saturday 05-09: Thu 04-30 17:00 + 1 h + 8 h */
    assert_int_equal(add(&c, sh(2026, 4, 30, 17, 0), 9 * HOUR_MS), sh(2026, 5, 6, 18, 0));
    assert_int_equal(add(&c, sh(2026, 5, 8, 17, 0), 2 * HOUR_MS), sh(2026, 5, 9, 9, 30));
}

static void test_add_ordinary(void **state)
{
    (void)state;
    kf_workcal c = office(g_sh, 1);
    /* Monday 2026-03-02: lunch is skipped */
    assert_int_equal(add(&c, sh(2026, 3, 2, 11, 0), 3 * HOUR_MS), sh(2026, 3, 2, 15, 30));
    assert_int_equal(add(&c, sh(2026, 3, 2, 7, 0), HOUR_MS), sh(2026, 3, 2, 9, 30));
    assert_int_equal(add(&c, sh(2026, 3, 2, 19, 0), HOUR_MS), sh(2026, 3, 3, 9, 30));
    assert_int_equal(add(&c, sh(2026, 3, 2, 12, 30), 30 * MIN_MS), sh(2026, 3, 2, 14, 0));
    assert_int_equal(add(&c, sh(2026, 3, 7, 10, 0), HOUR_MS), sh(2026, 3, 9, 9, 30));
    assert_int_equal(add(&c, sh(2026, 3, 8, 23, 59), HOUR_MS), sh(2026, 3, 9, 9, 30));
    /* ending exactly at closing time stays on that day */
    assert_int_equal(add(&c, sh(2026, 3, 6, 17, 0), HOUR_MS), sh(2026, 3, 6, 18, 0));
    assert_int_equal(add(&c, sh(2026, 3, 6, 17, 0), HOUR_MS + 1), sh(2026, 3, 9, 8, 30) + 1);
    /* milliseconds inside a window */
    int64_t from = sh(2026, 3, 2, 11, 59) + 59500;
    assert_int_equal(add(&c, from, 1000), sh(2026, 3, 2, 13, 30) + 500);
    assert_int_equal(kf_workcal_between(&c, from, sh(2026, 3, 2, 13, 30) + 500), 1000);
    /* three working days from a Friday afternoon */
    assert_int_equal(add(&c, sh(2026, 3, 6, 15, 0), 24 * HOUR_MS), sh(2026, 3, 11, 15, 0));
    /* nothing to add */
    assert_int_equal(add(&c, sh(2026, 3, 7, 10, 0) + 7, 0), sh(2026, 3, 7, 10, 0) + 7);
    int64_t out;
    assert_int_equal(kf_workcal_add(&c, 0, -1, &out), KF_EINVAL);

    assert_true(kf_workcal_is_working(&c, sh(2026, 3, 2, 8, 30)));
    assert_false(kf_workcal_is_working(&c, sh(2026, 3, 2, 12, 0)));
    assert_false(kf_workcal_is_working(&c, sh(2026, 3, 2, 8, 30) - 1));
    assert_int_equal(kf_workcal_between(&c, sh(2026, 3, 2, 0, 0), sh(2026, 3, 9, 0, 0)),
                     40 * HOUR_MS);
    assert_int_equal(kf_workcal_between(&c, sh(2026, 3, 9, 0, 0), sh(2026, 3, 2, 0, 0)), 0);
    /* February 2026: 20 weekdays, 6 of them in the festival, plus 2 make-up days */
    assert_int_equal(kf_workcal_between(&c, sh(2026, 2, 1, 0, 0), sh(2026, 3, 1, 0, 0)),
                     16 * 8 * HOUR_MS);
}

static uint64_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 17;
}

/* Case I of a random walk: every third in New York's calendar, the others in
 * Shanghai's; *FROM somewhere in the year after START. */
static const kf_workcal *random_case(int i, const kf_workcal *sh, const kf_workcal *ny,
                                     uint64_t *seed, int64_t start, int64_t *from)
{
    *from = start + (int64_t)(rnd(seed) % (uint64_t)(365 * 24 * HOUR_MS));
    return i % 3 == 2 ? ny : sh;
}

static void test_add_between_inverse(void **state)
{
    (void)state;
    kf_workcal c = office(g_sh, 1);
    kf_workcal ny = office(g_ny, 0);
    uint64_t seed = 20260214;
    for (int i = 0; i < 3000; i++) {
        int64_t from;
        const kf_workcal *cal =
            random_case(i, &c, &ny, &seed, utc_ms(2026, 1, 1, 0, 0) - 2 * 24 * HOUR_MS, &from);
        int64_t work = (int64_t)(rnd(&seed) % (uint64_t)(5 * 8 * HOUR_MS));
        if (i % 4 == 0) work -= work % MIN_MS; /* often whole minutes */
        int64_t out = add(cal, from, work);
        assert_true(out >= from);
        assert_int_equal(kf_workcal_between(cal, from, out), work);
        if (work > 0) {
            assert_int_equal(kf_workcal_between(cal, from, out - 1), work - 1);
            assert_true(kf_workcal_is_working(cal, out - 1));
        }
        /* and the other way round: between, then add */
        int64_t b = from + (int64_t)(rnd(&seed) % (uint64_t)(20 * 24 * HOUR_MS));
        int64_t w = kf_workcal_between(cal, from, b);
        int64_t back = add(cal, from, w);
        assert_true(back <= b);
        assert_int_equal(kf_workcal_between(cal, from, back), w);
    }
}

/* A clock's reminder, due and escalation instants in one walk: each as one add
 * gives it, equal amounts and zeros too; amounts out of order are refused. */
static void test_add_each(void **state)
{
    (void)state;
    kf_workcal c = office(g_sh, 1);
    kf_workcal ny = office(g_ny, 0);
    uint64_t seed = 20261123;
    for (int i = 0; i < 2000; i++) {
        int64_t from, work[4], out[4];
        const kf_workcal *cal = random_case(i, &c, &ny, &seed, utc_ms(2026, 1, 1, 0, 0), &from);
        int n = 1 + (int)(rnd(&seed) % 4);
        for (int k = 0; k < n; k++) {
            int64_t step = (int64_t)(rnd(&seed) % (uint64_t)(3 * 8 * HOUR_MS));
            if (rnd(&seed) % 4 == 0) step = 0;
            work[k] = (k ? work[k - 1] : 0) + step;
        }
        assert_int_equal(kf_workcal_add_each(cal, from, work, n, out), KF_OK);
        for (int k = 0; k < n; k++)
            assert_int_equal(out[k], add(cal, from, work[k]));
    }
    int64_t from = sh(2026, 2, 13, 16, 0), work[] = {24 * HOUR_MS, HOUR_MS}, out[2];
    assert_int_equal(kf_workcal_add_each(&c, from, work, 2, out), KF_EINVAL);
    assert_int_equal(out[0], from);
    assert_int_equal(out[1], from);
    int64_t festival[] = {2 * HOUR_MS, 10 * HOUR_MS, 24 * HOUR_MS};
    int64_t at[3];
    assert_int_equal(kf_workcal_add_each(&c, from, festival, 3, at), KF_OK);
    assert_int_equal(at[0], sh(2026, 2, 13, 18, 0));
    assert_int_equal(at[1], sh(2026, 2, 14, 18, 0));
    assert_int_equal(at[2], sh(2026, 2, 25, 16, 0));
}

static void test_no_time(void **state)
{
    (void)state;
    kf_workcal c;
    memset(&c, 0, sizeof(c));
    c.tz = g_sh;
    int64_t out;
    assert_false(kf_workcal_has_time(&c));
    assert_int_equal(kf_workcal_add(&c, sh(2026, 3, 2, 9, 0), HOUR_MS, &out), KF_EINVAL);
    assert_int_equal(kf_workcal_between(&c, 0, sh(2026, 3, 2, 9, 0)), 0);
    assert_false(kf_workcal_is_working(&c, sh(2026, 3, 2, 9, 0)));

    /* Mondays only, and every Monday for 21 years a holiday: the walk gives up */
    static kf_special_day mondays[21 * 53];
    kf_workcal m;
    memset(&m, 0, sizeof(m));
    m.week[0][0] = (kf_work_window){540, 1020};
    m.nwindows[0] = 1;
    m.tz = g_sh;
    int64_t first = day_of("2026-03-02");
    for (size_t i = 0; i < sizeof(mondays) / sizeof(mondays[0]); i++)
        mondays[i] = (kf_special_day){first + 7 * (int64_t)i, KF_DAY_HOLIDAY};
    m.special = mondays;
    m.nspecial = sizeof(mondays) / sizeof(mondays[0]);
    assert_true(kf_workcal_has_time(&m));
    assert_int_equal(kf_workcal_add(&m, sh(2026, 3, 1, 9, 0), HOUR_MS, &out), KF_EINVAL);
    assert_int_equal(kf_workcal_add(&m, sh(2026, 2, 23, 9, 0), HOUR_MS, &out), KF_OK);
    assert_int_equal(out, sh(2026, 2, 23, 10, 0));
}

static void test_dst_calendar(void **state)
{
    (void)state;
    kf_workcal c = office(g_ny, 0);
    /* Fri 2026-03-06 17:00 EST (22:00Z) + 2 h: Mon 03-09 09:30 EDT (13:30Z) */
    assert_int_equal(add(&c, utc_ms(2026, 3, 6, 22, 0), 2 * HOUR_MS), utc_ms(2026, 3, 9, 13, 30));
    assert_true(kf_workcal_is_working(&c, utc_ms(2026, 3, 9, 12, 30)));
    assert_false(kf_workcal_is_working(&c, utc_ms(2026, 3, 9, 12, 30) - 1));
    assert_true(kf_workcal_is_working(&c, utc_ms(2026, 3, 6, 13, 30)));
    assert_false(kf_workcal_is_working(&c, utc_ms(2026, 3, 6, 13, 29)));
    /* the same week in November: Mon 11-02 08:30 EST is 13:30Z */
    assert_int_equal(add(&c, utc_ms(2026, 10, 30, 21, 0), 2 * HOUR_MS),
                     utc_ms(2026, 11, 2, 14, 30));
    assert_int_equal(kf_workcal_between(&c, utc_ms(2026, 3, 2, 5, 0), utc_ms(2026, 3, 16, 4, 0)),
                     80 * HOUR_MS);

    /* a Sunday window across the jumps counts real time */
    c.week[6][0] = (kf_work_window){60, 240};
    c.nwindows[6] = 1;
    assert_int_equal(kf_workcal_between(&c, utc_ms(2026, 3, 8, 0, 0), utc_ms(2026, 3, 9, 0, 0)),
                     2 * HOUR_MS);
    assert_int_equal(kf_workcal_between(&c, utc_ms(2026, 11, 1, 0, 0), utc_ms(2026, 11, 2, 0, 0)),
                     4 * HOUR_MS);
    assert_int_equal(kf_workcal_between(&c, utc_ms(2026, 3, 15, 0, 0), utc_ms(2026, 3, 16, 0, 0)),
                     3 * HOUR_MS);
}

/* ---- iCalendar ----------------------------------------------------------- */

static const char *ical_error(const char *text, size_t max, int *line)
{
    kf_ical_day *days = (kf_ical_day *)1;
    size_t n = 99;
    const char *reason = NULL;
    assert_int_equal(kf_ical_days(text, strlen(text), max, &days, &n, &reason, line), KF_EINVAL);
    assert_null(days);
    assert_int_equal(n, 0);
    return reason;
}

static void test_ical(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF"
                       "BEGIN:VCALENDAR\r\n"
                       "VERSION:2.0\r\n"
                       "PRODID:-//kefu//test//CN\r\n"
                       "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\nBEGIN:STANDARD\r\n"
                       "DTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
                       "BEGIN:VEVENT\r\n"
                       "DTSTART;VALUE=DATE:20260215\r\n"
                       "dtend;value=date:20260224\r\n"
                       "SUMMARY;LANGUAGE=zh-CN:春节\r\n"
                       "BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nDTSTART:20260214T090000\r\n"
                       "END:VALARM\r\n"
                       "END:VEVENT\r\n"
                       "BEGIN:VEVENT\n"
                       "SUMMARY:春节补班\n"
                       "DTSTART;VALUE=DATE:20260214\n"
                       "END:VEVENT\n"
                       "BEGIN:VEVENT\r\n"
                       "DTSTART;VALUE=DATE:20260101\r\n"
                       "DURATION:P3D\r\n"
                       "SUMMARY:元旦\\, New Year\\; \\\\ day\\n\r\n"
                       "  off \xE5\x85\r\n"
                       "\t\x83\r\n"
                       "END:VEVENT\r\n"
                       "BEGIN:VEVENT\r\n"
                       "DTSTART;VALUE=DATE:20260104\r\n"
                       "DTEND;VALUE=DATE:20260105\r\n"
                       "SUMMARY:Make-up\r\n"
                       "X-KEFU-KIND:workday\r\n"
                       "END:VEVENT\r\n"
                       "END:VCALENDAR\r\n"
                       "BEGIN:VEVENT\r\nDTSTART:bogus\r\n";
    kf_ical_day *days = NULL;
    size_t n = 0;
    const char *reason = "x";
    int line = -1;
    assert_int_equal(kf_ical_days(text, strlen(text), 100, &days, &n, &reason, &line), KF_OK);
    assert_null(reason);
    assert_int_equal(n, 9 + 1 + 3 + 1);
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(days[i].day, day_of("2026-02-15") + (int64_t)i);
        assert_int_equal(days[i].kind, KF_DAY_HOLIDAY);
        assert_string_equal(days[i].name, "春节");
    }
    assert_int_equal(days[9].day, day_of("2026-02-14"));
    assert_int_equal(days[9].kind, KF_DAY_WORKDAY);
    assert_string_equal(days[9].name, "春节补班");
    for (size_t i = 10; i < 13; i++) {
        assert_int_equal(days[i].day, day_of("2026-01-01") + (int64_t)(i - 10));
        assert_int_equal(days[i].kind, KF_DAY_HOLIDAY);
        assert_string_equal(days[i].name, "元旦, New Year; \\ day\n off 元");
    }
    assert_int_equal(days[13].day, day_of("2026-01-04"));
    assert_int_equal(days[13].kind, KF_DAY_WORKDAY);
    free(days);

    /* a long SUMMARY is cut at a character boundary */
    char big[512];
    strcpy(big, "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261001\nSUMMARY:A");
    for (int i = 0; i < 30; i++)
        strcat(big, "节");
    strcat(big, "\nEND:VEVENT\nEND:VCALENDAR\n");
    assert_int_equal(kf_ical_days(big, strlen(big), 10, &days, &n, &reason, &line), KF_OK);
    assert_int_equal(n, 1);
    assert_int_equal(strlen(days[0].name), 1 + 20 * 3);
    assert_int_equal(days[0].kind, KF_DAY_HOLIDAY);
    free(days);

    /* an empty calendar */
    const char *none = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    assert_int_equal(kf_ical_days(none, strlen(none), 10, &days, &n, NULL, NULL), KF_OK);
    assert_int_equal(n, 0);
    free(days);
}

static void test_ical_errors(void **state)
{
    (void)state;
    /* BODY follows "BEGIN:VCALENDAR\nBEGIN:VEVENT\n" (lines 1–2) */
    static const struct {
        const char *body;
        size_t max;
        const char *reason;
        int line;
    } cases[] = {
        {"DTSTART;VALUE=DATE:20260230\nEND:VEVENT\n", 10, "bad_date", 3},
        {"SUMMARY:x\nDTSTART:2026-02-15\nEND:VEVENT\n", 10, "bad_date", 4},
        {"DTSTART:20260215\nDTEND:20260214\nEND:VEVENT\n", 10, "bad_date", 2},
        {"SUMMARY:no start\nEND:VEVENT\n", 10, "bad_date", 2},
        {"DTSTART:20260215\nDURATION:PT1H\nEND:VEVENT\n", 10, "bad_date", 4},
        {"DTSTART;TZID=Asia/Shanghai:20260215T090000\nEND:VEVENT\n", 10, "timed_event", 3},
        {"DTSTART:20260215\nDTEND:20260216T010000Z\nEND:VEVENT\n", 10, "timed_event", 4},
        {"DTSTART:20260215\nDTEND:20260224\nEND:VEVENT\n", 8, "too_many_days", 2},
        {"DTSTART:20260101\nDTEND:20270103\nEND:VEVENT\n", 1000, "event_too_long", 2},
        {"DTSTART:20260101\nDURATION:P999999999999D\nEND:VEVENT\n", 1000, "event_too_long", 2},
    };
    char buf[256];
    int line = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(buf, sizeof(buf), "BEGIN:VCALENDAR\nBEGIN:VEVENT\n%s", cases[i].body);
        assert_string_equal(ical_error(buf, cases[i].max, &line), cases[i].reason);
        assert_int_equal(line, cases[i].line);
    }
    assert_string_equal(ical_error("hello\r\n", 10, &line), "not_icalendar");
    assert_int_equal(line, 1);
    assert_string_equal(ical_error("", 10, &line), "not_icalendar");
    assert_string_equal(ical_error("\n\nBEGIN:VEVENT\n", 10, &line), "not_icalendar");
    assert_int_equal(line, 3);

    /* nine days fit in nine */
    kf_ical_day *days;
    size_t n;
    const char *nine = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260215\nDTEND:20260224\n"
                       "END:VEVENT\n";
    assert_int_equal(kf_ical_days(nine, strlen(nine), 9, &days, &n, NULL, NULL), KF_OK);
    assert_int_equal(n, 9);
    free(days);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz_offsets),   cmocka_unit_test(test_tz_to_utc),
        cmocka_unit_test(test_tz_names),     cmocka_unit_test(test_tz_files),
        cmocka_unit_test(test_tz_cache),     cmocka_unit_test(test_dates),
        cmocka_unit_test(test_check_day),    cmocka_unit_test(test_add_spring_festival),
        cmocka_unit_test(test_add_ordinary), cmocka_unit_test(test_add_between_inverse),
        cmocka_unit_test(test_add_each),     cmocka_unit_test(test_no_time),
        cmocka_unit_test(test_dst_calendar), cmocka_unit_test(test_ical),
        cmocka_unit_test(test_ical_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
