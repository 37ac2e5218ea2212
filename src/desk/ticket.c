/* The ticket row: one column table drives the SELECT, INSERT and UPDATE, so
 * the three cannot drift apart; the SQL is literal (cached by address). */
#include "desk/ticket.h"

#include "core/err.h"
#include "store/search_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kf_ticket_types[] = {"repair",     "complaint", "inquiry", "service_request",
                                       "suggestion", "praise",    NULL};
const char *const kf_ticket_channels[] = {"phone", "visit", "portal", "staff", "api", NULL};
const char *const kf_ticket_severities[] = {"general", "major", NULL};
const char *const kf_hold_reasons[] = {"customer", "materials", "third_party", NULL};

int kf_in_list(const char *const *list, const char *s)
{
    for (; s && *list; list++)
        if (strcmp(*list, s) == 0) return 1;
    return 0;
}

/* 'i': integer (NULL when 0 for ids and times), 'n': integer never NULL, 's': text */
typedef struct {
    const char *name;
    char type;
} column;

#define TICKET_COLUMNS                                                                             \
    "id, project_id, type, channel, severity, category_id, status, is_open, held_from,"            \
    " hold_reason, person_id, unit_id, caller_name, caller_phone, subject, description,"           \
    " invalid_reason, answer, routing_rule_id, policy_id, department_id, assignee_id,"             \
    " escalation_level, plan, visit_at, resolution, root_cause, merged_into, reopen_count,"        \
    " repeat_of, chase_count, dispatched_at, resolved_at, closed_at, next_due_at, next_alarm_at,"  \
    " created_by, created_at, updated_at, version"

