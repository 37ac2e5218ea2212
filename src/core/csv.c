#include "core/csv.h"

#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { E_NONE, E_QUOTE, E_AFTERQUOTE, E_TRUNCATED, E_FIELDS, E_LONG, E_NUL };

/* What ended a field. */
enum { END_SEP, END_EOL, END_EOF };

struct kf_csv {
    const char *s;
    size_t len;
    size_t pos;
    size_t line; /* physical line of s[pos] */
    char sep;

    int code; /* E_*; once set, the reader stays failed */
    size_t err_line, err_col;
    char err[320];

    /* The current record: fields unquoted into one buffer, NUL-separated.
     * Offsets rather than pointers while reading, since the buffer moves. */
    char *store;
    size_t store_len, store_cap;
    size_t nf;
    size_t offs[KF_CSV_MAX_FIELDS];
    size_t lens[KF_CSV_MAX_FIELDS];
    const char *fields[KF_CSV_MAX_FIELDS];
};

/* The separator from the header (first non-blank) line, outside quotes: a
 * comma if there is one, else the more frequent of ';' and tab. */
static char detect_sep(const char *s, size_t len)
{
    size_t commas = 0, semis = 0, tabs = 0, i = 0;
    int quoted = 0;
    while (i < len && (s[i] == '\r' || s[i] == '\n' || s[i] == ' '))
        i++;
    for (; i < len; i++) {
        char ch = s[i];
        if (ch == '"') quoted = !quoted;
        if (quoted) continue;
        if (ch == '\r' || ch == '\n') break;
        commas += ch == ',';
        semis += ch == ';';
        tabs += ch == '\t';
    }
    if (commas || (!semis && !tabs)) return ',';
    return semis >= tabs ? ';' : '\t';
}

kf_csv *kf_csv_new(const char *utf8, size_t len)
{
    kf_csv *c = kf_calloc(1, sizeof(*c));
    if (len >= 3 && memcmp(utf8, "\xEF\xBB\xBF", 3) == 0) {
        utf8 += 3;
        len -= 3;
    }
    c->s = utf8;
    c->len = len;
    c->line = 1;
    c->sep = detect_sep(utf8, len);
    return c;
}

void kf_csv_free(kf_csv *c)
{
    if (!c) return;
    free(c->store);
    free(c);
}

char kf_csv_separator(const kf_csv *c)
{
    return c->sep;
}

