/* What happens to a household: move-in registrations (入住), renovation
 * registrations (装修) with their states, and the access card and key ledger
 * (门禁卡, 钥匙): issued, returned, lost — to whom and when. */
#include "api/api.h"
#include "api/records.h"

#include "core/err.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- move-ins ---- */

static const char *const move_in_statuses[] = {"registered", "completed", "cancelled", NULL};

/* clang-format off */
static const kf_col move_in_cols[] = {
    {.name = "unit_id", .type = KF_COL_REF, .flags = KF_COL_REQUIRED | KF_COL_FILTER | KF_COL_FIXED, .ref_table = "units"},
    {.name = "person_id", .type = KF_COL_REF, .flags = KF_COL_REQUIRED | KF_COL_FILTER | KF_COL_FIXED, .ref_table = "people"},
    {.name = "move_in_date", .type = KF_COL_DATE, .flags = KF_COL_REQUIRED},
    {.name = "status", .type = KF_COL_ENUM, .flags = KF_COL_FILTER, .values = move_in_statuses, .def = "registered"},
    {.name = "notes", .type = KF_COL_TEXT, .min = 0, .max = 500, .def = ""},
};
/* clang-format on */

/* A transition table: FROM may go to the states listed after it. */
typedef struct {
    const char *from;
    const char *to[4];
} transition;

static int allowed(const transition *table, size_t n, const char *from, const char *to)
{
    if (strcmp(from, to) == 0) return 1; /* other fields may change in a state */
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].from, from) == 0)
            for (int j = 0; j < 4 && table[i].to[j]; j++)
                if (strcmp(table[i].to[j], to) == 0) return 1;
    return 0;
}

/* Checks ROW's status against the stored one (ID 0: a new row starts in FIRST). */
static int check_transition(kf_tx *tx, const char *table_sql, const transition *table, size_t n,
                            const char *first, json_t *row, int64_t id, kf_input *in)
{
    const char *to = json_string_value(json_object_get(row, "status"));
    if (!id) {
        if (strcmp(to, first) == 0) return KF_OK;
        kf_input_fail(in, "status", "bad_transition");
        return KF_EINVAL;
    }
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st, table_sql, "i", id);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_ENOTFOUND : rc;
    if (!allowed(table, n, kf_stmt_text(st, 0), to)) {
        kf_input_fail(in, "status", "bad_transition");
        return KF_EINVAL;
    }
    return KF_OK;
}

static const transition move_in_flow[] = {
    {"registered", {"completed", "cancelled"}},
};

static int validate_move_in(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id,
                            kf_input *in)
{
    return check_transition(tx, "SELECT status FROM move_ins WHERE id = ?", move_in_flow,
                            COUNT(move_in_flow), "registered", row, id, in);
}

static const kf_record_kind move_ins = {
    .path = "move-ins",
    .table = "move_ins",
    .entity = "move_in",
    .perm_read = "records.read",
    .perm_write = "records.write",
    .cols = move_in_cols,
    .ncols = COUNT(move_in_cols),
    .validate = validate_move_in,
};

/* ---- renovations ---- */

static const char *const renovation_statuses[] = {"submitted",   "approved",         "rejected",
                                                  "in_progress", "inspection",       "passed",
                                                  "failed",      "deposit_returned", NULL};

/* clang-format off */
static const kf_col renovation_cols[] = {
    {.name = "unit_id", .type = KF_COL_REF, .flags = KF_COL_REQUIRED | KF_COL_FILTER | KF_COL_FIXED, .ref_table = "units"},
    {.name = "person_id", .type = KF_COL_REF, .flags = KF_COL_REQUIRED | KF_COL_FILTER | KF_COL_FIXED, .ref_table = "people"},
    {.name = "crew_id", .type = KF_COL_REF, .flags = KF_COL_FILTER, .ref_table = "crews"},
    {.name = "status", .type = KF_COL_ENUM, .flags = KF_COL_FILTER, .values = renovation_statuses, .def = "submitted"},
    {.name = "deposit_fen", .type = KF_COL_INT, .min = 0, .max = 100000000, .def = "0"},
    {.name = "start_date", .type = KF_COL_DATE},
    {.name = "end_date", .type = KF_COL_DATE},
    {.name = "notes", .type = KF_COL_TEXT, .min = 0, .max = 500, .def = ""},
};
/* clang-format on */

/* submitted → approved / rejected → in progress → inspection → passed / failed
 * (failed goes back to work) → deposit returned. */
