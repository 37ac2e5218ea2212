/* The five routes every record kind shares; see records.h. */
#include "api/records.h"

#include "api/api_int.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "core/tz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What is built for one kind at registration. */
struct kf_record_sql {
    const kf_record_kind *k;
    char *cols; /* "id, project_id, c1, …, created_at, updated_at, version" */
    char *get, *list, *insert, *update, *remove;
    char **deps; /* per dependent: SELECT COUNT(*) … */
    char **refs; /* per column: SELECT project_id FROM ref WHERE id = ? (REF only) */
    const char **input_names;
};

#define FIRST_COL 2 /* after id, project_id */

static const char *col_sql(const kf_col *c)
{
    return c->column ? c->column : c->name;
}

static void record_sql_free(void *p)
{
    kf_record_sql *ks = p;
    free(ks->cols);
    free(ks->get);
    free(ks->list);
    free(ks->insert);
    free(ks->update);
    free(ks->remove);
    for (size_t i = 0; i < ks->k->ndeps; i++)
        free(ks->deps[i]);
    for (size_t i = 0; i < ks->k->ncols; i++)
        free(ks->refs[i]);
    free(ks->deps);
    free(ks->refs);
    free(ks->input_names);
    free(ks);
}

static char *build_list_sql(const kf_record_kind *k, const char *cols)
{
    kf_buf b;
    kf_buf_init(&b, 0);
    const char *pcol = k->is_project ? "id" : "project_id";
    kf_buf_printf(&b,
                  "SELECT %s FROM %s WHERE id > ? AND (CAST(? AS BIGINT) = 0 OR %s = ?)"
                  " AND (CAST(? AS BIGINT) = 1 OR %s IN"
                  " (SELECT project_id FROM user_projects WHERE user_id = ?))",
                  cols, k->table, pcol, pcol);
    for (size_t i = 0; i < k->ncols; i++) {
        const kf_col *c = &k->cols[i];
        if (!(c->flags & KF_COL_FILTER)) continue;
        int numeric = c->type == KF_COL_INT || c->type == KF_COL_REF || c->type == KF_COL_BOOL;
        const char *cast = numeric ? "BIGINT" : "TEXT";
        kf_buf_printf(&b, " AND (CAST(? AS %s) IS NULL OR %s = ?)", cast, col_sql(c));
    }
    kf_buf_puts(&b, " ORDER BY id LIMIT ?");
    return kf_buf_steal(&b);
}

