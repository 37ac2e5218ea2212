/* The table writer (src/report/table_out.h): CSV byte for byte (BOM, quoting,
 * CRLF, the formula guard, fen, ratios, decimals and local times, several
 * sheets), misuse, a full disk, temporary files handed over as descriptors,
 * and an .xlsx of 200,000 rows written in flat memory. What the workbook holds
 * is read back by check_table_xlsx.py. */
#include "core/err.h"
#include "report/table_out.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
#ifdef HAVE_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
const char *__asan_default_options(void);
/* ASan holds freed memory back (256 MB by default) to catch use after free;
 * cycling 200,000 rows' worth of small allocations through that made the
 * memory test 2-3x slower (page faults) and its RSS meaningless. 8 MB still
 * catches a use right after a free. ASAN_OPTIONS overrides this. */
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=8";
}
#endif

#define BOM "\xEF\xBB\xBF"

static char g_dir[512];

static const char *tmp_dir(void)
{
    if (!g_dir[0]) {
        const char *base = getenv("KEFU_TEST_TMP");
        snprintf(g_dir, sizeof(g_dir), "%s/table_out", base && *base ? base : "/tmp");
        if (base && *base) mkdir(base, 0700);
        mkdir(g_dir, 0700);
    }
    return g_dir;
}

static char *tmp_path(const char *name)
{
    static char path[640];
    snprintf(path, sizeof(path), "%s/%s", tmp_dir(), name);
    return path;
}

/* slurp: the whole file PATH (malloc'd, NUL-terminated); *LEN its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    data[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return data;
}

static void assert_file(const char *path, const char *expect)
{
    size_t len;
    char *got = slurp(path, &len);
    if (len != strlen(expect) || memcmp(got, expect, len) != 0) {
        print_error("expected: [%s]\n     got: [%s]\n", expect, got);
        fail();
    }
    free(got);
}

static kf_table_out *csv_open(const char *name, const char *tz)
{
    kf_table_out *t;
    assert_int_equal(kf_table_open(KF_TABLE_CSV, tmp_path(name), tz, &t), KF_OK);
    return t;
}

static void test_csv_text(void **state)
{
    (void)state;
    kf_table_out *t = csv_open("text.csv", NULL);
    static const kf_table_col cols[] = {{"名称", KF_COL_TEXT, 0}, {"备注", KF_COL_TEXT, 0}};
    assert_int_equal(kf_table_sheet(t, "S", NULL, cols, 2), KF_OK);
    /* quoting: comma, quote, LF, CR; plain text is left bare */
    const char *cells[] = {
        "plain",
        "a,b",
        "say \"hi\"",
        "line1\nline2",
        "cr\rx",
        "",
        NULL,
        "3栋2单元",
        /* the formula guard */
        "=1+1",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rfoo",
        "=a,\"b\"",
        /* plain numbers cannot be formulas: left alone */
        "-1",
        "+86",
        "-1.5",
        "1-2",
        "-",
        "-1.",
        /* invalid UTF-8 becomes U+FFFD */
        "a\xFF"
        "b",
        "\xE6\xB0",
    };
    size_t n = sizeof(cells) / sizeof(cells[0]);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(kf_table_text(t, cells[i]), KF_OK);
        if (i % 2) assert_int_equal(kf_table_row_end(t), KF_OK);
    }
    assert_int_equal(kf_table_close(t), KF_OK); /* ends the last row */
    assert_file(tmp_path("text.csv"), BOM "S\r\n"
                                          "名称,备注\r\n"
                                          "plain,\"a,b\"\r\n"
                                          "\"say \"\"hi\"\"\",\"line1\nline2\"\r\n"
                                          "\"cr\rx\",\r\n"
                                          ",3栋2单元\r\n"
                                          "'=1+1,'+cmd|' /C calc'!A0\r\n"
                                          "'-2+3,'@SUM(A1)\r\n"
                                          "'\tx,\"'\rfoo\"\r\n"
                                          "\"'=a,\"\"b\"\"\",-1\r\n"
                                          "+86,-1.5\r\n"
                                          "1-2,'-\r\n"
                                          "'-1.,a\xEF\xBF\xBD"
                                          "b\r\n"
                                          "\xEF\xBF\xBD\xEF\xBF\xBD,\r\n");
}

