/* kefu serve: open and migrate the database, seed the demo if asked, serve
 * HTTP until SIGINT or SIGTERM, then stop cleanly. */
#include "cli/cli.h"

#include "api/api.h"
#include "core/config.h"
#include "core/blobstore.h"
#include "core/err.h"
#include "core/log.h"
#include "core/secret.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "http/throttle.h"
#include "api/reports.h"
#include "desk/alarms.h"
#include "desk/calendar.h"
#include "desk/policy_cache.h"
#include "store/demo.h"
#include "store/store.h"

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void print_banner(const kf_app *app, int port)
{
    const char *colon = strrchr(app->cfg->listen, ':');
    char host[128];
    snprintf(host, sizeof(host), "%.*s", (int)(colon - app->cfg->listen), app->cfg->listen);
    if (!*host || strcmp(host, "0.0.0.0") == 0) strcpy(host, "127.0.0.1");
    printf("kefu %s serving http://%s:%d (database: %s)\n", KEFU_VERSION, host, port,
           kf_store_backend_name(app->store));
    if (app->demo) {
        size_t n;
        const kf_demo_account *a = kf_demo_accounts(&n);
        printf("Demo logins (password \"%s\"):", KF_DEMO_PASSWORD);
        for (size_t i = 0; i < n; i++)
            printf(" %s", a[i].login);
        printf("\n");
    }
    printf("Press Ctrl-C to stop.\n");
    fflush(stdout);
}

/* The database connections when --db-pool is not given: a reader for each
 * request thread and two more on SQLite. On PostgreSQL each connection is a
 * server process, and at most PG_POOL_DEFAULT: with the database on the same
 * two cores, the mix ran 20-45 % slower on 34 connections than on 4-16. */
#define PG_POOL_DEFAULT 16

static int pool_size(const kf_config *cfg)
{
    if (cfg->db_pool) return (int)cfg->db_pool;
    int n = (int)cfg->threads + 2;
    int pg = kf_store_url_backend(cfg->db) == KF_BACKEND_POSTGRES;
    return pg && n > PG_POOL_DEFAULT ? PG_POOL_DEFAULT : n;
}

/* Opens and migrates the store; prints one line naming the cause on failure. */
static kf_store *open_store(const kf_config *cfg, const kf_log *log)
{
    int applied = 0, version = 0;
    kf_store *s = kf_cli_store(cfg, log, pool_size(cfg), &applied, &version);
    if (!s) return NULL;
    kf_logline l;
    kf_log_begin(&l, log, KF_LOG_INFO, "database ready");
    kf_log_str(&l, "backend", kf_store_backend_name(s));
    kf_log_int(&l, "schema_version", version);
    kf_log_int(&l, "migrations_applied", applied);
    kf_log_end(&l);
    return s;
}

