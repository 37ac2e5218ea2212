"""Service desk I, intake and triage (工单受理与分派) under /api/v1/tickets: invalid requests
and inquiries answered on the spot close at once; routing by warranty and by the first
matching rule; dispatch by hand, round-robin and least-loaded with a cap; transfer and
return to the pool; queues whose counts equal their lists; Idempotency-Key; every bad
input a clear 4xx that changes nothing; who may do what; per-user notifications; the
unit lookup's open-ticket count; the test clock's guards.

The helpers (DeskMixin) are in test_ticket_flow.py. Servers run with --test-clock 1 and
the desk clock set in 2027 (no national days are seeded there).
"""
import datetime as dt
import threading
import unittest

from harness import backend
from test_plumbing import parse_metrics
from test_records import mk_project
from test_ticket_flow import CST, DeskCase, at, next_seq, parse


# --------------------------------------------------------------------------- intake

class PreparedOnce(DeskCase):
    """SQLite prepares a statement again at its step whenever a value is bound to a parameter
    its plan depends on (one compared with a column of a partial index's condition, such as
    tickets.is_open): as dear as a parse, on every request, and visible only in
    kefu_db_statement_reprepares_total. A desk's round of requests, made twice, must not
    prepare anything the second time."""

    def prepare(self):
        type(self).d = self.dept("property", mode="round_robin", members=("technician",))

    def reprepares(self):
        r = self.as_("admin").get("/metrics")
        self.assertStatus(r, 200)
        m = parse_metrics(r.text)
        return m[("kefu_db_statement_reprepares_total", frozenset())]

    def desk_round(self):
        agent = self.as_("agent")
        unit, _ = self.household()
        made = []
        for code in ("leak", "crack", "leak"):  # the second leak repeats the first
            made.append(self.create(type="repair", unit_id=unit["id"], category_id=self.cat(code),
                                    department_id=self.d))
        self.assertEqual(made[2]["repeat_of"], made[0]["id"])
        self.ok(agent.post("/api/v1/tickets/%d/notes" % made[1]["id"], {"note": "已联系业主"}),
                200, "note")
        self.move(made[1]["id"], "cancelled", note="业主自行修好")
        for q in ("all", "mine", "department", "unassigned", "escalated", "overdue", "due_soon",
                  "follow_up"):
            self.queue(q, client=agent, project_id=1)
        self.counts(agent)
        self.ok(agent.get("/api/v1/tickets", query={"q": "投诉"}), 200, "search")
        for q in (unit["code"], "8000", "13800138000"):
            self.ok(agent.get("/api/v1/lookup", query={"q": q}), 200, "lookup " + q)
        self.ticket(made[0]["id"], client=agent)
        self.events(made[0]["id"])

    def test_a_round_of_requests_prepares_nothing_again(self):
        self.desk_round()
        before = self.reprepares()
        self.desk_round()
        after = self.reprepares()
        if backend() == "sqlite":
            self.assertEqual(after, before)
        else:  # PostgreSQL plans its own way: the counter is SQLite's
            self.assertEqual((before, after), (0, 0))


