/* The rows of a ticket's life once it is over (or has reached the end of
 * the history): staged into a chunk by the thread that makes the tickets
 * (gen_stage_life: the events and facts as cells, the row and clocks as the
 * desk's kf_ticket, the sums added), written by the store's writer
 * (gen_write_chunk) with prepared statements. */
#include "gen/life.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#include <stdio.h>

static void stage_events(kf_gen *g, gen_batch *b, const life *L, int64_t id)
{
    for (int i = 0; i < L->nev; i++) {
        const gen_event *e = &L->ev[i];
        gen_batch_i(b, id);
        if (e->actor)
            gen_batch_i(b, e->actor);
        else
            gen_batch_null(b);
        gen_batch_s(b, e->kind);
        gen_batch_s(b, e->from);
        gen_batch_s(b, e->to);
        gen_batch_s(b, e->note);
        gen_batch_s(b, e->data[0] ? e->data : NULL);
        gen_batch_i(b, e->at);
    }
    g->sum.events += L->nev;
}

static void stage_facts(kf_gen *g, gen_batch *b, const life *L)
{
    for (int i = 0; i < L->nfacts; i++) {
        const kf_fact *f = &L->facts[i];
        int64_t v[] = {f->ticket, f->project, f->day, f->at};
        for (int k = 0; k < 4; k++)
            gen_batch_i(b, v[k]);
        gen_batch_s(b, f->metric);
        gen_batch_s(b, f->type);
        int64_t w[] = {f->category, f->building, f->department, f->person, f->value};
        for (int k = 0; k < 5; k++)
            gen_batch_i(b, w[k]);
        if (f->minutes >= 0)
            gen_batch_i(b, f->minutes);
        else
            gen_batch_null(b);
        gen_rollup_add(g, f, (int8_t)L->type);
    }
    g->sum.facts += L->nfacts;
}

void gen_rows_init(kf_gen *g)
{
    gen_table_init(&g->t_events,
                   "INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status,"
                   " to_status, note, data, at) VALUES",
                   8);
    gen_table_init(&g->t_facts,
                   "INSERT INTO ticket_facts (ticket_id, project_id, day, at, metric, type,"
                   " category_id, building_id, department_id, person_id, value, minutes) VALUES",
                   12);
    gen_table_init(&g->t_rollups,
                   "INSERT INTO ticket_rollups (project_id, metric, grain, day, type,"
                   " category_id, building_id, department_id, person_id, n, total) VALUES",
                   11);
}

void gen_rows_free(kf_gen *g)
{
    gen_table_free(&g->t_events);
    gen_table_free(&g->t_facts);
    gen_table_free(&g->t_rollups);
}

void gen_chunk_init(kf_gen *g, gen_chunk *c, int cap)
{
    memset(c, 0, sizeof(*c));
    c->t = kf_calloc((size_t)cap, sizeof(gen_staged));
    gen_batch_init(&c->events, &g->t_events);
    gen_batch_init(&c->facts, &g->t_facts);
    gen_batch_init(&c->rollups, &g->t_rollups);
}

void gen_chunk_free(gen_chunk *c)
{
    for (int i = 0; i < c->n; i++)
        kf_ticket_release(&c->t[i].t);
    free(c->t);
    gen_batch_free(&c->events);
    gen_batch_free(&c->facts);
    gen_batch_free(&c->rollups);
}

