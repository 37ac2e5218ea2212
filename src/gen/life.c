/* A ticket's life, as the server would have lived it: intake (validity,
 * policy, routing, repeat check, dispatch), the department's steps, holds,
 * transfers, compensation, the manager on site, the follow-up call and a
 * reopen, and the alarm job's reminders, breaches and escalations between
 * them. Every write goes through the desk's own code for the clocks
 * (kf_ticket_clocks_on, kf_clock_*) and the facts (kf_ticket_facts_collect);
 * the rows are written once the life is over (or has reached now). */
#include "gen/gen_int.h"
#include "gen/life.h"

#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "gen/names.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_MS  60000LL
#define HOUR_MS 3600000LL
#define DAY_MS  86400000LL

const char *const gen_types[] = {"repair",     "complaint", "inquiry", "service_request",
                                 "suggestion", "praise",    NULL};
enum { T_REPAIR, T_COMPLAINT, T_INQUIRY, T_SERVICE, T_SUGGESTION, T_PRAISE };

/* ---- what tickets are about (after bench/gen/tickets.py) ---- */

static const unsigned type_w[] = {45, 20, 20, 8, 4, 3};
static const char *const channels[] = {"phone", "visit", "portal", "staff", "api"};
static const unsigned channel_w[] = {70, 10, 10, 5, 5};
static const char *const type_cats[][11] = {
    {"leak_roof", "leak_wall", "leak_window", "leak_pipe", "crack", "door_window", "elevator",
     "water_power", "water_power", "public_facility", NULL},
    {"noise", "parking", "cleaning", "security", "service", "fees", "greenery", "decoration",
     "elevator", "leak_pipe", NULL},
    {"fees", "decoration", "service", "other", "parking", NULL},
    {"cleaning", "greenery", "security", "decoration", "other", NULL},
    {"greenery", "public_facility", "service", "other", NULL},
    {"service", "other", NULL},
};
static const struct {
    const char *code, *a, *b;
} subjects[] = {
    {"leak_roof", "顶楼屋面漏水", "下雨后天花板渗水"},
    {"leak_wall", "外墙渗水", "卧室墙面返潮发霉"},
    {"leak_window", "窗台渗水", "飘窗下雨漏水"},
    {"leak_pipe", "卫生间水管漏水", "厨房下水管滴水"},
    {"crack", "客厅墙面裂缝", "楼板出现裂纹"},
    {"door_window", "入户门关不严", "窗户把手损坏"},
    {"elevator", "电梯异响", "电梯按键失灵"},
    {"water_power", "家中停电", "水压太低"},
    {"public_facility", "单元门禁损坏", "楼道灯不亮"},
    {"noise", "楼上装修噪音", "夜间广场舞噪音"},
    {"parking", "车位被占用", "地库道闸故障"},
    {"cleaning", "楼道垃圾未清理", "电梯厅卫生差"},
    {"security", "陌生人进入小区", "夜间巡逻不到位"},
    {"service", "客服态度问题", "维修师傅服务好"},
    {"fees", "物业费账单疑问", "停车费怎么交"},
    {"greenery", "草坪枯黄", "树枝遮挡窗户"},
    {"decoration", "装修审批咨询", "邻居违规装修"},
    {"other", "其他问题", "咨询小区活动"},
};
static const char *const invalid_reasons[] = {"非物业服务范围，已向业主解释",
                                              "重复来电，已合并说明", "业主误拨，无实际诉求"};
static const char *const answers[] = {"已电话答复业主", "已告知办理流程及所需材料",
                                      "已说明收费标准"};
static const char *const resolutions[] = {"已上门处理完毕", "已更换损坏部件，恢复正常",
                                          "已协调相关方解决", "已做防水修补，经试水无渗漏"};
static const char *const root_causes[] = {"施工质量问题", "日常巡查不到位", "沟通不及时",
                                          "第三方原因"};
static const char *const hold_reasons[] = {"customer", "materials", "third_party"};
static const char *const hold_notes[] = {"业主出差，约定返回后上门", "等待配件到货",
                                         "等待供水公司处理"};