static int run(kf_app *app, const sigset_t *stop)
{
    char err[512];
    kf_server *server;
    if (kf_server_start(app, &server, err, sizeof(err)) != KF_OK) {
        fprintf(stderr, "kefu: %s\n", err);
        return 1;
    }
    print_banner(app, kf_server_port(server));
    int sig = 0;
    sigwait(stop, &sig);
    kf_log_msg(app->log, KF_LOG_INFO, "stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    kf_server_stop(server, 10000);
    return 0;
}

int kf_cli_serve(int argc, char **argv, char **envp)
{
    kf_config cfg;
    int got =
        kf_cli_config(&cfg, argc, argv, envp,
                      "Usage: kefu serve [options]\n\nServes the kefu API and web UI.\n\n", 1);
    if (got) return got < 0 ? 2 : 0;
    /* Blocked before any thread starts (the database writer is one), so every
     * thread inherits the mask and SIGINT/SIGTERM reach only sigwait in run. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    kf_log log = {.fd = STDERR_FILENO, .level = kf_log_level_parse(cfg.log_level)};
    if (log.level < 0) {
        fprintf(stderr, "kefu: --log-level must be debug, info, warn or error\n");
        return 2;
    }
    if (kf_secret_init() != 0) {
        fprintf(stderr, "kefu: libsodium failed to initialise\n");
        return 1;
    }
    char dummy_hash[KF_PASSWORD_HASH_LEN];
    if (kf_password_hash("not a password of anyone", dummy_hash) != 0) return 1;

    kf_pii_keys pii;
    char key_path[1100], err[512];
    kf_cli_key_path(&cfg, key_path, sizeof(key_path));
    if (kf_pii_keys_load(key_path, &pii, err, sizeof(err)) != KF_OK) {
        fprintf(stderr, "kefu: %s\n", err);
        return 1;
    }
#ifndef KEFU_TEST_HOOKS
    if (cfg.test_clock) {
        fprintf(stderr, "kefu: --test-clock is only for test builds; this build refuses it\n");
        kf_pii_keys_wipe(&pii);
        return 1;
    }
#endif
    kf_app app = {.log = &log, .cfg = &cfg, .dummy_hash = dummy_hash, .pii = &pii};
    app.test_clock = (int)cfg.test_clock;
    app.tz = kf_tz_cache_new(NULL);
    app.calendars = app.tz ? kf_calendar_cache_new(app.tz) : NULL;
    app.policies = kf_policy_cache_new();
    if (!app.calendars) {
        kf_policy_cache_free(app.policies);
        kf_tz_cache_free(app.tz);
        kf_pii_keys_wipe(&pii);
        return 1;
    }
    char files_path[1100];
    kf_cli_files_path(&cfg, files_path, sizeof(files_path));
    if (kf_blobstore_open(files_path, &app.files, err, sizeof(err)) != KF_OK) {
        fprintf(stderr, "kefu: %s\n", err);
        kf_policy_cache_free(app.policies);
        kf_calendar_cache_free(app.calendars);
        kf_tz_cache_free(app.tz);
        kf_pii_keys_wipe(&pii);
        return 1;
    }
    app.store = open_store(&cfg, &log);
    if (!app.store) {
        kf_blobstore_close(app.files);
        kf_policy_cache_free(app.policies);
        kf_calendar_cache_free(app.calendars);
        kf_tz_cache_free(app.tz);
        kf_pii_keys_wipe(&pii);
        return 1;
    }
    int rc = 1, created = 0;
    if (cfg.demo && kf_demo_seed(app.store, &created) != KF_OK) {
        fprintf(stderr, "kefu: cannot create the demo data\n");
        goto out_store;
    }
    app.demo = (int)cfg.demo;
    app.router = kf_router_new();
    if (kf_api_register(app.router) != KF_OK) {
        fprintf(stderr, "kefu: a route was refused (missing or unknown permission)\n");
        goto out_router;
    }
    app.metrics = kf_metrics_new(kf_router_count(app.router));
    app.throttle = kf_throttle_new(cfg.login_window * 1000);
    sem_t hash_slots;
    sem_init(&hash_slots, 0, 2);
    app.hash_slots = &hash_slots;
    app.alarms = kf_alarms_start(&app);
    /* scheduled reports: checked every 5 minutes (a period is made once its last day is over) */
    kf_report_job *reports = app.alarms ? kf_report_job_start(&app, 300) : NULL;
    if (!app.alarms || !reports) {
        fprintf(stderr, "kefu: cannot start the deadline alarm or report thread\n");
        rc = 1;
    } else {
        rc = run(&app, &stop);
    }
    kf_report_job_stop(reports);
    if (app.alarms) kf_alarms_stop(app.alarms);
    sem_destroy(&hash_slots);
    kf_throttle_free(app.throttle);
    kf_metrics_free(app.metrics);
out_router:
    kf_router_free(app.router);
out_store:
    kf_store_close(app.store);
    kf_blobstore_close(app.files);
    kf_policy_cache_free(app.policies);
    kf_calendar_cache_free(app.calendars);
    kf_tz_cache_free(app.tz);
    kf_pii_keys_wipe(&pii);
    kf_log_msg(&log, KF_LOG_INFO, "stopped", NULL);
    return rc;
}
