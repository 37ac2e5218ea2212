/* kefu verify rollups: recounts the KPI rollups. Two checks, both read-only:
 *   1. every rollup row equals the sum of its facts, at every grain, and no
 *      facts lack their row (what a lost or doubled update would leave);
 *   2. the facts equal the raw record: per project, one "created" per
 *      ticket, a "received" per dispatch, transfer or re-dispatch event, a
 *      "returned", "resolved", "closed", "reopened", "invalid" per event
 *      entering that state, a "follow_up" per call with its satisfied count
 *      and scores — for the tickets taken in since the facts began
 *      (report_epoch). */
#include "cli/cli.h"

#include "core/config.h"
#include "core/err.h"
#include "core/mem.h"
#include "desk/rollup.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FACT_SUMS                                                                                  \
    "SELECT project_id, day, type,"                                                                \
    " CASE WHEN CAST(? AS TEXT) = 'd' THEN 0 ELSE category_id END,"                                \
    " CASE WHEN CAST(? AS TEXT) = 'b' THEN building_id ELSE 0 END,"                                \
    " CASE WHEN CAST(? AS TEXT) = 'd' THEN department_id ELSE 0 END,"                              \
    " CASE WHEN CAST(? AS TEXT) = 'd' THEN person_id ELSE 0 END,"                                  \
    " CAST(COUNT(*) AS BIGINT), CAST(SUM(value) AS BIGINT) FROM ticket_facts WHERE metric = ?"     \
    " GROUP BY 1, 2, 3, 4, 5, 6, 7"
/* a row per stripe (migration 0013): the sums are the stripes' together */
#define ROLLUP_ROWS                                                                                \
    "SELECT project_id, day, type, category_id, building_id, department_id, person_id,"            \
    " CAST(SUM(n) AS BIGINT), CAST(SUM(total) AS BIGINT) FROM ticket_rollups"                      \
    " WHERE metric = ? AND grain = ? GROUP BY 1, 2, 3, 4, 5, 6, 7"

/* Rows of one side missing from the other; prints the first few. */
static int differences(kf_tx *tx, const char *metric, const char *grain, int facts_first,
                       int64_t *found)
{
    kf_stmt *st;
    int rc = facts_first ? kf_tx_query(tx, &st, FACT_SUMS " EXCEPT " ROLLUP_ROWS, "sssssss", grain,
                                       grain, grain, grain, metric, metric, grain)
                         : kf_tx_query(tx, &st, ROLLUP_ROWS " EXCEPT " FACT_SUMS, "sssssss", metric,
                                       grain, grain, grain, grain, grain, metric);
    if (rc != KF_OK) return rc;
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        if ((*found)++ < 20)
            printf("  %s %s grain %s: project %lld day %lld type %s category %lld building %lld"
                   " department %lld person %lld: n %lld total %lld\n",
                   facts_first ? "facts sum to" : "rollup has", metric, grain,
                   (long long)kf_stmt_i64(st, 0), (long long)kf_stmt_i64(st, 1),
                   kf_stmt_text(st, 2), (long long)kf_stmt_i64(st, 3),
                   (long long)kf_stmt_i64(st, 4), (long long)kf_stmt_i64(st, 5),
                   (long long)kf_stmt_i64(st, 6), (long long)kf_stmt_i64(st, 7),
                   (long long)kf_stmt_i64(st, 8));
    }
    return rc == KF_DONE ? KF_OK : rc;
}

/* The raw record's count (and sum) per project for a metric; ? is the epoch. */
static const struct {
    const char *metric, *sql;
} raw[] = {
    {KF_M_CREATED, "SELECT project_id, COUNT(*), CAST(SUM(CASE WHEN repeat_of IS NULL THEN 0 ELSE"
                   " 1 END) AS BIGINT) FROM tickets WHERE id >= ? GROUP BY project_id"},
#define EVENTS(cond)                                                                               \
    "SELECT t.project_id, COUNT(*), COUNT(*) FROM ticket_events e JOIN tickets t"                  \
    " ON t.id = e.ticket_id WHERE t.id >= ? AND " cond " GROUP BY t.project_id"
    {KF_M_RECEIVED, EVENTS("e.kind IN ('dispatched', 'transferred', 'redispatched')")},
    {KF_M_TRANSFERRED, EVENTS("e.kind = 'transferred'")},
    {KF_M_RETURNED, EVENTS("e.kind = 'status' AND e.to_status = 'new'")},
    {KF_M_RESOLVED, EVENTS("e.to_status = 'resolved'")},
    {KF_M_CLOSED, EVENTS("e.to_status = 'closed'")},
    {KF_M_REOPENED, EVENTS("e.to_status = 'reopened'")},
    {KF_M_INVALID, EVENTS("e.to_status = 'closed_invalid'")},
#undef EVENTS
    {KF_M_FOLLOW_UP, "SELECT project_id, COUNT(*), CAST(SUM(satisfied) AS BIGINT) FROM follow_ups"
                     " WHERE ticket_id >= ? GROUP BY project_id"},
    {KF_M_SCORE_OVERALL, "SELECT project_id, COUNT(*), CAST(SUM(score_overall) AS BIGINT)"
                         " FROM follow_ups WHERE ticket_id >= ? GROUP BY project_id"},
};

