/* Attachments: content sniffing of the accepted file types, and the
 * content-addressed file store (hashes, dedupe, atomic writes, refusals,
 * corruption found on read, concurrent writers). */
#include "core/blobstore.h"
#include "core/err.h"
#include "core/filetype.h"
#include "core/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

static char g_dir[512]; /* this run's directory under $KEFU_TEST_TMP */

#define SHA256_ABC   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* ---- sample files, built byte by byte ---------------------------------- */

static void put_le32(unsigned char *p, unsigned v)
{
    p[0] = v & 0xFF, p[1] = (v >> 8) & 0xFF, p[2] = (v >> 16) & 0xFF, p[3] = (v >> 24) & 0xFF;
}

/* a 1x1 RGBA PNG: signature and IHDR chunk with its real CRC */
static const unsigned char png_1x1[] = {
    0x89, 'P',  'N',  'G',  0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00,
    0x0D, 'I',  'H',  'D',  'R',  0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89,
};

/* SOI, the start of a JFIF APP0 segment, EOI */
static const unsigned char jpeg_min[] = {
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J',  'F',  'I',  'F',  0x00,
    0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
};

static const char pdf_min[] = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
                              "trailer\n<< /Root 1 0 R >>\n%%EOF\n";

/* webp_vp8: a lossy WebP of 30 bytes: RIFF header, "VP8 " chunk of 10 bytes
 * (key-frame tag, start code, 1x1), RIFF size RIFF. */
static size_t webp_vp8(unsigned char out[30], unsigned riff)
{
    static const unsigned char frame[10] = {0x10, 0x00, 0x00, 0x9D, 0x01,
                                            0x2A, 0x01, 0x00, 0x01, 0x00};
    memcpy(out, "RIFF", 4);
    put_le32(out + 4, riff);
    memcpy(out + 8, "WEBPVP8 ", 8);
    put_le32(out + 16, sizeof(frame));
    memcpy(out + 20, frame, sizeof(frame));
    return 30;
}

/* webp_vp8l: a lossless WebP: "VP8L" chunk of 5 bytes, its padding byte */
static size_t webp_vp8l(unsigned char out[26])
{
    memcpy(out, "RIFF", 4);
    put_le32(out + 4, 18);
    memcpy(out + 8, "WEBPVP8L", 8);
    put_le32(out + 16, 5);
    memcpy(out + 20, "\x2F\x00\x00\x00\x00\x00", 6);
    return 26;
}

/* webp_vp8x: an extended WebP header: "VP8X" chunk of 10 bytes */
static size_t webp_vp8x(unsigned char out[30])
{
    memcpy(out, "RIFF", 4);
    put_le32(out + 4, 22);
    memcpy(out + 8, "WEBPVP8X", 8);
    put_le32(out + 16, 10);
    memset(out + 20, 0, 10);
    return 30;
}

/* sniff_exact: kf_filetype_sniff on a heap copy of exactly LEN bytes, so
 * AddressSanitizer reports any read past the end. */
static const char *sniff_exact(const void *data, size_t len)
{
    unsigned char *copy = kf_malloc(len ? len : 1);
    if (len) memcpy(copy, data, len);
    const char *t = kf_filetype_sniff(len ? copy : NULL, len);
    free(copy);
    return t;
}

static const char *sniff_str(const char *s)
{
    return sniff_exact(s, strlen(s));
}

/* ---- sniffing ----------------------------------------------------------- */

static void test_sniff_types(void **state)
{
    (void)state;
    unsigned char w[32];
    assert_string_equal(sniff_exact(png_1x1, sizeof(png_1x1)), "image/png");
    assert_string_equal(sniff_exact(jpeg_min, sizeof(jpeg_min)), "image/jpeg");
    assert_string_equal(sniff_exact(w, webp_vp8(w, 22)), "image/webp");
    assert_string_equal(sniff_exact(w, webp_vp8l(w)), "image/webp");
    assert_string_equal(sniff_exact(w, webp_vp8x(w)), "image/webp");
    assert_string_equal(sniff_str(pdf_min), "application/pdf");
    assert_string_equal(sniff_str("%PDF-2.0\n"), "application/pdf");

    assert_string_equal(kf_filetype_ext("image/jpeg"), "jpg");
    assert_string_equal(kf_filetype_ext("image/png"), "png");
    assert_string_equal(kf_filetype_ext("image/webp"), "webp");
    assert_string_equal(kf_filetype_ext("application/pdf"), "pdf");
    assert_null(kf_filetype_ext("text/html"));
    assert_null(kf_filetype_ext("image/PNG"));
    assert_null(kf_filetype_ext(NULL));
    assert_true(kf_filetype_allowed("image/webp"));
    assert_true(kf_filetype_allowed("application/pdf"));
    assert_false(kf_filetype_allowed("image/gif"));
    assert_false(kf_filetype_allowed(""));
    assert_false(kf_filetype_allowed(NULL));
}

