/* The tickets' secondary indexes whose keys come in random order (person,
 * unit), dropped before the load and made again after it from their own SQL
 * (sqlite_master's text, or PostgreSQL's pg_indexes.indexdef), so the schema
 * ends as the migrations left it: at 10,000,000 tickets each outgrows the
 * writer's page cache and every insert would touch a page of its own.
 * The other indexes stay: their keys come in (nearly) ascending order
 * (ids, days) after a few leading columns, so inserts land on a few last
 * pages, or they are partial and small (open tickets). Making one afterwards
 * reads the whole table again, which measured dearer: 100,000 tickets, the
 * events' and facts' made afterwards, 36–46 s for the run, kept, 17–21 s;
 * 1,000,000 tickets, the tickets' eleven made afterwards, 30 s. If the load
 * fails the indexes stay dropped: a failed load's database is thrown away
 * (kefu gen's help says so). */
#include "gen/gen_int.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BULK_INDEXES "('tickets_person', 'tickets_unit')"

static const char sqlite_list[] =
    "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
    " AND sql IS NOT NULL AND name IN " BULK_INDEXES " ORDER BY rowid";
static const char pg_list[] =
    "SELECT indexname, indexdef FROM pg_indexes"
    " WHERE schemaname = current_schema() AND indexname IN " BULK_INDEXES " ORDER BY indexname";

static int list_indexes(kf_gen *g, kf_tx *tx)
{
    kf_stmt *st;
    int sqlite = kf_store_backend(g->store) == KF_BACKEND_SQLITE;
    int rc = kf_tx_prepare(tx, sqlite ? sqlite_list : pg_list, &st);
    while (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_ROW) {
        rc = KF_OK;
        if (g->nindexes == GEN_MAX_INDEXES) return KF_EDB; /* far more than the schema has */
        gen_index *ix = &g->indexes[g->nindexes++];
        ix->name = kf_strdup(kf_stmt_text(st, 0));
        ix->sql = kf_strdup(kf_stmt_text(st, 1));
    }
    return rc == KF_DONE ? KF_OK : rc;
}

static int drop_indexes(kf_tx *tx, void *ctx)
{
    kf_gen *g = ctx;
    int rc = list_indexes(g, tx);
    for (int i = 0; rc == KF_OK && i < g->nindexes; i++) {
        char sql[256];
        snprintf(sql, sizeof(sql), "DROP INDEX \"%s\"", g->indexes[i].name);
        rc = kf_tx_exec_script(tx, sql);
    }
    return rc;
}

static int create_indexes(kf_tx *tx, void *ctx)
{
    kf_gen *g = ctx;
    int rc = KF_OK;
    for (int i = 0; rc == KF_OK && i < g->nindexes; i++)
        rc = kf_tx_exec_script(tx, g->indexes[i].sql);
    return rc;
}

int gen_indexes_drop(kf_gen *g)
{
    int rc = kf_store_write_alone(g->store, drop_indexes, g);
    if (rc != KF_OK)
        snprintf(g->err, g->errlen, "dropping the indexes failed: %s", kf_err_name(rc));
    return rc;
}

int gen_indexes_create(kf_gen *g)
{
    int rc = kf_store_write_alone(g->store, create_indexes, g);
    if (rc != KF_OK) snprintf(g->err, g->errlen, "making the indexes failed: %s", kf_err_name(rc));
    return rc;
}

void gen_indexes_free(kf_gen *g)
{
    for (int i = 0; i < g->nindexes; i++) {
        free(g->indexes[i].name);
        free(g->indexes[i].sql);
    }
    g->nindexes = 0;
}
