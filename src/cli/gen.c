/* kefu gen: a realistic, deterministic data set in an empty database
 * (src/gen). Prints what it wrote and how fast. */
#include "cli/cli.h"

#include "core/err.h"
#include "core/timeutil.h"
#include "gen/gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: kefu gen [--db URL] --scale ci|s|m|l|xl [--tickets N] [--seed N] [--projects P]\n"
    "                [--years Y] [--now TIME] [--batch N]\n\n"
    "Writes the demo project and accounts (as kefu demo), more projects with buildings,\n"
    "units, owners, departments, technicians and crews, and Y years (default 3) of tickets\n"
    "ending now, with their clocks, events, follow-up calls, facts, rollups, queue counts\n"
    "and search index. Scales: ci 10,000 tickets, s 100,000, m 1,000,000, l and xl\n"
    "10,000,000 (--tickets overrides). The same --seed (default 1) gives the same data.\n"
    "--now (RFC 3339) ends the history there instead of now: the same seed and --now\n"
    "give byte-identical data (whatever --batch, the tickets per transaction, default\n"
    "20,000). Refuses a database that has tickets already.\n\n"
    "The load runs in bulk mode: on SQLite without syncing to disk until the end and\n"
    "without foreign-key checks, and with the tickets' secondary indexes made after\n"
    "the load. A database whose load failed or was interrupted (or whose machine\n"
    "crashed meanwhile) may be incomplete or corrupt: delete it and run again.\n";

static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

int kf_cli_gen(int argc, char **argv, char **envp)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
    const char *scale = NULL, *tickets = NULL, *seed = NULL, *projects = NULL, *years = NULL,
               *now = NULL, *batch = NULL;
    kf_cli_flag flags[] = {{"scale", &scale},       {"tickets", &tickets}, {"seed", &seed},
                           {"projects", &projects}, {"years", &years},     {"now", &now},
                           {"batch", &batch},       {NULL, NULL}};
    static const struct {
        const char *name;
        int64_t tickets;
        int projects;
    } scales[] = {{"ci", 10000, 3},
                  {"s", 100000, 5},
                  {"m", 1000000, 10},
                  {"l", 10000000, 20},
                  {"xl", 10000000, 20}};
    int npos;
    char **pos;
    kf_store *s = kf_cli_open_store(argc, argv, envp, flags, &npos, &pos);
    if (!s) return 2;
    free(pos);
    kf_gen_opts o = {.seed = 1, .years = 3};
    int found = 0;
    for (size_t i = 0; scale && i < sizeof(scales) / sizeof(scales[0]); i++)
        if (strcmp(scale, scales[i].name) == 0) {
            o.tickets = scales[i].tickets;
            o.projects = scales[i].projects;
            found = 1;
        }
    int64_t v = 0;
    const char *bad = !scale && !tickets ? "--scale (ci, s, m, l or xl) is required"
                      : scale && !found  ? "--scale must be ci, s, m, l or xl"
                                         : NULL;
    if (!bad && tickets && parse_i64(tickets, 1, 100000000, &o.tickets)) bad = "bad --tickets";
    if (!bad && seed && parse_i64(seed, 0, INT64_MAX, &v) == 0)
        o.seed = (uint64_t)v;
    else if (!bad && seed)
        bad = "bad --seed";
    if (!bad && projects) {
        if (parse_i64(projects, 1, 1000, &v)) bad = "bad --projects (1–1000)";
        o.projects = (int)v;
    }
    if (!bad && years) {
        if (parse_i64(years, 1, 20, &v)) bad = "bad --years (1–20)";
        o.years = (int)v;
    }
    if (!bad && now && kf_time_parse(now, &o.now) != 0) bad = "bad --now (RFC 3339)";
    if (!bad && batch) {
        if (parse_i64(batch, 1, 1000000, &v)) bad = "bad --batch (1–1000000)";
        o.batch = (int)v;
    }
    if (!o.projects) o.projects = o.tickets >= 5000000 ? 20 : o.tickets >= 500000 ? 10 : 3;
    if (bad) {
        fprintf(stderr, "kefu gen: %s\n", bad);
        kf_store_close(s);
        return 2;
    }
    kf_gen_summary sum;
    char err[512];
    int rc = kf_gen_run(s, &o, &sum, err, sizeof(err));
    kf_store_close(s);
    if (rc != KF_OK) {
        fprintf(stderr, "kefu gen: %s\n", err[0] ? err : kf_err_name(rc));
        return rc == KF_ECONFLICT ? 3 : 1;
    }
    printf("generated %lld projects, %lld units, %lld people, %lld users\n"
           "tickets %lld (open %lld), clocks %lld, events %lld, follow-up calls %lld,"
           " charges %lld\nfacts %lld, rollup rows %lld\n"
           "time %.2f s (tickets %.2f s): %.0f tickets/s\n",
           (long long)sum.projects, (long long)sum.units, (long long)sum.people,
           (long long)sum.users, (long long)sum.tickets, (long long)sum.open, (long long)sum.clocks,
           (long long)sum.events, (long long)sum.follow_ups, (long long)sum.charges,
           (long long)sum.facts, (long long)sum.rollups, sum.seconds, sum.load_seconds,
           sum.load_seconds > 0 ? (double)sum.tickets / sum.load_seconds : 0.0);
    return 0;
}
