#include "core/pii_crypto.h"

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

#define MASTER_LEN  32
#define MASTER_HEX  (2 * MASTER_LEN)
#define KDF_CONTEXT "kefu-pii" /* crypto_kdf_CONTEXTBYTES characters */
#define PREFIX      "v1:"      /* secretbox (XSalsa20-Poly1305) under subkey 1 */
#define PREFIX_LEN  (sizeof(PREFIX) - 1)
#define B64         sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define NONCE_LEN   crypto_secretbox_NONCEBYTES
#define MAC_LEN     crypto_secretbox_MACBYTES
#define KEY_MISSING 1 /* read_master: no file yet */

_Static_assert(sizeof(KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context length");
_Static_assert(MASTER_LEN == crypto_kdf_KEYBYTES, "master key length");
_Static_assert(sizeof(((kf_pii_keys *)0)->enc_key) == crypto_secretbox_KEYBYTES, "enc key");
_Static_assert(sizeof(((kf_pii_keys *)0)->hash_key) == crypto_generichash_KEYBYTES, "hash key");

/* parse_master: TEXT (N bytes) is 64 hex digits and an optional line end. */
static int parse_master(const char *text, size_t n, unsigned char master[MASTER_LEN])
{
    size_t binlen = 0;
    const char *end = NULL;
    if (n > 0 && text[n - 1] == '\n') n--;
    if (n > 0 && text[n - 1] == '\r') n--;
    if (n != MASTER_HEX) return -1;
    if (sodium_hex2bin(master, MASTER_LEN, text, n, NULL, &binlen, &end) != 0) return -1;
    return binlen == MASTER_LEN && end == text + n ? 0 : -1;
}

/* read_master: the master key of the key file PATH; KEY_MISSING when there
 * is none. The file is opened before it is checked, so the checks apply to
 * what is read even if the path is replaced meanwhile. */
static int read_master(const char *path, unsigned char master[MASTER_LEN], char *err, size_t errlen)
{
    char text[MASTER_HEX + 3]; /* one byte more than a valid file holds */
    size_t n = 0;
    struct stat st;
    int rc = KF_EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return KEY_MISSING;
        snprintf(err, errlen, "cannot open key file %s: %s", path, strerror(errno));
        return KF_EIO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "key file %s is not a regular file", path);
        goto out;
    }
    if (st.st_mode & 0177) {
        snprintf(err, errlen, "key file %s has permissions %04o; it must be 0600 (chmod 600 %s)",
                 path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, text + n, sizeof(text) - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
            rc = KF_EIO;
            goto out;
        }
        if (r == 0 || (n += (size_t)r) == sizeof(text)) break;
    }
    if (parse_master(text, n, master) != 0) {
        snprintf(err, errlen, "key file %s is malformed: it must hold 64 hex digits", path);
        goto out;
    }
    rc = KF_OK;
out:
    sodium_memzero(text, sizeof(text));
    close(fd);
    return rc;
}

/* parent_dir: the directory part of PATH into DIR ("." when there is none). */
static int parent_dir(const char *path, char dir[PATH_MAX])
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= PATH_MAX) return -1;
    if (!slash)
        strcpy(dir, ".");
    else if (n == 0)
        strcpy(dir, "/");
    else
        memcpy(dir, path, n), dir[n] = '\0';
    return 0;
}

/* fsync_dir: makes a new directory entry durable. Some filesystems cannot
 * sync a directory; the file itself is already synced, so that is ignored. */
static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

/* write_all: LEN bytes of BUF to FD, through short writes and signals. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        buf += w, len -= (size_t)w;
    }
    return 0;
}

/* write_new_key: a random master key written to FD and synced. */
static int write_new_key(int fd)
{
    unsigned char master[MASTER_LEN];
    char hex[MASTER_HEX + 2];
    int rc = -1;
    randombytes_buf(master, sizeof(master));
    sodium_bin2hex(hex, sizeof(hex), master, sizeof(master));
    hex[MASTER_HEX] = '\n';
    if (write_all(fd, hex, MASTER_HEX + 1) == 0 && fsync(fd) == 0) rc = 0;
    if (close(fd) != 0) rc = -1;
    sodium_memzero(master, sizeof(master));
    sodium_memzero(hex, sizeof(hex));
    return rc;
}

/* create_master: a new key file at PATH. It is written under a temporary
 * name (mkstemp: O_CREAT|O_EXCL, 0600, so it never exists with wider
 * permissions) and linked into place, which fails when PATH exists: a crash
 * leaves no half-written key file, and of two processes starting at once one
 * key wins and both read it. */
