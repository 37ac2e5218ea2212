/* Secrets with libsodium: random tokens, token hashes, argon2id passwords,
 * constant-time comparison. kf_secret_init must succeed before any other call. */
#ifndef KF_SECRET_H
#define KF_SECRET_H

#include <stddef.h>

#define KF_TOKEN_HASH_LEN    65 /* 64 hex digits + NUL */
#define KF_PASSWORD_HASH_LEN 128

int kf_secret_init(void);
/* kf_token_random: NBYTES random bytes as unpadded base64url into OUT. */
void kf_token_random(char *out, size_t outlen, size_t nbytes);
/* kf_token_hash: hex BLAKE2b-256 of TOKEN: what the database keeps, so a
 * stolen database yields no usable session or API token. */
void kf_token_hash(const char *token, char out[KF_TOKEN_HASH_LEN]);
/* kf_password_hash: argon2id string (salt and parameters inside); 0 or -1. */
int kf_password_hash(const char *password, char out[KF_PASSWORD_HASH_LEN]);
/* kf_password_verify: 1 when PASSWORD matches HASH. */
int kf_password_verify(const char *hash, const char *password);
/* kf_secret_equal: constant-time equality of two NUL-terminated strings. */
int kf_secret_equal(const char *a, const char *b);

#endif