static int wet(const char *code)
{
    return strncmp(code, "leak", 4) == 0 || strcmp(code, "crack") == 0;
}

static int pick_category(kf_gen *g, int type, int month)
{
    unsigned w[11];
    int idx[11], n = 0;
    for (int i = 0; type_cats[type][i]; i++) {
        int c = gen_cat_index(g, type_cats[type][i]);
        if (c < 0) continue;
        idx[n] = c;
        w[n++] = kf_gen_season_weight(wet(type_cats[type][i]), month);
    }
    return n ? idx[kf_rng_weighted(&g->rng, w, (size_t)n)] : -1;
}

static const char *subject_of(kf_gen *g, int cat)
{
    for (size_t i = 0; cat >= 0 && i < sizeof(subjects) / sizeof(subjects[0]); i++)
        if (strcmp(subjects[i].code, g->cat_code[cat]) == 0)
            return kf_rng_chance(&g->rng, 0.5) ? subjects[i].a : subjects[i].b;
    return "其他问题";
}

#define PICK(r, a) (a)[kf_rng_below((r), sizeof(a) / sizeof((a)[0]))]

/* ---- the bookkeeping of a write ---- */

static gen_event *event(life *L, const char *kind, const char *from, const char *to,
                        const char *note, int64_t actor, int64_t at)
{
    if (L->nev == MAX_EV) L->nev--; /* cannot happen: a life has far fewer */
    gen_event *e = &L->ev[L->nev++];
    *e = (gen_event){
        .kind = kind, .from = from, .to = to, .note = note ? note : "", .actor = actor, .at = at};
    return e;
}

/* A write is over: its facts (the desk's own comparison with the mark). */
static void write_done(life *L, int64_t at, int fresh)
{
    kf_ticket *t = &L->t;
    kf_ticket_set_i(t, "updated_at", at);
    kf_ticket_set_i(t, "is_open", kf_ticket_state_open(kf_ticket_status(t)));
    if (!fresh) kf_ticket_set_i(t, "version", ++L->version);
    if (L->nfacts + KF_TICKET_FACTS_MAX <= (int)(sizeof(L->facts) / sizeof(L->facts[0]))) {
        size_t n = kf_ticket_facts_collect(t, L->cal, at, L->facts + L->nfacts);
        for (size_t i = 0; i < n; i++) {
            L->facts[L->nfacts + (int)i].type = gen_types[L->type];
            L->facts[L->nfacts + (int)i].building = L->u ? L->u->building : 0;
        }
        L->nfacts += (int)n;
    }
    kf_ticket_facts_mark(t, 0);
    L->prev = at;
}

static int64_t assignee_or(const life *L, int64_t other)
{
    int64_t a = kf_ticket_i(&L->t, "assignee_id");
    return a ? a : other;
}

/* The alarm job (src/desk/alarms.c) up to UNTIL: each time the ticket's
 * next alarm falls due, every clock fires what is due and the ticket is saved. */
static void alarms(life *L, int64_t until)
{
    kf_ticket *t = &L->t;
    for (;;) {
        int64_t a = 0;
        for (int m = 0; m < KF_MS_COUNT; m++) {
            int64_t x = t->has_clock[m] ? kf_clock_next_alarm(&t->clocks[m]) : 0;
            if (x && (!a || x < a)) a = x;
        }
        if (!a || a > until) return;
        for (int m = 0; m < KF_MS_COUNT; m++) {
            if (!t->has_clock[m]) continue;
            unsigned fired = kf_clock_fire(&t->clocks[m], a);
            const char *ms = kf_milestone_name((kf_milestone)m);
            if (fired & KF_FIRE_REMIND)
                snprintf(event(L, "reminded", NULL, NULL, "", 0, a)->data, 200,
                         "{\"milestone\":\"%s\"}", ms);
            if (fired & KF_FIRE_BREACH) {
                if (kf_ticket_i(t, "escalation_level") < 1)
                    kf_ticket_set_i(t, "escalation_level", 1);
                snprintf(event(L, "breached", NULL, NULL, "", 0, a)->data, 200,
                         "{\"milestone\":\"%s\",\"level\":%lld}", ms,
                         (long long)kf_ticket_i(t, "escalation_level"));
            }
            if (fired & KF_FIRE_ESCALATE) {
                kf_ticket_set_i(t, "escalation_level", 2);
                snprintf(event(L, "escalated", NULL, NULL, "", 0, a)->data, 200,
                         "{\"milestone\":\"%s\",\"level\":2}", ms);
            }
        }
        write_done(L, a, 0);
    }
}

