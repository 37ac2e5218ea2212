"""Service desk I, a complaint's life against the seeded policies (工单流转与时限): routed
and dispatched at intake; the 3 h / 24 h / 48 h targets counted in working time (Mon–Fri
08:30–12:00 and 13:30–18:00, Asia/Shanghai); the reminder to the assignee at 80 %, the
breach to the supervisor (level 1), the further delay to the manager (level 2); on hold
pausing the clocks over working time only and the resume moving the deadlines; the plan
and visit; resolution; the timeline in order. Also: holidays and make-up days of a
project's calendar; a major complaint at intake; reopening; re-targeting on a change of
severity; the acknowledge clock starting at the first dispatch; no reminder once the
deadline has passed; a pool ticket's reminder to the department's members on duty.

The desk clock is the test clock (--test-clock 1), set to instants in 2027, a year with
no seeded national days. Every expected deadline below is worked out by hand from the
calendar; the comment beside it shows the arithmetic. The desk clock keeps ticking in real
time after each set, so instants are compared give or take a minute (assertAt) and no
expected deadline sits exactly on the edge of a working window.

DeskMixin (helpers for every desk test) is shared with test_tickets.py.
"""
import os
import subprocess
import datetime as dt

from harness import DEMO_PASSWORD, DEMO_USERS, ServerTestCase
from test_records import (RecordsMixin, mk_building, mk_occupancy, mk_person, mk_project,
                          mk_unit)

CST = dt.timezone(dt.timedelta(hours=8))
ENDED = ("closed", "cancelled", "merged", "closed_invalid")  # states no longer open


def at(local):
    """'2027-03-01 10:00' in Asia/Shanghai as an aware datetime."""
    return dt.datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def iso(local):
    return at(local).isoformat()


def parse(value):
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


