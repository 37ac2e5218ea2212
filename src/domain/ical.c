#include "domain/ical.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#define MAX_EVENT_DAYS 366
#define NAME_SIZE      64 /* kf_ical_day.name */

/* Content lines, unfolded, one at a time. */
typedef struct {
    const char *text;
    size_t len, pos;
    int phys;  /* physical lines consumed */
    char *buf; /* the current logical line; holds up to LEN bytes */
    size_t n;
    int line; /* 1-based physical line where it starts */
} reader;

/* append_physical: the physical line at R->pos (without its CR LF or LF),
 * skipping SKIP leading bytes, onto the logical line. */
static void append_physical(reader *r, size_t skip)
{
    const char *p = r->text + r->pos;
    const char *nl = memchr(p, '\n', r->len - r->pos);
    size_t n = nl ? (size_t)(nl - p) : r->len - r->pos;
    r->pos += n + (nl != NULL);
    r->phys++;
    if (n > 0 && p[n - 1] == '\r') n--;
    if (skip > n) skip = n;
    memcpy(r->buf + r->n, p + skip, n - skip);
    r->n += n - skip;
}

/* next_line: the next logical line into R->buf (NUL-terminated); 0 at the end. */
static int next_line(reader *r)
{
    if (r->pos >= r->len) return 0;
    r->n = 0;
    r->line = r->phys + 1;
    append_physical(r, 0);
    while (r->pos < r->len && (r->text[r->pos] == ' ' || r->text[r->pos] == '\t'))
        append_physical(r, 1);
    r->buf[r->n] = '\0';
    return 1;
}

/* A content line: NAME *(";" PARAM) ":" VALUE. */
typedef struct {
    const char *name, *params, *value;
    size_t nlen, plen;
} prop;

/* split_prop: LINE into its parts (VALUE runs to the end); -1 without a ':'
 * outside quoted parameter values. */
static int split_prop(const char *line, prop *p)
{
    const char *s = line;
    while (*s && *s != ';' && *s != ':')
        s++;
    p->name = line;
    p->nlen = (size_t)(s - line);
    p->params = s;
    int quoted = 0;
    for (; *s && (quoted || *s != ':'); s++)
        if (*s == '"') quoted = !quoted;
    if (*s != ':') return -1;
    p->plen = (size_t)(s - p->params);
    p->value = s + 1;
    return 0;
}

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static int eq_ci(const char *s, size_t n, const char *lit)
{
    size_t i = 0;
    for (; i < n && lit[i]; i++)
        if (lower((unsigned char)s[i]) != lower((unsigned char)lit[i])) return 0;
    return i == n && lit[i] == '\0';
}

static int contains_ci(const char *s, const char *lit)
{
    size_t n = strlen(lit), len = strlen(s);
    for (size_t i = 0; i + n <= len; i++)
        if (eq_ci(s + i, n, lit)) return 1;
    return 0;
}

static int is_name(const prop *p, const char *lit)
{
    return eq_ci(p->name, p->nlen, lit);
}

static int is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

/* parse_date: a DATE value "YYYYMMDD" into *DAY: 0; a DATE-TIME
 * ("YYYYMMDDTHHMMSS", "…Z"): 1; anything else: -1. */
static int parse_date(const char *v, int64_t *day)
{
    size_t n = strlen(v);
    if (n >= 15 && is_digits(v, 8) && (v[8] == 'T' || v[8] == 't') && is_digits(v + 9, 6)) return 1;
    if (n != 8 || !is_digits(v, 8)) return -1;
    char iso[11] = {v[0], v[1], v[2], v[3], '-', v[4], v[5], '-', v[6], v[7], '\0'};
    return kf_date_parse(iso, day) == 0 ? 0 : -1;
}

/* parse_duration: a whole-day DURATION ("P3D", "P2W", "+P1D") into *DAYS
 * (capped, so that a huge one is simply too long); -1 otherwise. */
static int parse_duration(const char *v, int64_t *days)
{
    if (*v == '+') v++;
    if (*v != 'P' && *v != 'p') return -1;
    v++;
    int64_t total = 0;
    while (*v) {
        int64_t num = 0;
        const char *start = v;
        for (; *v >= '0' && *v <= '9'; v++)
            if (num < 100000) num = num * 10 + (*v - '0');
        if (v == start) return -1;
        if (*v == 'W' || *v == 'w')
            num *= 7;
        else if (*v != 'D' && *v != 'd')
            return -1;
        v++;
        total += num;
    }
    if (total == 0) return -1;
    *days = total;
    return 0;
}

/* utf8_cut: how many of the N bytes at S to keep so as not to end inside a
 * character. */
static size_t utf8_cut(const char *s, size_t n)
{
    if (n == 0) return 0;
    size_t j = n - 1;
    while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80)
        j--;
    unsigned char lead = (unsigned char)s[j];
    size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return j + want > n ? j : n;
}

/* unescape_text: the TEXT value V with \\ \; \, \n \N decoded into OUT
 * (OUTLEN > 0), truncated at a character boundary. */
static void unescape_text(const char *v, char *out, size_t outlen)
{
    size_t n = 0;
    int truncated = 0;
    for (; *v; v++) {
        char ch = *v;
        if (ch == '\\' && v[1]) {
            v++;
            ch = (*v == 'n' || *v == 'N') ? '\n' : *v;
            if (ch != '\n' && ch != '\\' && ch != ';' && ch != ',') {
                ch = '\\'; /* not an escape: keep the backslash */
                v--;
            }
        }
        if (n + 1 >= outlen) {
            truncated = 1;
            break;
        }
        out[n++] = ch;
    }
    if (truncated) n = utf8_cut(out, n);
    out[n] = '\0';
}

