/* Applies the numbered migrations compiled into the binary
 * (migrations/<backend>/NNNN_name.sql), each in its own write transaction,
 * recording each in schema_migrations. */
#include "store/store_int.h"

#include "core/embedded.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "store/search_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const kf_embedded_file *file;
    int version;
    int applied; /* 0 when another process applied it first */
    int rc_detail_set;
    char detail[256];
} migration_job;

static const char create_table_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                       " version BIGINT PRIMARY KEY,"
                                       " name TEXT NOT NULL,"
                                       " applied_at BIGINT NOT NULL)";

static int ensure_table(kf_tx *tx, void *ctx)
{
    (void)ctx;
    /* two servers starting at once would both create it (PostgreSQL then
     * fails one of them on a catalog unique index) */
    int rc = tx->store->ops->migration_lock(tx);
    if (rc != KF_OK) return rc;
    return kf_tx_exec_script(tx, create_table_sql);
}

static int apply_one(kf_tx *tx, void *ctx)
{
    migration_job *job = ctx;
    int rc = tx->store->ops->migration_lock(tx);
    if (rc != KF_OK) return rc;
    int64_t present = 0;
    rc = kf_tx_i64(tx, &present, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", "i",
                   (int64_t)job->version);
    if (rc != KF_OK) return rc;
    if (present) return KF_OK; /* another process applied it meanwhile */
    rc = kf_tx_exec_script(tx, job->file->data);
    if (rc != KF_OK) {
        snprintf(job->detail, sizeof(job->detail), "%s", kf_tx_errmsg(tx));
        job->rc_detail_set = 1;
        return rc;
    }
    /* what SQL alone cannot do: 0010's index is cut by our tokenizer in C */
    if (job->version == 10 && (rc = kf_search_rebuild_all(tx)) != KF_OK) return rc;
    const char *name = strrchr(job->file->path, '/');
    job->applied = 1;
    return kf_tx_exec(tx, NULL,
                      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                      "isi", (int64_t)job->version, name ? name + 1 : job->file->path, kf_now_ms());
}

static int read_max(kf_store *s, int *max)
{
    kf_tx *tx;
    int rc = kf_store_read_begin(s, &tx);
    if (rc != KF_OK) return rc;
    int64_t v = 0;
    rc = kf_tx_i64(tx, &v, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL);
    kf_store_read_end(s, tx);
    *max = (int)v;
    return rc;
}

static int by_path(const void *a, const void *b)
{
    const kf_embedded_file *const *fa = a, *const *fb = b;
    return strcmp((*fa)->path, (*fb)->path);
}

int kf_store_migrate(kf_store *s, int *applied, int *version, char *err, size_t errlen)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "migrations/%s/", s->ops->name);
    size_t plen = strlen(prefix);
    const kf_embedded_file *files[512];
    size_t n = 0;
    for (const kf_embedded_file *f = kf_embedded_files; f->path; f++)
        if (strncmp(f->path, prefix, plen) == 0 && n < sizeof(files) / sizeof(files[0]))
            files[n++] = f;
    qsort(files, n, sizeof(files[0]), by_path);

    if (applied) *applied = 0;
    int rc = kf_store_write(s, ensure_table, NULL);
    int current = 0;
    if (rc == KF_OK) rc = read_max(s, &current);
    if (rc != KF_OK) {
        snprintf(err, errlen, "cannot read schema_migrations: %s", kf_err_name(rc));
        return rc;
    }
    /* a database a newer kefu migrated has tables and meanings this one does not know */
    int known = n ? atoi(files[n - 1]->path + plen) : 0;
    if (current > known) {
        snprintf(err, errlen,
                 "the database's schema is version %d, newer than this kefu knows (%d): use"
                 " the kefu that migrated it, or a newer one",
                 current, known);
        return KF_ECONFLICT;
    }
    for (size_t i = 0; i < n; i++) {
        migration_job job = {.file = files[i]};
        job.version = atoi(files[i]->path + plen);
        if (job.version <= 0) {
            snprintf(err, errlen, "migration %s has no number", files[i]->path);
            return KF_EINVAL;
        }
        if (job.version <= current) continue;
        rc = kf_store_write(s, apply_one, &job);
        if (rc != KF_OK) {
            snprintf(err, errlen, "migration %s failed: %s", files[i]->path,
                     job.rc_detail_set ? job.detail : kf_err_name(rc));
            return rc;
        }
        current = job.version;
        if (applied && job.applied) (*applied)++;
    }
    if (version) *version = current;
    return KF_OK;
}
