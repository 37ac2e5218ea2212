#include "desk/routing.h"

#include "core/err.h"

#include <stdio.h>
#include <string.h>

/* The project's first department of KIND (0: none); MIN, not ORDER BY, so no
 * sort runs on every intake. */
static int department_of_kind(kf_tx *tx, int64_t project, const char *kind, int64_t *out)
{
    return kf_tx_i64(tx, out,
                     "SELECT COALESCE(MIN(id), 0) FROM departments WHERE project_id = ?"
                     " AND kind = ?",
                     "is", project, kind);
}

typedef struct {
    const int64_t *chain; /* the ticket's category and its ancestors */
    int nchain;
    int64_t building;
    const char *warranty; /* the unit's end of warranty, "" when none */
    const char *today;
} facts;

/* Whether rule row ST (columns as selected in kf_desk_route) holds for T. */
static int rule_matches(kf_stmt *st, const kf_ticket *t, const facts *f)
{
    if (!kf_stmt_isnull(st, 1) && kf_stmt_i64(st, 1) != f->building) return 0;
    if (kf_stmt_text(st, 2) && strcmp(kf_stmt_text(st, 2), kf_ticket_s(t, "type")) != 0) return 0;
    if (!kf_stmt_isnull(st, 3)) {
        int found = 0;
        for (int i = 0; i < f->nchain; i++)
            found |= f->chain[i] == kf_stmt_i64(st, 3);
        if (!found) return 0;
    }
    if (kf_stmt_text(st, 4) && strcmp(kf_stmt_text(st, 4), kf_ticket_s(t, "severity")) != 0)
        return 0;
    const char *warranty = kf_stmt_text(st, 5);
    if (warranty) {
        if (!f->warranty[0]) return 0; /* no unit, or no warranty recorded */
        int inside = strcmp(f->warranty, f->today) >= 0;
        if (inside != (strcmp(warranty, "in") == 0)) return 0;
    }
    return 1;
}

int kf_desk_route(kf_tx *tx, kf_ticket *t, const char *today)
{
    facts f = {.today = today};
    int rc = kf_ticket_categories(tx, t);
    f.chain = t->chain;
    f.nchain = t->nchain;
    if (rc == KF_OK) rc = kf_ticket_unit(tx, t);
    if (rc != KF_OK) return rc;
    f.building = t->building;
    f.warranty = t->warranty_end;
    int64_t project = kf_ticket_i(t, "project_id");
    kf_stmt *st;
    rc = kf_tx_query(tx, &st,
                     "SELECT id, building_id, type, category_id, severity, warranty,"
                     " COALESCE(department_id, 0), department_kind FROM routing_rules"
                     " WHERE active = 1 AND (project_id IS NULL OR project_id = ?)"
                     " ORDER BY position, id",
                     "i", project);
    if (rc != KF_OK) return rc;
    /* collect the candidates first: a statement is not stepped while another runs */
    int64_t rules[64], depts[64];
    char kinds[64][16];
    int n = 0;
    while (n < 64 && (rc = kf_stmt_step(st)) == KF_ROW) {
        if (!rule_matches(st, t, &f)) continue;
        rules[n] = kf_stmt_i64(st, 0);
        depts[n] = kf_stmt_i64(st, 6);
        snprintf(kinds[n], sizeof(kinds[n]), "%s", kf_stmt_text(st, 7) ? kf_stmt_text(st, 7) : "");
        n++;
    }
    if (rc != KF_DONE && rc != KF_ROW) return rc;
    kf_ticket_set_i(t, "routing_rule_id", 0);
    kf_ticket_set_i(t, "department_id", 0);
    for (int i = 0; i < n; i++) {
        int64_t dept = depts[i];
        if (!dept && kinds[i][0] &&
            (rc = department_of_kind(tx, project, kinds[i], &dept)) != KF_OK)
            return rc;
        if (!dept) continue; /* the project has no such department: try the next rule */
        kf_ticket_set_i(t, "routing_rule_id", rules[i]);
        kf_ticket_set_i(t, "department_id", dept);
        break;
    }
    return KF_OK;
}

int kf_desk_is_member(kf_tx *tx, int64_t department, int64_t user, int *yes)
{
    int64_t n = 0;
    int rc = kf_tx_i64(tx, &n,
                       "SELECT COUNT(*) FROM department_members WHERE department_id = ?"
                       " AND user_id = ?",
                       "ii", department, user);
    *yes = n > 0;
    return rc;
}