class DeskMixin(RecordsMixin):
    """Helpers for the desk tests (mixed into a ServerTestCase). START: the desk clock
    (local time) set before the first test of the class; prepare(): per-class setup."""

    TEST_CLOCK = True
    START = "2027-03-01 10:00"  # a Monday
    VERIFY_ROLLUPS = True  # after the class's scenario: `kefu verify rollups` finds no difference

    @classmethod
    def key_file_args(cls):
        return super().key_file_args() + (("--test-clock", "1") if cls.TEST_CLOCK else ())

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._clients, cls._uids, cls._cats, cls._ready = {}, {}, None, False

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.VERIFY_ROLLUPS:
                p = subprocess.run([os.environ["KEFU_BIN"], "verify", "rollups", "--db",
                                    cls.db.url], capture_output=True, timeout=300)
                if p.returncode != 0:
                    raise AssertionError("kefu verify rollups after %s:\n%s%s" % (
                        cls.__name__, p.stdout.decode(), p.stderr.decode()))
        finally:
            super().tearDownClass()

    def setUp(self):
        if not type(self)._ready:
            type(self)._ready = True
            if self.TEST_CLOCK and self.START:
                self.set_clock(self.START)
            self.prepare()

    def prepare(self):
        pass

    # ---- people and the clock
    def as_(self, login):
        """A logged-in English client for LOGIN, shared by the class."""
        if login not in self._clients:
            password = DEMO_PASSWORD if login in DEMO_USERS else "password-123"
            self._clients[login] = self.server.login(login, password, lang="en")
        return self._clients[login]

    def uid(self, login):
        if login not in self._uids:
            self._uids[login] = self.user_id(login)
        return self._uids[login]

    def staff(self, login, role="technician", projects=(1,)):
        self.create_user(login, role=role, project_ids=projects)
        return self.uid(login)

    def set_clock(self, local=None, minutes=None):
        body = {"now": iso(local)} if local else {"advance_minutes": minutes or 0}
        return self.ok(self.as_("admin").post("/api/v1/test/clock", body), 200, body)

    def desk_now(self):
        return parse(self.set_clock(minutes=0)["now"])

    def assertAt(self, value, local, slack=90, msg=None):
        """VALUE (API time) is LOCAL give or take SLACK seconds: the desk clock ticks on
        in real time after each set, so instants carry the seconds a test took."""
        self.assertIsNotNone(value, msg)
        got, want = parse(value), at(local)
        self.assertLess(abs((got - want).total_seconds()), slack,
                        "%s: %s is not %s (+08:00)" % (msg or "", got.astimezone(CST), local))

    def ok(self, r, expect, what):
        """R's JSON after checking its status is EXPECT; R itself when EXPECT is None."""
        if expect is None:
            return r
        self.assertStatus(r, expect, str(what))
        return r.json() if r.body else None

    def pages(self, client, path, query):
        out, q = [], dict({"limit": 200}, **query)
        while True:
            j = self.ok(client.get(path, query=q), 200, path)
            out += j["items"]
            if not j["next_cursor"]:
                return out
            q["cursor"] = j["next_cursor"]

    # ---- records
    def cat(self, code):
        if self._cats is None:
            r = self.as_("admin").get("/api/v1/ticket-categories")
            type(self)._cats = {c["code"]: c["id"] for c in r.json()["items"]}
        return self._cats[code]

    def dept(self, kind="property", mode="manual", cap=0, members=(), project=1, off_duty=()):
        c = self.as_("admin")
        d = self.ok(c.post("/api/v1/departments", {
            "project_id": project, "code": "D%d" % next_seq(), "name": "部门 %s" % kind,
            "kind": kind, "dispatch_mode": mode, "max_open_per_person": cap}), 201, "department")
        self.assertEqual((d["dispatch_mode"], d["max_open_per_person"]), (mode, cap))
        for login in members:
            self.ok(c.post("/api/v1/department-members", {
                "project_id": project, "department_id": d["id"], "user_id": self.uid(login),
                "on_duty": login not in off_duty}), 201, "member " + login)
        return d["id"]

    def household(self, project=1, warranty_end=None, name="业主"):
        """A unit (with WARRANTY_END) and its owner; (unit row, person row)."""
        c = self.as_("admin")
        b = mk_building(c, project)
        kw = {"warranty_end": warranty_end} if warranty_end else {}
        u = mk_unit(c, b["id"], project, **kw)
        p = mk_person(c, project, "%s%d" % (name, next_seq()), mobiles=["13800138000"])
        mk_occupancy(c, p["id"], u["id"], project)
        return u, p

    # ---- tickets
    def body(self, **kw):
        b = {"project_id": 1, "type": "complaint", "channel": "phone",
             "subject": "投诉 %d" % next_seq(), "caller_name": "孙先生",
             "caller_phone": "13800138000"}
        b.update(kw)
        return {k: v for k, v in b.items() if v is not None}

    def create(self, client=None, expect=201, headers=None, **kw):
        return self.ok((client or self.as_("agent")).request(
            "POST", "/api/v1/tickets", json_body=self.body(**kw), headers=headers), expect, kw)

    def ticket(self, tid, client=None):
        return self.ok((client or self.as_("admin")).get("/api/v1/tickets/%d" % tid), 200, tid)

    def move(self, tid, to, client=None, expect=200, **kw):
        return self.ok((client or self.as_("agent")).post(
            "/api/v1/tickets/%d/transitions" % tid, dict(kw, to=to)), expect, (tid, to))

    def dispatch(self, tid, client=None, expect=200, **kw):
        return self.ok((client or self.as_("agent")).post(
            "/api/v1/tickets/%d/dispatch" % tid, kw), expect, (tid, kw))

    def events(self, tid):
        return self.pages(self.as_("admin"), "/api/v1/tickets/%d/events" % tid, {})

    def kinds(self, tid):
        return [e["kind"] for e in self.events(tid)]

    @staticmethod
    def clock(t, milestone):
        return [c for c in t["clocks"] if c["milestone"] == milestone][0]

    def notes(self, login, ticket=None, kind=None, client=None):
        """LOGIN's notifications, optionally of one ticket and kind."""
        return [n for n in self.pages(client or self.as_(login), "/api/v1/notifications", {})
                if ticket in (None, n["ticket_id"]) and kind in (None, n["kind"])]

    # ---- queues
    def queue(self, name, client=None, **q):
        if name not in ("overdue", "due_soon"):
            q.pop("within_minutes", None)
        return self.pages(client or self.as_("admin"), "/api/v1/tickets", dict(q, queue=name))

    def ids(self, name, client=None, **q):
        return [t["id"] for t in self.queue(name, client, **q)]

    def counts(self, client=None, project=1):
        return self.ok((client or self.as_("admin")).get(
            "/api/v1/tickets/queues", query={"project_id": project}), 200, "queues")

    def assertCountsMatchLists(self, client=None, project=1, msg=""):
        """Every count of /tickets/queues equals the length of its list."""
        c = self.counts(client, project)
        for q in ("mine", "unassigned", "escalated", "overdue", "due_soon"):
            self.assertEqual(c[q], len(self.queue(q, client, project_id=project)),
                             "%s: count of %s" % (msg, q))
        every = self.queue("all", client, project_id=project)
        self.assertEqual(c["open"], len([t for t in every if t["status"] not in ENDED]),
                         "%s: open" % msg)
        for d in c["departments"]:
            n = len(self.queue("department", client, project_id=project,
                               department_id=d["department_id"]))
            self.assertEqual(d["open"], n, "%s: department %d" % (msg, d["department_id"]))
        return c

    def snapshot(self, tid=None):
        """What a refused write must leave as it was."""
        t = self.ticket(tid) if tid else {}
        return ({k: t.get(k) for k in ("status", "version", "updated_at", "assignee_id",
                                       "department_id", "visit_at", "plan")},
                [self.db.scalar("SELECT COUNT(*) FROM %s" % table)
                 for table in ("tickets", "ticket_events", "notifications", "outbox")],
                {k: v for k, v in self.counts().items() if k not in ("due_soon", "overdue")})

    def assertReasonKey(self, resp, field, key=None, msg=None):
        """422 naming FIELD; its reason is translated (not the raw KEY)."""
        err = self.assertValidation(resp, field, msg=msg)
        reason = err["fields"][field]
        self.assertTrue(reason and reason != key, "%s: %s reason %r" % (msg or "", field, reason))
        return err


