/* Personal data: mobile and ID number validation, masking, name bigrams, and
 * the at-rest encryption of ID numbers with its key file. */
#include "core/pii_crypto.h"
#include "domain/pii.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char g_dir[512]; /* this run's directory under $KEFU_TEST_TMP */

static void check_mobile(const char *in, const char *want)
{
    char norm[KF_MOBILE_LEN];
    const char *problem = kf_mobile_problem(in, norm, sizeof(norm));
    if (!want) {
        assert_string_equal(problem ? problem : "(valid)", "invalid_mobile");
        assert_string_equal(norm, "");
        return;
    }
    assert_null(problem);
    assert_string_equal(norm, want);
}

static void test_mobile(void **state)
{
    (void)state;
    check_mobile("13800138000", "13800138000");
    check_mobile("138 0013 8000", "13800138000");
    check_mobile("138-0013-8000", "13800138000");
    check_mobile("+8613800138000", "13800138000");
    check_mobile("+86 138 0013 8000", "13800138000");
    check_mobile("008613800138000", "13800138000");
    check_mobile("8613800138000", "13800138000");
    check_mobile(" 19912345678 ", "19912345678");
    check_mobile("+44 7911 123456", "+447911123456");
    check_mobile("+1-202-555-0143", "+12025550143");
    check_mobile("+852 123456", "+852123456");

    check_mobile("12800138000", NULL);            /* second digit 2 */
    check_mobile("1380013800", NULL);             /* 10 digits */
    check_mobile("138001380000", NULL);           /* 12 digits */
    check_mobile("23800138000", NULL);            /* not starting with 1 */
    check_mobile("1380013800a", NULL);            /* a letter */
    check_mobile("abc", NULL);                    /* letters */
    check_mobile("", NULL);                       /* empty */
    check_mobile("+", NULL);                      /* nothing after + */
    check_mobile("+8612800138000", NULL);         /* +86 but not a mainland mobile */
    check_mobile("+86 138", NULL);                /* +86 and too short */
    check_mobile("+1234", NULL);                  /* under 6 digits */
    check_mobile("+1234567890123456", NULL);      /* over 15 digits */
    check_mobile("+0441234567", NULL);            /* country codes start 1-9 */
    check_mobile("138+00138000", NULL);           /* + in the middle */
    check_mobile("++8613800138000", NULL);        /* two + */
    check_mobile("(138)00138000", NULL);          /* other punctuation */
    check_mobile("１３８００１３８０００", NULL); /* full-width digits */
    check_mobile("86123", NULL);
    check_mobile("0086", NULL);
    assert_string_equal(kf_mobile_problem(NULL, NULL, 0), "invalid_mobile");

    /* validation without a buffer; a buffer too small is an error, not a
     * truncated number */
    assert_null(kf_mobile_problem("13800138000", NULL, 0));
    char small[11];
    assert_non_null(kf_mobile_problem("13800138000", small, sizeof(small)));
    assert_string_equal(small, "");
    char exact[12];
    assert_null(kf_mobile_problem("+86 138 0013 8000", exact, sizeof(exact)));
}

static void test_mobile_international_bounds(void **state)
{
    (void)state;
    check_mobile("+4412345", "+4412345");                 /* 7 digits */
    check_mobile("+123456", "+123456");                   /* 6 digits */
    check_mobile("+123456789012345", "+123456789012345"); /* 15 digits */
    check_mobile("+1 234 567 890 123 45", "+123456789012345");
}

static void check_id(const char *in, const char *want)
{
    char norm[KF_IDNUM_LEN];
    const char *problem = kf_idnum_problem(in, norm, sizeof(norm));
    if (!want) {
        assert_string_equal(problem ? problem : "(valid)", "invalid_id_number");
        assert_string_equal(norm, "");
        return;
    }
    assert_null(problem);
    assert_string_equal(norm, want);
}

