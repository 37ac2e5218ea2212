/* The working calendar deadlines count in: a project's working hours per
 * weekday (GET/PUT /api/v1/projects/{id}/calendar), and the holidays and
 * make-up working days (调休) of the national schedule (project 0 in
 * calendar_days) or of one project, added one by one or imported from an
 * iCalendar file. Reading needs tickets.read, writing desk.configure. */
#include "api/api.h"
#include "api/api_int.h"
#include "api/desk_config_int.h"
#include "api/records.h"

#include "core/err.h"
#include "core/i18n.h"
#include "desk/calendar.h"
#include "domain/ical.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DAYS_LISTED 5000
#define MAX_IMPORT_DAYS 5000
#define IMPORT_SHOWN    50

static int weekday_index(const char *key)
{
    for (int d = 0; d < 7; d++)
        if (key && strcmp(kf_weekday_keys[d], key) == 0) return d;
    return -1;
}

/* ---- the week ---- */

static int cmp_window(const void *a, const void *b)
{
    const char *x = json_string_value(json_array_get(*(json_t *const *)a, 0));
    const char *y = json_string_value(json_array_get(*(json_t *const *)b, 0));
    return strcmp(x, y);
}

/* WEEK with every weekday present, mon…sun in order, each day's windows
 * sorted by start ("HH:MM" sorts as text) when they are all pairs of
 * strings; anything else is copied for kf_week_parse to refuse. New
 * reference, or NULL when WEEK is not an object. */
static json_t *week_normalize(const json_t *week)
{
    if (!json_is_object(week)) return NULL;
    json_t *out = json_object();
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)week, key, val)
    {
        if (weekday_index(key) < 0) json_object_set(out, key, val); /* refused later */
    }
    for (int d = 0; d < 7; d++) {
        const json_t *list = json_object_get(week, kf_weekday_keys[d]);
        if (!list) {
            json_object_set_new(out, kf_weekday_keys[d], json_array());
            continue;
        }
        json_t *copy = json_deep_copy(list);
        size_t n = json_is_array(copy) ? json_array_size(copy) : 0, ok = n > 0 && n <= 16;
        for (size_t i = 0; ok && i < n; i++) {
            const json_t *p = json_array_get(copy, i);
            ok = json_is_array(p) && json_array_size(p) == 2 &&
                 json_is_string(json_array_get(p, 0)) && json_is_string(json_array_get(p, 1));
        }
        if (ok) {
            json_t *items[16];
            for (size_t i = 0; i < n; i++)
                items[i] = json_incref(json_array_get(copy, i));
            qsort(items, n, sizeof(items[0]), cmp_window);
            json_array_clear(copy);
            for (size_t i = 0; i < n; i++)
                json_array_append_new(copy, items[i]);
        }
        json_object_set_new(out, kf_weekday_keys[d], copy);
    }
    return out;
}

/* The answer of GET/PUT: the project's calendar, or the default week. */
static int calendar_view(kf_tx *tx, int64_t project, json_t **out)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT p.timezone, w.week, w.makeup_weekday, w.version, w.updated_at"
                         " FROM projects p LEFT JOIN work_calendars w ON w.project_id = p.id"
                         " WHERE p.id = ?",
                         "i", project);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc == KF_DONE) return KF_ENOTFOUND;
    if (rc != KF_ROW) return rc;
    int is_default = kf_stmt_isnull(st, 1);
    json_t *stored = json_loads(is_default ? KF_DEFAULT_WEEK : kf_stmt_text(st, 1), 0, NULL);
    json_t *week = week_normalize(stored);
    json_decref(stored);
    int64_t makeup = is_default ? 0 : kf_stmt_i64(st, 2);
    if (makeup < 0 || makeup > 6) makeup = 0;
    *out = json_pack("{s:I, s:s, s:o, s:s, s:b, s:I, s:o}", "project_id", (json_int_t)project,
                     "timezone", kf_stmt_text(st, 0) ? kf_stmt_text(st, 0) : "Asia/Shanghai",
                     "week", week ? week : json_object(), "makeup_weekday", kf_weekday_keys[makeup],
                     "is_default", is_default, "version",
                     (json_int_t)(is_default ? 0 : kf_stmt_i64(st, 3)), "updated_at",
                     kf_api_time(is_default ? 0 : kf_stmt_i64(st, 4)));
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
    }
    return rc == KF_DONE ? KF_OK : rc;
}

