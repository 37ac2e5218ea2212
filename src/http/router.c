#include "http/router.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    void *ptr;
    void (*free_fn)(void *);
} owned;

struct kf_router {
    kf_route *routes;
    size_t count, cap;
    owned *owned;
    size_t nowned;
    kf_arena arena;
};

kf_router *kf_router_new(void)
{
    return kf_calloc(1, sizeof(kf_router));
}

void kf_router_free(kf_router *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->count; i++)
        for (int s = 0; s < r->routes[i].nsegs; s++)
            free((char *)r->routes[i].segs[s]);
    free(r->routes);
    for (size_t i = 0; i < r->nowned; i++)
        r->owned[i].free_fn(r->owned[i].ptr);
    free(r->owned);
    kf_arena_free(&r->arena);
    free(r);
}

void kf_router_own(kf_router *r, void *ptr, void (*free_fn)(void *))
{
    r->owned = kf_realloc(r->owned, (r->nowned + 1) * sizeof(*r->owned));
    r->owned[r->nowned++] = (owned){ptr, free_fn};
}

kf_arena *kf_router_arena(kf_router *r)
{
    return &r->arena;
}

static int is_param(const char *seg)
{
    size_t n = strlen(seg);
    return n > 2 && seg[0] == '{' && seg[n - 1] == '}';
}

static int split_pattern(kf_route *rt)
{
    const char *p = rt->pattern;
    if (*p != '/') return -1;
    rt->nsegs = 0;
    while (*p == '/') {
        p++;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 && end) return -1; /* "//" */
        if (len == 0) break;            /* trailing '/' or the root */
        if (rt->nsegs == 16) return -1;
        rt->segs[rt->nsegs++] = kf_strndup(p, len);
        p += len;
    }
    return 0;
}

static int same_shape(const kf_route *a, const kf_route *b)
{
    if (a->nsegs != b->nsegs || strcmp(a->method, b->method) != 0) return 0;
    for (int i = 0; i < a->nsegs; i++) {
        int pa = is_param(a->segs[i]), pb = is_param(b->segs[i]);
        if (pa != pb || (!pa && strcmp(a->segs[i], b->segs[i]) != 0)) return 0;
    }
    return 1;
}

int kf_router_add(kf_router *r, const char *method, const char *pattern, const char *permission,
                  kf_handler handler, unsigned flags)
{
    return kf_router_add_data(r, method, pattern, permission, handler, flags, NULL);
}

int kf_router_add_data(kf_router *r, const char *method, const char *pattern,
                       const char *permission, kf_handler handler, unsigned flags, const void *data)
{
    if (!method || !pattern || !handler || !kf_perm_known(permission)) return KF_EINVAL;
    kf_route rt = {.method = method,
                   .pattern = pattern,
                   .permission = permission,
                   .handler = handler,
                   .flags = flags,
                   .data = data,
                   .index = (int)r->count};
    int bad = split_pattern(&rt);
    for (size_t i = 0; !bad && i < r->count; i++)
        bad = same_shape(&r->routes[i], &rt);
    if (bad) {
        for (int s = 0; s < rt.nsegs; s++)
            free((char *)rt.segs[s]);
        return KF_EINVAL;
    }
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->routes = kf_realloc(r->routes, r->cap * sizeof(*r->routes));
    }
    r->routes[r->count++] = rt;
    return KF_OK;
}

/* Matches PATH's segments against ROUTE; stores parameters in REQ on success. */
static int match_path(const kf_route *rt, char segs[][256], const size_t *lens, int nsegs,
                      kf_req *req)
{
    if (rt->nsegs != nsegs) return 0;
    int np = 0;
    for (int i = 0; i < nsegs; i++) {
        if (is_param(rt->segs[i])) {
            if (np == KF_MAX_PARAMS) return 0;
            np++;
        } else if (strlen(rt->segs[i]) != lens[i] || memcmp(rt->segs[i], segs[i], lens[i])) {
            return 0;
        }
    }
    if (!req) return 1;
    req->nparams = 0;
    for (int i = 0; i < nsegs; i++) {
        if (!is_param(rt->segs[i])) continue;
        const char *name = rt->segs[i];
        req->param_names[req->nparams] = kf_arena_strndup(&req->arena, name + 1, strlen(name) - 2);
        req->param_values[req->nparams] = kf_arena_strndup(&req->arena, segs[i], lens[i]);
        req->nparams++;
    }
    return 1;
}

typedef struct {
    char segs[16][256];
    size_t lens[16];
    int n;
} path_segments;

static int split_path(const char *path, path_segments *ps)
{
    ps->n = 0;
    const char *p = path;
    if (*p != '/') return -1;
    while (*p == '/') {
        p++;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0) {
            if (end) return -1;
            break;
        }
        if (ps->n == 16 || len >= sizeof(ps->segs[0])) return -1;
        memcpy(ps->segs[ps->n], p, len);
        ps->segs[ps->n][len] = '\0';
        ps->lens[ps->n++] = len;
        p += len;
    }
    return 0;
}

const kf_route *kf_router_match(const kf_router *r, const char *method, const char *path,
                                kf_req *req, int *path_known)
{
    path_segments ps;
    *path_known = 0;
    if (split_path(path, &ps)) return NULL;
    if (strcmp(method, "HEAD") == 0) method = "GET";
    /* The most literal route wins: /users/me before /users/{id}. */
    const kf_route *best = NULL;
    int best_params = KF_MAX_PARAMS + 1;
    for (size_t i = 0; i < r->count; i++) {
        const kf_route *rt = &r->routes[i];
        if (!match_path(rt, ps.segs, ps.lens, ps.n, NULL)) continue;
        if (strcmp(rt->method, method) != 0) {
            *path_known = 1;
            continue;
        }
        int nparams = 0;
        for (int s = 0; s < rt->nsegs; s++)
            nparams += is_param(rt->segs[s]);
        if (nparams < best_params) best = rt, best_params = nparams;
    }
    if (best) match_path(best, ps.segs, ps.lens, ps.n, req);
    return best;
}

const char *kf_router_allowed(const kf_router *r, const char *path, kf_arena *a)
{
    path_segments ps;
    char out[128] = "";
    if (split_path(path, &ps) == 0) {
        for (size_t i = 0; i < r->count; i++) {
            const kf_route *rt = &r->routes[i];
            if (!match_path(rt, ps.segs, ps.lens, ps.n, NULL) || strstr(out, rt->method)) continue;
            size_t used = strlen(out);
            snprintf(out + used, sizeof(out) - used, "%s%s%s", used ? ", " : "", rt->method,
                     strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");
        }
    }
    return kf_arena_strdup(a, out);
}

size_t kf_router_count(const kf_router *r)
{
    return r->count;
}

const kf_route *kf_router_at(const kf_router *r, size_t i)
{
    return i < r->count ? &r->routes[i] : NULL;
}