static void id_or_null(char *out, size_t len, int64_t v)
{
    if (v)
        snprintf(out, len, "%lld", (long long)v);
    else
        snprintf(out, len, "null");
}

/* kf_ticket_dispatch_prepare and _record without the database: the
 * department's next member on duty, round-robin. */
static int dispatch(life *L, gen_dept *d, int64_t actor, int64_t at)
{
    kf_ticket *t = &L->t;
    int64_t old_dept = kf_ticket_i(t, "department_id"), old_user = kf_ticket_i(t, "assignee_id");
    int64_t user = 0;
    if (d->nmembers && strcmp(d->kind, "customer_service") != 0) {
        int start = 0;
        while (start < d->nmembers && d->members[start] <= d->last)
            start++;
        user = d->members[start % d->nmembers];
        d->last = user;
    }
    kf_ticket_state from = kf_ticket_status(t);
    const char *kind = from == KF_TS_NEW || from == KF_TS_REOPENED ? "dispatched" : "transferred";
    if (from == KF_TS_NEW && kf_ticket_i(t, "dispatched_at")) kind = "redispatched";
    t->handed_over = strcmp(kind, "transferred") == 0 ? 2 : 1;
    kf_ticket_set_i(t, "department_id", d->id);
    kf_ticket_set_i(t, "assignee_id", user);
    kf_ticket_set_s(t, "status", "dispatched");
    if (!kf_ticket_i(t, "dispatched_at")) kf_ticket_set_i(t, "dispatched_at", at);
    int rc = kf_ticket_clocks_on(t, L->cal, from, KF_TS_DISPATCHED, at);
    char a[24], b[24], c[24];
    id_or_null(a, sizeof(a), old_dept);
    id_or_null(b, sizeof(b), old_user);
    id_or_null(c, sizeof(c), user);
    snprintf(event(L, kind, kf_ticket_state_name(from), "dispatched", "", actor, at)->data, 200,
             "{\"from_department_id\":%s,\"department_id\":%lld,\"from_assignee_id\":%s,"
             "\"assignee_id\":%s}",
             a, (long long)d->id, b, c);
    return rc;
}

static gen_dept *dept_by_id(gen_project *p, int64_t id)
{
    for (int i = 0; i < p->ndepts; i++)
        if (p->depts[i].id == id) return &p->depts[i];
    return NULL;
}