static const column columns[] = {
    {"id", 'n'},
    {"project_id", 'n'},
    {"type", 's'},
    {"channel", 's'},
    {"severity", 's'},
    {"category_id", 'i'},
    {"status", 's'},
    {"is_open", 'n'},
    {"held_from", 's'},
    {"hold_reason", 's'},
    {"person_id", 'i'},
    {"unit_id", 'i'},
    {"caller_name", 's'},
    {"caller_phone", 's'},
    {"subject", 's'},
    {"description", 's'},
    {"invalid_reason", 's'},
    {"answer", 's'},
    {"routing_rule_id", 'i'},
    {"policy_id", 'i'},
    {"department_id", 'i'},
    {"assignee_id", 'i'},
    {"escalation_level", 'n'},
    {"plan", 's'},
    {"visit_at", 'i'},
    {"resolution", 's'},
    {"root_cause", 's'},
    {"merged_into", 'i'},
    {"reopen_count", 'n'},
    {"repeat_of", 'i'},
    {"chase_count", 'n'},
    {"dispatched_at", 'i'},
    {"resolved_at", 'i'},
    {"closed_at", 'i'},
    {"next_due_at", 'i'},
    {"next_alarm_at", 'i'},
    {"created_by", 'i'},
    {"created_at", 'n'},
    {"updated_at", 'n'},
    {"version", 'n'},
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

/* The row and its clocks in one statement, one row per clock (on PostgreSQL
 * each statement is a round trip: a ticket page made six); for showing, the
 * names shown beside it too (shown_names), before the clocks' columns. */
#define CLOCK_COLUMNS                                                                              \
    "k.id, k.milestone, k.basis, k.target_ms, k.remind_percent, k.escalate_after_ms,"              \
    " k.pause_on_hold, k.restart_on_reopen, k.state, k.started_at, k.due_at, k.met_at,"            \
    " k.paused_at, k.paused_ms, k.remind_at, k.reminded_at, k.breached_at, k.escalate_at,"         \
    " k.escalated_at"
#define THE_TICKET "(SELECT " TICKET_COLUMNS " FROM tickets WHERE id = ?) x"
#define ITS_CLOCKS " LEFT JOIN ticket_clocks k ON k.ticket_id = x.id"
static const char select_sql[] = "SELECT x.*, " CLOCK_COLUMNS " FROM " THE_TICKET ITS_CLOCKS;
static const char shown_sql[] =
    "SELECT x.*, c.code, c.name_zh, c.name_en, u.code, " CLOCK_COLUMNS " FROM " THE_TICKET
    " LEFT JOIN ticket_categories c ON c.id = x.category_id"
    " LEFT JOIN units u ON u.id = x.unit_id" ITS_CLOCKS;
static const char *const shown_names[] = {"category_code", "category_name_zh", "category_name_en",
                                          "unit_code"};
#define NSHOWN_NAMES (sizeof(shown_names) / sizeof(shown_names[0]))
/* every column but id, in order */
#define INSERT_SQL                                                                                 \
    "INSERT INTO tickets (project_id, type, channel, severity, category_id, status, is_open,"      \
    " held_from, hold_reason, person_id, unit_id, caller_name, caller_phone, subject,"             \
    " description, invalid_reason, answer, routing_rule_id, policy_id, department_id,"             \
    " assignee_id, escalation_level, plan, visit_at, resolution, root_cause, merged_into,"         \
    " reopen_count, repeat_of, chase_count, dispatched_at, resolved_at, closed_at, next_due_at,"   \
    " next_alarm_at, created_by, created_at, updated_at, version)"                                 \
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"    \
    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
/* every column but id, project_id, created_by, created_at, version (set by the lock) */
static const char update_sql[] =
    "UPDATE tickets SET type = ?, channel = ?, severity = ?, category_id = ?, status = ?,"
    " is_open = ?, held_from = ?, hold_reason = ?, person_id = ?, unit_id = ?,"
    " caller_name = ?, caller_phone = ?, subject = ?, description = ?, invalid_reason = ?,"
    " answer = ?, routing_rule_id = ?, policy_id = ?, department_id = ?, assignee_id = ?,"
    " escalation_level = ?, plan = ?, visit_at = ?, resolution = ?, root_cause = ?,"
    " merged_into = ?,"
    " reopen_count = ?, repeat_of = ?, chase_count = ?, dispatched_at = ?, resolved_at = ?,"
    " closed_at = ?, next_due_at = ?, next_alarm_at = ?, updated_at = ? WHERE id = ?";

int64_t kf_ticket_i(const kf_ticket *t, const char *col)
{
    return json_integer_value(json_object_get(t->row, col));
}

const char *kf_ticket_s(const kf_ticket *t, const char *col)
{
    return json_string_value(json_object_get(t->row, col));
}

void kf_ticket_set_i(kf_ticket *t, const char *col, int64_t v)
{
    json_object_set_new(t->row, col, json_integer(v));
}

void kf_ticket_set_s(kf_ticket *t, const char *col, const char *v)
{
    json_object_set_new(t->row, col, v ? json_string(v) : json_null());
}

kf_ticket_state kf_ticket_status(const kf_ticket *t)
{
    int s = kf_ticket_state_parse(kf_ticket_s(t, "status"));
    return s < 0 ? KF_TS_NEW : (kf_ticket_state)s;
}

int kf_ticket_new(kf_ticket *t, int64_t project, int64_t now)
{
    memset(t, 0, sizeof(*t));
    t->row = json_object();
    if (!t->row) return KF_EIO;
    for (size_t i = 0; i < NCOLUMNS; i++)
        json_object_set_new(t->row, columns[i].name,
                            columns[i].type == 's' ? json_null() : json_integer(0));
    kf_ticket_set_i(t, "project_id", project);
    kf_ticket_set_s(t, "status", "new");
    kf_ticket_set_i(t, "is_open", 1);
    kf_ticket_set_s(t, "caller_name", "");
    kf_ticket_set_s(t, "description", "");
    kf_ticket_set_i(t, "created_at", now);
    kf_ticket_set_i(t, "updated_at", now);
    kf_ticket_set_i(t, "version", 1);
    t->before_counts = json_array();
    t->clocks_loaded = 1;
    kf_ticket_facts_mark(t, 1);
    return t->before_counts ? KF_OK : KF_EIO;
}

static void bind_column(kf_stmt *st, int idx, const kf_ticket *t, const column *c)
{
    json_t *v = json_object_get(t->row, c->name);
    if (c->type == 's') {
        kf_stmt_bind_text(st, idx, json_string_value(v));
    } else if (c->type == 'i' && json_integer_value(v) == 0) {
        kf_stmt_bind_null(st, idx);
    } else {
        kf_stmt_bind_i64(st, idx, json_integer_value(v));
    }
}

static json_t *text_value(kf_stmt *st, int col)
{
    return kf_stmt_isnull(st, col) ? json_null() : json_string(kf_stmt_text(st, col));
}

/* The row of ST into T; NAMED: the shown_names follow the columns. */
static int read_row(kf_stmt *st, kf_ticket *t, int named)
{
    t->row = json_object();
    if (!t->row) return KF_EIO;
    for (size_t i = 0; i < NCOLUMNS; i++) {
        json_t *v;
        if (columns[i].type == 's')
            v = text_value(st, (int)i);
        else
            v = json_integer(kf_stmt_isnull(st, (int)i) ? 0 : kf_stmt_i64(st, (int)i));
        json_object_set_new(t->row, columns[i].name, v);
    }
    for (size_t i = 0; named && i < NSHOWN_NAMES; i++)
        json_object_set_new(t->row, shown_names[i], text_value(st, (int)(NCOLUMNS + i)));
    t->names_loaded = named;
    return KF_OK;
}

/* ---- queue counts ---- */

/* The buckets an open ticket counts in (see the ticket_counts table). */
json_t *kf_ticket_buckets(const kf_ticket *t)
{
    json_t *b = json_array();
    if (!kf_ticket_i(t, "is_open")) return b;
    char name[40];
    json_array_append_new(b, json_string("open"));
    if (!kf_ticket_i(t, "assignee_id")) json_array_append_new(b, json_string("unassigned"));
    if (kf_ticket_i(t, "escalation_level") > 0) json_array_append_new(b, json_string("escalated"));
    kf_ticket_state st = kf_ticket_status(t);
    if (st == KF_TS_RESOLVED || st == KF_TS_FOLLOW_UP)
        json_array_append_new(b, json_string("follow_up"));
    if (kf_ticket_i(t, "department_id")) {
        snprintf(name, sizeof(name), "dept:%lld", (long long)kf_ticket_i(t, "department_id"));
        json_array_append_new(b, json_string(name));
    }
    if (kf_ticket_i(t, "assignee_id")) {
        snprintf(name, sizeof(name), "user:%lld", (long long)kf_ticket_i(t, "assignee_id"));
        json_array_append_new(b, json_string(name));
    }
    return b;
}

static int in_buckets(const json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (strcmp(json_string_value(v), s) == 0) return 1;
    return 0;
}

typedef struct {
    const char *bucket;
    int delta;
} count_change;

static int by_bucket(const void *a, const void *b)
{
    return strcmp(((const count_change *)a)->bucket, ((const count_change *)b)->bucket);
}

/* Up to four counters changed in one statement (a new ticket changes three:
 * on PostgreSQL each statement is a round trip). The rows are locked in
 * their order in VALUES. */
#define COUNT_ROW "(?, ?, ?, ?)"
#define COUNTS_UPSERT(rows)                                                                        \
    "INSERT INTO ticket_counts (project_id, bucket, stripe, n) VALUES " rows                       \
    " ON CONFLICT (project_id, bucket, stripe) DO UPDATE SET n = ticket_counts.n + excluded.n"
static const char *const counts_upsert[] = {
    COUNTS_UPSERT(COUNT_ROW),
    COUNTS_UPSERT(COUNT_ROW ", " COUNT_ROW),
    COUNTS_UPSERT(COUNT_ROW ", " COUNT_ROW ", " COUNT_ROW),
    COUNTS_UPSERT(COUNT_ROW ", " COUNT_ROW ", " COUNT_ROW ", " COUNT_ROW),
};
#define COUNTS_PER_STATEMENT (sizeof(counts_upsert) / sizeof(counts_upsert[0]))

/* Adds CHANGES (N, in bucket order) to PROJECT's counters of STRIPE. */
static int bump(kf_tx *tx, int64_t project, int64_t stripe, const count_change *changes, size_t n)
{
    int rc = KF_OK;
    for (size_t done = 0, k; done < n && rc == KF_OK; done += k) {
        k = n - done < COUNTS_PER_STATEMENT ? n - done : COUNTS_PER_STATEMENT;
        kf_stmt *st;
        if ((rc = kf_tx_prepare(tx, counts_upsert[k - 1], &st)) != KF_OK) return rc;
        for (size_t i = 0; i < k; i++) {
            int at = (int)(4 * i);
            kf_stmt_bind_i64(st, at + 1, project);
            kf_stmt_bind_text(st, at + 2, changes[done + i].bucket);
            kf_stmt_bind_i64(st, at + 3, stripe);
            kf_stmt_bind_i64(st, at + 4, changes[done + i].delta);
        }
        rc = kf_stmt_step(st);
        rc = rc == KF_DONE ? KF_OK : rc;
    }
    return rc;
}

/* The buckets the ticket left and joined. They are applied in name order:
 * two writers then take the counter rows' locks in the same order on
 * PostgreSQL and cannot deadlock. */
static int update_counts(kf_tx *tx, kf_ticket *t)
{
    json_t *after = kf_ticket_buckets(t);
    if (!after) return KF_EIO;
    count_change changes[16];
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(t->before_counts, i, v)
    {
        if (n < 16 && !in_buckets(after, json_string_value(v)))
            changes[n++] = (count_change){json_string_value(v), -1};
    }
    json_array_foreach(after, i, v)
    {
        if (n < 16 && !in_buckets(t->before_counts, json_string_value(v)))
            changes[n++] = (count_change){json_string_value(v), 1};
    }
    qsort(changes, n, sizeof(changes[0]), by_bucket);
    int64_t project = kf_ticket_i(t, "project_id");
    /* the transaction's own rows: concurrent writes never wait on each other here */
    int64_t stripe = kf_tx_stripe(tx);
    int rc = bump(tx, project, stripe, changes, n);
    json_decref(t->before_counts); /* the names in CHANGES are not used after this */
    t->before_counts = after;
    return rc;
}

/* ---- clocks ---- */

/* The clock in columns [BASE, BASE + 19) of ST's row, if any, into T. */
static void clock_read(kf_stmt *st, int base, kf_ticket *t)
{
    if (kf_stmt_isnull(st, base)) return; /* a ticket without clocks */
    int m = kf_milestone_parse(kf_stmt_text(st, base + 1));
    if (m < 0) return;
    kf_clock *c = &t->clocks[m];
    memset(c, 0, sizeof(*c));
    c->id = kf_stmt_i64(st, base);
    c->t.milestone = (kf_milestone)m;
    int basis = kf_basis_parse(kf_stmt_text(st, base + 2));
    c->t.basis = basis < 0 ? KF_BASIS_WORKING : (kf_basis)basis;
    c->t.target_ms = kf_stmt_i64(st, base + 3);
    c->t.remind_percent = (int)kf_stmt_i64(st, base + 4);
    c->t.escalate_after_ms = kf_stmt_i64(st, base + 5);
    c->t.pause_on_hold = (int)kf_stmt_i64(st, base + 6);
    c->t.restart_on_reopen = (int)kf_stmt_i64(st, base + 7);
    int state = kf_clock_state_parse(kf_stmt_text(st, base + 8));
    c->state = state < 0 ? KF_CLOCK_CANCELLED : (kf_clock_state)state;
    int64_t *times[] = {&c->started_at,  &c->due_at,      &c->met_at,      &c->paused_at,
                        &c->paused_ms,   &c->remind_at,   &c->reminded_at, &c->breached_at,
                        &c->escalate_at, &c->escalated_at};
    for (int i = 0; i < 10; i++)
        *times[i] = kf_stmt_isnull(st, base + 9 + i) ? 0 : kf_stmt_i64(st, base + 9 + i);
    t->has_clock[m] = 1;
    t->stored[m] = *c;
}

static void bind_time(kf_stmt *st, int idx, int64_t v)
{
    if (v)
        kf_stmt_bind_i64(st, idx, v);
    else
        kf_stmt_bind_null(st, idx);
}

/* Binds C's columns from AT + 1 on, the order of both statements below. */
static void bind_clock(kf_stmt *st, int at, const kf_clock *c)
{
    kf_stmt_bind_text(st, at + 1, kf_basis_name(c->t.basis));
    kf_stmt_bind_i64(st, at + 2, c->t.target_ms);
    kf_stmt_bind_i64(st, at + 3, c->t.remind_percent);
    kf_stmt_bind_i64(st, at + 4, c->t.escalate_after_ms);
    kf_stmt_bind_i64(st, at + 5, c->t.pause_on_hold);
    kf_stmt_bind_i64(st, at + 6, c->t.restart_on_reopen);
    kf_stmt_bind_text(st, at + 7, kf_clock_state_name(c->state));
    bind_time(st, at + 8, c->started_at);
    bind_time(st, at + 9, c->due_at);
    bind_time(st, at + 10, c->met_at);
    bind_time(st, at + 11, c->paused_at);
    kf_stmt_bind_i64(st, at + 12, c->paused_ms);
    bind_time(st, at + 13, c->remind_at);
    bind_time(st, at + 14, c->reminded_at);
    bind_time(st, at + 15, c->breached_at);
    bind_time(st, at + 16, c->escalate_at);
    bind_time(st, at + 17, c->escalated_at);
}

static int update_clock(kf_tx *tx, const kf_clock *c)
{
    kf_stmt *st;
    int rc = kf_tx_prepare(tx,
                           "UPDATE ticket_clocks SET basis = ?, target_ms = ?, remind_percent = ?,"
                           " escalate_after_ms = ?, pause_on_hold = ?, restart_on_reopen = ?,"
                           " state = ?, started_at = ?, due_at = ?, met_at = ?, paused_at = ?,"
                           " paused_ms = ?, remind_at = ?, reminded_at = ?, breached_at = ?,"
                           " escalate_at = ?, escalated_at = ? WHERE id = ?",
                           &st);
    if (rc != KF_OK) return rc;
    bind_clock(st, 0, c);
    kf_stmt_bind_i64(st, 18, c->id);
    rc = kf_stmt_step(st);
    return rc == KF_DONE ? KF_OK : rc;
}

#define CLOCK_INSERT_SQL(rows, returning)                                                          \
    "INSERT INTO ticket_clocks (basis, target_ms, remind_percent, escalate_after_ms,"              \
    " pause_on_hold, restart_on_reopen, state, started_at, due_at, met_at, paused_at, paused_ms,"  \
    " remind_at, reminded_at, breached_at, escalate_at, escalated_at, ticket_id, milestone)"       \
    " VALUES " rows returning
#define CLOCK_ROW   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define CLOCK_ROWS2 CLOCK_ROW ", " CLOCK_ROW
#define CLOCK_ROWS4 CLOCK_ROWS2 ", " CLOCK_ROWS2
#define CLOCK_INSERTS(returning)                                                                   \
    {                                                                                              \
        CLOCK_INSERT_SQL(CLOCK_ROW, returning), CLOCK_INSERT_SQL(CLOCK_ROWS2, returning),          \
            CLOCK_INSERT_SQL(CLOCK_ROWS2 ", " CLOCK_ROW, returning),                               \
            CLOCK_INSERT_SQL(CLOCK_ROWS4, returning),                                              \
            CLOCK_INSERT_SQL(CLOCK_ROWS4 ", " CLOCK_ROW, returning),                               \
            CLOCK_INSERT_SQL(CLOCK_ROWS4 ", " CLOCK_ROWS2, returning)                              \
    }
enum { CLOCK_PARAMS = 19 };

/* A new ticket's clocks (up to six) in one statement, not one each: the
 * writer's work per statement, or a round trip on PostgreSQL. [1]: PostgreSQL,
 * whose ids come back beside their milestones (unique per ticket); [0]:
 * SQLite, where the rows of one INSERT take consecutive rowids in the order
 * of its VALUES (one past the largest, row by row), so the last id gives
 * them all; RETURNING would cost more than the rows themselves. */
static const char *const clock_insert_sql[2][KF_MS_COUNT] = {
    CLOCK_INSERTS(""), CLOCK_INSERTS(" RETURNING id, milestone")};

/* Inserts T's clocks M[0..N) and sets their ids. */
static int insert_clocks(kf_tx *tx, kf_ticket *t, const kf_milestone *m, int n)
{
    int pg = kf_tx_needs_returning(tx);
    kf_stmt *st;
    int rc = kf_tx_prepare(tx, clock_insert_sql[pg][n - 1], &st);
    if (rc != KF_OK) return rc;
    int64_t ticket = kf_ticket_i(t, "id");
    for (int i = 0; i < n; i++) {
        int at = i * CLOCK_PARAMS;
        bind_clock(st, at, &t->clocks[m[i]]);
        kf_stmt_bind_i64(st, at + 18, ticket);
        kf_stmt_bind_text(st, at + 19, kf_milestone_name(m[i]));
    }
    if (!pg) {
        int64_t last = 0;
        if ((rc = kf_stmt_insert_step(st, &last)) != KF_OK) return rc;
        for (int i = 0; i < n; i++)
            t->clocks[m[i]].id = last - (n - 1 - i);
        return KF_OK;
    }
    int got = 0;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        int ms = kf_milestone_parse(kf_stmt_text(st, 1));
        if (ms < 0 || !t->has_clock[ms] || t->clocks[ms].id) return KF_EDB;
        t->clocks[ms].id = kf_stmt_i64(st, 0);
        got++;
    }
    if (rc != KF_DONE) return rc;
    return got == n ? KF_OK : KF_EDB;
}