static void calendar_get(kf_req *req)
{
    int64_t project;
    json_t *out;
    if (kf_req_param_id(req, "id", &project)) return;
    if (!kf_req_sees_project(req, project)) {
        kf_reply_status(req, KF_ENOTFOUND);
        return;
    }
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    int rc = calendar_view(tx, project, &out);
    if (rc != KF_OK)
        kf_reply_status(req, rc);
    else
        kf_reply_json(req, 200, out);
}

typedef struct {
    kf_actor actor;
    int64_t project, version, makeup, now; /* version -1: not given */
    int set_makeup;
    const char *week; /* normalized JSON text */
    json_t *before, *after;
} calendar_job;

static int write_calendar(kf_tx *tx, void *ctx)
{
    calendar_job *j = ctx;
    int rc = calendar_view(tx, j->project, &j->before);
    if (rc != KF_OK) return rc;
    int64_t current = json_integer_value(json_object_get(j->before, "version"));
    if (j->version >= 0 && j->version != current) return KF_ESTALE;
    if (!j->set_makeup)
        j->makeup = weekday_index(json_string_value(json_object_get(j->before, "makeup_weekday")));
    int64_t changes = 0;
    if (current)
        rc = kf_tx_exec(tx, &changes,
                        "UPDATE work_calendars SET week = ?, makeup_weekday = ?, updated_at = ?,"
                        " version = version + 1 WHERE project_id = ? AND version = ?",
                        "siiii", j->week, j->makeup, j->now, j->project, current);
    else
        rc = kf_tx_exec(tx, &changes,
                        "INSERT INTO work_calendars (project_id, week, makeup_weekday, created_at,"
                        " updated_at, version) VALUES (?, ?, ?, ?, ?, 1)",
                        "isiii", j->project, j->week, j->makeup, j->now, j->now);
    if (rc == KF_ECONFLICT || (rc == KF_OK && changes != 1)) return KF_ESTALE;
    if (rc == KF_OK) rc = calendar_view(tx, j->project, &j->after);
    if (rc != KF_OK) return rc;
    kf_audit_entry e = {.entity = "work_calendar",
                        .entity_id = j->project,
                        .project_id = j->project,
                        .action = current ? "update" : "create",
                        .before = j->before,
                        .after = j->after};
    return kf_audit_write(tx, &j->actor, &e, j->now);
}

/* kf_week_parse's "bad_time" is about RFC 3339 elsewhere; here it is a window. */
static const char *week_reason(const char *reason)
{
    return strcmp(reason, "bad_time") == 0 ? "bad_window" : reason;
}

static void calendar_put(kf_req *req)
{
    static const char *const names[] = {"week", "makeup_weekday", "version", NULL};
    calendar_job j = {.actor = kf_api_actor(req), .version = -1, .now = kf_app_now(req->app)};
    if (kf_req_param_id(req, "id", &j.project)) return;
    if (!kf_req_sees_project(req, j.project)) {
        kf_reply_status(req, KF_ENOTFOUND);
        return;
    }
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    json_t *week = json_object_get(in.body, "week"), *norm = NULL;
    if (!week || json_is_null(week)) {
        kf_input_fail(&in, "week", "required");
    } else {
        norm = week_normalize(week);
        kf_workcal cal = {0};
        const char *field = "week", *reason = "invalid";
        if (!norm || kf_week_parse(norm, &cal, &field, &reason) != 0) {
            const char *name = strcmp(field, "week") == 0
                                   ? "week"
                                   : kf_arena_printf(&req->arena, "week.%s", field);
            kf_input_fail(&in, name, week_reason(reason));
        }
    }
    const char *makeup = kf_input_str(&in, "makeup_weekday", 0, 1, 16);
    if (makeup && weekday_index(makeup) < 0) kf_input_fail(&in, "makeup_weekday", "not_in_list");
    j.set_makeup = makeup && weekday_index(makeup) >= 0;
    j.makeup = j.set_makeup ? weekday_index(makeup) : 0;
    kf_input_i64(&in, "version", 0, 0, INT64_MAX, &j.version);
    char *text = norm && !in.fields ? json_dumps(norm, JSON_COMPACT) : NULL;
    json_decref(norm);
    if (kf_input_end(&in)) return;
    if (!text) {
        kf_reply_status(req, KF_EIO);
        return;
    }
    j.week = text;
    int rc = kf_req_write(req, write_calendar, &j);
    if (rc == KF_OK) kf_calendar_cache_clear(req->app->calendars); /* deadlines use it */
    free(text);
    if (rc != KF_OK)
        kf_reply_status(req, rc);
    else
        kf_reply_json(req, 200, json_incref(j.after));
    json_decref(j.before);
    json_decref(j.after);
}