/* transition_apply's fields and clocks for a change to TO (not a dispatch). */
static int apply(life *L, kf_ticket_state to, int64_t actor, int64_t at, const char *note,
                 gen_event **out)
{
    kf_ticket *t = &L->t;
    kf_ticket_state from = kf_ticket_status(t);
    const char *resolution = NULL;
    switch (to) {
    case KF_TS_ON_HOLD:
        kf_ticket_set_s(t, "held_from", kf_ticket_state_name(from));
        kf_ticket_set_s(t, "hold_reason", hold_reasons[kf_rng_below(&L->g->rng, 3)]);
        break;
    case KF_TS_SCHEDULED:
        kf_ticket_set_s(t, "plan", "约定上门查看并维修");
        kf_ticket_set_i(t, "visit_at", at + kf_rng_range(&L->g->rng, 2, 30) * HOUR_MS);
        break;
    case KF_TS_ACKNOWLEDGED:
        if (!kf_ticket_i(t, "assignee_id")) kf_ticket_set_i(t, "assignee_id", actor);
        break;
    case KF_TS_RESOLVED:
        resolution = PICK(&L->g->rng, resolutions);
        kf_ticket_set_s(t, "resolution", resolution);
        if (L->type == T_COMPLAINT && kf_rng_chance(&L->g->rng, 0.6))
            kf_ticket_set_s(t, "root_cause", PICK(&L->g->rng, root_causes));
        kf_ticket_set_i(t, "resolved_at", at);
        break;
    case KF_TS_REOPENED:
        kf_ticket_set_i(t, "reopen_count", kf_ticket_i(t, "reopen_count") + 1);
        kf_ticket_set_i(t, "resolved_at", 0);
        kf_ticket_set_i(t, "closed_at", 0);
        break;
    default:
        break;
    }
    kf_ticket_moved(t, from, to, at);
    kf_ticket_set_s(t, "status", kf_ticket_state_name(to));
    int rc = kf_ticket_clocks_on(t, L->cal, from, to, at);
    gen_event *e = event(L, "status", kf_ticket_state_name(from), kf_ticket_state_name(to),
                         note         ? note
                         : resolution ? resolution
                                      : "",
                         actor, at);
    if (to == KF_TS_ON_HOLD)
        snprintf(e->data, 200, "{\"hold_reason\":\"%s\"}", kf_ticket_s(t, "hold_reason"));
    if (to == KF_TS_SCHEDULED) {
        char when[32];
        kf_time_format(kf_ticket_i(t, "visit_at"), when, sizeof(when));
        snprintf(e->data, 200, "{\"plan\":\"%s\",\"visit_at\":\"%s\"}", kf_ticket_s(t, "plan"),
                 when);
    }
    if (out) *out = e;
    return rc;
}

/* One write at AT moving the ticket to TO; 0 when AT is past the end. */
static int go(life *L, kf_ticket_state to, int64_t actor, int64_t at, const char *note, int *rc)
{
    if (*rc != KF_OK || at > L->end) return 0;
    alarms(L, at);
    *rc = apply(L, to, actor, at, note, NULL);
    write_done(L, at, 0);
    return *rc == KF_OK;
}

/* When milestone M is reached: a share of its target after its start
 * (late for about one clock in twelve), never before the last write. */
static int64_t when(life *L, kf_milestone m, int64_t fallback_ms)
{
    kf_gen *g = L->g;
    const kf_clock *c = &L->t.clocks[m];
    int64_t at = L->prev + fallback_ms;
    if (L->t.has_clock[m] && (c->state == KF_CLOCK_RUNNING || c->state == KF_CLOCK_PAUSED)) {
        double f = kf_rng_chance(&g->rng, 0.06) ? 1.05 + kf_rng_unit(&g->rng) * 1.5
                                                : 0.05 + kf_rng_unit(&g->rng) * 0.8;
        int64_t amount = (int64_t)((double)c->t.target_ms * f) + c->paused_ms;
        if (c->t.basis == KF_BASIS_CALENDAR || kf_workcal_add(L->cal, c->started_at, amount, &at))
            at = c->started_at + amount;
    }
    int64_t min = L->prev + kf_rng_range(&g->rng, 1, 20) * MIN_MS;
    return at < min ? min : at;
}

/* ---- intake ---- */

static void repeat_check(life *L, int64_t now)
{
    gen_unit *u = L->u;
    if (!u || (L->type != T_REPAIR && L->type != T_COMPLAINT)) return;
    int64_t best = 0, cat = L->g->cat_id[L->cat];
    for (int i = 0; i < GEN_RECENT; i++)
        if (u->recent[i].id && u->recent[i].category == cat &&
            u->recent[i].at >= now - 30 * DAY_MS && u->recent[i].id > best)
            best = u->recent[i].id;
    if (best) kf_ticket_set_i(&L->t, "repeat_of", best);
}

static void remember(life *L)
{
    gen_unit *u = L->u;
    if (!u || (L->type != T_REPAIR && L->type != T_COMPLAINT)) return;
    int oldest = 0;
    for (int i = 1; i < GEN_RECENT; i++)
        if (u->recent[i].id < u->recent[oldest].id) oldest = i;
    u->recent[oldest] = (gen_recent){kf_ticket_i(&L->t, "id"), L->g->cat_id[L->cat],
                                     kf_ticket_i(&L->t, "created_at")};
}