_seq = iter(range(1, 10 ** 9))


def next_seq():
    return next(_seq)


class DeskCase(DeskMixin, ServerTestCase):
    pass


# --------------------------------------------------------------------------- the flow

def minutes_between(a, b):
    return (at(b) - at(a)).total_seconds() / 60


class ComplaintFlow(DeskCase):
    START = "2027-03-01 10:00"  # Monday

    def prepare(self):
        type(self).prop = self.dept("property", mode="round_robin", members=("technician",))

    def assertPausedAbout(self, clock, minutes):
        """Paused minutes, give or take one (the clock ticks a little between sets)."""
        self.assertLessEqual(abs(clock["paused_minutes"] - minutes), 1, clock)

    def test_the_answer_to_a_creation_is_the_ticket_as_read(self):
        """A new ticket is answered from what intake read before the write (its category's
        code and name in the caller's language, its unit's code) and from the ticket as the
        write stored it: the same as reading it, and as replaying its Idempotency-Key."""
        unit, person = self.household()
        zh = self.server.login("agent", DEMO_PASSWORD, lang="zh-CN")
        names = set()
        for client in (self.as_("agent"), zh):
            body = self.body(category_id=self.cat("noise"), person_id=person["id"],
                             unit_id=unit["id"])
            key = {"Idempotency-Key": "answer-%d" % next_seq()}
            made = self.ok(client.request("POST", "/api/v1/tickets", json_body=body, headers=key),
                           201, body)
            again = self.ok(client.request("POST", "/api/v1/tickets", json_body=body, headers=key),
                            200, body)
            read = self.ticket(made["id"], client)
            for other in (read, again):
                # a clock's used minutes may tick between the two answers
                self.assertEqual({k: v for k, v in made.items() if k != "clocks"},
                                 {k: v for k, v in other.items() if k != "clocks"})
                self.assertEqual([(c["milestone"], c["due_at"]) for c in made["clocks"]],
                                 [(c["milestone"], c["due_at"]) for c in other["clocks"]])
            self.assertEqual(made["caller"]["unit_code"], unit["code"])
            self.assertEqual(made["category"]["code"], "noise")
            names.add(made["category"]["name"])
        self.assertEqual(len(names), 2, names)  # one name in English, one in Chinese

    def test_a_ticket_read_names_its_category_and_unit_or_none(self):
        """A ticket page names the category (in the reader's language) and the unit's code,
        read with the ticket itself; a ticket with neither shows none of them."""
        unit, person = self.household()
        t = self.create(category_id=self.cat("noise"), person_id=person["id"], unit_id=unit["id"])
        bare = self.create()
        cats = {c["code"]: c for c in self.as_("admin").get("/api/v1/ticket-categories")
                .json()["items"]}
        zh = self.server.login("agent", DEMO_PASSWORD, lang="zh-CN")
        for client, name in ((self.as_("agent"), cats["noise"]["name_en"]),
                             (zh, cats["noise"]["name_zh"])):
            read = self.ticket(t["id"], client)
            self.assertEqual(read["category"], {"id": self.cat("noise"), "code": "noise",
                                                "name": name})
            self.assertEqual((read["caller"]["unit_id"], read["caller"]["unit_code"]),
                             (unit["id"], unit["code"]))
            b = self.ticket(bare["id"], client)
            self.assertEqual((b["category"], b["caller"]["unit_id"], b["caller"]["unit_code"]),
                             (None, None, None))

    def test_complaint_from_call_to_resolution(self):
        tech, tech_c = self.uid("technician"), self.as_("technician")
        unit, person = self.household(warranty_end="2099-12-31")
        seeded = {r["position"]: r["id"] for r in
                  self.as_("agent").get("/api/v1/routing-rules").json()["items"]}
        t = self.create(category_id=self.cat("noise"), person_id=person["id"],
                        unit_id=unit["id"], caller_name=person["name"],
                        caller_phone="13912345678", subject="楼上夜间噪音",
                        description="每晚 23 点后仍有装修噪音")
        tid = t["id"]
        # routed by the default rule to property, dispatched at once (round-robin)
        self.assertEqual((t["status"], t["department_id"], t["assignee_id"], t["routing_rule_id"],
                          t["escalation_level"], t["severity"], t["is_open"]),
                         ("dispatched", self.prop, tech, seeded[60], 0, "general", True))
        self.assertEqual(t["caller"], {"person_id": person["id"], "unit_id": unit["id"],
                                       "unit_code": unit["code"], "name": person["name"],
                                       "phone": "139****5678"})
        self.assertTrue(t["number"].startswith("20270301-"), t["number"])
        self.assertEqual(len(self.notes("technician", tid, "assigned")), 1)
        # the targets, in working time from Monday 10:00
        want = {
            "acknowledge": (180, "2027-03-01 14:30"),  # 10:00–12:00, 13:30–14:30
            "contact": (1440, "2027-03-04 10:00"),     # three 8-hour working days
            "plan": (2880, "2027-03-09 10:00"),        # six working days, the weekend skipped
            "resolve": (2100, "2027-03-05 14:30"),     # four days and 180 minutes
        }
        for m, (target, due) in want.items():
            c = self.clock(t, m)
            self.assertEqual((c["target_minutes"], c["state"], c["basis"], c["started_at"],
                              c["breached"], c["paused_minutes"]),
                             (target, "running", "working", t["created_at"], False, 0), m)
            self.assertAt(c["due_at"], due, msg=m)
        fu = self.clock(t, "follow_up")
        self.assertEqual((fu["target_minutes"], fu["state"], fu["due_at"]), (840, "pending", None))
        self.assertAt(self.clock(t, "acknowledge")["remind_at"], "2027-03-01 13:54")  # 144 min
        self.assertEqual(t["next_due_at"], self.clock(t, "acknowledge")["due_at"])

        # 13:55: 80 % of the acknowledge target has passed — a reminder to the assignee
        self.set_clock("2027-03-01 13:55")
        t = self.ticket(tid)
        ack = self.clock(t, "acknowledge")
        self.assertAt(ack["reminded_at"], "2027-03-01 13:55")
        self.assertEqual((ack["breached"], t["escalation_level"]), (False, 0))
        remind = self.notes("technician", tid, "remind")
        self.assertEqual([(n["milestone"], n["text"]) for n in remind],
                         [("acknowledge", "Due soon: acknowledgement")])
        self.assertEqual(self.notes("supervisor", tid), [])
        ev = self.events(tid)[-1]
        self.assertEqual((ev["kind"], ev["data"], ev["actor_id"]),
                         ("reminded", {"milestone": "acknowledge"}, None))

        # 14:31: the acknowledge deadline is missed — the supervisors hear of it (level 1)
        self.set_clock("2027-03-01 14:31")
        t = self.ticket(tid)
        ack = self.clock(t, "acknowledge")
        self.assertEqual((t["escalation_level"], ack["breached"], ack["breached_at"]),
                         (1, True, ack["due_at"]))
        breach = self.notes("supervisor", tid, "breach")
        self.assertEqual([(n["milestone"], n["text"]) for n in breach], [
            ("acknowledge", "Overdue: acknowledgement (escalated to the supervisor)")])
        self.assertEqual(self.notes("manager", tid), [])
        self.assertEqual(len(self.notes("technician", tid, "remind")), 1)
        self.assertEqual(self.db_rows("SELECT channel FROM outbox WHERE notification_id = %d"
                                      " ORDER BY channel" % breach[0]["id"]),
                         [("email",), ("sms",)])
        ev = self.events(tid)[-1]
        self.assertEqual((ev["kind"], ev["data"]), ("breached", {"milestone": "acknowledge",
                                                                  "level": 1}))
        self.assertIn(tid, self.ids("escalated"))
        self.assertIn(tid, self.ids("overdue"))
        self.assertCountsMatchLists(msg="after the breach")

        # 90 working minutes after the breach (16:00) the managers hear of it (level 2)
        self.set_clock("2027-03-01 15:58")
        self.assertEqual(self.notes("manager", tid), [])
        self.set_clock("2027-03-01 16:01")
        t = self.ticket(tid)
        self.assertEqual(t["escalation_level"], 2)
        self.assertAt(self.clock(t, "acknowledge")["escalated_at"], "2027-03-01 16:01")
        esc = self.notes("manager", tid, "escalate")
        self.assertEqual([(n["milestone"], n["text"]) for n in esc], [
            ("acknowledge", "Long overdue: acknowledgement (escalated to the manager)")])
        ev = self.events(tid)[-1]
        self.assertEqual((ev["kind"], ev["data"]), ("escalated", {"milestone": "acknowledge",
                                                                   "level": 2}))

        # acknowledged late; the customer called back on Tuesday morning
        t = self.move(tid, "acknowledged", tech_c, note="已电话联系业主")
        ack = self.clock(t, "acknowledge")
        self.assertEqual((ack["state"], ack["breached"]), ("met", True))
        self.assertAt(ack["met_at"], "2027-03-01 16:01")
        self.set_clock("2027-03-02 10:00")
        t = self.move(tid, "contacted", tech_c, note="约定周四上门查看")
        contact = self.clock(t, "contact")
        self.assertEqual((contact["state"], contact["breached"]), ("met", False))
        self.assertLessEqual(abs(contact["used_minutes"] - 480), 1)  # Mon 10:00 → Tue 10:00

        # on hold, waiting for the customer: the open clocks pause
        before = {m: self.clock(t, m) for m in ("plan", "resolve")}
        self.set_clock("2027-03-02 11:00")
        self.assertReasonKey(self.move(tid, "on_hold", tech_c, expect=None,
                                       hold_reason="customer"), "note")
        t = self.move(tid, "on_hold", tech_c, hold_reason="customer", note="业主出差，周三再约")
        self.assertEqual((t["status"], t["held_from"], t["hold_reason"], t["allowed_transitions"],
                          t["next_due_at"]),
                         ("on_hold", "contacted", "customer", ["contacted", "cancelled"], None))
        for m in ("plan", "resolve"):
            c = self.clock(t, m)
            self.assertEqual((c["state"], c["due_at"]), ("paused", None), m)
            self.assertAt(c["paused_since"], "2027-03-02 11:00", msg=m)
        self.assertNotIn(tid, self.ids("overdue") + self.ids("due_soon", within_minutes=43200))
        # paused time grows with working time only: 11:00–12:00 and 13:30–15:00
        self.set_clock("2027-03-02 15:00")
        self.assertPausedAbout(self.clock(self.ticket(tid), "plan"), 150)
        # …and not overnight: + 15:00–18:00 and Wednesday 08:30–09:00, 22 hours on the wall
        self.set_clock("2027-03-03 09:00")
        t = self.ticket(tid)
        self.assertEqual(minutes_between("2027-03-02 11:00", "2027-03-03 09:00"), 22 * 60)
        for m in ("plan", "resolve"):
            self.assertPausedAbout(self.clock(t, m), 360)
            self.assertIsNone(self.clock(t, m)["due_at"])

        # resumed: back to contacted, the deadlines move by the 360 paused working minutes
        t = self.move(tid, "contacted", tech_c, note="业主回来了")
        self.assertEqual((t["status"], t["held_from"], t["hold_reason"]),
                         ("contacted", None, None))
        plan, resolve = self.clock(t, "plan"), self.clock(t, "resolve")
        self.assertAt(before["plan"]["due_at"], "2027-03-09 10:00")
        self.assertAt(plan["due_at"], "2027-03-09 17:30")      # + 10:00–12:00, 13:30–17:30
        self.assertAt(before["resolve"]["due_at"], "2027-03-05 14:30")
        self.assertAt(resolve["due_at"], "2027-03-08 11:00")   # + Fri 14:30–18:00, Mon 08:30–11:00
        self.assertAt(before["plan"]["remind_at"], "2027-03-05 17:54")
        self.assertAt(plan["remind_at"], "2027-03-08 15:54")   # + Fri 17:54–18:00, Mon to 15:54
        for c in (plan, resolve):
            self.assertEqual((c["state"], c["paused_since"]), ("running", None))
            self.assertPausedAbout(c, 360)
        self.assertEqual(t["next_due_at"], resolve["due_at"])

        # the plan and the visit time, then the resolution on Thursday
        self.set_clock("2027-03-03 10:00")
        visit = iso("2027-03-04 10:00")
        t = self.move(tid, "scheduled", tech_c, plan="更换楼上地面隔音垫", visit_at=visit)
        plan = self.clock(t, "plan")
        self.assertEqual((t["status"], t["plan"], plan["state"], plan["breached"]),
                         ("scheduled", "更换楼上地面隔音垫", "met", False))
        self.assertAt(t["visit_at"], "2027-03-04 10:00")
        self.assertLessEqual(abs(plan["used_minutes"] - 600), 1)  # two working days less the hold
        self.set_clock("2027-03-04 11:00")
        t = self.move(tid, "resolved", tech_c, resolution="已更换隔音垫，业主确认无噪音")
        self.assertEqual((t["status"], t["is_open"], t["resolution"], t["allowed_transitions"]),
                         ("resolved", True, "已更换隔音垫，业主确认无噪音",
                          ["follow_up", "closed", "reopened"]))
        self.assertAt(t["resolved_at"], "2027-03-04 11:00")
        self.assertEqual(self.clock(t, "resolve")["state"], "met")
        fu = self.clock(t, "follow_up")
        self.assertEqual(fu["state"], "running")
        self.assertAt(fu["due_at"], "2027-03-08 09:00")  # Thu 11:00–18:00, Fri, Mon 08:30–09:00

        # the timeline, in order
        ev = self.events(tid)
        self.assertEqual([(e["kind"], e["from"], e["to"]) for e in ev], [
            ("created", None, "new"), ("dispatched", "new", "dispatched"),
            ("reminded", None, None), ("breached", None, None), ("escalated", None, None),
            ("status", "dispatched", "acknowledged"), ("status", "acknowledged", "contacted"),
            ("status", "contacted", "on_hold"), ("status", "on_hold", "contacted"),
            ("status", "contacted", "scheduled"), ("status", "scheduled", "resolved")])
        self.assertEqual([e["at"] for e in ev], sorted(e["at"] for e in ev))
        self.assertEqual(ev[7]["data"], {"hold_reason": "customer"})
        self.assertEqual(ev[9]["data"]["plan"], "更换楼上地面隔音垫")
        self.assertEqual({e["actor_id"] for e in ev[5:]}, {tech})
        # nothing else was sent about it
        self.assertEqual(sorted(n["kind"] for n in self.notes("technician", tid)),
                         ["assigned", "remind"])
        self.assertEqual([n["kind"] for n in self.notes("supervisor", tid)], ["breach"])
        self.assertEqual([n["kind"] for n in self.notes("manager", tid)], ["escalate"])
        self.assertCountsMatchLists(msg="resolved")