#define MAX_MEMBERS 256

typedef struct {
    int64_t department, user; /* user 0: not a plain round-robin turn */
} turn;

/* The members on duty of the department being updated. */
#define ON_DUTY                                                                                    \
    " FROM department_members m JOIN users u ON u.id = m.user_id"                                  \
    " WHERE m.department_id = departments.id AND m.on_duty = 1 AND u.active = 1"

/* A round-robin department without a cap: the next member on duty after the
 * last one picked (or the first), found and remembered in one update; no row
 * changed when the department dispatches otherwise or nobody is on duty. */
#define TURN_SQL                                                                                   \
    "UPDATE departments SET last_assignee_id = COALESCE("                                          \
    "(SELECT MIN(m.user_id)" ON_DUTY " AND m.user_id > departments.last_assignee_id),"             \
    " (SELECT MIN(m.user_id)" ON_DUTY "))"                                                         \
    " WHERE id = ? AND dispatch_mode = 'round_robin'"                                              \
    " AND max_open_per_person = 0 AND EXISTS (SELECT 1" ON_DUTY ")"

static int next_turn(kf_tx *tx, void *ctx)
{
    turn *t = ctx;
    int rc;
    if (kf_tx_is_postgres(tx)) {
        rc = kf_tx_i64(tx, &t->user, TURN_SQL " RETURNING last_assignee_id", "i", t->department);
        return rc == KF_ENOTFOUND ? KF_OK : rc;
    }
    /* SQLite: the row read back, as its RETURNING costs more than the update
     * (the one writer sees its own write, and nothing else between) */
    int64_t moved = 0;
    rc = kf_tx_exec(tx, &moved, TURN_SQL, "i", t->department);
    if (rc != KF_OK || !moved) return rc;
    return kf_tx_i64(tx, &t->user, "SELECT last_assignee_id FROM departments WHERE id = ?", "i",
                     t->department);
}

int kf_desk_pick_assignee(kf_tx *tx, int64_t project, int64_t department, int64_t *user)
{
    *user = 0;
    /* The turn needs no view of the open tickets, so it moves on aside:
     * locked in TX, the department row would make every intake of the
     * department wait for the one before it to be on disk (PostgreSQL). A
     * ticket undone later has still used its turn. */
    turn t = {department, 0};
    int rc = kf_tx_aside(tx, next_turn, &t);
    if (rc != KF_OK || t.user) {
        *user = t.user;
        return rc;
    }
    kf_stmt *st;
    /* a cap or least-loaded needs the open counts to stay as read: the
     * department row is the lock, two tickets dispatched at once take turns
     * (SQLite runs one write at a time already) */
    rc = kf_tx_query(tx, &st,
                     kf_tx_is_postgres(tx)
                         ? "SELECT dispatch_mode, max_open_per_person, last_assignee_id"
                           " FROM departments WHERE id = ? FOR UPDATE"
                         : "SELECT dispatch_mode, max_open_per_person, last_assignee_id"
                           " FROM departments WHERE id = ?",
                     "i", department);
    if (rc != KF_OK) return rc;
    rc = kf_stmt_step(st);
    if (rc != KF_ROW) return rc == KF_DONE ? KF_ENOTFOUND : rc;
    int round_robin = strcmp(kf_stmt_text(st, 0), "round_robin") == 0;
    if (!round_robin && strcmp(kf_stmt_text(st, 0), "least_loaded") != 0) return KF_OK; /* manual */
    int64_t cap = kf_stmt_i64(st, 1), last = kf_stmt_i64(st, 2);
    /* the members on duty in id order, with their open tickets when a cap or
     * the mode needs them */
    rc = kf_tx_query(tx, &st,
                     "SELECT m.user_id, CASE WHEN ? THEN (SELECT COALESCE(SUM(c.n), 0)"
                     " FROM ticket_counts c WHERE c.project_id = ?"
                     " AND c.bucket = 'user:' || CAST(m.user_id AS TEXT)) ELSE 0 END"
                     " FROM department_members m JOIN users u ON u.id = m.user_id"
                     " WHERE m.department_id = ? AND m.on_duty = 1 AND u.active = 1"
                     " ORDER BY m.user_id",
                     "iii", (int64_t)(cap > 0 || !round_robin), project, department);
    if (rc != KF_OK) return rc;
    int64_t members[MAX_MEMBERS], loads[MAX_MEMBERS];
    int n = 0;
    while (n < MAX_MEMBERS && (rc = kf_stmt_step(st)) == KF_ROW) {
        members[n] = kf_stmt_i64(st, 0);
        loads[n++] = kf_stmt_i64(st, 1);
    }
    if (rc != KF_DONE && rc != KF_ROW) return rc;
    int64_t best = 0, best_load = 0;
    int start = 0; /* round-robin: the first member after the last one picked */
    if (round_robin)
        while (start < n && members[start] <= last)
            start++;
    for (int k = 0; k < n; k++) {
        int at = (start + k) % n;
        if (cap > 0 && loads[at] >= cap) continue;
        if (round_robin) {
            best = members[at];
            break;
        }
        if (!best || loads[at] < best_load) { /* least loaded; the lowest id on a tie */
            best = members[at];
            best_load = loads[at];
        }
    }
    if (!best) return KF_OK;
    *user = best;
    return best == last
               ? KF_OK
               : kf_tx_exec(tx, NULL, "UPDATE departments SET last_assignee_id = ? WHERE id = ?",
                            "ii", best, department);
}

