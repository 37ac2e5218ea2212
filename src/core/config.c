#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *flag; /* --flag; the env variable is KEFU_ + upper-case with '_' */
    int is_text;
    size_t offset, size; /* text: buffer size */
    long min, max;
    const char *help;
} option;

#define TEXT(f, field, h)                                                                          \
    {                                                                                              \
        f, 1, offsetof(kf_config, field), sizeof(((kf_config *)0)->field), 0, 0, h                 \
    }
#define NUM(f, field, lo, hi, h)                                                                   \
    {                                                                                              \
        f, 0, offsetof(kf_config, field), 0, lo, hi, h                                             \
    }

static const option options[] = {
    TEXT("listen", listen, "address and port to serve on (default 127.0.0.1:8080)"),
    TEXT("db", db,
         "database URL: sqlite:PATH or postgres://user@host:port/db (default "
         "sqlite:./data/kefu.db)"),
    TEXT("key-file", key_file,
         "file holding the key that encrypts ID numbers; made on first start with mode 0600 "
         "(default: pii.key beside the SQLite file, else ./data/pii.key)"),
    TEXT("files-dir", files_dir,
         "directory of ticket attachments, kept by content hash (default: files/ beside the SQLite "
         "file, else ./data/files)"),
    TEXT("config", config_file, "config file of key = value lines, keys as the flags"),
    NUM("max-body", max_body, 1024, 1L << 30, "largest request body in bytes (default 1048576)"),
    NUM("max-import", max_import, 1024, 1L << 31,
        "largest import file in bytes (default 67108864)"),
    NUM("max-conns", max_conns, 1, 100000, "most open connections (default 1024)"),
    NUM("max-conns-per-ip", max_conns_per_ip, 1, 100000,
        "most open connections per client address (default 128)"),
    NUM("timeout", timeout, 1, 3600, "idle connection timeout in seconds (default 30)"),
    NUM("threads", threads, 1, 256,
        "network threads (reads run on them) and as many request workers (a write waits for its "
        "group commit on one; default 32)"),
    NUM("db-pool", db_pool, 1, 512,
        "database connections: SQLite readers, or the whole PostgreSQL pool (default threads + 2;"
        " on PostgreSQL at most 16)"),
    NUM("statement-timeout", statement_timeout, 100, 600000,
        "longest database statement in ms (default 10000)"),
    NUM("session-ttl", session_ttl, 5, 60 * 24 * 90, "minutes a login lasts (default 720)"),
    NUM("login-max-failures-account", login_max_failures_account, 1, 1000,
        "failed logins per account before it is locked for a while (default 5)"),
    NUM("login-max-failures-ip", login_max_failures_ip, 1, 100000,
        "failed logins per client address before it is locked for a while (default 20)"),
    NUM("login-window", login_window, 1, 86400,
        "seconds over which failed logins count (default 900)"),
    NUM("cookie-secure", cookie_secure, 0, 1,
        "1 to mark the session cookie Secure (serve behind HTTPS) (default 0)"),
    NUM("demo", demo, 0, 1,
        "1 to create a demo project and one account per role in an empty database (default 0)"),
    TEXT("log-level", log_level, "debug, info, warn or error (default info)"),
    NUM("test-clock", test_clock, 0, 1,
        "1 to let tests move the service desk's clock (test builds only; others refuse it)"),
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

void kf_config_defaults(kf_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    strcpy(cfg->listen, "127.0.0.1:8080");
    strcpy(cfg->db, "sqlite:./data/kefu.db");
    cfg->max_body = 1L << 20;
    cfg->max_import = 64L << 20;
    cfg->max_conns = 1024;
    cfg->max_conns_per_ip = 128;
    cfg->timeout = 30;
    cfg->threads = 32;
    cfg->db_pool = 0;
    cfg->statement_timeout = 10000;
    cfg->session_ttl = 720;
    cfg->login_max_failures_account = 5;
    cfg->login_max_failures_ip = 20;
    cfg->login_window = 900;
    strcpy(cfg->log_level, "info");
}

static const option *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strlen(options[i].flag) == len && strncmp(options[i].flag, name, len) == 0)
            return &options[i];
    return NULL;
}

