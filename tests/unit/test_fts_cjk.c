/* Chinese full-text search by bigrams: what a search finds in a real SQLite
 * FTS5 table, the tokens and their offsets, and the strings handed to
 * PostgreSQL (terms to index, tsquery to search). */
#include "store/fts_cjk.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

/* ---- helpers ---- */

static sqlite3 *open_db(const char *uri)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI;
    assert_int_equal(sqlite3_open_v2(uri, &db, flags, NULL), SQLITE_OK);
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static int setup_docs(void **state)
{
    sqlite3 *db = open_db(":memory:");
    if (kf_cjk_register_fts5(db) != SQLITE_OK) return -1;
    exec(db, "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='kefu_cjk')");
    *state = db;
    return 0;
}

static int teardown_docs(void **state)
{
    return sqlite3_close(*state) == SQLITE_OK ? 0 : -1;
}

/* Inserts BODY (LEN bytes, -1: up to its NUL) as row ROWID. */
static void add_doc(sqlite3 *db, int rowid, const char *body, int len)
{
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(db, "INSERT INTO docs(rowid, body) VALUES (?1, ?2)", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int(st, 1, rowid);
    sqlite3_bind_text(st, 2, body, len, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
}

/* The rows that QUERY finds, as a bit mask of their rowids (each < 32). */
static unsigned matches(sqlite3 *db, const char *query)
{
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT rowid FROM docs WHERE docs MATCH ?1", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
    unsigned mask = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        mask |= 1u << sqlite3_column_int(st, 0);
    if (rc != SQLITE_DONE) fail_msg("MATCH %s: %s", query, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return mask;
}

#define ROW(n) (1u << (n))

/* Every token of TEXT as "token@start-end", separated by '|'. */
typedef struct {
    char s[1024];
    int count;
} collected;

static int collect(void *ctx, const char *token, int len, int start, int end)
{
    collected *c = ctx;
    size_t used = strlen(c->s);
    snprintf(c->s + used, sizeof(c->s) - used, "%s%.*s@%d-%d", c->count ? "|" : "", len, token,
             start, end);
    c->count++;
    return 0;
}

static collected tokens_of(const char *text, int len)
{
    collected c = {{0}, 0};
    assert_int_equal(kf_cjk_tokenize(text, len, collect, &c), 0);
    return c;
}

static const char *terms_of(const char *text)
{
    static char out[1024];
    assert_int_equal(kf_cjk_terms(text, -1, out, sizeof(out)), 0);
    return out;
}

/* ---- searching in SQLite ---- */

static void test_chinese_words(void **state)
{
    sqlite3 *db = *state;
    add_doc(db, 1, "屋顶漏水已三天", -1);
    add_doc(db, 2, "卫生间墙面渗水", -1);

    assert_int_equal(matches(db, "\"漏水\""), ROW(1));
    assert_int_equal(matches(db, "漏水"), ROW(1)); /* a bareword is the same phrase */
    assert_int_equal(matches(db, "\"屋顶漏水\""), ROW(1));
    assert_int_equal(matches(db, "\"屋顶\""), ROW(1));
    assert_int_equal(matches(db, "\"漏水已三天\""), ROW(1));
    assert_int_equal(matches(db, "\"渗水\""), ROW(2));
    assert_int_equal(matches(db, "屋顶 漏水"), ROW(1)); /* two words: both present */
    assert_int_equal(matches(db, "\"漏水\" OR \"渗水\""), ROW(1) | ROW(2));
    assert_int_equal(matches(db, "漏*"), ROW(1));

    /* characters of the document, but not next to each other */
    assert_int_equal(matches(db, "\"水已天\""), 0);
    assert_int_equal(matches(db, "\"屋顶水\""), 0);
    assert_int_equal(matches(db, "\"顶漏三\""), 0);
    assert_int_equal(matches(db, "\"墙水\""), 0);
    assert_int_equal(matches(db, "\"卫生间漏水\""), 0);
}

static void test_highlight_covers_the_word(void **state)
{
    sqlite3 *db = *state;
    add_doc(db, 1, "屋顶漏水已三天", -1);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT highlight(docs, 0, '[', ']') FROM docs"
                                        " WHERE docs MATCH ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, "\"屋顶漏水\"", -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "[屋顶漏水]已三天");
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, "已三天", -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "屋顶漏水[已三天]");
    sqlite3_finalize(st);
}

static void test_mixed_text(void **state)
{
    sqlite3 *db = *state;
    add_doc(db, 1, "3号楼A101室卫生间漏水 WiFi", -1);
    add_doc(db, 2, "5号楼B202室", -1);
    add_doc(db, 3, "３号楼Ａ１０１室", -1); /* typed with fullwidth forms */

    assert_int_equal(matches(db, "a101"), ROW(1) | ROW(3));
    assert_int_equal(matches(db, "A101"), ROW(1) | ROW(3));
    assert_int_equal(matches(db, "Ａ１０１"), ROW(1) | ROW(3));
    assert_int_equal(matches(db, "wifi"), ROW(1));
    assert_int_equal(matches(db, "WIFI"), ROW(1));
    assert_int_equal(matches(db, "3"), ROW(1) | ROW(3));
    assert_int_equal(matches(db, "卫生间"), ROW(1));
    assert_int_equal(matches(db, "号楼"), ROW(1) | ROW(2) | ROW(3));
    assert_int_equal(matches(db, "\"3号楼A101\""), ROW(1) | ROW(3));
    assert_int_equal(matches(db, "b202"), ROW(2));
    assert_int_equal(matches(db, "a10*"), ROW(1) | ROW(3));
}

static void test_single_character(void **state)
{
    sqlite3 *db = *state;
    add_doc(db, 1, "门", -1);
    add_doc(db, 2, "门，锁坏了", -1);
    add_doc(db, 3, "窗", -1);
    assert_int_equal(matches(db, "\"门\""), ROW(1) | ROW(2));
    assert_int_equal(matches(db, "门"), ROW(1) | ROW(2));
    assert_int_equal(matches(db, "\"窗\""), ROW(3));
}

static void test_separators_and_bad_bytes(void **state)
{
    sqlite3 *db = *state;
    add_doc(db, 1, "\xff\xfe漏水", -1);
    add_doc(db, 2, "屋顶😀漏水。请尽快！", -1);
    add_doc(db, 3, "漏\xe6水", -1); /* a cut-off character between the two */
    add_doc(db, 4, "", -1);
    add_doc(db, 5, " \t\n　", -1);

    assert_int_equal(matches(db, "\"漏水\""), ROW(1) | ROW(2));
    assert_int_equal(matches(db, "\"尽快\""), ROW(2));
    /* the emoji separates: no 顶漏 across it, but the words stay adjacent */
    assert_int_equal(matches(db, "\"屋顶漏水\""), 0);
    assert_int_equal(matches(db, "\"屋顶 漏水\""), ROW(2));
    assert_int_equal(matches(db, "\"漏\""), ROW(3));
}

/* Without the tokenizer a connection cannot use the table at all: it must be
 * registered on every connection, readers included. */
static void test_registration_per_connection(void **state)
{
    (void)state;
    const char *uri = "file:fts_cjk_shared?mode=memory&cache=shared";
    sqlite3 *writer = open_db(uri);
    assert_int_equal(kf_cjk_register_fts5(writer), SQLITE_OK);
    exec(writer, "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='kefu_cjk')");
    exec(writer, "INSERT INTO docs(rowid, body) VALUES (1, '屋顶漏水')");

    sqlite3 *reader = open_db(uri);
    sqlite3_stmt *st = NULL;
    int rc =
        sqlite3_prepare_v2(reader, "SELECT rowid FROM docs WHERE docs MATCH '漏水'", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    assert_int_not_equal(rc, SQLITE_ROW);
    sqlite3_finalize(st);

    assert_int_equal(kf_cjk_register_fts5(reader), SQLITE_OK);
    assert_int_equal(matches(reader, "漏水"), ROW(1));
    sqlite3_close(reader);

    /* options are refused rather than silently ignored */
    assert_int_not_equal(sqlite3_exec(writer,
                                      "CREATE VIRTUAL TABLE other USING fts5(body,"
                                      " tokenize='kefu_cjk remove_diacritics 1')",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(writer);
}

/* ---- tokens ---- */

static void test_tokens_and_offsets(void **state)
{
    (void)state;
    assert_string_equal(tokens_of("ab漏水", -1).s, "ab@0-2|漏水@2-8");
    assert_string_equal(tokens_of("屋顶漏水", -1).s, "屋顶@0-6|顶漏@3-9|漏水@6-12");
    assert_string_equal(tokens_of("门", -1).s, "门@0-3");
    assert_string_equal(tokens_of("Ａ1室", -1).s, "a1@0-4|室@4-7");
    assert_string_equal(tokens_of("𠀀𠀁", -1).s, "𠀀𠀁@0-8"); /* 4-byte Han */
    assert_string_equal(tokens_of("カタカナ・한국어", -1).s,
                        "カタ@0-6|タカ@3-9|カナ@6-12|한국@15-21|국어@18-24");
    assert_string_equal(tokens_of("漏水，屋顶", -1).s, "漏水@0-6|屋顶@9-15");
    /* LEN is obeyed even with a NUL-free text going on */
    assert_string_equal(tokens_of("漏水屋顶", 6).s, "漏水@0-6");

    assert_int_equal(tokens_of("", -1).count, 0);
    assert_int_equal(tokens_of(" \t\r\n　。！", -1).count, 0);
    assert_int_equal(tokens_of(NULL, 5).count, 0);
}

static void test_terms(void **state)
{
    (void)state;
    assert_string_equal(terms_of("3号楼A101室卫生间漏水 WiFi"),
                        "3 号楼 a101 室卫 卫生 生间 间漏 漏水 wifi");
    assert_string_equal(terms_of("“漏水”（屋顶）【门】"), "漏水 屋顶 门");
    assert_string_equal(terms_of("漏😀水"), "漏 水");
    assert_string_equal(terms_of("\xff\xfe漏水"), "漏水");
    /* overlong '/', a UTF-16 surrogate, a lead byte cut short by a letter */
    assert_string_equal(terms_of("a\xc0\xafz\xed\xa0\x80y\xe6\xbc"
                                 "b"),
                        "a z y b");
    assert_string_equal(terms_of("   "), "");

    /* a run of letters is cut into pieces of KF_CJK_MAX_ALNUM */
    char longword[KF_CJK_MAX_ALNUM + 3];
    memset(longword, 'x', sizeof(longword) - 1);
    longword[sizeof(longword) - 1] = '\0';
    const char *t = terms_of(longword);
    assert_int_equal(strlen(t), KF_CJK_MAX_ALNUM + 1 + 2);
    assert_int_equal(t[KF_CJK_MAX_ALNUM], ' ');
}

/* The input is read only up to LEN: a buffer without a NUL, ending inside a
 * character, under the address sanitizer. */
static void test_never_reads_past_len(void **state)
{
    (void)state;
    const char *src = "屋顶漏水";
    char *heap = malloc(8);
    assert_non_null(heap);
    memcpy(heap, src, 8); /* 屋顶 and two of 漏's three bytes */
    assert_string_equal(tokens_of(heap, 8).s, "屋顶@0-6");
    char out[64];
    assert_int_equal(kf_cjk_query(heap, 8, out, sizeof(out)), 1);
    assert_string_equal(out, "'屋顶'");
    free(heap);
}

static void test_terms_too_small(void **state)
{
    (void)state;
    const char *text = "屋顶漏水";
    const char *all = "屋顶 顶漏 漏水";
    char out[32];
    assert_int_equal(kf_cjk_terms(text, -1, out, strlen(all) + 1), 0);
    assert_string_equal(out, all);
    assert_int_equal(kf_cjk_terms(text, -1, out, strlen(all)), -1);
    assert_string_equal(out, "屋顶 顶漏"); /* whole tokens only */
    assert_int_equal(kf_cjk_terms(text, -1, out, 10), -1);
    assert_string_equal(out, "屋顶");
    assert_int_equal(kf_cjk_terms(text, -1, out, 3), -1);
    assert_string_equal(out, "");
    out[0] = 'z';
    assert_int_equal(kf_cjk_terms(text, -1, out, 0), -1);
    assert_int_equal(out[0], 'z');
}

static int stop_after_two(void *ctx, const char *token, int len, int start, int end)
{
    int *n = ctx;
    return ++*n == 2 ? 42 : 0;
}

static void test_callback_stops(void **state)
{
    (void)state;
    int n = 0;
    assert_int_equal(kf_cjk_tokenize("屋顶漏水 a b c", -1, stop_after_two, &n), 42);
    assert_int_equal(n, 2);
}

/* ---- PostgreSQL tsquery ---- */

static void test_query(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(kf_cjk_query("屋顶漏水", -1, out, sizeof(out)), 3);
    assert_string_equal(out, "'屋顶' <-> '顶漏' <-> '漏水'");
    assert_int_equal(kf_cjk_query("  漏水   A101室 ", -1, out, sizeof(out)), 3);
    assert_string_equal(out, "'漏水' & 'a101' <-> '室'");
    assert_int_equal(kf_cjk_query("屋顶　漏水", -1, out, sizeof(out)), 2); /* U+3000 */
    assert_string_equal(out, "'屋顶' & '漏水'");
    assert_int_equal(kf_cjk_query("门", -1, out, sizeof(out)), 1);
    assert_string_equal(out, "'门'");
    assert_int_equal(kf_cjk_query("！！ 漏水，屋顶 ？", -1, out, sizeof(out)), 2);
    assert_string_equal(out, "'漏水' <-> '屋顶'");

    /* nothing to search for */
    assert_int_equal(kf_cjk_query("", -1, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(kf_cjk_query(" 。！？ 　", -1, out, sizeof(out)), 0);
    assert_string_equal(out, "");

    /* tsquery syntax in the input is only separators */
    assert_int_equal(kf_cjk_query("o'brien\\x", -1, out, sizeof(out)), 3);
    assert_string_equal(out, "'o' <-> 'brien' <-> 'x'");
    assert_int_equal(kf_cjk_query("'' & !(漏水 | a:*) <-> \\'", -1, out, sizeof(out)), 2);
    assert_string_equal(out, "'漏水' & 'a'");
}

/* What users type, turned into FTS5 queries: words are phrases, all must be
 * found, and FTS5's own syntax in the input is only text. */
static void test_fts5_query(void **state)
{
    sqlite3 *db = *state;
    add_doc(db, 1, "卫生间漏水，楼下天花板湿了", -1);
    add_doc(db, 2, "屋顶漏水", -1);
    add_doc(db, 3, "A101室 WiFi 没信号", -1);
    add_doc(db, 4, "NEAR 屋顶 OR AND NOT", -1);
    char q[KF_CJK_QUERY_MAX(64)];
    assert_int_equal(kf_cjk_fts5_query("屋顶漏水", -1, q, sizeof(q)), 3);
    assert_string_equal(q, "\"屋顶 顶漏 漏水\"");
    assert_int_equal(matches(db, q), ROW(2));
    assert_int_equal(kf_cjk_fts5_query(" 漏水　天花板 ", -1, q, sizeof(q)), 3);
    assert_string_equal(q, "\"漏水\" \"天花 花板\"");
    assert_int_equal(matches(db, q), ROW(1));
    assert_int_equal(kf_cjk_fts5_query("wifi a101", -1, q, sizeof(q)), 2);
    assert_int_equal(matches(db, q), ROW(3));
    /* operators and quotes are words or separators, never syntax */
    assert_int_equal(kf_cjk_fts5_query("\"屋顶\" OR \"漏水\"", -1, q, sizeof(q)), 3);
    assert_string_equal(q, "\"屋顶\" \"or\" \"漏水\"");
    assert_int_equal(matches(db, q), 0);
    assert_int_equal(kf_cjk_fts5_query("NEAR(屋顶*)", -1, q, sizeof(q)), 2);
    assert_int_equal(matches(db, q), ROW(4));
    assert_int_equal(kf_cjk_fts5_query("-漏水 ^屋顶", -1, q, sizeof(q)), 2);
    assert_int_equal(matches(db, q), ROW(2));
    /* nothing to search for, or no room */
    assert_int_equal(kf_cjk_fts5_query(" ，。！ ", -1, q, sizeof(q)), 0);
    assert_string_equal(q, "");
    assert_int_equal(kf_cjk_fts5_query("屋顶漏水", -1, q, 8), -1);
    assert_string_equal(q, "");
}

/* The matcher in C finds exactly what FTS5 finds. */
static void test_matcher_agrees_with_fts5(void **state)
{
    sqlite3 *db = *state;
    static const char *const docs[] = {"卫生间漏水，楼下天花板湿了",
                                       "屋顶漏水",
                                       "A101室 WiFi 没信号",
                                       "漏 水",
                                       "水漏水",
                                       "大门 门禁卡失灵",
                                       "Ａ１０１ 屋顶。漏水",
                                       "",
                                       "顶漏",
                                       "wifi6 a101b"};
    static const char *const queries[] = {
        "漏水", "屋顶漏水",  "屋顶 漏水", "a101",          "WIFI 信号",  "门",
        "门禁", "水 漏",     "漏",        "天花板 卫生间", "屋顶。漏水", "a101b",
        "没有", "漏水 a101", "Ａ101",     "顶漏",          "wifi6",      "水漏水"};
    size_t ndocs = sizeof(docs) / sizeof(docs[0]);
    for (size_t d = 0; d < ndocs; d++)
        add_doc(db, (int)d + 1, docs[d], -1);
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        char q[KF_CJK_QUERY_MAX(64)];
        unsigned want = 0, got = 0;
        if (kf_cjk_fts5_query(queries[i], -1, q, sizeof(q)) > 0) want = matches(db, q);
        kf_cjk_matcher *m = kf_cjk_matcher_new(queries[i], -1);
        for (size_t d = 0; d < ndocs; d++) {
            kf_cjk_matcher_begin(m);
            kf_cjk_matcher_column(m, docs[d], -1);
            if (kf_cjk_matcher_found(m)) got |= ROW(d + 1);
        }
        kf_cjk_matcher_free(m);
        if (got != want) fail_msg("%s: FTS5 finds %#x, the matcher %#x", queries[i], want, got);
    }
    /* a word may be in one column and another word in the next; a phrase not across them */
    kf_cjk_matcher *m = kf_cjk_matcher_new("屋顶 漏水", -1);
    kf_cjk_matcher_begin(m);
    kf_cjk_matcher_column(m, "屋顶", -1);
    kf_cjk_matcher_column(m, NULL, 0);
    kf_cjk_matcher_column(m, "漏水", -1);
    assert_true(kf_cjk_matcher_found(m));
    kf_cjk_matcher_free(m);
    m = kf_cjk_matcher_new("屋顶漏水", -1);
    kf_cjk_matcher_begin(m);
    kf_cjk_matcher_column(m, "屋顶", -1);
    kf_cjk_matcher_column(m, "漏水", -1);
    assert_false(kf_cjk_matcher_found(m));
    kf_cjk_matcher_free(m);
    m = kf_cjk_matcher_new(" ，。", -1); /* nothing to search for finds nothing */
    kf_cjk_matcher_begin(m);
    kf_cjk_matcher_column(m, "漏水", -1);
    assert_false(kf_cjk_matcher_found(m));
    kf_cjk_matcher_free(m);
}

static void test_query_too_small(void **state)
{
    (void)state;
    char out[64];
    const char *full = "'屋顶' <-> '顶漏' <-> '漏水'";
    assert_int_equal(kf_cjk_query("屋顶漏水", -1, out, strlen(full) + 1), 3);
    assert_string_equal(out, full);
    assert_int_equal(kf_cjk_query("屋顶漏水", -1, out, strlen(full)), -1);
    assert_string_equal(out, ""); /* never a query that means less */
    assert_int_equal(kf_cjk_query("屋顶漏水", -1, out, 0), -1);
}

typedef struct {
    int len;
} bounds;

static int check_inside(void *ctx, const char *token, int len, int start, int end)
{
    const bounds *b = ctx;
    assert_true(len > 0);
    assert_true(0 <= start && start < end && end <= b->len);
    return 0;
}

/* Any bytes: tokens stay inside the text, and outputs of the documented
 * sizes always suffice (under the sanitizers, exact heap buffers). */
static void test_arbitrary_bytes(void **state)
{
    (void)state;
    static const char *pieces[] = {
        "a",  "Z", "7", "Ａ", "９",   "漏",   "𠀀",   "カ",   "한",   " ",  "　", "，",
        "。", "😀", "'", "\\", "\xff", "\xe6", "\xc0", "\x80", "\xed", "\t", "é",  "门",
    };
    const int npieces = (int)(sizeof(pieces) / sizeof(pieces[0]));
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char text[256];
        int len = 0;
        seed = seed * 1103515245u + 12345u;
        int count = (int)((seed >> 16) % 40);
        for (int p = 0; p < count; p++) {
            seed = seed * 1103515245u + 12345u;
            const char *piece = pieces[(seed >> 16) % (uint32_t)npieces];
            size_t n = strlen(piece);
            memcpy(text + len, piece, n);
            len += (int)n;
        }
        char *in = malloc((size_t)len + 1);
        assert_non_null(in);
        memcpy(in, text, (size_t)len);
        size_t tcap = KF_CJK_TERMS_MAX(len), qcap = KF_CJK_QUERY_MAX(len);
        char *terms = malloc(tcap), *query = malloc(qcap);
        assert_non_null(terms);
        assert_non_null(query);
        bounds b = {len};
        assert_int_equal(kf_cjk_tokenize(in, len, check_inside, &b), 0);
        assert_int_equal(kf_cjk_terms(in, len, terms, tcap), 0);
        assert_true(kf_cjk_query(in, len, query, qcap) >= 0);
        assert_true(kf_cjk_fts5_query(in, len, query, qcap) >= 0);
        free(terms);
        free(query);
        free(in);
    }
    /* the densest inputs for each bound */
    char out[KF_CJK_QUERY_MAX(4 * 8)];
    assert_int_equal(kf_cjk_terms("𠀀𠀀𠀀𠀀𠀀𠀀𠀀𠀀", -1, out, KF_CJK_TERMS_MAX(32)), 0);
    assert_true(kf_cjk_query("a漏a漏a漏a漏", -1, out, KF_CJK_QUERY_MAX(16)) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chinese_words, setup_docs, teardown_docs),
        cmocka_unit_test_setup_teardown(test_highlight_covers_the_word, setup_docs, teardown_docs),
        cmocka_unit_test_setup_teardown(test_mixed_text, setup_docs, teardown_docs),
        cmocka_unit_test_setup_teardown(test_single_character, setup_docs, teardown_docs),
        cmocka_unit_test_setup_teardown(test_separators_and_bad_bytes, setup_docs, teardown_docs),
        cmocka_unit_test(test_registration_per_connection),
        cmocka_unit_test(test_tokens_and_offsets),
        cmocka_unit_test(test_terms),
        cmocka_unit_test(test_never_reads_past_len),
        cmocka_unit_test(test_terms_too_small),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_query),
        cmocka_unit_test_setup_teardown(test_fts5_query, setup_docs, teardown_docs),
        cmocka_unit_test_setup_teardown(test_matcher_agrees_with_fts5, setup_docs, teardown_docs),
        cmocka_unit_test(test_query_too_small),
        cmocka_unit_test(test_arbitrary_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
