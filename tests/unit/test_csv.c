/* Import files: encoding detection and conversion (UTF-8, UTF-8 with BOM,
 * GB18030/GBK, binary uploads) and the CSV reader with its error places. */
#include "core/buf.h"
#include "core/csv.h"
#include "core/err.h"
#include "core/textenc.h"

#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

/* "楼栋" as GBK/GB18030 two-byte codes, and U+1F600 as a GB18030 four-byte code. */
#define GB_LOUDONG "\xC2\xA5\xB6\xB0"
#define GB_GRIN    "\x94\x39\xFC\x36"
#define UTF8_GRIN  "\xF0\x9F\x98\x80"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* UTF-8 → GB18030 with iconv directly, to build test files independently of
 * the code under test. The caller frees. */
static char *to_gb18030(const char *utf8, size_t len, size_t *outlen)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t cap = len * 2 + 16, inleft = len, outleft = cap;
    char *buf = malloc(cap), *in = (char *)utf8, *op = buf;
    assert_non_null(buf);
    assert_true(iconv(cd, &in, &inleft, &op, &outleft) != (size_t)-1);
    iconv_close(cd);
    *outlen = cap - outleft;
    return buf;
}

static kf_encoding detect_str(const char *s)
{
    return kf_text_detect(s, strlen(s));
}

static void test_detect(void **state)
{
    (void)state;
    assert_int_equal(kf_text_detect("", 0), KF_ENC_UTF8);
    assert_int_equal(detect_str("code,area\n3-2-1502,88.50\n"), KF_ENC_UTF8);
    assert_int_equal(detect_str("楼栋,面积\n3栋,88.5\n" UTF8_GRIN), KF_ENC_UTF8);
    assert_int_equal(detect_str("\xEF\xBB\xBF楼栋,面积\n"), KF_ENC_UTF8_BOM);
    assert_int_equal(detect_str(GB_LOUDONG ",area\n"), KF_ENC_GB18030);
    assert_int_equal(detect_str("a," GB_GRIN "," GB_LOUDONG "\n"), KF_ENC_GB18030);
    /* strict UTF-8: overlong, surrogate, past U+10FFFF are not UTF-8 ... */
    assert_int_equal(detect_str("\xE0\x80\x80"), KF_ENC_UNKNOWN);
    assert_int_equal(detect_str("\xED\xA0\x80"), KF_ENC_UNKNOWN);
    assert_int_equal(detect_str("\xF4\x90\x80\x80"), KF_ENC_UNKNOWN);
    /* ... though C0 AF, an overlong '/', happens to be a GBK code */
    assert_int_equal(detect_str("\xC0\xAF"), KF_ENC_GB18030);
    /* invalid in both */
    assert_int_equal(detect_str("abc\x80\x80"), KF_ENC_UNKNOWN);
    assert_int_equal(detect_str(GB_LOUDONG "\xC2"), KF_ENC_UNKNOWN); /* cut mid-character */
    assert_int_equal(detect_str("a\x81\x30\x81"), KF_ENC_UNKNOWN);   /* cut four-byte code */
    char noise[2048];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(noise); i++) {
        x = x * 1103515245u + 12345u;
        noise[i] = (char)(0x80 | (x >> 16));
    }
    noise[0] = 'x';
    noise[1000] = (char)0xFF; /* never valid in either encoding */
    assert_int_equal(kf_text_detect(noise, sizeof(noise)), KF_ENC_UNKNOWN);
}