class Intake(DeskCase):
    def prepare(self):
        type(self).eng = self.dept("engineering")
        type(self).prop = self.dept("property")

    def test_invalid_request_is_closed_with_its_explanation(self):
        reason = "非本小区业主，已告知联系所属物业"
        t = self.create(type="repair", valid=False, invalid_reason=reason)
        self.assertEqual((t["status"], t["is_open"], t["invalid_reason"], t["clocks"],
                          t["department_id"], t["allowed_transitions"]),
                         ("closed_invalid", False, reason, [], None, []))
        self.assertIsNotNone(t["closed_at"])
        ev = self.events(t["id"])
        self.assertEqual([(e["kind"], e["from"], e["to"]) for e in ev],
                         [("created", None, "new"), ("closed_invalid", "new", "closed_invalid")])
        self.assertEqual(ev[1]["note"], reason)
        # without its explanation it is refused
        self.assertReasonKey(self.create(expect=None, valid=False), "invalid_reason")
        r = self.move(t["id"], "dispatched", expect=None)
        self.assertEqual(self.assertError(r, 409, "transition_not_allowed")["allowed"], [])

    def test_invalid_judged_later_keeps_its_explanation(self):
        reason = "重复来电，已并入前一工单处理"
        t = self.create(department_id=self.prop)
        out = self.move(t["id"], "closed_invalid", note=reason)
        self.assertEqual((out["status"], out["is_open"]), ("closed_invalid", False))
        self.assertEqual(self.events(t["id"])[-1]["note"], reason)
        self.assertEqual(out["invalid_reason"], reason)

    def test_inquiry_answered_on_the_spot_closes_at_once(self):
        before = self.counts()
        answer = "物业费每月 1–10 日在服务中心或线上缴纳"
        t = self.create(type="inquiry", category_id=self.cat("fees"), answer=answer)
        self.assertEqual((t["status"], t["is_open"], t["answer"], t["resolution"], t["clocks"],
                          t["allowed_transitions"]),
                         ("closed", False, answer, answer, [], ["reopened"]))
        self.assertIsNotNone(t["resolved_at"])
        self.assertIsNotNone(t["closed_at"])
        self.assertEqual([(e["kind"], e["note"]) for e in self.events(t["id"])],
                         [("created", ""), ("closed", answer)])
        self.assertEqual(self.counts()["open"], before["open"])
        # an answer on anything but an inquiry is refused
        self.assertReasonKey(self.create(expect=None, type="complaint", answer="好的"), "answer",
                             "inquiry_only")

    def test_the_answer_to_intake_is_the_ticket_as_stored(self):
        """The 201 answer is built from the ticket the write stored, not read back: it must
        be exactly what GET shows afterwards, whatever intake did (routed, dispatched and
        escalated with clocks; closed as invalid; answered on the spot)."""
        unit, person = self.household()
        made = [self.create(type="complaint", severity="major", category_id=self.cat("leak"),
                            unit_id=unit["id"], person_id=person["id"]),
                self.create(department_id=self.eng, caller_phone="13912345678"),
                self.create(type="repair", valid=False, invalid_reason="非本小区"),
                self.create(type="inquiry", answer="每月 1–10 日缴纳")]
        self.assertEqual((made[0]["escalation_level"], bool(made[0]["clocks"])), (2, True))
        self.assertEqual(made[1]["department_id"], self.eng)

        def steady(t):  # minutes used move with the clock between the two calls
            return dict(t, clocks=[{k: v for k, v in c.items() if k != "used_minutes"}
                                   for c in t["clocks"]])
        for t in made:
            self.assertEqual(steady(t), steady(self.ticket(t["id"], self.as_("agent"))))

    def test_routing_by_warranty(self):
        today = self.desk_now().astimezone(CST).date().isoformat()
        rules = {r["position"]: r["id"] for r in
                 self.as_("agent").get("/api/v1/routing-rules").json()["items"]}
        inside, _ = self.household(warranty_end="2099-12-31")
        ends_today, _ = self.household(warranty_end=today)
        expired, _ = self.household(warranty_end="2020-01-01")
        leak = self.cat("leak_roof")  # under "leak": the rule on the parent matches
        cases = [
            ("leak in warranty", dict(type="repair", category_id=leak, unit_id=inside["id"]),
             self.eng, rules[10]),
            ("warranty ends today", dict(type="repair", category_id=leak,
                                         unit_id=ends_today["id"]), self.eng, rules[10]),
            ("leak after warranty", dict(type="repair", category_id=leak, unit_id=expired["id"]),
             self.prop, rules[40]),
            ("no unit: neither in nor out", dict(type="repair", category_id=leak),
             self.prop, rules[60]),
            ("complaint in warranty", dict(category_id=self.cat("noise"), unit_id=inside["id"]),
             self.prop, rules[60]),
        ]
        for what, kw, dept, rule in cases:
            with self.subTest(what):
                t = self.create(**kw)
                self.assertEqual((t["department_id"], t["routing_rule_id"], t["status"]),
                                 (dept, rule, "dispatched"))
                self.assertEqual(self.events(t["id"])[0]["data"],
                                 {"routing_rule_id": rule, "department_id": dept, "repeat_of": None})
        # a department named at intake overrides the rules
        t = self.create(category_id=self.cat("noise"), department_id=self.eng)
        self.assertEqual((t["department_id"], t["routing_rule_id"]), (self.eng, None))

    def test_rule_created_at_an_earlier_position_wins(self):
        special = self.dept("other")
        unit, _ = self.household(warranty_end="2099-12-31")
        r = self.as_("admin").post("/api/v1/routing-rules", {
            "position": 5, "name": "渗漏 → 专项组", "project_id": 1,
            "category_id": self.cat("leak"), "department_id": special})
        self.assertStatus(r, 201)
        rule = r.json()
        t = self.create(type="repair", category_id=self.cat("leak_pipe"), unit_id=unit["id"])
        self.assertEqual((t["department_id"], t["routing_rule_id"]), (special, rule["id"]))
        # switched off, the seeded rule takes over again
        r = self.as_("admin").patch("/api/v1/routing-rules/%d" % rule["id"],
                                    {"active": False, "version": rule["version"]})
        self.assertStatus(r, 200)
        t = self.create(type="repair", category_id=self.cat("leak_pipe"), unit_id=unit["id"])
        self.assertEqual(t["department_id"], self.eng)
        # agents may read the rules but not write them
        r = self.as_("agent").post("/api/v1/routing-rules", {
            "position": 1, "name": "x", "department_kind": "property"})
        self.assertError(r, 403, "forbidden")

    def test_idempotency_key(self):
        body = self.body(subject="重复提交测试 %d" % next_seq())
        key = {"Idempotency-Key": "call-%d" % next_seq()}
        agent = self.as_("agent")

        def post(b, client=agent, headers=key):
            return client.request("POST", "/api/v1/tickets", json_body=b, headers=headers)
        first = post(body)
        self.assertStatus(first, 201)
        self.assertIsNone(first.header("Idempotent-Replayed"))
        n = self.db.scalar("SELECT COUNT(*) FROM tickets")
        again = post(dict(reversed(list(body.items()))))  # same request, other key order
        self.assertStatus(again, 200)
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        self.assertEqual((again.json()["id"], again.json()["number"]),
                         (first.json()["id"], first.json()["number"]))
        other = dict(body, subject="另一件事")
        self.assertError(post(other), 422, "idempotency_key_reused")
        self.assertEqual(self.db.scalar("SELECT COUNT(*) FROM tickets"), n)
        # keys belong to their user: the supervisor's same key is a new ticket
        r = post(body, client=self.as_("supervisor"))
        self.assertStatus(r, 201)
        self.assertNotEqual(r.json()["id"], first.json()["id"])
        self.assertReasonKey(post(body, headers={"Idempotency-Key": "k" * 129}),
                             "Idempotency-Key")

    # the key is claimed before the ticket is made: on PostgreSQL the racing inserts
    # wait for the first transaction, then replay its ticket
    def test_idempotency_key_sent_twice_at_once(self):
        for round in range(3):  # a race: three tries at it
            body = self.body(subject="并发重复 %d" % next_seq())
            key = {"Idempotency-Key": "double-%d" % next_seq()}
            out = run_together([lambda c=self.as_("agent").copy(): c.request(
                "POST", "/api/v1/tickets", json_body=body, headers=key) for _ in range(6)])
            self.assertEqual(sorted(r.status for r in out), [200] * 5 + [201], out)
            self.assertEqual(len({r.json()["id"] for r in out}), 1)
            self.assertEqual(self.db.scalar("SELECT COUNT(*) FROM tickets WHERE subject = '%s'"
                                            % body["subject"]), "1")

    def test_lookup_shows_open_tickets_per_unit(self):
        unit, person = self.household(name="查找")
        open_ids = [self.create(unit_id=unit["id"], person_id=person["id"])["id"]
                    for _ in range(2)]
        self.create(unit_id=unit["id"], valid=False, invalid_reason="重复来电")
        lookup = self.as_("agent").get("/api/v1/lookup", query={"q": unit["code"],
                                                                 "project_id": 1}).json()
        found = [u for u in lookup["units"] if u["id"] == unit["id"]]
        self.assertEqual([u.get("open_tickets") for u in found], [2], lookup)
        by_name = self.as_("agent").get("/api/v1/lookup", query={"q": person["name"]}).json()
        self.assertEqual([u.get("open_tickets") for p in by_name["people"] for u in p["units"]],
                         [2], by_name)
        self.move(open_ids[0], "cancelled", note="业主撤回")
        lookup = self.as_("agent").get("/api/v1/lookup", query={"q": unit["code"]}).json()
        self.assertEqual([u["open_tickets"] for u in lookup["units"] if u["id"] == unit["id"]],
                         [1])


