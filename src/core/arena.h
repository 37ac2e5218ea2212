/* A per-request arena: many small allocations, all released at once by
 * kf_arena_free when the request ends. Allocation failure aborts. */
#ifndef KF_ARENA_H
#define KF_ARENA_H

#include <stddef.h>

typedef struct kf_arena_chunk kf_arena_chunk;
typedef struct {
    kf_arena_chunk *head;
} kf_arena;

void kf_arena_init(kf_arena *a);
/* kf_arena_init_buf: an arena whose first SIZE bytes come from BUF (16-byte
 * aligned, the caller's, never freed here): a request served from its own
 * record needs no malloc at all. */
void kf_arena_init_buf(kf_arena *a, void *buf, size_t size);
void kf_arena_free(kf_arena *a);
void *kf_arena_alloc(kf_arena *a, size_t size); /* zeroed, 16-byte aligned */
char *kf_arena_strdup(kf_arena *a, const char *s);
char *kf_arena_strndup(kf_arena *a, const char *s, size_t n);
char *kf_arena_printf(kf_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
