/* kefu: the customer-service operations server and its command line. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#ifdef KEFU_MIMALLOC
#include <mimalloc.h>
#endif

static int usage(FILE *out)
{
    fprintf(out,
            "kefu %s — 客服运作系统 customer-service operations\n\n"
            "Usage: kefu COMMAND [options]\n\n"
            "  serve      serve the API and web UI (kefu serve --help)\n"
            "  migrate    apply pending database migrations\n"
            "  reindex    rebuild the ticket search index\n"
            "  verify     recount the KPI rollups (kefu verify rollups)\n"
            "  gen        generate a realistic data set (kefu gen --scale ci|s|m|l)\n"
            "  report     write a weekly or monthly report to Excel or CSV\n"
            "  user       add|passwd|list user accounts\n"
            "  demo       create the demo project and accounts in an empty database\n"
            "  routes     print every API route and its permission as JSON\n"
            "  version    print the version\n",
            KEFU_VERSION);
    return out == stdout ? 0 : 2;
}

int main(int argc, char **argv, char **envp)
{
    if (argc < 2) return usage(stderr);
    const char *cmd = argv[1];
    int sub_argc = argc - 2;
    char **sub_argv = argv + 2;
    if (strcmp(cmd, "serve") == 0) return kf_cli_serve(sub_argc, sub_argv, envp);
    if (strcmp(cmd, "migrate") == 0) return kf_cli_migrate(sub_argc, sub_argv, envp);
    if (strcmp(cmd, "user") == 0) return kf_cli_user(sub_argc, sub_argv, envp);
    if (strcmp(cmd, "demo") == 0) return kf_cli_demo(sub_argc, sub_argv, envp);
    if (strcmp(cmd, "import") == 0) return kf_cli_import(sub_argc, sub_argv, envp);
    if (strcmp(cmd, "reindex") == 0) return kf_cli_reindex(sub_argc, sub_argv, envp);
    if (strcmp(cmd, "verify") == 0) return kf_cli_verify(sub_argc, sub_argv, envp);
    if (strcmp(cmd, "gen") == 0) return kf_cli_gen(sub_argc, sub_argv, envp);
    if (strcmp(cmd, "report") == 0) return kf_cli_report(sub_argc, sub_argv, envp);
    if (strcmp(cmd, "routes") == 0) return kf_cli_routes(sub_argc, sub_argv, envp);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
#ifdef KEFU_MIMALLOC
        int mi = mi_version(); /* the allocator in use, 209 for 2.0.9 */
        printf("kefu %s (mimalloc %d.%d.%d)\n", KEFU_VERSION, mi / 100, mi / 10 % 10, mi % 10);
#else
        printf("kefu %s\n", KEFU_VERSION);
#endif
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return usage(stdout);
    fprintf(stderr, "kefu: unknown command \"%s\"\n", cmd);
    return usage(stderr);
}