static kf_record_sql *build_sql(const kf_record_kind *k)
{
    kf_record_sql *ks = kf_calloc(1, sizeof(*ks));
    ks->k = k;
    kf_buf cols, ins_cols, ins_vals, upd;
    kf_buf_init(&cols, 0);
    kf_buf_init(&ins_cols, 0);
    kf_buf_init(&ins_vals, 0);
    kf_buf_init(&upd, 0);
    kf_buf_puts(&cols, k->is_project ? "id, id" : "id, project_id");
    if (!k->is_project) {
        kf_buf_puts(&ins_cols, "project_id, ");
        kf_buf_puts(&ins_vals, "?, ");
    }
    ks->refs = kf_calloc(k->ncols ? k->ncols : 1, sizeof(char *));
    for (size_t i = 0; i < k->ncols; i++) {
        const char *c = col_sql(&k->cols[i]);
        kf_buf_printf(&cols, ", %s", c);
        kf_buf_printf(&ins_cols, "%s, ", c);
        kf_buf_puts(&ins_vals, "?, ");
        kf_buf_printf(&upd, "%s = ?, ", c);
        if (k->cols[i].type == KF_COL_REF) {
            char sql[256];
            snprintf(sql, sizeof(sql), "SELECT project_id FROM %s WHERE id = ?",
                     k->cols[i].ref_table);
            ks->refs[i] = kf_strdup(sql);
        }
    }
    kf_buf_puts(&cols, ", created_at, updated_at, version");
    ks->cols = kf_buf_steal(&cols);
    char sql[4096];
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = ?", ks->cols, k->table);
    ks->get = kf_strdup(sql);
    snprintf(sql, sizeof(sql),
             "INSERT INTO %s (%screated_at, updated_at, version) VALUES (%s?, ?, 1) RETURNING id",
             k->table, ins_cols.data ? ins_cols.data : "", ins_vals.data ? ins_vals.data : "");
    ks->insert = kf_strdup(sql);
    snprintf(sql, sizeof(sql),
             "UPDATE %s SET %supdated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
             k->table, upd.data ? upd.data : "");
    ks->update = kf_strdup(sql);
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = ?", k->table);
    ks->remove = kf_strdup(sql);
    ks->list = build_list_sql(k, ks->cols);
    ks->deps = kf_calloc(k->ndeps ? k->ndeps : 1, sizeof(char *));
    for (size_t i = 0; i < k->ndeps; i++) {
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE %s = ?", k->deps[i].table,
                 k->deps[i].column);
        ks->deps[i] = kf_strdup(sql);
    }
    size_t n = 0, extra = 0;
    while (k->extra_input && k->extra_input[extra])
        extra++;
    ks->input_names = kf_calloc(k->ncols + extra + 3, sizeof(char *));
    if (!k->is_project) ks->input_names[n++] = "project_id";
    ks->input_names[n++] = "version";
    for (size_t i = 0; i < k->ncols; i++)
        if (!(k->cols[i].flags & KF_COL_HIDDEN)) ks->input_names[n++] = k->cols[i].name;
    for (size_t i = 0; i < extra; i++)
        ks->input_names[n++] = k->extra_input[i];
    kf_buf_free(&ins_cols);
    kf_buf_free(&ins_vals);
    kf_buf_free(&upd);
    return ks;
}

/* ---- rows: SQL ↔ JSON ---- */

/* The stored row as JSON (CENTI kept as integer ×100 until presented). */
static json_t *row_from_stmt(const kf_record_kind *k, kf_stmt *st)
{
    json_t *row = json_object();
    json_object_set_new(row, "id", json_integer(kf_stmt_i64(st, 0)));
    json_object_set_new(row, "project_id", json_integer(kf_stmt_i64(st, 1)));
    for (size_t i = 0; i < k->ncols; i++) {
        int col = FIRST_COL + (int)i;
        const kf_col *c = &k->cols[i];
        json_t *v;
        if (kf_stmt_isnull(st, col))
            v = json_null();
        else if (c->type == KF_COL_BOOL)
            v = json_boolean(kf_stmt_i64(st, col));
        else if (c->type == KF_COL_INT || c->type == KF_COL_REF || c->type == KF_COL_CENTI)
            v = json_integer(kf_stmt_i64(st, col));
        else
            v = json_string(kf_stmt_text(st, col));
        json_object_set_new(row, c->name, v);
    }
    int base = FIRST_COL + (int)k->ncols;
    json_object_set_new(row, "created_at", json_integer(kf_stmt_i64(st, base)));
    json_object_set_new(row, "updated_at", json_integer(kf_stmt_i64(st, base + 1)));
    json_object_set_new(row, "version", json_integer(kf_stmt_i64(st, base + 2)));
    return row;
}

/* The row as the API shows it: areas as numbers, times as RFC 3339, no hidden columns. */
static json_t *row_present(const kf_record_kind *k, const json_t *row)
{
    json_t *out = json_deep_copy(row);
    for (size_t i = 0; i < k->ncols; i++) {
        const kf_col *c = &k->cols[i];
        json_t *v = json_object_get(out, c->name);
        if (c->flags & KF_COL_HIDDEN)
            json_object_del(out, c->name);
        else if (c->type == KF_COL_CENTI && json_is_integer(v))
            json_object_set_new(out, c->name, json_real((double)json_integer_value(v) / 100.0));
    }
    if (k->is_project) json_object_del(out, "project_id");
    json_object_set_new(out, "created_at",
                        kf_api_time(json_integer_value(json_object_get(row, "created_at"))));
    json_object_set_new(out, "updated_at",
                        kf_api_time(json_integer_value(json_object_get(row, "updated_at"))));
    return out;
}