int kf_desk_notify(kf_tx *tx, int64_t user, int64_t project, int64_t ticket, const char *kind,
                   const char *milestone, int64_t now)
{
    int64_t id = 0;
    kf_stmt *st;
    int rc = kf_tx_prepare(tx,
                           KF_INSERT_ID(tx, "INSERT INTO notifications (user_id, project_id,"
                                            " ticket_id, kind, milestone, created_at)"
                                            " VALUES (?, ?, ?, ?, ?, ?)"),
                           &st);
    if (rc != KF_OK) return rc;
    kf_stmt_bind_i64(st, 1, user);
    kf_stmt_bind_i64(st, 2, project);
    kf_stmt_bind_i64(st, 3, ticket);
    kf_stmt_bind_text(st, 4, kind);
    kf_stmt_bind_text(st, 5, milestone);
    kf_stmt_bind_i64(st, 6, now);
    if ((rc = kf_stmt_insert_step(st, &id)) != KF_OK) return rc;
    char payload[256];
    snprintf(payload, sizeof(payload),
             "{\"kind\":\"%s\",\"ticket_id\":%lld,\"project_id\":%lld,\"milestone\":%s%s%s}", kind,
             (long long)ticket, (long long)project, milestone ? "\"" : "",
             milestone ? milestone : "null", milestone ? "\"" : "");
    /* both channels in one statement: one round trip on PostgreSQL */
    return kf_tx_exec(tx, NULL,
                      "INSERT INTO outbox (notification_id, channel, user_id, payload,"
                      " created_at) VALUES (?, 'sms', ?, ?, ?), (?, 'email', ?, ?, ?)",
                      "iisiiisi", id, user, payload, now, id, user, payload, now);
}

static int notify_all(kf_tx *tx, kf_stmt *st, int64_t project, int64_t ticket, const char *kind,
                      const char *milestone, int64_t now)
{
    int64_t users[MAX_MEMBERS];
    int n = 0, rc;
    while (n < MAX_MEMBERS && (rc = kf_stmt_step(st)) == KF_ROW)
        users[n++] = kf_stmt_i64(st, 0);
    if (rc != KF_DONE && rc != KF_ROW) return rc;
    for (int i = 0; i < n; i++)
        if ((rc = kf_desk_notify(tx, users[i], project, ticket, kind, milestone, now)) != KF_OK)
            return rc;
    return KF_OK;
}

int kf_desk_notify_role(kf_tx *tx, const char *role, int64_t project, int64_t ticket,
                        const char *kind, const char *milestone, int64_t now)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT u.id FROM user_projects p JOIN users u ON u.id = p.user_id"
                         " WHERE p.project_id = ? AND u.role = ? AND u.active = 1 ORDER BY u.id",
                         "is", project, role);
    return rc == KF_OK ? notify_all(tx, st, project, ticket, kind, milestone, now) : rc;
}

int kf_desk_notify_department(kf_tx *tx, int64_t department, int64_t project, int64_t ticket,
                              const char *kind, const char *milestone, int64_t now)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT m.user_id FROM department_members m JOIN users u"
                         " ON u.id = m.user_id WHERE m.department_id = ? AND m.on_duty = 1"
                         " AND u.active = 1 ORDER BY m.user_id",
                         "i", department);
    return rc == KF_OK ? notify_all(tx, st, project, ticket, kind, milestone, now) : rc;
}
