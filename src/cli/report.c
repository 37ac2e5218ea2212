/* kefu report weekly|monthly --project P --out FILE.xlsx|FILE.csv
 *     [--day D] [--period-end YYYY-MM-DD] [--lang zh-CN|en] [--db URL]
 * writes the report of the project's last complete period (or the one ending
 * on --period-end) to a file, read-only: no snapshot is stored. --day is the
 * schedule's day (weekly 1 = Monday … 7, Sunday by default; monthly 1–31, the
 * month's last day by default). */
#include "cli/cli.h"

#include "api/report_doc.h"
#include "api/report_export.h"
#include "core/err.h"
#include "core/timeutil.h"
#include "core/tz.h"
#include "desk/rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "Usage: kefu report weekly|monthly --project ID --out FILE.xlsx|.csv\n"
                            "         [--day D] [--period-end YYYY-MM-DD] [--lang zh-CN|en]"
                            " [--db URL]\n";

typedef struct {
    kf_report_kind kind;
    int64_t project, day, end;
    const char *out, *lang;
} report_args;

static int parse(int npos, char **pos, const char *project, const char *day, const char *end,
                 const char *out, const char *lang, report_args *a)
{
    int kind = npos == 1 ? kf_report_kind_parse(pos[0]) : -1;
    char *stop = NULL;
    a->project = project ? strtoll(project, &stop, 10) : 0;
    if (kind < 0 || !out || a->project <= 0 || (stop && *stop)) return -1;
    a->kind = (kf_report_kind)kind;
    a->day = kind == KF_REPORT_WEEKLY ? 7 : 31;
    if (day) a->day = strtoll(day, &stop, 10);
    if (*stop || a->day < 1 || a->day > (kind == KF_REPORT_WEEKLY ? 7 : 31)) return -1;
    if (end && kf_date_parse(end, &a->end) != 0) return -1;
    a->out = out;
    a->lang = lang && strncmp(lang, "en", 2) == 0 ? "en" : "zh-CN";
    return 0;
}

static int write_report(kf_store *s, const report_args *a)
{
    kf_tx *tx;
    int rc = kf_store_read_begin(s, &tx);
    if (rc != KF_OK) return rc;
    char zone[64] = "";
    kf_stmt *st;
    rc = kf_tx_query(tx, &st, "SELECT timezone FROM projects WHERE id = ?", "i", a->project);
    if (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_ROW) {
        snprintf(zone, sizeof(zone), "%s", kf_stmt_text(st, 0) ? kf_stmt_text(st, 0) : "");
        rc = KF_OK;
    } else if (rc == KF_DONE) {
        rc = KF_ENOTFOUND;
    }
    kf_tz *tz = NULL;
    if (rc == KF_OK) rc = kf_tz_load(NULL, zone, &tz);
    int day = (int)(a->kind == KF_REPORT_WEEKLY ? a->day - 1 : a->day);
    int64_t end =
        a->end ? a->end : kf_report_last_end(a->kind, day, kf_rollup_day(tz, kf_now_ms()) - 1);
    if (rc == KF_OK && kf_report_last_end(a->kind, day, end) != end) rc = KF_EINVAL;
    int64_t from = 0, pf, pt;
    json_t *doc = NULL;
    kf_stats_env env = {a->lang, kf_now_ms()};
    if (rc == KF_OK) {
        kf_report_period(a->kind, day, end, &from, &pf, &pt);
        rc = kf_report_build(&env, tx, a->project, a->kind, day, from, end, &doc);
    }
    size_t len = strlen(a->out);
    kf_table_format fmt =
        len > 4 && strcmp(a->out + len - 4, ".csv") == 0 ? KF_TABLE_CSV : KF_TABLE_XLSX;
    kf_table_out *o = NULL;
    if (rc == KF_OK) rc = kf_table_open(fmt, a->out, zone, &o);
    if (rc == KF_OK) {
        rc = kf_report_export(tx, doc, o);
        int closed = kf_table_close(o);
        if (rc == KF_OK) rc = closed;
    }
    if (rc == KF_OK) {
        char f[16], t[16];
        kf_date_format(from, f, sizeof(f));
        kf_date_format(end, t, sizeof(t));
        printf("%s report of project %lld, %s to %s, written to %s\n", kf_report_kind_name(a->kind),
               (long long)a->project, f, t, a->out);
    }
    json_decref(doc);
    kf_tz_free(tz);
    kf_store_read_end(s, tx);
    return rc;
}

int kf_cli_report(int argc, char **argv, char **envp)
{
    const char *project = NULL, *day = NULL, *end = NULL, *out = NULL, *lang = NULL;
    kf_cli_flag flags[] = {{"project", &project}, {"day", &day},   {"period-end", &end},
                           {"out", &out},         {"lang", &lang}, {NULL, NULL}};
    int npos;
    char **pos;
    kf_store *s = kf_cli_open_store(argc, argv, envp, flags, &npos, &pos);
    if (!s) return 1;
    report_args a = {0};
    int rc = 2;
    if (parse(npos, pos, project, day, end, out, lang, &a) != 0) {
        fputs(usage, stderr);
    } else {
        int wrc = write_report(s, &a);
        if (wrc == KF_ENOTFOUND)
            fprintf(stderr, "kefu report: no project %s\n", project);
        else if (wrc == KF_EINVAL)
            fprintf(stderr, "kefu report: %s is not a period end\n", end);
        else if (wrc != KF_OK)
            fprintf(stderr, "kefu report: %s\n", kf_err_name(wrc));
        rc = wrc == KF_OK ? 0 : 1;
    }
    free(pos);
    kf_store_close(s);
    return rc;
}