static int load_row(kf_tx *tx, const kf_record_sql *ks, int64_t id, json_t **out)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st, ks->get, "i", id);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc == KF_DONE) return KF_ENOTFOUND;
    if (rc != KF_ROW) return rc;
    *out = row_from_stmt(ks->k, st);
    return KF_OK;
}

static void bind_col(kf_stmt *st, int idx, const kf_col *c, const json_t *v)
{
    if (!v || json_is_null(v))
        kf_stmt_bind_null(st, idx);
    else if (c->type == KF_COL_BOOL)
        kf_stmt_bind_i64(st, idx, json_is_true(v));
    else if (c->type == KF_COL_INT || c->type == KF_COL_REF || c->type == KF_COL_CENTI)
        kf_stmt_bind_i64(st, idx, json_integer_value(v));
    else
        kf_stmt_bind_text(st, idx, json_string_value(v));
}

/* ---- input ---- */

int kf_date_valid(const char *s)
{
    int64_t days;
    if (kf_date_parse(s, &days) != 0) return 0;
    int y = atoi(s); /* a real date: the first four characters are the year */
    return y >= 1900 && y <= 2199;
}

/* "89.5", "-3", "120.25": exact, no floating point; -1 for anything else. */
static int parse_centi_text(const char *s, int64_t *out)
{
    int neg = *s == '-';
    if (neg || *s == '+') s++;
    int64_t whole = 0, frac = 0;
    int digits = 0, places = -1;
    for (; *s; s++) {
        if (*s == '.' && places < 0) {
            places = 0;
            continue;
        }
        if (*s < '0' || *s > '9' || (places >= 2) || digits > 15) return -1;
        if (places >= 0) {
            frac = frac * 10 + (*s - '0');
            places++;
        } else {
            whole = whole * 10 + (*s - '0');
        }
        digits++;
    }
    if (!digits || places == 0) return -1;
    if (places == 1) frac *= 10;
    *out = (whole * 100 + frac) * (neg ? -1 : 1);
    return 0;
}

/* A CENTI value: a JSON number or a decimal string with at most 2 places. */
static int parse_centi(const json_t *v, int64_t *out)
{
    if (json_is_string(v)) return parse_centi_text(json_string_value(v), out);
    if (json_is_integer(v)) {
        if (llabs(json_integer_value(v)) > INT64_MAX / 100) return -1;
        *out = json_integer_value(v) * 100;
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v) * 100.0;
        if (!isfinite(d) || fabs(d) > 9e15 || fabs(d - round(d)) > 1e-6) return -1;
        *out = (int64_t)llround(d);
        return 0;
    }
    return -1;
}

/* Reads column C from IN into ROW; returns 0 when absent. */
static int read_col(kf_input *in, const kf_col *c, json_t *row)
{
    json_t *v = json_object_get(in->body, c->name);
    if (!v) return 0;
    if (json_is_null(v)) {
        /* required columns, and those with a default, are NOT NULL */
        if ((c->flags & KF_COL_REQUIRED) || c->def)
            kf_input_fail(in, c->name, "required");
        else
            json_object_set_new(row, c->name, json_null());
        return 1;
    }
    int64_t n;
    switch (c->type) {
    case KF_COL_INT:
    case KF_COL_REF:
        if (kf_input_i64(in, c->name, 0, c->type == KF_COL_REF ? 1 : c->min,
                         c->type == KF_COL_REF ? INT64_MAX : c->max, &n))
            json_object_set_new(row, c->name, json_integer(n));
        break;
    case KF_COL_BOOL: {
        int b;
        if (kf_input_bool(in, c->name, 0, &b)) json_object_set_new(row, c->name, json_boolean(b));
        break;
    }
    case KF_COL_CENTI:
        if (parse_centi(v, &n) != 0)
            kf_input_fail(in, c->name, "invalid");
        else if (n < c->min || n > c->max)
            kf_input_fail(in, c->name, "out_of_range");
        else
            json_object_set_new(row, c->name, json_integer(n));
        break;
    default: {
        const char *s = kf_input_str(in, c->name, 0, c->type == KF_COL_TEXT ? (size_t)c->min : 1,
                                     c->type == KF_COL_TEXT ? (size_t)c->max : 64);
        if (!s) break;
        int ok = 1;
        if (c->type == KF_COL_DATE) ok = kf_date_valid(s);
        for (const char *const *e = c->values; c->type == KF_COL_ENUM && e && *e; e++)
            if (strcmp(*e, s) == 0) ok = 2;
        if (c->type == KF_COL_ENUM) ok = ok == 2;
        if (!ok)
            kf_input_fail(in, c->name, c->type == KF_COL_DATE ? "invalid_date" : "not_in_list");
        else
            json_object_set_new(row, c->name, json_string(s));
    }
    }
    return 1;
}