/* The event being read. */
_Static_assert(sizeof(((kf_ical_day *)0)->name) == NAME_SIZE, "kf_ical_day.name size");

typedef struct {
    int begin_line;
    int has_start, has_end, has_dur, workday;
    int64_t start, end, dur;
    char name[NAME_SIZE];
} event;

typedef struct {
    reader r;
    kf_ical_day *days;
    size_t n, cap, max;
    const char *reason;
    int err_line;
} parser;

static int fail(parser *ps, const char *reason, int line)
{
    ps->reason = reason;
    ps->err_line = line;
    return -1;
}

/* event_prop: one property P of the event EV on line LINE. */
static int event_prop(parser *ps, event *ev, const prop *p, int line)
{
    if (is_name(p, "DTSTART") || is_name(p, "DTEND")) {
        int64_t day;
        int rc = parse_date(p->value, &day);
        if (rc != 0) return fail(ps, rc > 0 ? "timed_event" : "bad_date", line);
        if (is_name(p, "DTSTART")) {
            ev->start = day;
            ev->has_start = 1;
        } else {
            ev->end = day;
            ev->has_end = 1;
        }
    } else if (is_name(p, "DURATION")) {
        if (parse_duration(p->value, &ev->dur) != 0) return fail(ps, "bad_date", line);
        ev->has_dur = 1;
    } else if (is_name(p, "SUMMARY")) {
        if (strstr(p->value, "\xE7\x8F\xAD") || contains_ci(p->value, "workday") ||
            contains_ci(p->value, "make-up"))
            ev->workday = 1;
        unescape_text(p->value, ev->name, sizeof(ev->name));
    } else if (is_name(p, "X-KEFU-KIND")) {
        if (eq_ci(p->value, strlen(p->value), "workday")) ev->workday = 1;
    }
    return 0;
}

/* event_end: every day of the finished event EV. DTEND wins over DURATION; an
 * event with neither lasts one day, as does one whose DTEND equals DTSTART. */
static int event_end(parser *ps, const event *ev)
{
    if (!ev->has_start) return fail(ps, "bad_date", ev->begin_line);
    int64_t end = ev->has_end ? ev->end : ev->has_dur ? ev->start + ev->dur : ev->start + 1;
    if (end < ev->start) return fail(ps, "bad_date", ev->begin_line);
    if (end == ev->start) end++;
    if (end - ev->start > MAX_EVENT_DAYS) return fail(ps, "event_too_long", ev->begin_line);
    for (int64_t d = ev->start; d < end; d++) {
        if (ps->n >= ps->max) return fail(ps, "too_many_days", ev->begin_line);
        if (ps->n == ps->cap) {
            ps->cap = ps->cap ? ps->cap * 2 : 32;
            if (ps->cap > ps->max) ps->cap = ps->max;
            ps->days = kf_realloc(ps->days, ps->cap * sizeof(*ps->days));
        }
        kf_ical_day *out = &ps->days[ps->n++];
        out->day = d;
        out->kind = ev->workday ? KF_DAY_WORKDAY : KF_DAY_HOLIDAY;
        memcpy(out->name, ev->name, sizeof(out->name));
    }
    return 0;
}

/* first_line: the first non-blank line must open a VCALENDAR (a UTF-8 BOM
 * before it is allowed). */
static int first_line(parser *ps)
{
    while (next_line(&ps->r)) {
        const char *s = ps->r.buf;
        if (ps->r.line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3;
        if (*s == '\0') continue;
        if (eq_ci(s, strlen(s), "BEGIN:VCALENDAR")) return 0;
        return fail(ps, "not_icalendar", ps->r.line);
    }
    return fail(ps, "not_icalendar", ps->r.line ? ps->r.line : 1);
}

/* parse: the lines after BEGIN:VCALENDAR up to its END. DEPTH counts the
 * components open inside the calendar; an event's own properties are those at
 * depth 1 (not those of a VALARM inside it). */
static int parse(parser *ps)
{
    event ev;
    int depth = 0, in_event = 0;
    memset(&ev, 0, sizeof(ev));
    if (first_line(ps) != 0) return -1;
    while (next_line(&ps->r)) {
        prop p;
        int line = ps->r.line;
        if (split_prop(ps->r.buf, &p) != 0) continue; /* blank or not a content line */
        if (is_name(&p, "BEGIN")) {
            depth++;
            if (depth == 1 && eq_ci(p.value, strlen(p.value), "VEVENT")) {
                memset(&ev, 0, sizeof(ev));
                ev.begin_line = line;
                in_event = 1;
            }
        } else if (is_name(&p, "END")) {
            if (depth == 0) break; /* the end of the calendar */
            if (depth == 1 && in_event) {
                if (event_end(ps, &ev) != 0) return -1;
                in_event = 0;
            }
            depth--;
        } else if (depth == 1 && in_event) {
            if (event_prop(ps, &ev, &p, line) != 0) return -1;
        }
    }
    return 0;
}

int kf_ical_days(const char *text, size_t len, size_t max, kf_ical_day **out, size_t *n,
                 const char **reason, int *line)
{
    parser ps;
    memset(&ps, 0, sizeof(ps));
    ps.r.text = text ? text : "";
    ps.r.len = text ? len : 0;
    ps.r.buf = kf_malloc(ps.r.len + 1);
    ps.max = max;

    int rc = parse(&ps);
    free(ps.r.buf);
    if (reason) *reason = rc == 0 ? NULL : ps.reason;
    if (line) *line = rc == 0 ? 0 : ps.err_line;
    if (rc != 0) {
        free(ps.days);
        *out = NULL;
        *n = 0;
        return KF_EINVAL;
    }
    *out = ps.days;
    *n = ps.n;
    return KF_OK;
}
