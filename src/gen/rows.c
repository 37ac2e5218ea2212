/* The rows of a ticket's life, written once it is over (or has reached the
 * end of the history), with prepared literal statements. */
#include "gen/life.h"

#include "core/err.h"

#include <stdio.h>

static int write_events(kf_gen *g, kf_tx *tx, life *L, int64_t id)
{
    int rc = KF_OK;
    gen_batch *b = &g->events;
    for (int i = 0; i < L->nev && rc == KF_OK; i++) {
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
        rc = gen_batch_row_done(b, tx);
    }
    g->sum.events += L->nev;
    return rc;
}

static int write_facts(kf_gen *g, kf_tx *tx, life *L)
{
    int rc = KF_OK;
    gen_batch *b = &g->facts;
    for (int i = 0; i < L->nfacts && rc == KF_OK; i++) {
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
        rc = gen_batch_row_done(b, tx);
        gen_rollup_add(g, f, (int8_t)L->type);
    }
    g->sum.facts += L->nfacts;
    return rc;
}

void gen_rows_init(kf_gen *g)
{
    gen_batch_init(&g->events,
                   "INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status,"
                   " to_status, note, data, at) VALUES",
                   8);
    gen_batch_init(&g->facts,
                   "INSERT INTO ticket_facts (ticket_id, project_id, day, at, metric, type,"
                   " category_id, building_id, department_id, person_id, value, minutes) VALUES",
                   12);
    gen_batch_init(&g->rollup_rows,
                   "INSERT INTO ticket_rollups (project_id, metric, grain, day, type,"
                   " category_id, building_id, department_id, person_id, n, total) VALUES",
                   11);
}

int gen_rows_flush(kf_gen *g, kf_tx *tx)
{
    int rc = gen_batch_flush(&g->events, tx);
    if (rc == KF_OK) rc = gen_batch_flush(&g->facts, tx);
    if (rc == KF_OK) rc = gen_batch_flush(&g->rollup_rows, tx);
    return rc;
}

void gen_rows_free(kf_gen *g)
{
    gen_batch_free(&g->events);
    gen_batch_free(&g->facts);
    gen_batch_free(&g->rollup_rows);
}

static int write_calls(kf_gen *g, kf_tx *tx, life *L, int64_t id)
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
        kf_stmt_bind_i64(st, 1, L->p->id);
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
        g->sum.follow_ups++;
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
    kf_stmt_bind_i64(st, 1, L->p->id);
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
    g->sum.charges++;
    return rc;
}

int gen_write_life(kf_gen *g, kf_tx *tx, life *L)
{
    kf_ticket *t = &L->t;
    int64_t expected = kf_ticket_i(t, "id");
    int rc = kf_ticket_insert_row(tx, t);
    if (rc == KF_OK && kf_ticket_i(t, "id") != expected) {
        snprintf(g->err, g->errlen, "ticket got id %lld, expected %lld",
                 (long long)kf_ticket_i(t, "id"), (long long)expected);
        return KF_EDB;
    }
    if (rc == KF_OK) rc = kf_ticket_save_clocks(tx, t);
    for (int m = 0; m < KF_MS_COUNT; m++)
        g->sum.clocks += t->has_clock[m];
    if (rc == KF_OK) rc = write_events(g, tx, L, expected);
    if (rc == KF_OK) rc = write_facts(g, tx, L);
    if (rc == KF_OK) rc = write_calls(g, tx, L, expected);
    if (rc == KF_OK && kf_ticket_i(t, "is_open")) {
        json_t *b = kf_ticket_buckets(t);
        size_t i;
        json_t *v;
        json_array_foreach(b, i, v) gen_count_add(g, L->p->id, json_string_value(v), expected % 8);
        json_decref(b);
        g->sum.open++;
    }
    g->sum.tickets++;
    return rc;
}
