/* Who does the work: responsible departments (责任端口: engineering,
 * design, cost, sales, property … configurable per project) with their
 * members and an on-duty flag, and crews or contractors (施工队) with a
 * warranty-deposit (质保金) ledger whose entries are append-only and whose
 * balance is derived from them. */
#include "api/api.h"
#include "api/records.h"

#include "core/err.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- departments ---- */

const char *const kf_department_kinds[] = {"engineering", "design",   "cost",  "sales",
                                           "property",    "external", "other", NULL};

/* How tickets reach a person: by hand, or automatically among the members
 * on duty (see src/desk/routing.c). */
static const char *const dispatch_modes[] = {"manual", "round_robin", "least_loaded", NULL};

/* clang-format off */
static const kf_col department_cols[] = {
    {.name = "code", .type = KF_COL_TEXT, .flags = KF_COL_REQUIRED | KF_COL_FILTER, .min = 1, .max = 32},
    {.name = "name", .type = KF_COL_TEXT, .flags = KF_COL_REQUIRED, .min = 1, .max = 64},
    {.name = "kind", .type = KF_COL_ENUM, .flags = KF_COL_FILTER, .values = kf_department_kinds, .def = "other"},
    {.name = "dispatch_mode", .type = KF_COL_ENUM, .values = dispatch_modes, .def = "manual"},
    {.name = "max_open_per_person", .type = KF_COL_INT, .min = 0, .max = 100000, .def = "0"},
};
/* clang-format on */

static const kf_dependent department_deps[] = {
    {"department_members", "department_id", "members"},
    {"tickets", "department_id", "tickets"},
    {"routing_rules", "department_id", "routing_rules"},
    /* the charges it bears (the column names the kind of bearer, too) */
    {"ticket_charges", "bearer = 'department' AND bearer_id", "charges"}};

static const kf_record_kind departments = {
    .path = "departments",
    .table = "departments",
    .entity = "department",
    .perm_read = "records.read",
    .perm_write = "records.write",
    .cols = department_cols,
    .ncols = COUNT(department_cols),
    .deps = department_deps,
    .ndeps = COUNT(department_deps),
    .conflict_field = "code",
};

/* clang-format off */
static const kf_col member_cols[] = {
    {.name = "department_id", .type = KF_COL_REF, .flags = KF_COL_REQUIRED | KF_COL_FILTER | KF_COL_FIXED, .ref_table = "departments"},
    {.name = "user_id", .type = KF_COL_INT, .flags = KF_COL_REQUIRED | KF_COL_FILTER | KF_COL_FIXED, .min = 1, .max = INT64_MAX},
    {.name = "on_duty", .type = KF_COL_BOOL, .flags = KF_COL_FILTER, .def = "true"},
};
/* clang-format on */

/* A member is an active account of the department's project. */
static int validate_member(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id,
                           kf_input *in)
{
    int64_t ok = 0;
    int rc = kf_tx_i64(tx, &ok,
                       "SELECT COUNT(*) FROM users u JOIN user_projects p ON p.user_id = u.id"
                       " WHERE u.id = ? AND u.active = 1 AND p.project_id = ?",
                       "ii", json_integer_value(json_object_get(row, "user_id")),
                       json_integer_value(json_object_get(row, "project_id")));
    if (rc != KF_OK) return rc;
    if (!ok) {
        kf_input_fail(in, "user_id", "unknown_reference");
        return KF_EINVAL;
    }
    return KF_OK;
}

static const kf_record_kind department_members = {
    .path = "department-members",
    .table = "department_members",
    .entity = "department_member",
    .perm_read = "records.read",
    .perm_write = "records.write",
    .cols = member_cols,
    .ncols = COUNT(member_cols),
    .conflict_field = "user_id",
    .validate = validate_member,
};

/* ---- crews and their deposit ---- */

/* clang-format off */
static const kf_col crew_cols[] = {
    {.name = "name", .type = KF_COL_TEXT, .flags = KF_COL_REQUIRED, .min = 1, .max = 64},
    {.name = "leader", .type = KF_COL_TEXT, .min = 0, .max = 32, .def = ""},
    {.name = "phone", .type = KF_COL_TEXT, .min = 0, .max = 32, .def = ""},
    {.name = "notes", .type = KF_COL_TEXT, .min = 0, .max = 500, .def = ""},
};
/* clang-format on */

static const kf_dependent crew_deps[] = {
    {"crew_deposit_entries", "crew_id", "deposit_entries"},
    {"renovations", "crew_id", "renovations"},
    /* the charges it bears (the column names the kind of bearer, too) */
    {"ticket_charges", "bearer = 'crew' AND bearer_id", "charges"},
};