/* ---- writes ---- */

typedef struct {
    const kf_record_sql *ks;
    kf_input *in;
    kf_actor actor;
    const kf_req *req; /* scope only; the request thread waits meanwhile */
    json_t *input_row; /* the fields given */
    int64_t id, version, now;
    json_t *before, *after; /* stored rows, new references */
    json_t *dependents;     /* delete refused: what → count */
    const char *action;
} write_job;

/* REF columns must name a row of the same project. */
static int check_refs(kf_tx *tx, const kf_record_sql *ks, kf_input *in, json_t *row)
{
    const kf_record_kind *k = ks->k;
    int64_t project = json_integer_value(json_object_get(row, "project_id"));
    for (size_t i = 0; i < k->ncols; i++) {
        json_t *v = json_object_get(row, k->cols[i].name);
        if (k->cols[i].type != KF_COL_REF || !json_is_integer(v)) continue;
        int64_t owner = 0;
        int rc = kf_tx_i64(tx, &owner, ks->refs[i], "i", json_integer_value(v));
        if (rc == KF_ENOTFOUND || (rc == KF_OK && owner != project)) {
            kf_input_fail(in, k->cols[i].name, "unknown_reference");
            return KF_EINVAL;
        }
        if (rc != KF_OK) return rc;
    }
    return KF_OK;
}

static int audit(kf_tx *tx, write_job *j)
{
    const kf_record_kind *k = j->ks->k;
    json_t *before = j->before ? row_present(k, j->before) : NULL;
    json_t *after = j->after ? row_present(k, j->after) : NULL;
    const json_t *row = j->after ? j->after : j->before;
    kf_audit_entry e = {.entity = k->entity,
                        .entity_id = j->id,
                        .project_id = json_integer_value(json_object_get(row, "project_id")),
                        .action = j->action,
                        .before = before,
                        .after = after};
    int rc = kf_audit_write(tx, &j->actor, &e, j->now);
    json_decref(before);
    json_decref(after);
    return rc;
}

/* Inserts ROW (*id set) or updates row *id at VERSION (KF_ESTALE when it moved on). */
static int bind_and_run(kf_tx *tx, const kf_record_sql *ks, const json_t *row, int64_t now,
                        int insert, int64_t *id, int64_t version)
{
    const kf_record_kind *k = ks->k;
    kf_stmt *st;
    int rc = kf_tx_prepare(tx, insert ? ks->insert : ks->update, &st);
    if (rc != KF_OK) return rc;
    int idx = 1;
    if (insert && !k->is_project)
        kf_stmt_bind_i64(st, idx++, json_integer_value(json_object_get(row, "project_id")));
    for (size_t i = 0; i < k->ncols; i++)
        bind_col(st, idx++, &k->cols[i], json_object_get(row, k->cols[i].name));
    kf_stmt_bind_i64(st, idx++, now);
    if (insert) {
        kf_stmt_bind_i64(st, idx++, now);
        rc = kf_stmt_step(st);
        if (rc != KF_ROW) return rc == KF_DONE ? KF_EDB : rc;
        *id = kf_stmt_i64(st, 0);
        rc = kf_stmt_step(st);
        return rc == KF_DONE ? KF_OK : rc;
    }
    kf_stmt_bind_i64(st, idx++, *id);
    kf_stmt_bind_i64(st, idx, version);
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
    }
    if (rc != KF_DONE) return rc;
    return kf_stmt_changes(st) == 1 ? KF_OK : KF_ESTALE;
}

