/* The weekly and monthly report document (see report_doc.h). */
#include "api/report_doc.h"

#include "core/err.h"
#include "core/tz.h"
#include "desk/rollup.h"
#include "desk/ticket.h"

#include <string.h>

const char *kf_report_kind_name(kf_report_kind k)
{
    return k == KF_REPORT_WEEKLY ? "weekly" : "monthly";
}

int kf_report_kind_parse(const char *name)
{
    if (!name) return -1;
    if (strcmp(name, "weekly") == 0) return KF_REPORT_WEEKLY;
    if (strcmp(name, "monthly") == 0) return KF_REPORT_MONTHLY;
    return -1;
}

static int month_days(int y, int m)
{
    return (int)(kf_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) -
                 kf_days_from_civil(y, m, 1));
}

/* The monthly end in month Y-M: DAY, or the month's last day. */
static int64_t month_end(int y, int m, int day)
{
    int last = month_days(y, m);
    return kf_days_from_civil(y, m, day < last ? day : last);
}

int64_t kf_report_last_end(kf_report_kind kind, int day, int64_t day_before)
{
    if (kind == KF_REPORT_WEEKLY) return day_before - ((kf_weekday(day_before) - day + 7) % 7);
    int y, m, d;
    kf_civil_from_days(day_before, &y, &m, &d);
    int64_t end = month_end(y, m, day);
    if (end <= day_before) return end;
    return m == 1 ? month_end(y - 1, 12, day) : month_end(y, m - 1, day);
}

void kf_report_period(kf_report_kind kind, int day, int64_t end, int64_t *from, int64_t *prev_from,
                      int64_t *prev_to)
{
    if (kind == KF_REPORT_WEEKLY) {
        *from = end - 6;
        *prev_to = end - 7;
        *prev_from = end - 13;
        return;
    }
    *prev_to = kf_report_last_end(kind, day, end - 1);
    *from = *prev_to + 1;
    *prev_from = kf_report_last_end(kind, day, *prev_to - 1) + 1;
}

/* ---- sections ---- */

typedef struct {
    const char *key, *zh, *en, *kind; /* kind: text, int, ratio, decimal */
} column;

static json_t *section(const kf_stats_env *env, const char *id, const char *zh, const char *en,
                       const column *cols, size_t ncols)
{
    int english = env->lang && strncmp(env->lang, "en", 2) == 0;
    json_t *c = json_array();
    for (size_t i = 0; i < ncols; i++)
        json_array_append_new(c,
                              json_pack("{s:s, s:s, s:s}", "key", cols[i].key, "title",
                                        english ? cols[i].en : cols[i].zh, "kind", cols[i].kind));
    return json_pack("{s:s, s:s, s:o, s:[]}", "id", id, "title", english ? en : zh, "columns", c,
                     "rows");
}

static void add_row(json_t *sec, json_t *row)
{
    json_array_append_new(json_object_get(sec, "rows"), row);
}

static const char *key_name(const json_t *row)
{
    const json_t *key = json_object_get(row, "key");
    const char *s = json_string_value(json_object_get(key, "name"));
    return s ? s : "";
}

/* The one row of a KPI grouped by project (Q's period), borrowed from *DOC. */
static int kpi_total(const kf_stats_env *env, kf_tx *tx, const char *name, const kf_kpi_query *q,
                     json_t **doc, json_t **row)
{
    kf_kpi_query p = *q;
    p.by = KF_BY_PROJECT;
    int rc = kf_stats_kpi_json(env, tx, name, &p, doc);
    if (rc == KF_OK) *row = json_array_get(json_object_get(*doc, "rows"), 0);
    return rc;
}

static json_t *change(json_t *now, json_t *before)
{
    if (json_is_integer(now) && json_is_integer(before))
        return json_integer(json_integer_value(now) - json_integer_value(before));
    if (json_is_number(now) && json_is_number(before))
        return json_real(json_number_value(now) - json_number_value(before));
    return json_null();
}

enum { COUNTS, RATES, AVERAGES }; /* the overview's three tables */

typedef struct {
    const char *kpi, *field, *zh, *en;
    int table;
} overview_item;

