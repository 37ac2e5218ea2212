/* The command line: one function per `kefu COMMAND`, each returning the exit
 * status. ARGV starts after the command name. */
#ifndef KF_CLI_H
#define KF_CLI_H

#include "core/config.h"
#include "core/log.h"
#include "http/app.h"
#include "store/store.h"

int kf_cli_serve(int argc, char **argv, char **envp);
int kf_cli_migrate(int argc, char **argv, char **envp);
int kf_cli_user(int argc, char **argv, char **envp);
int kf_cli_demo(int argc, char **argv, char **envp);
int kf_cli_routes(int argc, char **argv, char **envp);
int kf_cli_import(int argc, char **argv, char **envp);
int kf_cli_reindex(int argc, char **argv, char **envp);
int kf_cli_verify(int argc, char **argv, char **envp);
int kf_cli_report(int argc, char **argv, char **envp);
int kf_cli_gen(int argc, char **argv, char **envp);

/* kf_cli_config: defaults, config file, environment, flags into CFG. Returns 0
 * to go on; 1 after printing USAGE for --help (with every option when
 * WITH_OPTIONS); -1 after printing the error. */
int kf_cli_config(kf_config *cfg, int argc, char **argv, char **envp, const char *usage,
                  int with_options);
/* kf_cli_key_path: the PII key file: --key-file, else pii.key beside a
 * SQLite database, else ./data/pii.key. */
void kf_cli_key_path(const kf_config *cfg, char *out, size_t outlen);
/* kf_cli_files_path: where attachments are kept: --files-dir, else files/
 * beside a SQLite file, else ./data/files. */
void kf_cli_files_path(const kf_config *cfg, char *out, size_t outlen);
/* kf_cli_store: opens CFG's database with POOL connections and applies the
 * pending migrations (*applied, *version may be NULL); prints one line naming
 * the cause and returns NULL on failure. */
kf_store *kf_cli_store(const kf_config *cfg, const kf_log *log, int pool, int *applied,
                       int *version);

/* Shared by the commands: loads the configuration (so --db, KEFU_DB and the
 * config file work everywhere), opens and migrates the store. Prints one line
 * and returns NULL on failure. *positional is the caller's to free(). */
typedef struct {
    const char *name; /* a command's own flag, e.g. "role" */
    const char **value;
} kf_cli_flag;
kf_store *kf_cli_open_store(int argc, char **argv, char **envp, kf_cli_flag *flags,
                            int *positional_argc, char ***positional);

/* kf_cli_open_app: kf_cli_open_store, plus the PII keys in APP (app->pii,
 * app->store set); release with kf_cli_close_app before closing the store. */
kf_store *kf_cli_open_app(int argc, char **argv, char **envp, kf_cli_flag *flags,
                          int *positional_argc, char ***positional, kf_app *app);
void kf_cli_close_app(kf_app *app);

#endif