# --------------------------------------------------------------------------- dispatch

class Dispatching(DeskCase):
    def test_manual_dispatch_to_a_person(self):
        d = self.dept("other", members=("agent", "technician"))
        t = self.create(department_id=d)  # a manual department: the ticket waits in its pool
        self.assertEqual((t["status"], t["department_id"], t["assignee_id"]),
                         ("dispatched", d, None))
        self.assertIn(t["id"], self.ids("unassigned"))
        self.assertEqual(self.events(t["id"])[1]["data"]["assignee_id"], None)
        tech = self.uid("technician")
        out = self.dispatch(t["id"], department_id=d, assignee_id=tech, note="赵师傅负责",
                            version=t["version"])
        self.assertEqual((out["assignee_id"], out["version"]), (tech, t["version"] + 1))
        ev = self.events(t["id"])[-1]
        self.assertEqual((ev["kind"], ev["note"], ev["data"]["assignee_id"],
                          ev["data"]["from_assignee_id"]), ("transferred", "赵师傅负责", tech, None))
        self.assertEqual(len(self.notes("technician", t["id"], "assigned")), 1)
        self.assertNotIn(t["id"], self.ids("unassigned"))
        self.assertIn(t["id"], self.ids("mine", self.as_("technician")))
        # only a member of the department can be named
        before = self.snapshot(t["id"])
        r = self.dispatch(t["id"], expect=None, department_id=d, assignee_id=self.uid("cashier"))
        self.assertReasonKey(r, "assignee_id", "not_member")
        self.assertEqual(self.snapshot(t["id"]), before)
        self.assertReasonKey(self.create(expect=None, assignee_id=tech), "department_id")

    def test_round_robin_skips_members_off_duty(self):
        rr = [self.staff("rr%d" % i) for i in range(1, 5)]
        d = self.dept("other", mode="round_robin", members=("rr1", "rr2", "rr3", "rr4"),
                      off_duty=("rr3",))
        got = [self.create(department_id=d)["assignee_id"] for _ in range(5)]
        self.assertEqual(got, [rr[0], rr[1], rr[3], rr[0], rr[1]])
        ev = self.events(self.queue("mine", self.as_("rr1"))[0]["id"])
        self.assertEqual([e["kind"] for e in ev], ["created", "dispatched"])

    def test_least_loaded_with_a_cap(self):
        l1, l2, l3 = (self.staff("ll%d" % i) for i in (1, 2, 3))
        d = self.dept("other", mode="least_loaded", cap=2, members=("ll1", "ll2", "ll3"))
        # by hand the cap does not apply: ll1 gets 2, ll2 1
        by_hand = [self.create(department_id=d, assignee_id=u)["id"] for u in (l1, l1, l2)]
        self.assertEqual(self.create(department_id=d)["assignee_id"], l3)   # loads 2 1 0
        self.assertEqual(self.create(department_id=d)["assignee_id"], l2)   # 2 1 1: lowest id
        self.assertEqual(self.create(department_id=d)["assignee_id"], l3)   # 2 2 1
        waiting = self.create(department_id=d)                               # 2 2 2: all at cap
        self.assertEqual((waiting["status"], waiting["department_id"], waiting["assignee_id"]),
                         ("dispatched", d, None))
        self.assertIn(waiting["id"], self.ids("unassigned"))
        self.assertIn(waiting["id"], self.ids("department", department_id=d))
        self.assertEqual(len(self.queue("mine", self.as_("ll1"))), 2)
        # a closed ticket frees a place: only open tickets count
        self.move(by_hand[0], "cancelled", note="业主撤回")
        self.assertEqual(self.create(department_id=d)["assignee_id"], l1)

    def test_least_loaded_tie_goes_to_the_lowest_id(self):
        a, _ = self.staff("tie1"), self.staff("tie2")
        d = self.dept("other", mode="least_loaded", members=("tie1", "tie2"))
        first = self.create(department_id=d)
        self.assertEqual(first["assignee_id"], a)
        self.move(first["id"], "cancelled", note="重复")   # loads back to 0 / 0
        self.assertEqual(self.create(department_id=d)["assignee_id"], a)

    def test_transfer_and_return_to_the_pool(self):
        d1 = self.dept("property", members=("technician",))
        d2 = self.dept("engineering", members=("agent", "supervisor"))
        tech, agent = self.uid("technician"), self.uid("agent")
        t = self.create(department_id=d1, assignee_id=tech)
        self.dispatch(t["id"], department_id=d2, assignee_id=agent, note="属工程问题")
        ev = self.events(t["id"])[-1]
        self.assertEqual((ev["kind"], ev["from"], ev["to"], ev["note"], ev["data"]),
                         ("transferred", "dispatched", "dispatched", "属工程问题",
                          {"from_department_id": d1, "department_id": d2,
                           "from_assignee_id": tech, "assignee_id": agent}))
        self.assertEqual(len(self.notes("agent", t["id"], "assigned")), 1)
        # back to the pool: a note is owed; the department stays, the person goes
        self.assertReasonKey(self.move(t["id"], "new", expect=None), "note")
        out = self.move(t["id"], "new", note="本人休假，退回重派")
        self.assertEqual((out["status"], out["department_id"], out["assignee_id"]),
                         ("new", d2, None))
        ev = self.events(t["id"])[-1]
        self.assertEqual((ev["kind"], ev["from"], ev["to"], ev["note"]),
                         ("status", "dispatched", "new", "本人休假，退回重派"))
        self.assertIn(t["id"], self.ids("unassigned"))
        out = self.dispatch(t["id"], assignee_id=self.uid("supervisor"))  # department kept
        self.assertEqual((out["department_id"], out["status"]), (d2, "dispatched"))
        self.assertEqual(self.kinds(t["id"])[-1], "redispatched")
        # acknowledging a pool ticket claims it
        pool = self.create(department_id=d2)
        self.assertIsNone(pool["assignee_id"])
        self.assertEqual(self.move(pool["id"], "acknowledged")["assignee_id"], agent)

    def test_queues_and_counts_follow_every_change(self):
        d = self.dept("other", members=("agent", "technician"))
        agent, me = self.uid("agent"), self.as_("agent")
        base = self.assertCountsMatchLists(msg="start")
        mine0 = self.assertCountsMatchLists(me, msg="agent start")["mine"]
        t1 = self.create(department_id=d, assignee_id=agent)["id"]
        t2 = self.create(department_id=d)["id"]
        t3 = self.create(department_id=d, assignee_id=self.uid("technician"))["id"]
        c = self.assertCountsMatchLists(msg="created")
        self.assertEqual((c["open"], c["unassigned"]), (base["open"] + 3, base["unassigned"] + 1))
        self.assertEqual([x["open"] for x in c["departments"] if x["department_id"] == d], [3])
        self.assertEqual(self.assertCountsMatchLists(me, msg="agent")["mine"], mine0 + 1)
        self.assertEqual(set(self.ids("department", me, department_id=d)), {t1, t2, t3})
        self.move(t1, "new", note="退回")
        self.move(t2, "acknowledged")                      # claimed by the agent
        self.move(t3, "cancelled", note="重复工单")
        c = self.assertCountsMatchLists(msg="changed")
        self.assertEqual((c["open"], c["unassigned"]), (base["open"] + 2, base["unassigned"] + 1))
        self.assertEqual(self.ids("mine", me)[0], t2)
        # the acknowledge deadline of t1 (in the pool) passes: overdue and escalated
        self.set_clock(minutes=7 * 24 * 60)
        c = self.assertCountsMatchLists(msg="a week later")
        self.assertIn(t1, self.ids("overdue"))
        self.assertIn(t1, self.ids("escalated"))
        self.assertNotIn(t3, self.ids("escalated"))
        self.assertEqual(self.ticket(t1)["escalation_level"], 2)
        self.assertCountsMatchLists(me, msg="agent, a week later")
        # a new ticket's first deadline is due within the week
        t4 = self.create(department_id=d, assignee_id=agent)["id"]
        self.assertIn(t4, self.ids("due_soon", within_minutes=60 * 24 * 7))
        self.assertEqual(self.counts()["due_soon"], len(self.queue("due_soon", project_id=1)))
        for q in ("all", "unassigned", "escalated", "overdue", "due_soon"):  # page by page
            self.assertEqual(self.ids(q, limit=2, within_minutes=60 * 24 * 7),
                             self.ids(q, within_minutes=60 * 24 * 7), q)
        r = self.as_("admin").get("/api/v1/tickets", query={"queue": "later"})
        self.assertReasonKey(r, "queue")

    def test_parallel_intake_takes_turns_and_keeps_the_cap(self):
        users = [self.staff("pp%d" % i) for i in (1, 2, 3)]
        d = self.dept("other", mode="least_loaded", cap=1, members=("pp1", "pp2", "pp3"))
        out = run_together([lambda c=self.as_("agent").copy(): c.post(
            "/api/v1/tickets", self.body(department_id=d)) for _ in range(5)])
        self.assertEqual([r.status for r in out], [201] * 5, out)
        got = sorted((r.json()["assignee_id"] or 0) for r in out)
        self.assertEqual(got, [0, 0] + users)
        c = self.assertCountsMatchLists(msg="parallel")
        self.assertEqual([x["open"] for x in c["departments"] if x["department_id"] == d], [5])


