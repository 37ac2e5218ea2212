/* A report to Excel or CSV: one sheet per section of its document, then the
 * tickets taken in during the period (工单明细), streamed from the database
 * row by row into the file, so a 100,000-ticket month never sits in memory.
 *   GET /api/v1/reports/{id}/export?format=xlsx|csv
 * and `kefu report` (src/cli/report.c) write through kf_report_export. */
#include "api/report_export.h"

#include "api/reports.h"
#include "core/err.h"
#include "core/tz.h"
#include "http/app.h"
#include "http/router.h"

#include <stdio.h>
#include <string.h>

static kf_col_kind col_kind(const char *kind)
{
    if (!kind) return KF_COL_TEXT;
    if (strcmp(kind, "int") == 0) return KF_COL_INT;
    if (strcmp(kind, "ratio") == 0) return KF_COL_RATIO;
    if (strcmp(kind, "decimal") == 0) return KF_COL_DECIMAL;
    return KF_COL_TEXT;
}

static int cell(kf_table_out *o, kf_col_kind kind, const json_t *v)
{
    if (json_is_null(v) || !v) return kf_table_empty(o);
    if (json_is_string(v)) return kf_table_text(o, json_string_value(v));
    if (kind == KF_COL_TEXT) { /* a number in a text column (a ticket id) */
        char num[32];
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        return json_is_integer(v) ? kf_table_text(o, num) : kf_table_empty(o);
    }
    if (json_is_integer(v) && kind == KF_COL_INT) return kf_table_int(o, json_integer_value(v));
    return kf_table_real(o, json_number_value(v));
}

static int write_section(kf_table_out *o, const json_t *sec, const char *title_line)
{
    const json_t *cols = json_object_get(sec, "columns");
    size_t n = json_array_size(cols), i;
    if (n == 0 || n > 32) return KF_EINVAL;
    kf_table_col c[32];
    kf_col_kind kinds[32];
    for (i = 0; i < n; i++) {
        const json_t *col = json_array_get(cols, i);
        kinds[i] = col_kind(json_string_value(json_object_get(col, "kind")));
        c[i] = (kf_table_col){json_string_value(json_object_get(col, "title")), kinds[i], 0};
    }
    int rc = kf_table_sheet(o, json_string_value(json_object_get(sec, "title")), title_line, c, n);
    const json_t *row;
    size_t r;
    json_array_foreach(json_object_get(sec, "rows"), r, row)
    {
        for (i = 0; i < n && rc == KF_OK; i++)
            rc = cell(o, kinds[i], json_array_get(row, i));
        if (rc == KF_OK) rc = kf_table_row_end(o);
        if (rc != KF_OK) break;
    }
    return rc;
}

/* ---- the tickets of the period ---- */

static const char *const type_zh[][2] = {
    {"repair", "报修"},     {"complaint", "投诉"},
    {"inquiry", "咨询"},    {"service_request", "服务请求"},
    {"suggestion", "建议"}, {"praise", "表扬"},
};
static const char *const status_zh[][2] = {
    {"new", "新建"},
    {"dispatched", "已派单"},
    {"acknowledged", "已接单"},
    {"contacted", "已联系"},
    {"scheduled", "已预约"},
    {"on_hold", "挂起"},
    {"resolved", "已处理"},
    {"follow_up", "回访中"},
    {"closed", "已关闭"},
    {"reopened", "重新打开"},
    {"cancelled", "已取消"},
    {"merged", "已合并"},
    {"closed_invalid", "无效"},
};

static const char *label(const char *const (*table)[2], size_t n, const char *code, int english)
{
    for (size_t i = 0; code && !english && i < n; i++)
        if (strcmp(table[i][0], code) == 0) return table[i][1];
    return code ? code : "";
}

