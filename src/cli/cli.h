/* The command line: one function per `kefu COMMAND`, each returning the exit
 * status. ARGV starts after the command name. */
#ifndef KF_CLI_H
#define KF_CLI_H

int kf_cli_serve(int argc, char **argv, char **envp);
int kf_cli_migrate(int argc, char **argv, char **envp);
int kf_cli_user(int argc, char **argv, char **envp);
int kf_cli_demo(int argc, char **argv, char **envp);
int kf_cli_routes(int argc, char **argv, char **envp);

/* Shared by the commands: loads the configuration (so --db, KEFU_DB and the
 * config file work everywhere), opens and migrates the store. Prints one line
 * and returns NULL on failure. *positional is the caller's to free(). */
struct kf_store;
typedef struct {
    const char *name; /* a command's own flag, e.g. "role" */
    const char **value;
} kf_cli_flag;
struct kf_store *kf_cli_open_store(int argc, char **argv, char **envp, kf_cli_flag *flags,
                                   int *positional_argc, char ***positional);

#endif