static void test_idnum(void **state)
{
    (void)state;
    /* check digits computed with ISO 7064 MOD 11-2 */
    check_id("11010519491231002X", "11010519491231002X");
    check_id("11010519491231002x", "11010519491231002X"); /* lower-case x */
    check_id(" 11010519491231002X\t", "11010519491231002X");
    check_id("440308200002291231", "440308200002291231"); /* 29 Feb of 2000 */
    check_id("110105209912310029", "110105209912310029"); /* last year allowed */

    check_id("110105194912310021", NULL); /* wrong check digit */
    check_id("110105194912310020", NULL);
    check_id("21010519491231002X", NULL); /* one digit changed */
    check_id("110105194902310026", NULL); /* 31 Feb 1949, right check digit */
    check_id("440308190002291235", NULL); /* 29 Feb of 1900: not a leap year */
    check_id("320102199913010013", NULL); /* month 13 */
    check_id("110105189912310023", NULL); /* 1899 */
    check_id("110105210001010023", NULL); /* 2100 */
    check_id("11010519491231002", NULL);  /* 17 characters */
    check_id("11010519491231002XX", NULL);
    check_id("1101051949123100X2", NULL); /* X not last */
    check_id("11010519491231002Y", NULL);
    check_id("11010519491 31002X", NULL);
    check_id("", NULL);
    assert_string_equal(kf_idnum_problem(NULL, NULL, 0), "invalid_id_number");
    assert_null(kf_idnum_problem("11010519491231002X", NULL, 0));
    char small[18];
    assert_non_null(kf_idnum_problem("11010519491231002X", small, sizeof(small)));
}

static void test_mask(void **state)
{
    (void)state;
    char out[32];
    kf_mask_mobile("13812345678", out, sizeof(out));
    assert_string_equal(out, "138****5678");
    kf_mask_mobile("+447911123456", out, sizeof(out));
    assert_string_equal(out, "+44******3456");
    kf_mask_mobile("+12025550143", out, sizeof(out));
    assert_string_equal(out, "+12*****0143");
    kf_mask_idnum("110105194912311234", out, sizeof(out));
    assert_string_equal(out, "1101**********1234");
    kf_mask_idnum("11010519491231002X", out, sizeof(out));
    assert_string_equal(out, "1101**********002X");

    /* short values: at least 4 characters stay hidden */
    kf_mask_mobile("+4412345", out, sizeof(out));
    assert_string_equal(out, "+44****5");
    kf_mask_mobile("12345", out, sizeof(out));
    assert_string_equal(out, "1****");
    kf_mask_mobile("1234", out, sizeof(out));
    assert_string_equal(out, "****");
    kf_mask_mobile("1", out, sizeof(out));
    assert_string_equal(out, "*");
    kf_mask_mobile("", out, sizeof(out));
    assert_string_equal(out, "");
    kf_mask_mobile(NULL, out, sizeof(out));
    assert_string_equal(out, "");
    kf_mask_idnum("123456789", out, sizeof(out));
    assert_string_equal(out, "1234****9");
    kf_mask_idnum("12", out, sizeof(out));
    assert_string_equal(out, "**");
    /* non-ASCII is starred whole, so no broken character leaks out */
    kf_mask_idnum("张三12345678901", out, sizeof(out));
    assert_int_equal(strspn(out, "*"), strlen("张三12345678901"));
    /* a small buffer truncates */
    char tiny[6];
    kf_mask_mobile("13812345678", tiny, sizeof(tiny));
    assert_string_equal(tiny, "138**");
    kf_mask_mobile("13812345678", tiny, 0); /* writes nothing */

    char last[5];
    kf_mobile_last4("13812345678", last);
    assert_string_equal(last, "5678");
    kf_mobile_last4("+447911123456", last);
    assert_string_equal(last, "3456");
    kf_mobile_last4("123", last);
    assert_string_equal(last, "");
    kf_mobile_last4(NULL, last);
    assert_string_equal(last, "");
}