int kf_record_insert(kf_tx *tx, const kf_record_sql *ks, json_t *row, kf_input *in, int64_t now,
                     int64_t *id)
{
    const kf_record_kind *k = ks->k;
    int rc = KF_OK;
    if (!k->is_project) { /* an administrator sees every project, even one that is not there */
        int64_t exists = 0;
        rc = kf_tx_i64(tx, &exists, "SELECT COUNT(*) FROM projects WHERE id = ?", "i",
                       json_integer_value(json_object_get(row, "project_id")));
        if (rc == KF_OK && !exists) {
            kf_input_fail(in, "project_id", "unknown_project");
            return KF_EINVAL;
        }
    }
    if (rc == KF_OK) rc = check_refs(tx, ks, in, row);
    if (rc == KF_OK && k->validate) rc = k->validate(tx, k, row, 0, in);
    if (rc == KF_OK) rc = bind_and_run(tx, ks, row, now, 1, id, 0);
    if (rc == KF_OK && k->after_write) rc = k->after_write(tx, k, row, *id, in);
    return rc;
}

static int write_create(kf_tx *tx, void *ctx)
{
    write_job *j = ctx;
    json_t *row = json_deep_copy(j->input_row);
    int rc = kf_record_insert(tx, j->ks, row, j->in, j->now, &j->id);
    if (rc == KF_OK) rc = load_row(tx, j->ks, j->id, &j->after);
    if (rc == KF_OK) rc = audit(tx, j);
    json_decref(row);
    return rc;
}

/* Loads row ID for a change, answering "not found" for rows out of scope. */
static int load_for_change(kf_tx *tx, write_job *j)
{
    int rc = load_row(tx, j->ks, j->id, &j->before);
    if (rc != KF_OK) return rc;
    if (!kf_req_sees_project(j->req, json_integer_value(json_object_get(j->before, "project_id"))))
        return KF_ENOTFOUND;
    return KF_OK;
}

static int write_update(kf_tx *tx, void *ctx)
{
    write_job *j = ctx;
    const kf_record_kind *k = j->ks->k;
    int rc = load_for_change(tx, j);
    if (rc != KF_OK) return rc;
    if (json_integer_value(json_object_get(j->before, "version")) != j->version) return KF_ESTALE;
    json_t *row = json_deep_copy(j->before);
    const char *key;
    json_t *v;
    json_object_foreach(j->input_row, key, v)
    {
        for (size_t i = 0; i < k->ncols; i++)
            if (strcmp(k->cols[i].name, key) == 0 && (k->cols[i].flags & KF_COL_FIXED) &&
                !json_equal(v, json_object_get(row, key)))
                kf_input_fail(j->in, key, "immutable");
        json_object_set(row, key, v);
    }
    rc = j->in->fields ? KF_EINVAL : check_refs(tx, j->ks, j->in, row);
    if (rc == KF_OK && k->validate) rc = k->validate(tx, k, row, j->id, j->in);
    if (rc == KF_OK) rc = bind_and_run(tx, j->ks, row, j->now, 0, &j->id, j->version);
    if (rc == KF_OK && k->after_write) rc = k->after_write(tx, k, row, j->id, j->in);
    if (rc == KF_OK) rc = load_row(tx, j->ks, j->id, &j->after);
    if (rc == KF_OK) rc = audit(tx, j);
    json_decref(row);
    return rc;
}

