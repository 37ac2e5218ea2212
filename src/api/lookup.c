/* GET /api/v1/lookup?q=: the front desk's first move on every call — find
 * the caller by full mobile, its last four digits, ID number, part of a name
 * (Chinese) or a unit code, in the project asked for or in every project the
 * caller sees. Every path is an index lookup per project: person_mobiles
 * (mobile, last4), people.id_hash (keyed hash), person_grams (two-character
 * pieces of names), units (project_id, code). */
#include "api/api.h"
#include "api/api_int.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/jsonw.h"
#include "core/timeutil.h"
#include "domain/pii.h"

#include <ctype.h>
#include <string.h>

typedef enum { Q_MOBILE, Q_LAST4, Q_IDNUM, Q_TEXT } query_kind;

/* A unit found by its code, or one a person found lives in. Texts live in
 * the request's arena. */
typedef struct {
    int64_t id, project, building, open_tickets;
    const char *code, *status, *role;
    int lived_in; /* a person's: ROLE is shown, not PROJECT, BUILDING and STATUS */
} lk_unit;

typedef struct {
    int64_t id, project;
    const char *name, *kind, *grade;
    lk_unit *units; /* the units they live in */
    size_t nunits, units_cap;
    const char **mobiles; /* masked */
    size_t nmobiles, mobiles_cap;
} lk_person;

typedef struct {
    kf_req *req;
    kf_tx *tx;
    query_kind kind;
    const char *q;
    char key[80]; /* normalized mobile, last4, hash, or LIKE pattern */
    char gram[KF_BIGRAM_LEN];
    int has_gram;
    int64_t limit;
    lk_person *people; /* found, in the order found; at most MAX_FOUND of each */
    size_t npeople;
    lk_unit *units;
    size_t nunits;
} lookup;

static void classify(lookup *l)
{
    char digits[32];
    size_t n = 0;
    for (const char *p = l->q; *p && n < sizeof(digits) - 1; p++)
        if (isdigit((unsigned char)*p)) digits[n++] = *p;
    digits[n] = '\0';
    if (n == 4 && strlen(l->q) == 4) {
        l->kind = Q_LAST4;
        strcpy(l->key, digits);
    } else if (!kf_mobile_problem(l->q, l->key, sizeof(l->key))) {
        l->kind = Q_MOBILE;
    } else if (!kf_idnum_problem(l->q, l->key, sizeof(l->key))) {
        char hash[KF_PII_HASH_LEN];
        kf_pii_lookup_hash(l->req->app->pii, l->key, hash);
        strcpy(l->key, hash);
        l->kind = Q_IDNUM;
    } else {
        l->kind = Q_TEXT;
        char grams[2][KF_BIGRAM_LEN];
        l->has_gram = kf_bigrams(l->q, grams, 2) > 0 && kf_utf8_chars(l->q) >= 2;
        if (l->has_gram) strcpy(l->gram, grams[0]);
    }
}

/* "%q%" with LIKE's wildcards escaped. */
static const char *like_pattern(kf_req *req, const char *q, int prefix_only)
{
    size_t len = strlen(q);
    char *p = kf_arena_alloc(&req->arena, len * 2 + 3), *o = p;
    if (!prefix_only) *o++ = '%';
    for (; *q; q++) {
        if (*q == '%' || *q == '_' || *q == '\\') *o++ = '\\';
        *o++ = *q;
    }
    *o++ = '%';
    return p;
}

/* The units and mobiles of all people found come in two queries, not two per
 * person: on PostgreSQL every statement is a round trip (measured p99 27 ms
 * for 20 people, one by one). SQLite gets an IN list of fixed length, so the
 * statement stays one cached statement (unused places hold 0: no person);
 * PostgreSQL gets one array parameter, as its generic plan for 100
 * parameters was slow (p50 0.7 → 1.4 ms). */
#define IN10      "?,?,?,?,?,?,?,?,?,?"
#define IN100     IN10 "," IN10 "," IN10 "," IN10 "," IN10 "," IN10 "," IN10 "," IN10 "," IN10 "," IN10
#define MAX_FOUND 100 /* the largest limit */

static const char units_of_people[] =
    "SELECT o.person_id, u.id, u.code, o.role FROM occupancies o JOIN units u"
    " ON u.id = o.unit_id WHERE o.person_id IN (" IN100 ") AND o.start_date <= ?"
    " AND (o.end_date IS NULL OR o.end_date >= ?) ORDER BY o.person_id, u.id LIMIT 2000";