static void test_bigrams(void **state)
{
    (void)state;
    char g[16][KF_BIGRAM_LEN];
    assert_int_equal(kf_bigrams("张晓明", g, 16), 2);
    assert_string_equal(g[0], "张晓");
    assert_string_equal(g[1], "晓明");

    assert_int_equal(kf_bigrams("张", g, 16), 1);
    assert_string_equal(g[0], "张");
    assert_int_equal(kf_bigrams("Li", g, 16), 1);
    assert_string_equal(g[0], "li");
    assert_int_equal(kf_bigrams("A", g, 16), 1);
    assert_string_equal(g[0], "a");

    /* mixed: ASCII lower-cased, repeats once */
    assert_int_equal(kf_bigrams("Anna李娜娜", g, 16), 6);
    assert_string_equal(g[0], "an");
    assert_string_equal(g[1], "nn");
    assert_string_equal(g[2], "na");
    assert_string_equal(g[3], "a李");
    assert_string_equal(g[4], "李娜");
    assert_string_equal(g[5], "娜娜");
    assert_int_equal(kf_bigrams("哈哈哈哈", g, 16), 1);
    assert_string_equal(g[0], "哈哈");

    /* four-byte characters fit */
    assert_int_equal(kf_bigrams("𠮷𠮷野", g, 16), 2);
    assert_string_equal(g[0], "𠮷𠮷");
    assert_string_equal(g[1], "𠮷野");

    /* at most MAX */
    assert_int_equal(kf_bigrams("欧阳晓明", g, 2), 2);
    assert_string_equal(g[1], "阳晓");
    assert_int_equal(kf_bigrams("欧阳晓明", g, 0), 0);

    /* empty and invalid UTF-8 */
    assert_int_equal(kf_bigrams("", g, 16), 0);
    assert_int_equal(kf_bigrams(NULL, g, 16), 0);
    assert_int_equal(kf_bigrams("张\xff", g, 16), 0);
    assert_int_equal(kf_bigrams("\xe5\xbc", g, 16), 0);                 /* truncated */
    assert_int_equal(kf_bigrams("ab\xc0\xaf", g, 16), 0);               /* overlong '/' */
    assert_int_equal(kf_bigrams("\xed\xa0\x80\xe5\xbc\xa0", g, 16), 0); /* surrogate */
    assert_int_equal(kf_bigrams("\xf4\x90\x80\x80", g, 16), 0);         /* past U+10FFFF */
    assert_int_equal(kf_bigrams("\x80", g, 16), 0);
}

/* key files */

static void path_in_dir(char *out, size_t len, const char *name)
{
    assert_true((size_t)snprintf(out, len, "%s/%s", g_dir, name) < len);
}

static void write_text(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0); /* whatever the umask */
    close(fd);
}

static void test_keys_created_then_reused(void **state)
{
    (void)state;
    char dir[600], path[700], err[512];
    struct stat st;
    path_in_dir(dir, sizeof(dir), "keys-new");
    snprintf(path, sizeof(path), "%s/pii.key", dir);
    unlink(path);
    rmdir(dir);

    kf_pii_keys a, b;
    assert_int_equal(kf_pii_keys_load(path, &a, err, sizeof(err)), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 65); /* 64 hex digits and a newline */
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    /* the second start reads the same key: what the first encrypted, the
     * second decrypts */
    assert_int_equal(kf_pii_keys_load(path, &b, err, sizeof(err)), 0);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_memory_not_equal(a.enc_key, a.hash_key, sizeof(a.enc_key));
    char stored[128], plain[64];
    assert_int_equal(kf_pii_encrypt(&a, "11010519491231002X", stored, sizeof(stored)), 0);
    assert_int_equal(kf_pii_decrypt(&b, stored, plain, sizeof(plain)), 0);
    assert_string_equal(plain, "11010519491231002X");

    kf_pii_keys_wipe(&b);
    static const kf_pii_keys zero;
    assert_memory_equal(&b, &zero, sizeof(b));
    kf_pii_keys_wipe(&a);
    unlink(path);
    rmdir(dir);
}

