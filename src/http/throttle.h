/* Failed-login throttling: counts failures per key ("account:LOGIN",
 * "ip:ADDRESS") in a fixed window; at MAX failures the key is refused until
 * the window that began with its first failure ends. The table has a fixed
 * size, so a flood of keys cannot grow memory: the oldest entry near a new
 * key's slot gives way. Per process (see docs/decisions.md). */
#ifndef KF_THROTTLE_H
#define KF_THROTTLE_H

#include <stdint.h>

typedef struct kf_throttle kf_throttle;

/* kf_throttle_new: WINDOW_MS long windows; free with kf_throttle_free. */
kf_throttle *kf_throttle_new(int64_t window_ms);
void kf_throttle_free(kf_throttle *t);
/* kf_throttle_blocked: seconds until KEY may try again (0: it may now). */
int64_t kf_throttle_blocked(kf_throttle *t, const char *key, int max, int64_t now_ms);
void kf_throttle_fail(kf_throttle *t, const char *key, int64_t now_ms);
void kf_throttle_clear(kf_throttle *t, const char *key);

#endif