static int fail(kf_csv *c, int code, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(kf_csv *c, int code, size_t line, size_t col, const char *fmt, ...)
{
    c->code = code;
    c->err_line = line;
    c->err_col = col;
    int n = snprintf(c->err, sizeof(c->err), "line %zu, column %zu: ", line, col);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, sizeof(c->err) - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int is_space(const kf_csv *c, char ch)
{
    return ch == ' ' || (ch == '\t' && c->sep != '\t');
}

/* Consumes a line end (CRLF, LF or a lone CR) at pos; 1 if there was one. */
static int eat_eol(kf_csv *c)
{
    if (c->pos >= c->len) return 0;
    if (c->s[c->pos] == '\r') {
        c->pos++;
        if (c->pos < c->len && c->s[c->pos] == '\n') c->pos++;
    } else if (c->s[c->pos] == '\n') {
        c->pos++;
    } else {
        return 0;
    }
    c->line++;
    return 1;
}

/* Skips lines holding nothing but spaces; leaves pos at the start of the next
 * line with content, or at the end. */
static void skip_blank_lines(kf_csv *c)
{
    for (;;) {
        size_t start = c->pos;
        while (c->pos < c->len && is_space(c, c->s[c->pos]))
            c->pos++;
        if (c->pos >= c->len) return;
        if (!eat_eol(c)) {
            c->pos = start;
            return;
        }
    }
}

/* Appends N bytes to the field being read; the caller checked the length. */
static void store_append(kf_csv *c, const char *p, size_t n)
{
    if (c->store_len + n + 1 > c->store_cap) {
        size_t cap = c->store_cap ? c->store_cap : 4096;
        while (cap < c->store_len + n + 1)
            cap *= 2;
        c->store = kf_realloc(c->store, cap);
        c->store_cap = cap;
    }
    memcpy(c->store + c->store_len, p, n);
    c->store_len += n;
}

static int too_long(kf_csv *c, size_t line, size_t col)
{
    return fail(c, E_LONG, line, col, "field longer than %d bytes", KF_CSV_MAX_FIELD);
}

static int read_unquoted(kf_csv *c, size_t line, size_t col)
{
    const char *s = c->s;
    size_t start = c->pos, i = start, len = c->len;
    char sep = c->sep;
    /* plain bytes first, in locals: this loop is most of the parsing time */
    while (i < len && s[i] != sep && s[i] != '\r' && s[i] != '\n' && s[i] != '"' && s[i] != '\0')
        i++;
    for (c->pos = i; c->pos < c->len; c->pos++) {
        char ch = c->s[c->pos];
        if (ch == c->sep || ch == '\r' || ch == '\n') break;
        if (ch == '"')
            return fail(c, E_QUOTE, line, col,
                        "a quote (\") inside an unquoted field; quote the whole field and "
                        "double the quotes inside it");
        if (ch == '\0') return fail(c, E_NUL, line, col, "NUL byte in the data");
    }
    size_t end = c->pos;
    while (end > start && is_space(c, c->s[end - 1]))
        end--;
    if (end - start > KF_CSV_MAX_FIELD) return too_long(c, line, col);
    store_append(c, c->s + start, end - start);
    return 0;
}

/* Appends to a quoted field unless it is already over the limit: then the
 * rest is only scanned, so that a missing closing quote is reported as such
 * rather than as an over-long field. */
static void quoted_append(kf_csv *c, size_t field_start, const char *p, size_t n, int *over)
{
    if (*over || c->store_len - field_start + n > KF_CSV_MAX_FIELD)
        *over = 1;
    else
        store_append(c, p, n);
}

static int read_quoted(kf_csv *c, size_t line, size_t col)
{
    size_t field_start = c->store_len;
    int over = 0;
    c->pos++; /* the opening quote */
    for (;;) {
        const char *s = c->s;
        size_t run = c->pos, i = run, len = c->len;
        while (i < len && s[i] != '"' && s[i] != '\0' && s[i] != '\r' && s[i] != '\n')
            i++;
        c->pos = i;
        quoted_append(c, field_start, s + run, i - run, &over);
        if (c->pos >= c->len)
            return fail(c, E_TRUNCATED, line, col,
                        "truncated file: unterminated quote starting on line %zu", line);
        char ch = c->s[c->pos];
        if (ch == '\0') return fail(c, E_NUL, line, col, "NUL byte in the data");
        if (ch == '"') {
            if (c->pos + 1 < c->len && c->s[c->pos + 1] == '"') {
                quoted_append(c, field_start, "\"", 1, &over);
                c->pos += 2;
                continue;
            }
            c->pos++;
            break;
        }
        size_t eol = c->pos;
        eat_eol(c);
        quoted_append(c, field_start, c->s + eol, c->pos - eol, &over);
    }
    if (over) return too_long(c, line, col);
    while (c->pos < c->len && is_space(c, c->s[c->pos]))
        c->pos++;
    char ch = c->pos < c->len ? c->s[c->pos] : c->sep;
    if (ch != c->sep && ch != '\r' && ch != '\n')
        return fail(c, E_AFTERQUOTE, line, col,
                    "text after the closing quote (on line %zu); a quote inside a quoted "
                    "field must be doubled",
                    c->line);
    return 0;
}

/* Reads one field and what ends it: END_* or -1. */
static int read_field(kf_csv *c)
{
    size_t col = c->nf + 1, line = c->line;
    if (c->nf == KF_CSV_MAX_FIELDS)
        return fail(c, E_FIELDS, line, col, "more than %d fields in one row", KF_CSV_MAX_FIELDS);
    c->offs[c->nf] = c->store_len;
    while (c->pos < c->len && is_space(c, c->s[c->pos]))
        c->pos++;
    int quoted = c->pos < c->len && c->s[c->pos] == '"';
    if ((quoted ? read_quoted(c, line, col) : read_unquoted(c, line, col)) < 0) return -1;
    c->lens[c->nf] = c->store_len - c->offs[c->nf];
    store_append(c, "", 1);
    c->nf++;
    if (c->pos >= c->len) return END_EOF;
    if (c->s[c->pos] == c->sep) {
        c->pos++;
        return END_SEP;
    }
    eat_eol(c);
    return END_EOL;
}

int kf_csv_next(kf_csv *c, kf_csv_row *row)
{
    memset(row, 0, sizeof(*row));
    if (c->code != E_NONE) return -1;
    skip_blank_lines(c);
    if (c->pos >= c->len) return 0;
    row->line = c->line;
    c->nf = 0;
    c->store_len = 0;
    int end;
    do {
        end = read_field(c);
        if (end < 0) return -1;
    } while (end == END_SEP);
    for (size_t i = 0; i < c->nf; i++)
        c->fields[i] = c->store + c->offs[i];
    row->nfields = c->nf;
    row->fields = c->fields;
    row->lens = c->lens;
    return 1;
}

const char *kf_csv_error(const kf_csv *c)
{
    return c->code != E_NONE ? c->err : NULL;
}

size_t kf_csv_error_line(const kf_csv *c)
{
    return c->code != E_NONE ? c->err_line : 0;
}

size_t kf_csv_error_column(const kf_csv *c)
{
    return c->code != E_NONE ? c->err_col : 0;
}

const char *kf_csv_error_key(const kf_csv *c)
{
    static const char *const keys[] = {
        [E_NONE] = "",
        [E_QUOTE] = "csv_quote_in_field",
        [E_AFTERQUOTE] = "csv_text_after_quote",
        [E_TRUNCATED] = "csv_truncated",
        [E_FIELDS] = "csv_too_many_fields",
        [E_LONG] = "csv_field_too_long",
        [E_NUL] = "csv_nul_byte",
    };
    return keys[c->code];
}

int kf_csv_row_blank(const kf_csv_row *row)
{
    for (size_t i = 0; i < row->nfields; i++)
        if (row->lens ? row->lens[i] : strlen(row->fields[i])) return 0;
    return 1;
}

static char ascii_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Whether CELL (spaces around it ignored) equals one of the '|'-separated
 * names in SPEC, ASCII case-insensitively. Not strcasecmp: it would depend on
 * the locale, and bytes of Chinese names must compare exactly. */
static int header_matches(const char *spec, const char *cell)
{
    size_t clen = strlen(cell);
    while (clen && cell[clen - 1] == ' ')
        clen--;
    while (clen && *cell == ' ') {
        cell++;
        clen--;
    }
    while (*spec) {
        size_t n = strcspn(spec, "|"), i = 0;
        if (n == clen && n > 0) {
            while (i < n && ascii_lower(spec[i]) == ascii_lower(cell[i]))
                i++;
            if (i == n) return 1;
        }
        spec += n;
        if (*spec == '|') spec++;
    }
    return 0;
}

int kf_csv_header_map(const kf_csv_row *header, const char *const *wanted, int *index_out,
                      const char **missing)
{
    int rc = 0;
    if (missing) *missing = NULL;
    for (size_t w = 0; wanted[w]; w++) {
        const char *spec = wanted[w];
        int optional = spec[0] == '?';
        index_out[w] = -1;
        for (size_t f = 0; f < header->nfields && index_out[w] < 0; f++)
            if (header_matches(spec + optional, header->fields[f])) index_out[w] = (int)f;
        if (index_out[w] < 0 && !optional && rc == 0) {
            rc = -1;
            if (missing) *missing = spec;
        }
    }
    return rc;
}
