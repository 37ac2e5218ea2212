/* kefu migrate: applies pending migrations and reports the schema version. */
#include "cli/cli.h"

#include "core/config.h"
#include "core/err.h"
#include "store/store.h"

#include <stdio.h>

int kf_cli_migrate(int argc, char **argv, char **envp)
{
    kf_config cfg;
    int got = kf_cli_config(&cfg, argc, argv, envp,
                            "Usage: kefu migrate [--db URL]\n\n"
                            "Applies the pending database migrations.\n",
                            0);
    if (got) return got < 0 ? 2 : 0;
    int applied = 0, version = 0;
    kf_store *s = kf_cli_store(&cfg, NULL, 1, &applied, &version);
    if (!s) return 1;
    kf_store_close(s);
    printf("applied %d migration(s); schema version %d\n", applied, version);
    return 0;
}