static int write_delete(kf_tx *tx, void *ctx)
{
    write_job *j = ctx;
    const kf_record_kind *k = j->ks->k;
    int rc = load_for_change(tx, j);
    for (size_t i = 0; rc == KF_OK && i < k->ndeps; i++) {
        int64_t n = 0;
        rc = kf_tx_i64(tx, &n, j->ks->deps[i], "i", j->id);
        if (rc == KF_OK && n > 0) {
            if (!j->dependents) j->dependents = json_object();
            json_object_set_new(j->dependents, k->deps[i].what, json_integer(n));
        }
    }
    if (rc == KF_OK && j->dependents) return KF_ECONFLICT;
    if (rc == KF_OK && k->before_delete) rc = k->before_delete(tx, k, j->before, j->id, j->in);
    if (rc == KF_OK) rc = kf_tx_exec(tx, NULL, j->ks->remove, "i", j->id);
    if (rc == KF_OK) rc = audit(tx, j);
    return rc;
}

/* ---- handlers ---- */

static const kf_record_sql *kind_of(const kf_req *req)
{
    return req->route->data;
}

/* The row as presented, with the kind's additions; NULL after answering. */
static json_t *present(kf_req *req, kf_tx *tx, const kf_record_sql *ks, const json_t *row)
{
    json_t *out = row_present(ks->k, row);
    if (ks->k->present) {
        int rc = ks->k->present(req, tx, row, out);
        if (rc != KF_OK) {
            json_decref(out);
            kf_reply_status(req, rc);
            return NULL;
        }
    }
    return out;
}

static void reply_row(kf_req *req, int status, const kf_record_sql *ks, const json_t *row)
{
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    json_t *out = present(req, tx, ks, row);
    if (out) kf_reply_json(req, status, out);
}

static void record_get(kf_req *req)
{
    const kf_record_sql *ks = kind_of(req);
    int64_t id;
    if (kf_req_param_id(req, "id", &id)) return;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    json_t *row;
    int rc = load_row(tx, ks, id, &row);
    if (rc == KF_OK &&
        !kf_req_sees_project(req, json_integer_value(json_object_get(row, "project_id")))) {
        json_decref(row);
        rc = KF_ENOTFOUND;
    }
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    reply_row(req, 200, ks, row);
    json_decref(row);
}

/* The list's query: project, the kind's filters, limit and cursor; values
 * are kept in FILTERS (JSON null for absent) in the order the SQL wants them. */
static int read_list_query(kf_input *in, const kf_record_sql *ks, int64_t *project, json_t *filters,
                           int64_t *after, int64_t *limit)
{
    kf_query_i64(in, "project_id", 1, INT64_MAX, project);
    kf_query_i64(in, "limit", 1, 500, limit);
    kf_api_cursor(in, after);
    for (size_t i = 0; i < ks->k->ncols; i++) {
        const kf_col *c = &ks->k->cols[i];
        if (!(c->flags & KF_COL_FILTER)) continue;
        int64_t n;
        const char *v;
        const char *raw = kf_req_query(in->req, c->name);
        if (c->type == KF_COL_BOOL && raw && (!strcmp(raw, "true") || !strcmp(raw, "false")))
            json_array_append_new(filters, json_integer(strcmp(raw, "true") == 0));
        else if (c->type == KF_COL_INT || c->type == KF_COL_REF || c->type == KF_COL_BOOL)
            json_array_append_new(filters,
                                  kf_query_i64(in, c->name, c->type == KF_COL_BOOL ? 0 : INT64_MIN,
                                               c->type == KF_COL_BOOL ? 1 : INT64_MAX, &n)
                                      ? json_integer(n)
                                      : json_null());
        else
            json_array_append_new(filters, (v = kf_query_str(in, c->name, 256)) ? json_string(v)
                                                                                : json_null());
    }
    return in->fields ? -1 : 0;
}

static void bind_list(kf_req *req, kf_stmt *st, int64_t project, const json_t *filters,
                      int64_t after, int64_t limit)
{
    int idx = 1;
    kf_stmt_bind_i64(st, idx++, after);
    kf_stmt_bind_i64(st, idx++, project);
    kf_stmt_bind_i64(st, idx++, project);
    kf_stmt_bind_i64(st, idx++, kf_role_is_global(req->auth->role));
    kf_stmt_bind_i64(st, idx++, req->auth->user.id);
    size_t i;
    json_t *v;
    json_array_foreach(filters, i, v)
    {
        for (int twice = 0; twice < 2; twice++) {
            if (json_is_integer(v))
                kf_stmt_bind_i64(st, idx++, json_integer_value(v));
            else
                kf_stmt_bind_text(st, idx++, json_string_value(v));
        }
    }
    kf_stmt_bind_i64(st, idx, limit);
}

