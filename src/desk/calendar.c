#include "desk/calendar.h"

#include "core/err.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kf_weekday_keys[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* "HH:MM" (00:00–24:00) to minutes since midnight; -1 if malformed. */
static int parse_hhmm(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':') return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m)) return -1;
    return h * 60 + m;
}

static int parse_day(const json_t *list, kf_work_window *w, int *n, const char **reason)
{
    if (!json_is_array(list)) {
        *reason = "invalid";
        return -1;
    }
    if (json_array_size(list) > KF_WORKCAL_MAX_WINDOWS) {
        *reason = "too_many_windows";
        return -1;
    }
    *n = 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *pair = json_array_get(list, i);
        if (!json_is_array(pair) || json_array_size(pair) != 2) {
            *reason = "invalid";
            return -1;
        }
        int a = parse_hhmm(json_string_value(json_array_get(pair, 0)));
        int b = parse_hhmm(json_string_value(json_array_get(pair, 1)));
        if (a < 0 || b < 0 || a >= b) {
            *reason = "bad_time";
            return -1;
        }
        w[*n].start_min = a;
        w[*n].end_min = b;
        (*n)++;
    }
    if (kf_workcal_check_day(w, *n) != 0) {
        *reason = "overlapping_windows";
        return -1;
    }
    return 0;
}

int kf_week_parse(const json_t *week, kf_workcal *cal, const char **field, const char **reason)
{
    *field = "week";
    if (!json_is_object(week)) {
        *reason = "invalid";
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)week, key, val)
    {
        int known = 0;
        for (int d = 0; d < 7; d++)
            known |= strcmp(key, kf_weekday_keys[d]) == 0;
        if (!known) {
            *reason = "invalid";
            return -1;
        }
    }
    for (int d = 0; d < 7; d++) {
        const json_t *list = json_object_get(week, kf_weekday_keys[d]);
        cal->nwindows[d] = 0;
        if (!list) continue;
        if (parse_day(list, cal->week[d], &cal->nwindows[d], reason) != 0) {
            *field = kf_weekday_keys[d];
            return -1;
        }
    }
    if (!kf_workcal_has_time(cal)) {
        *reason = "no_working_time";
        return -1;
    }
    return 0;
}

/* The project's zone and its stored week (the default when none). */
static int load_week(kf_tx *tx, kf_tz_cache *tzc, int64_t project, kf_desk_calendar *c)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT p.timezone, w.week, w.makeup_weekday FROM projects p"
                         " LEFT JOIN work_calendars w ON w.project_id = p.id WHERE p.id = ?",
                         "i", project);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_ENOTFOUND : rc;
    snprintf(c->timezone, sizeof(c->timezone), "%s",
             kf_stmt_text(st, 0) ? kf_stmt_text(st, 0) : "Asia/Shanghai");
    const char *text = kf_stmt_isnull(st, 1) ? KF_DEFAULT_WEEK : kf_stmt_text(st, 1);
    c->cal.makeup_weekday = kf_stmt_isnull(st, 2) ? 0 : (int)kf_stmt_i64(st, 2);
    json_t *week = json_loads(text, 0, NULL);
    const char *field, *reason;
    rc = week && kf_week_parse(week, &c->cal, &field, &reason) == 0 ? KF_OK : KF_EINVAL;
    json_decref(week);
    if (rc != KF_OK) return rc;
    if (kf_tz_cache_get(tzc, c->timezone, &c->cal.tz) != KF_OK &&
        kf_tz_cache_get(tzc, "Asia/Shanghai", &c->cal.tz) != KF_OK)
        return KF_EIO;
    return KF_OK;
}

