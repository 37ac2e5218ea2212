/* Imports of units and people from the CSV files property staff keep in
 * Excel: UTF-8 (with or without BOM) or GB18030/GBK, detected. Every row goes
 * through the same rules as the API (kf_record_read_columns and
 * kf_record_insert) inside ONE write transaction, each row in a savepoint so
 * a bad row is reported and passed over. At the end the transaction commits
 * only if every row was good (or the caller asked to skip bad rows) and this
 * is not a dry run; otherwise it is rolled back and nothing is written. */
#include "api/imports.h"

#include "api/api.h"

#include "api/api_int.h"
#include "api/records.h"
#include "core/csv.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/textenc.h"
#include "core/timeutil.h"

#include <stdlib.h>
#include <string.h>

#define MAX_REPORTED 1000

/* Columns by English name and Chinese aliases; '?' marks optional ones. */
static const char *const unit_columns[] = {"building|楼栋|楼号",
                                           "?entrance|单元",
                                           "floor|楼层",
                                           "number|房号|门牌号",
                                           "?code|房屋编号|房屋代码",
                                           "area|面积|建筑面积",
                                           "?status|状态|房屋状态",
                                           "?delivery_date|交付日期",
                                           "?warranty_end|保修截止|保修到期",
                                           NULL};
enum {
    U_BUILDING,
    U_ENTRANCE,
    U_FLOOR,
    U_NUMBER,
    U_CODE,
    U_AREA,
    U_STATUS,
    U_DELIVERY,
    U_WARRANTY
};
static const char *const unit_fields[] = {"building",     "entrance", "floor",  "number",
                                          "code",         "area",     "status", "delivery_date",
                                          "warranty_end", NULL};

static const char *const people_columns[] = {"name|姓名|名称",
                                             "?mobile|手机|手机号|电话",
                                             "?mobile2|手机2|备用电话",
                                             "?id_number|身份证号|证件号码",
                                             "?grade|客户等级|等级",
                                             "?kind|类型",
                                             "?notes|备注",
                                             "?unit|房屋编号|房号",
                                             "?role|身份|关系",
                                             "?start_date|入住日期|起始日期",
                                             NULL};
enum { P_NAME, P_MOBILE, P_MOBILE2, P_ID, P_GRADE, P_KIND, P_NOTES, P_UNIT, P_ROLE, P_START };
static const char *const people_fields[] = {"name",  "mobile",     "mobile2", "id_number",
                                            "grade", "kind",       "notes",   "unit",
                                            "role",  "start_date", NULL};

typedef struct {
    kf_import *im;
    kf_csv *csv;
    int idx[16]; /* CSV column of each wanted column, or -1 */
    const char *const *fields;
    const kf_record_kind *kind;
    kf_record_sql *sql, *occupancy_sql;
    int64_t now;
} import_run;

static void report(kf_import *im, size_t line, int column, const char *field, const char *reason)
{
    if (json_array_size(im->errors) >= MAX_REPORTED) return;
    json_t *e =
        json_pack("{s:I, s:s, s:s, s:s}", "line", (json_int_t)line, "field", field ? field : "",
                  "reason", reason, "message", kf_msg(im->lang, reason));
    json_object_set_new(e, "column", column >= 0 ? json_integer(column + 1) : json_null());
    json_array_append_new(im->errors, e);
}

/* Numbers in a CSV are text; the API's rules expect JSON numbers. */
static json_t *cell_value(const char *s, int numeric)
{
    if (!numeric) return json_string(s);
    char *end;
    long long n = strtoll(s, &end, 10);
    if (!*end) return json_integer(n);
    double d = strtod(s, &end);
    return *end ? json_string(s) : json_real(d);
}

static int find_id(kf_tx *tx, const char *sql, int64_t project, const char *code, int64_t *id)
{
    return kf_tx_i64(tx, id, sql, "is", project, code);
}