#define MAX_PROJECTS 4096

typedef struct {
    int64_t project, n, total;
} count;

static int counts(kf_tx *tx, const char *sql, const char *metric, int64_t epoch, count *out,
                  size_t *n)
{
    kf_stmt *st;
    int rc = metric ? kf_tx_query(tx, &st, sql, "is", epoch, metric)
                    : kf_tx_query(tx, &st, sql, "i", epoch);
    *n = 0;
    if (rc != KF_OK) return rc;
    while ((rc = kf_stmt_step(st)) == KF_ROW && *n < MAX_PROJECTS)
        out[(*n)++] = (count){kf_stmt_i64(st, 0), kf_stmt_i64(st, 1), kf_stmt_i64(st, 2)};
    return rc == KF_DONE || rc == KF_ROW ? KF_OK : rc;
}

static const count *find(const count *c, size_t n, int64_t project)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].project == project) return &c[i];
    return NULL;
}

static int against_raw(kf_tx *tx, int64_t epoch, int64_t *found)
{
    count *a = kf_malloc(2 * MAX_PROJECTS * sizeof(count)), *b = a + MAX_PROJECTS;
    int rc = KF_OK;
    for (size_t k = 0; k < sizeof(raw) / sizeof(raw[0]) && rc == KF_OK; k++) {
        size_t na, nb;
        rc = counts(tx, raw[k].sql, NULL, epoch, a, &na);
        if (rc == KF_OK)
            rc = counts(tx,
                        "SELECT project_id, COUNT(*), CAST(SUM(value) AS BIGINT) FROM ticket_facts"
                        " WHERE ticket_id >= ? AND metric = ? GROUP BY project_id",
                        raw[k].metric, epoch, b, &nb);
        /* the raw record's totals are sums only where the fact's value is one */
        int sums = strcmp(raw[k].metric, KF_M_CREATED) == 0 ||
                   strcmp(raw[k].metric, KF_M_FOLLOW_UP) == 0 ||
                   strcmp(raw[k].metric, KF_M_SCORE_OVERALL) == 0;
        for (size_t i = 0; rc == KF_OK && i < na + nb; i++) {
            const count *x = i < na ? &a[i] : &b[i - na];
            const count *ra = find(a, na, x->project), *fb = find(b, nb, x->project);
            if (i >= na && ra) continue; /* seen from the other side */
            int64_t rn = ra ? ra->n : 0, fn = fb ? fb->n : 0;
            int64_t rt = ra ? ra->total : 0, ft = fb ? fb->total : 0;
            if (rn != fn || (sums && rt != ft)) {
                if ((*found)++ < 20)
                    printf("  project %lld %s: the record has %lld (%lld), the facts %lld (%lld)\n",
                           (long long)x->project, raw[k].metric, (long long)rn, (long long)rt,
                           (long long)fn, (long long)ft);
            }
        }
    }
    free(a);
    return rc;
}

static int verify(kf_store *s, int64_t *found)
{
    kf_tx *tx;
    int rc = kf_store_read_begin(s, &tx);
    if (rc != KF_OK) return rc;
    const char *metric;
    for (size_t i = 0; (metric = kf_rollup_metric(i)) && rc == KF_OK; i++) {
        const char *grains = kf_rollup_grains(metric);
        for (const char *g = grains; g && *g && rc == KF_OK; g++) {
            char grain[2] = {*g, 0};
            rc = differences(tx, metric, grain, 1, found);
            if (rc == KF_OK) rc = differences(tx, metric, grain, 0, found);
        }
    }
    int64_t epoch = 0;
    if (rc == KF_OK) rc = kf_tx_i64(tx, &epoch, "SELECT first_ticket FROM report_epoch", "");
    if (rc == KF_OK) rc = against_raw(tx, epoch, found);
    kf_store_read_end(s, tx);
    return rc;
}

int kf_cli_verify(int argc, char **argv, char **envp)
{
    static const char usage[] = "Usage: kefu verify rollups [--db URL]\n\n"
                                "Recounts the KPI rollups from the facts, and the facts from the\n"
                                "tickets, their events and follow-up calls. Prints every\n"
                                "difference (the first 20) and exits 1 when there is one.\n";
    if (argc < 1 || strcmp(argv[0], "rollups") != 0) {
        fputs(usage, argc >= 1 && strcmp(argv[0], "--help") == 0 ? stdout : stderr);
        return argc >= 1 && strcmp(argv[0], "--help") == 0 ? 0 : 2;
    }
    kf_config cfg;
    int got = kf_cli_config(&cfg, argc - 1, argv + 1, envp, usage, 0);
    if (got) return got < 0 ? 2 : 0;
    kf_store *s = kf_cli_store(&cfg, NULL, 1, NULL, NULL);
    if (!s) return 1;
    int64_t found = 0;
    int rc = verify(s, &found);
    kf_store_close(s);
    if (rc != KF_OK) {
        fprintf(stderr, "kefu verify rollups: %s\n", kf_err_name(rc));
        return 1;
    }
    if (found) {
        printf("rollups: %lld difference(s)\n", (long long)found);
        return 1;
    }
    printf("rollups: no differences\n");
    return 0;
}
