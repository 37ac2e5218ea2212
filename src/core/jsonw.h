/* A JSON text written straight into a kf_buf, for the answers that are
 * mostly rows (list pages): building a jansson tree for 50 rows and dumping
 * it cost more than the rows' queries (measured: ~60 % of a queue page).
 * The writer puts the commas itself; keys are written as given (literals of
 * ours), strings are escaped as JSON requires. Text must be UTF-8 already,
 * as everything read back from the database is. */
#ifndef KF_JSONW_H
#define KF_JSONW_H

#include "core/buf.h"

#include <stdint.h>

#define KF_JSONW_DEPTH 16

typedef struct {
    kf_buf *out;                 /* borrowed */
    int depth;                   /* open objects and arrays */
    char first[KF_JSONW_DEPTH];  /* per level: nothing written in it yet */
    char closer[KF_JSONW_DEPTH]; /* per level: '}' or ']' */
    int after_key;               /* a key was written: its value comes next */
    int failed;                  /* the buffer's limit was met, or nesting too deep */
} kf_jsonw;

void kf_jsonw_init(kf_jsonw *w, kf_buf *out);
void kf_jsonw_object(kf_jsonw *w);
void kf_jsonw_array(kf_jsonw *w);
/* kf_jsonw_end: closes the innermost object or array. */
void kf_jsonw_end(kf_jsonw *w);
void kf_jsonw_key(kf_jsonw *w, const char *key);
/* kf_jsonw_str: S as a JSON string, or null when S is NULL. */
void kf_jsonw_str(kf_jsonw *w, const char *s);
void kf_jsonw_int(kf_jsonw *w, int64_t v);
void kf_jsonw_null(kf_jsonw *w);
void kf_jsonw_bool(kf_jsonw *w, int v);
/* kf_jsonw_id: V, or null when 0 (a foreign key not set). */
void kf_jsonw_id(kf_jsonw *w, int64_t v);
/* kf_jsonw_time: MS as kf_time_format gives it, or null when 0. */
void kf_jsonw_time(kf_jsonw *w, int64_t ms);
/* kf_jsonw_raw: TEXT, already JSON, as the next value. */
void kf_jsonw_raw(kf_jsonw *w, const char *text);

#endif
