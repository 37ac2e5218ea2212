/* What a running server holds, built in main and borrowed by every request. */
#ifndef KF_APP_H
#define KF_APP_H

#include "core/config.h"
#include "core/pii_crypto.h"
#include "core/log.h"
#include "store/store.h"

#include <semaphore.h>

typedef struct kf_router kf_router;
typedef struct kf_metrics kf_metrics;
typedef struct kf_throttle kf_throttle;

typedef struct kf_app {
    kf_store *store;
    const kf_log *log;
    const kf_config *cfg;
    kf_router *router;
    kf_metrics *metrics;
    kf_throttle *throttle;
    sem_t *hash_slots;      /* bounds concurrent password hashing (64 MiB each) */
    const char *dummy_hash; /* verified against for unknown logins (constant time) */
    const kf_pii_keys *pii; /* encrypts ID numbers at rest */
    int demo;               /* the demo accounts exist: the index page lists them */
} kf_app;

#endif