static const transition renovation_flow[] = {
    {"submitted", {"approved", "rejected"}},
    {"approved", {"in_progress"}},
    {"in_progress", {"inspection"}},
    {"inspection", {"passed", "failed"}},
    {"failed", {"in_progress"}},
    {"passed", {"deposit_returned"}},
};

static int validate_renovation(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id,
                               kf_input *in)
{
    const char *start = json_string_value(json_object_get(row, "start_date"));
    const char *end = json_string_value(json_object_get(row, "end_date"));
    if (start && end && strcmp(end, start) < 0) {
        kf_input_fail(in, "end_date", "out_of_range");
        return KF_EINVAL;
    }
    return check_transition(tx, "SELECT status FROM renovations WHERE id = ?", renovation_flow,
                            COUNT(renovation_flow), "submitted", row, id, in);
}

static const kf_record_kind renovations = {
    .path = "renovations",
    .table = "renovations",
    .entity = "renovation",
    .perm_read = "records.read",
    .perm_write = "records.write",
    .cols = renovation_cols,
    .ncols = COUNT(renovation_cols),
    .validate = validate_renovation,
};

/* ---- access cards and keys ---- */

static const char *const card_items[] = {"card", "key", NULL};
static const char *const card_actions[] = {"issued", "returned", "lost", NULL};

/* clang-format off */
static const kf_col card_cols[] = {
    {.name = "unit_id", .type = KF_COL_REF, .flags = KF_COL_REQUIRED | KF_COL_FILTER, .ref_table = "units"},
    {.name = "person_id", .type = KF_COL_REF, .flags = KF_COL_FILTER, .ref_table = "people"},
    {.name = "item", .type = KF_COL_ENUM, .flags = KF_COL_REQUIRED | KF_COL_FILTER, .values = card_items},
    {.name = "identifier", .type = KF_COL_TEXT, .flags = KF_COL_REQUIRED | KF_COL_FILTER, .min = 1, .max = 64},
    {.name = "action", .type = KF_COL_ENUM, .flags = KF_COL_REQUIRED | KF_COL_FILTER, .values = card_actions},
    {.name = "happened_on", .type = KF_COL_DATE, .flags = KF_COL_REQUIRED},
    {.name = "notes", .type = KF_COL_TEXT, .min = 0, .max = 200, .def = ""},
};
/* clang-format on */

/* A card is issued when it is not out, and returned or lost only while it is. */
static int validate_card(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id, kf_input *in)
{
    /* "out or not" is per card, which may move between units: the project's
     * row is the lock, so two desks cannot issue the same card at once
     * (card events are few; PostgreSQL needs it, SQLite's writer is alone) */
    int rc = kf_tx_exec(tx, NULL, "UPDATE projects SET version = version WHERE id = ?", "i",
                        json_integer_value(json_object_get(row, "project_id")));
    if (rc != KF_OK) return rc;
    kf_stmt *st;
    rc = kf_tx_query(tx, &st,
                     "SELECT action FROM card_events WHERE project_id = ? AND item = ?"
                     " AND identifier = ? ORDER BY id DESC LIMIT 1",
                     "iss", json_integer_value(json_object_get(row, "project_id")),
                     json_string_value(json_object_get(row, "item")),
                     json_string_value(json_object_get(row, "identifier")));
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc != KF_ROW && rc != KF_DONE) return rc;
    int out = rc == KF_ROW && strcmp(kf_stmt_text(st, 0), "issued") == 0;
    int issuing = strcmp(json_string_value(json_object_get(row, "action")), "issued") == 0;
    if (issuing == out) {
        kf_input_fail(in, "action", issuing ? "card_already_issued" : "card_not_issued");
        return KF_EINVAL;
    }
    return KF_OK;
}

static const kf_record_kind cards = {
    .path = "cards",
    .table = "card_events",
    .entity = "card_event",
    .perm_read = "records.read",
    .perm_write = "records.write",
    .cols = card_cols,
    .ncols = COUNT(card_cols),
    .append_only = 1,
    .validate = validate_card,
};

int kf_api_households_register(kf_router *r)
{
    const kf_record_kind *kinds[] = {&move_ins, &renovations, &cards};
    for (size_t i = 0; i < COUNT(kinds); i++)
        if (kf_records_register(r, kinds[i]) != KF_OK) return KF_EINVAL;
    return KF_OK;
}
