#include "core/blobstore.h"

#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEX_LEN    64
#define TMP_PREFIX ".tmp-"
#define TMP_RANDOM 16 /* bytes: 128 bits make a clash between writers impossible in practice */
/* the longest name below the root: "/ab/cd/" and a hash or a temporary name */
#define TAIL_MAX (7 + HEX_LEN)
#define IO_CHUNK ((size_t)1 << 30) /* write()/read() counts stay far below SSIZE_MAX */

_Static_assert(sizeof(TMP_PREFIX) - 1 + 2 * TMP_RANDOM <= HEX_LEN, "temporary name length");
_Static_assert(crypto_hash_sha256_BYTES * 2 == HEX_LEN, "sha256 hex length");

struct kf_blobstore {
    char root[PATH_MAX]; /* absolute, no trailing slash; never changed after open */
};

/* fsync_dir: makes the entries of DIR durable. A filesystem that cannot
 * sync directories says EINVAL; there is nothing more to do on it. */
static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd) == 0 || errno == EINVAL ? 0 : -1;
    if (close(fd) != 0) rc = -1;
    return rc;
}

/* fsync_parent: fsync_dir on the directory holding PATH. */
static int fsync_parent(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (!slash) return fsync_dir(".");
    if (n == 0) return fsync_dir("/");
    if (n >= sizeof(dir)) return -1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return fsync_dir(dir);
}

/* make_dir: PATH exists as a directory afterwards; 1 when this call made it. */
static int make_dir(const char *path)
{
    if (mkdir(path, 0700) == 0) return 1;
    if (errno != EEXIST) return -1;
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* mkdir_p: PATH and its missing parents, each new one made durable in its
 * parent so the store does not vanish in a crash after open succeeded. */
static int mkdir_p(const char *path, char *err, size_t errlen)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof(buf)) {
        snprintf(err, errlen, "file store path too long: %.200s", path);
        return KF_EINVAL;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        if (buf[i - 1] == '/') continue; /* "a//b" or a trailing slash: already made */
        char saved = buf[i];
        buf[i] = '\0';
        int made = make_dir(buf);
        if (made < 0 || (made == 1 && fsync_parent(buf) != 0)) {
            snprintf(err, errlen, "cannot create file store directory %s: %s", buf,
                     strerror(errno));
            return KF_EIO;
        }
        buf[i] = saved;
    }
    return KF_OK;
}

int kf_blobstore_open(const char *root, kf_blobstore **out, char *err, size_t errlen)
{
    char resolved[PATH_MAX];
    *out = NULL;
    if (!root || !*root) {
        snprintf(err, errlen, "file store path is empty");
        return KF_EINVAL;
    }
    if (sodium_init() < 0) {
        snprintf(err, errlen, "cannot initialise libsodium for file store %s", root);
        return KF_EIO;
    }
    int rc = mkdir_p(root, err, errlen);
    if (rc != KF_OK) return rc;
    if (!realpath(root, resolved)) {
        snprintf(err, errlen, "cannot resolve file store path %s: %s", root, strerror(errno));
        return KF_EIO;
    }
    /* fail at startup, not at the first upload */
    if (access(resolved, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "file store %s is not writable: %s", resolved, strerror(errno));
        return KF_EIO;
    }
    size_t n = strlen(resolved);
    if (n + TAIL_MAX >= PATH_MAX) {
        snprintf(err, errlen, "file store path too long: %.200s", resolved);
        return KF_EINVAL;
    }
    if (n == 1) n = 0; /* the root directory itself: names are "/ab/cd/..." */
    kf_blobstore *b = kf_calloc(1, sizeof(*b));
    memcpy(b->root, resolved, n);
    b->root[n] = '\0';
    *out = b;
    return KF_OK;
}

void kf_blobstore_close(kf_blobstore *b)
{
    free(b);
}

static int hash_valid(const char *h)
{
    if (!h) return 0;
    for (size_t i = 0; i < HEX_LEN; i++) /* stops at the NUL of a short string */
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'))) return 0;
    return h[HEX_LEN] == '\0';
}

int kf_blobstore_path(const kf_blobstore *b, const char *hash_hex, char *out, size_t outlen)
{
    if (outlen) out[0] = '\0';
    if (!hash_valid(hash_hex)) return KF_EINVAL;
    int n = snprintf(out, outlen, "%s/%.2s/%.2s/%s", b->root, hash_hex, hash_hex + 2, hash_hex);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen) out[0] = '\0';
        return KF_EINVAL;
    }
    return KF_OK;
}

/* blob_dirs: ROOT/ab and ROOT/ab/cd for HEX (already validated). */
static int blob_dirs(const kf_blobstore *b, const char *hex, char d1[PATH_MAX], char d2[PATH_MAX])
{
    int n1 = snprintf(d1, PATH_MAX, "%s/%.2s", b->root, hex);
    int n2 = snprintf(d2, PATH_MAX, "%s/%.2s/%.2s", b->root, hex, hex + 2);
    return n1 < 0 || n1 >= PATH_MAX || n2 < 0 || n2 >= PATH_MAX ? -1 : 0;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len < IO_CHUNK ? len : IO_CHUNK);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w, len -= (size_t)w;
    }
    return 0;
}

