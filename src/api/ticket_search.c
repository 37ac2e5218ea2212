/* Search (工单检索): GET /api/v1/tickets?q= lists the tickets of a queue
 * whose document (src/store/search_index.c) holds every word, newest first.
 * On SQLite a ticket's newest notes may still wait in ticket_search_recent
 * (search_index.h): a ticket is found when its document and waiting notes
 * together hold every word. The waiting notes are those of open tickets, few,
 * so they are read whole: their tickets' text is matched in C and merged, by
 * id, with the documents' matches.
 *
 * How fast a way of answering is depends on sizes that only the data know:
 *  - along the queue: read the queue's tickets with their text and match
 *    them in C (kf_cjk_matcher) — cost by the queue's length, whatever the
 *    words; used when the queue, counted by its own index up to QUEUE_CAP,
 *    is shorter than that (never for `all`);
 *  - from the matches, newest first, keeping those in the queue — cost by
 *    how many matches come before the page is full. SQLite's FTS5 gives its
 *    matches in rowid order. PostgreSQL's GIN index does not (it gives a
 *    bitmap to fetch and sort whole: 0.8 s for a word in 2 % of 1,000,000
 *    tickets), so there the newest tickets are walked in id order and each
 *    document checked, in windows that double (pg_matches). What a walk
 *    found tells how common the words are; once asking the index about the
 *    older rest would cost less than walking on until the page is full, the
 *    index is asked for a bounded number of its matches (index_cap): fewer
 *    are all there are; as many, and the word is common below after all,
 *    so the walk goes on.
 * Asking FTS5 about single tickets (rowid = ? AND MATCH) costs as much as
 * reading the word's whole list: 0.5 ms a ticket at 1,000,000. */
#include "api/api.h"
#include "api/api_int.h"
#include "api/ticket_list.h"

#include "core/buf.h"
#include "core/err.h"
#include "store/fts_cjk.h"

#include <math.h>
#include <string.h>

#define QUEUE_CAP 2000
/* PostgreSQL (pg_matches): the first window walked; how many tickets are
 * walked before the words' share is judged (the newest few thousand can be
 * a burst of one kind of ticket); what a ticket walked and a match of the
 * index cost (ns, measured at 100,000 tickets: the index's bitmap fetches
 * each match's page). */
#define WALK_FIRST          2000
#define WALK_BEFORE_JUDGING 6000
#define WALK_NS_PER_TICKET  500
#define INDEX_NS_PER_MATCH  40000

/* The statements, one per way, scope and queue: F(scope, cond) literals
 * (the statement cache keys by address). */
/* The unary + keeps the planners from walking every ticket by id to spare
 * themselves sorting a short queue (the deadline queues have no id order:
 * 0.45 s instead of 10 ms at 1,000,000 tickets). Columns 16, 17: the text. */
#define ALONG_QUEUE(notes, key, scope, cond)                                                       \
    "SELECT " KF_LIST_COLUMNS ", t.description, " notes " FROM tickets t"                          \
    " LEFT JOIN ticket_search s ON " key " = t.id WHERE" scope cond                                \
    " AND +t.id < ? ORDER BY +t.id DESC LIMIT ?"
#define WAITING_NOTES                                                                              \
    "(SELECT group_concat(r.notes, char(10)) FROM ticket_search_recent r WHERE r.rowid >= t.id "   \
    "* " KF_SEARCH_PARTS_SQL " AND r.rowid < (t.id + 1) * " KF_SEARCH_PARTS_SQL ")"
#define ALONG_SQLITE_(scope, cond)                                                                 \
    ALONG_QUEUE("COALESCE(s.notes, '') || char(10) || COALESCE(" WAITING_NOTES ", '')", "s.rowid", \
                scope, cond)
#define ALONG_PG_(scope, cond) ALONG_QUEUE("s.note_terms", "s.ticket_id", scope, cond)
/* SQLite: one ticket, when it is in the queue. */
#define ONE_TICKET(scope, cond)                                                                    \
    "SELECT " KF_LIST_COLUMNS " FROM tickets t WHERE" scope cond " AND t.id = ?"
#define FTS5_MATCHES(scope, cond)                                                                  \
    "SELECT " KF_LIST_COLUMNS " FROM ticket_search JOIN tickets t ON t.id = ticket_search.rowid"   \
    " WHERE" scope cond " AND ticket_search MATCH ? AND ticket_search.rowid < ?"                   \
    " ORDER BY ticket_search.rowid DESC LIMIT ?"
