/* The HTTP server on libmicrohttpd: limits, request ids, security headers,
 * logging, metrics, and the dispatch of each request to its route. */
#ifndef KF_SERVER_H
#define KF_SERVER_H

#include "http/app.h"

#include <stddef.h>

typedef struct kf_server kf_server;

/* kf_server_start: listens on app->cfg->listen and serves in background
 * threads until kf_server_stop. On failure writes one line into ERR. */
int kf_server_start(kf_app *app, kf_server **out, char *err, size_t errlen);
/* kf_server_port: the port actually bound (useful with port 0). */
int kf_server_port(const kf_server *s);
/* kf_server_stop: stops accepting, waits up to GRACE_MS for requests in
 * flight to finish, then closes every connection and frees S. */
void kf_server_stop(kf_server *s, int grace_ms);

#endif
