#!/usr/bin/env python3
"""Deterministic service-desk data for bench/tickets (a module; see bench/README.md).

    records_csv(outdir, units, buildings)   units.csv and people.csv for `kefu import`
    Tickets(ref, n, now_ms).chunks()       the rows of tickets, ticket_clocks and
                                            ticket_events, in id order, in chunks
    Tickets.counts                          the ticket_counts rows that go with them

The rows follow what the server writes (src/desk/ticket.c, src/desk/routing.c,
src/domain/sla.c): every milestone of the ticket's policy has a clock row; the
row's next_due_at is the earliest due time of its running clocks and
next_alarm_at the earliest reminder, breach or escalation still to fire
(kf_clock_next_alarm). About 10 % of the tickets are open; their running
clocks are due over the coming seven days, except for exactly 1 % of the open
tickets (`due` of them), whose earliest clock fell due in the last 30 minutes
and whose breach has not fired yet: they are overdue and their alarm is due.
Every ticket has its 'created' event; ticket_counts holds the buckets of
buckets_of() ("open", "unassigned", "escalated", "dept:<id>", "user:<id>").
"""
import json
import os
import random

DAY = 86400000
HOUR = 3600000
MINUTE = 60000

TICKET_COLS = (
    "id", "project_id", "type", "channel", "severity", "category_id", "status", "is_open",
    "held_from", "hold_reason", "person_id", "unit_id", "caller_name", "caller_phone", "subject",
    "description", "invalid_reason", "answer", "routing_rule_id", "policy_id", "department_id",
    "assignee_id", "escalation_level", "plan", "visit_at", "resolution", "merged_into",
    "reopen_count", "dispatched_at", "resolved_at", "closed_at", "next_due_at", "next_alarm_at",
    "created_by", "created_at", "updated_at", "version")
CLOCK_COLS = (
    "id", "ticket_id", "milestone", "basis", "target_ms", "remind_percent", "escalate_after_ms",
    "pause_on_hold", "restart_on_reopen", "state", "started_at", "due_at", "met_at", "paused_at",
    "paused_ms", "remind_at", "reminded_at", "breached_at", "escalate_at", "escalated_at")
EVENT_COLS = ("id", "ticket_id", "actor_id", "kind", "from_status", "to_status", "note", "data",
              "at")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志晓海燕红梅文博子轩浩然梓涵欣怡宇思远雨桐一诺佳琪俊"


def mobile(rnd):
    return "1%d%d%08d" % (rnd.choice((3, 5, 7, 8, 9)), rnd.randint(0, 9), rnd.randint(0, 99999999))