/* ids in [?, ?). In the window the ids are walked: ts_match_vq is @@
 * under a name the planner does not take to the index (its estimate for a
 * phrase of common pairs is off a thousandfold: 15 rows for 24,000, and the
 * bitmap of every match is then fetched and sorted). The query is made
 * once, in a subquery: in the plan kept for any words it was made again
 * for each ticket walked (7 times the walk's cost). The range is given
 * on both tables: from one alone the planner walks the other from its
 * newest row down to the window. */
#define PG_WALK(scope, cond)                                                                       \
    "SELECT " KF_LIST_COLUMNS " FROM tickets t JOIN ticket_search s ON s.ticket_id = t.id"         \
    " WHERE" scope cond " AND ts_match_vq(s.document, (SELECT to_tsquery('simple', ?)))"           \
    " AND s.ticket_id >= ? AND s.ticket_id < ? AND t.id >= ? AND t.id < ?"                         \
    " ORDER BY s.ticket_id DESC LIMIT ?"
/* Below the walk, the index: at most ? of the tickets below ? whose
 * document holds the words, in any order (PG_PROBE, planned for its values
 * by kf_tx_prepare_replanned: planned once for any word, PostgreSQL walks
 * the ids over it), then those of them in the queue, newest first
 * (PG_AMONG: the ids as one array). */
#define PG_PROBE                                                                                   \
    "SELECT ticket_id FROM ticket_search WHERE document @@ to_tsquery('simple', ?)"                \
    " AND ticket_id < ? LIMIT ?"
#define PG_AMONG(scope, cond)                                                                      \
    "SELECT " KF_LIST_COLUMNS " FROM tickets t WHERE" scope cond                                   \
    " AND t.id = ANY(CAST(? AS BIGINT[])) ORDER BY t.id DESC LIMIT ?"
#define QUEUE_SIZE(scope, cond)                                                                    \
    "SELECT COUNT(*) FROM (SELECT 1 FROM tickets t WHERE" scope cond " LIMIT ?) AS q"
#define BOTH_SCOPES(F)                                                                             \
    {                                                                                              \
        KF_EACH_QUEUE(F, KF_SCOPE_ONE), KF_EACH_QUEUE(F, KF_SCOPE_MANY)                            \
    }

enum { ALONG_SQLITE, ALONG_PG, MATCHES_SQLITE, ONE_SQLITE, WALK_PG, AMONG_PG, SIZE, NFRAMES };
/* [way][all the caller's projects?][queue] */
static const char *const statements[NFRAMES][2][KF_Q_COUNT] = {
    [ALONG_SQLITE] = BOTH_SCOPES(ALONG_SQLITE_),
    [ALONG_PG] = BOTH_SCOPES(ALONG_PG_),
    [MATCHES_SQLITE] = BOTH_SCOPES(FTS5_MATCHES),
    [ONE_SQLITE] = BOTH_SCOPES(ONE_TICKET),
    [WALK_PG] = BOTH_SCOPES(PG_WALK),
    [AMONG_PG] = BOTH_SCOPES(PG_AMONG),
    [SIZE] = BOTH_SCOPES(QUEUE_SIZE),
};

/* Prepares way F for LQ's scope and queue, binding both; *NEXT gets the
 * next parameter's number. */
static int prepare(kf_req *req, kf_tx *tx, const kf_list_query *lq, int f, kf_stmt **st, int *next)
{
    int rc = kf_tx_prepare(tx, statements[f][lq->project == 0][lq->q], st);
    if (rc != KF_OK) return rc;
    int i = kf_api_bind_scope(req, *st, lq->project);
    *next = kf_list_bind_queue(req, *st, i, lq, kf_app_now(req->app));
    return KF_OK;
}

/* 1 when LQ's queue holds fewer than QUEUE_CAP tickets. */
static int queue_is_short(kf_req *req, kf_tx *tx, const kf_list_query *lq, int *rc)
{
    *rc = KF_OK;
    if (lq->q == KF_Q_ALL) return 0; /* every ticket, or a status of every ticket */
    kf_stmt *st;
    int i;
    if ((*rc = prepare(req, tx, lq, SIZE, &st, &i)) != KF_OK) return 0;
    kf_stmt_bind_i64(st, i, QUEUE_CAP);
    if ((*rc = kf_stmt_step(st)) != KF_ROW) return 0;
    *rc = KF_OK;
    return kf_stmt_i64(st, 0) < QUEUE_CAP;
}

static int64_t before_id(const kf_list_query *lq)
{
    return lq->after_id ? lq->after_id : INT64_MAX;
}

