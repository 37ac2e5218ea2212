/* The ticket search index: its upkeep on both backends, its rebuild, and
 * the translation of a user's search text. */
#include "store/search_index.h"

#include "core/err.h"
#include "core/mem.h"
#include "store/fts_cjk.h"

#include <stdlib.h>
#include <string.h>

/* The terms of TEXT, then of MORE (may be NULL), space-separated, for a
 * PostgreSQL row. Caller frees. */
static char *terms_of(const char *text, const char *more)
{
    size_t a = text ? strlen(text) : 0, b = more ? strlen(more) : 0;
    size_t cap = KF_CJK_TERMS_MAX(a) + KF_CJK_TERMS_MAX(b) + 1;
    char *out = kf_malloc(cap);
    /* the sizes above always suffice, so neither call can fail */
    (void)kf_cjk_terms(text ? text : "", (int)a, out, cap);
    size_t used = strlen(out);
    if (b) {
        if (used) out[used++] = ' ';
        (void)kf_cjk_terms(more, (int)b, out + used, cap - used);
        if (used && !out[used]) out[used - 1] = '\0'; /* MORE had no terms */
    }
    return out;
}

static int pg_set_head(kf_tx *tx, int64_t id, const char *subject, const char *description,
                       int fresh)
{
    char *terms = terms_of(subject, description);
    int rc = kf_tx_exec(tx, NULL,
                        fresh ? "INSERT INTO ticket_search (ticket_id, head_terms) VALUES (?, ?)"
                              : "INSERT INTO ticket_search (ticket_id, head_terms) VALUES (?, ?)"
                                " ON CONFLICT (ticket_id) DO UPDATE SET head_terms ="
                                " EXCLUDED.head_terms",
                        "is", id, terms);
    free(terms);
    return rc;
}

static int ticket_added(kf_tx *tx, int64_t id, const char *subject, const char *description)
{
    if (kf_tx_is_postgres(tx)) return pg_set_head(tx, id, subject, description, 1);
    return kf_tx_exec(tx, NULL,
                      "INSERT INTO ticket_search (rowid, subject, description, notes)"
                      " VALUES (?, ?, ?, '')",
                      "iss", id, subject ? subject : "", description ? description : "");
}

static int head_changed(kf_tx *tx, int64_t id, const char *subject, const char *description)
{
    if (kf_tx_is_postgres(tx)) return pg_set_head(tx, id, subject, description, 0);
    int64_t changed = 0;
    int rc = kf_tx_exec(tx, &changed,
                        "UPDATE ticket_search SET subject = ?, description = ? WHERE rowid = ?",
                        "ssi", subject ? subject : "", description ? description : "", id);
    if (rc == KF_OK && !changed) rc = ticket_added(tx, id, subject, description);
    return rc;
}

/* SQLite: ID's waiting notes, then NOTE (may be NULL), join its document;
 * a ticket without one (loaded around the server) gets one of notes only. */
static int sqlite_fold(kf_tx *tx, int64_t id, const char *note)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT group_concat(notes, char(10)) FROM (SELECT notes FROM"
                         " ticket_search_recent WHERE rowid >= ? AND rowid < ? ORDER BY rowid)",
                         "ii", KF_SEARCH_ROW(id, 0), KF_SEARCH_ROW(id + 1, 0));
    if (rc != KF_OK) return rc;
    if ((rc = kf_stmt_step(st)) != KF_ROW) return rc == KF_DONE ? KF_EDB : rc;
    const char *waiting = kf_stmt_text(st, 0);
    size_t a = waiting ? strlen(waiting) : 0, b = note ? strlen(note) : 0;
    char *text = kf_malloc(a + b + 2); /* WAITING, a newline, NOTE */
    memcpy(text, waiting ? waiting : "", a);
    if (a && b) text[a++] = '\n';
    memcpy(text + a, note ? note : "", b);
    text[a + b] = '\0';
    int has_waiting = waiting != NULL;
    /* done with it before the table changes (WAITING is not read again) */
    rc = kf_stmt_step(st) == KF_DONE ? KF_OK : KF_EDB;
    if (rc == KF_OK && *text) {
        int64_t changed = 0;
        rc = kf_tx_exec(tx, &changed,
                        "UPDATE ticket_search SET notes = CASE WHEN notes = '' THEN ?"
                        " ELSE notes || char(10) || ? END WHERE rowid = ?",
                        "ssi", text, text, id);
        if (rc == KF_OK && !changed)
            rc = kf_tx_exec(tx, NULL,
                            "INSERT INTO ticket_search (rowid, subject, description, notes)"
                            " VALUES (?, '', '', ?)",
                            "is", id, text);
    }
    free(text);
    if (rc == KF_OK && has_waiting)
        rc = kf_tx_exec(tx, NULL, "DELETE FROM ticket_search_recent WHERE rowid >= ? AND rowid < ?",
                        "ii", KF_SEARCH_ROW(id, 0), KF_SEARCH_ROW(id + 1, 0));
    return rc;
}