static void test_csv_numbers(void **state)
{
    (void)state;
    kf_table_out *t = csv_open("numbers.csv", "Asia/Shanghai");
    static const kf_table_col cols[] = {
        {"数量", KF_COL_INT, 0},     {"金额", KF_COL_FEN, 0},  {"满意率", KF_COL_RATIO, 0},
        {"时长", KF_COL_DECIMAL, 0}, {"时间", KF_COL_TIME, 0},
    };
    assert_int_equal(kf_table_sheet(t, "数字", NULL, cols, 5), KF_OK);
    struct {
        int64_t i, fen;
        double ratio, dec;
        int64_t ms;
    } rows[] = {
        {0, 0, 0.0, 0.0, 1774420200000LL},           /* 2026-03-25T06:30Z */
        {-7, 5, 0.875, 12.5, 0},                     /* 1970-01-01 08:00 local */
        {1234567, -5, 1.0, 1.15, -1},                /* one ms before the epoch */
        {-1, 1234, 0.12345, 1.25, 1774420259999LL},  /* seconds are cut, not rounded */
        {42, -1234, 0.0005, -1.25, 1774368000000LL}, /* 2026-03-24T16:00Z: midnight */
        {INT64_MIN, 100, 0.00049, 0.04, 253402214400000LL - 8 * 3600000LL}, /* 9999-12-31 */
        {INT64_MAX, INT64_MIN, -0.00001, -0.04, INT64_MAX},                 /* out of range */
        {1, INT64_MAX, 1.0 / 3, 1e20, INT64_MIN},
        {2, 99, 2.0 / 3, -2.05, 1774420200000LL},
    };
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        assert_int_equal(kf_table_int(t, rows[r].i), KF_OK);
        assert_int_equal(kf_table_int(t, rows[r].fen), KF_OK);
        assert_int_equal(kf_table_real(t, rows[r].ratio), KF_OK);
        assert_int_equal(kf_table_real(t, rows[r].dec), KF_OK);
        assert_int_equal(kf_table_int(t, rows[r].ms), KF_OK);
        assert_int_equal(kf_table_row_end(t), KF_OK);
    }
    /* absent values: NaN, infinities; integers in real columns */
    assert_int_equal(kf_table_empty(t), KF_OK);
    assert_int_equal(kf_table_empty(t), KF_OK);
    assert_int_equal(kf_table_real(t, NAN), KF_OK);
    assert_int_equal(kf_table_real(t, INFINITY), KF_OK);
    assert_int_equal(kf_table_row_end(t), KF_OK);
    assert_int_equal(kf_table_empty(t), KF_OK);
    assert_int_equal(kf_table_empty(t), KF_OK);
    assert_int_equal(kf_table_int(t, 1), KF_OK);
    assert_int_equal(kf_table_int(t, 3), KF_OK);
    assert_int_equal(kf_table_row_end(t), KF_OK);
    assert_int_equal(kf_table_close(t), KF_OK);
    assert_file(tmp_path("numbers.csv"),
                BOM "数字\r\n"
                    "数量,金额,满意率,时长,时间\r\n"
                    "0,0.00,0.0%,0.0,2026-03-25 14:30\r\n"
                    "-7,0.05,87.5%,12.5,1970-01-01 08:00\r\n"
                    "1234567,-0.05,100.0%,1.2,1970-01-01 07:59\r\n"
                    "-1,12.34,12.3%,1.3,2026-03-25 14:30\r\n"
                    "42,-12.34,0.1%,-1.3,2026-03-25 00:00\r\n"
                    "-9223372036854775808,1.00,0.0%,0.0,9999-12-31 00:00\r\n"
                    "9223372036854775807,-92233720368547758.08,0.0%,0.0,\r\n"
                    "1,92233720368547758.07,33.3%,100000000000000000000.0,\r\n"
                    "2,0.99,66.7%,-2.1,2026-03-25 14:30\r\n"
                    ",,,,\r\n"
                    ",,100.0%,3.0,\r\n");
}