static int intake(life *L, int64_t now)
{
    kf_gen *g = L->g;
    kf_ticket *t = &L->t;
    int invalid = kf_rng_chance(&g->rng, 0.02);
    int answered = !invalid && L->type == T_INQUIRY && kf_rng_chance(&g->rng, 0.6);
    const char *end_state = invalid ? "closed_invalid" : answered ? "closed" : NULL;
    const char *end_note = NULL;
    int rc = KF_OK;
    if (invalid) {
        end_note = PICK(&g->rng, invalid_reasons);
        kf_ticket_set_s(t, "invalid_reason", end_note);
    } else if (answered) {
        end_note = PICK(&g->rng, answers);
        kf_ticket_set_s(t, "answer", end_note);
        kf_ticket_set_s(t, "resolution", end_note);
        kf_ticket_set_i(t, "resolved_at", now);
    } else {
        const gen_policy *pol;
        const gen_route *route;
        rc = gen_policy_for(g, L->p, L->type, L->sev, L->cat, &pol);
        if (rc != KF_OK) return rc;
        kf_ticket_set_i(t, "policy_id", pol->policy);
        for (int i = 0; i < pol->n && rc == KF_OK; i++) {
            kf_milestone m = pol->targets[i].milestone;
            kf_clock_init(&t->clocks[m], &pol->targets[i]);
            t->has_clock[m] = 1;
            if (kf_milestone_start(m) == KF_START_CREATED)
                rc = kf_clock_start(&t->clocks[m], L->cal, now);
        }
        if (rc == KF_OK) rc = gen_route_for(g, L->p, L->type, L->sev, L->cat, L->u, now, &route);
        if (rc != KF_OK) return rc;
        kf_ticket_set_i(t, "routing_rule_id", route->rule);
        kf_ticket_set_i(t, "department_id", route->department);
        if (L->type == T_COMPLAINT && L->sev == 1) kf_ticket_set_i(t, "escalation_level", 2);
        repeat_check(L, now);
    }
    gen_dept *d = end_state ? NULL : dept_by_id(L->p, kf_ticket_i(t, "department_id"));
    gen_event created = {0}, *dispatched = NULL;
    if (d) {
        rc = dispatch(L, d, g->agent, now);
        dispatched = &L->ev[L->nev - 1];
        created = *dispatched; /* the dispatch event comes last */
        L->nev--;
    }
    if (end_state) {
        kf_ticket_set_s(t, "status", end_state);
        kf_ticket_set_i(t, "is_open", 0);
        kf_ticket_set_i(t, "closed_at", now);
    }
    char a[24], b[24], c[24];
    id_or_null(a, sizeof(a), kf_ticket_i(t, "routing_rule_id"));
    id_or_null(b, sizeof(b), kf_ticket_i(t, "department_id"));
    id_or_null(c, sizeof(c), kf_ticket_i(t, "repeat_of"));
    snprintf(event(L, "created", NULL, "new", "", g->agent, now)->data, 200,
             "{\"routing_rule_id\":%s,\"department_id\":%s,\"repeat_of\":%s}", a, b, c);
    if (end_state) event(L, end_state, "new", end_state, end_note, g->agent, now);
    if (kf_ticket_i(t, "escalation_level") == 2)
        event(L, "escalated", NULL, NULL, "", g->agent, now);
    if (d) L->ev[L->nev++] = created;
    write_done(L, now, 1);
    remember(L);
    return rc;
}

/* ---- after intake ---- */

