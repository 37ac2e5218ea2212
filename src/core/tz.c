#include "core/tz.h"

#include "core/timeutil.h"

#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
/* The largest zone file read: real ones are a few KiB. */
#define TZ_MAX_FILE (1024 * 1024)
#define TZ_MAX_NAME 255
#define TZ_HEADER   44
/* RFC 8536: a UT offset is within -89999 .. 93599 seconds; a little slack. */
#define TZ_MAX_OFFSET (26 * 3600)

struct kf_tz {
    char *name;
    int64_t *trans; /* transition instants (UTC s), strictly ascending */
    int32_t *offs;  /* offs[i]: the offset from trans[i] on */
    size_t n;
    int32_t off0; /* the offset before the first transition (or always) */
    int32_t min_off, max_off;
};

/* ---- TZif ---------------------------------------------------------------- */

typedef struct {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_counts;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);
    return (int64_t)v;
}

/* read_header: the counts of the header at P (LEN bytes left) and the size of
 * the data block after it with TSIZE-byte times; -1 when it is not a TZif
 * header, the counts are inconsistent, or the block runs past the end. */
static int read_header(const unsigned char *p, size_t len, int tsize, tzif_counts *h, size_t *block)
{
    if (len < TZ_HEADER || memcmp(p, "TZif", 4) != 0) return -1;
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    /* type indices are one byte; the indicator arrays are empty or one per type */
    if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0) return -1;
    if ((h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
        return -1;
    /* each count is under 2^32, so the sum fits in 64 bits */
    uint64_t size = (uint64_t)h->timecnt * (uint64_t)(tsize + 1) + (uint64_t)h->typecnt * 6 +
                    h->charcnt + (uint64_t)h->leapcnt * (uint64_t)(tsize + 4) + h->isstdcnt +
                    h->isutcnt;
    if (size > len - TZ_HEADER) return -1;
    *block = (size_t)size;
    return 0;
}

/* read_block: the transitions and offsets of the data block at P (after its
 * header H) into TZ; -1 when a value is out of range. */
static int read_block(const unsigned char *p, const tzif_counts *h, int tsize, kf_tz *tz)
{
    const unsigned char *idx = p + (size_t)h->timecnt * (size_t)tsize;
    const unsigned char *types = idx + h->timecnt;
    int32_t utoff[256];

    for (uint32_t i = 0; i < h->typecnt; i++) {
        const unsigned char *t = types + (size_t)i * 6;
        int32_t off = (int32_t)be32(t);
        if (off <= -TZ_MAX_OFFSET || off >= TZ_MAX_OFFSET || t[4] > 1 || t[5] >= h->charcnt)
            return -1;
        utoff[i] = off;
    }
    tz->n = h->timecnt;
    tz->trans = kf_malloc((h->timecnt ? h->timecnt : 1) * sizeof(*tz->trans));
    tz->offs = kf_malloc((h->timecnt ? h->timecnt : 1) * sizeof(*tz->offs));
    tz->off0 = tz->min_off = tz->max_off = utoff[0];
    for (uint32_t i = 0; i < h->timecnt; i++) {
        const unsigned char *t = p + (size_t)i * (size_t)tsize;
        int64_t at = tsize == 8 ? be64(t) : (int64_t)(int32_t)be32(t);
        if (idx[i] >= h->typecnt || (i > 0 && at <= tz->trans[i - 1])) return -1;
        tz->trans[i] = at;
        tz->offs[i] = utoff[idx[i]];
        if (tz->offs[i] < tz->min_off) tz->min_off = tz->offs[i];
        if (tz->offs[i] > tz->max_off) tz->max_off = tz->offs[i];
    }
    return 0;
}

/* parse_tzif: the zone in the file contents P[0..LEN), using the 64-bit data
 * of version 2 and later files. The footer TZ string is not used: after the
 * last transition its offset stays in effect. */
static int parse_tzif(const unsigned char *p, size_t len, kf_tz *tz)
{
    tzif_counts h;
    size_t block;
    if (read_header(p, len, 4, &h, &block) != 0) return -1;
    unsigned char version = p[4];
    if (version == 0) return read_block(p + TZ_HEADER, &h, 4, tz);
    if (version < '2') return -1;
    size_t skip = TZ_HEADER + block;
    if (read_header(p + skip, len - skip, 8, &h, &block) != 0) return -1;
    return read_block(p + skip + TZ_HEADER, &h, 8, tz);
}

/* ---- loading ------------------------------------------------------------- */

static int name_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '+' || ch == '-' || ch == '/';
}

