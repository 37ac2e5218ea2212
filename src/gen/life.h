/* A ticket's life as life.c lives it and rows.c writes it (internal to src/gen). */
#ifndef KF_GEN_LIFE_H
#define KF_GEN_LIFE_H

#include "gen/gen_int.h"

#define MAX_EV 64
#define MAX_FU 4

typedef struct {
    const char *kind, *from, *to;
    const char *note;
    char data[200];
    int64_t actor, at;
} gen_event;

typedef struct {
    int satisfied;
    int64_t overall, timeliness, attitude, at, id;
    const char *comment;
} gen_call;

typedef struct {
    kf_gen *g;
    gen_project *p;
    gen_unit *u;
    const kf_workcal *cal;
    kf_ticket t;
    int type, sev, cat;
    int64_t end, prev, version;
    gen_event ev[MAX_EV];
    int nev;
    kf_fact facts[160];
    int nfacts;
    gen_call fu[MAX_FU];
    int nfu;
    int64_t charge_id, charge_amount, charge_at, charge_decided_at, charge_decider;
    const char *charge_level;
} life;

/* A ticket made, waiting for the writer: the row and clocks, its follow-up
 * calls and compensation. */
struct gen_staged {
    kf_ticket t; /* owned: released once written */
    int64_t project;
    gen_call fu[MAX_FU];
    int nfu;
    int64_t charge_id, charge_amount, charge_at, charge_decided_at, charge_decider;
    const char *charge_level;
};

/* gen_stage_life: moves the ticket of L into C with its events and facts,
 * and adds its sums and queue counts. */
void gen_stage_life(kf_gen *g, gen_chunk *c, life *L);

#endif
