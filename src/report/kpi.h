/* The KPI engine: sums of the daily rollups over a period of one project,
 * grouped by one dimension, and the working time to each milestone (median
 * and 90th percentile) from the facts of the period. Never a count over the
 * tickets: a month of a project reads at most the rollup rows of its days.
 *
 * Ownership: a kf_kpi_table owns its rows; release with kf_kpi_table_free. */
#ifndef KF_REPORT_KPI_H
#define KF_REPORT_KPI_H

#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    KF_BY_PROJECT, /* one row: the whole project */
    KF_BY_DEPARTMENT,
    KF_BY_PERSON,
    KF_BY_CATEGORY,
    KF_BY_BUILDING,
    KF_BY_TYPE,
    KF_BY_DAY,
    KF_BY_WEEK,  /* key: the Monday's day number */
    KF_BY_MONTH, /* key: year × 100 + month */
    KF_BY_COUNT
} kf_kpi_by;

/* "project", "department", … indexed by kf_kpi_by; NULL-terminated. */
extern const char *const kf_kpi_by_names[];

typedef struct {
    int64_t project;
    int64_t from, to; /* day numbers in the project's zone, both included */
    kf_kpi_by by;
    const char *type;                               /* NULL: every type */
    int64_t category, building, department, person; /* 0: all */
} kf_kpi_query;

#define KF_KPI_SLOTS 16

typedef struct {
    int64_t key; /* by type: the index in kf_ticket_types */
    int64_t n[KF_KPI_SLOTS], total[KF_KPI_SLOTS];
    double p50[KF_KPI_SLOTS], p90[KF_KPI_SLOTS]; /* minutes; -1: none */
} kf_kpi_row;

typedef struct {
    kf_kpi_row *rows;
    size_t n, cap;
} kf_kpi_table;

void kf_kpi_table_free(kf_kpi_table *t);
/* kf_kpi_table_row: the row of KEY, added (zeroed) when missing; NULL on
 * allocation failure. */
kf_kpi_row *kf_kpi_table_row(kf_kpi_table *t, int64_t key);
/* kf_kpi_table_sort: rows in key order. */
void kf_kpi_table_sort(kf_kpi_table *t);

/* kf_kpi_supported: KF_OK when METRIC is kept at a grain that answers Q
 * (its grouping and filters); KF_EINVAL with *field the query parameter that
 * cannot be combined. */
int kf_kpi_supported(const kf_kpi_query *q, const char *metric, const char **field);

/* kf_kpi_sum: adds METRIC's count and total per group of Q into slot SLOT of
 * T's rows. */
int kf_kpi_sum(kf_tx *tx, const kf_kpi_query *q, const char *metric, int slot, kf_kpi_table *t);

/* kf_kpi_minutes: the minutes to milestone M (KF_MS_*) of the clocks met in
 * the period, per group: median and 90th percentile (nearest rank) into
 * slot SLOT's p50/p90; n[SLOT] is left alone. */
int kf_kpi_minutes(kf_tx *tx, const kf_kpi_query *q, int m, int slot, kf_kpi_table *t);

/* kf_kpi_rank: the nearest-rank P-quantile (0 < P <= 1) of V[0..N), N > 0:
 * the smallest value with at least P of the values at or below it. V is
 * reordered. */
double kf_kpi_rank(int64_t *v, size_t n, double p);

/* kf_kpi_key_of_day: DAY's key under BY (day, week or month grouping). */
int64_t kf_kpi_key_of_day(kf_kpi_by by, int64_t day);

#endif
