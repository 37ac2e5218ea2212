/* kefu user add|passwd|list: account administration from the command line
 * (the first administrator of a new installation is made here). Passwords are
 * read from the terminal (twice) or from one line of standard input, never
 * from the command line where `ps` would show them. */
#include "cli/cli.h"

#include "core/arena.h"
#include "core/err.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "domain/account.h"
#include "domain/perm.h"
#include "store/accounts.h"
#include "store/audit.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static int read_line(const char *prompt, char *out, size_t outlen)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char *got = fgets(out, (int)outlen, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fprintf(stderr, "\n");
    }
    if (!got) return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static int read_password(char hash[KF_PASSWORD_HASH_LEN])
{
    char pw[256], again[256];
    if (read_line("New password: ", pw, sizeof(pw))) {
        fprintf(stderr, "kefu: no password given on standard input\n");
        return -1;
    }
    if (isatty(STDIN_FILENO) && (read_line("Again: ", again, sizeof(again)) || strcmp(pw, again))) {
        fprintf(stderr, "kefu: the passwords differ\n");
        return -1;
    }
    if (kf_password_problem(pw)) {
        fprintf(stderr, "kefu: a password has 8 to 128 characters\n");
        return -1;
    }
    int rc = kf_password_hash(pw, hash);
    memset(pw, 0, sizeof(pw));
    memset(again, 0, sizeof(again));
    return rc;
}

typedef struct {
    kf_user user;
    int64_t project_id;
    int passwd; /* 1: change the password of an existing login */
} user_job;

static int write_user(kf_tx *tx, void *ctx)
{
    user_job *j = ctx;
    int64_t now = kf_now_ms();
    kf_actor cli = {.actor_login = "cli"};
    if (j->passwd) {
        kf_arena a;
        kf_arena_init(&a);
        kf_user cur;
        int rc = kf_user_by_login(tx, &a, j->user.login, &cur);
        if (rc == KF_OK)
            rc = kf_user_change_password(tx, &cli, cur.id, j->user.password_hash, 0,
                                         "password_reset", now);
        kf_arena_free(&a);
        return rc;
    }
    int rc = kf_user_insert(tx, &j->user, now);
    if (rc == KF_OK && j->project_id) rc = kf_user_set_projects(tx, j->user.id, &j->project_id, 1);
    kf_audit_entry e = {.entity = "user", .entity_id = j->user.id, .action = "create"};
    if (rc == KF_OK) rc = kf_audit_write(tx, &cli, &e, now);
    return rc;
}

static int user_list(kf_store *s)
{
    kf_tx *tx;
    kf_arena a;
    kf_arena_init(&a);
    int rc = kf_store_read_begin(s, &tx);
    kf_user_filter f = {.active = -1, .limit = 500};
    printf("%-6s %-24s %-12s %-6s %s\n", "ID", "LOGIN", "ROLE", "ACTIVE", "NAME");
    while (rc == KF_OK) {
        kf_user *users;
        size_t n;
        rc = kf_user_list(tx, &a, &f, &users, &n);
        for (size_t i = 0; rc == KF_OK && i < n; i++)
            printf("%-6lld %-24s %-12s %-6s %s\n", (long long)users[i].id, users[i].login,
                   users[i].role, users[i].active ? "yes" : "no", users[i].display_name);
        if (rc != KF_OK || n < (size_t)f.limit) break;
        f.after_id = users[n - 1].id;
    }
    if (rc == KF_OK) kf_store_read_end(s, tx);
    kf_arena_free(&a);
    return rc == KF_OK ? 0 : 1;
}

static int usage(void)
{
    fprintf(stderr,
            "Usage: kefu user add LOGIN --role ROLE [--name NAME] [--project ID] [--db URL]\n"
            "       kefu user passwd LOGIN [--db URL]\n"
            "       kefu user list [--db URL]\n"
            "The password is read from the terminal, or from standard input.\n"
            "Roles: admin executive manager supervisor agent technician cashier resident\n");
    return 2;
}

int kf_cli_user(int argc, char **argv, char **envp)
{
    const char *role = NULL, *name = NULL, *project = NULL;
    kf_cli_flag flags[] = {{"role", &role}, {"name", &name}, {"project", &project}, {NULL, NULL}};
    int npos;
    char **pos;
    if (argc < 1) return usage();
    kf_store *s = kf_cli_open_store(argc, argv, envp, flags, &npos, &pos);
    if (!s) return 1;
    int rc = 2;
    const char *sub = npos ? pos[0] : "";
    if (strcmp(sub, "list") == 0 && npos == 1) {
        rc = user_list(s);
    } else if ((strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0) && npos == 2) {
        user_job j = {.passwd = strcmp(sub, "passwd") == 0};
        char hash[KF_PASSWORD_HASH_LEN];
        j.user.login = pos[1];
        j.user.role = role;
        j.user.display_name = name ? name : pos[1];
        j.user.language = "zh-CN";
        j.user.active = 1;
        j.project_id = project ? atoll(project) : 0;
        if (!j.passwd && kf_role_parse(role) < 0) {
            fprintf(stderr, "kefu: --role must be one of admin executive manager supervisor agent"
                            " technician cashier resident\n");
        } else if (!j.passwd && kf_login_problem(j.user.login)) {
            fprintf(stderr, "kefu: a login has 3 to 64 letters, digits or . _ @ -\n");
        } else if (!j.passwd && kf_utf8_count(j.user.display_name) > 64) {
            fprintf(stderr, "kefu: --name has at most 64 characters\n");
        } else if (read_password(hash) == 0) {
            j.user.password_hash = hash;
            int wrc = kf_store_write(s, write_user, &j);
            rc = wrc == KF_OK ? 0 : 1;
            if (wrc == KF_ECONFLICT)
                fprintf(stderr, "kefu: login %s is taken\n", j.user.login);
            else if (wrc == KF_ENOTFOUND)
                fprintf(stderr, "kefu: no such %s\n", j.passwd ? "login" : "project");
            else if (wrc != KF_OK)
                fprintf(stderr, "kefu: %s\n", kf_err_name(wrc));
            else
                printf("%s %s\n", j.passwd ? "password changed for" : "created user", j.user.login);
        } else {
            rc = 1;
        }
    } else {
        usage();
    }
    free(pos);
    kf_store_close(s);
    return rc;
}
