/* The world the tickets happen in: the demo project and accounts (as `kefu
 * demo` makes them), more projects with buildings, units and their owners,
 * departments with technicians, crews with their deposits; and the server's
 * own policy and routing choices, asked once per kind of ticket. */
#include "gen/gen_int.h"

#include "core/err.h"
#include "core/mem.h"
#include "core/secret.h"
#include "desk/routing.h"
#include "domain/pii.h"
#include "gen/names.h"
#include "store/accounts.h"
#include "store/demo.h"
#include "store/projects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

static const char *const project_names[] = {
    "翠湖花园", "锦绣华庭", "阳光水岸", "御景湾", "金域蓝湾", "紫荆苑",   "碧桂园",
    "万科城",   "世纪花园", "滨江壹号", "星河湾", "枫林绿洲", "东方名郡", "中央公园",
    "海棠湾",   "云锦台",   "龙湖天街", "西溪里", "湖畔雅居", "长安府"};
#define NNAMES (sizeof(project_names) / sizeof(project_names[0]))

int gen_cat_index(const kf_gen *g, const char *code)
{
    for (int i = 0; i < g->ncats; i++)
        if (strcmp(g->cat_code[i], code) == 0) return i;
    return -1;
}

void gen_date(const kf_desk_calendar *cal, int64_t ms, char out[16])
{
    int y, m, d;
    kf_civil_from_days(kf_rollup_day(cal->cal.tz, ms), &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
}

static void date_of(int64_t ms, char out[16])
{
    int y, m, d;
    kf_civil_from_days(ms / DAY_MS, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
}

/* ---- reading what the migrations and the demo seed made ---- */

static int load_categories(kf_gen *g, kf_tx *tx)
{
    kf_stmt *st;
    int rc = kf_tx_query(tx, &st,
                         "SELECT id, COALESCE(parent_id, 0), code FROM ticket_categories"
                         " WHERE active = 1 ORDER BY id",
                         "");
    while (rc == KF_OK && (rc = kf_stmt_step(st)) == KF_ROW) {
        if (g->ncats == GEN_MAX_CATS) continue;
        g->cat_id[g->ncats] = kf_stmt_i64(st, 0);
        g->cat_parent[g->ncats] = kf_stmt_i64(st, 1);
        g->cat_code[g->ncats++] = kf_strdup(kf_stmt_text(st, 2));
        rc = KF_OK;
    }
    return rc == KF_DONE || rc == KF_ROW ? KF_OK : rc;
}

static int user_id(kf_tx *tx, const char *login, int64_t *id)
{
    int rc = kf_tx_i64(tx, id, "SELECT id FROM users WHERE login = ?", "s", login);
    return rc == KF_ENOTFOUND ? KF_OK : rc;
}

/* ---- what a project holds ---- */

typedef struct {
    kf_gen *g;
    char hash[KF_PASSWORD_HASH_LEN];
} world_job;

static int insert_id(kf_tx *tx, kf_stmt *st, int64_t *id)
{
    return kf_stmt_insert_step(st, id);
}

static int add_person(kf_gen *g, kf_tx *tx, int64_t project, gen_unit *u, int64_t now)
{
    kf_stmt *st;
    kf_gen_name(&g->rng, u->name, sizeof(u->name));
    kf_gen_mobile(&g->rng, u->mobile, sizeof(u->mobile));
    static const char grades[] = "AABBBBBC";
    char grade[2] = {grades[kf_rng_below(&g->rng, 8)], 0};
    int rc = kf_tx_prepare(tx,
                           KF_INSERT_ID(tx, "INSERT INTO people (project_id, kind, name, grade,"
                                            " created_at, updated_at) VALUES (?, 'person', ?, ?,"
                                            " ?, ?)"),
                           &st);
    if (rc != KF_OK) return rc;
    kf_stmt_bind_i64(st, 1, project);
    kf_stmt_bind_text(st, 2, u->name);
    kf_stmt_bind_text(st, 3, grade);
    kf_stmt_bind_i64(st, 4, now);
    kf_stmt_bind_i64(st, 5, now);
    if ((rc = insert_id(tx, st, &u->person)) != KF_OK) return rc;
    char last4[5];
    kf_mobile_last4(u->mobile, last4);
    rc = kf_tx_exec(tx, NULL,
                    "INSERT INTO person_mobiles (person_id, project_id, position, mobile, last4)"
                    " VALUES (?, ?, 0, ?, ?)",
                    "iiss", u->person, project, u->mobile, last4);
    char grams[8][KF_BIGRAM_LEN];
    size_t n = kf_bigrams(u->name, grams, 8);
    for (size_t i = 0; rc == KF_OK && i < n; i++)
        rc = kf_tx_exec(tx, NULL,
                        "INSERT INTO person_grams (project_id, gram, person_id) VALUES (?, ?, ?)"
                        " ON CONFLICT DO NOTHING",
                        "isi", project, grams[i], u->person);
    if (rc == KF_OK)
        rc = kf_tx_exec(tx, NULL,
                        "INSERT INTO occupancies (project_id, person_id, unit_id, role,"
                        " start_date, created_at, updated_at) VALUES (?, ?, ?, 'owner', ?, ?, ?)",
                        "iiisii", project, u->person, u->id, "2015-01-01", now, now);
    g->sum.people++;
    return rc;
}

/* Buildings of 6–30 floors, 1–2 entrances of 2 units a floor, until the
 * project has NUNITS units; the owners of the units handed over. */
static int add_estate(kf_gen *g, kf_tx *tx, gen_project *p, size_t nunits, int64_t delivered,
                      int64_t now)
{
    p->units = kf_calloc(nunits, sizeof(gen_unit));
    char delivery[16], warranty[16];
    date_of(delivered, delivery);
    date_of(delivered + 5 * 365 * DAY_MS, warranty); /* waterproofing: five years */
    int rc = KF_OK;
    for (int b = 1; rc == KF_OK && p->nunits < nunits; b++) {
        int floors = (int)kf_rng_range(&g->rng, 6, 30),
            entrances = (int)kf_rng_range(&g->rng, 1, 2);
        char code[16], name[32];
        snprintf(code, sizeof(code), "%d", b);
        snprintf(name, sizeof(name), "%d号楼", b);
        int64_t building = 0;
        kf_stmt *st;
        rc = kf_tx_prepare(tx,
                           KF_INSERT_ID(tx, "INSERT INTO buildings (project_id, code, name, floors,"
                                            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"),
                           &st);
        if (rc != KF_OK) break;
        kf_stmt_bind_i64(st, 1, p->id);
        kf_stmt_bind_text(st, 2, code);
        kf_stmt_bind_text(st, 3, name);
        kf_stmt_bind_i64(st, 4, floors);
        kf_stmt_bind_i64(st, 5, now);
        kf_stmt_bind_i64(st, 6, now);
        if ((rc = insert_id(tx, st, &building)) != KF_OK) break;
        for (int e = 1; rc == KF_OK && e <= entrances; e++)
            for (int f = 1; rc == KF_OK && f <= floors && p->nunits < nunits; f++)
                for (int k = 1; rc == KF_OK && k <= 2 && p->nunits < nunits; k++) {
                    gen_unit *u = &p->units[p->nunits];
                    char number[32], ucode[64], ent[12];
                    snprintf(number, sizeof(number), "%d%02d", f, (e - 1) * 2 + k);
                    snprintf(ucode, sizeof(ucode), "%d-%d-%s", b, e, number);
                    snprintf(ent, sizeof(ent), "%d", e);
                    int unsold = kf_rng_chance(&g->rng, 0.04);
                    const char *status = unsold                        ? "unsold"
                                         : kf_rng_chance(&g->rng, 0.1) ? "vacant"
                                                                       : "occupied";
                    u->building = building;
                    if (!unsold) snprintf(u->warranty_end, sizeof(u->warranty_end), "%s", warranty);
                    rc = kf_tx_prepare(
                        tx,
                        KF_INSERT_ID(tx, "INSERT INTO units (project_id, building_id, entrance,"
                                         " floor, number, code, area_centi, status, delivery_date,"
                                         " warranty_end, created_at, updated_at)"
                                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                        &st);
                    if (rc != KF_OK) break;
                    kf_stmt_bind_i64(st, 1, p->id);
                    kf_stmt_bind_i64(st, 2, building);
                    kf_stmt_bind_text(st, 3, ent);
                    kf_stmt_bind_i64(st, 4, f);
                    kf_stmt_bind_text(st, 5, number);
                    kf_stmt_bind_text(st, 6, ucode);
                    kf_stmt_bind_i64(st, 7, kf_rng_range(&g->rng, 4500, 18000));
                    kf_stmt_bind_text(st, 8, status);
                    kf_stmt_bind_text(st, 9, unsold ? NULL : delivery);
                    kf_stmt_bind_text(st, 10, unsold ? NULL : warranty);
                    kf_stmt_bind_i64(st, 11, now);
                    kf_stmt_bind_i64(st, 12, now);
                    if ((rc = insert_id(tx, st, &u->id)) != KF_OK) break;
                    p->nunits++;
                    g->sum.units++;
                    if (!unsold) rc = add_person(g, tx, p->id, u, now);
                }
    }
    return rc;
}

static const struct {
    const char *kind, *code, *name, *mode;
} dept_kinds[] = {
    {"engineering", "ENG", "工程部", "round_robin"},
    {"property", "PM", "物业维修部", "round_robin"},
    {"customer_service", "CS", "客服中心", "manual"},
};

static int add_user(world_job *j, kf_tx *tx, const char *login, const char *name, int64_t project,
                    int64_t now, int64_t *id)
{
    kf_user u = {.login = login,
                 .display_name = name,
                 .role = "technician",
                 .language = "zh-CN",
                 .password_hash = j->hash,
                 .active = 1};
    int rc = kf_user_insert(tx, &u, now);
    if (rc == KF_OK) rc = kf_user_set_projects(tx, u.id, &project, 1);
    *id = u.id;
    j->g->sum.users++;
    return rc;
}

static int add_departments(world_job *j, kf_tx *tx, gen_project *p, int64_t now)
{
    kf_gen *g = j->g;
    int rc = KF_OK;
    for (int d = 0; rc == KF_OK && d < 3; d++) {
        gen_dept *dp = &p->depts[p->ndepts];
        kf_stmt *st;
        rc = kf_tx_prepare(tx,
                           KF_INSERT_ID(tx, "INSERT INTO departments (project_id, code, name, kind,"
                                            " dispatch_mode, created_at, updated_at)"
                                            " VALUES (?, ?, ?, ?, ?, ?, ?)"),
                           &st);
        if (rc != KF_OK) break;
        kf_stmt_bind_i64(st, 1, p->id);
        kf_stmt_bind_text(st, 2, dept_kinds[d].code);
        kf_stmt_bind_text(st, 3, dept_kinds[d].name);
        kf_stmt_bind_text(st, 4, dept_kinds[d].kind);
        kf_stmt_bind_text(st, 5, dept_kinds[d].mode);
        kf_stmt_bind_i64(st, 6, now);
        kf_stmt_bind_i64(st, 7, now);
        if ((rc = insert_id(tx, st, &dp->id)) != KF_OK) break;
        dp->kind = dept_kinds[d].kind;
        p->ndepts++;
        int members = d == 2 ? 0 : (int)kf_rng_range(&g->rng, 3, GEN_MEMBERS - 1);
        if (p->id == 1 && d == 1 && g->technician) dp->members[dp->nmembers++] = g->technician;
        for (int k = 0; rc == KF_OK && k < members; k++) {
            char login[48], name[32];
            snprintf(login, sizeof(login), "tech.p%lld.%s%d", (long long)p->id, dept_kinds[d].code,
                     k + 1);
            kf_gen_name(&g->rng, name, 16);
            strcat(name, "师傅");
            int64_t uid = 0;
            rc = add_user(j, tx, login, name, p->id, now, &uid);
            if (rc == KF_OK) dp->members[dp->nmembers++] = uid;
        }
        for (int k = 0; rc == KF_OK && k < dp->nmembers; k++)
            rc = kf_tx_exec(tx, NULL,
                            "INSERT INTO department_members (project_id, department_id, user_id,"
                            " created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                            "iiiii", p->id, dp->id, dp->members[k], now, now);
    }
    return rc;
}

static int add_crews(kf_gen *g, kf_tx *tx, const gen_project *p, int64_t now)
{
    static const char *const crews[] = {"防水施工队", "土建维修队", "水电安装队", "门窗安装队"};
    int rc = KF_OK;
    for (int c = 0; rc == KF_OK && c < 4; c++) {
        char leader[16], phone[12];
        kf_gen_name(&g->rng, leader, sizeof(leader));
        kf_gen_mobile(&g->rng, phone, sizeof(phone));
        int64_t crew = 0;
        kf_stmt *st;
        rc = kf_tx_prepare(tx,
                           KF_INSERT_ID(tx, "INSERT INTO crews (project_id, name, leader, phone,"
                                            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"),
                           &st);
        if (rc != KF_OK) break;
        kf_stmt_bind_i64(st, 1, p->id);
        kf_stmt_bind_text(st, 2, crews[c]);
        kf_stmt_bind_text(st, 3, leader);
        kf_stmt_bind_text(st, 4, phone);
        kf_stmt_bind_i64(st, 5, now);
        kf_stmt_bind_i64(st, 6, now);
        if ((rc = insert_id(tx, st, &crew)) != KF_OK) break;
        rc =
            kf_tx_exec(tx, NULL,
                       "INSERT INTO crew_deposit_entries (project_id, crew_id, kind, amount_fen,"
                       " note, created_at, updated_at) VALUES (?, ?, 'deposit', ?, '质保金', ?, ?)",
                       "iiiii", p->id, crew, kf_rng_range(&g->rng, 5, 30) * 1000000, now, now);
    }
    return rc;
}

static size_t cache_slots(const kf_gen *g)
{
    return (size_t)GEN_NTYPES * GEN_NSEV * (size_t)g->ncats;
}

static int add_project(world_job *j, kf_tx *tx, int idx, int64_t now)
{
    kf_gen *g = j->g;
    gen_project *p = &g->projects[idx];
    int rc = KF_OK;
    if (idx == 0) {
        p->id = 1; /* the demo project */
    } else {
        char code[16], name[64];
        snprintf(code, sizeof(code), "p%02d", idx + 1);
        snprintf(name, sizeof(name), "%s%s", project_names[(size_t)(idx - 1) % NNAMES],
                 idx > (int)NNAMES ? "二期" : "");
        rc = kf_project_insert(tx, code, name, "Asia/Shanghai", now, &p->id);
    }
    /* handed over 1–9 years ago: about a third still inside the leak warranty */
    int64_t delivered = now - kf_rng_range(&g->rng, 365, 9 * 365) * DAY_MS;
    char handover[16];
    date_of(delivered, handover);
    if (rc == KF_OK)
        rc = kf_tx_exec(tx, NULL, "UPDATE projects SET handover_date = ?, address = ? WHERE id = ?",
                        "ssi", handover, "示例市示例区幸福路 1 号", p->id);
    int64_t per = g->o.tickets / g->nprojects / 40;
    size_t nunits = (size_t)(per < 150 ? 150 : per > 5000 ? 5000 : per);
    if (rc == KF_OK) rc = add_estate(g, tx, p, nunits, delivered, now);
    if (rc == KF_OK) rc = add_departments(j, tx, p, now);
    if (rc == KF_OK) rc = add_crews(g, tx, p, now);
    if (rc == KF_OK) rc = kf_desk_calendar_load(tx, g->tzc, p->id, &p->cal);
    p->policies = kf_calloc(cache_slots(g), sizeof(gen_policy));
    p->routes = kf_calloc(cache_slots(g) * GEN_NWARRANTY, sizeof(gen_route));
    g->sum.projects++;
    return rc;
}

/* The demo staff see every project (the benchmarks log in as them). */
static int demo_staff_everywhere(kf_gen *g, kf_tx *tx)
{
    static const char *const staff[] = {"admin", "executive",  "manager", "supervisor",
                                        "agent", "technician", "cashier", NULL};
    int64_t *ids = kf_calloc((size_t)g->nprojects, sizeof(int64_t));
    for (int i = 0; i < g->nprojects; i++)
        ids[i] = g->projects[i].id;
    int rc = KF_OK;
    for (int i = 0; staff[i] && rc == KF_OK; i++) {
        int64_t uid = 0;
        rc = user_id(tx, staff[i], &uid);
        if (rc == KF_OK && uid) rc = kf_user_set_projects(tx, uid, ids, (size_t)g->nprojects);
    }
    free(ids);
    return rc;
}

static int world_write(kf_tx *tx, void *ctx)
{
    world_job *j = ctx;
    kf_gen *g = j->g;
    int64_t tickets = 0, projects = 0;
    int rc = kf_tx_i64(tx, &tickets, "SELECT COUNT(*) FROM tickets", "");
    if (rc != KF_OK) return rc;
    if (tickets) {
        snprintf(g->err, g->errlen,
                 "the database has %lld tickets already: kefu gen needs an"
                 " empty one",
                 (long long)tickets);
        return KF_ECONFLICT;
    }
    rc = kf_tx_i64(tx, &projects, "SELECT COUNT(*) FROM projects", "");
    if (rc == KF_OK && projects != 1) {
        snprintf(g->err, g->errlen,
                 "the database has %lld projects: kefu gen starts from the demo"
                 " project alone",
                 (long long)projects);
        return KF_ECONFLICT;
    }
    if (rc == KF_OK) rc = load_categories(g, tx);
    if (rc == KF_OK) rc = user_id(tx, "agent", &g->agent);
    if (rc == KF_OK) rc = user_id(tx, "supervisor", &g->supervisor);
    if (rc == KF_OK) rc = user_id(tx, "manager", &g->manager);
    if (rc == KF_OK) rc = user_id(tx, "technician", &g->technician);
    for (int i = 0; rc == KF_OK && i < g->nprojects; i++)
        rc = add_project(j, tx, i, g->now - (int64_t)g->o.years * 366 * DAY_MS);
    if (rc == KF_OK) rc = demo_staff_everywhere(g, tx);
    return rc;
}

int gen_world(kf_gen *g)
{
    int created = 0;
    int rc = kf_demo_seed(g->store, &created);
    if (rc != KF_OK) {
        snprintf(g->err, g->errlen, "cannot create the demo data: %s", kf_err_name(rc));
        return rc;
    }
    world_job j = {.g = g};
    if (kf_password_hash(KF_DEMO_PASSWORD, j.hash) != 0) return KF_EDB;
    g->projects = kf_calloc((size_t)g->nprojects, sizeof(gen_project));
    rc = kf_store_write_alone(g->store, world_write, &j);
    if (rc != KF_OK && !g->err[0])
        snprintf(g->err, g->errlen, "writing the projects failed: %s", kf_err_name(rc));
    return rc;
}

void gen_world_free(kf_gen *g)
{
    for (int i = 0; g->projects && i < g->nprojects; i++) {
        gen_project *p = &g->projects[i];
        if (p->cal) kf_desk_calendar_free(p->cal);
        free(p->units);
        free(p->policies);
        free(p->routes);
    }
    free(g->projects);
    for (int i = 0; i < g->ncats; i++)
        free((void *)g->cat_code[i]);
}

/* ---- the server's choices, once per kind of ticket ---- */

static size_t slot(const kf_gen *g, int type, int sev, int cat)
{
    return ((size_t)type * GEN_NSEV + (size_t)sev) * (size_t)g->ncats + (size_t)cat;
}

static const char *const severities[] = {"general", "major"};

/* A kind of ticket whose policy or route is asked of the writer. */
typedef struct {
    kf_gen *g;
    gen_project *p;
    int type, sev, cat;
    const gen_unit *u;
    int64_t now;
    char today[16];
    gen_policy *gp;
    gen_route *r;
} kind_query;

static int policy_query(kf_tx *tx, void *ctx)
{
    kind_query *q = ctx;
    kf_ticket t;
    int rc = kf_ticket_new(&t, q->p->id, q->g->now);
    if (rc != KF_OK) return rc;
    kf_ticket_set_s(&t, "type", gen_types[q->type]);
    kf_ticket_set_s(&t, "severity", severities[q->sev]);
    kf_ticket_set_i(&t, "category_id", q->g->cat_id[q->cat]);
    rc = kf_ticket_policy(tx, NULL, &t, q->gp->targets, &q->gp->n);
    q->gp->policy = kf_ticket_i(&t, "policy_id");
    kf_ticket_release(&t);
    return rc;
}

int gen_policy_for(kf_gen *g, gen_project *p, int type, int sev, int cat, const gen_policy **out)
{
    gen_policy *gp = &p->policies[slot(g, type, sev, cat)];
    *out = gp;
    if (gp->known) return KF_OK;
    kind_query q = {.g = g, .p = p, .type = type, .sev = sev, .cat = cat, .gp = gp};
    int rc = gen_on_writer(g, policy_query, &q);
    gp->known = rc == KF_OK;
    return rc;
}

static int route_query(kf_tx *tx, void *ctx)
{
    kind_query *q = ctx;
    kf_ticket t;
    int rc = kf_ticket_new(&t, q->p->id, q->now);
    if (rc != KF_OK) return rc;
    kf_ticket_set_s(&t, "type", gen_types[q->type]);
    kf_ticket_set_s(&t, "severity", severities[q->sev]);
    kf_ticket_set_i(&t, "category_id", q->g->cat_id[q->cat]);
    kf_ticket_set_i(&t, "unit_id", q->u ? q->u->id : 0);
    rc = kf_desk_route(tx, &t, q->today);
    q->r->rule = kf_ticket_i(&t, "routing_rule_id");
    q->r->department = kf_ticket_i(&t, "department_id");
    kf_ticket_release(&t);
    return rc;
}

int gen_route_for(kf_gen *g, gen_project *p, int type, int sev, int cat, const gen_unit *u,
                  int64_t now, const gen_route **out)
{
    kind_query q = {.g = g, .p = p, .type = type, .sev = sev, .cat = cat, .u = u, .now = now};
    gen_date(p->cal, now, q.today);
    int w = !u ? 0 : !u->warranty_end[0] ? 1 : strcmp(u->warranty_end, q.today) >= 0 ? 2 : 3;
    /* the seeded rules name no building, so the unit counts only by its warranty */
    gen_route *r = &p->routes[slot(g, type, sev, cat) * GEN_NWARRANTY + (size_t)w];
    *out = r;
    if (r->known) return KF_OK;
    q.r = r;
    int rc = gen_on_writer(g, route_query, &q);
    r->known = rc == KF_OK;
    return rc;
}