/* The earliest open deadline and the next alarm, kept on the row so that
 * finding due work is an index range scan. */
void kf_ticket_compute_next(kf_ticket *t)
{
    int64_t next_due = 0, next_alarm = 0;
    for (int m = 0; m < KF_MS_COUNT; m++) {
        if (!t->has_clock[m]) continue;
        int64_t due = kf_clock_open_due(&t->clocks[m]);
        int64_t alarm = kf_clock_next_alarm(&t->clocks[m]);
        if (due && (!next_due || due < next_due)) next_due = due;
        if (alarm && (!next_alarm || alarm < next_alarm)) next_alarm = alarm;
    }
    kf_ticket_set_i(t, "next_due_at", next_due);
    kf_ticket_set_i(t, "next_alarm_at", next_alarm);
}

/* Field by field (a struct's padding is no part of it). */
static int clock_same(const kf_clock *a, const kf_clock *b)
{
    return a->id == b->id && a->t.milestone == b->t.milestone && a->t.basis == b->t.basis &&
           a->t.target_ms == b->t.target_ms && a->t.remind_percent == b->t.remind_percent &&
           a->t.escalate_after_ms == b->t.escalate_after_ms &&
           a->t.pause_on_hold == b->t.pause_on_hold &&
           a->t.restart_on_reopen == b->t.restart_on_reopen && a->state == b->state &&
           a->started_at == b->started_at && a->due_at == b->due_at && a->met_at == b->met_at &&
           a->paused_at == b->paused_at && a->paused_ms == b->paused_ms &&
           a->remind_at == b->remind_at && a->reminded_at == b->reminded_at &&
           a->breached_at == b->breached_at && a->escalate_at == b->escalate_at &&
           a->escalated_at == b->escalated_at;
}

