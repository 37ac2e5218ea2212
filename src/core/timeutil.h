/* Time as the store keeps it: int64 milliseconds since the epoch, UTC. */
#ifndef KF_TIMEUTIL_H
#define KF_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

int64_t kf_now_ms(void);       /* wall clock */
int64_t kf_monotonic_us(void); /* for durations */
/* kf_deadline_after_ms: the wall-clock time MS from now, as
 * pthread_cond_timedwait takes its deadline. */
struct timespec kf_deadline_after_ms(int64_t ms);
/* kf_time_format: "2026-11-22T05:54:00.123Z" into OUT (at least 25 bytes). */
void kf_time_format(int64_t ms, char *out, size_t outlen);
/* kf_time_parse: RFC 3339 ("…Z" or "…+08:00", fraction optional) to ms; 0 or -1. */
int kf_time_parse(const char *s, int64_t *ms);
/* kf_digits: the N decimal digits at S as a number in *OUT; -1 if one is not a digit. */
int kf_digits(const char *s, int n, int *out);

#endif