static const char mobiles_of_people[] =
    "SELECT person_id, mobile FROM person_mobiles WHERE person_id IN (" IN100 ")"
    " ORDER BY person_id, position";
static const char units_of_people_pg[] =
    "SELECT o.person_id, u.id, u.code, o.role FROM occupancies o JOIN units u"
    " ON u.id = o.unit_id WHERE o.person_id = ANY(CAST(? AS BIGINT[])) AND o.start_date <= ?"
    " AND (o.end_date IS NULL OR o.end_date >= ?) ORDER BY o.person_id, u.id LIMIT 2000";
static const char mobiles_of_people_pg[] =
    "SELECT person_id, mobile FROM person_mobiles WHERE person_id = ANY(CAST(? AS BIGINT[]))"
    " ORDER BY person_id, position";

/* Column COL's text in the request's arena (NULL for NULL). */
static const char *text_dup(kf_arena *a, kf_stmt *st, int col)
{
    const char *s = kf_stmt_text(st, col);
    return s ? kf_arena_strdup(a, s) : NULL;
}

static lk_person *person_by_id(lk_person *people, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (people[i].id == id) return &people[i];
    return NULL;
}

/* Room for one more of N items of SIZE bytes at *ITEMS (capacity *CAP), in
 * the request's arena: a person's units and mobiles are few. */
static void *one_more(kf_arena *a, void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap) return items;
    size_t bigger = *cap ? *cap * 2 : 4;
    void *grown = kf_arena_alloc(a, bigger * size);
    if (n) memcpy(grown, items, n * size);
    *cap = bigger;
    return grown;
}

/* Runs SQL (one of the two above) for PEOPLE[0..N) and adds each row to the
 * person's units (UNITS) or mobiles. */
static int fill_people(lookup *l, lk_person *people, size_t n, const char *sql, int units)
{
    int pg = kf_tx_is_postgres(l->tx);
    if (pg) sql = units ? units_of_people_pg : mobiles_of_people_pg;
    kf_stmt *st;
    int rc = kf_tx_prepare(l->tx, sql, &st);
    if (rc != KF_OK) return rc;
    int next = 1;
    if (pg) { /* "{12,15,40}" */
        kf_buf ids;
        kf_buf_init(&ids, 0);
        kf_buf_puts(&ids, "{");
        for (size_t i = 0; i < n; i++)
            kf_buf_printf(&ids, "%s%lld", i ? "," : "", (long long)people[i].id);
        kf_buf_puts(&ids, "}");
        kf_stmt_bind_text(st, next++, ids.data);
        kf_buf_free(&ids);
    } else {
        for (size_t i = 0; i < MAX_FOUND; i++)
            kf_stmt_bind_i64(st, next++, i < n ? people[i].id : 0);
    }
    if (units) {
        char today[32];
        kf_time_format(kf_now_ms(), today, sizeof(today));
        today[10] = '\0';
        kf_stmt_bind_text(st, next++, today);
        kf_stmt_bind_text(st, next, today);
    }
    kf_arena *a = &l->req->arena;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        lk_person *p = person_by_id(people, n, kf_stmt_i64(st, 0));
        if (!p) continue;
        if (units) {
            p->units = one_more(a, p->units, p->nunits, &p->units_cap, sizeof(lk_unit));
            p->units[p->nunits++] = (lk_unit){.lived_in = 1,
                                              .id = kf_stmt_i64(st, 1),
                                              .code = text_dup(a, st, 2),
                                              .role = text_dup(a, st, 3)};
        } else {
            char masked[KF_MOBILE_LEN];
            kf_mask_mobile(kf_stmt_text(st, 1), masked, sizeof(masked));
            p->mobiles =
                one_more(a, p->mobiles, p->nmobiles, &p->mobiles_cap, sizeof(const char *));
            p->mobiles[p->nmobiles++] = kf_arena_strdup(a, masked);
        }
    }
    return rc == KF_DONE ? KF_OK : rc;
}

