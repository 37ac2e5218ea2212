/* Helpers the API resources share. */
#include "api/api_int.h"

#include "core/err.h"

#include "core/timeutil.h"
#include "domain/account.h"
#include "domain/perm.h"

#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kf_actor kf_api_actor(const kf_req *req)
{
    kf_actor a = {.request_id = req->request_id, .ip = req->ip};
    if (req->auth) {
        a.actor_id = req->auth->user.id;
        a.actor_login = req->auth->user.login;
    }
    return a;
}

int kf_api_bind_scope(kf_req *req, kf_stmt *st, int64_t project)
{
    if (project) {
        kf_stmt_bind_i64(st, 1, project);
        return 2;
    }
    kf_stmt_bind_i64(st, 1, kf_role_is_global(req->auth->role));
    kf_stmt_bind_i64(st, 2, req->auth->user.id);
    return 3;
}

json_t *kf_api_time(int64_t ms)
{
    if (!ms) return json_null();
    char buf[32];
    kf_time_format(ms, buf, sizeof(buf));
    return json_string(buf);
}

json_t *kf_api_user_json(const kf_user *u, const int64_t *project_ids, size_t nprojects,
                         const char *lang)
{
    json_t *projects = json_array();
    for (size_t i = 0; i < nprojects; i++)
        json_array_append_new(projects, json_integer(project_ids[i]));
    int role = kf_role_parse(u->role);
    json_t *out = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:o, s:o, s:o, s:I}", "id", (json_int_t)u->id, "login",
        u->login, "display_name", u->display_name, "role", u->role, "role_label",
        role >= 0 ? kf_role_label((kf_role)role, lang) : "", "active", u->active, "language",
        u->language, "project_ids", projects, "created_at", kf_api_time(u->created_at),
        "updated_at", kf_api_time(u->updated_at), "version", (json_int_t)u->version);
    json_object_set_new(out, "person_id", u->person_id ? json_integer(u->person_id) : json_null());
    return out;
}

int kf_api_password_hash(kf_req *req, const char *password, char out[KF_PASSWORD_HASH_LEN])
{
    sem_wait(req->app->hash_slots);
    int rc = kf_password_hash(password, out);
    sem_post(req->app->hash_slots);
    return rc;
}

int kf_api_password_verify(kf_req *req, const char *hash, const char *password)
{
    sem_wait(req->app->hash_slots);
    int ok = kf_password_verify(hash, password);
    sem_post(req->app->hash_slots);
    return ok;
}

const char *kf_api_new_password(kf_input *in, const char *field)
{
    json_t *v = in->body ? json_object_get(in->body, field) : NULL;
    if (v && json_is_string(v)) {
        const char *problem = kf_password_problem(json_string_value(v));
        if (problem) {
            kf_input_fail(in, field, problem);
            return NULL;
        }
    }
    return kf_input_str(in, field, 1, 8, 128);
}

const char *kf_api_language(kf_input *in, const char *field)
{
    const char *lang = kf_input_str(in, field, 0, 1, 8);
    if (lang && strcmp(lang, "zh-CN") != 0 && strcmp(lang, "en") != 0) {
        kf_input_fail(in, field, "invalid");
        return NULL;
    }
    return lang;
}

int kf_api_cursor(kf_input *in, int64_t *after)
{
    *after = 0;
    const char *c = kf_req_query(in->req, "cursor");
    if (!c || !*c) return 0;
    char *end;
    long long v = strtoll(c, &end, 10);
    if (*end || v <= 0) {
        kf_input_fail(in, "cursor", "bad_cursor");
        return -1;
    }
    *after = v;
    return 0;
}

void kf_api_reply_rows(kf_req *req, int rc, kf_stmt *st, json_t *(*row)(kf_stmt *, const void *),
                       const void *ctx)
{
    json_t *items = json_array();
    if (rc == KF_OK)
        while ((rc = kf_stmt_step(st)) == KF_ROW)
            json_array_append_new(items, row(st, ctx));
    if (rc != KF_DONE) {
        json_decref(items);
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

json_t *kf_api_page(json_t *items, int64_t next_id)
{
    json_t *next = json_null();
    if (next_id > 0) {
        char buf[24];
        snprintf(buf, sizeof(buf), "%lld", (long long)next_id);
        next = json_string(buf);
    }
    return json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
}