static void test_csv_time_utc(void **state)
{
    (void)state;
    kf_table_out *t = csv_open("utc.csv", NULL); /* no zone: UTC */
    static const kf_table_col cols[] = {{"t", KF_COL_TIME, 0}};
    assert_int_equal(kf_table_sheet(t, "t", NULL, cols, 1), KF_OK);
    kf_table_int(t, 1774420200000LL);
    kf_table_row_end(t);
    kf_table_int(t, -60000); /* 1969-12-31 23:59 */
    assert_int_equal(kf_table_close(t), KF_OK);
    assert_file(tmp_path("utc.csv"), BOM "t\r\nt\r\n2026-03-25 06:30\r\n1969-12-31 23:59\r\n");
}

static void test_csv_sheets(void **state)
{
    (void)state;
    kf_table_out *t = csv_open("sheets.csv", "Asia/Shanghai");
    static const kf_table_col a[] = {
        {"项目", KF_COL_TEXT, 0}, {"工单数", KF_COL_INT, 0}, {"收费", KF_COL_FEN, 0}};
    static const kf_table_col b[] = {{"工单号", KF_COL_TEXT, 0}, {"=危险", KF_COL_TEXT, 0}};
    assert_int_equal(kf_table_sheet(t, "概览", "物业服务中心 2026年3月 月报", a, 3), KF_OK);
    kf_table_text(t, "一期");
    kf_table_int(t, 12);
    kf_table_int(t, 250000);
    kf_table_row_end(t);
    kf_table_text(t, "二期"); /* a short row, ended by the next sheet */
    assert_int_equal(kf_table_sheet(t, "明细", NULL, b, 2), KF_OK);
    kf_table_text(t, "T-1");
    kf_table_row_end(t);
    assert_int_equal(kf_table_sheet(t, "空表", NULL, b, 2), KF_OK); /* no rows */
    assert_int_equal(kf_table_close(t), KF_OK);
    assert_file(tmp_path("sheets.csv"), BOM "物业服务中心 2026年3月 月报\r\n"
                                            "项目,工单数,收费\r\n"
                                            "一期,12,2500.00\r\n"
                                            "二期,,\r\n"
                                            "\r\n"
                                            "明细\r\n"
                                            "工单号,'=危险\r\n"
                                            "T-1,\r\n"
                                            "\r\n"
                                            "空表\r\n"
                                            "工单号,'=危险\r\n");
}