/* Collects the people the statement yields (id, project_id, name, kind, grade). */
static int add_people(lookup *l, kf_stmt *st)
{
    kf_arena *a = &l->req->arena;
    lk_person *found = l->people + l->npeople;
    size_t n = 0;
    int rc = KF_OK;
    while (l->npeople + n < MAX_FOUND && (rc = kf_stmt_step(st)) == KF_ROW)
        found[n++] = (lk_person){.id = kf_stmt_i64(st, 0),
                                 .project = kf_stmt_i64(st, 1),
                                 .name = text_dup(a, st, 2),
                                 .kind = text_dup(a, st, 3),
                                 .grade = text_dup(a, st, 4)};
    if (rc == KF_ROW || rc == KF_DONE) rc = KF_OK; /* KF_ROW: MAX_FOUND reached */
    if (rc == KF_OK && n) {
        rc = fill_people(l, found, n, units_of_people, 1);
        if (rc == KF_OK) rc = fill_people(l, found, n, mobiles_of_people, 0);
    }
    if (rc == KF_OK) l->npeople += n;
    return rc;
}

#define PERSON_COLS "p.id, p.project_id, p.name, p.kind, p.grade"

/* Each search is one statement over every project searched, in both scope
 * forms (statements are cached by their text's address, so these are
 * literals), ordered by project first: the answer lists the first project's
 * finds first, as a search project by project would. One statement, not
 * one per project: an agent of 20 projects made 60 statements a lookup
 * (measured 174 µs of server CPU at 10,000,000 tickets). */
#define SCOPED(head, col, tail)                                                                    \
    {                                                                                              \
        head KF_SCOPE_ONE_ON(col) tail, head KF_SCOPE_MANY_ON(col) tail                            \
    }

static const char *const by_mobile[2] =
    SCOPED("SELECT DISTINCT " PERSON_COLS " FROM person_mobiles m JOIN people p"
           " ON p.id = m.person_id WHERE",
           "m.project_id", " AND m.mobile = ? ORDER BY p.project_id, p.id LIMIT ?");
static const char *const by_last4[2] =
    SCOPED("SELECT DISTINCT " PERSON_COLS " FROM person_mobiles m JOIN people p"
           " ON p.id = m.person_id WHERE",
           "m.project_id", " AND m.last4 = ? ORDER BY p.project_id, p.id LIMIT ?");
static const char *const by_idnum[2] =
    SCOPED("SELECT " PERSON_COLS " FROM people p WHERE", "p.project_id",
           " AND p.id_hash = ? ORDER BY p.project_id, p.id LIMIT ?");
static const char *const by_gram[2] =
    SCOPED("SELECT " PERSON_COLS " FROM person_grams g JOIN people p ON p.id = g.person_id WHERE",
           "g.project_id",
           " AND g.gram = ? AND LOWER(p.name) LIKE LOWER(?) ESCAPE '\\'"
           " ORDER BY g.project_id, g.person_id LIMIT ?");
static const char *const by_name[2] =
    SCOPED("SELECT " PERSON_COLS " FROM people p WHERE", "p.project_id",
           " AND LOWER(p.name) LIKE LOWER(?) ESCAPE '\\' ORDER BY p.project_id, p.id LIMIT ?");

/* SCOPE: 0 for the one project PROJECT, 1 for every project the caller sees. */
static int find_people(lookup *l, int scope, int64_t project)
{
    const char *sql;
    const char *arg = l->key, *like = NULL; /* LIKE: the name the gram found must hold */
    switch (l->kind) {
    case Q_MOBILE:
        sql = by_mobile[scope];
        break;
    case Q_LAST4:
        sql = by_last4[scope];
        break;
    case Q_IDNUM:
        sql = by_idnum[scope];
        break;
    default:
        sql = l->has_gram ? by_gram[scope] : by_name[scope];
        arg = l->has_gram ? l->gram : like_pattern(l->req, l->q, 1);
        if (l->has_gram) like = like_pattern(l->req, l->q, 0);
    }
    kf_stmt *st;
    int rc = kf_tx_prepare(l->tx, sql, &st);
    if (rc != KF_OK) return rc;
    int i = kf_api_bind_scope(l->req, st, project);
    kf_stmt_bind_text(st, i++, arg);
    if (like) kf_stmt_bind_text(st, i++, like);
    kf_stmt_bind_i64(st, i, l->limit);
    return add_people(l, st);
}

/* The unit with code q, then the codes it begins, in code order: one range
 * [q, q + the largest code point) of the (project_id, code) index, compared
 * bytewise (SQLite's BINARY; PostgreSQL's index and query both use COLLATE
 * "C"), where LIKE 'q%' could not use the index. */
