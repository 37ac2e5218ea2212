/* People (业主, 租户, 家庭成员; persons or companies) as a record kind, kept
 * confidential (业户档案保密): mobiles and ID numbers are masked in every
 * answer; the full values come only from POST /api/v1/people/{id}/reveal,
 * which needs pii.reveal and is audited. ID numbers are stored encrypted,
 * with a keyed hash for lookups and the masked form for display. */
#include "api/api.h"
#include "api/api_int.h"
#include "api/records.h"

#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "domain/pii.h"

#include <stdlib.h>
#include <string.h>

#define MAX_MOBILES 3
#define MAX_GRAMS   64

static const char *const person_kinds[] = {"person", "company", NULL};
static const char *const grades[] = {"A", "B", "C", NULL};
static const char *const extra_input[] = {"mobiles", "id_number", NULL};

/* clang-format off */
static const kf_col person_cols[] = {
    {.name = "kind", .type = KF_COL_ENUM, .flags = KF_COL_FILTER, .values = person_kinds, .def = "person"},
    {.name = "name", .type = KF_COL_TEXT, .flags = KF_COL_REQUIRED, .min = 1, .max = 64},
    {.name = "grade", .type = KF_COL_ENUM, .flags = KF_COL_FILTER, .values = grades, .def = "B"},
    {.name = "notes", .type = KF_COL_TEXT, .min = 0, .max = 500, .def = ""},
    {.name = "id_enc", .type = KF_COL_TEXT, .flags = KF_COL_HIDDEN},
    {.name = "id_hash", .type = KF_COL_TEXT, .flags = KF_COL_HIDDEN},
    {.name = "id_masked", .type = KF_COL_TEXT, .flags = KF_COL_HIDDEN},
};
/* clang-format on */

static const kf_dependent person_deps[] = {
    {"occupancies", "person_id", "occupancies"}, {"move_ins", "person_id", "move_ins"},
    {"renovations", "person_id", "renovations"}, {"card_events", "person_id", "card_events"},
    {"tickets", "person_id", "tickets"},
};

/* Mobiles given in the body, normalized, into ROW["_mobiles"] (not a column). */
static int read_mobiles(kf_input *in, json_t *row)
{
    json_t *v = json_object_get(in->body, "mobiles");
    if (!v) return KF_OK;
    if (!json_is_array(v) || json_array_size(v) > MAX_MOBILES) {
        kf_input_fail(in, "mobiles", json_is_array(v) ? "too_long" : "must_be_array");
        return KF_EINVAL;
    }
    json_t *normalized = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(v, i, m)
    {
        char norm[KF_MOBILE_LEN];
        if (!json_is_string(m) || kf_mobile_problem(json_string_value(m), norm, sizeof(norm))) {
            json_decref(normalized);
            kf_input_fail(in, "mobiles", "invalid_mobile");
            return KF_EINVAL;
        }
        json_array_append_new(normalized, json_string(norm));
    }
    json_object_set_new(row, "_mobiles", normalized);
    return KF_OK;
}

/* The ID number given: encrypted, hashed for lookups, masked for display. */
static int read_id_number(kf_tx *tx, kf_input *in, json_t *row, int64_t id)
{
    json_t *v = json_object_get(in->body, "id_number");
    if (!v) return KF_OK;
    if (json_is_null(v)) {
        json_object_set_new(row, "id_enc", json_null());
        json_object_set_new(row, "id_hash", json_null());
        json_object_set_new(row, "id_masked", json_null());
        return KF_OK;
    }
    char norm[KF_IDNUM_LEN], masked[KF_IDNUM_LEN], hash[KF_PII_HASH_LEN];
    if (!json_is_string(v) || kf_idnum_problem(json_string_value(v), norm, sizeof(norm))) {
        kf_input_fail(in, "id_number", "invalid_id_number");
        return KF_EINVAL;
    }
    const kf_pii_keys *keys = in->req->app->pii;
    kf_pii_lookup_hash(keys, norm, hash);
    int64_t same = 0;
    int rc = kf_tx_i64(
        tx, &same, "SELECT COUNT(*) FROM people WHERE project_id = ? AND id_hash = ? AND id <> ?",
        "isi", json_integer_value(json_object_get(row, "project_id")), hash, id);
    if (rc != KF_OK) return rc;
    if (same) {
        kf_input_fail(in, "id_number", "taken");
        return KF_EINVAL;
    }
    size_t need = kf_pii_encrypted_len(strlen(norm));
    char *enc = kf_malloc(need);
    kf_pii_encrypt(keys, norm, enc, need);
    kf_mask_idnum(norm, masked, sizeof(masked));
    json_object_set_new(row, "id_enc", json_string(enc));
    json_object_set_new(row, "id_hash", json_string(hash));
    json_object_set_new(row, "id_masked", json_string(masked));
    free(enc);
    return KF_OK;
}

static int validate_person(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id,
                           kf_input *in)
{
    int rc = read_mobiles(in, row);
    if (rc == KF_OK) rc = read_id_number(tx, in, row, id);
    return rc;
}