/* The row as an API body; *unit_code is the people file's unit column. */
static json_t *row_body(import_run *r, kf_tx *tx, const kf_csv_row *row, size_t line, int *bad)
{
    kf_import *im = r->im;
    json_t *body = json_object();
    json_t *mobiles = json_array();
    for (int w = 0; r->fields[w] && w < 16; w++) {
        int col = r->idx[w];
        const char *cell = col >= 0 && (size_t)col < row->nfields ? row->fields[col] : "";
        if (!*cell) continue;
        const char *f = r->fields[w];
        if (r->kind == kf_kind_units() && w == U_BUILDING) {
            int64_t building = 0;
            int rc = find_id(tx, "SELECT id FROM buildings WHERE project_id = ? AND code = ?",
                             im->project_id, cell, &building);
            if (rc != KF_OK) {
                report(im, line, col, f, "unknown_building");
                *bad = 1;
                continue;
            }
            json_object_set_new(body, "building_id", json_integer(building));
        } else if (r->kind == kf_kind_people() && (w == P_MOBILE || w == P_MOBILE2)) {
            json_array_append_new(mobiles, json_string(cell));
        } else if (r->kind == kf_kind_people() && (w == P_UNIT || w == P_ROLE || w == P_START)) {
            json_object_set_new(body, f, json_string(cell)); /* used after the insert */
        } else {
            int numeric = r->kind == kf_kind_units() && (w == U_FLOOR || w == U_AREA);
            json_object_set_new(body, f, cell_value(cell, numeric));
        }
    }
    if (json_array_size(mobiles)) json_object_set(body, "mobiles", mobiles);
    json_decref(mobiles);
    return body;
}

/* A people row may name a unit: the person becomes its owner (or ROLE) from
 * START. Everything that can be wrong with it is found here, before the row
 * writes anything; *out is the occupancy to insert once the person exists. */
static int prepare_occupancy(import_run *r, kf_tx *tx, kf_input *in, json_t *body, size_t line,
                             json_t **out)
{
    *out = NULL;
    const char *unit = json_string_value(json_object_get(body, "unit"));
    if (!unit) return KF_OK;
    int64_t unit_id = 0;
    int rc = find_id(tx, "SELECT id FROM units WHERE project_id = ? AND code = ?",
                     r->im->project_id, unit, &unit_id);
    if (rc == KF_ENOTFOUND) {
        report(r->im, line, r->idx[P_UNIT], "unit", "unknown_reference");
        return KF_EINVAL;
    }
    if (rc != KF_OK) return rc;
    const char *role = json_string_value(json_object_get(body, "role"));
    const char *start = json_string_value(json_object_get(body, "start_date"));
    char today[32];
    kf_time_format(r->now, today, sizeof(today));
    today[10] = '\0';
    /* person_id 1 stands in for the person not yet written; it is replaced */
    json_t *occ = json_pack("{s:I, s:I, s:s, s:s}", "person_id", (json_int_t)1, "unit_id",
                            (json_int_t)unit_id, "role", role ? role : "owner", "start_date",
                            start ? start : today);
    kf_input oin = {.req = in->req, .body = occ};
    json_t *orow = json_object();
    json_object_set_new(orow, "project_id", json_integer(r->im->project_id));
    if (kf_record_read_columns(&oin, kf_kind_occupancies(), orow, 1) != 0) {
        const char *key;
        json_t *reason;
        json_object_foreach(oin.fields, key, reason)
        {
            int col = strcmp(key, "role") == 0 ? r->idx[P_ROLE] : r->idx[P_START];
            report(r->im, line, col, key, json_string_value(reason));
        }
        json_decref(oin.fields);
        json_decref(orow);
        rc = KF_EINVAL;
    } else {
        *out = orow;
    }
    json_decref(occ);
    return rc;
}

/* Reports every problem IN collected for the row at LINE. */
static void report_fields(import_run *r, kf_input *in, size_t line, int bad)
{
    const char *key;
    json_t *reason;
    json_object_foreach(in->fields, key, reason)
    {
        if (bad && strcmp(key, "building_id") == 0) continue; /* said as "building" */
        int col = -1;
        for (int w = 0; r->fields[w]; w++)
            if (strcmp(r->fields[w], key) == 0 ||
                (strcmp(key, "building_id") == 0 && strcmp(r->fields[w], "building") == 0) ||
                (strcmp(key, "mobiles") == 0 && strcmp(r->fields[w], "mobile") == 0))
                col = r->idx[w];
        report(r->im, line, col, key, json_string_value(reason));
    }
}

/* Writes one valid row. On SQLite the only statement of a row that can fail
 * on input is its first INSERT (hooks check before they write), and SQLite
 * undoes a failing statement by itself, so a bad row leaves nothing behind
 * without a savepoint — which matters: a savepoint per row costs ~6x and
 * grows with the transaction. PostgreSQL loses the whole transaction on any
 * failed statement, so there each row runs in a savepoint. */