#define UNIT_HEAD "SELECT id, project_id, building_id, code, status FROM units WHERE"
static const char *const units_sqlite[2] = SCOPED(
    UNIT_HEAD, "project_id", " AND code >= ? AND code < ? ORDER BY project_id, code LIMIT ?");
static const char *const units_postgres[2] =
    SCOPED(UNIT_HEAD, "project_id",
           " AND code COLLATE \"C\" >= ? AND code COLLATE \"C\" < ?"
           " ORDER BY project_id, code COLLATE \"C\" LIMIT ?");

static int find_units(lookup *l, int scope, int64_t project)
{
    if (l->kind != Q_TEXT && l->kind != Q_LAST4) return KF_OK;
    kf_stmt *st;
    int rc = kf_tx_prepare(l->tx, (kf_tx_is_postgres(l->tx) ? units_postgres : units_sqlite)[scope],
                           &st);
    if (rc != KF_OK) return rc;
    int i = kf_api_bind_scope(l->req, st, project);
    kf_stmt_bind_text(st, i++, l->q);
    kf_stmt_bind_text(st, i++, kf_arena_printf(&l->req->arena, "%s\xf4\x8f\xbf\xbf", l->q));
    kf_stmt_bind_i64(st, i, l->limit);
    kf_arena *a = &l->req->arena;
    while (l->nunits < MAX_FOUND && (rc = kf_stmt_step(st)) == KF_ROW)
        l->units[l->nunits++] = (lk_unit){.id = kf_stmt_i64(st, 0),
                                          .project = kf_stmt_i64(st, 1),
                                          .building = kf_stmt_i64(st, 2),
                                          .code = text_dup(a, st, 3),
                                          .status = text_dup(a, st, 4)};
    return rc == KF_DONE || rc == KF_ROW ? KF_OK : rc;
}

/* Calls FN(unit, ARG) for every unit of the answer: those found, then each
 * person's. */
static void each_unit(lookup *l, void (*fn)(lk_unit *u, void *arg), void *arg)
{
    for (size_t i = 0; i < l->nunits; i++)
        fn(&l->units[i], arg);
    for (size_t p = 0; p < l->npeople; p++)
        for (size_t i = 0; i < l->people[p].nunits; i++)
            fn(&l->people[p].units[i], arg);
}

typedef struct {
    kf_buf *ids;
    int any;
} id_list;

static void list_id(lk_unit *u, void *arg)
{
    id_list *list = arg;
    kf_buf_printf(list->ids, "%s%lld", list->any ? "," : "", (long long)u->id);
    list->any = 1;
}

typedef struct {
    int64_t unit, n;
} open_count;

static void set_open(lk_unit *u, void *arg)
{
    const open_count *c = arg;
    if (u->id == c->unit) u->open_tickets = c->n;
}

/* Each unit found gets its open tickets count (the front desk sees at once
 * whether the caller is chasing an open request), in one statement over the
 * (unit_id, is_open) index for all the units: the same unit code in every
 * project of a desk's 20 made 13 counts a lookup, one statement each. The ids
 * go as one parameter: a JSON array for SQLite, an array for PostgreSQL. */
static int add_open_counts(lookup *l)
{
    int pg = kf_tx_is_postgres(l->tx);
    kf_buf ids;
    kf_buf_init(&ids, 0);
    kf_buf_puts(&ids, pg ? "{" : "[");
    id_list list = {&ids, 0};
    each_unit(l, list_id, &list);
    kf_buf_puts(&ids, pg ? "}" : "]");
    int rc = KF_OK;
    if (list.any) {
        kf_stmt *st;
        rc = kf_tx_query(l->tx, &st,
                         pg ? "SELECT unit_id, COUNT(*) FROM tickets WHERE unit_id ="
                              " ANY(CAST(? AS BIGINT[])) AND is_open = 1 GROUP BY unit_id"
                            : "SELECT unit_id, COUNT(*) FROM tickets WHERE unit_id IN"
                              " (SELECT value FROM json_each(?)) AND is_open = 1 GROUP BY unit_id",
                         "s", ids.data);
        while (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_ROW) {
            open_count c = {kf_stmt_i64(st, 0), kf_stmt_i64(st, 1)};
            each_unit(l, set_open, &c);
            rc = KF_OK;
        }
        if (rc == KF_DONE) rc = KF_OK;
    }
    kf_buf_free(&ids);
    return rc;
}