static int64_t balance_of(kf_tx *tx, int64_t crew, int *rc)
{
    int64_t sum = 0;
    *rc = kf_tx_i64(
        tx, &sum, "SELECT COALESCE(SUM(amount_fen), 0) FROM crew_deposit_entries WHERE crew_id = ?",
        "i", crew);
    return sum;
}

/* The balance is derived, never stored: the ledger is the truth. */
static int present_crew(kf_req *req, kf_tx *tx, const json_t *stored, json_t *out)
{
    int rc;
    int64_t balance = balance_of(tx, json_integer_value(json_object_get(stored, "id")), &rc);
    if (rc == KF_OK) json_object_set_new(out, "deposit_balance_fen", json_integer(balance));
    return rc;
}

static const kf_record_kind crews = {
    .path = "crews",
    .table = "crews",
    .entity = "crew",
    .perm_read = "records.read",
    .perm_write = "records.write",
    .cols = crew_cols,
    .ncols = COUNT(crew_cols),
    .deps = crew_deps,
    .ndeps = COUNT(crew_deps),
    .conflict_field = "name",
    .present = present_crew,
};

static const char *const entry_kinds[] = {"deposit", "deduction", "refund", "adjustment", NULL};

/* clang-format off */
static const kf_col entry_cols[] = {
    {.name = "crew_id", .type = KF_COL_REF, .flags = KF_COL_REQUIRED | KF_COL_FILTER, .ref_table = "crews"},
    {.name = "kind", .type = KF_COL_ENUM, .flags = KF_COL_REQUIRED | KF_COL_FILTER, .values = entry_kinds},
    /* fen; signed by kind below: money held grows with deposits, shrinks with the rest */
    {.name = "amount_fen", .type = KF_COL_INT, .flags = KF_COL_REQUIRED, .min = -10000000000, .max = 10000000000},
    {.name = "note", .type = KF_COL_TEXT, .min = 0, .max = 200, .def = ""},
    /* the approved charge a deduction settles (ticket_charges.c); null by hand */
    {.name = "charge_id", .type = KF_COL_INT, .flags = KF_COL_HIDDEN},
};
/* clang-format on */

/* Deposits add, deductions and refunds take away (given as positive amounts),
 * adjustments carry their own sign; the balance never goes below zero. */
static int validate_entry(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id, kf_input *in)
{
    const char *kind = json_string_value(json_object_get(row, "kind"));
    int64_t amount = json_integer_value(json_object_get(row, "amount_fen"));
    int adjustment = strcmp(kind, "adjustment") == 0;
    if (amount == 0 || (!adjustment && amount < 0)) {
        kf_input_fail(in, "amount_fen", "out_of_range");
        return KF_EINVAL;
    }
    if (strcmp(kind, "deduction") == 0 || strcmp(kind, "refund") == 0) amount = -amount;
    int64_t crew = json_integer_value(json_object_get(row, "crew_id"));
    /* the crew's row is locked so two deductions cannot both see the old balance */
    int rc = kf_tx_exec(tx, NULL, "UPDATE crews SET version = version WHERE id = ?", "i", crew);
    if (rc != KF_OK) return rc;
    int64_t balance = balance_of(tx, crew, &rc);
    if (rc != KF_OK) return rc;
    if (balance + amount < 0) {
        kf_input_fail(in, "amount_fen", "insufficient_balance");
        return KF_EINVAL;
    }
    json_object_set_new(row, "amount_fen", json_integer(amount));
    return KF_OK;
}

static int present_entry(kf_req *req, kf_tx *tx, const json_t *stored, json_t *out)
{
    json_t *charge = json_object_get(stored, "charge_id");
    json_object_set_new(out, "charge_id", charge ? json_incref(charge) : json_null());
    return KF_OK;
}

static const kf_record_kind deposit_entries = {
    .path = "crew-deposit-entries",
    .table = "crew_deposit_entries",
    .entity = "crew_deposit_entry",
    .perm_read = "records.read",
    .perm_write = "records.write",
    .cols = entry_cols,
    .ncols = COUNT(entry_cols),
    .append_only = 1,
    .validate = validate_entry,
    .present = present_entry,
};

int kf_api_departments_register(kf_router *r)
{
    const kf_record_kind *kinds[] = {&departments, &department_members, &crews, &deposit_entries};
    for (size_t i = 0; i < COUNT(kinds); i++)
        if (kf_records_register(r, kinds[i]) != KF_OK) return KF_EINVAL;
    return KF_OK;
}
