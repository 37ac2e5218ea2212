/* The estate's structure as record kinds: projects (项目/小区), buildings
 * (楼栋), units (房屋) and occupancies (who lives where, with dates). */
#include "api/api.h"
#include "api/records.h"

#include "core/err.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* clang-format off */
#define TEXT(n, f, lo, hi)        {.name = n, .type = KF_COL_TEXT, .flags = f, .min = lo, .max = hi}
#define TEXT_DEF(n, f, lo, hi, d) {.name = n, .type = KF_COL_TEXT, .flags = f, .min = lo, .max = hi, .def = d}
#define INT(n, f, lo, hi)         {.name = n, .type = KF_COL_INT, .flags = f, .min = lo, .max = hi}
#define DATE(n, f)                {.name = n, .type = KF_COL_DATE, .flags = f}
#define ENUM(n, f, vals, d)       {.name = n, .type = KF_COL_ENUM, .flags = f, .values = vals, .def = d}
#define REF(n, f, table)          {.name = n, .type = KF_COL_REF, .flags = f, .ref_table = table}
#define CENTI(n, f, lo, hi, col)  {.name = n, .type = KF_COL_CENTI, .flags = f, .min = lo, .max = hi, .column = col}
/* clang-format on */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- projects ---- */

static const kf_col project_cols[] = {
    TEXT("code", KF_COL_REQUIRED | KF_COL_FILTER, 1, 32),
    TEXT("name", KF_COL_REQUIRED, 1, 64),
    TEXT_DEF("timezone", 0, 1, 64, "Asia/Shanghai"),
    TEXT_DEF("address", 0, 0, 200, ""),
    DATE("handover_date", 0),
};

static const kf_dependent project_deps[] = {
    {"buildings", "project_id", "buildings"},
    {"departments", "project_id", "departments"},
    {"crews", "project_id", "crews"},
    {"people", "project_id", "people"},
    {"user_projects", "project_id", "members"},
    {"tickets", "project_id", "tickets"},
    {"routing_rules", "project_id", "routing_rules"},
    {"sla_policies", "project_id", "sla_policies"},
    {"work_calendars", "project_id", "calendar"},
};

/* A timezone must be one the system knows (zoneinfo), e.g. Asia/Shanghai. */
static int validate_project(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id,
                            kf_input *in)
{
    const char *tz = json_string_value(json_object_get(row, "timezone"));
    char path[160];
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz ? tz : "");
    if (!tz || strstr(tz, "..") || tz[0] == '/' || access(path, R_OK) != 0) {
        kf_input_fail(in, "timezone", "invalid");
        return KF_EINVAL;
    }
    return KF_OK;
}

static const kf_record_kind projects = {
    .path = "projects",
    .table = "projects",
    .entity = "project",
    .perm_read = "projects.read",
    .perm_write = "projects.manage",
    .cols = project_cols,
    .ncols = COUNT(project_cols),
    .deps = project_deps,
    .ndeps = COUNT(project_deps),
    .conflict_field = "code",
    .is_project = 1,
    .validate = validate_project,
};

/* ---- buildings ---- */

static const kf_col building_cols[] = {
    TEXT("code", KF_COL_REQUIRED | KF_COL_FILTER, 1, 16),
    TEXT("name", KF_COL_REQUIRED, 1, 64),
    INT("floors", 0, 1, 200),
};

static const kf_dependent building_deps[] = {{"units", "building_id", "units"},
                                             {"routing_rules", "building_id", "routing_rules"}};

static const kf_record_kind buildings = {
    .path = "buildings",
    .table = "buildings",
    .entity = "building",
    .perm_read = "records.read",
    .perm_write = "records.write",
    .cols = building_cols,
    .ncols = COUNT(building_cols),
    .deps = building_deps,
    .ndeps = COUNT(building_deps),
    .conflict_field = "code",
};

/* ---- units ---- */

static const char *const unit_statuses[] = {"unsold", "delivered",  "occupied",
                                            "vacant", "renovating", NULL};

static const kf_col unit_cols[] = {
    REF("building_id", KF_COL_REQUIRED | KF_COL_FILTER | KF_COL_FIXED, "buildings"),
    TEXT_DEF("entrance", 0, 0, 8, ""),
    INT("floor", KF_COL_REQUIRED | KF_COL_FILTER, -10, 200),
    TEXT("number", KF_COL_REQUIRED, 1, 16),
    TEXT("code", KF_COL_FILTER, 1, 48), /* room for building(16)-entrance(8)-number(16) */
    /* 0.01 m² to 100,000 m²: more is a typing mistake, not a home */
    CENTI("area", KF_COL_REQUIRED, 1, 10000000, "area_centi"),
    ENUM("status", KF_COL_FILTER, unit_statuses, "unsold"),
    DATE("delivery_date", 0),
    DATE("warranty_end", 0),
};