/* SQLite: NOTE waits in a row after ID's last (FTS5 reads a rowid range from
 * its content table, newest first), unless the ticket has
 * KF_SEARCH_RECENT_MAX - 1 waiting: then they all join its document. */
static int sqlite_note_added(kf_tx *tx, int64_t id, const char *note)
{
    int64_t last = 0;
    int rc = kf_tx_i64(tx, &last,
                       "SELECT rowid FROM ticket_search_recent WHERE rowid >= ? AND rowid < ?"
                       " ORDER BY rowid DESC LIMIT 1",
                       "ii", KF_SEARCH_ROW(id, 0), KF_SEARCH_ROW(id + 1, 0));
    if (rc == KF_ENOTFOUND) {
        last = KF_SEARCH_ROW(id, 0);
        rc = KF_OK;
    }
    if (rc != KF_OK) return rc;
    if (last + 1 < KF_SEARCH_ROW(id, KF_SEARCH_RECENT_MAX))
        return kf_tx_exec(tx, NULL, "INSERT INTO ticket_search_recent (rowid, notes) VALUES (?, ?)",
                          "is", last + 1, note);
    return sqlite_fold(tx, id, note);
}

static int note_added(kf_tx *tx, int64_t id, const char *note)
{
    if (!note || !*note) return KF_OK;
    if (!kf_tx_is_postgres(tx)) return sqlite_note_added(tx, id, note);
    char *terms = terms_of(note, NULL);
    int rc = KF_OK;
    if (*terms)
        rc = kf_tx_exec(tx, NULL,
                        "UPDATE ticket_search SET note_terms = CASE WHEN note_terms = '' THEN ?"
                        " ELSE note_terms || ' ' || ? END WHERE ticket_id = ?",
                        "ssi", terms, terms, id);
    free(terms);
    return rc;
}

/* ---- deferred to the commit ----
 *
 * FTS5 writes what it holds out to a new segment at the start of every
 * later statement of the transaction (its savepoint), so a ticket indexed
 * in the middle of intake cost a segment of its own and the merges after
 * it; at the end of the commit, the tickets of a whole batch go into one. */

typedef enum { ADDED, HEAD, NOTE, ENDED } change_kind;

typedef struct {
    change_kind kind;
    int64_t id;
    char *a, *b; /* subject and description, or the note; owned */
} change;

static int change_run(kf_tx *tx, void *ctx)
{
    change *c = ctx;
    switch (c->kind) {
    case ADDED:
        return ticket_added(tx, c->id, c->a, c->b);
    case HEAD:
        return head_changed(tx, c->id, c->a, c->b);
    case ENDED:
        return kf_tx_is_postgres(tx) ? KF_OK : sqlite_fold(tx, c->id, NULL);
    default:
        return note_added(tx, c->id, c->a);
    }
}

static void change_free(void *ctx)
{
    change *c = ctx;
    free(c->a);
    free(c->b);
    free(c);
}

static int defer_change(kf_tx *tx, change_kind kind, int64_t id, const char *a, const char *b)
{
    change *c = kf_malloc(sizeof(*c));
    *c = (change){kind, id, kf_strdup(a ? a : ""), b ? kf_strdup(b) : NULL};
    return kf_tx_defer(tx, change_run, c, change_free);
}

int kf_search_ticket_added(kf_tx *tx, int64_t id, const char *subject, const char *description)
{
    return defer_change(tx, ADDED, id, subject, description ? description : "");
}

int kf_search_head_changed(kf_tx *tx, int64_t id, const char *subject, const char *description)
{
    return defer_change(tx, HEAD, id, subject, description ? description : "");
}

int kf_search_note_added(kf_tx *tx, int64_t id, const char *note)
{
    if (!note || !*note) return KF_OK;
    return defer_change(tx, NOTE, id, note, NULL);
}

int kf_search_ticket_ended(kf_tx *tx, int64_t id)
{
    if (kf_tx_is_postgres(tx)) return KF_OK;
    return defer_change(tx, ENDED, id, NULL, NULL);
}

/* Each ticket with its notes, in id order; the notes are read by the
 * timeline's index, one ticket at a time. */
#define BATCH_SQL(concat)                                                                          \
    "SELECT t.id, t.subject, t.description, COALESCE((SELECT " concat " FROM ticket_events e"      \
    " WHERE e.ticket_id = t.id AND e.note <> ''), '') FROM tickets t WHERE t.id > ?"               \
    " ORDER BY t.id LIMIT ?"

static int index_one(kf_tx *tx, int pg, int64_t id, const char *subject, const char *description,
                     const char *notes)
{
    if (!pg) {
        int rc = kf_tx_exec(tx, NULL, "DELETE FROM ticket_search WHERE rowid = ?", "i", id);
        if (rc != KF_OK) return rc;
        return kf_tx_exec(tx, NULL,
                          "INSERT INTO ticket_search (rowid, subject, description, notes)"
                          " VALUES (?, ?, ?, ?)",
                          "isss", id, subject, description, notes);
    }
    char *head = terms_of(subject, description), *note_terms = terms_of(notes, NULL);
    int rc = kf_tx_exec(tx, NULL,
                        "INSERT INTO ticket_search (ticket_id, head_terms, note_terms)"
                        " VALUES (?, ?, ?) ON CONFLICT (ticket_id) DO UPDATE SET"
                        " head_terms = EXCLUDED.head_terms, note_terms = EXCLUDED.note_terms",
                        "iss", id, head, note_terms);
    free(head);
    free(note_terms);
    return rc;
}

