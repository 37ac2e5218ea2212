#include "store/projects.h"

#include "core/err.h"
#include "core/timeutil.h"

#define PROJECT_COLS                                                                               \
    "id, code, name, timezone, created_at, updated_at, version, address, handover_date"

static json_t *row_json(kf_stmt *st)
{
    char created[32], updated[32];
    kf_time_format(kf_stmt_i64(st, 4), created, sizeof(created));
    kf_time_format(kf_stmt_i64(st, 5), updated, sizeof(updated));
    const char *handover = kf_stmt_text(st, 8);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:I}", "id",
                     (json_int_t)kf_stmt_i64(st, 0), "code", kf_stmt_text(st, 1), "name",
                     kf_stmt_text(st, 2), "timezone", kf_stmt_text(st, 3), "address",
                     kf_stmt_text(st, 7), "handover_date",
                     handover ? json_string(handover) : json_null(), "created_at", created,
                     "updated_at", updated, "version", (json_int_t)kf_stmt_i64(st, 6));
}

int kf_projects_json(kf_tx *tx, const int64_t *ids, size_t n, int all, json_t **out)
{
    json_t *items = json_array();
    int rc = KF_OK;
    if (all) {
        kf_stmt *st;
        rc = kf_tx_query(tx, &st, "SELECT " PROJECT_COLS " FROM projects ORDER BY id LIMIT 10000",
                         NULL);
        while (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_ROW) {
            json_array_append_new(items, row_json(st));
            rc = KF_OK;
        }
        if (rc == KF_DONE) rc = KF_OK;
    } else {
        for (size_t i = 0; rc == KF_OK && i < n; i++) {
            json_t *p;
            rc = kf_project_json(tx, ids[i], &p);
            if (rc == KF_OK) json_array_append_new(items, p);
        }
    }
    if (rc != KF_OK) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return KF_OK;
}

int kf_project_json(kf_tx *tx, int64_t id, json_t **out)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st, "SELECT " PROJECT_COLS " FROM projects WHERE id = ?", "i", id);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc == KF_DONE) return KF_ENOTFOUND;
    if (rc != KF_ROW) return rc;
    *out = row_json(st);
    return KF_OK;
}

int kf_project_insert(kf_tx *tx, const char *code, const char *name, const char *timezone,
                      int64_t now, int64_t *id)
{
    return kf_tx_i64(tx, id,
                     "INSERT INTO projects (code, name, timezone, created_at, updated_at, version)"
                     " VALUES (?, ?, ?, ?, ?, 1) RETURNING id",
                     "sssii", code, name, timezone, now, now);
}