static const overview_item overview[] = {
    {"intake", "created", "受理工单", "Taken in", COUNTS},
    {"intake", "invalid", "无效诉求", "Not valid", COUNTS},
    {"intake", "complaints", "投诉", "Complaints", COUNTS},
    {"repairs", "repairs", "报修", "Repairs", COUNTS},
    {"repairs", "repeats", "反复维修", "Repeat repairs", COUNTS},
    {"closure", "closed", "关闭", "Closed", COUNTS},
    {"closure", "reopened", "重新打开", "Reopened", COUNTS},
    {"satisfaction", "follow_ups", "回访", "Follow-up calls", COUNTS},
    {"intake", "invalid_share", "无效诉求占比", "Invalid-request share", RATES},
    {"intake", "complaints_per_100_households", "每百户投诉", "Complaints per 100 households",
     AVERAGES},
    {"repairs", "timeliness", "维修及时率", "Repair timeliness", RATES},
    {"repairs", "repeat_rate", "反复维修率", "Repeat-repair rate", RATES},
    {"closure", "first_time_close_rate", "一次关闭率", "First-time close rate", RATES},
    {"satisfaction", "satisfaction_rate", "回访满意率", "Satisfaction", RATES},
    {"satisfaction", "mean_score_overall", "平均满意度评分", "Mean overall score", AVERAGES},
};

static const char *const kpi_names[] = {"intake", "repairs", "closure", "satisfaction"};

static int overview_sections(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *now,
                             const kf_kpi_query *before, json_t *sections)
{
    json_t *docs[2][4] = {{0}}, *rows[2][4] = {{0}};
    int rc = KF_OK;
    for (int p = 0; p < 2 && rc == KF_OK; p++)
        for (int k = 0; k < 4 && rc == KF_OK; k++)
            rc = kpi_total(env, tx, kpi_names[k], p ? before : now, &docs[p][k], &rows[p][k]);
    static const column counts[] = {{"metric", "指标", "Figure", "text"},
                                    {"now", "本期", "This period", "int"},
                                    {"before", "上期", "Period before", "int"},
                                    {"change", "变化", "Change", "int"}};
    static const column rates[] = {{"metric", "指标", "Figure", "text"},
                                   {"now", "本期", "This period", "ratio"},
                                   {"before", "上期", "Period before", "ratio"},
                                   {"change", "变化", "Change", "ratio"}};
    json_t *c = section(env, "overview", "概览", "Overview", counts, 4);
    json_t *r = section(env, "rates", "服务指标", "Service rates", rates, 4);
    static const column means[] = {{"metric", "指标", "Figure", "text"},
                                   {"now", "本期", "This period", "decimal"},
                                   {"before", "上期", "Period before", "decimal"},
                                   {"change", "变化", "Change", "decimal"}};
    json_t *d = section(env, "averages", "平均值", "Averages", means, 4);
    int english = env->lang && strncmp(env->lang, "en", 2) == 0;
    for (size_t i = 0; rc == KF_OK && i < sizeof(overview) / sizeof(overview[0]); i++) {
        const overview_item *it = &overview[i];
        int k = 0;
        while (strcmp(kpi_names[k], it->kpi) != 0)
            k++;
        json_t *a = json_object_get(rows[0][k], it->field),
               *b = json_object_get(rows[1][k], it->field);
        add_row(it->table == COUNTS  ? c
                : it->table == RATES ? r
                                     : d,
                json_pack("[s, O, O, o]", english ? it->en : it->zh, a ? a : json_null(),
                          b ? b : json_null(), change(a, b)));
    }
    for (int p = 0; p < 2; p++)
        for (int k = 0; k < 4; k++)
            json_decref(docs[p][k]);
    json_array_append_new(sections, c);
    json_array_append_new(sections, r);
    json_array_append_new(sections, d);
    return rc;
}

static const char *const milestone_keys[] = {"acknowledge", "contact",   "plan",
                                             "resolve",     "follow_up", "onsite"};
static const char *const milestone_zh[] = {
    "受理（3 小时）", "联系（24 小时）", "方案（48 小时）", "处理完成", "回访", "经理上门"};