static void test_keys_refused(void **state)
{
    (void)state;
    char path[700], err[512];
    kf_pii_keys k;
    path_in_dir(path, sizeof(path), "refused.key");

    const char *good = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
    write_text(path, good, 0644);
    err[0] = '\0';
    assert_int_not_equal(kf_pii_keys_load(path, &k, err, sizeof(err)), 0);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "0644"));
    assert_null(strchr(err, '\n'));

    write_text(path, good, 0640);
    assert_int_not_equal(kf_pii_keys_load(path, &k, err, sizeof(err)), 0);

    /* the same content with 0600 (and 0400) loads, with or without a newline */
    write_text(path, good, 0600);
    assert_int_equal(kf_pii_keys_load(path, &k, err, sizeof(err)), 0);
    write_text(path, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0400);
    assert_int_equal(kf_pii_keys_load(path, &k, err, sizeof(err)), 0);

    static const char *const garbage[] = {
        "",
        "not a key\n",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e\n",     /* short */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20\n", /* long */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n",   /* not hex */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n\n",
    };
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        write_text(path, garbage[i], 0600);
        err[0] = '\0';
        assert_int_not_equal(kf_pii_keys_load(path, &k, err, sizeof(err)), 0);
        assert_non_null(strstr(err, path));
        assert_non_null(strstr(err, "malformed"));
    }

    /* a directory where the file should be */
    unlink(path);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_not_equal(kf_pii_keys_load(path, &k, err, sizeof(err)), 0);
    assert_non_null(strstr(err, path));
    rmdir(path);
    kf_pii_keys_wipe(&k);
}

static int keys_setup(void **state)
{
    static kf_pii_keys keys[2];
    char path[700], err[512];
    path_in_dir(path, sizeof(path), "k1.key");
    unlink(path);
    if (kf_pii_keys_load(path, &keys[0], err, sizeof(err)) != 0) return -1;
    unlink(path);
    path_in_dir(path, sizeof(path), "k2.key");
    unlink(path);
    if (kf_pii_keys_load(path, &keys[1], err, sizeof(err)) != 0) return -1;
    unlink(path);
    *state = keys;
    return 0;
}

static int keys_teardown(void **state)
{
    kf_pii_keys *keys = *state;
    kf_pii_keys_wipe(&keys[0]);
    kf_pii_keys_wipe(&keys[1]);
    return 0;
}

