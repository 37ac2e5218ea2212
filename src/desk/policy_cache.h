/* Parsed deadline-policy targets, kept by the exact JSON they were parsed
 * from: every intake picks a policy, and parsing its targets was a tenth of
 * the writer's time. Keyed by the text itself, so an edited policy (or a new
 * one under a reused id) simply misses. Shared by all threads. */
#ifndef KF_POLICY_CACHE_H
#define KF_POLICY_CACHE_H

#include "domain/sla.h"

typedef struct kf_policy_cache kf_policy_cache;

/* kf_policy_cache_new: an empty cache (NULL on allocation failure); the caller
 * frees it with kf_policy_cache_free. */
kf_policy_cache *kf_policy_cache_new(void);
void kf_policy_cache_free(kf_policy_cache *pc);
/* kf_policy_targets: the targets in JSON (a policy's `targets` column) into
 * OUT (room for KF_MS_COUNT), their number into *N; entries that do not parse
 * are skipped. PC may be NULL (parse every time). */
void kf_policy_targets(kf_policy_cache *pc, const char *json, kf_sla_target *out, int *n);

#endif
