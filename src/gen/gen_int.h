/* Shared internals of src/gen: the world the tickets happen in (world.c),
 * a ticket's life (life.c), its rows (rows.c, batch.c), the sums (sums.c),
 * the two-thread load (pipe.c), the indexes (bulk.c) and the run (load.c).
 * One kf_gen holds everything of a run; nothing is global. It is used by
 * the thread that makes the tickets, except what the writer touches while
 * writing a chunk (the chunk, err) and the tables' statements (read-only). */
#ifndef KF_GEN_INT_H
#define KF_GEN_INT_H

#include "desk/calendar.h"
#include "desk/ticket.h"
#include "gen/gen.h"
#include "gen/prng.h"

#include <stdint.h>

#define GEN_RECENT    8  /* per unit: the latest repairs and complaints (repeat check) */
#define GEN_MEMBERS   8  /* technicians per department, at most */
#define GEN_MAX_CATS  32 /* ticket categories known */
#define GEN_NTYPES    6
#define GEN_NSEV      2
#define GEN_NWARRANTY 4 /* no unit, no warranty recorded, inside, outside */

typedef struct {
    int64_t id, category, at;
} gen_recent;

typedef struct {
    int64_t id, building, person;
    char warranty_end[16]; /* "" when none */
    char name[16], mobile[12];
    gen_recent recent[GEN_RECENT];
} gen_unit;

typedef struct {
    int64_t id;
    const char *kind;
    int64_t members[GEN_MEMBERS]; /* user ids, ascending */
    int nmembers;
    int64_t last; /* round-robin: the last member picked */
} gen_dept;

typedef struct {
    int known, n;
    int64_t policy;
    kf_sla_target targets[KF_MS_COUNT];
} gen_policy;

typedef struct {
    int known;
    int64_t rule, department;
} gen_route;

typedef struct {
    int64_t id;
    kf_desk_calendar *cal;
    gen_unit *units;
    size_t nunits;
    gen_dept depts[3];
    int ndepts;
    gen_policy *policies; /* [type][severity][category] */
    gen_route *routes;    /* [type][severity][category][warranty] */
    /* the latest repairs (unit index, category index): a repeat picks one */
    int32_t ring_unit[32], ring_cat[32];
    int ring_n, ring_pos;
} gen_project;

/* One rollup row being summed. */
typedef struct {
    int64_t project, day, category, building, department, person, n, total;
    int16_t metric; /* index of kf_rollup_metric; -1: empty slot */
    int8_t type;
    char grain;
} gen_rollup;

typedef struct {
    int64_t project, stripe;
    char bucket[32];
} gen_count;

#define GEN_MAX_INDEXES  32
#define GEN_METRICS_SEEN 64

/* a metric's name as facts give it, with its place in kf_rollup_metric */
typedef struct {
    const char *name, *grains;
    int index;
} gen_metric;

/* batch.c: rows of one table inserted many to a statement. A gen_table
 * holds a table's INSERTs; a gen_batch gathers rows for one, cell by cell
 * in column order (gen_batch_i, _s — text is copied —, _null), and
 * gen_batch_write inserts them all and empties it. */
#define GEN_ROWS_PER_INSERT 64

typedef struct {
    int ncols;
    char *one, *many; /* the INSERT for one row and for GEN_ROWS_PER_INSERT; owned */
} gen_table;

typedef struct {
    const gen_table *tab;
    int ncells, cap;
    unsigned char *kind; /* per cell */
    int64_t *iv;         /* per cell: the value, or the text's offset in TEXT */
    char *text;
    size_t text_len, text_cap;
} gen_batch;

void gen_table_init(gen_table *t, const char *head, int ncols);
void gen_table_free(gen_table *t);
void gen_batch_init(gen_batch *b, const gen_table *tab);
void gen_batch_free(gen_batch *b);
void gen_batch_i(gen_batch *b, int64_t v);
void gen_batch_s(gen_batch *b, const char *s);
void gen_batch_null(gen_batch *b);
int gen_batch_write(gen_batch *b, kf_tx *tx);

typedef struct {
    char *name, *sql; /* owned */
} gen_index;

typedef struct gen_pipe gen_pipe;
typedef struct gen_staged gen_staged; /* life.h */

/* Tickets made and waiting for the writer (pipe.c), with the rows of their
 * events and facts, and on a batch's last chunk the rollups it finished. */