/* U as JSON: a unit found ({id, project_id, building_id, code, status,
 * open_tickets}) or one a person lives in ({id, code, role, open_tickets}). */
static void unit_write(const lk_unit *u, kf_jsonw *w)
{
    kf_jsonw_object(w);
    kf_jsonw_key(w, "id");
    kf_jsonw_int(w, u->id);
    if (!u->lived_in) {
        kf_jsonw_key(w, "project_id");
        kf_jsonw_int(w, u->project);
        kf_jsonw_key(w, "building_id");
        kf_jsonw_int(w, u->building);
    }
    kf_jsonw_key(w, "code");
    kf_jsonw_str(w, u->code);
    kf_jsonw_key(w, u->lived_in ? "role" : "status");
    kf_jsonw_str(w, u->lived_in ? u->role : u->status);
    kf_jsonw_key(w, "open_tickets");
    kf_jsonw_int(w, u->open_tickets);
    kf_jsonw_end(w);
}

/* The answer, written as JSON text: {"people": […], "units": […]}. */
static void answer_write(const lookup *l, kf_jsonw *w)
{
    kf_jsonw_object(w);
    kf_jsonw_key(w, "people");
    kf_jsonw_array(w);
    for (size_t i = 0; i < l->npeople; i++) {
        const lk_person *p = &l->people[i];
        kf_jsonw_object(w);
        kf_jsonw_key(w, "id");
        kf_jsonw_int(w, p->id);
        kf_jsonw_key(w, "project_id");
        kf_jsonw_int(w, p->project);
        kf_jsonw_key(w, "name");
        kf_jsonw_str(w, p->name);
        kf_jsonw_key(w, "kind");
        kf_jsonw_str(w, p->kind);
        kf_jsonw_key(w, "grade");
        kf_jsonw_str(w, p->grade);
        kf_jsonw_key(w, "units");
        kf_jsonw_array(w);
        for (size_t k = 0; k < p->nunits; k++)
            unit_write(&p->units[k], w);
        kf_jsonw_end(w);
        kf_jsonw_key(w, "mobiles");
        kf_jsonw_array(w);
        for (size_t k = 0; k < p->nmobiles; k++)
            kf_jsonw_str(w, p->mobiles[k]);
        kf_jsonw_end(w);
        kf_jsonw_end(w);
    }
    kf_jsonw_end(w);
    kf_jsonw_key(w, "units");
    kf_jsonw_array(w);
    for (size_t i = 0; i < l->nunits; i++)
        unit_write(&l->units[i], w);
    kf_jsonw_end(w);
    kf_jsonw_end(w);
}

static void lookup_get(kf_req *req)
{
    kf_input in;
    kf_query_begin(&in, req);
    lookup l = {.req = req, .limit = 20};
    int64_t project = 0;
    l.q = kf_query_str(&in, "q", 64);
    if (!l.q && !in.fields) kf_input_fail(&in, "q", "required");
    kf_query_i64(&in, "project_id", 1, INT64_MAX, &project);
    kf_query_i64(&in, "limit", 1, 100, &l.limit);
    if (kf_input_end(&in)) return;
    if (!(l.tx = kf_req_read(req))) return;
    classify(&l);
    l.people = kf_arena_alloc(&req->arena, MAX_FOUND * sizeof(lk_person));
    l.units = kf_arena_alloc(&req->arena, MAX_FOUND * sizeof(lk_unit));
    int rc = KF_OK;
    if (!project || kf_req_sees_project(req, project)) { /* else: nothing to find */
        int scope = project ? 0 : 1;
        rc = find_people(&l, scope, project);
        if (rc == KF_OK) rc = find_units(&l, scope, project);
    }
    if (rc == KF_OK) rc = add_open_counts(&l);
    if (rc != KF_OK) {
        kf_reply_status(req, rc);
        return;
    }
    kf_buf out;
    kf_buf_init(&out, 0);
    kf_jsonw w;
    kf_jsonw_init(&w, &out);
    answer_write(&l, &w);
    if (w.failed) { /* the buffer has no limit: cannot happen */
        kf_buf_free(&out);
        kf_reply_error(req, 500, "internal", NULL);
        return;
    }
    size_t len = out.len;
    kf_reply_owned(req, 200, "application/json; charset=utf-8", kf_buf_steal(&out), len);
}

int kf_api_lookup_register(kf_router *r)
{
    return kf_router_add(r, "GET", "/api/v1/lookup", "records.read", lookup_get, 0);
}