int kf_ticket_save_clocks(kf_tx *tx, kf_ticket *t)
{
    kf_milestone fresh[KF_MS_COUNT];
    int nfresh = 0, rc = KF_OK;
    for (int m = 0; m < KF_MS_COUNT && rc == KF_OK; m++) {
        if (!t->has_clock[m]) continue;
        if (!t->clocks[m].id) fresh[nfresh++] = (kf_milestone)m;
        /* a write that leaves a clock as stored (a note, most steps for most
         * clocks) does not rewrite its row */
        else if (!clock_same(&t->clocks[m], &t->stored[m]))
            rc = update_clock(tx, &t->clocks[m]);
    }
    if (rc == KF_OK && nfresh) rc = insert_clocks(tx, t, fresh, nfresh);
    if (rc != KF_OK) return rc;
    for (int m = 0; m < KF_MS_COUNT; m++)
        if (t->has_clock[m]) t->stored[m] = t->clocks[m];
    return KF_OK;
}

/* ---- the row ---- */

int kf_ticket_insert_row(kf_tx *tx, kf_ticket *t)
{
    kf_stmt *st;
    kf_ticket_compute_next(t);
    int rc = kf_tx_prepare(tx, KF_INSERT_ID(tx, INSERT_SQL), &st);
    if (rc != KF_OK) return rc;
    for (size_t i = 1; i < NCOLUMNS; i++)
        bind_column(st, (int)i, t, &columns[i]);
    int64_t id = 0;
    if ((rc = kf_stmt_insert_step(st, &id)) != KF_OK) return rc;
    kf_ticket_set_i(t, "id", id);
    return KF_OK;
}

