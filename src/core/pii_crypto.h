/* ID numbers at rest (业户档案保密): encrypted with libsodium secretbox under a
 * key from a key file, and found again through a keyed hash, so neither a
 * stolen database nor its indexes yield an ID number. The keys live in a
 * kf_pii_keys the caller owns and wipes. */
#ifndef KF_PII_CRYPTO_H
#define KF_PII_CRYPTO_H

#include <stddef.h>

#define KF_PII_HASH_LEN 65 /* 64 hex digits + NUL */

typedef struct {
    unsigned char enc_key[32];  /* secretbox key */
    unsigned char hash_key[32]; /* BLAKE2b key of the lookup hash */
} kf_pii_keys;

/* kf_pii_keys_load: the keys derived from the key file PATH (64 hex digits of
 * a 32-byte master key and a newline). A missing file is created with 0600
 * permissions and a random master key (and its missing parent directory with
 * 0700): that is the first start. A file readable or writable by anyone but
 * its owner, or with other content, is refused: KF_OK, or KF_EINVAL / KF_EIO
 * with a one-line message naming PATH in ERR. Calls sodium_init itself. */
int kf_pii_keys_load(const char *path, kf_pii_keys *out, char *err, size_t errlen);
/* kf_pii_keys_wipe: zeroes K, so key material does not outlive its use. */
void kf_pii_keys_wipe(kf_pii_keys *k);

/* kf_pii_encrypted_len: the buffer size (NUL included) kf_pii_encrypt needs
 * for a PLAIN_LEN-byte value. */
size_t kf_pii_encrypted_len(size_t plain_len);
/* kf_pii_encrypt: PLAIN encrypted with a random nonce, as "v1:" and unpadded
 * base64url of nonce||ciphertext, into OUT (OUTLEN bytes); 0, or -1 when OUT
 * is too small. The prefix names key and algorithm so they can rotate. */
int kf_pii_encrypt(const kf_pii_keys *k, const char *plain, char *out, size_t outlen);
/* kf_pii_decrypt: the plain text of STORED into OUT (OUTLEN bytes); 0, or -1
 * when STORED is not ours (unknown prefix, bad encoding, tampered, another
 * key) or OUT is too small; OUT is then "". */
int kf_pii_decrypt(const kf_pii_keys *k, const char *stored, char *out, size_t outlen);

/* kf_pii_lookup_hash: hex keyed BLAKE2b-256 of NORMALIZED: the value stored
 * and indexed to find a record by ID number, never the number itself. Keyed,
 * because 18-digit IDs with a check digit and a birth date are few enough to
 * enumerate against a plain hash. */
void kf_pii_lookup_hash(const kf_pii_keys *k, const char *normalized, char out[KF_PII_HASH_LEN]);

#endif
