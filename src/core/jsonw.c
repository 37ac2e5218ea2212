#include "core/jsonw.h"

#include "core/timeutil.h"

#include <stdint.h>
#include <string.h>

void kf_jsonw_init(kf_jsonw *w, kf_buf *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
}

static void put(kf_jsonw *w, const char *s, size_t n)
{
    if (!w->failed && kf_buf_append(w->out, s, n) != 0) w->failed = 1;
}

/* Before a value or a key: 1 when a comma must separate it from the one
 * before (the caller writes it). */
static int comma_due(kf_jsonw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return 0;
    }
    if (w->depth == 0) return 0;
    int due = !w->first[w->depth - 1];
    w->first[w->depth - 1] = 0;
    return due;
}

static void separate(kf_jsonw *w)
{
    if (comma_due(w)) put(w, ",", 1);
}

static void open_level(kf_jsonw *w, const char *bracket, char closer)
{
    separate(w);
    if (w->depth == KF_JSONW_DEPTH) {
        w->failed = 1;
        return;
    }
    w->first[w->depth] = 1;
    w->closer[w->depth++] = closer;
    put(w, bracket, 1);
}

void kf_jsonw_object(kf_jsonw *w)
{
    open_level(w, "{", '}');
}

void kf_jsonw_array(kf_jsonw *w)
{
    open_level(w, "[", ']');
}

void kf_jsonw_end(kf_jsonw *w)
{
    if (w->depth == 0) {
        w->failed = 1;
        return;
    }
    w->depth--;
    put(w, &w->closer[w->depth], 1);
}

static void escaped(kf_jsonw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;
    put(w, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\') continue;
        put(w, run, (size_t)((const char *)p - run));
        char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
        switch (*p) {
        case '"':
            put(w, "\\\"", 2);
            break;
        case '\\':
            put(w, "\\\\", 2);
            break;
        case '\n':
            put(w, "\\n", 2);
            break;
        case '\r':
            put(w, "\\r", 2);
            break;
        case '\t':
            put(w, "\\t", 2);
            break;
        default:
            put(w, esc, 6);
        }
        run = (const char *)p + 1;
    }
    put(w, run, strlen(run));
    put(w, "\"", 1);
}

/* The longest text written by quoted()'s single append. */
#define QUOTED_SHORT 96

#define BYTES(b) (0x0101010101010101ULL * (b))

/* 1 when a byte of X is below 0x20, '"' or '\\' (what JSON escapes): the
 * classic tests for a byte below N and a zero byte, eight bytes at a time. */
static int word_escapes(uint64_t x)
{
    uint64_t quote = x ^ BYTES('"'), backslash = x ^ BYTES('\\');
    uint64_t hit = ((x - BYTES(0x20)) & ~x) | ((quote - BYTES(1)) & ~quote) |
                   ((backslash - BYTES(1)) & ~backslash);
    return (hit & BYTES(0x80)) != 0;
}

/* The length of S when it needs no escaping, else (size_t)-1. */
static size_t plain_len(const char *s)
{
    size_t n = strlen(s), i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if (word_escapes(x)) break;
    }
    for (const unsigned char *p = (const unsigned char *)s; i < n; i++)
        if (p[i] < 0x20 || p[i] == '"' || p[i] == '\\') return (size_t)-1;
    return n;
}

/* S as a JSON string, after its comma (COMMA) and before a colon (COLON):
 * in one append when S is short and needs no escaping, as keys and most
 * values are (an append each cost a page of a ticket a third of its time). */
static void quoted(kf_jsonw *w, const char *s, int comma, int colon)
{
    size_t n = plain_len(s);
    if (n > QUOTED_SHORT) {
        if (comma) put(w, ",", 1);
        if (n == (size_t)-1) {
            escaped(w, s);
        } else {
            put(w, "\"", 1);
            put(w, s, n);
            put(w, "\"", 1);
        }
        if (colon) put(w, ":", 1);
        return;
    }
    char text[QUOTED_SHORT + 4];
    size_t k = 0;
    if (comma) text[k++] = ',';
    text[k++] = '"';
    memcpy(text + k, s, n);
    k += n;
    text[k++] = '"';
    if (colon) text[k++] = ':';
    put(w, text, k);
}

void kf_jsonw_key(kf_jsonw *w, const char *key)
{
    quoted(w, key, comma_due(w), 1);
    w->after_key = 1;
}

void kf_jsonw_str(kf_jsonw *w, const char *s)
{
    if (!s) {
        kf_jsonw_null(w);
        return;
    }
    quoted(w, s, comma_due(w), 0);
}

void kf_jsonw_int(kf_jsonw *w, int64_t v)
{
    char digits[25], *p = digits + sizeof(digits); /* a comma, a sign, 20 digits */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    if (comma_due(w)) *--p = ',';
    put(w, p, (size_t)(digits + sizeof(digits) - p));
}

void kf_jsonw_null(kf_jsonw *w)
{
    separate(w);
    put(w, "null", 4);
}

void kf_jsonw_bool(kf_jsonw *w, int v)
{
    separate(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void kf_jsonw_id(kf_jsonw *w, int64_t v)
{
    if (v)
        kf_jsonw_int(w, v);
    else
        kf_jsonw_null(w);
}

void kf_jsonw_time(kf_jsonw *w, int64_t ms)
{
    if (!ms) {
        kf_jsonw_null(w);
        return;
    }
    char t[40];
    kf_time_format(ms, t, sizeof(t));
    quoted(w, t, comma_due(w), 0);
}

void kf_jsonw_raw(kf_jsonw *w, const char *text)
{
    separate(w);
    put(w, text, strlen(text));
}