int kf_ticket_insert(kf_tx *tx, kf_ticket *t, const kf_workcal *cal)
{
    int rc = kf_ticket_insert_row(tx, t);
    if (rc != KF_OK) return rc;
    rc = kf_ticket_save_clocks(tx, t);
    if (rc == KF_OK) rc = update_counts(tx, t);
    return rc == KF_OK ? kf_ticket_facts_record(tx, t, cal, kf_ticket_i(t, "created_at")) : rc;
}

/* Loads ticket ID into T; FOR_WRITE: also what a save compares with (the
 * queue counts it was in, the facts' mark), which showing does not need,
 * and showing's names, which a write does not. */
static int load(kf_tx *tx, int64_t id, kf_ticket *t, int for_write)
{
    memset(t, 0, sizeof(*t));
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st, for_write ? select_sql : shown_sql, "i", id);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_ENOTFOUND : rc;
    if ((rc = read_row(st, t, !for_write)) != KF_OK) return rc;
    int clocks_at = (int)NCOLUMNS + (for_write ? 0 : (int)NSHOWN_NAMES);
    do
        clock_read(st, clocks_at, t);
    while ((rc = kf_stmt_step(st)) == KF_ROW);
    if (rc != KF_DONE) return rc;
    t->clocks_loaded = 1;
    if (for_write && !(t->before_counts = kf_ticket_buckets(t))) return KF_EIO;
    if (for_write) kf_ticket_facts_mark(t, 0);
    return KF_OK;
}