static void test_binary(void **state)
{
    (void)state;
    static const char xlsx[] = "PK\x03\x04\x14\x00\x06\x00[Content_Types].xml";
    static const char xls[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    static const char utf16[] = "\xFF\xFE"
                                "a\0,\0b\0";
    assert_int_equal(kf_text_looks_binary(xlsx, sizeof(xlsx) - 1), KF_BIN_ZIP);
    assert_int_equal(kf_text_detect(xlsx, sizeof(xlsx) - 1), KF_ENC_UNKNOWN);
    assert_int_equal(kf_text_looks_binary(xls, sizeof(xls) - 1), KF_BIN_OLE);
    assert_int_equal(kf_text_looks_binary("%PDF-1.7\n", 9), KF_BIN_PDF);
    assert_int_equal(detect_str("%PDF-1.7\n"), KF_ENC_UNKNOWN); /* ASCII, but not CSV */
    assert_int_equal(kf_text_looks_binary(utf16, sizeof(utf16) - 1), KF_BIN_UTF16);
    assert_int_equal(kf_text_looks_binary("a,b\n1,\0\n", 8), KF_BIN_NUL);
    assert_int_equal(kf_text_detect("a,b\n1,\0\n", 8), KF_ENC_UNKNOWN);
    assert_int_equal(kf_text_looks_binary("a,b\n", 4), KF_BIN_NONE);
    assert_non_null(strstr(kf_text_binary_name(KF_BIN_ZIP), ".xlsx"));
    assert_string_equal(kf_text_binary_name(KF_BIN_NONE), "");

    char *out = (char *)1, err[200];
    size_t n;
    assert_int_equal(
        kf_text_to_utf8(xlsx, sizeof(xlsx) - 1, KF_ENC_UNKNOWN, 0, &out, &n, err, sizeof(err)),
        KF_EINVAL);
    assert_null(out);
    assert_non_null(strstr(err, "not a text file"));
    assert_non_null(strstr(err, ".xlsx"));
    assert_int_equal(kf_text_to_utf8("\x80", 1, KF_ENC_UNKNOWN, 0, &out, &n, err, sizeof(err)),
                     KF_EINVAL);
    assert_non_null(strstr(err, "unknown encoding"));
}

static void test_convert_utf8(void **state)
{
    (void)state;
    char *out, err[200];
    size_t n;
    assert_int_equal(kf_text_to_utf8("a,b\n", 4, KF_ENC_UTF8, 0, &out, &n, err, sizeof(err)),
                     KF_OK);
    assert_int_equal(n, 4);
    assert_string_equal(out, "a,b\n");
    free(out);
    const char *bom = "\xEF\xBB\xBF房号\n";
    assert_int_equal(
        kf_text_to_utf8(bom, strlen(bom), KF_ENC_UTF8_BOM, 0, &out, &n, err, sizeof(err)), KF_OK);
    assert_string_equal(out, "房号\n");
    assert_int_equal(n, strlen("房号\n"));
    free(out);
    /* validated even when the caller says UTF-8: offset and line of the bad byte */
    const char *bad = "a,b\nc,\xC3\x28\n";
    assert_int_equal(kf_text_to_utf8(bad, strlen(bad), KF_ENC_UTF8, 0, &out, &n, err, sizeof(err)),
                     KF_EINVAL);
    assert_null(out);
    assert_non_null(strstr(err, "invalid UTF-8 byte sequence at byte 6 (line 2): C3 28"));
    /* the limit counts output bytes, BOM excluded */
    assert_int_equal(kf_text_to_utf8(bom, strlen(bom), KF_ENC_UTF8_BOM, strlen(bom) - 3, &out, &n,
                                     err, sizeof(err)),
                     KF_OK);
    free(out);
    assert_int_equal(kf_text_to_utf8(bom, strlen(bom), KF_ENC_UTF8_BOM, strlen(bom) - 4, &out, &n,
                                     err, sizeof(err)),
                     KF_ELIMIT);
    assert_null(out);
    assert_non_null(strstr(err, "too large"));
}

static void test_convert_gb18030(void **state)
{
    (void)state;
    char *out, err[200];
    size_t n, gblen;
    /* iconv agrees with the bytes the test hard-codes, both ways */
    char *gb = to_gb18030("楼栋" UTF8_GRIN, strlen("楼栋" UTF8_GRIN), &gblen);
    assert_int_equal(gblen, 8);
    assert_memory_equal(gb, GB_LOUDONG GB_GRIN, 8);
    free(gb);
    const char *in = "code," GB_LOUDONG "\r\n3-2-1502," GB_GRIN "\r\n";
    assert_int_equal(detect_str(in), KF_ENC_GB18030);
    assert_int_equal(kf_text_to_utf8(in, strlen(in), KF_ENC_GB18030, 0, &out, &n, err, sizeof(err)),
                     KF_OK);
    assert_string_equal(out, "code,楼栋\r\n3-2-1502," UTF8_GRIN "\r\n");
    assert_int_equal(n, strlen(out));
    free(out);
    /* a GB18030-encoded BOM (U+FEFF) is dropped like a UTF-8 one */
    assert_int_equal(kf_text_to_utf8("\x84\x31\x95\x33"
                                     "a",
                                     5, KF_ENC_GB18030, 0, &out, &n, err, sizeof(err)),
                     KF_OK);
    assert_string_equal(out, "a");
    free(out);
    /* structurally valid but unassigned four-byte code: iconv refuses, we say where */
    const char *unassigned = "ab\ncd\x84\x31\xA5\x30,x\n";
    assert_int_equal(detect_str(unassigned), KF_ENC_GB18030);
    assert_int_equal(kf_text_to_utf8(unassigned, strlen(unassigned), KF_ENC_GB18030, 0, &out, &n,
                                     err, sizeof(err)),
                     KF_EINVAL);
    assert_null(out);
    assert_non_null(strstr(err, "at byte 5 (line 2): 84 31 A5 30"));
    /* cut in the middle of a character */
    assert_int_equal(kf_text_to_utf8("a\r\nb" GB_LOUDONG "\xC2", 9, KF_ENC_GB18030, 0, &out, &n,
                                     err, sizeof(err)),
                     KF_EINVAL);
    assert_non_null(strstr(err, "truncated GB18030 character at byte 8 (line 2)"));
    /* limit: four GBK bytes become six UTF-8 bytes */
    assert_int_equal(kf_text_to_utf8(GB_LOUDONG, 4, KF_ENC_GB18030, 6, &out, &n, err, sizeof(err)),
                     KF_OK);
    assert_string_equal(out, "楼栋");
    free(out);
    assert_int_equal(kf_text_to_utf8(GB_LOUDONG, 4, KF_ENC_GB18030, 5, &out, &n, err, sizeof(err)),
                     KF_ELIMIT);
    assert_null(out);
    assert_int_equal(
        kf_text_to_utf8(GB_LOUDONG, 4, KF_ENC_GB18030, SIZE_MAX, &out, &n, err, sizeof(err)),
        KF_OK);
    free(out);
    assert_int_equal(kf_text_to_utf8(GB_LOUDONG, 4, KF_ENC_GB18030, 1, &out, &n, NULL, 0),
                     KF_ELIMIT);
}

/* Every record of TEXT as "line:[f1][f2]…\n"; *RC gets the last kf_csv_next
 * result and *C_OUT (if not NULL) keeps the reader for error checks. */
static char *dump_csv(const char *text, size_t len, int *rc, kf_csv **c_out)
{
    kf_csv *c = kf_csv_new(text, len);
    kf_csv_row row;
    kf_buf b;
    kf_buf_init(&b, 0);
    kf_buf_puts(&b, "");
    while ((*rc = kf_csv_next(c, &row)) == 1) {
        kf_buf_printf(&b, "%zu:", row.line);
        for (size_t i = 0; i < row.nfields; i++) {
            assert_int_equal(row.lens[i], strlen(row.fields[i]));
            kf_buf_printf(&b, "[%s]", row.fields[i]);
        }
        kf_buf_puts(&b, "\n");
    }
    if (c_out)
        *c_out = c;
    else
        kf_csv_free(c);
    return kf_buf_steal(&b);
}

static void expect_csv(const char *text, const char *want)
{
    int rc;
    char *got = dump_csv(text, strlen(text), &rc, NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(got, want);
    free(got);
}

static void test_csv_parse(void **state)
{
    (void)state;
    expect_csv("", "");
    expect_csv("\n\n  \n", "");
    expect_csv("a,b,c\n1,2,3\n", "1:[a][b][c]\n2:[1][2][3]\n");
    expect_csv("a,b\n1,2", "1:[a][b]\n2:[1][2]\n"); /* no final line end */
    expect_csv("a,b\n1,2\n\n\r\n  \n", "1:[a][b]\n2:[1][2]\n");
    expect_csv("a,b\r\n1,2\r\n", "1:[a][b]\n2:[1][2]\n");
    expect_csv("a,b\r1,2\r", "1:[a][b]\n2:[1][2]\n"); /* old Mac line ends */
    expect_csv("\xEF\xBB\xBF"
               "a,b\n",
               "1:[a][b]\n");
    /* quoted: separators, doubled quotes and line ends inside; line counts stay physical */
    expect_csv("name,note\n\"Li, Ming\",\"said \"\"hi\"\"\nnext line\"\nx,y\n",
               "1:[name][note]\n2:[Li, Ming][said \"hi\"\nnext line]\n4:[x][y]\n");
    expect_csv("a,\"b\r\nc\"\r\nd,e\r\n", "1:[a][b\r\nc]\n3:[d][e]\n");
    expect_csv("\"\",\"\"\"\"\n", "1:[][\"]\n");
    /* empty fields, trailing separator, Excel's empty rows */
    expect_csv("a,,c\n,,\n,\n", "1:[a][][c]\n2:[][][]\n3:[][]\n");
    /* spaces around fields are trimmed outside quotes only */
    expect_csv("  a , b  , \" c \" ,\td\t\n", "1:[a][b][ c ][d]\n");
    /* blank lines in the middle are skipped, numbering continues */
    expect_csv("a\n\n\nb\n", "1:[a]\n4:[b]\n");
}

static void test_csv_separators(void **state)
{
    (void)state;
    const char *semi = "房号;面积;备注\n3-2-1502;88,50;\"a;b\"\n";
    kf_csv *c = kf_csv_new(semi, strlen(semi));
    assert_int_equal(kf_csv_separator(c), ';');
    kf_csv_free(c);
    expect_csv(semi, "1:[房号][面积][备注]\n2:[3-2-1502][88,50][a;b]\n");
    expect_csv("a\tb c\t\n1\t 2 \t3\n", "1:[a][b c][]\n2:[1][2][3]\n");
    /* a comma in the header wins; so does one inside quotes not count */
    c = kf_csv_new("a,b;c\n", 6);
    assert_int_equal(kf_csv_separator(c), ',');
    kf_csv_free(c);
    c = kf_csv_new("\"a,b\";c\n", 8);
    assert_int_equal(kf_csv_separator(c), ';');
    kf_csv_free(c);
    c = kf_csv_new("single\n1\n", 9);
    assert_int_equal(kf_csv_separator(c), ',');
    kf_csv_free(c);
}

/* Parses TEXT (LEN bytes) expecting an error at LINE/COLUMN with KEY, after
 * ROWS good records; returns the message for further checks (static copy). */
static const char *expect_error(const char *text, size_t len, size_t rows, size_t line,
                                size_t column, const char *key)
{
    static char msg[400];
    kf_csv *c;
    int rc;
    char *got = dump_csv(text, len, &rc, &c);
    size_t n = 0;
    for (const char *p = got; (p = strchr(p, '\n')); p++)
        n++;
    assert_int_equal(rc, -1);
    assert_int_equal(n, rows);
    assert_int_equal(kf_csv_error_line(c), line);
    assert_int_equal(kf_csv_error_column(c), column);
    assert_string_equal(kf_csv_error_key(c), key);
    snprintf(msg, sizeof(msg), "%s", kf_csv_error(c));
    kf_csv_row row;
    assert_int_equal(kf_csv_next(c, &row), -1); /* stays failed */
    kf_csv_free(c);
    free(got);
    return msg;
}

static void test_csv_errors(void **state)
{
    (void)state;
    const char *s = "a,b,c\n1,2\"x,3\n";
    const char *m = expect_error(s, strlen(s), 1, 2, 2, "csv_quote_in_field");
    assert_non_null(strstr(m, "line 2, column 2: a quote"));

    s = "a,b\n1,2\n3,\"abc\n4,5\n";
    m = expect_error(s, strlen(s), 2, 3, 2, "csv_truncated");
    assert_non_null(strstr(m, "truncated file: unterminated quote starting on line 3"));

    s = "a,b\n1,\"x\"y\n";
    m = expect_error(s, strlen(s), 1, 2, 2, "csv_text_after_quote");
    /* a forgotten closing quote surfaces at the next quote: both lines named */
    s = "a,b\n\"1,2\n3,4\n5,\"x\",6\n";
    m = expect_error(s, strlen(s), 1, 2, 1, "csv_text_after_quote");
    assert_non_null(strstr(m, "on line 4"));

    s = "a,b\n1,x\0y\n";
    expect_error(s, 10, 1, 2, 2, "csv_nul_byte");
    s = "a,\"x\0\"\n";
    expect_error(s, 7, 0, 1, 2, "csv_nul_byte");
}

static void test_csv_limits(void **state)
{
    (void)state;
    kf_buf b;
    kf_buf_init(&b, 0);
    /* 256 fields are fine, 257 are not: the error names field 257 */
    kf_buf_puts(&b, "h\n\n");
    for (int i = 0; i < KF_CSV_MAX_FIELDS; i++)
        kf_buf_printf(&b, "%s%d", i ? "," : "", i);
    kf_buf_puts(&b, "\n");
    for (int i = 0; i <= KF_CSV_MAX_FIELDS; i++)
        kf_buf_printf(&b, "%s%d", i ? "," : "", i);
    const char *m = expect_error(b.data, b.len, 2, 4, 257, "csv_too_many_fields");
    assert_non_null(strstr(m, "more than 256 fields"));

    /* a field of exactly 4096 bytes passes, 4097 fails, quoted or not */
    char *big = malloc(KF_CSV_MAX_FIELD + 2);
    assert_non_null(big);
    memset(big, 'x', KF_CSV_MAX_FIELD + 1);
    big[KF_CSV_MAX_FIELD + 1] = '\0';
    for (int quoted = 0; quoted <= 1; quoted++) {
        const char *q = quoted ? "\"" : "";
        kf_buf_reset(&b);
        kf_buf_printf(&b, "a,b,c\n1,2,%s%.*s%s\n", q, KF_CSV_MAX_FIELD, big, q);
        int rc;
        char *got = dump_csv(b.data, b.len, &rc, NULL);
        assert_int_equal(rc, 0);
        free(got);
        kf_buf_reset(&b);
        kf_buf_printf(&b, "a,b,c\n1,2,%s%s%s\n", q, big, q);
        m = expect_error(b.data, b.len, 1, 2, 3, "csv_field_too_long");
        assert_non_null(strstr(m, "longer than 4096 bytes"));
    }
    /* an unterminated quote that runs past the limit is still "truncated" */
    kf_buf_reset(&b);
    kf_buf_puts(&b, "a,b\n1,\"");
    for (int i = 0; i < 100; i++)
        kf_buf_printf(&b, "%s,%d\n", big, i);
    m = expect_error(b.data, b.len, 1, 2, 2, "csv_truncated");
    free(big);
    kf_buf_free(&b);
}

static const char *const unit_columns[] = {
    "code|房号|房屋编号", "area|面积|建筑面积", "name|姓名|业主姓名",
    "?note|备注",         "mobile|手机|手机号", NULL,
};

static void test_header_map(void **state)
{
    (void)state;
    const char *text = "房屋编号, AREA ,业主姓名,手机号,其他\n";
    kf_csv *c = kf_csv_new(text, strlen(text));
    kf_csv_row row;
    int idx[8];
    const char *missing = "x";
    assert_int_equal(kf_csv_next(c, &row), 1);
    assert_int_equal(kf_csv_header_map(&row, unit_columns, idx, &missing), 0);
    assert_null(missing);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 1);
    assert_int_equal(idx[2], 2);
    assert_int_equal(idx[3], -1); /* optional, absent */
    assert_int_equal(idx[4], 3);
    kf_csv_free(c);

    const char *cells[] = {"Code", "姓名", "备注", "area"};
    kf_csv_row hdr = {.nfields = 4, .fields = cells, .lens = NULL, .line = 1};
    const char *const wanted[] = {"code|房号", "building|楼栋", "mobile|手机", "area", NULL};
    assert_int_equal(kf_csv_header_map(&hdr, wanted, idx, &missing), -1);
    assert_ptr_equal(missing, wanted[1]); /* the first required column not found */
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], -1);
    assert_int_equal(idx[3], 3);
    /* a partial name is not a match, nor is an empty alias */
    const char *part[] = {"房", ""};
    kf_csv_row hdr2 = {.nfields = 2, .fields = part, .lens = NULL, .line = 1};
    const char *const w2[] = {"code|房号|", NULL};
    assert_int_equal(kf_csv_header_map(&hdr2, w2, idx, NULL), -1);
}

