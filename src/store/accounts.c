#include "store/accounts.h"

#include "core/err.h"

#include <stdlib.h>
#include <string.h>

#define USER_COLS                                                                                  \
    "u.id, u.login, u.display_name, u.role, u.language, u.password_hash, u.active,"                \
    " u.created_at, u.updated_at, u.password_changed_at, u.version, u.person_id"

static const char *dup(kf_arena *a, kf_stmt *st, int col)
{
    const char *s = kf_stmt_text(st, col);
    return s ? kf_arena_strdup(a, s) : NULL;
}

/* Reads USER_COLS starting at column FIRST. */
static void read_user(kf_stmt *st, kf_arena *a, int first, kf_user *u)
{
    u->id = kf_stmt_i64(st, first);
    u->login = dup(a, st, first + 1);
    u->display_name = dup(a, st, first + 2);
    u->role = dup(a, st, first + 3);
    u->language = dup(a, st, first + 4);
    u->password_hash = dup(a, st, first + 5);
    u->active = (int)kf_stmt_i64(st, first + 6);
    u->created_at = kf_stmt_i64(st, first + 7);
    u->updated_at = kf_stmt_i64(st, first + 8);
    u->password_changed_at = kf_stmt_i64(st, first + 9);
    u->version = kf_stmt_i64(st, first + 10);
    u->person_id = kf_stmt_isnull(st, first + 11) ? 0 : kf_stmt_i64(st, first + 11);
}

static int one_user(kf_stmt *st, kf_arena *a, kf_user *out)
{
    int rc = kf_stmt_step(st);
    if (rc == KF_DONE) return KF_ENOTFOUND;
    if (rc != KF_ROW) return rc;
    read_user(st, a, 0, out);
    return KF_OK;
}

int kf_user_get(kf_tx *tx, kf_arena *a, int64_t id, kf_user *out)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st, "SELECT " USER_COLS " FROM users u WHERE u.id = ?", "i", id);
    return rc == KF_OK ? one_user(st, a, out) : rc;
}

int kf_user_get_for_update(kf_tx *tx, kf_arena *a, int64_t id, kf_user *out)
{
    /* A no-op UPDATE is the portable row lock; under READ COMMITTED the SELECT
     * after it sees the newest committed row. */
    int rc = kf_tx_exec(tx, NULL, "UPDATE users SET version = version WHERE id = ?", "i", id);
    return rc == KF_OK ? kf_user_get(tx, a, id, out) : rc;
}

int kf_user_by_login(kf_tx *tx, kf_arena *a, const char *login, kf_user *out)
{
    kf_stmt *st;
    int rc =
        kf_tx_query(tx, &st, "SELECT " USER_COLS " FROM users u WHERE u.login = ?", "s", login);
    return rc == KF_OK ? one_user(st, a, out) : rc;
}

int kf_user_insert(kf_tx *tx, kf_user *u, int64_t now)
{
    u->created_at = u->updated_at = u->password_changed_at = now;
    u->version = 1;
    return kf_tx_i64(
        tx, &u->id,
        "INSERT INTO users (login, display_name, role, password_hash, active, language,"
        " created_at, updated_at, password_changed_at, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
        "ssssisiii", u->login, u->display_name, u->role, u->password_hash, (int64_t)u->active,
        u->language, now, now, now);
}

int kf_user_update(kf_tx *tx, kf_user *u, int64_t now)
{
    int64_t changed = 0;
    int rc = kf_tx_exec(tx, &changed,
                        "UPDATE users SET display_name = ?, role = ?, language = ?, active = ?,"
                        " person_id = NULLIF(CAST(? AS BIGINT), 0), updated_at = ?,"
                        " version = version + 1 WHERE id = ? AND version = ?",
                        "sssiiiii", u->display_name, u->role, u->language, (int64_t)u->active,
                        u->person_id, now, u->id, u->version);
    if (rc != KF_OK) return rc;
    if (changed == 0) {
        int64_t exists = 0;
        rc = kf_tx_i64(tx, &exists, "SELECT COUNT(*) FROM users WHERE id = ?", "i", u->id);
        if (rc != KF_OK) return rc;
        return exists ? KF_ESTALE : KF_ENOTFOUND;
    }
    u->version++;
    u->updated_at = now;
    return KF_OK;
}