def records_csv(outdir, units, buildings, seed=1):
    """units.csv (with warranty ends: 30 % of the buildings inside the warranty,
    10 % without one) and people.csv (one owner per unit, with a mobile)."""
    rnd = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    per_building = max(1, units // buildings)
    codes = []
    with open(os.path.join(outdir, "units.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("楼栋,单元,楼层,房号,面积,状态,保修截止\r\n")
        for i in range(units):
            b = i // per_building % buildings + 1
            k = i % per_building
            entrance, floor, door = k // 400 + 1, k // 4 % 100 + 1, k % 4 + 1
            number = "%d%02d" % (floor, door)
            warranty = "2027-12-31" if b % 10 < 3 else ("" if b % 10 == 9 else "2023-12-31")
            f.write("%d,%d,%d,%s,%.2f,occupied,%s\r\n" % (b, entrance, floor, number,
                                                          rnd.randint(4500, 18000) / 100, warranty))
            codes.append("%d-%d-%s" % (b, entrance, number))
    with open(os.path.join(outdir, "people.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("姓名,手机,客户等级,房屋编号\r\n")
        for i, code in enumerate(codes):
            name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
            f.write("%s,1%d%09d,%s,%s\r\n" % (name, rnd.choice((3, 5, 7, 8, 9)),
                                              (i + 1) * 7919 % 1000000000, rnd.choice("ABC"), code))


# ---------------------------------------------------------------- what tickets are about

TYPES = (("repair", 45), ("complaint", 20), ("inquiry", 20), ("service_request", 8),
         ("suggestion", 4), ("praise", 3))
CHANNELS = (("phone", 70), ("visit", 10), ("portal", 10), ("staff", 5), ("api", 5))
CATEGORIES = {
    "repair": ("leak_roof", "leak_wall", "leak_window", "leak_pipe", "crack", "door_window",
               "elevator", "water_power", "water_power", "public_facility"),
    "complaint": ("noise", "parking", "cleaning", "security", "service", "fees", "greenery",
                  "decoration", "elevator"),
    "inquiry": ("fees", "decoration", "service", "other", "parking"),
    "service_request": ("cleaning", "greenery", "security", "decoration", "other"),
    "suggestion": ("greenery", "public_facility", "service", "other"),
    "praise": ("service", "other"),
}
SUBJECTS = {
    "leak_roof": ("顶楼屋面漏水", "下雨后天花板渗水"), "leak_wall": ("外墙渗水", "卧室墙面返潮发霉"),
    "leak_window": ("窗台渗水", "飘窗下雨漏水"), "leak_pipe": ("卫生间水管漏水", "厨房下水管滴水"),
    "crack": ("客厅墙面裂缝", "楼板出现裂纹"), "door_window": ("入户门关不严", "窗户把手损坏"),
    "elevator": ("电梯异响", "电梯困人", "电梯按键失灵"), "water_power": ("家中停电", "水压太低", "插座没电"),
    "public_facility": ("单元门禁损坏", "楼道灯不亮"), "noise": ("楼上装修噪音", "夜间广场舞噪音"),
    "parking": ("车位被占用", "地库道闸故障"), "cleaning": ("楼道垃圾未清理", "电梯厅卫生差"),
    "security": ("陌生人进入小区", "夜间巡逻不到位"), "service": ("客服态度问题", "维修师傅服务好"),
    "fees": ("物业费账单疑问", "停车费怎么交"), "greenery": ("草坪枯黄", "树枝遮挡窗户"),
    "decoration": ("装修审批咨询", "邻居违规装修"), "other": ("其他问题", "咨询小区活动"),
}
OPEN_STATUS = (("new", 5), ("dispatched", 20), ("acknowledged", 15), ("contacted", 15),
               ("scheduled", 15), ("on_hold", 8), ("resolved", 10), ("follow_up", 7),
               ("reopened", 5))
CLOSED_STATUS = (("closed", 88), ("closed_invalid", 5), ("cancelled", 5), ("merged", 2))
OPEN = ("new", "dispatched", "acknowledged", "contacted", "scheduled", "on_hold", "resolved",
        "follow_up", "reopened")
ORDER = {"new": 0, "dispatched": 1, "acknowledged": 2, "contacted": 3, "scheduled": 4,
         "resolved": 5, "follow_up": 6, "closed": 7}
HOLD_FROM = ("dispatched", "acknowledged", "contacted", "scheduled")
HOLD_REASONS = ("customer", "materials", "third_party")


def weighted(pairs):
    out = []
    for v, w in pairs:
        out.extend([v] * w)
    return out


def clock_state(ms, status):
    """The state of milestone MS's clock for an open or closed ticket in STATUS."""
    if status == "on_hold":
        raise ValueError
    if status == "reopened":
        return {"resolve": "running", "follow_up": "pending"}.get(ms, "met")
    if status in ("cancelled", "merged"):
        return "met" if ms == "acknowledge" else "cancelled"
    o = ORDER[status]
    if ms == "onsite":
        return "running" if o <= 1 else "met"
    met_at = {"acknowledge": 2, "contact": 3, "plan": 4, "resolve": 5, "follow_up": 7}[ms]
    start_at = {"acknowledge": 1, "contact": 1, "plan": 1, "resolve": 0, "follow_up": 5}[ms]
    if o >= met_at:
        return "met"
    return "running" if o >= start_at else "pending"


class Tickets:
    """REF: units [(id, building_id, warranty_end|None)], residents {unit_id: (person_id,
    name, mobile)}, categories {code: id}, policies {(type, severity): (id, [targets])},
    rules {position: id}, departments {"engineering": id, "property": id}, members
    {department_id: [user ids]}, creators [user ids], today "YYYY-MM-DD"."""

    def __init__(self, ref, n, now, seed=1, span_days=365):
        self.ref, self.n, self.now = ref, n, now
        self.seed = seed
        self.start = now - span_days * DAY
        self.counts = {}
        self.open = self.due = 0
        rnd = random.Random(seed)
        types, severities, statuses = [], [], []
        type_pool, open_pool, closed_pool = weighted(TYPES), weighted(OPEN_STATUS), weighted(CLOSED_STATUS)
        eligible = []
        recent = int(n * 0.88)
        for i in range(n):
            t = rnd.choice(type_pool)
            sev = "major" if t in ("repair", "complaint", "service_request", "inquiry") and rnd.random() < 0.04 else "general"
            is_open = rnd.random() < (0.75 if i >= recent else 0.0114)
            if is_open:
                s = rnd.choice(open_pool)
                if t == "praise" and s not in ("new", "dispatched"):
                    s = "dispatched"
            else:
                s = rnd.choice(closed_pool)
                if t == "inquiry" and s == "closed" and rnd.random() < 0.6:
                    s = "answered"  # closed at intake, no clocks
            types.append(t)
            severities.append(sev)
            statuses.append(s)
            if is_open:
                self.open += 1
                created = self.created_at(i)
                # old enough that every step of its history lies before its due time
                if s != "on_hold" and created < now - 10 * DAY and any(
                        clock_state(tg["milestone"], s) == "running" for tg in self.targets(t, sev)):
                    eligible.append(i)
        self.due = min(len(eligible), round(self.open / 100))
        self.due_set = set(rnd.sample(eligible, self.due))
        self.types, self.severities, self.statuses = types, severities, statuses

    def created_at(self, i):
        return self.start + i * (self.now - self.start - HOUR) // self.n

    def targets(self, t, sev):
        p = self.ref["policies"].get((t, sev)) or self.ref["policies"].get((t, "general"))
        return p[1] if p else []

    def chunks(self, size=20000):
        """Yields (ticket_rows, clock_rows, event_rows) for SIZE tickets at a time."""
        ref, now = self.ref, self.now
        rnd = random.Random(self.seed + 1)
        cats = ref["categories"]
        leak = {cats[c] for c in cats if c == "leak" or c.startswith("leak_")}
        units = ref["units"]
        residents = ref["residents"]
        channel_pool = weighted(CHANNELS)
        clock_id = event_id = 0
        tickets, clocks, events = [], [], []
        for i in range(self.n):
            tid = i + 1
            t, sev, status = self.types[i], self.severities[i], self.statuses[i]
            c = self.created_at(i) + rnd.randint(0, 59999)
            is_open = status in OPEN
            code = rnd.choice(CATEGORIES[t])
            category = cats.get(code)
            subject = rnd.choice(SUBJECTS[code])
            description = "业主来电反映：%s，请尽快安排处理。联系时间：工作日白天。" % subject
            # the caller
            r = rnd.random()
            unit = units[rnd.randrange(len(units))]
            unit_id, person_id, name, phone = None, None, "", None
            if r < 0.85 and unit[0] in residents:
                unit_id = unit[0]
                person_id, name, phone = residents[unit_id]
            elif r < 0.90:
                unit_id, name, phone = unit[0], rnd.choice(SURNAMES) + "女士", mobile(rnd)
            else:
                name, phone = rnd.choice(SURNAMES) + "先生", mobile(rnd)
            # routing (the seeded rules)
            warranty = None
            if unit_id:
                w = unit[2]
                warranty = None if not w else ("in" if w >= ref["today"] else "out")
            if category in leak and warranty == "in":
                rule, kind = 10, "engineering"
            elif code == "crack" and warranty == "in":
                rule, kind = 20, "engineering"
            elif code == "door_window" and warranty == "in":
                rule, kind = 30, "engineering"
            elif t == "repair" and warranty == "out":
                rule, kind = 40, "property"
            elif code == "decoration":
                rule, kind = 50, "property"
            else:
                rule, kind = 60, "property"
            routing_rule, dept = ref["rules"][rule], ref["departments"][kind]
            row = dict.fromkeys(TICKET_COLS)
            row.update(id=tid, project_id=1, type=t, channel=rnd.choice(channel_pool), severity=sev,
                       category_id=category, is_open=1 if is_open else 0, person_id=person_id,
                       unit_id=unit_id, caller_name=name, caller_phone=phone, subject=subject,
                       description=description, escalation_level=0, reopen_count=0,
                       created_by=rnd.choice(ref["creators"]), created_at=c, version=1)
            targets = []
            if status in ("closed_invalid", "answered"):
                row["status"] = "closed_invalid" if status == "closed_invalid" else "closed"
                row["closed_at"] = row["updated_at"] = c + rnd.randint(MINUTE, 10 * MINUTE)
                row["version"] = 2
                if status == "answered":
                    row["answer"] = row["resolution"] = "已在电话中解答：请携带身份证到物业服务中心办理。"
                    row["resolved_at"] = row["closed_at"]
                else:
                    row["invalid_reason"] = "非物业服务范围，已向业主解释。"
            else:
                p = ref["policies"].get((t, sev))
                row["policy_id"] = p[0] if p else None
                targets = self.targets(t, sev)
                row["routing_rule_id"], row["department_id"] = routing_rule, dept
                self.progress(rnd, row, status, c)
                if t == "complaint" and sev == "major":
                    row["escalation_level"] = 2
            # clocks
            late_ack = row["escalation_level"] == 0 and status in (
                "acknowledged", "contacted", "scheduled", "resolved", "follow_up", "closed") and rnd.random() < 0.03
            due_ticket = i in self.due_set
            next_due = next_alarm = None
            first_running = True
            for tg in targets:
                ms = tg["milestone"]
                st = clock_state(ms, row["held_from"] or row["status"])
                if status == "on_hold" and st == "running":
                    st = "paused"
                target = tg["minutes"] * MINUTE
                rp = tg.get("remind_percent", 80)
                esc = tg.get("escalate_after_minutes", 240) * MINUTE
                start = c if ms in ("resolve", "onsite") else (
                    row["resolved_at"] if ms == "follow_up" else row["dispatched_at"])
                if ms == "resolve" and status == "reopened":
                    start = row["_reopened"]
                clock_id += 1
                k = dict(started_at=None, due_at=None, met_at=None, paused_at=None, remind_at=None,
                         reminded_at=None, breached_at=None, escalate_at=None, escalated_at=None)
                if st != "pending" and start:
                    k["started_at"] = start
                    if st == "running":
                        if due_ticket and first_running:
                            due = now - rnd.randint(MINUTE, 30 * MINUTE)
                        else:
                            due = now + rnd.randint(10 * MINUTE, 7 * DAY)
                        first_running = False
                    elif st == "paused":
                        due = row["_hold"] + rnd.randint(HOUR, 3 * DAY)
                        k["paused_at"] = row["_hold"]
                    else:
                        due = start + int(target * rnd.uniform(1.0, 3.0))
                    k["due_at"] = due
                    if rp:
                        k["remind_at"] = start + (due - start) * rp // 100
                    if esc:
                        k["escalate_at"] = due + esc
                    if st == "met":
                        met = row["_met"].get(ms, row["updated_at"])
                        if ms == "acknowledge" and late_ack:
                            met = max(met, due + rnd.randint(MINUTE, HOUR))
                        k["met_at"] = met
                        if met > due:  # a breach fired (level 1), and perhaps the escalation (2)
                            k["breached_at"] = due
                            row["escalation_level"] = max(row["escalation_level"], 1)
                        if k["escalate_at"] and met > k["escalate_at"] and k["breached_at"]:
                            k["escalated_at"] = k["escalate_at"]
                            row["escalation_level"] = 2
                    horizon = k["met_at"] or k["paused_at"] or now
                    if k["remind_at"] and k["remind_at"] <= horizon and (not k["breached_at"] or k["remind_at"] < k["breached_at"]):
                        k["reminded_at"] = k["remind_at"]
                    if st == "running":
                        cand = [k["remind_at"] if not (k["reminded_at"] or k["breached_at"]) else None,
                                k["due_at"], k["escalate_at"]]
                        alarm = min(x for x in cand if x)
                        next_alarm = alarm if next_alarm is None else min(next_alarm, alarm)
                        next_due = due if next_due is None else min(next_due, due)
                clocks.append((clock_id, tid, ms, tg.get("basis", "working"), target, rp, esc,
                               1 if tg.get("pause_on_hold", True) else 0,
                               1 if tg.get("restart_on_reopen", ms in ("resolve", "follow_up")) else 0,
                               st, k["started_at"], k["due_at"], k["met_at"], k["paused_at"], 0,
                               k["remind_at"], k["reminded_at"], k["breached_at"], k["escalate_at"],
                               k["escalated_at"]))
            row["next_due_at"], row["next_alarm_at"] = next_due, next_alarm
            if not row["updated_at"]:
                row["updated_at"] = c
            event_id += 1
            events.append((event_id, tid, row["created_by"], "created", None, "new", "",
                           json.dumps({"routing_rule_id": row["routing_rule_id"],
                                       "department_id": row["department_id"]},
                                      separators=(",", ":")), c))
            if is_open:
                self.count(row)
            tickets.append(tuple(row[col] for col in TICKET_COLS))
            if len(tickets) == size:
                yield tickets, clocks, events
                tickets, clocks, events = [], [], []
        if tickets:
            yield tickets, clocks, events

    def progress(self, rnd, row, status, c):
        """The times and fields of the steps the ticket went through to STATUS
        (each step minutes to days after the one before, never after now)."""
        lim = self.now - 1000
        t = c
        steps = 1

        def step(lo, hi):
            nonlocal t, steps
            t = max(c, min(t + rnd.randint(lo, hi), lim))
            steps += 1
            return t

        met = {}
        row["_met"] = met
        row["status"] = status
        held = status
        if status == "on_hold":
            held = rnd.choice(HOLD_FROM)
            row["held_from"], row["hold_reason"] = held, rnd.choice(HOLD_REASONS)
        o = {"reopened": 5, "cancelled": 2, "merged": 2}.get(held, ORDER.get(held, 0))
        if o >= 1:
            row["dispatched_at"] = step(MINUTE, 30 * MINUTE)
            if not (status == "dispatched" and rnd.random() < 0.1):  # 10 %: in the pool
                row["assignee_id"] = rnd.choice(self.ref["members"][row["department_id"]])
        if o >= 2:
            met["acknowledge"] = met["onsite"] = step(5 * MINUTE, 2 * HOUR)
        if o >= 3:
            met["contact"] = step(10 * MINUTE, 8 * HOUR)
        if o >= 4:
            met["plan"] = step(10 * MINUTE, 12 * HOUR)
            row["plan"] = "安排维修师傅上门查看处理"
            row["visit_at"] = (self.now + rnd.randint(2 * HOUR, 3 * DAY)) if held == "scheduled" else t + DAY
        if o >= 5:
            met["resolve"] = row["resolved_at"] = step(HOUR, 3 * DAY)
            row["resolution"] = "已上门处理完毕，业主确认。"
        if o >= 6:
            step(HOUR, DAY)  # the follow-up call began
        if status == "closed":
            met["follow_up"] = row["closed_at"] = step(HOUR, 2 * DAY)
        elif status in ("cancelled", "merged"):
            row["closed_at"] = step(HOUR, DAY)
            if status == "merged":
                row["merged_into"] = max(1, row["id"] - rnd.randint(1, 100))
        elif status == "reopened":
            row["_reopened"] = step(HOUR, 5 * DAY)
            row["reopen_count"] = 1
        elif status == "on_hold":
            row["_hold"] = step(10 * MINUTE, 2 * DAY)
        row["updated_at"] = t
        row["version"] = steps

    def count(self, row):
        def bump(b):
            self.counts[b] = self.counts.get(b, 0) + 1
        bump("open")
        if not row["assignee_id"]:
            bump("unassigned")
        if row["escalation_level"] > 0:
            bump("escalated")
        if row["department_id"]:
            bump("dept:%d" % row["department_id"])
        if row["assignee_id"]:
            bump("user:%d" % row["assignee_id"])
