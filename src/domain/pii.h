/* Personal data of residents (业户档案): validating and normalising mobile and
 * ID numbers, masking them for responses, and the name bigrams that let the
 * front desk find a caller by part of a Chinese name. Pure functions, no I/O;
 * the at-rest encryption of ID numbers is in core/pii_crypto.h. */
#ifndef KF_PII_H
#define KF_PII_H

#include <stddef.h>

/* Buffer sizes, NUL included: a normalised mobile is 11 digits (mainland) or
 * "+" and at most 15 digits (E.164); an ID number is 18 characters. */
#define KF_MOBILE_LEN 17
#define KF_IDNUM_LEN  19
/* One bigram: two code points of at most 4 bytes each, and the NUL. */
#define KF_BIGRAM_LEN 16

/* kf_mobile_problem: NULL when IN is a mobile number, and its normalised form
 * is written to NORMALIZED (LEN bytes, KF_MOBILE_LEN is enough; may be NULL to
 * only validate). Spaces and dashes are ignored. Mainland numbers (1[3-9] and
 * 9 digits, optionally after "+86", "0086" or "86") normalise to the 11
 * digits, so one person has one form whatever was typed; other countries are
 * "+" and 6–15 digits and keep the "+". Else "invalid_mobile". */
const char *kf_mobile_problem(const char *in, char *normalized, size_t len);

/* kf_idnum_problem: NULL when IN is a mainland resident ID number (18
 * characters: 17 digits and a check digit 0-9 or X, ISO 7064 MOD 11-2, birth
 * date a real day in 1900–2099) and its normalised form (upper-case X) is
 * written to NORMALIZED (LEN bytes, KF_IDNUM_LEN is enough; may be NULL).
 * Surrounding spaces, which spreadsheets add, are ignored. Else
 * "invalid_id_number". */
const char *kf_idnum_problem(const char *in, char *normalized, size_t len);

/* kf_mask_mobile: NORMALIZED with all but the first 3 and the last 4
 * characters replaced by '*' ("138****5678", "+44******3456"), same length,
 * into OUT (LEN bytes; truncated to fit). A value too short to hide at least
 * 4 characters shows fewer, and one with non-ASCII bytes shows none. */
void kf_mask_mobile(const char *normalized, char *out, size_t len);
/* kf_mask_idnum: the same with the first 4 and last 4 kept
 * ("1101**********1234"). */
void kf_mask_idnum(const char *normalized, char *out, size_t len);

/* kf_mobile_last4: the last 4 characters of NORMALIZED (what callers give
 * when asked for "the last four digits"), or "" when it is shorter. */
void kf_mobile_last4(const char *normalized, char out[5]);

/* kf_bigrams: the distinct overlapping 2-code-point substrings of the UTF-8
 * name UTF8 (ASCII letters lower-cased), at most MAX, into OUT; returns how
 * many. A one-character name yields that character. Indexing these makes
 * "晓明" find "张晓明" with an equality lookup instead of a table scan.
 * Invalid UTF-8 or an empty name yields 0. */
size_t kf_bigrams(const char *utf8, char (*out)[KF_BIGRAM_LEN], size_t max);

#endif