int kf_ticket_lock(kf_tx *tx, int64_t id, int64_t version, kf_ticket *t)
{
    int64_t changed = 0;
    /* the version bump is the row lock: a second writer waits for it on
     * PostgreSQL and then finds the version moved (409) */
    int rc = kf_tx_exec(tx, &changed,
                        "UPDATE tickets SET version = version + 1 WHERE id = ?"
                        " AND (CAST(? AS BIGINT) = 0 OR version = ?)",
                        "iii", id, version, version);
    if (rc != KF_OK) return rc;
    if (!changed) {
        int64_t exists = 0;
        rc = kf_tx_i64(tx, &exists, "SELECT COUNT(*) FROM tickets WHERE id = ?", "i", id);
        if (rc != KF_OK) return rc;
        memset(t, 0, sizeof(*t));
        return exists ? KF_ESTALE : KF_ENOTFOUND;
    }
    return load(tx, id, t, 1);
}

void kf_ticket_moved(kf_ticket *t, kf_ticket_state from, kf_ticket_state to, int64_t now)
{
    if (from == KF_TS_ON_HOLD) {
        kf_ticket_set_s(t, "held_from", NULL);
        kf_ticket_set_s(t, "hold_reason", NULL);
    }
    if (!kf_ticket_state_open(to)) kf_ticket_set_i(t, "closed_at", now);
}

