#include "api/input.h"

#include "core/timeutil.h"
#include "domain/account.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void kf_input_fail(kf_input *in, const char *field, const char *reason)
{
    if (!in->fields) in->fields = json_object();
    if (!json_object_get(in->fields, field))
        json_object_set_new(in->fields, field, json_string(reason));
}

int kf_input_begin(kf_input *in, kf_req *req, const char *const *names)
{
    in->req = req;
    in->fields = NULL;
    in->body = kf_req_json_body(req);
    if (!in->body) return -1;
    const char *key;
    json_t *value;
    json_object_foreach(in->body, key, value)
    {
        int known = 0;
        for (const char *const *n = names; n && *n && !known; n++)
            known = strcmp(*n, key) == 0;
        if (!known) kf_input_fail(in, key, "unknown_field");
    }
    return 0;
}

void kf_query_begin(kf_input *in, kf_req *req)
{
    in->req = req;
    in->body = NULL;
    in->fields = NULL;
}

size_t kf_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int kf_input_has(const kf_input *in, const char *field)
{
    json_t *v = in->body ? json_object_get(in->body, field) : NULL;
    return v && !json_is_null(v);
}

static json_t *get(kf_input *in, const char *field, int required)
{
    json_t *v = in->body ? json_object_get(in->body, field) : NULL;
    if (!v || json_is_null(v)) {
        if (required) kf_input_fail(in, field, "required");
        return NULL;
    }
    return v;
}

const char *kf_input_str(kf_input *in, const char *field, int required, size_t minlen,
                         size_t maxlen)
{
    json_t *v = get(in, field, required);
    if (!v) return NULL;
    if (!json_is_string(v)) {
        kf_input_fail(in, field, "must_be_string");
        return NULL;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) { /* an embedded NUL */
        kf_input_fail(in, field, "invalid");
        return NULL;
    }
    size_t chars = kf_utf8_chars(s);
    if (chars > maxlen) {
        kf_input_fail(in, field, "too_long");
        return NULL;
    }
    if (chars < minlen) {
        kf_input_fail(in, field, minlen == 1 ? "required" : "too_short");
        return NULL;
    }
    return s;
}

int kf_input_i64(kf_input *in, const char *field, int required, int64_t min, int64_t max,
                 int64_t *out)
{
    json_t *v = get(in, field, required);
    if (!v) return 0;
    if (!json_is_integer(v)) {
        kf_input_fail(in, field, "must_be_integer");
        return 0;
    }
    int64_t n = json_integer_value(v);
    if (n < min || n > max) {
        kf_input_fail(in, field, "out_of_range");
        return 0;
    }
    *out = n;
    return 1;
}

int kf_input_bool(kf_input *in, const char *field, int required, int *out)
{
    json_t *v = get(in, field, required);
    if (!v) return 0;
    if (!json_is_boolean(v)) {
        kf_input_fail(in, field, "must_be_boolean");
        return 0;
    }
    *out = json_is_true(v);
    return 1;
}

int kf_input_ids(kf_input *in, const char *field, int required, size_t max, int64_t **out,
                 size_t *n)
{
    json_t *v = get(in, field, required);
    if (!v) return 0;
    if (!json_is_array(v) || json_array_size(v) > max) {
        kf_input_fail(in, field, json_is_array(v) ? "too_long" : "must_be_array");
        return 0;
    }
    size_t count = json_array_size(v);
    int64_t *ids = kf_arena_alloc(&in->req->arena, (count ? count : 1) * sizeof(*ids));
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_integer(e) || json_integer_value(e) <= 0) {
            kf_input_fail(in, field, "invalid");
            return 0;
        }
        ids[i] = json_integer_value(e);
    }
    *out = ids;
    *n = count;
    return 1;
}

int kf_input_end(kf_input *in)
{
    if (!in->fields) return 0;
    kf_reply_error(in->req, 422, "validation_failed", in->fields);
    in->fields = NULL;
    return -1;
}

const char *kf_query_str(kf_input *in, const char *key, size_t maxlen)
{
    const char *v = kf_req_query(in->req, key);
    if (!v || !*v) return NULL;
    json_t *probe = json_string(v); /* jansson refuses invalid UTF-8 */
    if (!probe) {
        kf_input_fail(in, key, "invalid");
        return NULL;
    }
    json_decref(probe);
    if (kf_utf8_chars(v) > maxlen) {
        kf_input_fail(in, key, "too_long");
        return NULL;
    }
    return v;
}

int kf_query_i64(kf_input *in, const char *key, int64_t min, int64_t max, int64_t *out)
{
    const char *v = kf_req_query(in->req, key);
    if (!v || !*v) return 0;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end) {
        kf_input_fail(in, key, "must_be_integer");
        return 0;
    }
    if (n < min || n > max) {
        kf_input_fail(in, key, "out_of_range");
        return 0;
    }
    *out = n;
    return 1;
}

int kf_query_time(kf_input *in, const char *key, int64_t *out)
{
    const char *v = kf_req_query(in->req, key);
    if (!v || !*v) return 0;
    if (kf_time_parse(v, out) != 0) {
        kf_input_fail(in, key, "bad_time");
        return 0;
    }
    return 1;
}