/* ---- holidays and make-up days ---- */

static json_t *day_json(int64_t id, int64_t project, const char *day, const char *kind,
                        const char *name)
{
    json_t *out = json_pack("{s:I, s:o, s:s, s:s, s:s}", "id", (json_int_t)id, "project_id",
                            project ? json_integer(project) : json_null(), "day", day, "kind", kind,
                            "name", name ? name : "");
    return out;
}

/* A date query parameter; 1 when present and valid. */
static int query_date(kf_input *in, const char *key, const char **out)
{
    const char *v = kf_query_str(in, key, 10);
    if (!v) return 0;
    if (!kf_date_valid(v)) {
        kf_input_fail(in, key, "invalid_date");
        return 0;
    }
    *out = v;
    return 1;
}

/* The national days, overlaid with the project's own (which win on the same day). */
static void days_list(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    int64_t project = 0;
    const char *from = "0000-00-00", *to = "9999-99-99";
    if (kf_query_i64(&in, "project_id", 1, INT64_MAX, &project) &&
        !kf_req_sees_project(req, project))
        kf_input_fail(&in, "project_id", "unknown_project");
    int has_from = query_date(&in, "from", &from), has_to = query_date(&in, "to", &to);
    if (has_from && has_to && strcmp(to, from) < 0) kf_input_fail(&in, "to", "out_of_range");
    if (kf_input_end(&in)) return;
    kf_tx *tx = kf_req_read(req);
    kf_stmt *st;
    if (!tx) return;
    int rc = kf_tx_query(tx, &st,
                         "SELECT id, project_id, day, kind, name FROM calendar_days"
                         " WHERE project_id IN (0, ?) AND day >= ? AND day <= ?"
                         " ORDER BY day, project_id LIMIT ?",
                         "issi", project, from, to, (int64_t)MAX_DAYS_LISTED * 2);
    json_t *items = json_array();
    char last[16] = ""; /* the day of the last item kept */
    while (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_ROW) {
        const char *day = kf_stmt_text(st, 2);
        size_t n = json_array_size(items);
        int same = n && strcmp(last, day) == 0; /* the project's row comes second */
        if (!same && n >= MAX_DAYS_LISTED) break;
        json_t *item = day_json(kf_stmt_i64(st, 0), kf_stmt_i64(st, 1), day, kf_stmt_text(st, 3),
                                kf_stmt_text(st, 4));
        if (same)
            json_array_set_new(items, n - 1, item);
        else
            json_array_append_new(items, item);
        snprintf(last, sizeof(last), "%s", day);
        rc = KF_OK;
    }
    if (rc == KF_ROW) rc = KF_DONE; /* stopped at the cap */
    if (rc != KF_DONE) {
        json_decref(items);
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

typedef struct {
    kf_actor actor;
    kf_input *in;
    int64_t id, project, now;
    const char *day, *kind, *name;
    int duplicate, unknown_project;
    json_t *row; /* the day as answered and audited */
} day_job;

static int project_exists(kf_tx *tx, int64_t project, int *exists)
{
    int64_t n = 0;
    int rc = project ? kf_tx_i64(tx, &n, "SELECT COUNT(*) FROM projects WHERE id = ?", "i", project)
                     : KF_OK;
    *exists = !project || n > 0;
    return rc;
}

static int write_day_create(kf_tx *tx, void *ctx)
{
    day_job *j = ctx;
    int exists;
    int64_t taken = 0;
    int rc = project_exists(tx, j->project, &exists);
    if (rc != KF_OK) return rc;
    if (!exists) {
        j->unknown_project = 1;
        return KF_EINVAL;
    }
    rc =
        kf_tx_i64(tx, &taken, "SELECT COUNT(*) FROM calendar_days WHERE project_id = ? AND day = ?",
                  "is", j->project, j->day);
    if (rc == KF_OK && taken) rc = KF_ECONFLICT;
    if (rc == KF_OK)
        rc = kf_tx_i64(tx, &j->id,
                       "INSERT INTO calendar_days (project_id, day, kind, name, created_at)"
                       " VALUES (?, ?, ?, ?, ?) RETURNING id",
                       "isssi", j->project, j->day, j->kind, j->name, j->now);
    if (rc == KF_ECONFLICT) j->duplicate = 1;
    if (rc != KF_OK) return rc;
    j->row = day_json(j->id, j->project, j->day, j->kind, j->name);
    kf_audit_entry e = {.entity = "calendar_day",
                        .entity_id = j->id,
                        .project_id = j->project,
                        .action = "create",
                        .after = j->row};
    return kf_audit_write(tx, &j->actor, &e, j->now);
}

static void days_create(kf_req *req)
{
    static const char *const names[] = {"project_id", "day", "kind", "name", NULL};
    kf_input in;
    if (kf_input_begin(&in, req, names)) return;
    day_job j = {.actor = kf_api_actor(req), .in = &in, .now = kf_app_now(req->app)};
    if (kf_input_i64(&in, "project_id", 0, 1, INT64_MAX, &j.project) &&
        !kf_req_sees_project(req, j.project))
        kf_input_fail(&in, "project_id", "unknown_project");
    j.day = kf_input_str(&in, "day", 1, 1, 10);
    if (j.day && !kf_date_valid(j.day)) kf_input_fail(&in, "day", "invalid_date");
    j.kind = kf_input_str(&in, "kind", 1, 1, 16);
    if (j.kind && strcmp(j.kind, "holiday") != 0 && strcmp(j.kind, "workday") != 0)
        kf_input_fail(&in, "kind", "not_in_list");
    j.name = kf_input_str(&in, "name", 1, 1, 64);
    if (kf_input_end(&in)) return;
    int rc = kf_req_write(req, write_day_create, &j);
    if (rc == KF_OK) kf_calendar_cache_clear(req->app->calendars); /* deadlines use it */
    if (rc == KF_EINVAL && j.unknown_project) {
        kf_input_fail(&in, "project_id", "unknown_project");
        kf_input_end(&in);
    } else if (rc == KF_ECONFLICT && j.duplicate) {
        kf_input_fail(&in, "day", "duplicate_day");
        kf_reply_error(req, 409, "duplicate_day", in.fields);
        in.fields = NULL;
    } else if (rc != KF_OK) {
        kf_reply_status(req, rc);
    } else {
        kf_reply_header(
            req, "Location",
            kf_arena_printf(&req->arena, "/api/v1/calendar-days/%lld", (long long)j.id));
        kf_reply_json(req, 201, json_incref(j.row));
    }
    json_decref(j.row);
}

typedef struct {
    kf_actor actor;
    const kf_req *req;
    int64_t id, now;
    json_t *row;
} day_delete_job;

static int write_day_delete(kf_tx *tx, void *ctx)
{
    day_delete_job *j = ctx;
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT id, project_id, day, kind, name FROM calendar_days WHERE id = ?",
                         "i", j->id);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc == KF_DONE) return KF_ENOTFOUND;
    if (rc != KF_ROW) return rc;
    int64_t project = kf_stmt_i64(st, 1);
    j->row =
        day_json(j->id, project, kf_stmt_text(st, 2), kf_stmt_text(st, 3), kf_stmt_text(st, 4));
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
    }
    if (rc != KF_DONE) return rc;
    if (project && !kf_req_sees_project(j->req, project)) return KF_ENOTFOUND;
    rc = kf_tx_exec(tx, NULL, "DELETE FROM calendar_days WHERE id = ?", "i", j->id);
    if (rc != KF_OK) return rc;
    kf_audit_entry e = {.entity = "calendar_day",
                        .entity_id = j->id,
                        .project_id = project,
                        .action = "delete",
                        .before = j->row};
    return kf_audit_write(tx, &j->actor, &e, j->now);
}