static int set_option(kf_config *cfg, const option *o, const char *value, const char *source,
                      char *err, size_t errlen)
{
    char *field = (char *)cfg + o->offset;
    if (o->is_text) {
        if (strlen(value) >= o->size) {
            snprintf(err, errlen, "%s: value of %s is too long", source, o->flag);
            return -1;
        }
        strcpy(field, value);
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < o->min || v > o->max) {
        snprintf(err, errlen, "%s: %s must be a whole number from %ld to %ld (got \"%.32s\")",
                 source, o->flag, o->min, o->max, value);
        return -1;
    }
    *(long *)field = v;
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int load_file(kf_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read config file %s: %s", path, strerror(errno));
        return -1;
    }
    char line[2048];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#') continue;
        char *eq = strchr(s, '=');
        char where[1100];
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        if (!eq) {
            snprintf(err, errlen, "%s: expected key = value", where);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        const option *o = find_option(key, strlen(key));
        if (!o || strcmp(key, "config") == 0) {
            snprintf(err, errlen, "%s: unknown option \"%.64s\"", where, key);
            rc = -1;
            break;
        }
        rc = set_option(cfg, o, value, where, err, errlen);
    }
    fclose(f);
    return rc;
}

static void env_name(const option *o, char *out, size_t outlen)
{
    size_t n = (size_t)snprintf(out, outlen, "KEFU_");
    for (const char *p = o->flag; *p && n + 1 < outlen; p++)
        out[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    out[n] = '\0';
}

static const char *env_lookup(char **envp, const char *name)
{
    size_t len = strlen(name);
    for (char **e = envp; e && *e; e++)
        if (strncmp(*e, name, len) == 0 && (*e)[len] == '=') return *e + len + 1;
    return NULL;
}

/* Finds --config in ARGV or KEFU_CONFIG in ENVP, so the file loads first. */
static const char *config_path(int argc, char **argv, char **envp)
{
    const char *path = env_lookup(envp, "KEFU_CONFIG");
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[i + 1];
    }
    return path;
}

int kf_config_load(kf_config *cfg, int argc, char **argv, char **envp, int *help, char *err,
                   size_t errlen)
{
    *help = 0;
    const char *path = config_path(argc, argv, envp);
    if (path) {
        if (load_file(cfg, path, err, errlen)) return -1;
        snprintf(cfg->config_file, sizeof(cfg->config_file), "%s", path);
    }
    for (size_t i = 0; i < NOPTIONS; i++) {
        char name[64];
        env_name(&options[i], name, sizeof(name));
        const char *v = env_lookup(envp, name);
        if (v && strcmp(options[i].flag, "config") != 0 &&
            set_option(cfg, &options[i], v, name, err, errlen))
            return -1;
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            *help = 1;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument \"%.64s\" (see --help)", arg);
            return -1;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const option *o = find_option(name, len);
        if (!o) {
            snprintf(err, errlen, "unknown option \"%.64s\" (see --help)", arg);
            return -1;
        }
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!value) {
            snprintf(err, errlen, "option --%s needs a value", o->flag);
            return -1;
        }
        if (strcmp(o->flag, "config") != 0 && set_option(cfg, o, value, "flag", err, errlen))
            return -1;
    }
    return 0;
}

void kf_config_usage(FILE *out)
{
    fprintf(out, "Options (flag, or environment variable, or key in the --config file;\n"
                 "a flag beats the environment, which beats the file):\n\n");
    for (size_t i = 0; i < NOPTIONS; i++) {
        char env[64];
        env_name(&options[i], env, sizeof(env));
        fprintf(out, "  --%-28s %s\n  %-30s %s\n", options[i].flag, env, "", options[i].help);
    }
}
