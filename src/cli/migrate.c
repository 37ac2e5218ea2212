/* kefu migrate: applies pending migrations and reports the schema version. */
#include "cli/cli.h"

#include "core/config.h"
#include "core/err.h"
#include "store/store.h"

#include <stdio.h>

int kf_cli_migrate(int argc, char **argv, char **envp)
{
    kf_config cfg;
    char err[512];
    int help = 0;
    kf_config_defaults(&cfg);
    if (kf_config_load(&cfg, argc, argv, envp, &help, err, sizeof(err))) {
        fprintf(stderr, "kefu: %s\n", err);
        return 2;
    }
    if (help) {
        printf("Usage: kefu migrate [--db URL]\n\nApplies the pending database migrations.\n");
        return 0;
    }
    int applied = 0, version = 0;
    kf_store *s = kf_cli_store(&cfg, NULL, 1, &applied, &version);
    if (!s) return 1;
    kf_store_close(s);
    printf("applied %d migration(s); schema version %d\n", applied, version);
    return 0;
}