#define TOUCH_SQL                                                                                  \
    "UPDATE tickets SET version = version + 1, updated_at = ? WHERE id = ?"                        \
    " AND (CAST(? AS BIGINT) = 0 OR version = ?)"

int kf_ticket_touch(kf_tx *tx, int64_t id, int64_t version, int64_t now, int64_t *project)
{
    int rc;
    if (kf_tx_is_postgres(tx)) {
        rc = kf_tx_i64(tx, project, TOUCH_SQL " RETURNING project_id", "iiii", now, id, version,
                       version);
    } else {
        /* SQLite's RETURNING costs more than reading the row again */
        int64_t touched = 0;
        rc = kf_tx_exec(tx, &touched, TOUCH_SQL, "iiii", now, id, version, version);
        if (rc == KF_OK)
            rc = touched ? kf_tx_i64(tx, project, "SELECT project_id FROM tickets WHERE id = ?",
                                     "i", id)
                         : KF_ENOTFOUND;
    }
    if (rc != KF_ENOTFOUND) return rc;
    int64_t exists = 0;
    rc = kf_tx_i64(tx, &exists, "SELECT COUNT(*) FROM tickets WHERE id = ?", "i", id);
    if (rc != KF_OK) return rc;
    return exists ? KF_ESTALE : KF_ENOTFOUND;
}

int kf_ticket_read(kf_tx *tx, int64_t id, kf_ticket *t)
{
    return load(tx, id, t, 0);
}

