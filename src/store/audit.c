#include "store/audit.h"

#include "core/err.h"
#include "core/timeutil.h"

#include <stdlib.h>

int kf_audit_write(kf_tx *tx, const kf_actor *actor, const kf_audit_entry *e, int64_t now)
{
    char *before = e->before ? json_dumps(e->before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *after = e->after ? json_dumps(e->after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "INSERT INTO audit_log (at, actor_id, actor_login, project_id, entity,"
                         " entity_id, action, before_json, after_json, request_id, ip)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         "i", now);
    if (rc == KF_OK) {
        if (actor->actor_id)
            kf_stmt_bind_i64(st, 2, actor->actor_id);
        else
            kf_stmt_bind_null(st, 2);
        kf_stmt_bind_text(st, 3, actor->actor_login ? actor->actor_login : "");
        if (e->project_id)
            kf_stmt_bind_i64(st, 4, e->project_id);
        else
            kf_stmt_bind_null(st, 4);
        kf_stmt_bind_text(st, 5, e->entity);
        if (e->entity_id)
            kf_stmt_bind_i64(st, 6, e->entity_id);
        else
            kf_stmt_bind_null(st, 6);
        kf_stmt_bind_text(st, 7, e->action);
        kf_stmt_bind_text(st, 8, before);
        kf_stmt_bind_text(st, 9, after);
        kf_stmt_bind_text(st, 10, actor->request_id ? actor->request_id : "");
        kf_stmt_bind_text(st, 11, actor->ip ? actor->ip : "");
        rc = kf_stmt_step(st);
        if (rc == KF_DONE) rc = KF_OK;
    }
    free(before);
    free(after);
    return rc;
}

static json_t *parsed_or_null(const char *text)
{
    if (!text) return json_null();
    json_t *v = json_loads(text, 0, NULL);
    return v ? v : json_string(text);
}

static json_t *opt_id(kf_stmt *st, int col)
{
    return kf_stmt_isnull(st, col) ? json_null() : json_integer(kf_stmt_i64(st, col));
}

int kf_audit_list(kf_tx *tx, const kf_audit_filter *f, json_t **out, int64_t *last_id)
{
    kf_stmt *st;
    int rc = kf_tx_query(
        tx, &st,
        "SELECT id, at, actor_id, actor_login, project_id, entity, entity_id,"
        " action, before_json, after_json, request_id, ip FROM audit_log"
        " WHERE (CAST(? AS BIGINT) = 0 OR id < ?) AND (CAST(? AS TEXT) IS NULL OR entity = ?)"
        " AND (CAST(? AS BIGINT) = 0 OR entity_id = ?) AND (CAST(? AS BIGINT) = 0 OR actor_id = ?)"
        " AND (CAST(? AS TEXT) IS NULL OR action = ?)"
        " AND (CAST(? AS BIGINT) = 0 OR at >= ?) AND (CAST(? AS BIGINT) = 0 OR at < ?)"
        " ORDER BY id DESC LIMIT ?",
        "iissiiiissiiiii", f->before_id, f->before_id, f->entity, f->entity, f->entity_id,
        f->entity_id, f->actor_id, f->actor_id, f->action, f->action, f->from_ms, f->from_ms,
        f->to_ms, f->to_ms, (int64_t)f->limit);
    if (rc != KF_OK) return rc;
    json_t *items = json_array();
    *last_id = 0;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        char at[32];
        kf_time_format(kf_stmt_i64(st, 1), at, sizeof(at));
        *last_id = kf_stmt_i64(st, 0);
        json_array_append_new(
            items, json_pack("{s:I, s:s, s:o, s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:s, s:s}", "id",
                             (json_int_t)*last_id, "at", at, "actor_id", opt_id(st, 2),
                             "actor_login", kf_stmt_text(st, 3), "project_id", opt_id(st, 4),
                             "entity", kf_stmt_text(st, 5), "entity_id", opt_id(st, 6), "action",
                             kf_stmt_text(st, 7), "before", parsed_or_null(kf_stmt_text(st, 8)),
                             "after", parsed_or_null(kf_stmt_text(st, 9)), "request_id",
                             kf_stmt_text(st, 10), "ip", kf_stmt_text(st, 11)));
    }
    if (rc != KF_DONE) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return KF_OK;
}