/* The whole path of an upload from Chinese Excel: GB18030 bytes in, rows out. */
static void test_gb18030_file(void **state)
{
    (void)state;
    const char *utf8 =
        "房号,面积,业主姓名\r\n3-2-1502,88.50,\"李明, 王芳\"\r\n3-2-1503,90,张伟\r\n";
    size_t gblen, n;
    char *gb = to_gb18030(utf8, strlen(utf8), &gblen), *text, err[200];
    assert_int_equal(kf_text_detect(gb, gblen), KF_ENC_GB18030);
    assert_int_equal(
        kf_text_to_utf8(gb, gblen, KF_ENC_GB18030, 1 << 20, &text, &n, err, sizeof(err)), KF_OK);
    assert_string_equal(text, utf8);
    int rc;
    char *got = dump_csv(text, n, &rc, NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "1:[房号][面积][业主姓名]\n2:[3-2-1502][88.50][李明, 王芳]\n"
                             "3:[3-2-1503][90][张伟]\n");
    free(got);
    free(text);
    free(gb);
}

static char *generate_rows(int rows, size_t *len)
{
    kf_buf b;
    kf_buf_init(&b, 0);
    kf_buf_puts(&b, "房号,面积,业主姓名,手机,备注\r\n");
    for (int i = 0; i < rows; i++)
        kf_buf_printf(&b, "%d-%d-%d,%d.%02d,\"业主%d, 家属\",138%08d,\"第一行\n第二行\"\r\n",
                      i % 20 + 1, i % 4 + 1, 100 + i % 3000, 50 + i % 150, i % 100, i, i);
    *len = b.len;
    return kf_buf_steal(&b);
}

