#include "domain/pii.h"

#include <string.h>

/* Digits kept from a typed mobile number: E.164's 15 plus a "0086" prefix
 * fit with room; anything longer is not a phone number. */
#define MOBILE_DIGITS_MAX 24
/* A mask hides at least this many characters, however short the value. */
#define MASK_MIN_HIDDEN 4

/* put: PREFIX then S into OUT (LEN bytes, may be NULL); -1 when it does not
 * fit, so a short buffer is an invalid answer rather than a truncated one. */
static int put(char *out, size_t len, const char *prefix, const char *s)
{
    size_t pl = strlen(prefix), sl = strlen(s);
    if (!out) return 0;
    if (pl + sl + 1 > len) {
        if (len) out[0] = '\0';
        return -1;
    }
    memcpy(out, prefix, pl);
    memcpy(out + pl, s, sl + 1);
    return 0;
}

/* mobile_digits: the digits of IN into D (with spaces and dashes dropped) and
 * whether a '+' came before them; -1 on any other character or too many. */
static int mobile_digits(const char *in, char d[MOBILE_DIGITS_MAX + 1], int *plus)
{
    size_t n = 0;
    *plus = 0;
    for (const char *p = in; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-') continue;
        if (c == '+' && n == 0 && !*plus) {
            *plus = 1;
            continue;
        }
        if (c < '0' || c > '9' || n == MOBILE_DIGITS_MAX) return -1;
        d[n++] = c;
    }
    d[n] = '\0';
    return 0;
}

static int mainland(const char *d)
{
    return strlen(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

const char *kf_mobile_problem(const char *in, char *normalized, size_t len)
{
    static const char *const bad = "invalid_mobile";
    char d[MOBILE_DIGITS_MAX + 1];
    int plus;

    if (normalized && len) normalized[0] = '\0';
    if (!in || mobile_digits(in, d, &plus) != 0) return bad;
    if (plus) {
        /* +86 is the mainland: one stored form whether or not it was typed */
        if (strncmp(d, "86", 2) == 0)
            return mainland(d + 2) && put(normalized, len, "", d + 2) == 0 ? NULL : bad;
        size_t n = strlen(d);
        if (n < 6 || n > 15 || d[0] == '0') return bad; /* country codes start 1-9 */
        return put(normalized, len, "+", d) == 0 ? NULL : bad;
    }
    const char *rest = d;
    if (strncmp(d, "0086", 4) == 0)
        rest = d + 4;
    else if (strncmp(d, "86", 2) == 0 && strlen(d) == 13)
        rest = d + 2;
    return mainland(rest) && put(normalized, len, "", rest) == 0 ? NULL : bad;
}

static int digit(char c)
{
    return c >= '0' && c <= '9';
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* real_date: 1 when the 8 digits YYYYMMDD at S name a day of 1900–2099. */
static int real_date(const char *s)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2);
    if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

const char *kf_idnum_problem(const char *in, char *normalized, size_t len)
{
    static const char *const bad = "invalid_id_number";
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    char id[KF_IDNUM_LEN];

    if (normalized && len) normalized[0] = '\0';
    if (!in) return bad;
    while (*in == ' ' || *in == '\t')
        in++;
    size_t n = strlen(in);
    while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
        n--;
    if (n != 18) return bad;

    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (!digit(in[i])) return bad;
        sum += (in[i] - '0') * weight[i];
        id[i] = in[i];
    }
    id[17] = in[17] == 'x' ? 'X' : in[17];
    id[18] = '\0';
    if (id[17] != check[sum % 11]) return bad;
    if (!real_date(id + 6)) return bad;
    return put(normalized, len, "", id) == 0 ? NULL : bad;
}

/* mask: IN with all but HEAD leading and TAIL trailing characters replaced by
 * '*'. Short values keep fewer so that MASK_MIN_HIDDEN stay hidden; values
 * with non-ASCII bytes (never a normalised number) are starred whole, byte by
 * byte, so no half of a multi-byte character reaches a response. */
static void mask(const char *in, size_t head, size_t tail, char *out, size_t len)
{
    if (!out || len == 0) return;
    size_t n = in ? strlen(in) : 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)in[i] >= 0x80) head = tail = 0;
    size_t shown = n > MASK_MIN_HIDDEN ? n - MASK_MIN_HIDDEN : 0;
    if (head > shown) head = shown;
    if (tail > shown - head) tail = shown - head;

    size_t i = 0;
    for (; i < n && i + 1 < len; i++)
        out[i] = i < head || i >= n - tail ? in[i] : '*';
    out[i] = '\0';
}

void kf_mask_mobile(const char *normalized, char *out, size_t len)
{
    mask(normalized, 3, 4, out, len);
}

void kf_mask_idnum(const char *normalized, char *out, size_t len)
{
    mask(normalized, 4, 4, out, len);
}

void kf_mobile_last4(const char *normalized, char out[5])
{
    size_t n = normalized ? strlen(normalized) : 0;
    if (n < 4) {
        out[0] = '\0';
        return;
    }
    memcpy(out, normalized + n - 4, 5);
}

/* utf8_next: the byte length (1–4) of the well-formed code point at S, 0 at
 * the end of the string, -1 when the bytes are not UTF-8 (overlong forms,
 * surrogates and values past U+10FFFF included). Stops at the first bad byte,
 * so it never reads past a NUL. */
static int utf8_next(const unsigned char *s)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    int n;
    if (c == 0) return 0;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return -1;
    if (s[1] < lo || s[1] > hi) return -1;
    for (int i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return -1;
    return n;
}

static int utf8_valid(const char *s)
{
    int n;
    while ((n = utf8_next((const unsigned char *)s)) > 0)
        s += n;
    return n == 0;
}

/* add_gram: the N bytes at S, ASCII lower-cased, as OUT[*count] unless an
 * earlier entry is the same. */
static void add_gram(char (*out)[KF_BIGRAM_LEN], size_t *count, const char *s, size_t n)
{
    char g[KF_BIGRAM_LEN];
    for (size_t i = 0; i < n; i++)
        g[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    g[n] = '\0';
    for (size_t i = 0; i < *count; i++)
        if (strcmp(out[i], g) == 0) return;
    memcpy(out[(*count)++], g, n + 1);
}

size_t kf_bigrams(const char *utf8, char (*out)[KF_BIGRAM_LEN], size_t max)
{
    size_t count = 0;
    if (!utf8 || max == 0 || !utf8_valid(utf8)) return 0;
    const char *s = utf8;
    int a = utf8_next((const unsigned char *)s);
    if (a == 0) return 0;
    int b = utf8_next((const unsigned char *)s + a);
    if (b == 0) { /* one character: itself, so one-character names are found too */
        add_gram(out, &count, s, (size_t)a);
        return count;
    }
    while (b > 0 && count < max) {
        add_gram(out, &count, s, (size_t)(a + b));
        s += a;
        a = b;
        b = utf8_next((const unsigned char *)s + a);
    }
    return count;
}