class ProjectHolidays(DeskCase):
    # The real case — a ticket raised on the eve of the 2026 Spring Festival (Friday
    # 2026-02-13 16:00, make-up Saturday 2026-02-14, holidays 02-15…02-23) — lies before
    # the test clock (which only moves forward), so it is covered by the C unit test
    # test_add_spring_festival in tests/unit/test_workcal.c. Here the same shape of
    # calendar is given to a project in the future as its own days.
    START = "2027-03-12 16:00"  # Friday

    def test_holidays_and_a_make_up_day_move_the_deadlines(self):
        admin = self.as_("admin")
        days = admin.get("/api/v1/calendar-days", query={"from": "2026-02-13",
                                                          "to": "2026-02-28"}).json()["items"]
        self.assertEqual([(d["day"], d["kind"]) for d in days],
                         [("2026-02-14", "workday")] +
                         [("2026-02-%d" % i, "holiday") for i in range(15, 24)] +
                         [("2026-02-28", "workday")])
        add = [("2027-03-13", "workday", "调休上班")] + [
            ("2027-03-%d" % i, "holiday", "项目假期") for i in range(14, 23)]
        for day, kind, name in add:
            r = admin.post("/api/v1/calendar-days", {"project_id": 1, "day": day, "kind": kind,
                                                     "name": name})
            self.assertStatus(r, 201, day)
            self.assertEqual((r.json()["project_id"], r.json()["kind"]), (1, kind))
        r = admin.post("/api/v1/calendar-days", {"project_id": 1, "day": "2027-03-13",
                                                 "kind": "holiday", "name": "重复"})
        self.assertError(r, 409, "duplicate_day")
        self.assertError(self.as_("agent").post("/api/v1/calendar-days", {
            "project_id": 1, "day": "2027-03-30", "kind": "holiday", "name": "x"}),
            403, "forbidden")
        p2 = mk_project(admin)["id"]  # the same moment in a project without those days
        t1 = self.create(admin, department_id=self.dept("property"))
        t2 = self.create(admin, project_id=p2, department_id=self.dept("property", project=p2))
        # project 1: Fri 16:00–18:00 (120), the make-up Saturday with Monday's hours (480),
        # nothing from Sunday 14 to Monday 22, Tuesday 23 (480), Wednesday 24 to 16:00 (360)
        self.assertAt(self.clock(t1, "acknowledge")["due_at"], "2027-03-13 09:30")
        self.assertAt(self.clock(t1, "contact")["due_at"], "2027-03-24 16:00")
        self.assertAt(self.clock(t1, "plan")["due_at"], "2027-03-29 16:00")
        # project 2, an ordinary week: Monday 15, Tuesday 16, Wednesday 17 to 16:00
        self.assertAt(self.clock(t2, "acknowledge")["due_at"], "2027-03-15 09:30")
        self.assertAt(self.clock(t2, "contact")["due_at"], "2027-03-17 16:00")
        # the calendar as the project sees it: its own day wins
        r = admin.get("/api/v1/calendar-days", query={"project_id": 1, "from": "2027-03-13",
                                                       "to": "2027-03-14"})
        self.assertEqual([(d["day"], d["kind"], d["project_id"]) for d in r.json()["items"]],
                         [("2027-03-13", "workday", 1), ("2027-03-14", "holiday", 1)])


