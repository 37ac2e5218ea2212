#include "store/stmt_cache.h"

#include "core/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void kf_stmt_cache_init(kf_stmt_cache *c)
{
    c->cap = 64;
    c->count = 0;
    c->slots = kf_calloc(c->cap, sizeof(*c->slots));
}

void kf_stmt_cache_free(kf_stmt_cache *c, void (*free_handle)(void *handle))
{
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->slots[i].key) continue;
        free_handle(c->slots[i].handle);
        free(c->slots[i].text);
    }
    free(c->slots);
    c->slots = NULL;
    c->cap = c->count = 0;
}

static size_t slot_of(const kf_stmt_cache *c, const char *key)
{
    uintptr_t h = (uintptr_t)key;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 7) & (c->cap - 1);
}

/* The address is the fast key; the text check keeps a reused heap address
 * from returning another query's statement. */
void *kf_stmt_cache_get(const kf_stmt_cache *c, const char *sql)
{
    for (size_t i = slot_of(c, sql);; i = (i + 1) & (c->cap - 1)) {
        const kf_stmt_cache_entry *e = &c->slots[i];
        if (!e->key) return NULL;
        if (e->key == sql) return strcmp(e->text, sql) == 0 ? e->handle : NULL;
    }
}

static void *insert(kf_stmt_cache *c, const char *key, char *text, void *handle)
{
    size_t i = slot_of(c, key);
    while (c->slots[i].key && c->slots[i].key != key)
        i = (i + 1) & (c->cap - 1);
    kf_stmt_cache_entry *e = &c->slots[i];
    void *replaced = NULL;
    if (e->key) {
        replaced = e->handle;
        free(e->text);
    } else {
        c->count++;
    }
    e->key = key;
    e->text = text;
    e->handle = handle;
    return replaced;
}

void *kf_stmt_cache_put(kf_stmt_cache *c, const char *sql, void *handle)
{
    if ((c->count + 1) * 2 > c->cap) {
        kf_stmt_cache old = *c;
        c->cap *= 2;
        c->count = 0;
        c->slots = kf_calloc(c->cap, sizeof(*c->slots));
        for (size_t i = 0; i < old.cap; i++)
            if (old.slots[i].key)
                insert(c, old.slots[i].key, old.slots[i].text, old.slots[i].handle);
        free(old.slots);
    }
    return insert(c, sql, kf_strdup(sql), handle);
}
