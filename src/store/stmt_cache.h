/* A per-connection cache of prepared statements keyed by the SQL string's
 * address (checked against its text), shared by both backends. The cache owns
 * nothing but its table: entries hold an opaque handle the backend frees. */
#ifndef KF_STMT_CACHE_H
#define KF_STMT_CACHE_H

#include <stddef.h>

typedef struct {
    const char *key; /* the caller's string: its address is the fast key */
    char *text;      /* our copy of its text, compared on a hit */
    void *handle;    /* backend statement */
} kf_stmt_cache_entry;

typedef struct {
    kf_stmt_cache_entry *slots;
    size_t cap, count; /* cap is a power of two */
} kf_stmt_cache;

void kf_stmt_cache_init(kf_stmt_cache *c);
/* kf_stmt_cache_free: calls FREE_HANDLE on every handle, then drops the table. */
void kf_stmt_cache_free(kf_stmt_cache *c, void (*free_handle)(void *handle));
void *kf_stmt_cache_get(const kf_stmt_cache *c, const char *sql);
/* kf_stmt_cache_put: returns the handle it replaced (same address, other
 * text), which the caller frees, or NULL. */
void *kf_stmt_cache_put(kf_stmt_cache *c, const char *sql, void *handle);

#endif
