/* kefu demo: creates the demo project and accounts in an empty database. */
#include "cli/cli.h"

#include "core/err.h"
#include "store/demo.h"

#include <stdio.h>
#include <stdlib.h>

int kf_cli_demo(int argc, char **argv, char **envp)
{
    int npos, created = 0;
    char **pos;
    kf_store *s = kf_cli_open_store(argc, argv, envp, NULL, &npos, &pos);
    if (!s) return 1;
    int rc = kf_demo_seed(s, &created);
    kf_store_close(s);
    free(pos);
    if (rc != KF_OK) {
        fprintf(stderr, "kefu: cannot create the demo data: %s\n", kf_err_name(rc));
        return 1;
    }
    printf(created ? "demo project and accounts created (password \"%s\")\n"
                   : "the database already has users; nothing created\n",
           KF_DEMO_PASSWORD);
    return 0;
}