static int write_row(import_run *r, kf_tx *tx, kf_input *in, json_t *rec, json_t *occupancy)
{
    int64_t id = 0;
    int rc = kf_record_insert(tx, r->sql, rec, in, r->now, &id);
    if (rc == KF_ECONFLICT && r->kind->conflict_field)
        kf_input_fail(in, r->kind->conflict_field, "taken");
    if (rc == KF_OK && occupancy) {
        json_object_set_new(occupancy, "person_id", json_integer(id));
        int64_t occupancy_id;
        rc = kf_record_insert(tx, r->occupancy_sql, occupancy, in, r->now, &occupancy_id);
        /* checked beforehand: a failure now is the database's, not the row's */
        if (rc == KF_EINVAL || rc == KF_ECONFLICT) rc = KF_EDB;
    }
    return rc;
}

/* One CSV row: checked, then written, or reported and passed over. */
static int import_row(import_run *r, kf_tx *tx, const kf_csv_row *row)
{
    kf_import *im = r->im;
    int sp = kf_tx_is_postgres(tx), bad = 0;
    int rc = sp ? kf_tx_savepoint(tx) : KF_OK;
    if (rc != KF_OK) return rc;
    json_t *body = row_body(r, tx, row, row->line, &bad);
    kf_input in = {.req = im->req, .body = body};
    json_t *rec = json_object(), *occupancy = NULL;
    json_object_set_new(rec, "project_id", json_integer(im->project_id));
    if (kf_record_read_columns(&in, r->kind, rec, 1) != 0 || bad) rc = KF_EINVAL;
    if (rc == KF_OK && r->kind == kf_kind_people())
        rc = prepare_occupancy(r, tx, &in, body, row->line, &occupancy);
    if (rc == KF_OK) rc = write_row(r, tx, &in, rec, occupancy);
    if (in.fields) report_fields(r, &in, row->line, bad);
    json_decref(in.fields);
    json_decref(occupancy);
    json_decref(rec);
    json_decref(body);
    if (rc == KF_OK) {
        im->written++;
        return sp ? kf_tx_release(tx) : KF_OK;
    }
    if (rc != KF_EINVAL && rc != KF_ECONFLICT && rc != KF_ENOTFOUND) return rc;
    im->invalid_rows++;
    if (!sp) return KF_OK;
    rc = kf_tx_rollback_to(tx);
    return rc == KF_OK ? kf_tx_release(tx) : rc;
}

static int write_import(kf_tx *tx, void *ctx)
{
    import_run *r = ctx;
    kf_import *im = r->im;
    kf_csv_row row;
    int got, rc = KF_OK;
    while (rc == KF_OK && (got = kf_csv_next(r->csv, &row)) == 1) {
        if (kf_csv_row_blank(&row)) continue;
        im->rows++;
        rc = import_row(r, tx, &row);
    }
    if (rc != KF_OK) return rc;
    if (got < 0) { /* a broken file: nothing of it is kept */
        report(im, kf_csv_error_line(r->csv), (int)kf_csv_error_column(r->csv) - 1, NULL,
               kf_csv_error_key(r->csv));
        im->file_error = 1;
        return KF_EINVAL;
    }
    if (im->rows == 0) {
        report(im, 1, -1, NULL, "import_empty");
        im->file_error = 1;
        return KF_EINVAL;
    }
    if (im->invalid_rows && !im->skip_invalid) return KF_EINVAL;
    if (im->dry_run) return KF_DONE; /* a dry run always ends in a rollback */
    json_t *after = json_pack("{s:s, s:I, s:I, s:I, s:s}", "kind", im->kind, "rows",
                              (json_int_t)im->rows, "written", (json_int_t)im->written, "skipped",
                              (json_int_t)im->invalid_rows, "encoding", im->encoding);
    kf_audit_entry e = {
        .entity = "import", .project_id = im->project_id, .action = "import", .after = after};
    rc = kf_audit_write(tx, &im->actor, &e, r->now);
    json_decref(after);
    return rc;
}