static void test_misuse(void **state)
{
    (void)state;
    static const kf_table_col cols[] = {{"a", KF_COL_TEXT, 0}, {"b", KF_COL_FEN, 0}};
    kf_table_out *t;

    /* a cell before any sheet, and the error sticks */
    t = csv_open("misuse1.csv", NULL);
    assert_int_equal(kf_table_text(t, "x"), KF_EINVAL);
    assert_int_equal(kf_table_sheet(t, "s", NULL, cols, 2), KF_EINVAL);
    assert_int_equal(kf_table_close(t), KF_EINVAL);

    t = csv_open("misuse2.csv", NULL);
    assert_int_equal(kf_table_row_end(t), KF_EINVAL);
    assert_int_equal(kf_table_close(t), KF_EINVAL);

    /* more cells than columns */
    for (int fmt = 0; fmt < 2; fmt++) {
        assert_int_equal(kf_table_open(fmt == 0 ? KF_TABLE_CSV : KF_TABLE_XLSX,
                                       tmp_path(fmt == 0 ? "misuse3.csv" : "misuse3.xlsx"), NULL,
                                       &t),
                         KF_OK);
        assert_int_equal(kf_table_sheet(t, "s", NULL, cols, 2), KF_OK);
        assert_int_equal(kf_table_text(t, "x"), KF_OK);
        assert_int_equal(kf_table_int(t, 1), KF_OK);
        assert_int_equal(kf_table_empty(t), KF_EINVAL);
        assert_int_equal(kf_table_row_end(t), KF_EINVAL);
        assert_int_equal(kf_table_close(t), KF_EINVAL);
    }

    /* values a column cannot hold */
    t = csv_open("misuse4.csv", NULL);
    assert_int_equal(kf_table_sheet(t, "s", NULL, cols, 2), KF_OK);
    assert_int_equal(kf_table_int(t, 1), KF_EINVAL); /* an integer in a text column */
    assert_int_equal(kf_table_close(t), KF_EINVAL);
    t = csv_open("misuse5.csv", NULL);
    assert_int_equal(kf_table_sheet(t, "s", NULL, cols, 2), KF_OK);
    assert_int_equal(kf_table_text(t, "x"), KF_OK);
    assert_int_equal(kf_table_real(t, 1.5), KF_EINVAL); /* money is integer fen */
    assert_int_equal(kf_table_close(t), KF_EINVAL);

    /* bad sheets */
    t = csv_open("misuse6.csv", NULL);
    assert_int_equal(kf_table_sheet(t, "s", NULL, cols, 0), KF_EINVAL);
    assert_int_equal(kf_table_close(t), KF_EINVAL);
    t = csv_open("misuse7.csv", NULL);
    static const kf_table_col bad[] = {{"a", (kf_col_kind)42, 0}};
    assert_int_equal(kf_table_sheet(t, "s", NULL, bad, 1), KF_EINVAL);
    assert_int_equal(kf_table_close(t), KF_EINVAL);
    t = csv_open("misuse8.csv", NULL);
    assert_int_equal(kf_table_sheet(t, NULL, NULL, cols, 2), KF_EINVAL);
    assert_int_equal(kf_table_close(t), KF_EINVAL);

    /* opening */
    t = (kf_table_out *)1;
    assert_int_equal(kf_table_open(KF_TABLE_CSV, tmp_path("x.csv"), "Nowhere/Atlantis", &t),
                     KF_ENOTFOUND);
    assert_null(t);
    assert_int_equal(kf_table_open(KF_TABLE_CSV, tmp_path("x.csv"), "../etc", &t), KF_EINVAL);
    assert_int_equal(kf_table_open(KF_TABLE_CSV, "/nonexistent/dir/x.csv", NULL, &t), KF_EIO);
    assert_null(t);
    assert_int_equal(kf_table_open(KF_TABLE_XLSX, "/nonexistent/dir/x.xlsx", NULL, &t), KF_EIO);
    assert_null(t);
    assert_int_equal(kf_table_open((kf_table_format)7, tmp_path("x.csv"), NULL, &t), KF_EINVAL);
    assert_int_equal(kf_table_close(NULL), KF_OK);
    int fd;
    uint64_t size;
    assert_int_equal(kf_table_close_fd(NULL, &fd, &size), KF_EINVAL);
    t = csv_open("misuse9.csv", NULL); /* not a temporary file: no descriptor to hand over */
    assert_int_equal(kf_table_close_fd(t, &fd, &size), KF_EINVAL);
    assert_int_equal(fd, -1);
}

/* A full disk is an error from kf_table_close, never a short file that looks
 * fine: /dev/full refuses every write with ENOSPC. */
static void test_full_disk(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0) skip();
    static const kf_table_col cols[] = {{"a", KF_COL_TEXT, 0}, {"b", KF_COL_INT, 0}};
    for (int fmt = 0; fmt < 2; fmt++) {
        kf_table_out *t;
        assert_int_equal(kf_table_open(fmt ? KF_TABLE_XLSX : KF_TABLE_CSV, "/dev/full", NULL, &t),
                         KF_OK);
        assert_int_equal(kf_table_sheet(t, "s", NULL, cols, 2), KF_OK);
        int rc = KF_OK;
        for (int i = 0; i < 20000 && rc == KF_OK; i++) { /* more than the buffer holds */
            kf_table_text(t, "水管漏水，请尽快处理");
            kf_table_int(t, i);
            rc = kf_table_row_end(t);
        }
        if (fmt == 0) assert_int_equal(rc, KF_EIO); /* seen as soon as the buffer is flushed */
        assert_int_equal(kf_table_close(t), KF_EIO);
    }
}