/* the name says nothing: PNG bytes saved as photo.jpg are still a PNG */
static void test_sniff_ignores_name(void **state)
{
    (void)state;
    char path[600];
    unsigned char back[64];
    snprintf(path, sizeof(path), "%s/photo.jpg", g_dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(png_1x1, 1, sizeof(png_1x1), f), sizeof(png_1x1));
    assert_int_equal(fclose(f), 0);
    f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(back, 1, sizeof(back), f);
    fclose(f);
    unlink(path);
    assert_string_equal(sniff_exact(back, n), "image/png");
}

static void test_sniff_refused(void **state)
{
    (void)state;
    unsigned char png[sizeof(png_1x1)];
    assert_null(kf_filetype_sniff(NULL, 0));
    assert_null(sniff_exact("", 0));
    assert_null(sniff_str("hello, this is a plain text file\n"));
    assert_null(sniff_str("<!DOCTYPE html><html><script>alert(1)</script></html>"));
    assert_null(sniff_exact("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF", 14));
    assert_null(sniff_str("GIF89a\x01\x00\x01\x00"));
    assert_null(sniff_exact(png_1x1, 3));  /* truncated signature */
    assert_null(sniff_exact(png_1x1, 8));  /* signature alone */
    assert_null(sniff_exact(png_1x1, 32)); /* IHDR without its CRC */
    assert_null(sniff_exact(jpeg_min, 3)); /* SOI and a lone FF */
    assert_null(sniff_exact("\xFF\xD8\xFF\x00", 4));
    memcpy(png, png_1x1, sizeof(png));
    memcpy(png + 12, "IDAT", 4); /* the first chunk must be IHDR */
    assert_null(sniff_exact(png, sizeof(png)));
    memcpy(png, png_1x1, sizeof(png));
    png[19] = 0; /* width 0 */
    assert_null(sniff_exact(png, sizeof(png)));
    memcpy(png, png_1x1, sizeof(png));
    png[24] = 7; /* bit depth 7 */
    assert_null(sniff_exact(png, sizeof(png)));

    assert_null(sniff_str("%PDF-"));
    assert_null(sniff_str("%PDF-1"));
    assert_null(sniff_str("%PDF-x.y\n"));
    assert_null(sniff_str("%pdf-1.4\n"));
}

static void test_sniff_webp_sizes(void **state)
{
    (void)state;
    unsigned char w[32];
    assert_string_equal(sniff_exact(w, webp_vp8(w, 23)), "image/webp"); /* one byte of slack */
    assert_null(sniff_exact(w, webp_vp8(w, 24)));   /* claims two bytes more than present */
    assert_null(sniff_exact(w, webp_vp8(w, 4096))); /* claims far more */
    assert_null(sniff_exact(w, webp_vp8(w, 0xFFFFFFFFu)));
    assert_null(sniff_exact(w, webp_vp8(w, 11))); /* too small for any chunk */
    assert_null(sniff_exact(w, webp_vp8(w, 21))); /* the chunk sticks out of the RIFF */
    assert_string_equal(sniff_exact(w, webp_vp8l(w) - 1), "image/webp"); /* pad byte missing */
    webp_vp8(w, 22);
    assert_null(sniff_exact(w, 29)); /* the VP8 frame header cut short */
    memcpy(w + 12, "VP9 ", 4);
    assert_null(sniff_exact(w, 30));
    webp_vp8(w, 22);
    w[23] = 0x9C; /* wrong start code */
    assert_null(sniff_exact(w, 30));
    webp_vp8(w, 22);
    memcpy(w + 8, "WAVE", 4); /* another RIFF format */
    assert_null(sniff_exact(w, 30));
    webp_vp8x(w);
    put_le32(w + 16, 12); /* VP8X is always 10 bytes */
    assert_null(sniff_exact(w, 30));
}

/* the PDF header may start anywhere in the first 1024 bytes, no later */
static void test_sniff_pdf_window(void **state)
{
    (void)state;
    char buf[1100];
    memset(buf, ' ', sizeof(buf));
    memcpy(buf + 1023, "%PDF-1.4\n", 9);
    assert_string_equal(sniff_exact(buf, 1032), "application/pdf");
    memset(buf, ' ', sizeof(buf));
    memcpy(buf + 1024, "%PDF-1.4\n", 9);
    assert_null(sniff_exact(buf, 1033));
    memset(buf, ' ', sizeof(buf));
    memcpy(buf + 100, "%PDF-1.4", 8); /* ends exactly at LEN */
    assert_string_equal(sniff_exact(buf, 108), "application/pdf");
    assert_null(sniff_exact(buf, 107));
}

