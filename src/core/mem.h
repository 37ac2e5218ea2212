/* Allocation that never returns NULL: running out of memory aborts with a
 * message, so callers need no failure path for it (the ARCHITECTURE rule). */
#ifndef KF_MEM_H
#define KF_MEM_H

#include <stddef.h>

void *kf_malloc(size_t size);
void *kf_calloc(size_t count, size_t size);
void *kf_realloc(void *ptr, size_t size);
char *kf_strdup(const char *s);
char *kf_strndup(const char *s, size_t n);

/* kf_mem_release: hands the memory the calling thread has freed back to the
 * system (a thread that goes idle after a busy spell calls it; the allocator
 * would otherwise keep it until the thread allocates again). */
void kf_mem_release(void);

/* kf_add_size: a + b into *out; returns 0, or -1 when it would overflow. */
int kf_add_size(size_t a, size_t b, size_t *out);

#endif