# --------------------------------------------------------------------------- bad input

class BadInput(DeskCase):
    def prepare(self):
        cls = type(self)
        cls.d = self.dept("property", members=("agent", "supervisor"))
        boss = self.as_("admin")
        cls.p2 = mk_project(boss)["id"]
        cls.p2_unit, cls.p2_person = self.household(cls.p2)
        cls.p2_dept = self.dept("property", project=cls.p2)

    def fresh(self, **kw):
        return self.create(department_id=self.d, assignee_id=self.uid("agent"), **kw)

    def test_bad_intake_answers_422_and_writes_nothing(self):
        cases = [
            ("unknown category", dict(category_id=999999), "category_id", "unknown_category"),
            ("person of another project", dict(person_id=self.p2_person["id"]), "person_id",
             "unknown_reference"),
            ("unit of another project", dict(unit_id=self.p2_unit["id"]), "unit_id",
             "unknown_reference"),
            ("department of another project", dict(department_id=self.p2_dept), "department_id",
             "unknown_reference"),
            ("project not the agent's", dict(project_id=self.p2), "project_id", None),
            ("missing subject", dict(subject=None), "subject", "required"),
            ("empty subject", dict(subject=""), "subject", None),
            ("bad channel", dict(channel="fax"), "channel", "not_in_list"),
            ("bad type", dict(type="rant"), "type", "not_in_list"),
            ("bad severity", dict(severity="urgent"), "severity", "not_in_list"),
            ("invalid caller phone", dict(caller_phone="12345"), "caller_phone", "invalid_mobile"),
            ("no caller at all", dict(caller_phone=None), "caller_phone", "caller_required"),
            ("unknown field", dict(priority="high"), "priority", None),
        ]
        before = self.snapshot()
        for what, kw, field, reason in cases:
            with self.subTest(what):
                self.assertReasonKey(self.create(expect=None, **kw), field, reason, what)
        self.assertEqual(self.snapshot(), before)

    def test_visit_time_in_the_past(self):
        t = self.fresh()
        self.move(t["id"], "acknowledged")
        t = self.move(t["id"], "contacted")
        before = self.snapshot(t["id"])
        past = (self.desk_now() - dt.timedelta(hours=1)).isoformat()
        r = self.move(t["id"], "scheduled", expect=None, plan="更换角阀", visit_at=past,
                      version=t["version"])
        self.assertReasonKey(r, "visit_at", "in_past")
        self.assertReasonKey(self.move(t["id"], "scheduled", expect=None, plan="更换角阀",
                                       visit_at="明天上午"), "visit_at")
        self.assertReasonKey(self.move(t["id"], "scheduled", expect=None,
                                       visit_at=past), "plan", "required")
        self.assertEqual(self.snapshot(t["id"]), before)
        future = (self.desk_now() + dt.timedelta(days=1)).replace(microsecond=0)
        out = self.move(t["id"], "scheduled", plan="更换角阀", visit_at=future.isoformat(),
                        version=t["version"])
        self.assertEqual((out["status"], out["plan"], parse(out["visit_at"])),
                         ("scheduled", "更换角阀", future))

    def test_transition_not_allowed_lists_the_allowed(self):
        t = self.fresh()
        before = self.snapshot(t["id"])
        err = self.assertError(self.move(t["id"], "resolved", expect=None, resolution="好了"),
                               409, "transition_not_allowed")
        self.assertEqual(err["allowed"], t["allowed_transitions"])
        self.assertEqual(err["allowed"], ["new", "dispatched", "acknowledged", "on_hold",
                                          "cancelled", "merged", "closed_invalid"])
        self.assertEqual(self.snapshot(t["id"]), before)
        self.assertReasonKey(self.move(t["id"], "done", expect=None), "to", "not_in_list")
        # on hold: only back where it was, or cancelled
        self.move(t["id"], "on_hold", hold_reason="materials", note="等配件")
        err = self.assertError(self.move(t["id"], "contacted", expect=None), 409,
                               "transition_not_allowed")
        self.assertEqual(err["allowed"], ["dispatched", "cancelled"])
        self.assertReasonKey(self.move(t["id"], "on_hold", expect=None, note="x",
                                       hold_reason="weather"), "hold_reason", "not_in_list")
        self.move(t["id"], "cancelled", note="业主撤回")
        err = self.assertError(self.move(t["id"], "reopened", expect=None, note="x"), 409,
                               "transition_not_allowed")
        self.assertEqual(err["allowed"], [])

    def test_stale_version_and_two_agents_at_once(self):
        t = self.fresh()
        v = t["version"]
        self.move(t["id"], "acknowledged", version=v)
        before = self.snapshot(t["id"])
        self.assertError(self.move(t["id"], "contacted", expect=None, version=v), 409,
                         "version_conflict")
        r = self.as_("agent").patch("/api/v1/tickets/%d" % t["id"],
                                    {"subject": "改", "version": v})
        self.assertError(r, 409, "version_conflict")
        self.assertEqual(self.snapshot(t["id"]), before)
        v = before[0]["version"]
        out = run_together([
            lambda c=self.as_(who).copy(): c.post("/api/v1/tickets/%d/transitions" % t["id"],
                                                  {"to": "contacted", "version": v})
            for who in ("agent", "supervisor")])
        self.assertEqual(sorted(r.status for r in out), [200, 409], out)
        self.assertError([r for r in out if r.status == 409][0], 409, "version_conflict")
        self.assertEqual(self.ticket(t["id"])["version"], v + 1)
        self.assertEqual(self.kinds(t["id"]).count("status"), 2)  # acknowledged, contacted

    def test_bad_patch_writes_nothing(self):
        t = self.fresh()
        before = self.snapshot(t["id"])
        for what, body, field in [
                ("person of another project", {"person_id": self.p2_person["id"]}, "person_id"),
                ("unit of another project", {"unit_id": self.p2_unit["id"]}, "unit_id"),
                ("unknown category", {"category_id": 999999}, "category_id"),
                ("bad severity", {"severity": "urgent"}, "severity"),
                ("empty subject", {"subject": ""}, "subject"),
                ("status is not patched", {"status": "closed"}, "status")]:
            with self.subTest(what):
                r = self.as_("agent").patch("/api/v1/tickets/%d" % t["id"], body)
                self.assertReasonKey(r, field, msg=what)
        self.assertEqual(self.snapshot(t["id"]), before)

    def test_bad_dispatch_and_merge(self):
        t = self.fresh()
        before = self.snapshot(t["id"])
        self.assertReasonKey(self.dispatch(t["id"], expect=None, department_id=self.p2_dept),
                             "department_id", "unknown_reference")
        self.assertReasonKey(self.dispatch(t["id"], expect=None, department_id=999999),
                             "department_id")
        self.assertReasonKey(self.move(t["id"], "merged", expect=None, merged_into=t["id"]),
                             "merged_into")
        self.assertEqual(self.snapshot(t["id"]), before)
        self.assertError(self.dispatch(999999, expect=None, department_id=self.d), 404,
                         "not_found")
        into = self.fresh()
        out = self.move(t["id"], "merged", merged_into=into["id"], note="同一漏水")
        self.assertEqual((out["status"], out["merged_into"], out["is_open"]),
                         ("merged", into["id"], False))


