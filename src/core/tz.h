/* Time zones read from the system's zoneinfo (TZif files), without touching
 * the process-wide TZ: each project has its own zone and every request thread
 * converts on its own.
 *
 * A kf_tz is immutable once loaded and may be shared between threads. */
#ifndef KF_TZ_H
#define KF_TZ_H

#include <stddef.h>
#include <stdint.h>

typedef struct kf_tz kf_tz;

/* kf_tz_load: the zone NAME (e.g. "Asia/Shanghai", "UTC") from DIR (NULL:
 * /usr/share/zoneinfo). NAME must be a relative path of [A-Za-z0-9_+-/] without
 * "..". KF_OK with *out owned by the caller (kf_tz_free), KF_ENOTFOUND when
 * there is no such file, KF_EINVAL when NAME or the file is malformed. */
int kf_tz_load(const char *dir, const char *name, kf_tz **out);
void kf_tz_free(kf_tz *tz);
const char *kf_tz_name(const kf_tz *tz);

/* kf_tz_offset: seconds east of UTC in effect at the instant UTC_S. */
int32_t kf_tz_offset(const kf_tz *tz, int64_t utc_s);
/* kf_tz_to_utc: the instant at which local wall-clock time LOCAL_S (seconds
 * since 1970-01-01T00:00 local) occurs. A wall time skipped by a forward jump
 * maps to just after the jump; one repeated by a backward jump to its first
 * occurrence. */
int64_t kf_tz_to_utc(const kf_tz *tz, int64_t local_s);

/* A cache of loaded zones shared by the server's threads (a mutex inside).
 * Zones live until the cache is freed. */
typedef struct kf_tz_cache kf_tz_cache;
kf_tz_cache *kf_tz_cache_new(const char *dir); /* NULL on allocation failure */
void kf_tz_cache_free(kf_tz_cache *c);
/* kf_tz_cache_get: the zone NAME, loaded on first use; *out is borrowed from
 * the cache. Same return codes as kf_tz_load. */
int kf_tz_cache_get(kf_tz_cache *c, const char *name, const kf_tz **out);

/* Civil dates as day numbers (days since 1970-01-01), proleptic Gregorian. */
int64_t kf_days_from_civil(int y, int m, int d);
void kf_civil_from_days(int64_t days, int *y, int *m, int *d);
/* kf_weekday: 0 = Monday … 6 = Sunday for day number DAYS. */
int kf_weekday(int64_t days);
/* kf_date_parse: "YYYY-MM-DD" (a real date) to a day number; 0 or -1. */
int kf_date_parse(const char *s, int64_t *days);
/* kf_date_format: a day number as "YYYY-MM-DD" into OUT (at least 11 bytes). */
void kf_date_format(int64_t days, char *out, size_t outlen);

#endif
