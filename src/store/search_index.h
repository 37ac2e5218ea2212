/* The ticket search index (工单检索): one document per ticket holding its
 * subject, description and the notes of its timeline, kept in step with the
 * ticket inside the same transaction as the change (at its end: see
 * kf_tx_defer), so a search finds what was just acknowledged. SQLite keeps it in an FTS5 table cut
 * by our tokenizer; PostgreSQL in a table of the same tokenizer's terms under a GIN index
 * (migrations 0010). The queries that read it live with the ticket lists (src/api/ticket_search.c).
 *
 * SQLite: a note does not go into the ticket's document at once. Changing a
 * document makes FTS5 cut all of it twice (to take it out and put it back),
 * so each note cost more than the one before: ~2 µs for every note the
 * ticket had. Notes wait instead in rows of their own in ticket_search_recent
 * (migration 0014), KF_SEARCH_ROW(id, 1) on, and join the document together
 * when the ticket ends or has KF_SEARCH_RECENT_MAX of them waiting: the table
 * holds the notes of open tickets, a small part of all. A search reads both
 * and needs every word in the document and the waiting notes together. */
#ifndef KF_SEARCH_INDEX_H
#define KF_SEARCH_INDEX_H

#include "store/store.h"

#include <stdint.h>

/* Longest search text accepted, in characters; OUT of kf_search_query
 * needs KF_SEARCH_QUERY_BUF bytes. */
#define KF_SEARCH_QUERY_MAX 100
#define KF_SEARCH_QUERY_BUF (KF_SEARCH_QUERY_MAX * 4 * 5 + 1)

/* SQLite's waiting notes of ticket ID are rows KF_SEARCH_ROW(ID, 1) up to
 * KF_SEARCH_ROW(ID, KF_SEARCH_RECENT_MAX - 1); KF_SEARCH_ROW(ID + 1, 0)
 * bounds them (a ticket id below 2^47 fits). The SQL text spells the factor
 * as KF_SEARCH_PARTS_SQL. */
#define KF_SEARCH_PARTS         65536
#define KF_SEARCH_PARTS_SQL     "65536"
#define KF_SEARCH_RECENT_MAX    16
#define KF_SEARCH_ROW(id, part) ((int64_t)(id)*KF_SEARCH_PARTS + (part))
#define KF_SEARCH_TICKET(row)   ((row) / KF_SEARCH_PARTS)

/* kf_search_ticket_added: indexes new ticket ID's SUBJECT and DESCRIPTION. */
int kf_search_ticket_added(kf_tx *tx, int64_t id, const char *subject, const char *description);

/* kf_search_head_changed: replaces ticket ID's subject and description in
 * the index; its notes stay. */
int kf_search_head_changed(kf_tx *tx, int64_t id, const char *subject, const char *description);

/* kf_search_note_added: adds NOTE (a note on ID's timeline; "" adds
 * nothing) to the ticket's document. */
int kf_search_note_added(kf_tx *tx, int64_t id, const char *note);

/* kf_search_ticket_ended: ticket ID is no longer open: on SQLite its
 * waiting notes join its document. */
int kf_search_ticket_ended(kf_tx *tx, int64_t id);

/* kf_search_rebuild_batch: (re)indexes, from the tickets and their
 * timelines, the tickets with ids above AFTER, at most LIMIT of them in id
 * order. *LAST gets the last id done (AFTER when none was left). */
int kf_search_rebuild_batch(kf_tx *tx, int64_t after, int limit, int64_t *last);

/* kf_search_rebuild_all: every ticket, inside TX (after migration 0010). */
int kf_search_rebuild_all(kf_tx *tx);

/* kf_search_optimize: after a rebuild, merges SQLite's index into one
 * segment (the fastest to search); on PostgreSQL, gathers the statistics
 * its planner needs to choose between the index and the newest tickets. */
int kf_search_optimize(kf_tx *tx);

/* kf_search_merge: on SQLite, up to PAGES pages of merging in each of the
 * index's two FTS5 tables (FTS5's 'merge' command): FTS5 does not merge at
 * commit (migration 0015), the writer calls this while idle. The caller
 * tells whether anything was merged from sqlite3_total_changes: each
 * command counts one change, and more when it merged. Nothing before the
 * index's tables are made, nor on PostgreSQL. */
int kf_search_merge(kf_tx *tx, int pages);

/* kf_search_query: turns the user's TEXT (at most KF_SEARCH_QUERY_MAX
 * characters) into what the backend's MATCH or @@ takes, in OUT (of
 * KF_SEARCH_QUERY_BUF bytes): for SQLite an FTS5 query of quoted phrases,
 * for PostgreSQL a tsquery. Words are separated by spaces; all must be
 * found. Returns the number of terms (0: TEXT has nothing to search for), or
 * -1 when TEXT is too long. */
int kf_search_query(int backend, const char *text, char out[KF_SEARCH_QUERY_BUF]);

#endif
