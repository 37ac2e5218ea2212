#include "core/textenc.h"

#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Byte offset of the first byte that breaks strict UTF-8, or LEN when all of
 * DATA is valid. Strict: overlong forms, surrogates (U+D800..DFFF) and code
 * points past U+10FFFF are rejected, as jansson and PostgreSQL would later. */
static size_t utf8_bad_offset(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0) lo = 0xA0; /* overlong */
            if (c == 0xED) hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0) lo = 0x90; /* overlong */
            if (c == 0xF4) hi = 0x8F; /* past U+10FFFF */
        } else {
            return i; /* stray continuation byte, C0/C1 overlong lead, F5..FF */
        }
        if (len - i < n) return i;
        if (s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t k = 2; k < n; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
        i += n;
    }
    return len;
}

/* Byte offset of the first byte that breaks the GB18030 byte structure, or
 * LEN. Only the structure is checked here; iconv rejects the few structurally
 * valid four-byte codes that map to nothing. */
static size_t gb18030_bad_offset(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c == 0x80 || c == 0xFF || len - i < 2) return i;
        unsigned char c2 = s[i + 1];
        if ((c2 >= 0x40 && c2 <= 0x7E) || (c2 >= 0x80 && c2 <= 0xFE)) {
            i += 2;
            continue;
        }
        if (c2 < 0x30 || c2 > 0x39 || len - i < 4) return i;
        if (s[i + 2] < 0x81 || s[i + 2] > 0xFE || s[i + 3] < 0x30 || s[i + 3] > 0x39) return i;
        i += 4;
    }
    return len;
}

int kf_text_looks_binary(const char *data, size_t len)
{
    const unsigned char *s = (const unsigned char *)data;
    if (len >= 4 && memcmp(s, "PK\x03\x04", 4) == 0) return KF_BIN_ZIP;
    if (len >= 4 && memcmp(s, "\xD0\xCF\x11\xE0", 4) == 0) return KF_BIN_OLE;
    if (len >= 4 && memcmp(s, "%PDF", 4) == 0) return KF_BIN_PDF;
    /* Excel's "Unicode Text" export: UTF-16 with a BOM, full of NULs. */
    if (len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
        return KF_BIN_UTF16;
    if (len && memchr(s, '\0', len)) return KF_BIN_NUL;
    return KF_BIN_NONE;
}

const char *kf_text_binary_name(int kind)
{
    switch (kind) {
    case KF_BIN_ZIP:
        return "an Excel .xlsx workbook (ZIP archive), not a CSV file";
    case KF_BIN_OLE:
        return "an old Excel .xls workbook (OLE file), not a CSV file";
    case KF_BIN_PDF:
        return "a PDF document, not a CSV file";
    case KF_BIN_UTF16:
        return "UTF-16 text (Excel \"Unicode Text\"); save as \"CSV UTF-8\" instead";
    case KF_BIN_NUL:
        return "binary data (it contains NUL bytes), not a CSV file";
    default:
        return "";
    }
}

const char *kf_text_encoding_name(kf_encoding enc)
{
    switch (enc) {
    case KF_ENC_UTF8:
        return "UTF-8";
    case KF_ENC_UTF8_BOM:
        return "UTF-8 with BOM";
    case KF_ENC_GB18030:
        return "GB18030";
    default:
        return "unknown";
    }
}

static int has_bom(const char *data, size_t len)
{
    return len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
}

kf_encoding kf_text_detect(const char *data, size_t len)
{
    const unsigned char *s = (const unsigned char *)data;
    if (kf_text_looks_binary(data, len)) return KF_ENC_UNKNOWN;
    if (has_bom(data, len)) return KF_ENC_UTF8_BOM;
    if (utf8_bad_offset(s, len) == len) return KF_ENC_UTF8;
    if (gb18030_bad_offset(s, len) == len) return KF_ENC_GB18030;
    return KF_ENC_UNKNOWN;
}

/* The 1-based line holding byte OFF, counting LF, CRLF and lone CR as one
 * line end each. Neither UTF-8 nor GB18030 uses 0x0A/0x0D inside a character,
 * so counting bytes is exact. */
static size_t line_of(const char *data, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        if (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= off || data[i + 1] != '\n'))) line++;
    return line;
}

/* "E4 B8" style dump of up to four bytes at OFF, for error messages. */
static void hex_at(const char *data, size_t len, size_t off, char *out, size_t outlen)
{
    size_t n = len - off < 4 ? len - off : 4, used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used + 4 < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%s%02X", i ? " " : "",
                                 (unsigned)(unsigned char)data[off + i]);
}

