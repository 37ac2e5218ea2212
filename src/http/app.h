/* What a running server holds, built in main and borrowed by every request. */
#ifndef KF_APP_H
#define KF_APP_H

#include "core/config.h"
#include "core/log.h"
#include "core/pii_crypto.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "store/store.h"

#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

typedef struct kf_router kf_router;
typedef struct kf_metrics kf_metrics;
typedef struct kf_throttle kf_throttle;
typedef struct kf_alarms kf_alarms;
typedef struct kf_calendar_cache kf_calendar_cache;
typedef struct kf_policy_cache kf_policy_cache;
typedef struct kf_blobstore kf_blobstore;

typedef struct kf_app {
    kf_store *store;
    const kf_log *log;
    const kf_config *cfg;
    kf_router *router;
    kf_metrics *metrics;
    kf_throttle *throttle;
    sem_t *hash_slots;            /* bounds concurrent password hashing (64 MiB each) */
    const char *dummy_hash;       /* verified against for unknown logins (constant time) */
    const kf_pii_keys *pii;       /* encrypts ID numbers at rest */
    int demo;                     /* the demo accounts exist: the index page lists them */
    kf_tz_cache *tz;              /* project time zones */
    kf_calendar_cache *calendars; /* project working calendars (src/desk/calendar.h) */
    kf_policy_cache *policies;    /* parsed deadline-policy targets (src/desk/policy_cache.h) */
    kf_blobstore *files;          /* ticket attachments by content (src/core/blobstore.h) */
    kf_alarms *alarms;            /* wakes at each deadline moment (NULL: not running) */
    /* test builds only (--test-clock): how far the desk's clock is moved
     * ahead of the wall clock, so tests can let deadlines pass */
    int test_clock;
    _Atomic int64_t clock_offset_ms;
} kf_app;

/* kf_app_now: the time the service desk works with (ms UTC). */
static inline int64_t kf_app_now(kf_app *app)
{
    return kf_now_ms() + atomic_load(&app->clock_offset_ms);
}

#endif