static int follow_up_call(life *L, int64_t at, int satisfied, int *rc)
{
    kf_gen *g = L->g;
    if (*rc != KF_OK || at > L->end || L->nfu == MAX_FU) return 0;
    alarms(L, at);
    gen_call *c = &L->fu[L->nfu++];
    c->satisfied = satisfied;
    c->overall = satisfied ? (kf_rng_chance(&g->rng, 0.65)   ? 5
                              : kf_rng_chance(&g->rng, 0.85) ? 4
                                                             : 3)
                           : kf_rng_range(&g->rng, 1, 3);
    c->timeliness = kf_rng_chance(&g->rng, 0.7) ? (c->overall >= 4 ? kf_rng_range(&g->rng, 4, 5)
                                                                   : kf_rng_range(&g->rng, 1, 3))
                                                : 0;
    c->attitude = kf_rng_chance(&g->rng, 0.7)
                      ? (satisfied ? kf_rng_range(&g->rng, 4, 5) : kf_rng_range(&g->rng, 2, 4))
                      : 0;
    c->comment = satisfied ? (kf_rng_chance(&g->rng, 0.5) ? "满意，师傅很专业" : NULL)
                           : "问题没有彻底解决，仍然漏水";
    c->at = at;
    c->id = g->next_follow_up++;
    char t[8], a[8];
    id_or_null(t, sizeof(t), c->timeliness);
    id_or_null(a, sizeof(a), c->attitude);
    snprintf(event(L, "follow_up", NULL, NULL, c->comment, g->agent, at)->data, 200,
             "{\"follow_up_id\":%lld,\"satisfied\":%s,\"score_overall\":%lld,"
             "\"score_timeliness\":%s,\"score_attitude\":%s}",
             (long long)c->id, satisfied ? "true" : "false", (long long)c->overall, t, a);
    kf_ticket_add_fact(&L->t, KF_M_FOLLOW_UP, satisfied != 0);
    kf_ticket_add_fact(&L->t, KF_M_SCORE_OVERALL, c->overall);
    if (c->timeliness) kf_ticket_add_fact(&L->t, KF_M_SCORE_TIMELINESS, c->timeliness);
    if (c->attitude) kf_ticket_add_fact(&L->t, KF_M_SCORE_ATTITUDE, c->attitude);
    *rc = apply(L, satisfied ? KF_TS_CLOSED : KF_TS_REOPENED, g->agent, at, c->comment, NULL);
    write_done(L, at, 0);
    return *rc == KF_OK;
}

/* A compensation asked for and approved (ticket_charges.c), borne by the company. */
static int compensation(life *L, int64_t at)
{
    kf_gen *g = L->g;
    if (at > L->end) return 0;
    alarms(L, at);
    L->charge_id = g->next_charge++;
    L->charge_amount = kf_rng_range(&g->rng, 2, 120) * 10000;
    L->charge_level = L->charge_amount <= 50000 ? "supervisor" : "manager";
    L->charge_at = at;
    L->charge_decided_at = at + kf_rng_range(&g->rng, 1, 6) * HOUR_MS;
    L->charge_decider = L->charge_amount <= 50000 ? g->supervisor : g->manager;
    snprintf(
        event(L, "compensation_requested", NULL, NULL, "给业主造成损失，申请赔偿", g->agent, at)
            ->data,
        200,
        "{\"charge_id\":%lld,\"amount_fen\":%lld,\"bearer\":\"company\",\"bearer_id\":null,"
        "\"level\":\"%s\"}",
        (long long)L->charge_id, (long long)L->charge_amount, L->charge_level);
    write_done(L, at, 0);
    snprintf(
        event(L, "charge_approved", NULL, NULL, "同意", L->charge_decider, L->charge_decided_at)
            ->data,
        200,
        "{\"charge_id\":%lld,\"kind\":\"compensation\",\"amount_fen\":%lld,"
        "\"bearer\":\"company\",\"bearer_id\":null,\"level\":\"%s\","
        "\"deposit_entry_id\":null}",
        (long long)L->charge_id, (long long)L->charge_amount, L->charge_level);
    L->prev = L->charge_decided_at;
    return 1;
}