static int count_temp_files(void)
{
    DIR *d = opendir(tmp_dir());
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strncmp(e->d_name, "kefu-export-", 12) == 0;
    closedir(d);
    return n;
}

static void test_temp_fd(void **state)
{
    (void)state;
    static const kf_table_col cols[] = {{"名称", KF_COL_TEXT, 0}, {"金额", KF_COL_FEN, 0}};
    assert_int_equal(count_temp_files(), 0);
    for (int fmt = 0; fmt < 2; fmt++) {
        kf_table_out *t;
        kf_table_format f = fmt ? KF_TABLE_XLSX : KF_TABLE_CSV;
        assert_int_equal(kf_table_open_temp(f, tmp_dir(), "Asia/Shanghai", &t), KF_OK);
        /* CSV is nameless from the start; the workbook has a name until it is closed */
        assert_int_equal(count_temp_files(), fmt ? 1 : 0);
        assert_int_equal(kf_table_sheet(t, "s", NULL, cols, 2), KF_OK);
        kf_table_text(t, "一期");
        kf_table_int(t, 1999);
        int fd;
        uint64_t size;
        assert_int_equal(kf_table_close_fd(t, &fd, &size), KF_OK);
        assert_true(fd >= 0);
        assert_int_equal(count_temp_files(), 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal((uint64_t)st.st_size, size);
        assert_int_equal(st.st_nlink, 0);
        assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        char buf[64] = {0};
        assert_true(read(fd, buf, sizeof(buf) - 1) > 0); /* from the start */
        if (fmt)
            assert_memory_equal(buf, "PK\x03\x04", 4);
        else
            assert_string_equal(buf, BOM "s\r\n名称,金额\r\n一期,19.99\r\n");
        close(fd);

        /* kf_table_close drops a temporary file */
        assert_int_equal(kf_table_open_temp(f, tmp_dir(), NULL, &t), KF_OK);
        assert_int_equal(kf_table_sheet(t, "s", NULL, cols, 2), KF_OK);
        assert_int_equal(kf_table_close(t), KF_OK);
        assert_int_equal(count_temp_files(), 0);

        /* and so does an error */
        assert_int_equal(kf_table_open_temp(f, tmp_dir(), NULL, &t), KF_OK);
        assert_int_equal(kf_table_text(t, "no sheet"), KF_EINVAL);
        assert_int_equal(kf_table_close_fd(t, &fd, &size), KF_EINVAL);
        assert_int_equal(fd, -1);
        assert_int_equal(count_temp_files(), 0);
    }
    kf_table_out *t = (kf_table_out *)1;
    assert_int_equal(kf_table_open_temp(KF_TABLE_CSV, "/nonexistent/dir", NULL, &t), KF_EIO);
    assert_null(t);
    assert_string_equal(kf_table_content_type(KF_TABLE_CSV), "text/csv; charset=utf-8");
    assert_string_equal(kf_table_content_type(KF_TABLE_XLSX),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
}

static void test_xlsx_zip(void **state)
{
    (void)state;
    kf_table_out *t;
    assert_int_equal(kf_table_open(KF_TABLE_XLSX, tmp_path("small.xlsx"), "Asia/Shanghai", &t),
                     KF_OK);
    static const kf_table_col cols[] = {{"名称", KF_COL_TEXT, 0}, {"金额", KF_COL_FEN, 0}};
    assert_int_equal(kf_table_sheet(t, "概览", "标题", cols, 2), KF_OK);
    kf_table_text(t, "一期");
    kf_table_int(t, 1999);
    assert_int_equal(kf_table_close(t), KF_OK);
    size_t len;
    char *data = slurp(tmp_path("small.xlsx"), &len);
    assert_true(len > 1000);
    assert_memory_equal(data, "PK\x03\x04", 4);
    free(data);
    struct stat st;
    assert_int_equal(stat(tmp_path("small.xlsx"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* exports hold personal data */
}

/* heap_in_use: bytes allocated now (ASan's own count under ASan, which
 * replaces malloc; glibc's otherwise). */
static size_t heap_in_use(void)
{
#ifdef HAVE_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    return mallinfo2().uordblks;
#endif
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 200,000 ticket rows × 8 columns: the heap in use must not grow with the
 * rows (constant-memory mode streams them to a temporary file). */
static void test_xlsx_memory(void **state)
{
    (void)state;
    enum { ROWS = 200000, SAMPLE = 10000 };
    static const kf_table_col cols[] = {
        {"工单号", KF_COL_TEXT, 0},
        {"标题", KF_COL_TEXT, 30},
        {"房号", KF_COL_TEXT, 0},
        {"创建时间", KF_COL_TIME, 0},
        {"处理时长(小时)", KF_COL_DECIMAL, 0},
        {"费用(元)", KF_COL_FEN, 0},
        {"满意度", KF_COL_RATIO, 0},
        {"回访次数", KF_COL_INT, 0},
    };
    double t0 = now_s();
    long rss0 = max_rss_kb();
    size_t base = heap_in_use(), at_first = 0, peak = 0;
    kf_table_out *t;
    assert_int_equal(kf_table_open(KF_TABLE_XLSX, tmp_path("big.xlsx"), "Asia/Shanghai", &t),
                     KF_OK);
    assert_int_equal(kf_table_sheet(t, "工单明细", NULL, cols, 8), KF_OK);
    char no[32], room[32];
    for (int i = 0; i < ROWS; i++) {
        snprintf(no, sizeof(no), "T2026%07d", i);
        snprintf(room, sizeof(room), "%d栋%d单元%d", i % 30 + 1, i % 4 + 1, 100 + i % 2500);
        kf_table_text(t, no);
        kf_table_text(t, i % 3 ? "厨房水管漏水，楼下天花板渗水" : "电梯异响");
        kf_table_text(t, room);
        kf_table_int(t, 1772000000000LL + (int64_t)i * 60000);
        kf_table_real(t, (i % 97) / 4.0);
        kf_table_int(t, (i % 1000) * 150);
        kf_table_real(t, (i % 11) / 10.0);
        kf_table_int(t, i % 5);
        assert_int_equal(kf_table_row_end(t), KF_OK);
        if (i % SAMPLE == SAMPLE - 1) {
            size_t used = heap_in_use() - base;
            if (!at_first) at_first = used;
            if (used > peak) peak = used;
        }
    }
    double t_rows = now_s() - t0;
    assert_int_equal(kf_table_close(t), KF_OK);
    double t_all = now_s() - t0;
    long rss_growth_kb = max_rss_kb() - rss0;
    struct stat st;
    assert_int_equal(stat(tmp_path("big.xlsx"), &st), 0);
    print_message("      200,000 rows x 8 columns: heap in use %.1f KiB after 10,000 rows, "
                  "peak %.1f KiB; max RSS grew %ld KiB; %.2f s writing, %.2f s in all; "
                  "%.1f MB file\n",
                  at_first / 1024.0, peak / 1024.0, rss_growth_kb, t_rows, t_all, st.st_size / 1e6);
    assert_true(peak < (size_t)20 << 20);
    /* flat: the last 190,000 rows added next to nothing to the first 10,000 */
    assert_true(peak - at_first < (size_t)1 << 20);
    assert_true(rss_growth_kb < 20 * 1024);
    unlink(tmp_path("big.xlsx"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_text),     cmocka_unit_test(test_csv_numbers),
        cmocka_unit_test(test_csv_time_utc), cmocka_unit_test(test_csv_sheets),
        cmocka_unit_test(test_misuse),       cmocka_unit_test(test_full_disk),
        cmocka_unit_test(test_temp_fd),      cmocka_unit_test(test_xlsx_zip),
        cmocka_unit_test(test_xlsx_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