# --------------------------------------------------------------------------- access

class Access(DeskCase):
    def prepare(self):
        cls = type(self)
        cls.d = self.dept("property", members=("technician", "agent"))
        cls.p2 = mk_project(self.as_("admin"))["id"]
        self.staff("outsider", role="agent", projects=(cls.p2,))

    def test_cashier_and_resident_cannot_create(self):
        before = self.snapshot()
        for who in ("cashier", "resident"):
            with self.subTest(who):
                self.assertError(self.create(self.as_(who), expect=None), 403, "forbidden")
        self.assertError(self.as_("resident").get("/api/v1/tickets"), 403, "forbidden")
        self.assertEqual(self.snapshot(), before)

    def test_technician_cannot_dispatch(self):
        t = self.create(department_id=self.d, assignee_id=self.uid("technician"))
        tech = self.as_("technician")
        before = self.snapshot(t["id"])
        self.assertError(self.dispatch(t["id"], tech, expect=None, department_id=self.d,
                                       assignee_id=self.uid("agent")), 403, "forbidden")
        self.assertError(self.move(t["id"], "dispatched", tech, expect=None,
                                   assignee_id=self.uid("agent")), 403, "forbidden")
        self.assertEqual(self.snapshot(t["id"]), before)
        # but works on the ticket
        self.assertEqual(self.move(t["id"], "acknowledged", tech)["status"], "acknowledged")

    def test_staff_of_another_project_see_nothing(self):
        t = self.create(department_id=self.d)
        out = self.as_("outsider")
        before = self.snapshot(t["id"])
        tid = t["id"]
        for what, r in [
                ("get", out.get("/api/v1/tickets/%d" % tid)),
                ("events", out.get("/api/v1/tickets/%d/events" % tid)),
                ("transition", out.post("/api/v1/tickets/%d/transitions" % tid,
                                        {"to": "cancelled", "note": "x"})),
                ("dispatch", out.post("/api/v1/tickets/%d/dispatch" % tid,
                                      {"department_id": self.d})),
                ("patch", out.patch("/api/v1/tickets/%d" % tid, {"subject": "x"})),
                ("onsite", out.post("/api/v1/tickets/%d/onsite" % tid, {"note": "x"}))]:
            with self.subTest(what):
                self.assertError(r, 404, "not_found")
        self.assertEqual(self.snapshot(t["id"]), before)
        self.assertNotIn(tid, self.ids("all", out))
        self.assertEqual(self.counts(out, project=self.p2)["open"], 0)
        self.assertReasonKey(out.get("/api/v1/tickets/queues", query={"project_id": 1}),
                             "project_id")

    def test_test_clock_is_for_admins(self):
        for who in ("manager", "agent"):
            r = self.as_(who).post("/api/v1/test/clock", {"advance_minutes": 5})
            self.assertError(r, 403, "forbidden")
        r = self.as_("admin").post("/api/v1/test/clock", {"now": "2027-03-01T09:00:00+08:00"})
        self.assertStatus(r, 200)   # never backwards: the clock stays where it was
        self.assertGreaterEqual(parse(r.json()["now"]), at(self.START))
        self.assertReasonKey(self.as_("admin").post("/api/v1/test/clock", {}), "advance_minutes")
        self.assertReasonKey(self.as_("admin").post("/api/v1/test/clock",
                                                    {"advance_minutes": -5}), "advance_minutes")
        self.assertReasonKey(self.as_("admin").post("/api/v1/test/clock", {"now": "soon"}), "now")

    def test_notifications_are_per_user(self):
        t = self.create(department_id=self.d, assignee_id=self.uid("technician"))
        mine = self.notes("technician", t["id"], "assigned")
        self.assertEqual(len(mine), 1)
        n = mine[0]
        self.assertEqual((n["text"], n["milestone"], n["read_at"]),
                         ("A ticket was assigned to you", None, None))
        zh = self.server.login("technician")  # no Accept-Language: Chinese
        self.assertEqual(self.notes("technician", t["id"], client=zh)[0]["text"],
                         "新工单已派给您")
        self.assertEqual(self.db.scalar("SELECT COUNT(*) FROM outbox WHERE notification_id = %d"
                                        % n["id"]), "2")
        # another user's notification does not exist for the agent
        r = self.as_("agent").post("/api/v1/notifications/%d/read" % n["id"])
        self.assertError(r, 404, "not_found")
        self.assertEqual(self.notes("technician", t["id"])[0]["read_at"], None)
        tech = self.as_("technician")
        unread = tech.get("/api/v1/notifications", query={"unread": "true"}).json()["unread"]
        self.assertStatus(tech.post("/api/v1/notifications/%d/read" % n["id"]), 204)
        j = tech.get("/api/v1/notifications", query={"unread": "true"}).json()
        self.assertEqual(j["unread"], unread - 1)
        self.assertNotIn(n["id"], [x["id"] for x in j["items"]])
        self.create(department_id=self.d, assignee_id=self.uid("technician"))  # one more
        r = tech.post("/api/v1/notifications/read-all")
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["marked"], unread)
        self.assertEqual(tech.get("/api/v1/notifications", query={"unread": "true"}).json(),
                         {"items": [], "next_cursor": None, "unread": 0})


class WithoutTestClock(DeskCase):
    TEST_CLOCK = False

    def test_test_clock_route_is_absent(self):
        r = self.as_("admin").post("/api/v1/test/clock", {"advance_minutes": 5})
        self.assertError(r, 404, "not_found")
        self.assertError(self.as_("agent").post("/api/v1/test/clock", {"advance_minutes": 5}),
                         403, "forbidden")


def run_together(fns):
    """Calls each of FNS from its own thread at the same moment; their results in order."""
    out, errors = [None] * len(fns), []
    gate = threading.Barrier(len(fns))

    def run(i):
        try:
            gate.wait(10)
            out[i] = fns[i]()
        except Exception as e:  # re-raised in the test's thread
            errors.append(e)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return out
