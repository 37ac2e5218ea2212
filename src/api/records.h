/* Records (档案) share one shape: a row that belongs to a project, listed
 * with a cursor and filters, read, created, changed with optimistic
 * concurrency (409 on a stale version), deleted only while nothing depends on
 * it (409 naming what does), every write audited. A kind describes its
 * columns once; src/api/records.c serves the five routes for every kind.
 *
 * The SQL of a kind is built once, at registration, from the descriptor (never
 * from input) and kept for the router's lifetime. */
#ifndef KF_RECORDS_H
#define KF_RECORDS_H

#include "api/input.h"
#include "http/router.h"
#include "store/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    KF_COL_TEXT,  /* string of min..max characters */
    KF_COL_INT,   /* integer in min..max */
    KF_COL_CENTI, /* decimal with up to 2 places (area in m²), kept ×100 in min..max */
    KF_COL_DATE,  /* "YYYY-MM-DD" */
    KF_COL_ENUM,  /* one of values */
    KF_COL_REF,   /* id of a row of ref_table in the same project */
    KF_COL_BOOL,  /* true/false, kept as INTEGER 0/1 */
} kf_col_type;

enum {
    KF_COL_REQUIRED = 1, /* must be given at create */
    KF_COL_FILTER = 2,   /* ?name= filters lists */
    KF_COL_FIXED = 4,    /* set at create, not changed after */
    KF_COL_HIDDEN = 8,   /* kept by hooks, never read from input nor shown */
};

typedef struct {
    const char *name; /* JSON field and SQL column */
    kf_col_type type;
    unsigned flags;
    int64_t min, max;          /* value range (INT, CENTI) or length in characters (TEXT) */
    const char *const *values; /* ENUM, NULL-terminated */
    const char *ref_table;     /* REF */
    const char *def;           /* TEXT/ENUM default at create; NULL: SQL NULL */
    const char *column;        /* SQL column when it differs from NAME (e.g. area_centi) */
} kf_col;

typedef struct {
    const char *table, *column; /* rows of TABLE whose COLUMN holds this id */
    const char *what;           /* name in the 409 answer, e.g. "units" */
} kf_dependent;

typedef struct kf_record_kind kf_record_kind;

/* Hooks run inside the write transaction; ROW is the full row as JSON (the
 * stored values with the input applied), ID is 0 at create. A hook that finds
 * bad input calls kf_input_fail on IN and returns KF_EINVAL. */
typedef int (*kf_record_hook)(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id,
                              kf_input *in);

struct kf_record_kind {
    const char *path;  /* "buildings": served under /api/v1/buildings */
    const char *table; /* SQL table: id, project_id, the columns, created_at, updated_at, version */
    const char *entity; /* audit entity, e.g. "building" */
    const char *perm_read, *perm_write;
    const kf_col *cols;
    size_t ncols;
    const kf_dependent *deps;
    size_t ndeps;
    const char *conflict_field;     /* a unique-key clash is reported on this field */
    int conflict_is_invalid;        /* …as 422 "taken" (a value of a field), not 409 */
    const char *const *extra_input; /* fields the hooks read besides the columns */
    int is_project;                 /* the projects table: its own id is its project */
    int append_only;                /* a ledger: no PATCH or DELETE routes (history is kept) */
    kf_record_hook validate;        /* after field checks, before the row is written */
    /* after_write: after the row is written (ID is set); checks nothing that
     * input can break — imports rely on a row failing only before it writes */
    kf_record_hook after_write;
    kf_record_hook before_delete; /* removes what the row owns (e.g. its mobiles) */
    /* present: adds to OUT (the row as shown) what the shown columns do not
     * hold, e.g. masked mobiles; STORED is the row as read, hidden columns
     * included. May be NULL. */
    int (*present)(kf_req *req, kf_tx *tx, const json_t *stored, json_t *out);
};

/* For bulk paths (imports) that write rows the way the API does. */
typedef struct kf_record_sql kf_record_sql;
/* kf_record_sql_new: the SQL of kind K; free with kf_record_sql_free. */
kf_record_sql *kf_record_sql_new(const kf_record_kind *k);
void kf_record_sql_free(kf_record_sql *ks);
/* kf_record_read_columns: K's columns from IN's body into ROW with the API's
 * rules (CREATE: defaults and required); -1 when IN collected a problem. */
int kf_record_read_columns(kf_input *in, const kf_record_kind *k, json_t *row, int create);
/* kf_record_insert: checks references, runs the kind's hooks, inserts ROW
 * (which holds project_id) and sets *id; no audit entry (the caller writes one). */
int kf_record_insert(kf_tx *tx, const kf_record_sql *ks, json_t *row, kf_input *in, int64_t now,
                     int64_t *id);
/* The kinds that imports fill. */
const kf_record_kind *kf_kind_units(void);
const kf_record_kind *kf_kind_people(void);
const kf_record_kind *kf_kind_occupancies(void);

/* kf_records_register: the five routes of KIND (list, create, get, update,
 * delete). The router owns what is built for it. */
int kf_records_register(kf_router *r, const kf_record_kind *kind);

/* kf_date_valid: 1 for a real calendar date "YYYY-MM-DD" (1900–2199). */
int kf_date_valid(const char *s);

#endif