/* every prefix of every sample, in a buffer of exactly that size: nothing
 * is read past LEN (AddressSanitizer would stop the test) and a prefix
 * shorter than the type's header is refused */
static void test_sniff_prefixes(void **state)
{
    (void)state;
    unsigned char a[32], b[32], c[32];
    const struct {
        const void *data;
        size_t len, min;
    } samples[] = {
        {png_1x1, sizeof(png_1x1), sizeof(png_1x1)},
        {jpeg_min, sizeof(jpeg_min), 4},
        {pdf_min, sizeof(pdf_min) - 1, 8},
        {a, webp_vp8(a, 22), 30},
        {b, webp_vp8l(b), 25},
        {c, webp_vp8x(c), 30},
    };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        for (size_t k = 0; k < samples[i].len; k++) {
            const char *t = sniff_exact(samples[i].data, k);
            if (k < samples[i].min) assert_null(t);
        }
        assert_non_null(sniff_exact(samples[i].data, samples[i].len));
    }
}

/* ---- the store ---------------------------------------------------------- */

/* remove_tree: PATH and everything below it (no symlinks are followed). */
static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        char sub[1024];
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* count_files: regular files below PATH, and how many are temporary. */
static void count_files(const char *path, int *files, int *temps)
{
    DIR *d = opendir(path);
    struct dirent *e;
    struct stat st;
    char sub[1024];
    assert_non_null(d);
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
        assert_int_equal(lstat(sub, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            count_files(sub, files, temps);
        } else {
            (*files)++;
            if (strncmp(e->d_name, ".tmp-", 5) == 0) (*temps)++;
        }
    }
    closedir(d);
}

typedef struct {
    char root[600];
    kf_blobstore *b;
} fixture;