static const kf_table_col ticket_cols_zh[] = {
    {"工单号", KF_COL_INT, 10},    {"受理时间", KF_COL_TIME, 17}, {"类型", KF_COL_TEXT, 8},
    {"分类", KF_COL_TEXT, 12},     {"楼栋", KF_COL_TEXT, 10},     {"主题", KF_COL_TEXT, 36},
    {"责任部门", KF_COL_TEXT, 14}, {"处理人", KF_COL_TEXT, 10},   {"状态", KF_COL_TEXT, 8},
    {"处理完成", KF_COL_TIME, 17}, {"关闭时间", KF_COL_TIME, 17}, {"一次关闭", KF_COL_TEXT, 8},
    {"反复维修", KF_COL_TEXT, 8},  {"重开次数", KF_COL_INT, 8},
};
static const kf_table_col ticket_cols_en[] = {
    {"Ticket", KF_COL_INT, 10},      {"Taken in", KF_COL_TIME, 17},
    {"Type", KF_COL_TEXT, 10},       {"Category", KF_COL_TEXT, 14},
    {"Building", KF_COL_TEXT, 10},   {"Subject", KF_COL_TEXT, 36},
    {"Department", KF_COL_TEXT, 14}, {"Handler", KF_COL_TEXT, 12},
    {"Status", KF_COL_TEXT, 12},     {"Resolved", KF_COL_TIME, 17},
    {"Closed", KF_COL_TIME, 17},     {"First-time close", KF_COL_TEXT, 8},
    {"Repeat", KF_COL_TEXT, 8},      {"Reopened", KF_COL_INT, 8},
};

static int time_cell(kf_table_out *o, kf_stmt *st, int col)
{
    return kf_stmt_isnull(st, col) ? kf_table_empty(o) : kf_table_int(o, kf_stmt_i64(st, col));
}

static int write_tickets(kf_tx *tx, kf_table_out *o, int64_t project, int64_t from, int64_t to,
                         int english)
{
    const kf_table_col *cols = english ? ticket_cols_en : ticket_cols_zh;
    int rc = kf_table_sheet(o, english ? "Tickets" : "工单明细", NULL, cols, 14);
    if (rc != KF_OK) return rc;
    kf_stmt *st;
    rc = kf_tx_query(
        tx, &st,
        "SELECT t.id, t.created_at, t.type, CASE WHEN CAST(? AS BIGINT) = 1 THEN c.name_en"
        " ELSE c.name_zh END, b.name, t.subject, d.name, u.display_name, t.status,"
        " t.resolved_at, t.closed_at, t.reopen_count, t.repeat_of"
        " FROM ticket_facts f JOIN tickets t ON t.id = f.ticket_id"
        " LEFT JOIN ticket_categories c ON c.id = t.category_id"
        " LEFT JOIN units un ON un.id = t.unit_id LEFT JOIN buildings b ON b.id = un.building_id"
        " LEFT JOIN departments d ON d.id = t.department_id"
        " LEFT JOIN users u ON u.id = t.assignee_id"
        " WHERE f.project_id = ? AND f.metric = 'created' AND f.day >= ? AND f.day <= ?"
        " ORDER BY f.day, f.id",
        "iiii", (int64_t)english, project, from, to);
    while (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_ROW) {
        const char *yes = english ? "yes" : "是", *no = english ? "no" : "否";
        const char *status = kf_stmt_text(st, 8);
        rc = kf_table_int(o, kf_stmt_i64(st, 0));
        if (rc == KF_OK) rc = kf_table_int(o, kf_stmt_i64(st, 1));
        if (rc == KF_OK) rc = kf_table_text(o, label(type_zh, 6, kf_stmt_text(st, 2), english));
        for (int c = 3; c <= 7 && rc == KF_OK; c++)
            rc = kf_table_text(o, kf_stmt_text(st, c));
        if (rc == KF_OK) rc = kf_table_text(o, label(status_zh, 13, status, english));
        if (rc == KF_OK) rc = time_cell(o, st, 9);
        if (rc == KF_OK) rc = time_cell(o, st, 10);
        if (rc == KF_OK)
            rc = kf_table_text(o, status && strcmp(status, "closed") == 0
                                      ? (kf_stmt_i64(st, 11) == 0 ? yes : no)
                                      : "");
        if (rc == KF_OK) rc = kf_table_text(o, kf_stmt_isnull(st, 12) ? no : yes);
        if (rc == KF_OK) rc = kf_table_int(o, kf_stmt_i64(st, 11));
        if (rc == KF_OK) rc = kf_table_row_end(o);
    }
    return rc == KF_DONE ? KF_OK : rc;
}