/* valid_name: a relative path of name characters with no empty component. */
static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > TZ_MAX_NAME || name[0] == '/' || name[n - 1] == '/') return 0;
    if (strstr(name, "..") || strstr(name, "//")) return 0;
    for (size_t i = 0; i < n; i++)
        if (!name_char(name[i])) return 0;
    return 1;
}

/* read_file: the whole of PATH (at most TZ_MAX_FILE bytes) into *DATA. */
static int read_file(const char *path, unsigned char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT || errno == ENOTDIR ? KF_ENOTFOUND : KF_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return KF_EIO;
    }
    if (!S_ISREG(st.st_mode)) { /* a directory such as "Asia" is not a zone */
        close(fd);
        return KF_ENOTFOUND;
    }
    /* one byte more than the cap tells a file that grew past it */
    unsigned char *buf = kf_malloc(TZ_MAX_FILE + 1);
    size_t got = 0;
    while (got <= TZ_MAX_FILE) {
        ssize_t r = read(fd, buf + got, TZ_MAX_FILE + 1 - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            free(buf);
            close(fd);
            return KF_EIO;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got > TZ_MAX_FILE) {
        free(buf);
        return KF_EINVAL;
    }
    *data = buf;
    *len = got;
    return KF_OK;
}

int kf_tz_load(const char *dir, const char *name, kf_tz **out)
{
    char path[4096];
    *out = NULL;
    if (!name || !valid_name(name)) return KF_EINVAL;
    if (!dir) dir = TZ_DEFAULT_DIR;
    int w = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= sizeof(path)) return KF_EINVAL;

    unsigned char *data;
    size_t len;
    int rc = read_file(path, &data, &len);
    if (rc != KF_OK) return rc;
    kf_tz *tz = kf_calloc(1, sizeof(*tz));
    if (parse_tzif(data, len, tz) != 0) {
        free(data);
        kf_tz_free(tz);
        return KF_EINVAL;
    }
    free(data);
    tz->name = kf_strdup(name);
    *out = tz;
    return KF_OK;
}

void kf_tz_free(kf_tz *tz)
{
    if (!tz) return;
    free(tz->name);
    free(tz->trans);
    free(tz->offs);
    free(tz);
}

const char *kf_tz_name(const kf_tz *tz)
{
    return tz->name;
}

/* ---- conversion ---------------------------------------------------------- */

/* period: the index of the last transition at or before UTC_S, or -1 when
 * UTC_S is before the first (or there are none). */