/* Steps ST (the bound list query) and answers the page. */
static void list_rows(kf_req *req, kf_tx *tx, const kf_record_sql *ks, kf_stmt *st, int64_t limit)
{
    json_t *rows = json_array(), *items = json_array();
    int rc;
    while ((rc = kf_stmt_step(st)) == KF_ROW)
        json_array_append_new(rows, row_from_stmt(ks->k, st));
    int64_t last = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_t *out = rc == KF_DONE ? present(req, tx, ks, row) : NULL;
        if (!out) break;
        last = json_integer_value(json_object_get(row, "id"));
        json_array_append_new(items, out);
    }
    size_t n = json_array_size(rows);
    json_decref(rows);
    if (rc != KF_DONE || json_array_size(items) != n) {
        json_decref(items);
        if (!req->status) kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, kf_api_page(items, (int64_t)n == limit ? last : 0));
}

static void record_list(kf_req *req)
{
    const kf_record_sql *ks = kind_of(req);
    kf_input in;
    kf_query_begin(&in, req);
    int64_t after = 0, limit = 50, project = 0;
    json_t *filters = json_array();
    int bad = read_list_query(&in, ks, &project, filters, &after, &limit);
    kf_tx *tx = NULL;
    kf_stmt *st = NULL;
    int rc = KF_OK;
    if (bad) {
        kf_input_end(&in);
    } else if ((tx = kf_req_read(req)) && (rc = kf_tx_prepare(tx, ks->list, &st)) == KF_OK) {
        bind_list(req, st, project, filters, after, limit);
        list_rows(req, tx, ks, st, limit);
    } else if (tx) {
        kf_reply_status(req, rc);
    }
    json_decref(filters);
}

/* A column's value at create when none is given: DEF as the type says. */
static json_t *default_value(const kf_col *c)
{
    if (!c->def) return json_null();
    if (c->type == KF_COL_BOOL) return json_boolean(strcmp(c->def, "true") == 0);
    if (c->type == KF_COL_INT) return json_integer(strtoll(c->def, NULL, 10));
    return json_string(c->def);
}

int kf_record_read_columns(kf_input *in, const kf_record_kind *k, json_t *row, int create)
{
    for (size_t i = 0; i < k->ncols; i++) {
        const kf_col *c = &k->cols[i];
        if (c->flags & KF_COL_HIDDEN) continue;
        if (!read_col(in, c, row) && create) {
            if (c->flags & KF_COL_REQUIRED)
                kf_input_fail(in, c->name, "required");
            else
                json_object_set_new(row, c->name, default_value(c));
        }
    }
    return in->fields ? -1 : 0;
}

/* Reads the project and the columns present in the body into a row; 0 on success. */
static int read_input(kf_req *req, kf_input *in, const kf_record_sql *ks, json_t *row, int create)
{
    const kf_record_kind *k = ks->k;
    if (kf_input_begin(in, req, ks->input_names)) return -1;
    if (create && json_object_get(in->body, "version"))
        kf_input_fail(in, "version", "unknown_field");
    if (!k->is_project && create) {
        int64_t project = 0;
        if (kf_input_i64(in, "project_id", 1, 1, INT64_MAX, &project) &&
            !kf_req_sees_project(req, project))
            kf_input_fail(in, "project_id", "unknown_project");
        json_object_set_new(row, "project_id", json_integer(project));
    } else if (!create && json_object_get(in->body, "project_id")) {
        kf_input_fail(in, "project_id", "immutable");
    }
    kf_record_read_columns(in, k, row, create);
    return 0;
}

