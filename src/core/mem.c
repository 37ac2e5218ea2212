#include "core/mem.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mimalloc, when the program is linked with it (release builds: it is then
 * the process's malloc); weak, so builds without it link and find NULL. */
extern void mi_collect(bool force) __attribute__((weak));

static void *oom(size_t size)
{
    fprintf(stderr, "kefu: out of memory allocating %zu bytes\n", size);
    abort();
}

void *kf_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    return p ? p : oom(size);
}

void *kf_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    return p ? p : oom(count * size);
}

void *kf_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    return p ? p : oom(size);
}

char *kf_strdup(const char *s)
{
    return kf_strndup(s, strlen(s));
}

char *kf_strndup(const char *s, size_t n)
{
    char *p = kf_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void kf_mem_release(void)
{
    if (mi_collect)
        mi_collect(true); /* this thread's heap: empty pages and segments go back */
    else
        malloc_trim(0);
}

int kf_add_size(size_t a, size_t b, size_t *out)
{
    if (a > (size_t)-1 - b) return -1;
    *out = a + b;
    return 0;
}