/* The department's work from dispatch to the resolution. */
static int work(life *L, int *rc)
{
    kf_gen *g = L->g;
    int field = L->type == T_REPAIR || L->type == T_COMPLAINT || L->type == T_SERVICE;
    int64_t me = assignee_or(L, g->agent);
    if (!go(L, KF_TS_ACKNOWLEDGED, me, when(L, KF_MS_ACKNOWLEDGE, 30 * MIN_MS), "", rc)) return 0;
    if (field && kf_rng_chance(&g->rng, 0.03)) { /* handed to a colleague */
        int64_t at = L->prev + kf_rng_range(&g->rng, 10, 120) * MIN_MS;
        if (at > L->end) return 0;
        alarms(L, at);
        *rc = dispatch(L, dept_by_id(L->p, kf_ticket_i(&L->t, "department_id")), me, at);
        write_done(L, at, 0);
        me = assignee_or(L, g->agent);
        if (!go(L, KF_TS_ACKNOWLEDGED, me, when(L, KF_MS_ACKNOWLEDGE, 20 * MIN_MS), "", rc))
            return 0;
    }
    if (!go(L, KF_TS_CONTACTED, me, when(L, KF_MS_CONTACT, 2 * HOUR_MS), "已电话联系业主", rc))
        return 0;
    if (L->type == T_COMPLAINT && kf_rng_chance(&g->rng, 0.04) &&
        !compensation(L, L->prev + kf_rng_range(&g->rng, 1, 8) * HOUR_MS))
        return 0;
    if (field && L->t.has_clock[KF_MS_PLAN] &&
        !go(L, KF_TS_SCHEDULED, me, when(L, KF_MS_PLAN, 4 * HOUR_MS), "", rc))
        return 0;
    if (kf_rng_chance(&g->rng, 0.05)) { /* on hold, then on again */
        kf_ticket_state back = kf_ticket_status(&L->t);
        if (!go(L, KF_TS_ON_HOLD, me, L->prev + kf_rng_range(&g->rng, 1, 6) * HOUR_MS,
                PICK(&g->rng, hold_notes), rc))
            return 0;
        if (!go(L, back, me, L->prev + kf_rng_range(&g->rng, 12, 120) * HOUR_MS, "恢复处理", rc))
            return 0;
    }
    if (L->t.has_clock[KF_MS_ONSITE]) { /* the manager visits a major complaint */
        int64_t at = when(L, KF_MS_ONSITE, 4 * HOUR_MS);
        if (at > L->end) return 0;
        alarms(L, at);
        kf_clock_meet(&L->t.clocks[KF_MS_ONSITE], L->cal, at);
        event(L, "manager_on_site", NULL, NULL, "经理上门沟通", g->manager, at);
        write_done(L, at, 0);
    }
    return go(L, KF_TS_RESOLVED, me, when(L, KF_MS_RESOLVE, 6 * HOUR_MS), NULL, rc);
}

static int live(life *L)
{
    kf_gen *g = L->g;
    int rc = intake(L, kf_ticket_i(&L->t, "created_at"));
    if (rc != KF_OK || !kf_ticket_i(&L->t, "is_open")) return rc;
    if (!work(L, &rc)) goto out;
    int calls = L->type == T_REPAIR || L->type == T_COMPLAINT || L->type == T_SERVICE;
    if (!calls) {
        go(L, KF_TS_CLOSED, g->agent, L->prev + kf_rng_range(&g->rng, 10, 600) * MIN_MS, "已答复",
           &rc);
        goto out;
    }
    int satisfied = !kf_rng_chance(&g->rng, 0.1);
    if (!follow_up_call(L, when(L, KF_MS_FOLLOW_UP, 5 * HOUR_MS), satisfied, &rc) || satisfied)
        goto out;
    /* reopened: the department goes back and resolves it again */
    if (go(L, KF_TS_RESOLVED, assignee_or(L, g->agent), when(L, KF_MS_RESOLVE, 24 * HOUR_MS), NULL,
           &rc))
        follow_up_call(L, when(L, KF_MS_FOLLOW_UP, 5 * HOUR_MS), 1, &rc);
out:
    if (rc == KF_OK) alarms(L, L->end);
    return rc;
}

/* ---- a ticket's rows ---- */

static gen_unit *pick_unit(kf_gen *g, gen_project *p)
{
    for (int i = 0; i < 4 && p->nunits; i++) {
        gen_unit *u = &p->units[kf_rng_below(&g->rng, p->nunits)];
        if (u->person) return u;
    }
    return NULL;
}

