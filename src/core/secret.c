#include "core/secret.h"

#include <sodium.h>
#include <string.h>

_Static_assert(KF_PASSWORD_HASH_LEN >= crypto_pwhash_STRBYTES, "password hash buffer too small");

int kf_secret_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void kf_token_random(char *out, size_t outlen, size_t nbytes)
{
    unsigned char raw[64];
    if (nbytes > sizeof(raw)) nbytes = sizeof(raw);
    randombytes_buf(raw, nbytes);
    sodium_bin2base64(out, outlen, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void kf_token_hash(const char *token, char out[KF_TOKEN_HASH_LEN])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, KF_TOKEN_HASH_LEN, h, sizeof(h));
}

/* OWASP's argon2id floor is 19 MiB and 2 passes; the interactive profile
 * (64 MiB, 2 passes, ~50 ms here) is above it. Concurrent hashes are bounded
 * by the server so memory stays predictable. */
int kf_password_hash(const char *password, char out[KF_PASSWORD_HASH_LEN])
{
    return crypto_pwhash_str_alg(out, password, strlen(password),
                                 crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
}

int kf_password_verify(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int kf_secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return 0;
    return sodium_memcmp(a, b, la) == 0;
}
