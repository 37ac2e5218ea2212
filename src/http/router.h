/* Routes: method + path pattern with {name} parameters + the permission the
 * caller needs + the handler. A route without a known permission is refused. */
#ifndef KF_ROUTER_H
#define KF_ROUTER_H

#include "http/req.h"

#include <stddef.h>

typedef void (*kf_handler)(kf_req *req);

enum {
    KF_ROUTE_LARGE_BODY = 1, /* bodies up to --max-import (files), not --max-body */
    KF_ROUTE_WORKER = 2,     /* a read that takes seconds (an export): run on a worker, as a
                                write is, not on the network thread its neighbours share */
    KF_ROUTE_PARKS = 4,      /* a write whose handler only reads, then writes with
                                kf_req_write_then: over SQLite it runs on the network thread,
                                and its connection is parked while the write commits */
};

struct kf_route {
    const char *method;
    const char *pattern;
    const char *permission;
    kf_handler handler;
    unsigned flags;
    const void *data; /* what a shared handler serves (e.g. a record kind); may be NULL */
    int index;        /* position in registration order (metrics) */
    int nsegs;
    const char *segs[16]; /* pattern split on '/'; "{x}" segments are parameters */
};

typedef struct kf_router kf_router;

/* kf_router_new: an empty router; free with kf_router_free. */
kf_router *kf_router_new(void);
void kf_router_free(kf_router *r);
/* kf_router_add: registers a route. Returns KF_EINVAL (and registers nothing)
 * when PERMISSION is missing or unknown, the pattern is malformed, or the
 * method and pattern are taken. Strings must be static. */
int kf_router_add(kf_router *r, const char *method, const char *pattern, const char *permission,
                  kf_handler handler, unsigned flags);
/* kf_router_match: the route for METHOD and PATH, with its parameters stored
 * in REQ. HEAD matches GET routes. Returns NULL, setting *path_known when
 * the path exists under another method (405 rather than 404). */
const kf_route *kf_router_match(const kf_router *r, const char *method, const char *path,
                                kf_req *req, int *path_known);
/* kf_router_allowed: the methods PATH answers to, as an Allow header value
 * ("GET, HEAD, PATCH"), in arena memory. */
const char *kf_router_allowed(const kf_router *r, const char *path, kf_arena *a);
/* kf_router_add_data: kf_router_add with DATA for the handler (route->data). */
int kf_router_add_data(kf_router *r, const char *method, const char *pattern,
                       const char *permission, kf_handler handler, unsigned flags,
                       const void *data);
/* kf_router_own: PTR is freed with FREE_FN when the router is freed. */
void kf_router_own(kf_router *r, void *ptr, void (*free_fn)(void *));
/* kf_router_arena: memory that lives as long as the router (route patterns). */
kf_arena *kf_router_arena(kf_router *r);
size_t kf_router_count(const kf_router *r);
const kf_route *kf_router_at(const kf_router *r, size_t i);

#endif
