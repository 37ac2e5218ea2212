/* kefu reindex: rebuilds the ticket search index from the tickets and their
 * timelines: after tickets were loaded around the server (a restore, a bulk
 * load), or to compact SQLite's index. */
#include "cli/cli.h"

#include "core/config.h"
#include "core/err.h"
#include "store/search_index.h"
#include "store/store.h"

#include <stdio.h>

typedef struct {
    int64_t after, last;
} batch;

static int reindex_batch(kf_tx *tx, void *ctx)
{
    batch *b = ctx;
    return kf_search_rebuild_batch(tx, b->after, 2000, &b->last);
}

static int optimize(kf_tx *tx, void *ctx)
{
    (void)ctx;
    return kf_search_optimize(tx);
}

int kf_cli_reindex(int argc, char **argv, char **envp)
{
    kf_config cfg;
    int got = kf_cli_config(&cfg, argc, argv, envp,
                            "Usage: kefu reindex [--db URL]\n\n"
                            "Rebuilds the ticket search index, 2,000 tickets per transaction;\n"
                            "the server may run meanwhile.\n",
                            0);
    if (got) return got < 0 ? 2 : 0;
    kf_store *s = kf_cli_store(&cfg, NULL, 1, NULL, NULL);
    if (!s) return 1;
    batch b = {0, 0};
    int rc;
    /* one transaction per batch: the writer is never held for long */
    while ((rc = kf_store_write(s, reindex_batch, &b)) == KF_OK && b.last != b.after) {
        b.after = b.last;
    }
    if (rc == KF_OK) rc = kf_store_write(s, optimize, NULL);
    kf_store_close(s);
    if (rc != KF_OK) {
        fprintf(stderr, "kefu reindex: failed after ticket %lld: %s\n", (long long)b.after,
                kf_err_name(rc));
        return 1;
    }
    printf("reindexed the tickets up to id %lld\n", (long long)b.after);
    return 0;
}