/* Along the queue: its rows with their text, matched here. */
static int along_queue(kf_req *req, kf_tx *tx, const kf_list_query *lq, int pg, kf_list_page *page)
{
    kf_stmt *st;
    int i, rc = prepare(req, tx, lq, pg ? ALONG_PG : ALONG_SQLITE, &st, &i);
    if (rc != KF_OK) return rc;
    kf_stmt_bind_i64(st, i++, before_id(lq));
    kf_stmt_bind_i64(st, i, QUEUE_CAP);
    kf_cjk_matcher *m = kf_cjk_matcher_new(lq->text, -1);
    while (page->n < lq->limit && (rc = kf_stmt_step(st)) == KF_ROW) {
        kf_cjk_matcher_begin(m);
        kf_cjk_matcher_column(m, kf_stmt_text(st, 5), -1); /* the subject */
        kf_cjk_matcher_column(m, kf_stmt_text(st, KF_LIST_NCOLUMNS), -1);
        kf_cjk_matcher_column(m, kf_stmt_text(st, KF_LIST_NCOLUMNS + 1), -1);
        if (kf_cjk_matcher_found(m)) kf_list_page_add(page, st);
    }
    kf_cjk_matcher_free(m);
    return rc == KF_ROW || rc == KF_DONE ? KF_OK : rc;
}

/* Prepares the matches of frame F with ids in [LO, HI) (SQLite: below HI),
 * newest first, at most the rest of the page; to be stepped. */
static int matches_query(kf_req *req, kf_tx *tx, const kf_list_query *lq, int f, int64_t lo,
                         int64_t hi, const kf_list_page *page, kf_stmt **st)
{
    int i, rc = prepare(req, tx, lq, f, st, &i);
    if (rc != KF_OK) return rc;
    kf_stmt_bind_text(*st, i++, lq->match);
    if (f == WALK_PG) { /* the range on ticket_search, then on tickets */
        kf_stmt_bind_i64(*st, i++, lo);
        kf_stmt_bind_i64(*st, i++, hi);
        kf_stmt_bind_i64(*st, i++, lo);
    }
    kf_stmt_bind_i64(*st, i++, hi);
    kf_stmt_bind_i64(*st, i, lq->limit - page->n);
    return KF_OK;
}

/* How many matches below HI the index is asked for at most. Asking costs
 * up to CAP matches' pages; when there are CAP or more, the walk goes on and
 * finds the page's rest in about HI × wanted / CAP tickets at worst. The cap
 * that makes the two worst cases equal: the square root of HI × wanted ×
 * what a ticket walked costs over what a match of the index costs (~250 at
 * 100,000 tickets, ~2,500 at 10,000,000). */
static int64_t index_cap(int64_t hi, int64_t wanted)
{
    double cap = sqrt((double)hi * (double)wanted * WALK_NS_PER_TICKET / INDEX_NS_PER_MATCH);
    return cap > (double)wanted ? (int64_t)cap : wanted;
}

/* PostgreSQL: the index's matches below HI in the queue, newest first,
 * onto the page when the index holds fewer than index_cap below HI (*ALL
 * set); else none (*ALL 0). */
static int index_matches(kf_req *req, kf_tx *tx, const kf_list_query *lq, int64_t hi,
                         kf_list_page *page, int *all)
{
    int64_t cap = index_cap(hi, lq->limit - page->n), n = 0;
    kf_stmt *st;
    int rc = kf_tx_prepare_replanned(tx, PG_PROBE, &st);
    if (rc != KF_OK) return rc;
    kf_stmt_bind_text(st, 1, lq->match);
    kf_stmt_bind_i64(st, 2, hi);
    kf_stmt_bind_i64(st, 3, cap);
    kf_buf ids;
    kf_buf_init(&ids, 0);
    kf_buf_puts(&ids, "{");
    while ((rc = kf_stmt_step(st)) == KF_ROW)
        kf_buf_printf(&ids, n++ ? ",%lld" : "%lld", (long long)kf_stmt_i64(st, 0));
    kf_buf_puts(&ids, "}");
    *all = n < cap;
    if (rc == KF_DONE) rc = KF_OK;
    if (rc == KF_OK && n && *all) {
        int i;
        rc = prepare(req, tx, lq, AMONG_PG, &st, &i);
        if (rc == KF_OK) {
            kf_stmt_bind_text(st, i++, ids.data);
            kf_stmt_bind_i64(st, i, lq->limit - page->n);
            while ((rc = kf_stmt_step(st)) == KF_ROW)
                kf_list_page_add(page, st);
            if (rc == KF_DONE) rc = KF_OK;
        }
    }
    kf_buf_free(&ids);
    return rc;
}