int kf_user_set_password(kf_tx *tx, int64_t id, const char *hash, int64_t now)
{
    int64_t changed = 0;
    int rc = kf_tx_exec(tx, &changed,
                        "UPDATE users SET password_hash = ?, password_changed_at = ?,"
                        " updated_at = ?, version = version + 1 WHERE id = ?",
                        "siii", hash, now, now, id);
    if (rc == KF_OK && changed == 0) rc = KF_ENOTFOUND;
    return rc;
}

int kf_user_change_password(kf_tx *tx, const kf_actor *actor, int64_t id, const char *hash,
                            int64_t keep_session, const char *action, int64_t now)
{
    int rc = kf_user_set_password(tx, id, hash, now);
    if (rc == KF_OK) rc = kf_sessions_revoke(tx, id, keep_session);
    if (rc != KF_OK) return rc;
    kf_audit_entry e = {.entity = "user", .entity_id = id, .action = action};
    return kf_audit_write(tx, actor, &e, now);
}

int kf_user_list(kf_tx *tx, kf_arena *a, const kf_user_filter *f, kf_user **out, size_t *n)
{
    kf_stmt *st;
    /* One statement for every filter combination: a NULL/0 parameter switches
     * its condition off, so the SQL stays constant and cached. */
    int rc = kf_tx_query(tx, &st,
                         "SELECT " USER_COLS " FROM users u WHERE u.id > ?"
                         " AND (CAST(? AS TEXT) IS NULL OR u.role = ?)"
                         " AND (CAST(? AS BIGINT) < 0 OR u.active = ?)"
                         " AND (CAST(? AS TEXT) IS NULL OR u.login LIKE ? ESCAPE '\\' OR "
                         "u.display_name LIKE ? ESCAPE '\\')"
                         " AND (CAST(? AS BIGINT) = 0 OR EXISTS (SELECT 1 FROM user_projects p"
                         "      WHERE p.user_id = u.id AND p.project_id = ?))"
                         " ORDER BY u.id LIMIT ?",
                         NULL);
    if (rc != KF_OK) return rc;
    char *like = NULL;
    if (f->q) {
        size_t len = strlen(f->q);
        like = kf_arena_alloc(a, len * 2 + 3);
        char *p = like;
        *p++ = '%';
        for (const char *s = f->q; *s; s++) {
            if (*s == '%' || *s == '_' || *s == '\\') *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '%';
    }
    kf_stmt_bind_i64(st, 1, f->after_id);
    kf_stmt_bind_text(st, 2, f->role);
    kf_stmt_bind_text(st, 3, f->role);
    kf_stmt_bind_i64(st, 4, f->active);
    kf_stmt_bind_i64(st, 5, f->active);
    kf_stmt_bind_text(st, 6, like);
    kf_stmt_bind_text(st, 7, like);
    kf_stmt_bind_text(st, 8, like);
    kf_stmt_bind_i64(st, 9, f->project_id);
    kf_stmt_bind_i64(st, 10, f->project_id);
    kf_stmt_bind_i64(st, 11, f->limit);
    kf_user *users = kf_arena_alloc(a, sizeof(kf_user) * (size_t)(f->limit > 0 ? f->limit : 1));
    size_t count = 0;
    while ((rc = kf_stmt_step(st)) == KF_ROW && count < (size_t)f->limit)
        read_user(st, a, 0, &users[count++]);
    if (rc != KF_ROW && rc != KF_DONE) return rc;
    *out = users;
    *n = count;
    return KF_OK;
}

int kf_user_count(kf_tx *tx, int64_t *n)
{
    return kf_tx_i64(tx, n, "SELECT COUNT(*) FROM users", NULL);
}

int kf_user_projects(kf_tx *tx, kf_arena *a, int64_t user_id, int64_t **ids, size_t *n)
{
    kf_stmt *st;
    int rc = kf_tx_query(
        tx, &st, "SELECT project_id FROM user_projects WHERE user_id = ? ORDER BY project_id", "i",
        user_id);
    if (rc != KF_OK) return rc;
    size_t cap = 8, count = 0;
    int64_t *v = kf_arena_alloc(a, cap * sizeof(*v));
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        if (count == cap) {
            int64_t *bigger = kf_arena_alloc(a, cap * 2 * sizeof(*v));
            memcpy(bigger, v, cap * sizeof(*v));
            v = bigger;
            cap *= 2;
        }
        v[count++] = kf_stmt_i64(st, 0);
    }
    if (rc != KF_DONE) return rc;
    *ids = v;
    *n = count;
    return KF_OK;
}