static int store_setup(void **state)
{
    static int seq;
    char err[256];
    fixture *f = kf_calloc(1, sizeof(*f));
    snprintf(f->root, sizeof(f->root), "%s/store-%d/nested/files", g_dir, ++seq);
    if (kf_blobstore_open(f->root, &f->b, err, sizeof(err)) != KF_OK) {
        fprintf(stderr, "kf_blobstore_open: %s\n", err);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int store_teardown(void **state)
{
    fixture *f = *state;
    char top[600];
    kf_blobstore_close(f->b);
    snprintf(top, sizeof(top), "%s", f->root);
    *strstr(top, "/nested") = '\0';
    remove_tree(top);
    free(f);
    return 0;
}

static void assert_store_holds(const fixture *f, int want)
{
    int files = 0, temps = 0;
    count_files(f->root, &files, &temps);
    assert_int_equal(temps, 0);
    assert_int_equal(files, want);
}

static void test_open(void **state)
{
    fixture *f = *state;
    struct stat st;
    char err[256], path[700];
    kf_blobstore *b;
    assert_int_equal(stat(f->root, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    /* opening an existing store again is fine */
    assert_int_equal(kf_blobstore_open(f->root, &b, err, sizeof(err)), KF_OK);
    kf_blobstore_close(b);
    /* a regular file where the root should be is refused with a reason */
    snprintf(path, sizeof(path), "%s/not-a-dir", f->root);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_not_equal(kf_blobstore_open(path, &b, err, sizeof(err)), KF_OK);
    assert_null(b);
    assert_non_null(strstr(err, "not-a-dir"));
    unlink(path);
    assert_int_equal(kf_blobstore_open("", &b, err, sizeof(err)), KF_EINVAL);
}

static void test_put_read(void **state)
{
    fixture *f = *state;
    char hash[KF_BLOB_HASH_LEN], path[1024], want[1024];
    void *data;
    size_t len;
    struct stat st;

    assert_int_equal(kf_blobstore_put(f->b, "abc", 3, hash), KF_OK);
    assert_string_equal(hash, SHA256_ABC);
    assert_int_equal(kf_blobstore_path(f->b, hash, path, sizeof(path)), KF_OK);
    assert_non_null(realpath(f->root, want));
    strcat(want, "/ba/78/" SHA256_ABC);
    assert_string_equal(path, want);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_int_equal(kf_blobstore_read(f->b, hash, 1024, &data, &len), KF_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(data, "abc", 3);
    free(data);

    /* the empty file is content too */
    assert_int_equal(kf_blobstore_put(f->b, NULL, 0, hash), KF_OK);
    assert_string_equal(hash, SHA256_EMPTY);
    assert_int_equal(kf_blobstore_read(f->b, hash, 0, &data, &len), KF_OK);
    assert_non_null(data);
    assert_int_equal(len, 0);
    free(data);
    assert_int_equal(kf_blobstore_put(f->b, NULL, 1, hash), KF_EINVAL);
    assert_store_holds(f, 2);
}

static void test_dedupe(void **state)
{
    fixture *f = *state;
    char h1[KF_BLOB_HASH_LEN], h2[KF_BLOB_HASH_LEN], path[1024];
    struct stat before, after;
    unsigned char *big = kf_malloc(300000);
    for (size_t i = 0; i < 300000; i++)
        big[i] = (unsigned char)(i * 7 + i / 251);

    assert_int_equal(kf_blobstore_put(f->b, big, 300000, h1), KF_OK);
    assert_int_equal(kf_blobstore_path(f->b, h1, path, sizeof(path)), KF_OK);
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(kf_blobstore_put(f->b, big, 300000, h2), KF_OK);
    assert_string_equal(h1, h2);
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino); /* not written again */
    assert_store_holds(f, 1);

    big[299999] ^= 1; /* one bit more is other content */
    assert_int_equal(kf_blobstore_put(f->b, big, 300000, h2), KF_OK);
    assert_string_not_equal(h1, h2);
    assert_store_holds(f, 2);
    free(big);
}

static void test_bad_hashes(void **state)
{
    fixture *f = *state;
    char path[1024], hash[KF_BLOB_HASH_LEN], upper[KF_BLOB_HASH_LEN], absent[KF_BLOB_HASH_LEN];
    void *data = (void *)1;
    size_t len = 99;
    const char *bad[] = {
        "../etc/passwd",
        "../../../../../../../../../../../../../../../../../../../../../etc/passwd",
        SHA256_ABC "0",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", /* 63 */
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a/",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag",
        "",
        NULL,
        upper,
    };
    snprintf(upper, sizeof(upper), "%s", SHA256_ABC);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 'a' + 'A');
    assert_int_equal(kf_blobstore_put(f->b, "abc", 3, hash), KF_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(kf_blobstore_path(f->b, bad[i], path, sizeof(path)), KF_EINVAL);
        assert_string_equal(path, "");
        assert_int_equal(kf_blobstore_read(f->b, bad[i], 1024, &data, &len), KF_EINVAL);
        assert_null(data);
        assert_int_equal(len, 0);
    }
    /* well formed but absent, also under directories that do exist */
    assert_int_equal(kf_blobstore_read(f->b, SHA256_EMPTY, 1024, &data, &len), KF_ENOTFOUND);
    snprintf(absent, sizeof(absent), "ba78%s", SHA256_EMPTY + 4);
    assert_int_equal(kf_blobstore_read(f->b, absent, 1024, &data, &len), KF_ENOTFOUND);
    /* an output buffer too small for the name */
    assert_int_equal(kf_blobstore_path(f->b, SHA256_ABC, path, 20), KF_EINVAL);
}

static void test_read_max(void **state)
{
    fixture *f = *state;
    char hash[KF_BLOB_HASH_LEN], body[100];
    void *data;
    size_t len;
    memset(body, 'x', sizeof(body));
    assert_int_equal(kf_blobstore_put(f->b, body, sizeof(body), hash), KF_OK);
    assert_int_equal(kf_blobstore_read(f->b, hash, 99, &data, &len), KF_ELIMIT);
    assert_null(data);
    assert_int_equal(kf_blobstore_read(f->b, hash, 100, &data, &len), KF_OK);
    assert_int_equal(len, 100);
    free(data);
}

/* flip_byte: XOR one byte of the file at PATH, in place. */
static void flip_byte(const char *path, off_t at)
{
    unsigned char c;
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c ^= 0x20;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    assert_int_equal(close(fd), 0);
}

static void test_corruption(void **state)
{
    fixture *f = *state;
    char hash[KF_BLOB_HASH_LEN], path[1024];
    const char *text = "the quick brown fox jumps over the lazy dog";
    void *data;
    size_t len;
    assert_int_equal(kf_blobstore_put(f->b, text, strlen(text), hash), KF_OK);
    assert_int_equal(kf_blobstore_path(f->b, hash, path, sizeof(path)), KF_OK);

    flip_byte(path, 10);
    assert_int_equal(kf_blobstore_read(f->b, hash, 1024, &data, &len), KF_EIO);
    assert_null(data);
    /* putting the content again repairs the stored copy */
    assert_int_equal(kf_blobstore_put(f->b, text, strlen(text), hash), KF_OK);
    assert_int_equal(kf_blobstore_read(f->b, hash, 1024, &data, &len), KF_OK);
    assert_memory_equal(data, text, strlen(text));
    free(data);

    assert_int_equal(truncate(path, 5), 0); /* a short file is damage too */
    assert_int_equal(kf_blobstore_read(f->b, hash, 1024, &data, &len), KF_EIO);
    assert_int_equal(kf_blobstore_put(f->b, text, strlen(text), hash), KF_OK);
    assert_int_equal(kf_blobstore_read(f->b, hash, 1024, &data, &len), KF_OK);
    free(data);
    assert_store_holds(f, 1);
}

/* ---- concurrent writers ------------------------------------------------- */

#define THREADS    4
#define ROUNDS     8
#define BIG_LEN    (512 * 1024)
#define N_DISTINCT (2 + 2 + THREADS) /* shared small and big, two pair contents, one each */

typedef struct {
    kf_blobstore *b;
    pthread_barrier_t *start;
    const unsigned char *big;
    int id;
    int failures;
} worker;

static void *put_worker(void *arg)
{
    worker *w = arg;
    char hash[KF_BLOB_HASH_LEN], own[32], pair[32];
    snprintf(own, sizeof(own), "thread %d's own content", w->id);
    snprintf(pair, sizeof(pair), "content of pair %d", w->id % 2);
    pthread_barrier_wait(w->start); /* all begin together, so the first puts race */
    for (int r = 0; r < ROUNDS; r++) {
        if (kf_blobstore_put(w->b, w->big, BIG_LEN, hash) != KF_OK) w->failures++;
        if (kf_blobstore_put(w->b, "shared", 6, hash) != KF_OK) w->failures++;
        if (kf_blobstore_put(w->b, pair, strlen(pair), hash) != KF_OK) w->failures++;
        if (kf_blobstore_put(w->b, own, strlen(own), hash) != KF_OK) w->failures++;
    }
    return NULL;
}

static void test_concurrent_puts(void **state)
{
    fixture *f = *state;
    pthread_t t[THREADS];
    worker w[THREADS];
    pthread_barrier_t start;
    char hash[KF_BLOB_HASH_LEN];
    void *data;
    size_t len;
    unsigned char *big = kf_malloc(BIG_LEN);
    for (size_t i = 0; i < BIG_LEN; i++)
        big[i] = (unsigned char)(i ^ (i >> 9));

    assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.b = f->b, .start = &start, .big = big, .id = i};
        assert_int_equal(pthread_create(&t[i], NULL, put_worker, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    pthread_barrier_destroy(&start);
    assert_store_holds(f, N_DISTINCT);

    assert_int_equal(kf_blobstore_put(f->b, big, BIG_LEN, hash), KF_OK);
    assert_int_equal(kf_blobstore_read(f->b, hash, BIG_LEN, &data, &len), KF_OK);
    assert_int_equal(len, BIG_LEN);
    assert_memory_equal(data, big, BIG_LEN);
    free(data);
    free(big);
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
    snprintf(g_dir, sizeof(g_dir), "%s/blobstore-%ld", base, (long)getpid());
    if (mkdir(g_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s: %s\n", g_dir, strerror(errno));
        return -1;
    }
    return 0;
}

#define STORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, store_setup, store_teardown)

int main(void)
{
    const struct CMUnitTest sniff[] = {
        cmocka_unit_test(test_sniff_types),      cmocka_unit_test(test_sniff_ignores_name),
        cmocka_unit_test(test_sniff_refused),    cmocka_unit_test(test_sniff_webp_sizes),
        cmocka_unit_test(test_sniff_pdf_window), cmocka_unit_test(test_sniff_prefixes),
    };
    const struct CMUnitTest store[] = {
        STORE_TEST(test_open),
        STORE_TEST(test_put_read),
        STORE_TEST(test_dedupe),
        STORE_TEST(test_bad_hashes),
        STORE_TEST(test_read_max),
        STORE_TEST(test_corruption),
        STORE_TEST(test_concurrent_puts),
    };
    if (make_dir() != 0) return 1;
    int failed = cmocka_run_group_tests_name("file type sniffing", sniff, NULL, NULL);
    failed += cmocka_run_group_tests_name("content-addressed file store", store, NULL, NULL);
    rmdir(g_dir); /* empty unless a test failed, which leaves its files to look at */
    return failed ? 1 : 0;
}