typedef struct {
    gen_staged *t; /* [cap] */
    int n;
    int last; /* the last chunk of its batch (one transaction) */
    gen_batch events, facts, rollups;
} gen_chunk;

typedef struct {
    kf_gen_opts o;
    kf_rng rng;
    kf_store *store;
    kf_tz_cache *tzc;
    int64_t now, start;
    /* users */
    int64_t agent, supervisor, manager, technician;
    /* categories */
    int64_t cat_id[GEN_MAX_CATS], cat_parent[GEN_MAX_CATS];
    const char *cat_code[GEN_MAX_CATS];
    int ncats;
    gen_project *projects;
    int nprojects;
    /* ids the loader expects next (fresh tables) */
    int64_t next_ticket, next_follow_up, next_charge;
    /* sums kept until the end */
    gen_rollup *rollups;
    size_t rollup_cap, rollup_n;
    gen_rollup *rollup_done; /* the rows of finished days, sorted for writing */
    size_t rollup_done_cap;
    gen_metric metrics[GEN_METRICS_SEEN];
    int nmetrics;
    gen_count *counts;
    size_t count_cap, count_n;
    /* the tables written many rows to a statement */
    gen_table t_events, t_facts, t_rollups;
    gen_pipe *pipe; /* while the tickets are loaded */
    /* the secondary indexes dropped for the load (bulk.c) */
    gen_index indexes[GEN_MAX_INDEXES];
    int nindexes;
    kf_gen_summary sum;
    double phase_at; /* when the last progress line was written */
    char *err;
    size_t errlen;
} kf_gen;

extern const char *const gen_types[]; /* kf_ticket_types' order */

/* world.c */
int gen_world(kf_gen *g);
void gen_world_free(kf_gen *g);
int gen_cat_index(const kf_gen *g, const char *code); /* -1 if unknown */
/* gen_policy_for / gen_route_for: the server's own choice (kf_ticket_policy,
 * kf_desk_route) for a ticket like T, computed once per kind of ticket. */
int gen_policy_for(kf_gen *g, gen_project *p, int type, int sev, int cat, const gen_policy **out);
int gen_route_for(kf_gen *g, gen_project *p, int type, int sev, int cat, const gen_unit *u,
                  int64_t now, const gen_route **out);
void gen_date(const kf_desk_calendar *cal, int64_t ms, char out[16]);

/* rows.c: the tables' INSERTs (gen_rows_init), chunks, and the writer's
 * side: gen_write_chunk writes a chunk's rows and empties it. */
void gen_rows_init(kf_gen *g);
void gen_rows_free(kf_gen *g);
void gen_chunk_init(kf_gen *g, gen_chunk *c, int cap);
void gen_chunk_free(gen_chunk *c);
int gen_write_chunk(kf_gen *g, kf_tx *tx, gen_chunk *c);

/* pipe.c: gen_load_tickets makes and writes all the tickets, calling
 * PROGRESS after each batch made; gen_on_writer runs FN(tx, CTX) on the
 * writer (a read generation needs) and returns its code. */
int gen_load_tickets(kf_gen *g, void (*progress)(kf_gen *g, int64_t done));
int gen_on_writer(kf_gen *g, kf_write_fn fn, void *ctx);

/* life.c: makes tickets [FROM, FROM + N) of the run into C. */
int gen_tickets(kf_gen *g, gen_chunk *c, int64_t from, int64_t n);

/* bulk.c: the bulk tables' secondary indexes, dropped and made again */
int gen_indexes_drop(kf_gen *g);
int gen_indexes_create(kf_gen *g);
void gen_indexes_free(kf_gen *g);

/* sums.c: the rollups and queue counts. gen_rollups_stage moves the
 * rollup rows of days before CUTOFF, which no later ticket adds to, into B
 * in key order; gen_cutoff is that day once the tickets before NEXT are
 * made; gen_counts_write writes the queue counts. */
void gen_rollup_add(kf_gen *g, const kf_fact *f, int8_t type);
void gen_count_add(kf_gen *g, int64_t project, const char *bucket, int64_t stripe);
void gen_rollups_stage(kf_gen *g, gen_batch *b, int64_t cutoff);
int64_t gen_cutoff(const kf_gen *g, int64_t next);
int gen_counts_write(kf_gen *g, kf_tx *tx);
void gen_sums_free(kf_gen *g);

/* load.c */
int gen_finish(kf_gen *g);

#endif