static int milestone_section(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                             json_t *sections)
{
    json_t *doc = NULL, *row = NULL;
    int rc = kpi_total(env, tx, "milestones", q, &doc, &row);
    if (rc != KF_OK) return rc;
    static const column cols[] = {
        {"milestone", "节点", "Milestone", "text"},
        {"due", "应完成", "Due", "int"},
        {"met_in_time", "按时完成", "Met in time", "int"},
        {"compliance", "达成率", "Compliance", "ratio"},
        {"median_hours", "用时中位数（工作小时）", "Median working hours", "decimal"},
        {"p90_hours", "用时 90 分位（工作小时）", "90th percentile hours", "decimal"}};
    json_t *s = section(env, "milestones", "时限达成", "Milestones", cols, 6);
    json_t *ms = json_object_get(row, "milestones");
    int english = env->lang && strncmp(env->lang, "en", 2) == 0;
    for (int m = 0; m < 6; m++) {
        json_t *x = json_object_get(ms, milestone_keys[m]);
        add_row(s, json_pack("[s, O, O, O, O, O]", english ? milestone_keys[m] : milestone_zh[m],
                             json_object_get(x, "due"), json_object_get(x, "met_in_time"),
                             json_object_get(x, "compliance"), json_object_get(x, "median_hours"),
                             json_object_get(x, "p90_hours")));
    }
    json_decref(doc);
    json_array_append_new(sections, s);
    return KF_OK;
}

static int workload_section(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q, kf_kpi_by by,
                            json_t *sections)
{
    kf_kpi_query w = *q;
    w.by = by;
    json_t *doc = NULL;
    int rc = kf_stats_kpi_json(env, tx, "workload", &w, &doc);
    if (rc != KF_OK) return rc;
    static const column cols[] = {
        {"name", "名称", "Name", "text"},
        {"received", "接单", "Received", "int"},
        {"closed", "关闭", "Closed", "int"},
        {"transferred", "转派", "Transferred", "int"},
        {"returned", "退回", "Returned", "int"},
        {"overdue_now", "当前逾期", "Overdue now", "int"},
        {"mean_score_overall", "回访平均分", "Mean follow-up score", "decimal"},
        {"acknowledge_median_hours", "受理用时中位数（小时）", "Acknowledge median hours",
         "decimal"},
        {"resolve_median_hours", "处理用时中位数（小时）", "Resolve median hours", "decimal"},
        {"resolve_p90_hours", "处理用时 90 分位（小时）", "Resolve p90 hours", "decimal"}};
    json_t *s = by == KF_BY_DEPARTMENT
                    ? section(env, "departments", "部门", "Departments", cols, 10)
                    : section(env, "people", "人员", "People", cols, 10);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "rows"), i, r)
    {
        json_t *wh = json_object_get(r, "working_hours");
        json_t *ack = json_object_get(wh, "acknowledge"), *res = json_object_get(wh, "resolve");
        add_row(s,
                json_pack(
                    "[s, O, O, O, O, O, O, O, O, O]", key_name(r), json_object_get(r, "received"),
                    json_object_get(r, "closed"), json_object_get(r, "transferred"),
                    json_object_get(r, "returned"), json_object_get(r, "overdue_now"),
                    json_object_get(r, "mean_score_overall"), json_object_get(ack, "median_hours"),
                    json_object_get(res, "median_hours"), json_object_get(res, "p90_hours")));
    }
    json_decref(doc);
    json_array_append_new(sections, s);
    return KF_OK;
}

static int hot_section(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q, json_t *sections)
{
    kf_kpi_query h = *q;
    h.by = KF_BY_MONTH;
    json_t *doc = NULL;
    int rc = kf_stats_hot_issues_json(env, tx, &h, &doc);
    if (rc != KF_OK) return rc;
    static const column cols[] = {
        {"month", "月份", "Month", "text"},          {"category", "分类", "Category", "text"},
        {"building", "楼栋", "Building", "text"},    {"count", "件数", "Count", "int"},
        {"previous", "上月", "Month before", "int"}, {"change", "变化", "Change", "int"}};
    json_t *s = section(env, "hot_issues", "热点问题", "Hot issues", cols, 6);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(doc, "rows"), i, r)
    {
        json_t *k = json_object_get(r, "key");
        const char *cat =
            json_string_value(json_object_get(json_object_get(k, "category"), "name"));
        const char *bld =
            json_string_value(json_object_get(json_object_get(k, "building"), "name"));
        add_row(s, json_pack("[O, s, s, O, O, O]", json_object_get(k, "month"), cat ? cat : "",
                             bld ? bld : "", json_object_get(r, "count"),
                             json_object_get(r, "previous"), json_object_get(r, "change")));
    }
    json_decref(doc);
    json_array_append_new(sections, s);
    return KF_OK;
}

/* ---- the complaint analysis (投诉分析) ---- */

static json_t *name_json(const kf_stats_env *env, kf_tx *tx, kf_kpi_by by, int64_t id)
{
    json_t *k = kf_stats_key_json(env, tx, by, id);
    json_t *name = json_incref(json_object_get(k, "name"));
    json_decref(k);
    return name ? name : json_string("");
}