static void test_csv_100k(void **state)
{
    (void)state;
    enum { ROWS = 100000 };
    size_t len, n, gblen;
    char *data = generate_rows(ROWS, &len), *text, err[200];
    double t0 = now_s();
    kf_csv *c = kf_csv_new(data, len);
    kf_csv_row row;
    size_t count = 0, last_line = 0;
    int rc;
    while ((rc = kf_csv_next(c, &row)) == 1) {
        assert_int_equal(row.nfields, 5);
        count++;
        last_line = row.line;
    }
    double parse = now_s() - t0;
    assert_int_equal(rc, 0);
    assert_int_equal(count, ROWS + 1);
    assert_int_equal(last_line, 2 * ROWS); /* each row spans two physical lines */
    kf_csv_free(c);

    char *gb = to_gb18030(data, len, &gblen);
    t0 = now_s();
    assert_int_equal(kf_text_detect(gb, gblen), KF_ENC_GB18030);
    double detect = now_s() - t0;
    assert_int_equal(kf_text_to_utf8(gb, gblen, KF_ENC_GB18030, 0, &text, &n, err, sizeof(err)),
                     KF_OK);
    double convert = now_s() - t0 - detect;
    assert_int_equal(n, len);
    assert_memory_equal(text, data, len);
    fprintf(stderr,
            "csv: %d rows, %zu bytes: parse %.3f s; GB18030 %zu bytes: detect %.3f s, "
            "convert %.3f s\n",
            ROWS, len, parse, gblen, detect, convert);
    assert_true(parse < 1.0);
    assert_true(detect + convert < 1.0);
    free(text);
    free(gb);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),       cmocka_unit_test(test_binary),
        cmocka_unit_test(test_convert_utf8), cmocka_unit_test(test_convert_gb18030),
        cmocka_unit_test(test_csv_parse),    cmocka_unit_test(test_csv_separators),
        cmocka_unit_test(test_csv_errors),   cmocka_unit_test(test_csv_limits),
        cmocka_unit_test(test_header_map),   cmocka_unit_test(test_gb18030_file),
        cmocka_unit_test(test_csv_100k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