static void days_delete(kf_req *req)
{
    day_delete_job j = {.actor = kf_api_actor(req), .req = req, .now = kf_app_now(req->app)};
    if (kf_req_param_id(req, "id", &j.id)) return;
    int rc = kf_req_write(req, write_day_delete, &j);
    if (rc == KF_OK) kf_calendar_cache_clear(req->app->calendars); /* deadlines use it */
    if (rc != KF_OK)
        kf_reply_status(req, rc);
    else
        kf_reply_empty(req, 204);
    json_decref(j.row);
}

/* ---- iCalendar import ---- */

typedef struct {
    kf_actor actor;
    int64_t project, now;
    kf_ical_day *days;
    size_t n;
    int64_t replaced;
} import_job;

typedef struct {
    int64_t day;
    size_t index;
} day_order;

static int cmp_day(const void *a, const void *b)
{
    const day_order *x = a, *y = b;
    if (x->day != y->day) return (x->day > y->day) - (x->day < y->day);
    return (x->index > y->index) - (x->index < y->index);
}

/* Sorts DAYS by day and keeps one per day: the last one the file names. */
static int dedupe_days(kf_ical_day *days, size_t *n)
{
    day_order *order = malloc((*n ? *n : 1) * sizeof(*order));
    kf_ical_day *copy = malloc((*n ? *n : 1) * sizeof(*copy));
    if (!order || !copy) {
        free(order);
        free(copy);
        return KF_EIO;
    }
    memcpy(copy, days, *n * sizeof(*copy));
    for (size_t i = 0; i < *n; i++)
        order[i] = (day_order){.day = days[i].day, .index = i};
    qsort(order, *n, sizeof(*order), cmp_day);
    size_t out = 0;
    for (size_t i = 0; i < *n; i++) {
        if (out && days[out - 1].day == order[i].day)
            days[out - 1] = copy[order[i].index];
        else
            days[out++] = copy[order[i].index];
    }
    *n = out;
    free(order);
    free(copy);
    return KF_OK;
}