static int complaint_categories(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                                int64_t prev_from, json_t *sections)
{
    static const column cols[] = {{"department", "部门", "Department", "text"},
                                  {"category", "分类", "Category", "text"},
                                  {"now", "本期投诉", "Complaints", "int"},
                                  {"before", "上期", "Period before", "int"},
                                  {"change", "变化", "Change", "int"}};
    json_t *s = section(env, "complaints", "投诉分析（部门 × 分类）",
                        "Complaints by department and category", cols, 5);
    json_array_append_new(sections, s);
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT department_id, category_id,"
                         " CAST(SUM(CASE WHEN day >= ? THEN 1 ELSE 0 END) AS BIGINT),"
                         " CAST(SUM(CASE WHEN day < ? THEN 1 ELSE 0 END) AS BIGINT)"
                         " FROM ticket_facts WHERE project_id = ? AND metric = 'created'"
                         " AND type = 'complaint' AND day >= ? AND day <= ?"
                         " GROUP BY department_id, category_id ORDER BY 3 DESC, 1, 2",
                         "iiiii", q->from, q->from, q->project, prev_from, q->to);
    if (rc != KF_OK) return rc;
    /* the names are read after the rows: one statement at a time */
    int64_t keys[512][4];
    size_t n = 0;
    while (n < 512 && (rc = kf_stmt_step(st)) == KF_ROW) {
        for (int i = 0; i < 4; i++)
            keys[n][i] = kf_stmt_i64(st, i);
        n++;
    }
    if (rc != KF_DONE && rc != KF_ROW) return rc;
    for (size_t i = 0; i < n; i++)
        add_row(s, json_pack("[o, o, I, I, I]", name_json(env, tx, KF_BY_DEPARTMENT, keys[i][0]),
                             name_json(env, tx, KF_BY_CATEGORY, keys[i][1]), (json_int_t)keys[i][2],
                             (json_int_t)keys[i][3], (json_int_t)(keys[i][2] - keys[i][3])));
    return KF_OK;
}

static int complaint_deadlines(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q,
                               json_t *sections)
{
    static const column cols[] = {{"department", "部门", "Department", "text"},
                                  {"due", "应完成时限", "Deadlines due", "int"},
                                  {"missed", "逾期", "Missed", "int"},
                                  {"overdue_now", "当前逾期投诉", "Overdue now", "int"}};
    json_t *s = section(env, "complaint_deadlines", "投诉时限", "Complaint deadlines", cols, 4);
    json_array_append_new(sections, s);
    kf_stmt *st;
    int rc = kf_tx_query(
        tx, &st,
        "SELECT department_id, CAST(SUM(due) AS BIGINT), CAST(SUM(missed) AS BIGINT),"
        " CAST(SUM(late) AS BIGINT) FROM ("
        " SELECT department_id, n AS due, n - total AS missed, 0 AS late FROM ticket_rollups"
        " WHERE project_id = ? AND metric >= 'clock.' AND metric < 'clock/' AND grain = 'd'"
        " AND type = 'complaint' AND day >= ? AND day <= ?"
        " UNION ALL SELECT COALESCE(department_id, 0), 0, 0, 1 FROM tickets"
        " WHERE project_id = ? AND type = 'complaint' AND next_due_at IS NOT NULL"
        " AND next_due_at < ?) x GROUP BY department_id ORDER BY 3 DESC, 1",
        "iiiii", q->project, q->from, q->to, q->project, env->now);
    if (rc != KF_OK) return rc;
    int64_t rows[512][4];
    size_t n = 0;
    while (n < 512 && (rc = kf_stmt_step(st)) == KF_ROW) {
        for (int i = 0; i < 4; i++)
            rows[n][i] = kf_stmt_i64(st, i);
        n++;
    }
    if (rc != KF_DONE && rc != KF_ROW) return rc;
    for (size_t i = 0; i < n; i++)
        add_row(s,
                json_pack("[o, I, I, I]", name_json(env, tx, KF_BY_DEPARTMENT, rows[i][0]),
                          (json_int_t)rows[i][1], (json_int_t)rows[i][2], (json_int_t)rows[i][3]));
    return KF_OK;
}