/* National days overlaid with the project's own (which win on the same day). */
static int load_days(kf_tx *tx, int64_t project, kf_desk_calendar *c)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT day, kind, project_id FROM calendar_days"
                         " WHERE project_id IN (0, ?) ORDER BY day, project_id",
                         "i", project);
    if (rc != KF_OK) return rc;
    size_t cap = 0, n = 0;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        int64_t day;
        if (kf_date_parse(kf_stmt_text(st, 0), &day) != 0) continue;
        kf_day_kind kind =
            strcmp(kf_stmt_text(st, 1), "workday") == 0 ? KF_DAY_WORKDAY : KF_DAY_HOLIDAY;
        if (n && c->days[n - 1].day == day) { /* the project's row comes second */
            c->days[n - 1].kind = kind;
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            kf_special_day *grown = realloc(c->days, ncap * sizeof(*grown));
            if (!grown) return KF_EIO;
            c->days = grown;
            cap = ncap;
        }
        c->days[n].day = day;
        c->days[n].kind = kind;
        n++;
    }
    if (rc != KF_DONE) return rc;
    c->cal.special = c->days;
    c->cal.nspecial = n;
    return KF_OK;
}

int kf_desk_calendar_load(kf_tx *tx, kf_tz_cache *tzc, int64_t project, kf_desk_calendar **out)
{
    kf_desk_calendar *c = calloc(1, sizeof(*c));
    if (!c) return KF_EIO;
    atomic_init(&c->refs, 1);
    int rc = load_week(tx, tzc, project, c);
    if (rc == KF_OK) rc = load_days(tx, project, c);
    if (rc != KF_OK) {
        kf_desk_calendar_free(c);
        return rc;
    }
    *out = c;
    return KF_OK;
}

void kf_desk_calendar_free(kf_desk_calendar *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
    free(c->days);
    free(c);
}

/* ---- the cache ---- */

#define CACHE_TTL_MS 60000
#define CACHE_SLOTS  64

typedef struct {
    int64_t project, loaded_at;
    kf_desk_calendar *cal; /* one reference held by the cache */
} cache_slot;

struct kf_calendar_cache {
    pthread_mutex_t mu;
    kf_tz_cache *tzc;
    cache_slot slots[CACHE_SLOTS]; /* by project id modulo the size */
};

kf_calendar_cache *kf_calendar_cache_new(kf_tz_cache *tzc)
{
    kf_calendar_cache *cc = calloc(1, sizeof(*cc));
    if (!cc) return NULL;
    cc->tzc = tzc;
    pthread_mutex_init(&cc->mu, NULL);
    return cc;
}

void kf_calendar_cache_clear(kf_calendar_cache *cc)
{
    pthread_mutex_lock(&cc->mu);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        kf_desk_calendar_free(cc->slots[i].cal);
        cc->slots[i] = (cache_slot){0};
    }
    pthread_mutex_unlock(&cc->mu);
}

void kf_calendar_cache_free(kf_calendar_cache *cc)
{
    if (!cc) return;
    kf_calendar_cache_clear(cc);
    pthread_mutex_destroy(&cc->mu);
    free(cc);
}

int kf_calendar_cache_get(kf_calendar_cache *cc, kf_tx *tx, int64_t project, int64_t now_ms,
                          kf_desk_calendar **out)
{
    cache_slot *slot = &cc->slots[(uint64_t)project % CACHE_SLOTS];
    pthread_mutex_lock(&cc->mu);
    if (slot->cal && slot->project == project && now_ms - slot->loaded_at < CACHE_TTL_MS &&
        now_ms >= slot->loaded_at) {
        atomic_fetch_add(&slot->cal->refs, 1);
        *out = slot->cal;
        pthread_mutex_unlock(&cc->mu);
        return KF_OK;
    }
    pthread_mutex_unlock(&cc->mu);
    /* loaded outside the lock: two threads may both load, the last one stays */
    kf_desk_calendar *c;
    int rc = kf_desk_calendar_load(tx, cc->tzc, project, &c);
    if (rc != KF_OK) return rc;
    pthread_mutex_lock(&cc->mu);
    kf_desk_calendar_free(slot->cal);
    atomic_fetch_add(&c->refs, 1);
    *slot = (cache_slot){.project = project, .loaded_at = now_ms, .cal = c};
    pthread_mutex_unlock(&cc->mu);
    *out = c;
    return KF_OK;
}
