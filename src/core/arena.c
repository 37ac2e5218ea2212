#include "core/arena.h"

#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE 8192

struct kf_arena_chunk {
    kf_arena_chunk *next;
    size_t used, cap;
    int borrowed; /* the caller's memory (kf_arena_init_buf): not freed */
    _Alignas(16) unsigned char data[];
};

void kf_arena_init(kf_arena *a)
{
    a->head = NULL;
}

void kf_arena_init_buf(kf_arena *a, void *buf, size_t size)
{
    a->head = NULL;
    if (size <= sizeof(kf_arena_chunk)) return;
    kf_arena_chunk *c = buf;
    c->next = NULL;
    c->used = 0;
    c->cap = (size - sizeof(*c)) & ~(size_t)15;
    c->borrowed = 1;
    a->head = c;
}

void kf_arena_free(kf_arena *a)
{
    kf_arena_chunk *c = a->head;
    while (c) {
        kf_arena_chunk *next = c->next;
        if (!c->borrowed) free(c);
        c = next;
    }
    a->head = NULL;
}

void *kf_arena_alloc(kf_arena *a, size_t size)
{
    size_t rounded;
    if (kf_add_size(size, 15, &rounded)) kf_malloc((size_t)-1);
    rounded &= ~(size_t)15;
    kf_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < rounded) {
        size_t cap = rounded > CHUNK_SIZE ? rounded : CHUNK_SIZE;
        size_t total;
        if (kf_add_size(sizeof(*c), cap, &total)) kf_malloc((size_t)-1);
        c = kf_malloc(total);
        c->used = 0;
        c->cap = cap;
        c->borrowed = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += rounded;
    memset(p, 0, size);
    return p;
}

char *kf_arena_strndup(kf_arena *a, const char *s, size_t n)
{
    char *p = kf_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *kf_arena_strdup(kf_arena *a, const char *s)
{
    return kf_arena_strndup(a, s, strlen(s));
}

char *kf_arena_printf(kf_arena *a, const char *fmt, ...)
{
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *p = kf_arena_alloc(a, n > 0 ? (size_t)n + 1 : 1);
    if (n > 0) vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