/* Counts (and when WRITE stores) the days: a day the project already has is replaced. */
static int import_days(kf_tx *tx, import_job *j, int write)
{
    j->replaced = 0;
    for (size_t i = 0; i < j->n; i++) {
        char day[16];
        kf_date_format(j->days[i].day, day, sizeof(day));
        const char *kind = j->days[i].kind == KF_DAY_WORKDAY ? "workday" : "holiday";
        int64_t id = 0;
        int rc = kf_tx_i64(tx, &id, "SELECT id FROM calendar_days WHERE project_id = ? AND day = ?",
                           "is", j->project, day);
        if (rc == KF_OK) {
            j->replaced++;
            if (write)
                rc =
                    kf_tx_exec(tx, NULL, "UPDATE calendar_days SET kind = ?, name = ? WHERE id = ?",
                               "ssi", kind, j->days[i].name, id);
        } else if (rc == KF_ENOTFOUND) {
            rc = !write ? KF_OK
                        : kf_tx_exec(tx, NULL,
                                     "INSERT INTO calendar_days (project_id, day, kind, name,"
                                     " created_at) VALUES (?, ?, ?, ?, ?)",
                                     "isssi", j->project, day, kind, j->days[i].name, j->now);
        }
        if (rc != KF_OK) return rc;
    }
    return KF_OK;
}

static json_t *import_summary(const import_job *j)
{
    char first[16] = "", last[16] = "";
    if (j->n) {
        kf_date_format(j->days[0].day, first, sizeof(first));
        kf_date_format(j->days[j->n - 1].day, last, sizeof(last));
    }
    return json_pack("{s:o, s:I, s:I, s:s, s:s}", "project_id",
                     j->project ? json_integer(j->project) : json_null(), "imported",
                     (json_int_t)j->n, "replaced", (json_int_t)j->replaced, "first_day", first,
                     "last_day", last);
}