/* Encoding and header: problems of the whole file, before any row. */
static int open_file(kf_import *im, import_run *r, char **utf8)
{
    int bin = kf_text_looks_binary(im->data, im->len);
    if (bin) {
        report(im, 1, -1, NULL, "import_not_csv");
        im->detail = kf_text_binary_name(bin);
        return KF_EINVAL;
    }
    kf_encoding enc = kf_text_detect(im->data, im->len);
    im->encoding = kf_text_encoding_name(enc);
    size_t len;
    char err[256];
    if (enc == KF_ENC_UNKNOWN ||
        kf_text_to_utf8(im->data, im->len, enc, 0, utf8, &len, err, sizeof(err)) != KF_OK) {
        report(im, 1, -1, NULL, "import_unknown_encoding");
        return KF_EINVAL;
    }
    r->csv = kf_csv_new(*utf8, len);
    kf_csv_row header;
    int got = kf_csv_next(r->csv, &header);
    if (got <= 0) {
        report(im, got < 0 ? kf_csv_error_line(r->csv) : 1, -1, NULL,
               got < 0 ? kf_csv_error_key(r->csv) : "import_empty");
        return KF_EINVAL;
    }
    const char *const *wanted = r->kind == kf_kind_units() ? unit_columns : people_columns;
    const char *missing = NULL;
    if (kf_csv_header_map(&header, wanted, r->idx, &missing) != 0) {
        report(im, header.line, -1, missing, "import_missing_column");
        return KF_EINVAL;
    }
    return KF_OK;
}

int kf_import_run(kf_store *store, kf_import *im)
{
    import_run r = {.im = im, .now = kf_now_ms()};
    im->errors = json_array();
    im->encoding = "unknown";
    if (strcmp(im->kind, "units") == 0) {
        r.kind = kf_kind_units();
        r.fields = unit_fields;
    } else if (strcmp(im->kind, "people") == 0) {
        r.kind = kf_kind_people();
        r.fields = people_fields;
    } else {
        return KF_EINVAL;
    }
    char *utf8 = NULL;
    int rc = open_file(im, &r, &utf8);
    if (rc != KF_OK) {
        im->file_error = 1;
    } else {
        r.sql = kf_record_sql_new(r.kind);
        r.occupancy_sql = kf_record_sql_new(kf_kind_occupancies());
        rc = kf_store_write_alone(store, write_import, &r);
        kf_record_sql_free(r.sql);
        kf_record_sql_free(r.occupancy_sql);
    }
    kf_csv_free(r.csv);
    free(utf8);
    if (rc == KF_DONE) rc = KF_OK; /* the dry run's deliberate rollback */
    if (rc != KF_OK || im->dry_run) im->written = 0;
    return rc;
}

json_t *kf_import_report(const kf_import *im)
{
    json_t *out = json_pack("{s:s, s:I, s:s, s:b, s:b, s:I, s:I, s:I, s:O}", "kind", im->kind,
                            "project_id", (json_int_t)im->project_id, "encoding", im->encoding,
                            "dry_run", im->dry_run, "skip_invalid", im->skip_invalid, "rows",
                            (json_int_t)im->rows, "invalid_rows", (json_int_t)im->invalid_rows,
                            "written", (json_int_t)im->written, "errors", im->errors);
    if (im->detail) json_object_set_new(out, "detail", json_string(im->detail));
    return out;
}

/* POST /api/v1/imports?kind=units|people&project_id=&dry_run=&skip_invalid= with
 * the file as the body. */
static void import_post(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    kf_import im = {.req = req, .lang = req->lang, .actor = kf_api_actor(req)};
    int64_t dry = 0, skip = 0;
    im.kind = kf_query_str(&in, "kind", 16);
    if (!im.kind || (strcmp(im.kind, "units") != 0 && strcmp(im.kind, "people") != 0))
        kf_input_fail(&in, "kind", im.kind ? "not_in_list" : "required");
    if (!kf_query_i64(&in, "project_id", 1, INT64_MAX, &im.project_id) && !in.fields)
        kf_input_fail(&in, "project_id", "required");
    else if (im.project_id && !kf_req_sees_project(req, im.project_id))
        kf_input_fail(&in, "project_id", "unknown_project");
    kf_query_i64(&in, "dry_run", 0, 1, &dry);
    kf_query_i64(&in, "skip_invalid", 0, 1, &skip);
    if (kf_input_end(&in)) return;
    im.dry_run = (int)dry;
    im.skip_invalid = (int)skip;
    im.data = req->body ? req->body : "";
    im.len = req->body_len;
    kf_req_read_done(req);
    int rc = kf_import_run(req->app->store, &im);
    if (rc == KF_OK)
        kf_reply_json(req, 200, kf_import_report(&im));
    else if (rc == KF_EINVAL)
        kf_reply_error_with(req, 422, "import_failed", NULL, "report", kf_import_report(&im));
    else
        kf_reply_status(req, rc);
    json_decref(im.errors);
}

int kf_api_imports_register(kf_router *r)
{
    return kf_router_add(r, "POST", "/api/v1/imports", "records.write", import_post,
                         KF_ROUTE_LARGE_BODY);
}