static void round_trip(const kf_pii_keys *k, const char *plain)
{
    size_t need = kf_pii_encrypted_len(strlen(plain));
    char *stored = malloc(need), *back = malloc(strlen(plain) + 1);
    assert_non_null(stored);
    assert_non_null(back);
    assert_int_equal(kf_pii_encrypt(k, plain, stored, need), 0);
    assert_int_equal(strlen(stored) + 1, need); /* the size is exact */
    assert_memory_equal(stored, "v1:", 3);
    assert_int_equal(strspn(stored + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789-_"),
                     strlen(stored) - 3);
    assert_int_equal(kf_pii_decrypt(k, stored, back, strlen(plain) + 1), 0);
    assert_string_equal(back, plain);
    /* one byte short for the plain text */
    if (plain[0]) assert_int_equal(kf_pii_decrypt(k, stored, back, strlen(plain)), -1);
    /* one byte short for the stored form */
    assert_int_equal(kf_pii_encrypt(k, plain, stored, need - 1), -1);
    free(stored);
    free(back);
}

static void test_round_trip(void **state)
{
    kf_pii_keys *keys = *state;
    round_trip(&keys[0], "11010519491231002X");
    round_trip(&keys[0], "");
    round_trip(&keys[0], "张晓明 住 3-2-1502，身份证遗失");
    round_trip(&keys[1], "a");
    round_trip(&keys[1], "ab");
    round_trip(&keys[1], "abc");
    char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    round_trip(&keys[1], big);
}

static void test_tamper(void **state)
{
    kf_pii_keys *keys = *state;
    char stored[128], bad[160], out[64];
    assert_int_equal(kf_pii_encrypt(&keys[0], "11010519491231002X", stored, sizeof(stored)), 0);

    /* every character changed in turn: nonce, tag and ciphertext are all
     * covered */
    for (size_t i = 3; stored[i]; i++) {
        strcpy(bad, stored);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        strcpy(out, "untouched");
        assert_int_equal(kf_pii_decrypt(&keys[0], bad, out, sizeof(out)), -1);
        assert_string_equal(out, "");
    }
    /* truncated, extended, wrong prefix, not base64, another key */
    strcpy(bad, stored);
    bad[strlen(bad) - 1] = '\0';
    assert_int_equal(kf_pii_decrypt(&keys[0], bad, out, sizeof(out)), -1);
    strcpy(bad, stored);
    strcat(bad, "AA");
    assert_int_equal(kf_pii_decrypt(&keys[0], bad, out, sizeof(out)), -1);
    strcpy(bad, stored);
    bad[1] = '2';
    assert_int_equal(kf_pii_decrypt(&keys[0], bad, out, sizeof(out)), -1);
    assert_int_equal(kf_pii_decrypt(&keys[0], stored + 3, out, sizeof(out)), -1);
    strcpy(bad, stored);
    bad[10] = '=';
    assert_int_equal(kf_pii_decrypt(&keys[0], bad, out, sizeof(out)), -1);
    assert_int_equal(kf_pii_decrypt(&keys[0], "v1:", out, sizeof(out)), -1);
    assert_int_equal(kf_pii_decrypt(&keys[0], "v1:AAAA", out, sizeof(out)), -1);
    assert_int_equal(kf_pii_decrypt(&keys[0], "", out, sizeof(out)), -1);
    assert_int_equal(kf_pii_decrypt(&keys[0], NULL, out, sizeof(out)), -1);
    assert_int_equal(kf_pii_decrypt(&keys[1], stored, out, sizeof(out)), -1);
    assert_int_equal(kf_pii_decrypt(&keys[0], stored, out, sizeof(out)), 0);
}

static void test_nonce_and_lookup_hash(void **state)
{
    kf_pii_keys *keys = *state;
    char s1[128], s2[128], out[64];
    assert_int_equal(kf_pii_encrypt(&keys[0], "11010519491231002X", s1, sizeof(s1)), 0);
    assert_int_equal(kf_pii_encrypt(&keys[0], "11010519491231002X", s2, sizeof(s2)), 0);
    assert_string_not_equal(s1, s2); /* random nonce: equal IDs are not visible */
    assert_int_equal(kf_pii_decrypt(&keys[0], s2, out, sizeof(out)), 0);
    assert_string_equal(out, "11010519491231002X");

    char h1[KF_PII_HASH_LEN], h2[KF_PII_HASH_LEN], h3[KF_PII_HASH_LEN], h4[KF_PII_HASH_LEN];
    kf_pii_lookup_hash(&keys[0], "11010519491231002X", h1);
    kf_pii_lookup_hash(&keys[0], "11010519491231002X", h2);
    kf_pii_lookup_hash(&keys[1], "11010519491231002X", h3);
    kf_pii_lookup_hash(&keys[0], "440308200002291231", h4);
    assert_string_equal(h1, h2);
    assert_string_not_equal(h1, h3);
    assert_string_not_equal(h1, h4);
    assert_int_equal(strlen(h1), 64);
    assert_int_equal(strspn(h1, "0123456789abcdef"), 64);
}

static int make_dir(void)
{
    const char *tmp = getenv("KEFU_TEST_TMP");
    char base[256];
    snprintf(base, sizeof(base), "%s", tmp && *tmp ? tmp : "/tmp/kefu-test");
    if (mkdir(base, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s: %s\n", base, strerror(errno));
        return -1;
    }
    snprintf(g_dir, sizeof(g_dir), "%s/pii-%ld", base, (long)getpid());
    if (mkdir(g_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s: %s\n", g_dir, strerror(errno));
        return -1;
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest rules[] = {
        cmocka_unit_test(test_mobile),       cmocka_unit_test(test_mobile_international_bounds),
        cmocka_unit_test(test_idnum),        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_bigrams),      cmocka_unit_test(test_keys_created_then_reused),
        cmocka_unit_test(test_keys_refused),
    };
    const struct CMUnitTest crypto[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_nonce_and_lookup_hash),
    };
    if (make_dir() != 0) return 1;
    int failed = cmocka_run_group_tests_name("pii rules and key files", rules, NULL, NULL);
    failed += cmocka_run_group_tests_name("pii encryption", crypto, keys_setup, keys_teardown);
    rmdir(g_dir); /* empty unless a test failed, which leaves its files to look at */
    return failed ? 1 : 0;
}
