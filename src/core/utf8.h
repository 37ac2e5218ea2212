/* Decoding UTF-8 one character at a time, strictly: an overlong form, a
 * surrogate or a code point past U+10FFFF is not a character (overlong forms
 * would let one character hide behind another's bytes). */
#ifndef KF_UTF8_H
#define KF_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* kf_utf8_next: the character at S (LEN > 0 bytes left) into *CP; returns
 * its length in bytes. A byte that does not start a valid sequence within
 * LEN is *CP = -1 of length 1, so a scan resumes at the very next byte, which
 * may start a valid character. */
size_t kf_utf8_next(const char *s, size_t len, int32_t *cp);

#endif
