/* Shared internals of the service desk's configuration routes. desk_config.c
 * holds the row helpers every kind uses and registers all the routes;
 * desk_categories.c, desk_rules.c, desk_policies.c and desk_calendar.c each
 * register their own. Rows travel as JSON objects keyed by column name.
 * kf_dcfg_ (desk configuration) prefixes what they share. */
#ifndef KF_DESK_CONFIG_INT_H
#define KF_DESK_CONFIG_INT_H

#include "api/api_int.h"
#include "desk/ticket.h"
#include "http/router.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define KF_DCFG_MAX_ITEMS 2000 /* configuration lists are short; never unbounded */

/* The routes of each kind, registered by kf_api_desk_config_register. */
int kf_api_desk_categories_register(kf_router *r);
int kf_api_desk_rules_register(kf_router *r);
int kf_api_desk_policies_register(kf_router *r);
int kf_api_desk_calendar_register(kf_router *r); /* calendars, holidays, make-up days */
int kf_api_desk_settings_register(kf_router *r); /* the company-wide settings row */

/* A route table entry; kf_dcfg_add_routes adds N of them, stopping at the
 * first refusal. */
typedef struct {
    const char *method, *path, *perm;
    kf_handler handler;
} kf_dcfg_route;
int kf_dcfg_add_routes(kf_router *r, const kf_dcfg_route *routes, size_t n);

/* A ticket's types and severities and kf_in_list come from desk/ticket.h;
 * department kinds from api_int.h. */

/* ---- rows as JSON ---- */

/* How a column appears in JSON: COL_TIME as RFC 3339, COL_JSON parsed. */
typedef enum { COL_INT, COL_TEXT, COL_BOOL, COL_TIME, COL_JSON } kf_dcfg_col_kind;

typedef struct {
    const char *name;
    kf_dcfg_col_kind kind;
} kf_dcfg_col;

/* kf_dcfg_step_done: steps ST to its end; KF_OK or the error. */
int kf_dcfg_step_done(kf_stmt *st);
/* kf_dcfg_step_changed: runs an UPDATE guarded by the version read; KF_ESTALE
 * when it changed no row (the row moved on). */
int kf_dcfg_step_changed(kf_stmt *st);
/* kf_dcfg_reply_items: answers {"items": […]}, every row of ST as COLS; RC is
 * the status ST was prepared with (anything but KF_OK answers that status). */
void kf_dcfg_reply_items(kf_req *req, int rc, kf_stmt *st, const kf_dcfg_col *cols, size_t n);
/* kf_dcfg_load_row: the row SQL (one id parameter) finds, as COLS, into *out
 * (new reference, set only on KF_OK); KF_ENOTFOUND when there is none. */
int kf_dcfg_load_row(kf_tx *tx, const char *sql, const kf_dcfg_col *cols, size_t n, int64_t id,
                     json_t **out);
/* Members of ROW: an integer (0 when absent), a string (borrowed from ROW;
 * NULL when absent or null), an id (0 when absent or null). */
int64_t kf_dcfg_row_i64(const json_t *row, const char *key);
const char *kf_dcfg_row_str(const json_t *row, const char *key);
int64_t kf_dcfg_row_id(const json_t *row, const char *key);
/* kf_dcfg_bind_opt_id: binds ROW[KEY] to parameter IDX, NULL for no id. */
void kf_dcfg_bind_opt_id(kf_stmt *st, int idx, const json_t *row, const char *key);

/* ---- input ---- */

/* kf_dcfg_query_bool: ?KEY=true|false (also 1|0): 1 or 0, -1 when absent
 * (or bad, after failing KEY). */
int64_t kf_dcfg_query_bool(kf_input *in, const char *key);
/* The readers of body field F: each sets ROW[F] when F is given and valid, and
 * fails F in IN when it is bad, or absent and REQUIRED.
 * read_opt_id: a positive id, or null to clear it.
 * read_enum: one of VALUES, or null to clear it (when NULLABLE).
 * read_text: text of 1..MAX characters (never null).
 * read_int: an integer in MIN..MAX. read_bool: a boolean (never required). */