static int root_causes(const kf_stats_env *env, kf_tx *tx, const kf_kpi_query *q, json_t *sections)
{
    static const column cols[] = {{"ticket_id", "工单", "Ticket", "int"},
                                  {"closed_on", "关闭日期", "Closed on", "text"},
                                  {"department", "部门", "Department", "text"},
                                  {"category", "分类", "Category", "text"},
                                  {"subject", "主题", "Subject", "text"},
                                  {"root_cause", "根本原因", "Root cause", "text"}};
    json_t *s =
        section(env, "root_causes", "投诉根本原因", "Root causes of closed complaints", cols, 6);
    json_array_append_new(sections, s);
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT f.ticket_id, f.day, f.department_id, f.category_id, t.subject,"
                         " t.root_cause FROM ticket_facts f JOIN tickets t ON t.id = f.ticket_id"
                         " WHERE f.project_id = ? AND f.metric = 'closed' AND f.type = 'complaint'"
                         " AND f.day >= ? AND f.day <= ? ORDER BY f.department_id, f.id LIMIT 1000",
                         "iii", q->project, q->from, q->to);
    if (rc != KF_OK) return rc;
    json_t *pending = json_array(); /* names are read once the statement is done */
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        char day[16];
        kf_date_format(kf_stmt_i64(st, 1), day, sizeof(day));
        json_array_append_new(
            pending,
            json_pack("[I, s, I, I, s, s?]", (json_int_t)kf_stmt_i64(st, 0), day,
                      (json_int_t)kf_stmt_i64(st, 2), (json_int_t)kf_stmt_i64(st, 3),
                      kf_stmt_text(st, 4) ? kf_stmt_text(st, 4) : "", kf_stmt_text(st, 5)));
    }
    size_t i;
    json_t *r;
    json_array_foreach(pending, i, r)
    {
        json_array_set_new(
            r, 2, name_json(env, tx, KF_BY_DEPARTMENT, json_integer_value(json_array_get(r, 2))));
        json_array_set_new(
            r, 3, name_json(env, tx, KF_BY_CATEGORY, json_integer_value(json_array_get(r, 3))));
        add_row(s, json_incref(r));
    }
    json_decref(pending);
    return rc == KF_DONE ? KF_OK : rc;
}

int kf_report_build(const kf_stats_env *env, kf_tx *tx, int64_t project, kf_report_kind kind,
                    int day, int64_t from, int64_t to, json_t **out)
{
    kf_kpi_query now = {.project = project, .from = from, .to = to, .by = KF_BY_PROJECT};
    kf_kpi_query before = now;
    int64_t ignored;
    kf_report_period(kind, day, to, &ignored, &before.from, &before.to);
    if (kind == KF_REPORT_WEEKLY ||
        from != ignored) { /* a period given by hand: the same length before */
        before.to = from - 1;
        before.from = from - (to - from + 1);
    }
    json_t *sections = json_array();
    int rc = overview_sections(env, tx, &now, &before, sections);
    if (rc == KF_OK) rc = milestone_section(env, tx, &now, sections);
    if (rc == KF_OK) rc = workload_section(env, tx, &now, KF_BY_DEPARTMENT, sections);
    if (rc == KF_OK) rc = workload_section(env, tx, &now, KF_BY_PERSON, sections);
    if (rc == KF_OK) rc = hot_section(env, tx, &now, sections);
    if (rc == KF_OK) rc = complaint_categories(env, tx, &now, before.from, sections);
    if (rc == KF_OK) rc = complaint_deadlines(env, tx, &now, sections);
    if (rc == KF_OK) rc = root_causes(env, tx, &now, sections);
    if (rc != KF_OK) {
        json_decref(sections);
        return rc;
    }
    char f[16], t[16], pf[16], pt[16];
    kf_date_format(from, f, sizeof(f));
    kf_date_format(to, t, sizeof(t));
    kf_date_format(before.from, pf, sizeof(pf));
    kf_date_format(before.to, pt, sizeof(pt));
    kf_stmt *st;
    json_t *project_name = NULL;
    if (kf_tx_query(tx, &st, "SELECT name FROM projects WHERE id = ?", "i", project) == KF_OK &&
        kf_stmt_step(st) == KF_ROW)
        project_name = json_string(kf_stmt_text(st, 0) ? kf_stmt_text(st, 0) : "");
    *out = json_pack("{s:s, s:{s:I, s:o}, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:o}", "kind",
                     kf_report_kind_name(kind), "project", "id", (json_int_t)project, "name",
                     project_name ? project_name : json_string(""), "period", "from", f, "to", t,
                     "previous", "from", pf, "to", pt, "language", env->lang ? env->lang : "zh-CN",
                     "sections", sections);
    return *out ? KF_OK : KF_EIO;
}