static void bad_bytes(const char *what, const char *data, size_t len, size_t off, char *err,
                      size_t errlen)
{
    char hex[16];
    hex_at(data, len, off, hex, sizeof(hex));
    snprintf(err, errlen, "invalid %s byte sequence at byte %zu (line %zu): %s", what, off,
             line_of(data, off), hex);
}

static int too_big(size_t max_out, char *err, size_t errlen)
{
    snprintf(err, errlen, "file too large: more than %zu bytes as UTF-8", max_out);
    return KF_ELIMIT;
}

static int utf8_copy(const char *data, size_t len, size_t max_out, char **out, size_t *outlen,
                     char *err, size_t errlen)
{
    size_t skip = has_bom(data, len) ? 3 : 0;
    size_t bad = utf8_bad_offset((const unsigned char *)data, len);
    if (bad < len) {
        bad_bytes("UTF-8", data, len, bad, err, errlen);
        return KF_EINVAL;
    }
    if (max_out && len - skip > max_out) return too_big(max_out, err, errlen);
    *out = kf_strndup(data + skip, len - skip);
    *outlen = len - skip;
    return KF_OK;
}

/* Room for the converted text: GB18030 never grows by more than half (two
 * bytes become at most three), but the loop below grows the buffer anyway
 * rather than trust that. Capped just past MAX_OUT so overflow is seen. */
static size_t initial_cap(size_t len, size_t max_out)
{
    size_t cap;
    if (kf_add_size(len, len / 2 + 16, &cap)) cap = (size_t)-1 / 2;
    if (max_out && cap > max_out + 1) cap = max_out + 1;
    return cap;
}

static int gb_convert(iconv_t cd, const char *data, size_t len, size_t max_out, char **out,
                      size_t *outlen, char *err, size_t errlen)
{
    size_t cap = initial_cap(len, max_out);
    char *buf = kf_malloc(cap + 1);
    char *in = (char *)data, *op = buf;
    size_t inleft = len, outleft = cap;
    while (inleft > 0 && iconv(cd, &in, &inleft, &op, &outleft) == (size_t)-1) {
        size_t used = (size_t)(op - buf), off = (size_t)(in - data);
        int e = errno;
        if (e == E2BIG && !(max_out && cap > max_out) && cap < (size_t)-1 / 4) {
            cap = max_out && cap * 2 > max_out + 1 ? max_out + 1 : cap * 2;
            buf = kf_realloc(buf, cap + 1);
            op = buf + used;
            outleft = cap - used;
            continue;
        }
        free(buf);
        if (e == E2BIG) return too_big(max_out, err, errlen);
        if (e == EINVAL)
            snprintf(err, errlen, "truncated GB18030 character at byte %zu (line %zu)", off,
                     line_of(data, off));
        else
            bad_bytes("GB18030", data, len, off, err, errlen);
        return KF_EINVAL;
    }
    size_t used = (size_t)(op - buf), skip = has_bom(buf, used) ? 3 : 0;
    if (max_out && used - skip > max_out) {
        free(buf);
        return too_big(max_out, err, errlen);
    }
    memmove(buf, buf + skip, used - skip);
    buf[used - skip] = '\0';
    *out = buf;
    *outlen = used - skip;
    return KF_OK;
}

int kf_text_to_utf8(const char *data, size_t len, kf_encoding enc, size_t max_out, char **out,
                    size_t *outlen, char *err, size_t errlen)
{
    char scratch[8];
    if (!err || !errlen) {
        err = scratch;
        errlen = sizeof(scratch);
    }
    err[0] = '\0';
    if (max_out > (size_t)-1 / 4) max_out = 0; /* no real limit; keeps max_out + 1 from wrapping */
    *out = NULL;
    *outlen = 0;
    if (enc == KF_ENC_UTF8 || enc == KF_ENC_UTF8_BOM)
        return utf8_copy(data, len, max_out, out, outlen, err, errlen);
    if (enc != KF_ENC_GB18030) {
        int bin = kf_text_looks_binary(data, len);
        if (bin)
            snprintf(err, errlen, "not a text file: %s", kf_text_binary_name(bin));
        else
            snprintf(err, errlen, "unknown encoding: the file is neither UTF-8 nor GB18030/GBK");
        return KF_EINVAL;
    }
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) {
        snprintf(err, errlen, "cannot convert from GB18030: %s", strerror(errno));
        return KF_EIO;
    }
    int rc = gb_convert(cd, data, len, max_out, out, outlen, err, errlen);
    iconv_close(cd);
    return rc;
}
