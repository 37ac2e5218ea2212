/* Server configuration: defaults, then a config file, then KEFU_* environment
 * variables, then command-line flags; each later source overrides the earlier.
 * The option table in config.c is the single description of every option
 * (it also prints `kefu serve --help`). */
#ifndef KF_CONFIG_H
#define KF_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    char listen[128]; /* host:port */
    char db[1024];    /* sqlite:PATH or postgres://… */
    char config_file[1024];
    char key_file[1024];    /* PII key; "" = pii.key beside a SQLite file, else ./data/pii.key */
    char files_dir[1024];   /* attachments; "" = files/ beside a SQLite file, else ./data/files */
    long max_body;          /* bytes */
    long max_import;        /* bytes of an uploaded import file */
    long max_conns;         /* total open connections */
    long max_conns_per_ip;  /* open connections per client address */
    long timeout;           /* idle connection timeout, seconds */
    long threads;           /* network threads, and as many request workers */
    long db_pool;           /* database read connections / pool size */
    long statement_timeout; /* ms */
    long session_ttl;       /* minutes a login lasts */
    long login_max_failures_account; /* failed logins per account before a lock */
    long login_max_failures_ip;      /* failed logins per address before a lock */
    long login_window;               /* seconds over which failures count */
    long cookie_secure;              /* 1: Secure cookie (behind HTTPS) */
    long demo;                       /* 1: create the demo project and accounts if empty */
    char log_level[16];
    long test_clock; /* 1: POST /api/v1/test/clock works (test builds only) */
} kf_config;

void kf_config_defaults(kf_config *cfg);
/* kf_config_load: fills CFG from the file named by --config / KEFU_CONFIG (if
 * any), then ENVP, then ARGV (flags like --listen=ADDR or --listen ADDR).
 * Unknown or bad options write one line into ERR and return -1. *help is set
 * when --help was given. */
int kf_config_load(kf_config *cfg, int argc, char **argv, char **envp, int *help, char *err,
                   size_t errlen);
void kf_config_usage(FILE *out);

#endif
