/* The audit log: who changed what, when, with a before/after summary.
 * Append-only (the schema refuses UPDATE and DELETE). Entries are written in
 * the same transaction as the change they describe. */
#ifndef KF_AUDIT_H
#define KF_AUDIT_H

#include "store/store.h"

#include <jansson.h>
#include <stdint.h>

typedef struct {
    int64_t actor_id; /* 0: the system or the command line */
    const char *actor_login;
    const char *request_id;
    const char *ip;
} kf_actor;

typedef struct {
    const char *entity; /* "user", "session", "api_token", … */
    int64_t entity_id;
    int64_t project_id; /* 0: none */
    const char *action; /* "create", "update", "login", … */
    json_t *before;     /* borrowed; may be NULL */
    json_t *after;      /* borrowed; may be NULL */
} kf_audit_entry;

int kf_audit_write(kf_tx *tx, const kf_actor *actor, const kf_audit_entry *e, int64_t now);

typedef struct {
    const char *entity;
    int64_t entity_id; /* 0: any */
    int64_t actor_id;  /* 0: any */
    const char *action;
    int64_t from_ms, to_ms; /* 0: open */
    int64_t before_id;      /* cursor: entries older than this id; 0: newest */
    int limit;
} kf_audit_filter;

/* kf_audit_list: matching entries, newest first, as a JSON array (new
 * reference); *last_id is the id of the last one (0 when none). */
int kf_audit_list(kf_tx *tx, const kf_audit_filter *f, json_t **out, int64_t *last_id);

#endif