int kf_user_set_projects(kf_tx *tx, int64_t user_id, const int64_t *ids, size_t n)
{
    int rc = kf_tx_exec(tx, NULL, "DELETE FROM user_projects WHERE user_id = ?", "i", user_id);
    for (size_t i = 0; rc == KF_OK && i < n; i++) {
        int64_t exists = 0;
        rc = kf_tx_i64(tx, &exists, "SELECT COUNT(*) FROM projects WHERE id = ?", "i", ids[i]);
        if (rc == KF_OK && !exists) rc = KF_ENOTFOUND;
        if (rc == KF_OK)
            rc = kf_tx_exec(tx, NULL,
                            "INSERT INTO user_projects (user_id, project_id) VALUES (?, ?)"
                            " ON CONFLICT DO NOTHING",
                            "ii", user_id, ids[i]);
    }
    return rc;
}

int kf_session_insert(kf_tx *tx, int64_t user_id, const char *token_hash, const char *csrf,
                      int64_t now, int64_t expires_at, const char *ip, const char *user_agent,
                      int64_t *id)
{
    /* Expired sessions of this user go now, so the table does not grow. */
    int rc = kf_tx_exec(tx, NULL, "DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?",
                        "ii", user_id, now);
    if (rc != KF_OK) return rc;
    return kf_tx_i64(tx, id,
                     "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at,"
                     " expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                     "sisiiss", token_hash, user_id, csrf, now, expires_at, ip ? ip : "",
                     user_agent ? user_agent : "");
}

/* The user's project ids as one text column ("3,7,12"), so that finding a
 * credential is one statement: each request makes it, and on PostgreSQL a
 * second statement was a second round trip. */
#define PROJECTS_SQLITE "(SELECT group_concat(project_id) FROM user_projects WHERE user_id = u.id)"
#define PROJECTS_POSTGRES                                                                          \
    "(SELECT string_agg(CAST(project_id AS TEXT), ',') FROM user_projects WHERE user_id = u.id)"

static int by_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Parses LIST ("3,7,12", or NULL for none) into OUT's project ids, in id order. */
static void read_projects(const char *list, kf_arena *a, kf_credential *out)
{
    out->project_ids = NULL;
    out->nprojects = 0;
    if (!list || !*list) return;
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    out->project_ids = kf_arena_alloc(a, n * sizeof(int64_t));
    for (const char *p = list; *p;) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p) break; /* not a number: the database's own text, never happens */
        out->project_ids[out->nprojects++] = (int64_t)v;
        p = *end == ',' ? end + 1 : end;
    }
    qsort(out->project_ids, out->nprojects, sizeof(int64_t), by_id);
}

static int one_credential(kf_stmt *st, kf_arena *a, kf_credential *out)
{
    int rc = kf_stmt_step(st);
    if (rc == KF_DONE) return KF_ENOTFOUND;
    if (rc != KF_ROW) return rc;
    out->id = kf_stmt_i64(st, 0);
    out->csrf_token = dup(a, st, 1);
    out->expires_at = kf_stmt_isnull(st, 2) ? 0 : kf_stmt_i64(st, 2);
    out->last_used_at = kf_stmt_isnull(st, 3) ? 0 : kf_stmt_i64(st, 3);
    read_user(st, a, 4, &out->user);
    read_projects(kf_stmt_text(st, 16), a, out);
    return KF_OK;
}

#define SESSION_SQL(projects)                                                                      \
    "SELECT s.id, s.csrf_token, s.expires_at, NULL, " USER_COLS ", " projects                      \
    " FROM sessions s JOIN users u ON u.id = s.user_id"                                            \
    " WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1"

int kf_session_find(kf_tx *tx, kf_arena *a, const char *token_hash, int64_t now, kf_credential *out)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         kf_tx_is_postgres(tx) ? SESSION_SQL(PROJECTS_POSTGRES)
                                               : SESSION_SQL(PROJECTS_SQLITE),
                         "si", token_hash, now);
    return rc == KF_OK ? one_credential(st, a, out) : rc;
}

int kf_session_delete(kf_tx *tx, int64_t id)
{
    return kf_tx_exec(tx, NULL, "DELETE FROM sessions WHERE id = ?", "i", id);
}