int kf_report_export(kf_tx *tx, const json_t *doc, kf_table_out *o)
{
    const json_t *period = json_object_get(doc, "period");
    const char *from = json_string_value(json_object_get(period, "from"));
    const char *to = json_string_value(json_object_get(period, "to"));
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    const char *lang = json_string_value(json_object_get(doc, "language"));
    int english = lang && strncmp(lang, "en", 2) == 0;
    const char *name = json_string_value(json_object_get(json_object_get(doc, "project"), "name"));
    int64_t project = json_integer_value(json_object_get(json_object_get(doc, "project"), "id"));
    int64_t f = 0, t = 0;
    if (!from || !to || kf_date_parse(from, &f) != 0 || kf_date_parse(to, &t) != 0)
        return KF_EINVAL;
    char title[256];
    int weekly = kind && strcmp(kind, "weekly") == 0;
    snprintf(title, sizeof(title), "%s %s（%s 至 %s）", name ? name : "",
             english ? (weekly ? "weekly report" : "monthly report") : (weekly ? "周报" : "月报"),
             from, to);
    int rc = KF_OK;
    const json_t *sec;
    size_t i;
    json_array_foreach(json_object_get(doc, "sections"), i, sec)
    {
        rc = write_section(o, sec, title);
        if (rc != KF_OK) return rc;
    }
    return write_tickets(tx, o, project, f, t, english);
}

/* ---- GET /api/v1/reports/{id}/export ---- */

static void report_export(kf_req *req)
{
    int64_t id, project;
    if (kf_req_param_id(req, "id", &id) != 0) return;
    const char *format = kf_req_query(req, "format");
    kf_table_format fmt = KF_TABLE_XLSX;
    if (format && strcmp(format, "csv") == 0) {
        fmt = KF_TABLE_CSV;
    } else if (format && strcmp(format, "xlsx") != 0) {
        kf_reply_error(req, 422, "validation_failed", json_pack("{s:s}", "format", "not_in_list"));
        return;
    }
    json_t *row = NULL, *doc = NULL;
    int rc = kf_reports_snapshot(req, id, &project, &row, &doc);
    kf_tx *tx = rc == KF_OK ? kf_req_read(req) : NULL;
    char tz[64] = "Asia/Shanghai";
    kf_stmt *st;
    if (tx &&
        kf_tx_query(tx, &st, "SELECT timezone FROM projects WHERE id = ?", "i", project) == KF_OK &&
        kf_stmt_step(st) == KF_ROW && kf_stmt_text(st, 0))
        snprintf(tz, sizeof(tz), "%s", kf_stmt_text(st, 0));
    kf_table_out *o = NULL;
    int fd = -1;
    uint64_t size = 0;
    if (rc == KF_OK && !tx) rc = KF_EBUSY;
    if (rc == KF_OK) rc = kf_table_open_temp(fmt, NULL, tz, &o);
    if (rc == KF_OK) {
        rc = kf_report_export(tx, doc, o);
        int closed = rc == KF_OK ? kf_table_close_fd(o, &fd, &size) : kf_table_close(o);
        if (rc == KF_OK) rc = closed;
    }
    char name[96];
    if (rc == KF_OK) {
        int weekly = strcmp(json_string_value(json_object_get(row, "kind")), "weekly") == 0;
        snprintf(name, sizeof(name), "%s-%s.%s", weekly ? "周报" : "月报",
                 json_string_value(json_object_get(row, "to")),
                 fmt == KF_TABLE_CSV ? "csv" : "xlsx");
    }
    json_decref(row);
    json_decref(doc);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_file(req, 200, kf_table_content_type(fmt), fd, size, name);
}

int kf_api_report_export_register(kf_router *r)
{
    return kf_router_add(r, "GET", "/api/v1/reports/{id}/export", "reports.read", report_export,
                         KF_ROUTE_WORKER);
}