static ptrdiff_t period(const kf_tz *tz, int64_t utc_s)
{
    /* today's instants lie past the last transition in most zones (China's
     * since 1991): no search; the clocks of every ticket ask for them */
    if (tz->n == 0 || utc_s >= tz->trans[tz->n - 1]) return (ptrdiff_t)tz->n - 1;
    size_t lo = 0, hi = tz->n; /* answer + 1 is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= utc_s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (ptrdiff_t)lo - 1;
}

static int32_t period_off(const kf_tz *tz, ptrdiff_t i)
{
    return i < 0 ? tz->off0 : tz->offs[i];
}

int32_t kf_tz_offset(const kf_tz *tz, int64_t utc_s)
{
    return period_off(tz, period(tz, utc_s));
}

static int64_t sat_sub(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) return b > 0 ? INT64_MIN : INT64_MAX;
    return r;
}

/* The answer lies within [LOCAL_S - max_off, LOCAL_S - min_off], a span of
 * at most two days: the periods overlapping it are visited in time order and
 * the first that contains LOCAL_S - its offset wins (the first occurrence).
 * When none does, LOCAL_S falls in a gap and the jump's instant is the answer. */
int64_t kf_tz_to_utc(const kf_tz *tz, int64_t local_s)
{
    int64_t lo = sat_sub(local_s, tz->max_off), hi = sat_sub(local_s, tz->min_off);
    /* past the last transition one offset holds (what the walk below finds) */
    if (tz->n == 0 || lo >= tz->trans[tz->n - 1])
        return sat_sub(local_s, period_off(tz, (ptrdiff_t)tz->n - 1));
    ptrdiff_t first = period(tz, lo);
    for (ptrdiff_t i = first; i < (ptrdiff_t)tz->n; i++) {
        int64_t start = i < 0 ? INT64_MIN : tz->trans[i];
        if (start > hi) break;
        int64_t t = sat_sub(local_s, period_off(tz, i));
        int after_start = i < 0 || t >= start;
        int before_end = i + 1 >= (ptrdiff_t)tz->n || t < tz->trans[i + 1];
        if (after_start && before_end) return t;
    }
    for (ptrdiff_t i = first + 1; i < (ptrdiff_t)tz->n && tz->trans[i] <= hi; i++)
        if (sat_sub(local_s, tz->offs[i]) < tz->trans[i]) return tz->trans[i];
    return sat_sub(local_s, period_off(tz, first));
}

/* ---- cache --------------------------------------------------------------- */

struct kf_tz_cache {
    pthread_mutex_t mu;
    char *dir; /* NULL: the default */
    kf_tz **zones;
    size_t n, cap;
};

kf_tz_cache *kf_tz_cache_new(const char *dir)
{
    kf_tz_cache *c = kf_calloc(1, sizeof(*c));
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    c->dir = dir ? kf_strdup(dir) : NULL;
    return c;
}

void kf_tz_cache_free(kf_tz_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++)
        kf_tz_free(c->zones[i]);
    free(c->zones);
    free(c->dir);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* Loading happens under the lock: it is a single small file read, once per
 * zone for the life of the cache. Failures are not remembered. */
int kf_tz_cache_get(kf_tz_cache *c, const char *name, const kf_tz **out)
{
    int rc = KF_OK;
    *out = NULL;
    if (!name || !valid_name(name)) return KF_EINVAL;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->zones[i]->name, name) == 0) {
            *out = c->zones[i];
            goto done;
        }
    }
    kf_tz *tz;
    rc = kf_tz_load(c->dir, name, &tz);
    if (rc != KF_OK) goto done;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->zones = kf_realloc(c->zones, c->cap * sizeof(*c->zones));
    }
    c->zones[c->n++] = tz;
    *out = tz;
done:
    pthread_mutex_unlock(&c->mu);
    return rc;
}

/* ---- civil dates --------------------------------------------------------- */

/* Howard Hinnant's days_from_civil / civil_from_days, in 400-year eras. */
int64_t kf_days_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                                           /* [0, 399] */
    int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                    /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* Day numbers are clamped to about a billion years either way, so the year
 * fits in an int. */
#define DAYS_LIMIT ((int64_t)1 << 39)

void kf_civil_from_days(int64_t days, int *y, int *m, int *d)
{
    if (days > DAYS_LIMIT) days = DAYS_LIMIT;
    if (days < -DAYS_LIMIT) days = -DAYS_LIMIT;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int kf_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (3) */
    return (int)((days % 7 + 7 + 3) % 7);
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

int kf_date_parse(const char *s, int64_t *days)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
    if (kf_digits(s, 4, &y) || kf_digits(s + 5, 2, &m) || kf_digits(s + 8, 2, &d)) return -1;
    if (m < 1 || m > 12 || d < 1 || d > month_days(y, m)) return -1;
    *days = kf_days_from_civil(y, m, d);
    return 0;
}

void kf_date_format(int64_t days, char *out, size_t outlen)
{
    int y, m, d;
    kf_civil_from_days(days, &y, &m, &d);
    snprintf(out, outlen, "%04d-%02d-%02d", y, m, d);
}