static const kf_dependent unit_deps[] = {
    {"occupancies", "unit_id", "occupancies"}, {"move_ins", "unit_id", "move_ins"},
    {"renovations", "unit_id", "renovations"}, {"card_events", "unit_id", "card_events"},
    {"tickets", "unit_id", "tickets"},
};

/* Without a code, the readable one is made: building-entrance-number ("3-2-1502"). */
static int validate_unit(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id, kf_input *in)
{
    if (json_is_string(json_object_get(row, "code"))) return KF_OK;
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st, "SELECT code FROM buildings WHERE id = ?", "i",
                         json_integer_value(json_object_get(row, "building_id")));
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_ENOTFOUND : rc;
    const char *entrance = json_string_value(json_object_get(row, "entrance"));
    char code[128];
    snprintf(code, sizeof(code), "%s-%s%s%s", kf_stmt_text(st, 0), entrance ? entrance : "",
             entrance && *entrance ? "-" : "", json_string_value(json_object_get(row, "number")));
    json_object_set_new(row, "code", json_string(code));
    return KF_OK;
}

static const kf_record_kind units = {
    .path = "units",
    .table = "units",
    .entity = "unit",
    .perm_read = "records.read",
    .perm_write = "records.write",
    .cols = unit_cols,
    .ncols = COUNT(unit_cols),
    .deps = unit_deps,
    .ndeps = COUNT(unit_deps),
    .conflict_field = "code",
    .validate = validate_unit,
};

/* ---- occupancies ---- */

static const char *const occupancy_roles[] = {"owner", "tenant", "family", "other", NULL};

static const kf_col occupancy_cols[] = {
    REF("person_id", KF_COL_REQUIRED | KF_COL_FILTER | KF_COL_FIXED, "people"),
    REF("unit_id", KF_COL_REQUIRED | KF_COL_FILTER | KF_COL_FIXED, "units"),
    ENUM("role", KF_COL_REQUIRED | KF_COL_FILTER, occupancy_roles, NULL),
    DATE("start_date", KF_COL_REQUIRED),
    DATE("end_date", 0),
};

/* History is kept, so one person may hold a role in a unit several times, but
 * never twice at once; and a span must not end before it starts. */
static int validate_occupancy(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id,
                              kf_input *in)
{
    /* The unit's row is locked first (a no-op UPDATE, portable): two requests
     * at once would otherwise both find no overlap under READ COMMITTED. */
    int lock = kf_tx_exec(tx, NULL, "UPDATE units SET version = version WHERE id = ?", "i",
                          json_integer_value(json_object_get(row, "unit_id")));
    if (lock != KF_OK) return lock;
    const char *start = json_string_value(json_object_get(row, "start_date"));
    const char *end = json_string_value(json_object_get(row, "end_date"));
    if (end && strcmp(end, start) < 0) {
        kf_input_fail(in, "end_date", "out_of_range");
        return KF_EINVAL;
    }
    int64_t clashes = 0;
    int rc = kf_tx_i64(
        tx, &clashes,
        "SELECT COUNT(*) FROM occupancies WHERE person_id = ? AND unit_id = ? AND role = ?"
        " AND id <> ? AND start_date <= COALESCE(CAST(? AS TEXT), '9999-12-31')"
        " AND COALESCE(end_date, '9999-12-31') >= ?",
        "iisiss", json_integer_value(json_object_get(row, "person_id")),
        json_integer_value(json_object_get(row, "unit_id")),
        json_string_value(json_object_get(row, "role")), id, end, start);
    if (rc != KF_OK) return rc;
    if (clashes) {
        kf_input_fail(in, "start_date", "overlap");
        return KF_EINVAL;
    }
    return KF_OK;
}

static const kf_record_kind occupancies = {
    .path = "occupancies",
    .table = "occupancies",
    .entity = "occupancy",
    .perm_read = "records.read",
    .perm_write = "records.write",
    .cols = occupancy_cols,
    .ncols = COUNT(occupancy_cols),
    .validate = validate_occupancy,
};

const kf_record_kind *kf_kind_units(void)
{
    return &units;
}

const kf_record_kind *kf_kind_occupancies(void)
{
    return &occupancies;
}

int kf_api_estate_register(kf_router *r)
{
    const kf_record_kind *kinds[] = {&projects, &buildings, &units, &occupancies};
    for (size_t i = 0; i < COUNT(kinds); i++)
        if (kf_records_register(r, kinds[i]) != KF_OK) return KF_EINVAL;
    return KF_OK;
}