static int create_master(const char *path, char *err, size_t errlen)
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    if (parent_dir(path, dir) != 0 ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= sizeof(tmp)) {
        snprintf(err, errlen, "key file path too long: %.200s", path);
        return KF_EINVAL;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create directory %s for key file %s: %s", dir, path,
                 strerror(errno));
        return KF_EIO;
    }
    int fd = mkstemp(tmp);
    if (fd < 0 || write_new_key(fd) != 0) {
        snprintf(err, errlen, "cannot write key file %s: %s", path, strerror(errno));
        if (fd >= 0) (void)unlink(tmp);
        return KF_EIO;
    }
    int linked = link(tmp, path) == 0 || errno == EEXIST;
    int saved = errno;
    (void)unlink(tmp);
    if (!linked) {
        snprintf(err, errlen, "cannot create key file %s: %s", path, strerror(saved));
        return KF_EIO;
    }
    fsync_dir(dir);
    return KF_OK;
}

int kf_pii_keys_load(const char *path, kf_pii_keys *out, char *err, size_t errlen)
{
    unsigned char master[MASTER_LEN];
    int rc;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "cannot initialise libsodium for key file %s", path);
        return KF_EIO;
    }
    rc = read_master(path, master, err, errlen);
    if (rc == KEY_MISSING) {
        rc = create_master(path, err, errlen);
        if (rc == KF_OK) rc = read_master(path, master, err, errlen);
        if (rc == KEY_MISSING) {
            snprintf(err, errlen, "key file %s vanished while it was created", path);
            rc = KF_EIO;
        }
    }
    if (rc == KF_OK) {
        crypto_kdf_derive_from_key(out->enc_key, sizeof(out->enc_key), 1, KDF_CONTEXT, master);
        crypto_kdf_derive_from_key(out->hash_key, sizeof(out->hash_key), 2, KDF_CONTEXT, master);
    }
    sodium_memzero(master, sizeof(master));
    return rc;
}

void kf_pii_keys_wipe(kf_pii_keys *k)
{
    sodium_memzero(k, sizeof(*k));
}

size_t kf_pii_encrypted_len(size_t plain_len)
{
    if (plain_len > SIZE_MAX / 2) return SIZE_MAX; /* no buffer is that large */
    return PREFIX_LEN + sodium_base64_ENCODED_LEN(NONCE_LEN + MAC_LEN + plain_len, B64);
}

int kf_pii_encrypt(const kf_pii_keys *k, const char *plain, char *out, size_t outlen)
{
    size_t n = strlen(plain);
    size_t need = kf_pii_encrypted_len(n);
    if (need == SIZE_MAX || outlen < need) {
        if (outlen) out[0] = '\0';
        return -1;
    }
    /* the ciphertext is not secret: only the plain text needs wiping, and it
     * is never copied */
    size_t binlen = NONCE_LEN + MAC_LEN + n;
    unsigned char *bin = kf_malloc(binlen);
    randombytes_buf(bin, NONCE_LEN);
    crypto_secretbox_easy(bin + NONCE_LEN, (const unsigned char *)plain, n, bin, k->enc_key);
    memcpy(out, PREFIX, PREFIX_LEN);
    sodium_bin2base64(out + PREFIX_LEN, outlen - PREFIX_LEN, bin, binlen, B64);
    free(bin);
    return 0;
}

int kf_pii_decrypt(const kf_pii_keys *k, const char *stored, char *out, size_t outlen)
{
    if (outlen) out[0] = '\0';
    if (!stored || strncmp(stored, PREFIX, PREFIX_LEN) != 0) return -1;
    const char *b64 = stored + PREFIX_LEN;
    size_t b64len = strlen(b64), binlen = 0;
    size_t cap = b64len / 4 * 3 + 3;
    const char *end = NULL;
    int rc = -1;
    unsigned char *bin = kf_malloc(cap);
    if (sodium_base642bin(bin, cap, b64, b64len, NULL, &binlen, &end, B64) != 0 ||
        end != b64 + b64len || binlen < NONCE_LEN + MAC_LEN)
        goto out;
    size_t plain_len = binlen - NONCE_LEN - MAC_LEN;
    if (plain_len >= outlen) goto out;
    /* verified before anything is written: a tampered value yields no text */
    if (crypto_secretbox_open_easy((unsigned char *)out, bin + NONCE_LEN, binlen - NONCE_LEN, bin,
                                   k->enc_key) != 0)
        goto out;
    out[plain_len] = '\0';
    rc = 0;
out:
    free(bin);
    return rc;
}

void kf_pii_lookup_hash(const kf_pii_keys *k, const char *normalized, char out[KF_PII_HASH_LEN])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)normalized, strlen(normalized),
                       k->hash_key, sizeof(k->hash_key));
    sodium_bin2hex(out, KF_PII_HASH_LEN, h, sizeof(h));
}