static int write_mobiles(kf_tx *tx, int64_t id, int64_t project, const json_t *mobiles)
{
    int rc = kf_tx_exec(tx, NULL, "DELETE FROM person_mobiles WHERE person_id = ?", "i", id);
    size_t i;
    json_t *m;
    json_array_foreach(mobiles, i, m)
    {
        if (rc != KF_OK) break;
        char last4[5];
        kf_mobile_last4(json_string_value(m), last4);
        rc =
            kf_tx_exec(tx, NULL,
                       "INSERT INTO person_mobiles (person_id, project_id, position, mobile, last4)"
                       " VALUES (?, ?, ?, ?, ?)",
                       "iiiss", id, project, (int64_t)i, json_string_value(m), last4);
    }
    return rc;
}

static int write_grams(kf_tx *tx, int64_t id, int64_t project, const char *name)
{
    char grams[MAX_GRAMS][KF_BIGRAM_LEN];
    size_t n = kf_bigrams(name, grams, MAX_GRAMS);
    int rc = kf_tx_exec(tx, NULL, "DELETE FROM person_grams WHERE person_id = ?", "i", id);
    for (size_t i = 0; rc == KF_OK && i < n; i++)
        rc = kf_tx_exec(tx, NULL,
                        "INSERT INTO person_grams (project_id, gram, person_id) VALUES (?, ?, ?)",
                        "isi", project, grams[i], id);
    return rc;
}

static int after_write_person(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id,
                              kf_input *in)
{
    int64_t project = json_integer_value(json_object_get(row, "project_id"));
    json_t *mobiles = json_object_get(row, "_mobiles");
    int rc = mobiles ? write_mobiles(tx, id, project, mobiles) : KF_OK;
    if (rc == KF_OK)
        rc = write_grams(tx, id, project, json_string_value(json_object_get(row, "name")));
    return rc;
}

static int delete_person(kf_tx *tx, const kf_record_kind *k, json_t *row, int64_t id, kf_input *in)
{
    int rc = kf_tx_exec(tx, NULL, "DELETE FROM person_mobiles WHERE person_id = ?", "i", id);
    if (rc == KF_OK)
        rc = kf_tx_exec(tx, NULL, "DELETE FROM person_grams WHERE person_id = ?", "i", id);
    return rc;
}

/* The person's mobiles, masked, in their order. */
int kf_api_masked_mobiles(kf_tx *tx, int64_t id, json_t **out)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT mobile FROM person_mobiles WHERE person_id = ? ORDER BY position",
                         "i", id);
    if (rc != KF_OK) return rc;
    json_t *list = json_array();
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        char masked[KF_MOBILE_LEN];
        kf_mask_mobile(kf_stmt_text(st, 0), masked, sizeof(masked));
        json_array_append_new(list, json_string(masked));
    }
    if (rc != KF_DONE) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return KF_OK;
}

static int present_person(kf_req *req, kf_tx *tx, const json_t *stored, json_t *out)
{
    json_t *mobiles;
    int rc = kf_api_masked_mobiles(tx, json_integer_value(json_object_get(stored, "id")), &mobiles);
    if (rc != KF_OK) return rc;
    json_object_set_new(out, "mobiles", mobiles);
    /* the masked ID number was kept at write time: listing never decrypts */
    json_t *masked = json_object_get(stored, "id_masked");
    json_object_set_new(out, "id_number", masked ? json_incref(masked) : json_null());
    return KF_OK;
}

static const kf_record_kind people = {
    .path = "people",
    .table = "people",
    .entity = "person",
    .perm_read = "records.read",
    .perm_write = "records.write",
    .cols = person_cols,
    .ncols = sizeof(person_cols) / sizeof(person_cols[0]),
    .deps = person_deps,
    .ndeps = sizeof(person_deps) / sizeof(person_deps[0]),
    .extra_input = extra_input,
    /* the check in read_id_number gives the message; the unique index is what
     * holds when two requests race */
    .conflict_field = "id_number",
    .conflict_is_invalid = 1,
    .validate = validate_person,
    .after_write = after_write_person,
    .before_delete = delete_person,
    .present = present_person,
};

const kf_record_kind *kf_kind_people(void)
{
    return &people;
}

/* ---- reveal ---- */

typedef struct {
    kf_actor actor;
    const kf_req *req;
    int64_t id, project;
    json_t *revealed;
} reveal_job;