int kf_ticket_save(kf_tx *tx, kf_ticket *t, const kf_workcal *cal, int64_t now)
{
    kf_ticket_set_i(t, "updated_at", now);
    int was_open = (int)kf_ticket_i(t, "is_open");
    kf_ticket_set_i(t, "is_open", kf_ticket_state_open(kf_ticket_status(t)));
    int ended = was_open && !kf_ticket_i(t, "is_open");
    kf_ticket_compute_next(t);
    kf_stmt *st;
    int rc = kf_tx_prepare(tx, update_sql, &st);
    if (rc != KF_OK) return rc;
    int idx = 1;
    for (size_t i = 0; i < NCOLUMNS; i++) {
        const char *n = columns[i].name;
        if (!strcmp(n, "id") || !strcmp(n, "project_id") || !strcmp(n, "created_by") ||
            !strcmp(n, "created_at") || !strcmp(n, "version"))
            continue;
        bind_column(st, idx++, t, &columns[i]);
    }
    kf_stmt_bind_i64(st, idx, kf_ticket_i(t, "id"));
    rc = kf_stmt_step(st);
    if (rc != KF_DONE) return rc == KF_ROW ? KF_EDB : rc;
    rc = kf_ticket_save_clocks(tx, t);
    if (rc == KF_OK) rc = update_counts(tx, t);
    /* its waiting notes join its search document (search_index.h) */
    if (rc == KF_OK && ended) rc = kf_search_ticket_ended(tx, kf_ticket_i(t, "id"));
    return rc == KF_OK ? kf_ticket_facts_record(tx, t, cal, now) : rc;
}

void kf_ticket_release(kf_ticket *t)
{
    json_decref(t->row);
    json_decref(t->before_counts);
    t->row = t->before_counts = NULL;
}

int kf_ticket_event(kf_tx *tx, int64_t ticket, int64_t actor, const char *kind, const char *from,
                    const char *to, const char *note, const json_t *data, int64_t now)
{
    char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    kf_stmt *st;
    int rc = kf_tx_prepare(tx,
                           "INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status,"
                           " to_status, note, data, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           &st);
    if (rc == KF_OK) {
        kf_stmt_bind_i64(st, 1, ticket);
        if (actor)
            kf_stmt_bind_i64(st, 2, actor);
        else
            kf_stmt_bind_null(st, 2);
        kf_stmt_bind_text(st, 3, kind);
        kf_stmt_bind_text(st, 4, from);
        kf_stmt_bind_text(st, 5, to);
        kf_stmt_bind_text(st, 6, note ? note : "");
        kf_stmt_bind_text(st, 7, text);
        kf_stmt_bind_i64(st, 8, now);
        rc = kf_stmt_step(st);
        rc = rc == KF_DONE ? KF_OK : rc;
    }
    free(text);
    /* notes are searched with the ticket */
    if (rc == KF_OK && note && *note) rc = kf_search_note_added(tx, ticket, note);
    return rc;
}

int kf_ticket_categories(kf_tx *tx, kf_ticket *t)
{
    int64_t category = kf_ticket_i(t, "category_id");
    if (t->chain_known && t->chain_of == category) return KF_OK;
    t->chain_known = 0;
    t->chain_of = category;
    t->nchain = 0;
    while (category && t->nchain < 8) {
        t->chain[t->nchain++] = category;
        int64_t parent = 0;
        int rc = kf_tx_i64(tx, &parent,
                           "SELECT COALESCE(parent_id, 0) FROM ticket_categories WHERE id = ?", "i",
                           category);
        if (rc == KF_ENOTFOUND) break;
        if (rc != KF_OK) return rc;
        category = parent;
    }
    t->chain_known = 1;
    return KF_OK;
}

void kf_ticket_unit_known(kf_ticket *t, int64_t building, const char *warranty_end)
{
    t->unit_of = kf_ticket_i(t, "unit_id");
    t->building = building;
    snprintf(t->warranty_end, sizeof(t->warranty_end), "%s", warranty_end ? warranty_end : "");
    t->unit_known = 1;
}

int kf_ticket_unit(kf_tx *tx, kf_ticket *t)
{
    int64_t unit = kf_ticket_i(t, "unit_id");
    if (t->unit_known && t->unit_of == unit) return KF_OK;
    if (!unit) {
        kf_ticket_unit_known(t, 0, NULL);
        return KF_OK;
    }
    kf_stmt *st;
    int rc =
        kf_tx_query(tx, &st, "SELECT building_id, warranty_end FROM units WHERE id = ?", "i", unit);
    if (rc == KF_OK) rc = kf_stmt_step(st);
    if (rc == KF_ROW)
        kf_ticket_unit_known(t, kf_stmt_i64(st, 0), kf_stmt_text(st, 1));
    else if (rc == KF_DONE)
        kf_ticket_unit_known(t, 0, NULL);
    else
        return rc;
    return KF_OK;
}
