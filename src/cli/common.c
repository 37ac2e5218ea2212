#include "cli/cli.h"

#include "http/app.h"

#include "core/config.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/secret.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits ARGV into the command's own flags (FLAGS), positional arguments, and
 * configuration flags, which go to kf_config_load. */
static int split_args(int argc, char **argv, kf_cli_flag *flags, char **config_args, int *nconfig,
                      char **positional, int *npositional)
{
    *nconfig = *npositional = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            positional[(*npositional)++] = argv[i];
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        kf_cli_flag *f = flags;
        while (f && f->name && (strlen(f->name) != len || strncmp(f->name, name, len) != 0))
            f++;
        if (f && f->name) {
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                fprintf(stderr, "kefu: --%s needs a value\n", f->name);
                return -1;
            }
            *f->value = v;
            continue;
        }
        config_args[(*nconfig)++] = argv[i];
        if (!eq && i + 1 < argc) config_args[(*nconfig)++] = argv[++i];
    }
    return 0;
}

/* NAME beside the SQLite file, else in ./data (PostgreSQL). */
static void beside_db(const kf_config *cfg, const char *name, char *out, size_t outlen)
{
    const char *path = strncmp(cfg->db, "sqlite:", 7) == 0 ? cfg->db + 7 : NULL;
    if (path && strncmp(path, "//", 2) == 0) path += 2;
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (path && slash)
        snprintf(out, outlen, "%.*s/%s", (int)(slash - path), path, name);
    else if (path)
        snprintf(out, outlen, "%s", name);
    else
        snprintf(out, outlen, "./data/%s", name);
}

void kf_cli_key_path(const kf_config *cfg, char *out, size_t outlen)
{
    if (cfg->key_file[0])
        snprintf(out, outlen, "%s", cfg->key_file);
    else
        beside_db(cfg, "pii.key", out, outlen);
}

void kf_cli_files_path(const kf_config *cfg, char *out, size_t outlen)
{
    if (cfg->files_dir[0])
        snprintf(out, outlen, "%s", cfg->files_dir);
    else
        beside_db(cfg, "files", out, outlen);
}

int kf_cli_config(kf_config *cfg, int argc, char **argv, char **envp, const char *usage,
                  int with_options)
{
    char err[512];
    int help = 0;
    kf_config_defaults(cfg);
    if (kf_config_load(cfg, argc, argv, envp, &help, err, sizeof(err))) {
        fprintf(stderr, "kefu: %s\n", err);
        return -1;
    }
    if (!help) return 0;
    printf("%s", usage);
    if (with_options) kf_config_usage(stdout);
    return 1;
}

kf_store *kf_cli_store(const kf_config *cfg, const kf_log *log, int pool, int *applied,
                       int *version)
{
    char err[512];
    kf_store *s;
    kf_store_opts opts = {
        .pool_size = pool, .statement_timeout_ms = (int)cfg->statement_timeout, .log = log};
    if (kf_store_open(cfg->db, &opts, &s, err, sizeof(err)) != KF_OK) {
        fprintf(stderr, "kefu: %s\n", err);
        return NULL;
    }
    if (kf_store_migrate(s, applied, version, err, sizeof(err)) != KF_OK) {
        fprintf(stderr, "kefu: %s\n", err);
        kf_store_close(s);
        return NULL;
    }
    return s;
}

/* kf_cli_open_store, also handing back the configuration it loaded. */
static kf_store *open_store_cfg(int argc, char **argv, char **envp, kf_cli_flag *flags,
                                int *positional_argc, char ***positional, kf_config *cfg_out)
{
    char **config_args = kf_calloc((size_t)argc + 1, sizeof(char *));
    char **pos = kf_calloc((size_t)argc + 1, sizeof(char *));
    int nconfig, npos, help, bad;
    kf_config cfg;
    char err[512];
    kf_config_defaults(&cfg);
    bad = split_args(argc, argv, flags, config_args, &nconfig, pos, &npos);
    if (!bad && kf_config_load(&cfg, nconfig, config_args, envp, &help, err, sizeof(err))) {
        fprintf(stderr, "kefu: %s\n", err);
        bad = 1;
    }
    free(config_args);
    if (bad) {
        free(pos);
        return NULL;
    }
    if (kf_secret_init() != 0) {
        fprintf(stderr, "kefu: libsodium failed to initialise\n");
        free(pos);
        return NULL;
    }
    kf_store *s = kf_cli_store(&cfg, NULL, 2, NULL, NULL);
    if (!s) {
        free(pos);
        return NULL;
    }
    *positional_argc = npos;
    *positional = pos;
    if (cfg_out) *cfg_out = cfg;
    return s;
}

kf_store *kf_cli_open_store(int argc, char **argv, char **envp, kf_cli_flag *flags,
                            int *positional_argc, char ***positional)
{
    return open_store_cfg(argc, argv, envp, flags, positional_argc, positional, NULL);
}

kf_store *kf_cli_open_app(int argc, char **argv, char **envp, kf_cli_flag *flags,
                          int *positional_argc, char ***positional, kf_app *app)
{
    kf_config cfg;
    kf_store *s = open_store_cfg(argc, argv, envp, flags, positional_argc, positional, &cfg);
    if (!s) return NULL;
    char path[1100], err[512];
    kf_cli_key_path(&cfg, path, sizeof(path));
    kf_pii_keys *keys = kf_calloc(1, sizeof(*keys));
    if (kf_pii_keys_load(path, keys, err, sizeof(err)) != KF_OK) {
        fprintf(stderr, "kefu: %s\n", err);
        free(keys);
        free(*positional);
        kf_store_close(s);
        return NULL;
    }
    app->pii = keys;
    app->store = s;
    return s;
}

void kf_cli_close_app(kf_app *app)
{
    if (!app->pii) return;
    kf_pii_keys_wipe((kf_pii_keys *)app->pii);
    free((void *)app->pii);
    app->pii = NULL;
}
