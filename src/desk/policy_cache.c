#include "desk/policy_cache.h"

#include "core/mem.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MINUTE_MS 60000
#define SLOTS     64 /* policies in use at once; more only cost a parse each */

typedef struct {
    uint64_t hash;
    char *json; /* owned; NULL: empty slot */
    int n;
    kf_sla_target targets[KF_MS_COUNT];
} slot;

struct kf_policy_cache {
    pthread_mutex_t mu;
    int next; /* the slot replaced next, in turn */
    slot slots[SLOTS];
};

/* One target of a policy's JSON (stored normalized by the configuration API). */
static int parse_target(const json_t *j, kf_sla_target *t)
{
    int m = kf_milestone_parse(json_string_value(json_object_get(j, "milestone")));
    int b = kf_basis_parse(json_string_value(json_object_get(j, "basis")));
    json_int_t minutes = json_integer_value(json_object_get(j, "minutes"));
    if (m < 0 || minutes <= 0) return -1;
    t->milestone = (kf_milestone)m;
    t->basis = b < 0 ? KF_BASIS_WORKING : (kf_basis)b;
    t->target_ms = (int64_t)minutes * MINUTE_MS;
    json_t *remind = json_object_get(j, "remind_percent");
    t->remind_percent = remind ? (int)json_integer_value(remind) : 80;
    if (t->remind_percent < 0 || t->remind_percent > 99) t->remind_percent = 0;
    json_t *esc = json_object_get(j, "escalate_after_minutes");
    t->escalate_after_ms = (esc ? json_integer_value(esc) : 240) * MINUTE_MS;
    json_t *pause = json_object_get(j, "pause_on_hold");
    t->pause_on_hold = pause ? json_is_true(pause) : 1;
    json_t *restart = json_object_get(j, "restart_on_reopen");
    t->restart_on_reopen =
        restart ? json_is_true(restart) : (m == KF_MS_RESOLVE || m == KF_MS_FOLLOW_UP);
    return 0;
}

static void parse(const char *json, kf_sla_target *out, int *n)
{
    *n = 0;
    json_t *list = json_loads(json, 0, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (*n < KF_MS_COUNT && parse_target(v, &out[*n]) == 0) (*n)++;
    }
    json_decref(list);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

kf_policy_cache *kf_policy_cache_new(void)
{
    kf_policy_cache *pc = kf_calloc(1, sizeof(*pc));
    pthread_mutex_init(&pc->mu, NULL);
    return pc;
}

void kf_policy_cache_free(kf_policy_cache *pc)
{
    if (!pc) return;
    for (int i = 0; i < SLOTS; i++)
        free(pc->slots[i].json);
    pthread_mutex_destroy(&pc->mu);
    free(pc);
}

void kf_policy_targets(kf_policy_cache *pc, const char *json, kf_sla_target *out, int *n)
{
    if (!pc) {
        parse(json, out, n);
        return;
    }
    uint64_t h = fnv1a(json);
    pthread_mutex_lock(&pc->mu);
    for (int i = 0; i < SLOTS; i++) {
        slot *sl = &pc->slots[i];
        if (sl->json && sl->hash == h && strcmp(sl->json, json) == 0) {
            *n = sl->n;
            memcpy(out, sl->targets, sizeof(sl->targets));
            pthread_mutex_unlock(&pc->mu);
            return;
        }
    }
    pthread_mutex_unlock(&pc->mu);
    parse(json, out, n); /* outside the lock: another thread may parse it too */
    char *copy = strdup(json);
    if (!copy) return; /* not kept; the answer stands */
    pthread_mutex_lock(&pc->mu);
    slot *sl = &pc->slots[pc->next];
    pc->next = (pc->next + 1) % SLOTS;
    free(sl->json);
    sl->json = copy;
    sl->hash = h;
    sl->n = *n;
    memcpy(sl->targets, out, sizeof(sl->targets));
    pthread_mutex_unlock(&pc->mu);
}