int kf_search_rebuild_batch(kf_tx *tx, int64_t after, int limit, int64_t *last)
{
    int pg = kf_tx_is_postgres(tx);
    *last = after;
    /* the batch is read whole before it is written: one statement at a time
     * on a connection keeps both backends simple */
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         pg ? BATCH_SQL("string_agg(e.note, E'\\n' ORDER BY e.id)")
                            : BATCH_SQL("group_concat(e.note, char(10))"),
                         "ii", after, (int64_t)limit);
    if (rc != KF_OK) return rc;
    typedef struct {
        int64_t id;
        char *subject, *description, *notes;
    } row;
    row *rows = kf_calloc((size_t)limit, sizeof(row));
    int n = 0;
    /* the LIMIT keeps N within ROWS; the loop runs to the statement's end */
    while ((rc = kf_stmt_step(st)) == KF_ROW && n < limit) {
        rows[n].id = kf_stmt_i64(st, 0);
        rows[n].subject = kf_strdup(kf_stmt_text(st, 1) ? kf_stmt_text(st, 1) : "");
        rows[n].description = kf_strdup(kf_stmt_text(st, 2) ? kf_stmt_text(st, 2) : "");
        rows[n].notes = kf_strdup(kf_stmt_text(st, 3) ? kf_stmt_text(st, 3) : "");
        n++;
    }
    if (rc == KF_DONE) rc = KF_OK;
    /* SQLite: every note goes into NOTES, so none of the batch's waits (one
     * statement for the batch: one a ticket cost 40 µs) */
    if (rc == KF_OK && !pg && n)
        rc = kf_tx_exec(tx, NULL, "DELETE FROM ticket_search_recent WHERE rowid >= ? AND rowid < ?",
                        "ii", KF_SEARCH_ROW(rows[0].id, 0), KF_SEARCH_ROW(rows[n - 1].id + 1, 0));
    for (int i = 0; i < n && rc == KF_OK; i++) {
        rc = index_one(tx, pg, rows[i].id, rows[i].subject, rows[i].description, rows[i].notes);
        if (rc == KF_OK) *last = rows[i].id;
    }
    for (int i = 0; i < n; i++) {
        free(rows[i].subject);
        free(rows[i].description);
        free(rows[i].notes);
    }
    free(rows);
    return rc;
}

int kf_search_rebuild_all(kf_tx *tx)
{
    int64_t after = 0, last = 0;
    for (;;) {
        int rc = kf_search_rebuild_batch(tx, after, 1000, &last);
        if (rc != KF_OK || last == after) return rc;
        after = last;
    }
}

int kf_search_optimize(kf_tx *tx)
{
    /* PostgreSQL plans a search by how common its words are: without
     * statistics it reads every match of a word found in most tickets */
    if (kf_tx_is_postgres(tx)) return kf_tx_exec(tx, NULL, "ANALYZE ticket_search", NULL);
    return kf_tx_exec(tx, NULL, "INSERT INTO ticket_search (ticket_search) VALUES ('optimize')",
                      NULL);
}

int kf_search_merge(kf_tx *tx, int pages)
{
    if (kf_tx_is_postgres(tx)) return KF_OK;
    /* the writer's first batches may be the migrations that make the index */
    int64_t tables = 0;
    int rc = kf_tx_i64(tx, &tables,
                       "SELECT COUNT(*) FROM sqlite_schema"
                       " WHERE name IN ('ticket_search', 'ticket_search_recent')",
                       NULL);
    if (rc != KF_OK || tables < 2) return rc;
    rc = kf_tx_exec(tx, NULL, "INSERT INTO ticket_search (ticket_search, rank) VALUES ('merge', ?)",
                    "i", (int64_t)pages);
    if (rc == KF_OK)
        rc = kf_tx_exec(tx, NULL,
                        "INSERT INTO ticket_search_recent (ticket_search_recent, rank)"
                        " VALUES ('merge', ?)",
                        "i", (int64_t)pages);
    return rc;
}

int kf_search_query(int backend, const char *text, char out[KF_SEARCH_QUERY_BUF])
{
    /* a UTF-8 character is at most 4 bytes */
    int len = text ? (int)strnlen(text, KF_SEARCH_QUERY_MAX * 4 + 1) : 0;
    if (len > KF_SEARCH_QUERY_MAX * 4) return -1;
    return backend == KF_BACKEND_POSTGRES ? kf_cjk_query(text, len, out, KF_SEARCH_QUERY_BUF)
                                          : kf_cjk_fts5_query(text, len, out, KF_SEARCH_QUERY_BUF);
}