static void reply_write_error(kf_req *req, write_job *j, kf_input *in, int rc)
{
    if (rc == KF_EINVAL && in->fields) {
        kf_input_end(in);
    } else if (rc == KF_ECONFLICT && j->dependents) {
        json_t *fields = json_object();
        const char *what;
        json_t *n;
        json_object_foreach(j->dependents, what, n)
            json_object_set_new(fields, what, json_string("has_dependents"));
        kf_reply_error_with(req, 409, "has_dependents", fields, "dependents",
                            json_incref(j->dependents));
    } else if (rc == KF_ECONFLICT && j->ks->k->conflict_field) {
        kf_input_fail(in, j->ks->k->conflict_field, "taken");
        if (j->ks->k->conflict_is_invalid)
            kf_reply_error(req, 422, "validation_failed", in->fields);
        else
            kf_reply_error(req, 409, "conflict", in->fields);
        in->fields = NULL;
    } else {
        kf_reply_status(req, rc);
    }
}

static void run_write(kf_req *req, write_job *j, kf_write_fn fn, int status)
{
    j->actor = kf_api_actor(req);
    j->req = req;
    j->now = kf_now_ms();
    int rc = kf_req_write(req, fn, j);
    if (rc != KF_OK)
        reply_write_error(req, j, j->in, rc);
    else if (j->after)
        reply_row(req, status, j->ks, j->after);
    else
        kf_reply_empty(req, 204);
    json_decref(j->before);
    json_decref(j->after);
    json_decref(j->dependents);
}

static void record_create(kf_req *req)
{
    const kf_record_sql *ks = kind_of(req);
    kf_input in;
    json_t *row = json_object();
    write_job j = {.ks = ks, .in = &in, .input_row = row, .action = "create"};
    if (read_input(req, &in, ks, row, 1) == 0 && kf_input_end(&in) == 0)
        run_write(req, &j, write_create, 201);
    json_decref(row);
}

static void record_update(kf_req *req)
{
    const kf_record_sql *ks = kind_of(req);
    kf_input in;
    json_t *row = json_object();
    write_job j = {.ks = ks, .in = &in, .input_row = row, .action = "update"};
    if (kf_req_param_id(req, "id", &j.id) == 0 && read_input(req, &in, ks, row, 0) == 0) {
        kf_input_i64(&in, "version", 1, 1, INT64_MAX, &j.version);
        if (kf_input_end(&in) == 0) run_write(req, &j, write_update, 200);
    }
    json_decref(row);
}

static void record_delete(kf_req *req)
{
    const kf_record_sql *ks = kind_of(req);
    kf_input in;
    kf_query_begin(&in, req);
    write_job j = {.ks = ks, .in = &in, .action = "delete"};
    if (kf_req_param_id(req, "id", &j.id) == 0) run_write(req, &j, write_delete, 204);
}

kf_record_sql *kf_record_sql_new(const kf_record_kind *k)
{
    return build_sql(k);
}

void kf_record_sql_free(kf_record_sql *ks)
{
    record_sql_free(ks);
}

int kf_records_register(kf_router *r, const kf_record_kind *k)
{
    kf_record_sql *ks = build_sql(k);
    kf_router_own(r, ks, record_sql_free);
    char *base = kf_arena_printf(kf_router_arena(r), "/api/v1/%s", k->path);
    char *item = kf_arena_printf(kf_router_arena(r), "/api/v1/%s/{id}", k->path);
    int rc = kf_router_add_data(r, "GET", base, k->perm_read, record_list, 0, ks);
    if (rc == KF_OK) rc = kf_router_add_data(r, "POST", base, k->perm_write, record_create, 0, ks);
    if (rc == KF_OK) rc = kf_router_add_data(r, "GET", item, k->perm_read, record_get, 0, ks);
    /* ledgers keep their history: no changes, no deletes */
    if (rc == KF_OK && !k->append_only)
        rc = kf_router_add_data(r, "PATCH", item, k->perm_write, record_update, 0, ks);
    if (rc == KF_OK && !k->append_only)
        rc = kf_router_add_data(r, "DELETE", item, k->perm_write, record_delete, 0, ks);
    return rc;
}