/* PostgreSQL: the walk's matches with ids in [LO, HI), newest first, up to
 * the page. */
static int walk_matches(kf_req *req, kf_tx *tx, const kf_list_query *lq, int64_t lo, int64_t hi,
                        kf_list_page *page)
{
    kf_stmt *st;
    int rc = matches_query(req, tx, lq, WALK_PG, lo, hi, page, &st);
    if (rc != KF_OK) return rc;
    while ((rc = kf_stmt_step(st)) == KF_ROW)
        kf_list_page_add(page, st);
    return rc == KF_DONE ? KF_OK : rc;
}

/* SQLite: the tickets whose waiting notes hold a word, newest first (below
 * the cursor), each kept when its text holds every word. */
typedef struct {
    kf_stmt *rows;     /* the waiting notes that hold any word */
    kf_cjk_matcher *m; /* with several words; NULL with one */
    int64_t next;      /* the ticket of the row read ahead; 0: none left */
} waiting;

#define ANY_BUF (KF_SEARCH_QUERY_BUF + 3 * KF_SEARCH_QUERY_MAX)

/* MATCH's phrases joined by OR, in ANY: FTS5's rows that hold any word.
 * Returns the number of phrases. Phrases are quoted and their tokens never
 * hold quotes, so `" "` only ever separates two. */
static int any_of(const char *match, char any[ANY_BUF])
{
    size_t n = 0;
    int phrases = 1;
    for (const char *p = match; *p && n + 6 < ANY_BUF; p++) {
        if (p[0] == '"' && p[1] == ' ' && p[2] == '"') {
            memcpy(any + n, "\" OR \"", 6);
            n += 6;
            p += 2;
            phrases++;
        } else {
            any[n++] = *p;
        }
    }
    any[n] = '\0';
    return phrases;
}

static int waiting_step(waiting *w)
{
    int rc = kf_stmt_step(w->rows);
    w->next = rc == KF_ROW ? KF_SEARCH_TICKET(kf_stmt_i64(w->rows, 0)) : 0;
    return rc == KF_ROW || rc == KF_DONE ? KF_OK : rc;
}

static int waiting_open(kf_tx *tx, const kf_list_query *lq, waiting *w)
{
    char any[ANY_BUF];
    int several = any_of(lq->match, any) > 1;
    w->m = several ? kf_cjk_matcher_new(lq->text, -1) : NULL;
    int rc =
        kf_tx_query(tx, &w->rows,
                    "SELECT rowid FROM ticket_search_recent WHERE ticket_search_recent MATCH ?"
                    " AND rowid < ? ORDER BY rowid DESC",
                    "si", several ? any : lq->match,
                    KF_SEARCH_ROW(lq->after_id ? lq->after_id : INT64_MAX / KF_SEARCH_PARTS, 0));
    return rc == KF_OK ? waiting_step(w) : rc;
}

/* With several words: 1 when ticket ID's document and waiting notes hold all. */
static int holds_all(kf_tx *tx, kf_cjk_matcher *m, int64_t id, int *rc)
{
    kf_stmt *st;
    *rc = kf_tx_query(tx, &st,
                      "SELECT s.subject, s.description, s.notes, " WAITING_NOTES
                      " FROM (SELECT ? AS id) t LEFT JOIN ticket_search s ON s.rowid = t.id",
                      "i", id);
    if (*rc != KF_OK) return 0;
    if ((*rc = kf_stmt_step(st)) != KF_ROW) return 0;
    *rc = KF_OK;
    kf_cjk_matcher_begin(m);
    for (int c = 0; c < 4; c++)
        kf_cjk_matcher_column(m, kf_stmt_text(st, c), -1);
    return kf_cjk_matcher_found(m);
}

/* The next ticket of W that holds every word, in *ID (0: none left). */
static int waiting_next(kf_tx *tx, waiting *w, int64_t *id)
{
    int rc = KF_OK;
    *id = 0;
    while (rc == KF_OK && w->next && !*id) {
        int64_t t = w->next;
        while ((rc = waiting_step(w)) == KF_OK && w->next == t) {
        }
        if (rc == KF_OK && (!w->m || holds_all(tx, w->m, t, &rc))) *id = t;
    }
    return rc;
}

/* SQLite: ticket ID onto the page when it is in the queue. */
static int add_if_queued(kf_req *req, kf_tx *tx, const kf_list_query *lq, int64_t id,
                         kf_list_page *page)
{
    kf_stmt *st;
    int i, rc = prepare(req, tx, lq, ONE_SQLITE, &st, &i);
    if (rc != KF_OK) return rc;
    kf_stmt_bind_i64(st, i, id);
    rc = kf_stmt_step(st);
    if (rc == KF_ROW) kf_list_page_add(page, st);
    return rc == KF_ROW || rc == KF_DONE ? KF_OK : rc;
}