static int write_import(kf_tx *tx, void *ctx)
{
    import_job *j = ctx;
    int rc = import_days(tx, j, 1);
    if (rc != KF_OK) return rc;
    json_t *after = import_summary(j);
    kf_audit_entry e = {
        .entity = "calendar_day", .project_id = j->project, .action = "import", .after = after};
    rc = kf_audit_write(tx, &j->actor, &e, j->now);
    json_decref(after);
    return rc;
}

/* POST /api/v1/calendar-days/import?project_id=&dry_run= with an .ics file as the body. */
static void days_import(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    import_job j = {.actor = kf_api_actor(req), .now = kf_app_now(req->app)};
    const char *dry = kf_req_query(req, "dry_run");
    int dry_run = dry && (!strcmp(dry, "true") || !strcmp(dry, "1"));
    if (dry && *dry && !dry_run && strcmp(dry, "false") != 0 && strcmp(dry, "0") != 0)
        kf_input_fail(&in, "dry_run", "must_be_boolean");
    if (kf_query_i64(&in, "project_id", 1, INT64_MAX, &j.project) &&
        !kf_req_sees_project(req, j.project))
        kf_input_fail(&in, "project_id", "unknown_project");
    kf_tx *tx = in.fields ? NULL : kf_req_read(req);
    int exists = 1, rc = KF_OK;
    if (tx && (rc = project_exists(tx, j.project, &exists)) == KF_OK && !exists)
        kf_input_fail(&in, "project_id", "unknown_project");
    if (kf_input_end(&in)) return;
    if (!tx) return; /* answered */
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    const char *reason = NULL;
    int line = 0;
    rc = kf_ical_days(req->body ? req->body : "", req->body_len, MAX_IMPORT_DAYS, &j.days, &j.n,
                      &reason, &line);
    if (rc == KF_EINVAL) {
        json_t *detail =
            json_pack("{s:s, s:s, s:i}", "reason", reason ? reason : "invalid", "message",
                      kf_msg(req->lang, reason ? reason : "invalid"), "line", line);
        kf_reply_error_with(req, 422, "invalid_calendar", NULL, "detail", detail);
        return;
    }
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    rc = dedupe_days(j.days, &j.n);
    if (rc == KF_OK && dry_run) {
        rc = import_days(tx, &j, 0);
    } else if (rc == KF_OK) { /* up to thousands of rows: a commit of its own */
        kf_req_read_done(req);
        rc = kf_store_write_alone(req->app->store, write_import, &j);
        if (rc == KF_OK) kf_calendar_cache_clear(req->app->calendars);
    }
    if (rc != KF_OK) {
        free(j.days);
        kf_reply_status(req, rc);
        return;
    }
    json_t *days = json_array();
    for (size_t i = 0; i < j.n && i < IMPORT_SHOWN; i++) {
        char day[16];
        kf_date_format(j.days[i].day, day, sizeof(day));
        json_array_append_new(days,
                              json_pack("{s:s, s:s, s:s}", "day", day, "kind",
                                        j.days[i].kind == KF_DAY_WORKDAY ? "workday" : "holiday",
                                        "name", j.days[i].name));
    }
    json_t *out = import_summary(&j);
    json_object_set_new(out, "dry_run", json_boolean(dry_run));
    json_object_set_new(out, "days", days);
    free(j.days);
    kf_reply_json(req, 200, out);
}

int kf_api_desk_calendar_register(kf_router *r)
{
    int rc =
        kf_router_add(r, "GET", "/api/v1/projects/{id}/calendar", "tickets.read", calendar_get, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "PUT", "/api/v1/projects/{id}/calendar", "desk.configure",
                           calendar_put, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "GET", "/api/v1/calendar-days", "tickets.read", days_list, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "POST", "/api/v1/calendar-days", "desk.configure", days_create, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "DELETE", "/api/v1/calendar-days/{id}", "desk.configure", days_delete,
                           0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "POST", "/api/v1/calendar-days/import", "desk.configure", days_import,
                           KF_ROUTE_LARGE_BODY);
    return rc;
}