/* read_all: exactly LEN bytes into P; -1 on an error or an early end. */
static int read_all(int fd, unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t r = read(fd, p, len < IO_CHUNK ? len : IO_CHUNK);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r, len -= (size_t)r;
    }
    return 0;
}

/* stored_intact: 1 when PATH is a regular file holding exactly DATA. Comparing
 * bytes is cheaper than hashing and needs no trust in the name. Anything else
 * (absent, a symlink, another size, unreadable) is 0: the caller then writes
 * a fresh copy, which also repairs a damaged one. */
static int stored_intact(const char *path, const unsigned char *data, size_t len)
{
    unsigned char chunk[16384];
    struct stat st;
    int same = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (uintmax_t)st.st_size != (uintmax_t)len)
        goto out;
    for (size_t off = 0; off < len;) {
        size_t n = len - off < sizeof(chunk) ? len - off : sizeof(chunk);
        if (read_all(fd, chunk, n) != 0 || memcmp(chunk, data + off, n) != 0) goto out;
        off += n;
    }
    same = 1;
out:
    close(fd);
    return same;
}

/* write_temp: DATA in a new file in DIR under a random name (into TMP),
 * synced and closed. O_EXCL and 0600: the file is never shared and never
 * readable by others, whatever was there before. */
static int write_temp(const char *dir, char tmp[PATH_MAX], const unsigned char *data, size_t len)
{
    unsigned char rnd[TMP_RANDOM];
    char hex[2 * TMP_RANDOM + 1];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    int n = snprintf(tmp, PATH_MAX, "%s/" TMP_PREFIX "%s", dir, hex);
    if (n < 0 || n >= PATH_MAX) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return -1;
    int rc = write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : -1;
    if (close(fd) != 0) rc = -1;
    if (rc != 0) (void)unlink(tmp);
    return rc;
}

int kf_blobstore_put(kf_blobstore *b, const void *data, size_t len, char hash_hex[KF_BLOB_HASH_LEN])
{
    static const unsigned char empty[1];
    unsigned char h[crypto_hash_sha256_BYTES];
    char final[PATH_MAX], d1[PATH_MAX], d2[PATH_MAX], tmp[PATH_MAX];
    hash_hex[0] = '\0';
    if (!data && len) return KF_EINVAL;
    const unsigned char *p = len ? data : empty;
    crypto_hash_sha256(h, p, len);
    sodium_bin2hex(hash_hex, KF_BLOB_HASH_LEN, h, sizeof(h));
    if (kf_blobstore_path(b, hash_hex, final, sizeof(final)) != KF_OK ||
        blob_dirs(b, hash_hex, d1, d2) != 0)
        return KF_EINVAL; /* cannot happen: open checked the root's length */
    if (stored_intact(final, p, len)) return KF_OK;
    if (make_dir(d1) < 0 || make_dir(d2) < 0 || write_temp(d2, tmp, p, len) != 0) return KF_EIO;
    /* rename replaces: a writer racing with the same content puts the same
     * bytes in place, and a damaged copy is swapped for a good one */
    if (rename(tmp, final) != 0) {
        (void)unlink(tmp);
        return KF_EIO;
    }
    /* All three directories are synced even when this call created none: a
     * directory another thread has just made may not be durable yet, and a
     * sync with nothing pending costs next to nothing. */
    if (fsync_dir(d2) != 0 || fsync_dir(d1) != 0 || fsync_dir(b->root[0] ? b->root : "/") != 0)
        return KF_EIO;
    return KF_OK;
}

/* hash_matches: the content of P (LEN bytes) has the SHA-256 HEX. */
static int hash_matches(const unsigned char *p, size_t len, const char *hex)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char got[KF_BLOB_HASH_LEN];
    crypto_hash_sha256(h, p, len);
    sodium_bin2hex(got, sizeof(got), h, sizeof(h));
    return memcmp(got, hex, HEX_LEN) == 0;
}

int kf_blobstore_read(kf_blobstore *b, const char *hash_hex, size_t max, void **data, size_t *len)
{
    char path[PATH_MAX];
    struct stat st;
    *data = NULL;
    *len = 0;
    if (kf_blobstore_path(b, hash_hex, path, sizeof(path)) != KF_OK) return KF_EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return errno == ENOENT || errno == ENOTDIR ? KF_ENOTFOUND : KF_EIO;
    int rc = KF_EIO;
    unsigned char *buf = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) goto out;
    if ((uintmax_t)st.st_size > (uintmax_t)max) { /* also guards the size_t conversion */
        rc = KF_ELIMIT;
        goto out;
    }
    size_t n = (size_t)st.st_size;
    buf = kf_malloc(n ? n : 1);
    if (read_all(fd, buf, n) != 0 || !hash_matches(buf, n, hash_hex)) goto out;
    *data = buf;
    *len = n;
    buf = NULL;
    rc = KF_OK;
out:
    free(buf);
    close(fd);
    return rc;
}