class Clocks(DeskCase):
    START = "2027-03-01 10:00"  # each test takes its own week, in name order

    def prepare(self):
        type(self).d = self.dept("property", mode="round_robin", members=("technician",))

    def monday(self, week):
        """Monday 10:00 of WEEK weeks after 2027-03-01 (weeks clear of any public holiday)."""
        local = (at("2027-03-01 10:00") + dt.timedelta(weeks=week)).strftime("%Y-%m-%d %H:%M")
        self.set_clock(local)
        return local

    def test_a_major_complaint_is_escalated_at_intake(self):
        self.monday(0)
        t = self.create(severity="major", category_id=self.cat("service"), department_id=self.d)
        tid = t["id"]
        self.assertEqual(t["escalation_level"], 2)
        self.assertIn(tid, self.ids("escalated"))
        self.assertEqual(self.kinds(tid), ["created", "escalated", "dispatched"])
        mgr = self.notes("manager", tid)
        self.assertEqual([(n["kind"], n["text"]) for n in mgr], [(
            "major_complaint", "Major complaint: arrange a manager's visit within 2 working days")])
        self.assertEqual(self.db.scalar("SELECT COUNT(*) FROM outbox WHERE notification_id = %d"
                                        % mgr[0]["id"]), "2")
        self.assertEqual(self.notes("supervisor", tid), [])
        onsite = self.clock(t, "onsite")
        self.assertEqual((onsite["target_minutes"], onsite["state"]), (960, "running"))
        # 2 working days of 8 hours: Mon 10:00–18:00 (390), Tue (480), Wed 08:30–10:00 (90)
        self.assertAt(onsite["due_at"], "2027-03-03 10:00")
        self.assertAt(self.clock(t, "acknowledge")["due_at"], "2027-03-01 11:00")
        self.assertAt(self.clock(t, "contact")["due_at"], "2027-03-01 15:30")
        # its acknowledge deadline passes: the supervisors hear of it, the level stays 2
        self.set_clock("2027-03-01 11:01")
        self.assertEqual(self.ticket(tid)["escalation_level"], 2)
        self.assertEqual([n["kind"] for n in self.notes("supervisor", tid)], ["breach"])
        self.assertEqual(self.events(tid)[-1]["data"], {"milestone": "acknowledge", "level": 2})
        # the manager on site meets the onsite clock, once
        t = self.as_("manager").post("/api/v1/tickets/%d/onsite" % tid, {"note": "王经理已上门"})
        self.assertStatus(t, 200)
        self.assertEqual(self.clock(t.json(), "onsite")["state"], "met")
        self.assertEqual(self.events(tid)[-1]["kind"], "manager_on_site")
        r = self.as_("manager").post("/api/v1/tickets/%d/onsite" % tid, {"note": "again"})
        self.assertError(r, 409, "no_onsite_due")

    def test_b_reopen_restarts_the_resolve_clock(self):
        self.monday(1)                                      # 2027-03-08
        t = self.create(department_id=self.d)
        tid = t["id"]
        for to in ("acknowledged", "contacted"):
            self.move(tid, to)
        self.set_clock("2027-03-08 11:00")
        t = self.move(tid, "resolved", resolution="已处理")
        first = {m: self.clock(t, m) for m in ("acknowledge", "contact", "resolve")}
        self.assertEqual(self.clock(t, "follow_up")["state"], "running")
        self.set_clock("2027-03-08 14:00")
        self.assertReasonKey(self.move(tid, "reopened", expect=None), "note")
        t = self.move(tid, "reopened", note="业主反映仍有噪音")
        self.assertEqual((t["status"], t["reopen_count"], t["resolved_at"], t["is_open"]),
                         ("reopened", 1, None, True))
        self.assertEqual(t["allowed_transitions"], ["new", "dispatched", "acknowledged",
                                                    "contacted", "scheduled", "on_hold",
                                                    "resolved", "cancelled"])
        resolve = self.clock(t, "resolve")
        self.assertEqual((resolve["state"], resolve["met_at"], resolve["breached"]),
                         ("running", None, False))
        self.assertAt(resolve["started_at"], "2027-03-08 14:00")
        self.assertAt(resolve["due_at"], "2027-03-12 17:00")  # 240 + 3 × 480 + 420
        fu = self.clock(t, "follow_up")
        self.assertEqual((fu["state"], fu["due_at"]), ("pending", None))
        for m in ("acknowledge", "contact"):            # met clocks do not restart
            self.assertEqual(self.clock(t, m), first[m], m)
        t = self.move(tid, "resolved", resolution="更换后复查无问题")
        self.assertEqual(self.clock(t, "follow_up")["state"], "running")
        t = self.move(tid, "closed", note="回访满意")
        self.assertEqual((t["status"], t["is_open"], t["reopen_count"],
                          self.clock(t, "follow_up")["state"], t["allowed_transitions"]),
                         ("closed", False, 1, "met", ["reopened"]))

    def test_c_a_change_of_severity_retargets_the_open_clocks(self):
        self.monday(2)                                      # 2027-03-15
        t = self.create(category_id=self.cat("service"), department_id=self.d)
        tid = t["id"]
        self.set_clock("2027-03-15 10:30")
        t = self.move(tid, "acknowledged")
        ack_before = self.clock(t, "acknowledge")
        self.assertEqual(ack_before["state"], "met")
        self.set_clock("2027-03-15 11:00")
        v = t["version"]
        r = self.as_("agent").patch("/api/v1/tickets/%d" % tid, {"severity": "major", "version": v})
        self.assertStatus(r, 200)
        t = r.json()
        self.assertEqual((t["severity"], t["version"]), ("major", v + 1))
        self.assertEqual(self.clock(t, "acknowledge"), ack_before)  # met: keeps its target
        want = {"contact": (240, "2027-03-15 15:30"),   # from its start, Mon 10:00
                "plan": (1440, "2027-03-18 10:00"),
                "resolve": (2100, "2027-03-19 14:30"),
                "onsite": (960, "2027-03-17 11:00")}    # new: from the change, Mon 11:00
        for m, (target, due) in want.items():
            c = self.clock(t, m)
            self.assertEqual((c["target_minutes"], c["state"]), (target, "running"), m)
            self.assertAt(c["due_at"], due, msg=m)
        self.assertAt(self.clock(t, "onsite")["started_at"], "2027-03-15 11:00")
        self.assertAt(self.clock(t, "contact")["started_at"], "2027-03-15 10:00")
        ev = self.events(tid)[-1]
        self.assertEqual((ev["kind"], ev["data"]), ("reclassified", {
            "before": {"severity": "general"}, "after": {"severity": "major"}}))
        # a change of subject is an update, not a re-targeting
        r = self.as_("agent").patch("/api/v1/tickets/%d" % tid, {"subject": "服务态度差（升级）"})
        self.assertStatus(r, 200)
        self.assertEqual([self.clock(r.json(), m)["due_at"] for m in want],
                         [self.clock(t, m)["due_at"] for m in want])
        self.assertEqual(self.kinds(tid)[-1], "updated")
        # back to general: contact 24 h again; the onsite milestone goes (cancelled)
        r = self.as_("agent").patch("/api/v1/tickets/%d" % tid, {"severity": "general"})
        self.assertStatus(r, 200)
        t = r.json()
        self.assertEqual(self.clock(t, "contact")["target_minutes"], 1440)
        self.assertAt(self.clock(t, "contact")["due_at"], "2027-03-18 10:00")
        self.assertEqual(self.clock(t, "onsite")["state"], "cancelled")

    def test_d_acknowledge_starts_at_the_first_dispatch(self):
        self.monday(3)                                      # 2027-03-22
        admin = self.as_("admin")
        p2 = mk_project(admin)["id"]                        # no departments: nothing to route to
        t = self.create(admin, project_id=p2)
        self.assertEqual((t["status"], t["department_id"], t["routing_rule_id"],
                          t["dispatched_at"]), ("new", None, None, None))
        for m in ("acknowledge", "contact", "plan"):
            self.assertEqual((self.clock(t, m)["state"], self.clock(t, m)["due_at"]),
                             ("pending", None), m)
        self.assertAt(self.clock(t, "resolve")["started_at"], "2027-03-22 10:00")
        self.set_clock("2027-03-22 15:30")
        t = self.dispatch(t["id"], admin, department_id=self.dept("property", project=p2))
        ack = self.clock(t, "acknowledge")
        self.assertEqual((t["status"], ack["state"]), ("dispatched", "running"))
        self.assertAt(ack["started_at"], "2027-03-22 15:30")
        self.assertAt(ack["due_at"], "2027-03-23 09:00")    # 15:30–18:00, Tue 08:30–09:00

    def test_e_a_reminder_due_after_the_deadline_is_not_sent(self):
        self.monday(4)                                      # 2027-03-29
        t = self.create(department_id=self.d)
        tid = t["id"]
        # past 13:54 and 14:30 at once, and clear of the escalation at 16:00 (90 minutes on),
        # which the test clock, running on with real time, would reach on a slow machine
        self.set_clock("2027-03-29 15:45")
        t = self.ticket(tid)
        self.assertEqual((t["escalation_level"], self.clock(t, "acknowledge")["breached"]),
                         (1, True))
        self.assertEqual(self.notes("technician", tid, "remind"), [])
        self.assertEqual([n["kind"] for n in self.notes("supervisor", tid)], ["breach"])
        self.assertNotIn("reminded", self.kinds(tid))

    def test_f_a_pool_ticket_reminds_the_members_on_duty(self):
        self.monday(6)                                      # 2027-04-12
        d = self.dept("other", members=("agent", "supervisor", "technician"),
                      off_duty=("technician",))
        tid = self.create(department_id=d)["id"]
        self.set_clock("2027-04-12 13:55")                  # 80 % of the 180 minutes
        for who, n in (("agent", 1), ("supervisor", 1), ("technician", 0)):
            self.assertEqual(len(self.notes(who, tid, "remind")), n, who)
        self.assertEqual(self.kinds(tid)[-1], "reminded")