static int write_calls(kf_gen *g, kf_tx *tx, const gen_staged *L, int64_t id)
{
    int rc = KF_OK;
    for (int i = 0; i < L->nfu && rc == KF_OK; i++) {
        const gen_call *c = &L->fu[i];
        kf_stmt *st;
        rc = kf_tx_prepare(tx,
                           KF_INSERT_ID(tx,
                                        "INSERT INTO follow_ups (project_id, ticket_id, satisfied,"
                                        " score_overall, score_timeliness, score_attitude,"
                                        " comment, done_by, created_at)"
                                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                           &st);
        if (rc != KF_OK) break;
        kf_stmt_bind_i64(st, 1, L->project);
        kf_stmt_bind_i64(st, 2, id);
        kf_stmt_bind_i64(st, 3, c->satisfied);
        kf_stmt_bind_i64(st, 4, c->overall);
        if (c->timeliness)
            kf_stmt_bind_i64(st, 5, c->timeliness);
        else
            kf_stmt_bind_null(st, 5);
        if (c->attitude)
            kf_stmt_bind_i64(st, 6, c->attitude);
        else
            kf_stmt_bind_null(st, 6);
        kf_stmt_bind_text(st, 7, c->comment ? c->comment : "");
        kf_stmt_bind_i64(st, 8, g->agent);
        kf_stmt_bind_i64(st, 9, c->at);
        int64_t got = 0;
        rc = kf_stmt_insert_step(st, &got);
        if (rc == KF_OK && got != c->id) {
            snprintf(g->err, g->errlen, "follow-up call got id %lld, expected %lld", (long long)got,
                     (long long)c->id);
            rc = KF_EDB;
        }
    }
    if (rc != KF_OK || !L->charge_id) return rc;
    kf_stmt *st;
    rc = kf_tx_prepare(tx,
                       KF_INSERT_ID(tx, "INSERT INTO ticket_charges (project_id, ticket_id, kind,"
                                        " amount_fen, bearer, reason, status, level, created_by,"
                                        " created_at, decided_by, decided_at, decision_note,"
                                        " updated_at, version) VALUES (?, ?, 'compensation', ?,"
                                        " 'company', ?, 'approved', ?, ?, ?, ?, ?, '同意', ?, 2)"),
                       &st);
    if (rc != KF_OK) return rc;
    int64_t got = 0;
    kf_stmt_bind_i64(st, 1, L->project);
    kf_stmt_bind_i64(st, 2, id);
    kf_stmt_bind_i64(st, 3, L->charge_amount);
    kf_stmt_bind_text(st, 4, "给业主造成损失，申请赔偿");
    kf_stmt_bind_text(st, 5, L->charge_level);
    kf_stmt_bind_i64(st, 6, g->agent);
    kf_stmt_bind_i64(st, 7, L->charge_at);
    kf_stmt_bind_i64(st, 8, L->charge_decider);
    kf_stmt_bind_i64(st, 9, L->charge_decided_at);
    kf_stmt_bind_i64(st, 10, L->charge_decided_at);
    rc = kf_stmt_insert_step(st, &got);
    if (rc == KF_OK && got != L->charge_id) {
        snprintf(g->err, g->errlen, "a charge got id %lld, expected %lld", (long long)got,
                 (long long)L->charge_id);
        rc = KF_EDB;
    }
    return rc;
}

void gen_stage_life(kf_gen *g, gen_chunk *c, life *L)
{
    gen_staged *st = &c->t[c->n++];
    int64_t id = kf_ticket_i(&L->t, "id");
    stage_events(g, &c->events, L, id);
    stage_facts(g, &c->facts, L);
    if (kf_ticket_i(&L->t, "is_open")) {
        json_t *b = kf_ticket_buckets(&L->t);
        size_t i;
        json_t *v;
        json_array_foreach(b, i, v) gen_count_add(g, L->p->id, json_string_value(v), id % 8);
        json_decref(b);
        g->sum.open++;
    }
    for (int m = 0; m < KF_MS_COUNT; m++)
        g->sum.clocks += L->t.has_clock[m];
    g->sum.follow_ups += L->nfu;
    g->sum.charges += L->charge_id != 0;
    g->sum.tickets++;
    /* the ticket moves into the chunk: the writer releases it */
    st->t = L->t;
    memset(&L->t, 0, sizeof(L->t));
    st->project = L->p->id;
    memcpy(st->fu, L->fu, sizeof(st->fu));
    st->nfu = L->nfu;
    st->charge_id = L->charge_id;
    st->charge_amount = L->charge_amount;
    st->charge_at = L->charge_at;
    st->charge_decided_at = L->charge_decided_at;
    st->charge_decider = L->charge_decider;
    st->charge_level = L->charge_level;
}

static int write_ticket(kf_gen *g, kf_tx *tx, gen_staged *st)
{
    kf_ticket *t = &st->t;
    int64_t expected = kf_ticket_i(t, "id");
    int rc = kf_ticket_insert_row(tx, t);
    if (rc == KF_OK && kf_ticket_i(t, "id") != expected) {
        snprintf(g->err, g->errlen, "ticket got id %lld, expected %lld",
                 (long long)kf_ticket_i(t, "id"), (long long)expected);
        return KF_EDB;
    }
    if (rc == KF_OK) rc = kf_ticket_save_clocks(tx, t);
    if (rc == KF_OK) rc = write_calls(g, tx, st, expected);
    return rc;
}

int gen_write_chunk(kf_gen *g, kf_tx *tx, gen_chunk *c)
{
    int rc = KF_OK;
    for (int i = 0; i < c->n && rc == KF_OK; i++)
        rc = write_ticket(g, tx, &c->t[i]);
    for (int i = 0; i < c->n; i++)
        kf_ticket_release(&c->t[i].t);
    c->n = 0;
    if (rc == KF_OK) rc = gen_batch_write(&c->events, tx);
    if (rc == KF_OK) rc = gen_batch_write(&c->facts, tx);
    if (rc == KF_OK) rc = gen_batch_write(&c->rollups, tx);
    return rc;
}
