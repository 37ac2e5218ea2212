/* Rows gathered, then inserted GEN_ROWS_PER_INSERT at a time with one
 * multi-row INSERT … VALUES (…), (…), …: one statement step instead of one
 * per row (SQLite's per-statement work), one round trip instead of one per
 * row (PostgreSQL). Rows keep their order, so ids come out as row by row.
 * The statements' text belongs to a gen_table that lives as long as the
 * run: the store caches statements by the text's address. */
#include "gen/gen_int.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CELL_INT, CELL_TEXT, CELL_NULL };

/* "INSERT INTO t (a, b) VALUES " followed by N "(?, ?)" */
static char *insert_sql(const char *head, int ncols, int nrows)
{
    size_t len = strlen(head) + (size_t)nrows * ((size_t)ncols * 3 + 3) + 1;
    char *sql = kf_malloc(len), *p = sql;
    p += sprintf(p, "%s", head);
    for (int r = 0; r < nrows; r++) {
        *p++ = r ? ',' : ' ';
        *p++ = '(';
        for (int c = 0; c < ncols; c++)
            p += sprintf(p, c ? ", ?" : "?");
        *p++ = ')';
    }
    *p = '\0';
    return sql;
}

void gen_table_init(gen_table *t, const char *head, int ncols)
{
    t->ncols = ncols;
    t->one = insert_sql(head, ncols, 1);
    t->many = insert_sql(head, ncols, GEN_ROWS_PER_INSERT);
}

void gen_table_free(gen_table *t)
{
    free(t->one);
    free(t->many);
    t->one = t->many = NULL;
}

void gen_batch_init(gen_batch *b, const gen_table *tab)
{
    memset(b, 0, sizeof(*b));
    b->tab = tab;
}

void gen_batch_free(gen_batch *b)
{
    free(b->kind);
    free(b->iv);
    free(b->text);
    memset(b, 0, sizeof(*b));
}

static void cell_room(gen_batch *b)
{
    if (b->ncells < b->cap) return;
    b->cap = b->cap ? b->cap * 2 : 1024;
    b->kind = kf_realloc(b->kind, (size_t)b->cap);
    b->iv = kf_realloc(b->iv, (size_t)b->cap * sizeof(int64_t));
}

void gen_batch_i(gen_batch *b, int64_t v)
{
    cell_room(b);
    b->kind[b->ncells] = CELL_INT;
    b->iv[b->ncells++] = v;
}

void gen_batch_s(gen_batch *b, const char *s)
{
    cell_room(b);
    if (!s) {
        b->kind[b->ncells++] = CELL_NULL;
        return;
    }
    size_t len = strlen(s) + 1;
    if (b->text_len + len > b->text_cap) {
        b->text_cap = (b->text_len + len) * 2;
        b->text = kf_realloc(b->text, b->text_cap);
    }
    memcpy(b->text + b->text_len, s, len);
    b->kind[b->ncells] = CELL_TEXT;
    b->iv[b->ncells++] = (int64_t)b->text_len; /* an offset: the buffer may move */
    b->text_len += len;
}

void gen_batch_null(gen_batch *b)
{
    cell_room(b);
    b->kind[b->ncells++] = CELL_NULL;
}

/* Inserts cells [FROM, FROM + NROWS * ncols) with SQL. */
static int insert_rows(gen_batch *b, kf_tx *tx, const char *sql, int from, int nrows)
{
    kf_stmt *st;
    int rc = kf_tx_prepare(tx, sql, &st);
    if (rc != KF_OK) return rc;
    for (int i = 0; i < nrows * b->tab->ncols; i++) {
        int c = from + i;
        if (b->kind[c] == CELL_INT)
            kf_stmt_bind_i64(st, i + 1, b->iv[c]);
        else if (b->kind[c] == CELL_TEXT)
            kf_stmt_bind_text(st, i + 1, b->text + b->iv[c]);
        else
            kf_stmt_bind_null(st, i + 1);
    }
    rc = kf_stmt_step(st);
    return rc == KF_DONE ? KF_OK : rc == KF_ROW ? KF_EDB : rc;
}

int gen_batch_write(gen_batch *b, kf_tx *tx)
{
    int rc = KF_OK, row = b->tab->ncols, many = row * GEN_ROWS_PER_INSERT, c = 0;
    for (; c + many <= b->ncells && rc == KF_OK; c += many)
        rc = insert_rows(b, tx, b->tab->many, c, GEN_ROWS_PER_INSERT);
    for (; c < b->ncells && rc == KF_OK; c += row)
        rc = insert_rows(b, tx, b->tab->one, c, 1);
    b->ncells = 0;
    b->text_len = 0;
    return rc;
}