/* SQLite: the documents' matches merged, newest first, with the tickets
 * whose waiting notes complete them. */
static int sqlite_matches(kf_req *req, kf_tx *tx, const kf_list_query *lq, kf_list_page *page)
{
    waiting w = {0};
    kf_stmt *docs;
    int64_t doc = 0, wait = 0; /* the next of each; 0: none left */
    int rc = waiting_open(tx, lq, &w);
    if (rc == KF_OK) rc = waiting_next(tx, &w, &wait);
    if (rc == KF_OK) rc = matches_query(req, tx, lq, MATCHES_SQLITE, 0, before_id(lq), page, &docs);
    if (rc == KF_OK && (rc = kf_stmt_step(docs)) == KF_ROW) doc = kf_stmt_i64(docs, 0);
    if (rc == KF_ROW || rc == KF_DONE) rc = KF_OK;
    while (rc == KF_OK && page->n < lq->limit && (doc || wait)) {
        if (doc >= wait) {
            kf_list_page_add(page, docs);
            if (doc == wait) rc = waiting_next(tx, &w, &wait);
            doc = 0;
            int step = rc == KF_OK ? kf_stmt_step(docs) : KF_DONE;
            if (step == KF_ROW) doc = kf_stmt_i64(docs, 0);
            if (step != KF_ROW && step != KF_DONE) rc = step;
        } else {
            rc = add_if_queued(req, tx, lq, wait, page);
            if (rc == KF_OK) rc = waiting_next(tx, &w, &wait);
        }
    }
    kf_cjk_matcher_free(w.m);
    return rc;
}

/* Whether the index's matches below the walk would cost less than walking
 * on until the page is full, judged from the WALKED tickets' FOUND matches:
 * the words' share of the tickets (one more found than seen, so that none
 * found is "rare", not "never") sets how many matches the REST below holds,
 * and how far the walk would go for the WANTED. */
static int index_is_cheaper(int64_t walked, int64_t rest, int found, int64_t wanted)
{
    double share = (found + 1.0) / (double)walked;
    double walk_on = (double)(wanted - found) / share * WALK_NS_PER_TICKET;
    return (double)rest * share * INDEX_NS_PER_MATCH < walk_on;
}

/* PostgreSQL: the newest ids below the cursor walked in windows that
 * double, until the page is full or the index costs less for the rest. */
static int pg_matches(kf_req *req, kf_tx *tx, const kf_list_query *lq, kf_list_page *page)
{
    int64_t hi = before_id(lq);
    if (hi == INT64_MAX) {
        int rc =
            kf_tx_i64(tx, &hi, "SELECT COALESCE(MAX(ticket_id), 0) + 1 FROM ticket_search", NULL);
        if (rc != KF_OK) return rc;
    }
    int64_t top = hi, window = WALK_FIRST;
    int asked = 0, rc = KF_OK;
    while (rc == KF_OK && hi > 0 && page->n < lq->limit) {
        if (!asked && top - hi >= WALK_BEFORE_JUDGING &&
            index_is_cheaper(top - hi, hi, page->n, lq->limit)) {
            /* a word rare among the newest can still be common below them
             * (a season's word, a burst of one kind of ticket on top): then
             * the index answers as many matches as asked, and the walk goes on */
            int all;
            asked = 1;
            rc = index_matches(req, tx, lq, hi, page, &all);
            if (rc != KF_OK || all) return rc;
            continue;
        }
        int64_t lo = hi > window ? hi - window : 0;
        rc = walk_matches(req, tx, lq, lo, hi, page);
        hi = lo;
        window = window <= INT64_MAX / 2 ? window * 2 : window;
    }
    return rc;
}

void kf_ticket_search_list(kf_req *req, kf_tx *tx, const kf_list_query *lq)
{
    int pg = kf_tx_is_postgres(tx), rc;
    kf_list_page page;
    kf_list_page_init(&page);
    if (queue_is_short(req, tx, lq, &rc))
        rc = along_queue(req, tx, lq, pg, &page);
    else if (rc == KF_OK)
        rc = pg ? pg_matches(req, tx, lq, &page) : sqlite_matches(req, tx, lq, &page);
    if (rc != KF_OK) {
        kf_list_page_free(&page);
        kf_reply_status(req, rc);
        return;
    }
    kf_list_page_reply(req, &page, lq, 0);
}