static int read_full(kf_tx *tx, reveal_job *j)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st, "SELECT project_id, id_enc FROM people WHERE id = ?", "i", j->id);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_ENOTFOUND : rc;
    j->project = kf_stmt_i64(st, 0);
    if (!kf_req_sees_project(j->req, j->project)) return KF_ENOTFOUND;
    json_t *idnum = json_null();
    const char *enc = kf_stmt_text(st, 1);
    if (enc) {
        char plain[64];
        if (kf_pii_decrypt(j->req->app->pii, enc, plain, sizeof(plain)) != 0) return KF_EDB;
        idnum = json_string(plain);
    }
    json_t *mobiles = json_array();
    rc = kf_tx_query(tx, &st,
                     "SELECT mobile FROM person_mobiles WHERE person_id = ? ORDER BY position", "i",
                     j->id);
    while (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_ROW) {
        json_array_append_new(mobiles, json_string(kf_stmt_text(st, 0)));
        rc = KF_OK;
    }
    j->revealed = json_pack("{s:I, s:o, s:o}", "id", (json_int_t)j->id, "mobiles", mobiles,
                            "id_number", idnum);
    return rc == KF_DONE ? KF_OK : rc;
}

/* The reveal is read and audited in one write transaction: no full value
 * leaves without its audit entry committed. */
static int write_reveal(kf_tx *tx, void *ctx)
{
    reveal_job *j = ctx;
    int rc = read_full(tx, j);
    if (rc != KF_OK) return rc;
    kf_audit_entry e = {.entity = "person",
                        .entity_id = j->id,
                        .project_id = j->project,
                        .action = "reveal",
                        .after = NULL};
    return kf_audit_write(tx, &j->actor, &e, kf_now_ms());
}

static void person_reveal(kf_req *req)
{
    reveal_job j = {.actor = kf_api_actor(req), .req = req};
    if (kf_req_param_id(req, "id", &j.id)) return;
    int rc = kf_req_write(req, write_reveal, &j);
    if (rc != KF_OK) {
        json_decref(j.revealed);
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, j.revealed);
}

/* ---- a resident's own record ---- */

/* GET /api/v1/me/person: the caller's own person record (masked like every
 * answer); 404 for an account linked to none. */
static void me_person(kf_req *req)
{
    int64_t id = req->auth->user.person_id;
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    kf_stmt *st;
    int rc = id ? kf_tx_query(tx, &st,
                              "SELECT id, project_id, kind, name, grade, id_masked FROM people"
                              " WHERE id = ?",
                              "i", id)
                : KF_ENOTFOUND;
    if (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_DONE) rc = KF_ENOTFOUND;
    if (rc != KF_ROW) {
        kf_reply_status(req, rc);
        return;
    }
    const char *idm = kf_stmt_text(st, 5);
    json_t *out = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)kf_stmt_i64(st, 0),
                            "project_id", (json_int_t)kf_stmt_i64(st, 1), "kind",
                            kf_stmt_text(st, 2), "name", kf_stmt_text(st, 3), "grade",
                            kf_stmt_text(st, 4), "id_number", idm ? json_string(idm) : json_null());
    json_t *mobiles;
    rc = kf_api_masked_mobiles(tx, id, &mobiles);
    if (rc != KF_OK) {
        json_decref(out);
        kf_reply_status(req, rc);
        return;
    }
    json_object_set_new(out, "mobiles", mobiles);
    kf_reply_json(req, 200, out);
}

/* GET /api/v1/me/units: the units the caller lives in now, with the role. */
static void me_units(kf_req *req)
{
    kf_tx *tx = kf_req_read(req);
    if (!tx) return;
    char today[32];
    kf_time_format(kf_now_ms(), today, sizeof(today));
    today[10] = '\0';
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT u.id, u.project_id, u.building_id, u.code, u.area_centi, u.status,"
                         " o.role, o.start_date FROM occupancies o JOIN units u ON u.id = o.unit_id"
                         " WHERE o.person_id = ? AND o.start_date <= ?"
                         " AND (o.end_date IS NULL OR o.end_date >= ?) ORDER BY u.id LIMIT 100",
                         "iss", req->auth->user.person_id, today, today);
    json_t *items = json_array();
    while (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_ROW) {
        json_array_append_new(
            items,
            json_pack("{s:I, s:I, s:I, s:s, s:f, s:s, s:s, s:s}", "id",
                      (json_int_t)kf_stmt_i64(st, 0), "project_id", (json_int_t)kf_stmt_i64(st, 1),
                      "building_id", (json_int_t)kf_stmt_i64(st, 2), "code", kf_stmt_text(st, 3),
                      "area", (double)kf_stmt_i64(st, 4) / 100.0, "status", kf_stmt_text(st, 5),
                      "role", kf_stmt_text(st, 6), "start_date", kf_stmt_text(st, 7)));
        rc = KF_OK;
    }
    if (rc != KF_OK && rc != KF_DONE) {
        json_decref(items);
        kf_reply_status(req, rc);
        return;
    }
    kf_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

int kf_api_people_register(kf_router *r)
{
    int rc = kf_records_register(r, &people);
    if (rc == KF_OK)
        rc = kf_router_add(r, "GET", "/api/v1/me/person", KF_PERM_AUTHENTICATED, me_person, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "GET", "/api/v1/me/units", KF_PERM_AUTHENTICATED, me_units, 0);
    if (rc == KF_OK)
        rc = kf_router_add(r, "POST", "/api/v1/people/{id}/reveal", "pii.reveal", person_reveal, 0);
    return rc;
}
