#include "http/throttle.h"

#include "core/mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 65536 /* power of two */
#define PROBE 8

typedef struct {
    uint64_t hash; /* 0: empty */
    int64_t first_ms;
    int count;
} entry;

struct kf_throttle {
    pthread_mutex_t mu;
    int64_t window_ms;
    entry *slots;
};

kf_throttle *kf_throttle_new(int64_t window_ms)
{
    kf_throttle *t = kf_calloc(1, sizeof(*t));
    pthread_mutex_init(&t->mu, NULL);
    t->window_ms = window_ms;
    t->slots = kf_calloc(SLOTS, sizeof(entry));
    return t;
}

void kf_throttle_free(kf_throttle *t)
{
    if (!t) return;
    pthread_mutex_destroy(&t->mu);
    free(t->slots);
    free(t);
}

/* FNV-1a; never 0 so 0 can mean an empty slot. */
static uint64_t hash_key(const char *key)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h ? h : 1;
}

static entry *find(kf_throttle *t, uint64_t h)
{
    for (int i = 0; i < PROBE; i++) {
        entry *e = &t->slots[(h + (uint64_t)i) & (SLOTS - 1)];
        if (e->hash == h) return e;
    }
    return NULL;
}

int64_t kf_throttle_blocked(kf_throttle *t, const char *key, int max, int64_t now_ms)
{
    uint64_t h = hash_key(key);
    int64_t wait_ms = 0;
    pthread_mutex_lock(&t->mu);
    entry *e = find(t, h);
    if (e && e->count >= max && now_ms < e->first_ms + t->window_ms)
        wait_ms = e->first_ms + t->window_ms - now_ms;
    pthread_mutex_unlock(&t->mu);
    return wait_ms ? (wait_ms + 999) / 1000 : 0;
}

void kf_throttle_fail(kf_throttle *t, const char *key, int64_t now_ms)
{
    uint64_t h = hash_key(key);
    pthread_mutex_lock(&t->mu);
    entry *e = find(t, h);
    if (!e) {
        /* an empty or expired slot, else the oldest near this key */
        for (int i = 0; i < PROBE; i++) {
            entry *c = &t->slots[(h + (uint64_t)i) & (SLOTS - 1)];
            if (!c->hash || now_ms >= c->first_ms + t->window_ms) {
                e = c;
                break;
            }
            if (!e || c->first_ms < e->first_ms) e = c;
        }
        e->hash = h;
        e->count = 0;
        e->first_ms = now_ms;
    }
    if (now_ms >= e->first_ms + t->window_ms) {
        e->count = 0;
        e->first_ms = now_ms;
    }
    e->count++;
    pthread_mutex_unlock(&t->mu);
}

void kf_throttle_clear(kf_throttle *t, const char *key)
{
    pthread_mutex_lock(&t->mu);
    entry *e = find(t, hash_key(key));
    if (e) memset(e, 0, sizeof(*e));
    pthread_mutex_unlock(&t->mu);
}