int kf_sessions_revoke(kf_tx *tx, int64_t user_id, int64_t keep_id)
{
    return kf_tx_exec(tx, NULL, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", "ii", user_id,
                      keep_id);
}

int kf_token_insert(kf_tx *tx, int64_t user_id, const char *name, const char *prefix,
                    const char *hash, int64_t now, int64_t expires_at, int64_t *id)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at,"
                         " expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                         "isssi", user_id, name, prefix, hash, now);
    if (rc != KF_OK) return rc;
    if (expires_at)
        kf_stmt_bind_i64(st, 6, expires_at);
    else
        kf_stmt_bind_null(st, 6);
    rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_EDB : rc;
    *id = kf_stmt_i64(st, 0);
    rc = kf_stmt_step(st);
    return rc == KF_DONE ? KF_OK : rc;
}

#define TOKEN_SQL(projects)                                                                        \
    "SELECT t.id, '', t.expires_at, t.last_used_at, " USER_COLS ", " projects                      \
    " FROM api_tokens t JOIN users u ON u.id = t.user_id"                                          \
    " WHERE t.token_hash = ? AND t.revoked_at IS NULL"                                             \
    " AND (t.expires_at IS NULL OR t.expires_at > ?) AND u.active = 1"

int kf_token_find(kf_tx *tx, kf_arena *a, const char *hash, int64_t now, kf_credential *out)
{
    kf_stmt *st;
    int rc = kf_tx_query(
        tx, &st, kf_tx_is_postgres(tx) ? TOKEN_SQL(PROJECTS_POSTGRES) : TOKEN_SQL(PROJECTS_SQLITE),
        "si", hash, now);
    return rc == KF_OK ? one_credential(st, a, out) : rc;
}

static int64_t opt_i64(kf_stmt *st, int col)
{
    return kf_stmt_isnull(st, col) ? 0 : kf_stmt_i64(st, col);
}

int kf_token_list(kf_tx *tx, kf_arena *a, int64_t user_id, kf_api_token **out, size_t *n)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT id, name, prefix, created_at, expires_at, last_used_at, revoked_at"
                         " FROM api_tokens WHERE user_id = ? ORDER BY id DESC LIMIT 1000",
                         "i", user_id);
    if (rc != KF_OK) return rc;
    size_t cap = 16, count = 0;
    kf_api_token *v = kf_arena_alloc(a, cap * sizeof(*v));
    while ((rc = kf_stmt_step(st)) == KF_ROW) {
        if (count == cap) {
            kf_api_token *bigger = kf_arena_alloc(a, cap * 2 * sizeof(*v));
            memcpy(bigger, v, cap * sizeof(*v));
            v = bigger;
            cap *= 2;
        }
        kf_api_token *t = &v[count++];
        t->id = kf_stmt_i64(st, 0);
        t->name = dup(a, st, 1);
        t->prefix = dup(a, st, 2);
        t->created_at = kf_stmt_i64(st, 3);
        t->expires_at = opt_i64(st, 4);
        t->last_used_at = opt_i64(st, 5);
        t->revoked_at = opt_i64(st, 6);
    }
    if (rc != KF_DONE) return rc;
    *out = v;
    *n = count;
    return KF_OK;
}

typedef struct {
    int64_t id, now;
} token_use;

static int touch_aside(kf_tx *tx, void *ctx)
{
    const token_use *u = ctx;
    return kf_tx_exec(tx, NULL, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", "ii", u->now,
                      u->id);
}

/* Aside (kf_tx_aside): when a token's minute is up, every request of its
 * clients in flight touches it at once, and on PostgreSQL they queued on the
 * row, each for the one before it to be on disk. The last use is bookkeeping. */
int kf_token_touch(kf_tx *tx, int64_t id, int64_t now)
{
    token_use u = {id, now};
    return kf_tx_aside(tx, touch_aside, &u);
}

int kf_token_revoke(kf_tx *tx, int64_t user_id, int64_t id, int64_t now)
{
    int64_t changed = 0;
    int rc = kf_tx_exec(tx, &changed,
                        "UPDATE api_tokens SET revoked_at = ?"
                        " WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
                        "iii", now, id, user_id);
    if (rc == KF_OK && changed == 0) rc = KF_ENOTFOUND;
    return rc;
}
