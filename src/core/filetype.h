/* What an uploaded file really is, judged from its bytes and never from its
 * name or the type a client claims. Only the attachment types the service
 * accepts are recognised: JPEG, PNG, WebP and PDF.
 *
 * What each type must start with (DATA is the whole file):
 *   JPEG  FF D8 FF and a marker code (C0..FE) as the fourth byte.
 *   PNG   the signature 89 50 4E 47 0D 0A 1A 0A, then a complete IHDR chunk
 *         (length 13, type "IHDR", 13 data bytes and the CRC) with a width
 *         and height of 1 .. 2^31-1. The CRC is not checked: it guards against
 *         transmission errors, not forgery, and anyone can compute it.
 *   WebP  "RIFF", a little-endian size, "WEBP", then a "VP8 ", "VP8L" or
 *         "VP8X" chunk whose header fits in the file: "VP8 " with a key-frame
 *         tag and the start code 9D 01 2A, "VP8L" with the signature byte
 *         2F, "VP8X" with its 10-byte header. The RIFF size must be at least
 *         12 and may exceed the bytes present (LEN - 8) by at most one: one
 *         missing padding byte is a writer's slip seen in the wild, anything
 *         more is a truncated upload. Bytes after the RIFF data are accepted,
 *         as libwebp (and so browsers) accept them.
 *   PDF   "%PDF-" then a version "1.d" or "2.d", starting anywhere in the
 *         first 1024 bytes: the PDF reference (1.7, implementation note 13)
 *         says readers find the header there, and some generators put junk
 *         before it. This leniency means other content may precede the
 *         header, so whoever serves the file must send the sniffed type with
 *         "X-Content-Type-Options: nosniff", never a type guessed again.
 *
 * All functions are pure and thread-safe. */
#ifndef KF_FILETYPE_H
#define KF_FILETYPE_H

#include <stddef.h>

/* kf_filetype_sniff: "image/jpeg", "image/png", "image/webp" or
 * "application/pdf" (static strings), or NULL when DATA (LEN bytes, the whole
 * file) is none of them. Never reads past LEN; DATA may be NULL when LEN is 0. */
const char *kf_filetype_sniff(const unsigned char *data, size_t len);
/* kf_filetype_ext: "jpg", "png", "webp" or "pdf" for an allowed MIME type
 * (for download file names), else NULL. MIME may be NULL. */
const char *kf_filetype_ext(const char *mime);
/* kf_filetype_allowed: 1 for the four MIME types above, else 0. */
int kf_filetype_allowed(const char *mime);

#endif