static int begin(kf_gen *g, int64_t index, life *L)
{
    int64_t span = g->now - g->start;
    int64_t t0 = g->start + (int64_t)(((double)index + kf_rng_unit(&g->rng)) * (double)span /
                                      (double)g->o.tickets);
    memset(L, 0, offsetof(life, ev));
    L->nev = L->nfacts = L->nfu = 0;
    L->charge_id = 0;
    L->g = g;
    L->end = g->now;
    L->prev = t0;
    L->version = 1;
    L->p = &g->projects[kf_rng_below(&g->rng, (uint64_t)g->nprojects)];
    L->cal = &L->p->cal->cal;
    int y, month, d;
    kf_civil_from_days(kf_rollup_day(L->cal->tz, t0), &y, &month, &d);
    L->type = (int)kf_rng_weighted(&g->rng, type_w, 6);
    L->sev = kf_rng_chance(&g->rng, L->type >= T_SUGGESTION ? 0.01 : 0.05);
    gen_project *p = L->p;
    if ((L->type == T_REPAIR || L->type == T_COMPLAINT) && p->ring_n &&
        kf_rng_chance(&g->rng, 0.05)) {
        int k = (int)kf_rng_below(&g->rng, (uint64_t)p->ring_n);
        L->u = &p->units[p->ring_unit[k]];
        L->cat = p->ring_cat[k];
    } else {
        L->cat = pick_category(g, L->type, month);
        int needs_unit = L->type == T_REPAIR || wet(g->cat_code[L->cat]);
        L->u = needs_unit || kf_rng_chance(&g->rng, 0.7) ? pick_unit(g, p) : NULL;
    }
    kf_ticket *t = &L->t;
    int rc = kf_ticket_new(t, p->id, t0);
    if (rc != KF_OK) return rc;
    char name[32], phone[16];
    if (L->u) {
        snprintf(name, sizeof(name), "%s", L->u->name);
        snprintf(phone, sizeof(phone), "%s", L->u->mobile);
    } else {
        kf_gen_name(&g->rng, name, 16);
        kf_gen_mobile(&g->rng, phone, sizeof(phone));
    }
    const char *subject = subject_of(g, L->cat);
    char description[160];
    snprintf(description, sizeof(description), "%s%s，请尽快安排处理。",
             L->u ? "业主来电反映：" : "来电反映：", subject);
    kf_ticket_set_i(t, "id", g->next_ticket);
    kf_ticket_set_s(t, "type", gen_types[L->type]);
    kf_ticket_set_s(t, "channel", channels[kf_rng_weighted(&g->rng, channel_w, 5)]);
    kf_ticket_set_s(t, "severity", L->sev ? "major" : "general");
    kf_ticket_set_i(t, "category_id", g->cat_id[L->cat]);
    kf_ticket_set_i(t, "person_id", L->u ? L->u->person : 0);
    kf_ticket_set_i(t, "unit_id", L->u ? L->u->id : 0);
    kf_ticket_set_s(t, "caller_name", name);
    kf_ticket_set_s(t, "caller_phone", phone);
    kf_ticket_set_s(t, "subject", subject);
    kf_ticket_set_s(t, "description", description);
    kf_ticket_set_i(t, "created_by", g->agent);
    return KF_OK;
}

int gen_tickets(kf_gen *g, gen_chunk *c, int64_t from, int64_t n)
{
    life *L = kf_malloc(sizeof(*L));
    int rc = KF_OK;
    for (int64_t i = from; i < from + n && rc == KF_OK; i++) {
        rc = begin(g, i, L);
        if (rc != KF_OK) break;
        rc = live(L);
        if (rc == KF_OK) gen_stage_life(g, c, L);
        gen_project *p = L->p;
        if (rc == KF_OK && L->u && L->type == T_REPAIR) {
            p->ring_unit[p->ring_pos] = (int32_t)(L->u - p->units);
            p->ring_cat[p->ring_pos] = L->cat;
            p->ring_pos = (p->ring_pos + 1) % 32;
            if (p->ring_n < 32) p->ring_n++;
        }
        kf_ticket_release(&L->t);
        g->next_ticket++;
    }
    free(L);
    return rc;
}
