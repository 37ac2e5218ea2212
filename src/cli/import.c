/* kefu import units|people FILE.csv --project ID [--dry-run] [--skip-invalid]:
 * the same import as POST /api/v1/imports, for files on the server. */
#include "cli/cli.h"

#include "api/imports.h"
#include "core/err.h"
#include "core/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE ((size_t)256 << 20)

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kefu: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *data = kf_malloc(cap);
    size_t got;
    while ((got = fread(data + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            if (cap >= MAX_FILE) {
                fprintf(stderr, "kefu: %s is larger than %zu MiB\n", path, MAX_FILE >> 20);
                fclose(f);
                free(data);
                return NULL;
            }
            cap *= 2;
            data = kf_realloc(data, cap);
        }
    }
    fclose(f);
    *len = n;
    return data;
}

static void print_report(const kf_import *im)
{
    printf("%s: %lld row(s), %lld invalid, %lld written (%s, encoding %s)\n", im->kind,
           (long long)im->rows, (long long)im->invalid_rows, (long long)im->written,
           im->dry_run ? "dry run" : "import", im->encoding);
    size_t i;
    json_t *e;
    json_array_foreach(im->errors, i, e)
    {
        json_t *col = json_object_get(e, "column");
        printf("  line %lld", (long long)json_integer_value(json_object_get(e, "line")));
        if (json_is_integer(col)) printf(", column %lld", (long long)json_integer_value(col));
        const char *field = json_string_value(json_object_get(e, "field"));
        if (field && *field) printf(" (%s)", field);
        printf(": %s\n", json_string_value(json_object_get(e, "message")));
    }
    if (im->detail) printf("  %s\n", im->detail);
}

int kf_cli_import(int argc, char **argv, char **envp)
{
    const char *project = NULL, *dry = NULL, *skip = NULL;
    kf_cli_flag flags[] = {
        {"project", &project}, {"dry-run", &dry}, {"skip-invalid", &skip}, {NULL, NULL}};
    int npos;
    char **pos;
    kf_app app = {0};
    kf_store *s = kf_cli_open_app(argc, argv, envp, flags, &npos, &pos, &app);
    if (!s) return 1;
    int rc = 2;
    if (npos != 2 || !project || (strcmp(pos[0], "units") && strcmp(pos[0], "people"))) {
        fprintf(stderr, "Usage: kefu import units|people FILE.csv --project ID"
                        " [--dry-run 1] [--skip-invalid 1] [--db URL]\n");
    } else {
        size_t len = 0;
        char *data = read_file(pos[1], &len);
        kf_req req = {.app = &app, .lang = "zh-CN"};
        kf_arena_init(&req.arena);
        kf_import im = {.kind = pos[0],
                        .project_id = atoll(project),
                        .dry_run = dry && strcmp(dry, "0") != 0,
                        .skip_invalid = skip && strcmp(skip, "0") != 0,
                        .data = data,
                        .len = len,
                        .actor = {.actor_login = "cli"},
                        .req = &req,
                        .lang = "zh-CN"};
        int irc = data ? kf_import_run(s, &im) : KF_EIO;
        if (data) print_report(&im);
        if (irc != KF_OK && irc != KF_EINVAL) fprintf(stderr, "kefu: %s\n", kf_err_name(irc));
        rc = irc == KF_OK ? 0 : 1;
        json_decref(im.errors);
        kf_arena_free(&req.arena);
        free(data);
    }
    kf_cli_close_app(&app);
    free(pos);
    kf_store_close(s);
    return rc;
}