void kf_dcfg_read_opt_id(kf_input *in, json_t *row, const char *f);
void kf_dcfg_read_enum(kf_input *in, json_t *row, const char *f, const char *const *values,
                       int nullable, int required);
void kf_dcfg_read_text(kf_input *in, json_t *row, const char *f, size_t max, int required);
void kf_dcfg_read_int(kf_input *in, json_t *row, const char *f, int64_t min, int64_t max,
                      int required);
void kf_dcfg_read_bool(kf_input *in, json_t *row, const char *f);
/* kf_dcfg_read_version: the optional body field "version"; 0 when absent. */
void kf_dcfg_read_version(kf_input *in, int64_t *version);

/* ---- writes ---- */

/* One write of a configuration row, the context of its kf_write_fn. */
typedef struct {
    kf_actor actor;
    kf_input *in;
    const kf_req *req; /* scope only: the request thread waits meanwhile */
    kf_arena *arena;
    int64_t id, version, now; /* version 0: not given */
    json_t *input;            /* the fields given (create: with defaults); borrowed */
    json_t *before, *after;   /* stored rows, new references */
    json_t *dependents;       /* delete refused: what → count; owned */
    int64_t existing;         /* duplicate policy: the one that exists */
} kf_dcfg_job;

/* kf_dcfg_job_init: a job for REQ reading IN, with INPUT (borrowed: the
 * caller keeps its reference until kf_dcfg_job_done). */
void kf_dcfg_job_init(kf_dcfg_job *j, kf_req *req, kf_input *in, json_t *input);
/* kf_dcfg_job_done: releases the rows the job holds (not its input). */
void kf_dcfg_job_done(kf_dcfg_job *j);
/* kf_dcfg_audit: records ACTION on ENTITY j->id of PROJECT (0: none) with
 * j->before and j->after. */
int kf_dcfg_audit(kf_tx *tx, kf_dcfg_job *j, const char *entity, const char *action,
                  int64_t project);
/* kf_dcfg_reply_failure: answers a failed write: 422 with the fields
 * collected, 409 with j->dependents, else by status RC. */
void kf_dcfg_reply_failure(kf_req *req, kf_dcfg_job *j, int rc);
/* kf_dcfg_check_version: KF_ESTALE when a version was given and differs
 * from ROW's. */
int kf_dcfg_check_version(const kf_dcfg_job *j, const json_t *row);
/* kf_dcfg_check_project, kf_dcfg_check_category: ROW's project_id (one the
 * caller sees) or category_id, when set, must exist; fail the field in j->in
 * otherwise. KF_OK unless the store fails. */
int kf_dcfg_check_project(kf_tx *tx, kf_dcfg_job *j, const json_t *row);
int kf_dcfg_check_category(kf_tx *tx, kf_dcfg_job *j, const json_t *row);
/* kf_dcfg_row_visible: 1 when ROW is company-wide (project_id null) or of a
 * project REQ's caller sees. */
int kf_dcfg_row_visible(const kf_req *req, const json_t *row);

/* ---- handlers every kind shares ---- */

/* kf_dcfg_get_scoped: GET …/{id} of a project-scoped row LOAD finds (LOAD
 * hands over a new reference); 404 for one the caller does not see. */
void kf_dcfg_get_scoped(kf_req *req, int (*load)(kf_tx *, int64_t, json_t **));
/* kf_dcfg_delete_with: DELETE …/{id}; WRITE_FN does the work on a job whose
 * id is set and fills j->before for the audit. */
void kf_dcfg_delete_with(kf_req *req, kf_write_fn write_fn);
/* kf_dcfg_save_with: POST (CREATE) or PATCH …/{id} of a rule or a policy:
 * accepts the body fields NAMES, READ fills the job's input from the body,
 * FN writes and fills j->after. */
void kf_dcfg_save_with(kf_req *req, const char *const *names,
                       void (*read)(kf_input *, json_t *, int), kf_write_fn fn, int create);

#endif
