/* Reading a JSON request body field by field, collecting every problem as
 * field → reason so one 422 answer names them all. Strings returned are
 * borrowed from the body (they live as long as the request). */
#ifndef KF_INPUT_H
#define KF_INPUT_H

#include "http/req.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    kf_req *req;
    json_t *body;   /* borrowed */
    json_t *fields; /* field → reason key; NULL while all is well */
} kf_input;

/* kf_input_begin: the request's JSON body; answers 400 and returns -1 when
 * it is not a JSON object. NAMES (NULL-terminated) lists the fields allowed. */
int kf_input_begin(kf_input *in, kf_req *req, const char *const *names);
void kf_input_fail(kf_input *in, const char *field, const char *reason);
/* kf_input_str: text of MINLEN..MAXLEN characters; NULL when absent or bad. */
const char *kf_input_str(kf_input *in, const char *field, int required, size_t minlen,
                         size_t maxlen);
/* kf_input_i64 / kf_input_bool: 1 when present and valid, 0 otherwise. */
int kf_input_i64(kf_input *in, const char *field, int required, int64_t min, int64_t max,
                 int64_t *out);
int kf_input_bool(kf_input *in, const char *field, int required, int *out);
/* kf_input_ids: a list of positive ids (at most MAX); arena memory. */
int kf_input_ids(kf_input *in, const char *field, int required, size_t max, int64_t **out,
                 size_t *n);
int kf_input_has(const kf_input *in, const char *field);
/* kf_input_end: answers 422 with every failed field and returns -1, or 0. */
int kf_input_end(kf_input *in);

/* kf_utf8_chars: characters (code points) in valid UTF-8 S. */
size_t kf_utf8_chars(const char *s);

/* Query parameters: the same rules, reasons collected in IN->fields. */
const char *kf_query_str(kf_input *in, const char *key, size_t maxlen);
int kf_query_i64(kf_input *in, const char *key, int64_t min, int64_t max, int64_t *out);
/* kf_query_time: an RFC 3339 time parameter as ms; 1 when present and valid. */
int kf_query_time(kf_input *in, const char *key, int64_t *out);
/* kf_query_begin: for GET handlers: IN collects only query problems. */
void kf_query_begin(kf_input *in, kf_req *req);

#endif
