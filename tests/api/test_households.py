"""Departments (责任端口) and their members, crews (施工队) with their warranty-deposit
(质保金) ledger, move-ins (入住), renovations (装修) and the access card and key ledger
(门禁卡, 钥匙) under /api/v1: what a desk relies on — state flows that refuse illegal
jumps and write nothing, a deposit balance derived from an append-only ledger that never
goes negative (also under concurrent deductions), a card that cannot be out twice, deletes
refused while history depends on a record, every write audited, and project scope.
"""
from harness import ServerTestCase
from test_records import (EN, RecordsMixin, items, mk_building, mk_person, mk_project,
                          mk_unit, seq)

# reasons this part of the API adds (src/core/i18n.c, English)
EN = dict(EN)
EN.update({
    "insufficient_balance": "More than the deposit balance",
    "bad_transition": "Not allowed from the current status",
    "card_already_issued": "This card or key is already out",
    "card_not_issued": "This card or key is not out",
})

YUAN_5000 = 500000  # fen


def _created(resp, what):
    if resp.status != 201:
        raise AssertionError("create %s: expected 201, got %d: %s"
                             % (what, resp.status, resp.body[:600]))
    return resp.json()


def mk_department(c, project=1, code=None, name="工程部", **kw):
    body = {"project_id": project, "code": code or "D%d" % seq(), "name": name}
    body.update(kw)
    return _created(c.post("/api/v1/departments", body), "department")


def mk_member(c, department, user, project=1, **kw):
    body = {"project_id": project, "department_id": department, "user_id": user}
    body.update(kw)
    return _created(c.post("/api/v1/department-members", body), "department member")


def mk_crew(c, project=1, name=None, **kw):
    body = {"project_id": project, "name": name or "施工队 %d" % seq()}
    body.update(kw)
    return _created(c.post("/api/v1/crews", body), "crew")


def post_entry(c, crew, kind, amount, project=1, **kw):
    body = {"project_id": project, "crew_id": crew, "kind": kind, "amount_fen": amount}
    body.update(kw)
    return c.post("/api/v1/crew-deposit-entries", body)


def mk_move_in(c, unit, person, project=1, date="2025-01-15", **kw):
    body = {"project_id": project, "unit_id": unit, "person_id": person, "move_in_date": date}
    body.update(kw)
    return _created(c.post("/api/v1/move-ins", body), "move-in")


def mk_renovation(c, unit, person, project=1, **kw):
    body = {"project_id": project, "unit_id": unit, "person_id": person}
    body.update(kw)
    return _created(c.post("/api/v1/renovations", body), "renovation")


def post_card(c, unit, identifier, action, project=1, item="card", day="2025-02-01", **kw):
    body = {"project_id": project, "unit_id": unit, "item": item, "identifier": identifier,
            "action": action, "happened_on": day}
    body.update(kw)
    return c.post("/api/v1/cards", body)


class Mixin(RecordsMixin):
    def assertReason(self, resp, field, reason, msg=None):
        err = self.assertValidation(resp, field, msg=msg)
        self.assertEqual(err["fields"][field], EN[reason],
                         "%s: field %r: %r" % (msg or "", field, err["fields"]))
        return err

    def patch(self, kind, row, client=None, /, **change):
        """PATCH /api/v1/KIND/{id} with ROW's version and CHANGE; the response."""
        body = {"version": row["version"]}
        body.update(change)
        return (client or self.boss).patch("/api/v1/%s/%d" % (kind, row["id"]), body)

    def patched(self, kind, row, /, **change):
        r = self.patch(kind, row, **change)
        self.assertStatus(r, 200, "PATCH %s/%d %r" % (kind, row["id"], change))
        out = r.json()
        self.assertEqual(out["version"], row["version"] + 1, "%s %r" % (kind, change))
        for k, v in change.items():
            self.assertEqual(out[k], v, "%s %r" % (kind, change))
        self.assertEqual(self.row(kind, row["id"]), out)
        return out

    def audit_of(self, head, entity, entity_id=None):
        """Audit entries of ENTITY (and ENTITY_ID) newer than HEAD, oldest first."""
        q = {"entity": entity}
        if entity_id is not None:
            q["entity_id"] = entity_id
        return self.audit_since(head, **q)

    def balance(self, crew_id, client=None):
        return self.row("crews", crew_id, client)["deposit_balance_fen"]

    def ledger(self, crew_id):
        return self.all_items(self.boss, "crew-deposit-entries", crew_id=crew_id)

    def household(self, project=1):
        b = mk_building(self.boss, project)
        u = mk_unit(self.boss, b["id"], project)
        p = mk_person(self.boss, project, "住户%d" % seq())
        return u, p


# --------------------------------------------------------------------------- departments

class Departments(Mixin, ServerTestCase):
    def test_create_kinds_and_duplicate_code(self):
        head = self.audit_head()
        r = self.boss.post("/api/v1/departments", {"project_id": 1, "code": "ENG",
                                                   "name": "工程部", "kind": "engineering"})
        self.assertStatus(r, 201)
        d = r.json()
        self.assertEqual((d["project_id"], d["code"], d["name"], d["kind"], d["version"]),
                         (1, "ENG", "工程部", "engineering", 1))
        self.assertEqual(self.row("departments", d["id"]), d)
        other = mk_department(self.boss, code="MISC", name="杂项")
        self.assertEqual(other["kind"], "other")  # the default
        for kind in ("design", "cost", "sales", "property", "external", "other"):
            mk_department(self.boss, kind=kind, name=kind)
        n = self.count("departments")
        mid = self.audit_head()
        for bad in ("plumbing", "ENGINEERING", ""):
            r = self.boss.post("/api/v1/departments", {"project_id": 1, "code": "K" + bad,
                                                       "name": "坏", "kind": bad})
            self.assertValidation(r, "kind", msg=repr(bad))
        self.assertReason(self.boss.post("/api/v1/departments",
                                         {"project_id": 1, "code": "K", "name": "坏",
                                          "kind": "plumbing"}), "kind", "not_in_list")
        err = self.assertError(self.boss.post("/api/v1/departments",
                                              {"project_id": 1, "code": "ENG", "name": "又一个"}),
                               409, "conflict", ["code"])
        self.assertEqual(err["fields"]["code"], EN["taken"])
        err = self.assertError(self.patch("departments", other, code="ENG"), 409, "conflict",
                               ["code"])
        self.assertUnchanged("departments", other)
        self.assertEqual(self.count("departments"), n)
        self.assertNoWrites(mid)
        # the code is unique per project only
        p2 = mk_project(self.boss, code="dept-2")["id"]
        self.assertEqual(mk_department(self.boss, p2, code="ENG")["code"], "ENG")
        # the kind filter
        got = self.all_items(self.boss, "departments", kind="engineering", project_id=1)
        self.assertEqual([x["id"] for x in got], [d["id"]])
        # change and delete, audited
        d2 = self.patched("departments", d, name="工程维修部", kind="property")
        self.assertStatus(self.boss.delete("/api/v1/departments/%d" % d["id"]), 204)
        self.assertNotFound(self.boss.get("/api/v1/departments/%d" % d["id"]))
        entries = self.audit_of(head, "department", d["id"])
        self.assertEqual([e["action"] for e in entries], ["create", "update", "delete"])
        self.assertEqual(entries[0]["after"]["code"], "ENG")
        self.assertEqual((entries[1]["before"]["kind"], entries[1]["after"]["kind"]),
                         ("engineering", "property"))
        self.assertEqual(entries[2]["before"]["name"], d2["name"])
        self.assertIsNone(entries[2]["after"])

    def test_members_on_duty_and_delete_refused(self):
        dept = mk_department(self.boss, code="PROP", kind="property", name="物业部")
        tech, agent = self.user_id("technician"), self.user_id("agent")
        loner = self.create_user("loner-%d" % seq(), role="technician", project_ids=[])
        p2 = mk_project(self.boss, code="mem-2")["id"]
        elsewhere = self.create_user("elsewhere-%d" % seq(), role="technician",
                                     project_ids=[p2])
        inactive = self.create_user("gone-%d" % seq(), role="technician", active=False)
        head = self.audit_head()
        m1 = mk_member(self.boss, dept["id"], tech)
        self.assertEqual((m1["project_id"], m1["department_id"], m1["user_id"], m1["on_duty"],
                          m1["version"]), (1, dept["id"], tech, True, 1))
        self.assertEqual(self.row("department-members", m1["id"]), m1)
        m2 = mk_member(self.boss, dept["id"], agent, on_duty=False)
        self.assertIs(m2["on_duty"], False)

        mid = self.audit_head()
        n = self.count("department-members")
        for uid, what in ((loner["id"], "a user of no project"),
                          (elsewhere["id"], "a user of another project only"),
                          (inactive["id"], "an inactive user"),
                          (99999999, "an unknown user id")):
            r = self.boss.post("/api/v1/department-members",
                               {"project_id": 1, "department_id": dept["id"], "user_id": uid})
            self.assertReason(r, "user_id", "unknown_reference", msg=what)
        err = self.assertError(self.boss.post("/api/v1/department-members",
                                              {"project_id": 1, "department_id": dept["id"],
                                               "user_id": tech}), 409, "conflict", ["user_id"],
                               msg="the same user twice")
        self.assertEqual(err["fields"]["user_id"], EN["taken"])
        r = self.boss.post("/api/v1/department-members",
                           {"project_id": 1, "department_id": 99999999, "user_id": tech})
        self.assertReason(r, "department_id", "unknown_reference")
        self.assertEqual(self.count("department-members"), n)
        self.assertNoWrites(mid)

        # the same user in another department is fine
        other = mk_department(self.boss, code="ENG2", kind="engineering")
        m3 = mk_member(self.boss, other["id"], tech)

        # on duty: toggled with the version, stale versions refused
        off = self.patched("department-members", m1, on_duty=False)
        self.assertError(self.patch("department-members", m1, on_duty=True), 409,
                         "version_conflict")
        self.assertUnchanged("department-members", off)
        self.assertReason(self.patch("department-members", off, user_id=agent), "user_id",
                          "immutable")
        self.assertUnchanged("department-members", off)
        on = self.patched("department-members", off, on_duty=True)
        self.assertEqual(on["version"], 3)
        ids = lambda **q: [x["id"] for x in self.all_items(self.boss, "department-members", **q)]
        self.assertEqual(ids(department_id=dept["id"]), [m1["id"], m2["id"]])
        self.assertEqual(ids(department_id=dept["id"], on_duty=1), [m1["id"]])
        self.assertEqual(ids(department_id=dept["id"], on_duty=0), [m2["id"]])
        self.assertEqual(ids(on_duty=1, user_id=tech), [m1["id"], m3["id"]])
        self.patched("department-members", m2, on_duty=True)
        self.assertEqual(ids(department_id=dept["id"], on_duty=0), [])

        # a department with members is not deleted
        before = self.row("departments", dept["id"])
        mid = self.audit_head()
        err = self.assertError(self.boss.delete("/api/v1/departments/%d" % dept["id"]), 409,
                               "has_dependents")
        self.assertEqual(err.get("dependents"), {"members": 2})
        self.assertEqual(set(err.get("fields") or {}), {"members"})
        self.assertUnchanged("departments", before)
        self.assertNoWrites(mid)
        self.assertStatus(self.boss.delete("/api/v1/department-members/%d" % m2["id"]), 204)
        err = self.assertError(self.boss.delete("/api/v1/departments/%d" % dept["id"]), 409,
                               "has_dependents")
        self.assertEqual(err["dependents"], {"members": 1})
        self.assertStatus(self.boss.delete("/api/v1/department-members/%d" % m1["id"]), 204)
        self.assertStatus(self.boss.delete("/api/v1/departments/%d" % dept["id"]), 204)

        acts = [(e["entity_id"], e["action"]) for e in self.audit_of(head, "department_member")]
        self.assertEqual(acts, [(m1["id"], "create"), (m2["id"], "create"), (m3["id"], "create"),
                                (m1["id"], "update"), (m1["id"], "update"),
                                (m2["id"], "update"), (m2["id"], "delete"),
                                (m1["id"], "delete")])
        upd = [e for e in self.audit_of(head, "department_member", m1["id"])
               if e["action"] == "update"]
        self.assertEqual([(e["before"]["on_duty"], e["after"]["on_duty"]) for e in upd],
                         [(True, False), (False, True)])


# --------------------------------------------------------------------------- crews

class Crews(Mixin, ServerTestCase):
    def test_deposit_ledger(self):
        head = self.audit_head()
        crew = mk_crew(self.boss, name="宏达装饰", leader="刘队长", phone="13800000000")
        self.assertEqual((crew["name"], crew["leader"], crew["deposit_balance_fen"],
                          crew["version"]), ("宏达装饰", "刘队长", 0, 1))
        cid = crew["id"]
        r = post_entry(self.boss, cid, "deposit", YUAN_5000, note="质保金 5000 元")
        self.assertStatus(r, 201)
        dep = r.json()
        self.assertEqual((dep["crew_id"], dep["kind"], dep["amount_fen"], dep["note"]),
                         (cid, "deposit", YUAN_5000, "质保金 5000 元"))
        self.assertEqual(self.balance(cid), YUAN_5000)

        # beyond the balance: refused, nothing written
        mid = self.audit_head()
        for kind, amount in (("deduction", YUAN_5000 + 1), ("refund", YUAN_5000 + 1),
                             ("adjustment", -(YUAN_5000 + 1)), ("deduction", 10 ** 10)):
            self.assertReason(post_entry(self.boss, cid, kind, amount), "amount_fen",
                              "insufficient_balance", msg="%s %d" % (kind, amount))
        # zero, and negative amounts of kinds that carry no sign
        for kind, amount in (("deposit", 0), ("deduction", 0), ("refund", 0),
                             ("adjustment", 0), ("deposit", -100), ("deduction", -100),
                             ("refund", -100)):
            self.assertReason(post_entry(self.boss, cid, kind, amount), "amount_fen",
                              "out_of_range", msg="%s %d" % (kind, amount))
        self.assertReason(post_entry(self.boss, cid, "fine", 100), "kind", "not_in_list")
        self.assertEqual([e["id"] for e in self.ledger(cid)], [dep["id"]])
        self.assertEqual(self.balance(cid), YUAN_5000)
        self.assertNoWrites(mid)

        # within the balance: stored with the sign of money leaving
        made = [dep]
        for kind, amount, stored in (("deduction", 120000, -120000), ("refund", 30000, -30000),
                                     ("adjustment", -5000, -5000), ("adjustment", 2500, 2500),
                                     ("deduction", 347500, -347500)):
            r = post_entry(self.boss, cid, kind, amount)
            self.assertStatus(r, 201, "%s %d" % (kind, amount))
            self.assertEqual((r.json()["kind"], r.json()["amount_fen"]), (kind, stored))
            made.append(r.json())
        ledger = self.ledger(cid)
        self.assertEqual(ledger, made)
        self.assertEqual(self.balance(cid), sum(e["amount_fen"] for e in ledger))
        self.assertEqual(self.balance(cid), 0)  # exactly all of it is gone
        self.assertReason(post_entry(self.boss, cid, "deduction", 1), "amount_fen",
                          "insufficient_balance")
        # the list shows the balance too, and the crew's own version did not move
        listed = [x for x in self.all_items(self.boss, "crews") if x["id"] == cid]
        self.assertEqual(listed[0]["deposit_balance_fen"], 0)
        self.assertEqual(self.row("crews", cid)["version"], 1)
        self.patched("crews", self.row("crews", cid), leader="王队长")

        # append-only: no changes, no deletes
        mid = self.audit_head()
        for method, body in (("PATCH", {"version": 1, "amount_fen": 1}), ("DELETE", None)):
            r = self.boss.request(method, "/api/v1/crew-deposit-entries/%d" % dep["id"],
                                  json_body=body)
            self.assertError(r, 405, "method_not_allowed", msg=method)
            self.assertNotIn(method, r.header("Allow", ""))
        self.assertEqual(self.ledger(cid), made)
        self.assertNoWrites(mid)

        # a crew with a ledger is not deleted
        err = self.assertError(self.boss.delete("/api/v1/crews/%d" % cid), 409, "has_dependents")
        self.assertEqual(err["dependents"], {"deposit_entries": len(made)})

        # every entry audited
        entries = self.audit_of(head, "crew_deposit_entry")
        self.assertEqual([(e["entity_id"], e["action"], e["after"]["amount_fen"])
                          for e in entries],
                         [(e["id"], "create", e["amount_fen"]) for e in made])
        self.assertEqual([e["action"] for e in self.audit_of(head, "crew", cid)],
                         ["create", "update"])

    def test_entry_for_a_crew_of_another_project(self):
        p2 = mk_project(self.boss, code="crew-2")["id"]
        theirs = mk_crew(self.boss, p2)
        head = self.audit_head()
        r = post_entry(self.boss, theirs["id"], "deposit", 1000, project=1)
        self.assertReason(r, "crew_id", "unknown_reference")
        r = post_entry(self.boss, 99999999, "deposit", 1000)
        self.assertReason(r, "crew_id", "unknown_reference")
        self.assertNoWrites(head)
        self.assertEqual(self.balance(theirs["id"]), 0)

    def test_parallel_deductions_never_overdraw(self):
        crew = mk_crew(self.boss)
        cid = crew["id"]
        self.assertStatus(post_entry(self.boss, cid, "deposit", YUAN_5000), 201)
        head = self.audit_head()
        share = YUAN_5000 * 60 // 100
        rs = self.in_parallel(lambda c: post_entry(c, cid, "deduction", share), 10)
        statuses = sorted(r.status for r in rs)
        self.assertEqual(statuses, [201] + [422] * 9,
                         "10 parallel deductions of 60%% of the balance: %r"
                         % [(r.status, r.body[:200]) for r in rs])
        for r in rs:
            if r.status == 422:
                self.assertReason(r, "amount_fen", "insufficient_balance")
        self.assertEqual(self.balance(cid), YUAN_5000 - share)
        ledger = self.ledger(cid)
        self.assertEqual([e["amount_fen"] for e in ledger], [YUAN_5000, -share])
        stored = self.db_rows("SELECT COALESCE(SUM(amount_fen), 0), COUNT(*) FROM "
                              "crew_deposit_entries WHERE crew_id = %d" % cid)
        self.assertEqual([tuple(int(x) for x in row) for row in stored],
                         [(YUAN_5000 - share, 2)])
        self.assertEqual(len(self.audit_of(head, "crew_deposit_entry")), 1)
        # and once more, a second round against the rest: again at most what is there
        rest = YUAN_5000 - share
        rs = self.in_parallel(lambda c: post_entry(c, cid, "deduction", rest * 60 // 100), 10)
        self.assertEqual(sorted(r.status for r in rs), [201] + [422] * 9)
        self.assertEqual(self.balance(cid), rest - rest * 60 // 100)
        self.assertGreaterEqual(self.balance(cid), 0)


# --------------------------------------------------------------------------- households

class Households(Mixin, ServerTestCase):
    def test_move_in_flow(self):
        u, p = self.household()
        head = self.audit_head()
        m = mk_move_in(self.boss, u["id"], p["id"], notes="钥匙已交")
        self.assertEqual((m["unit_id"], m["person_id"], m["move_in_date"], m["status"],
                          m["version"]), (u["id"], p["id"], "2025-01-15", "registered", 1))
        done = self.patched("move-ins", m, status="completed")
        mid = self.audit_head()
        for to in ("registered", "cancelled"):
            self.assertReason(self.patch("move-ins", done, status=to), "status",
                              "bad_transition", msg="completed → " + to)
        self.assertUnchanged("move-ins", done)
        # other fields may change within a state
        done = self.patched("move-ins", done, notes="已入住")
        n = self.count("move-ins")
        for status in ("completed", "cancelled"):
            r = self.boss.post("/api/v1/move-ins", {
                "project_id": 1, "unit_id": u["id"], "person_id": p["id"],
                "move_in_date": "2025-01-15", "status": status})
            self.assertReason(r, "status", "bad_transition", msg="create as " + status)
        self.assertReason(self.boss.post("/api/v1/move-ins", {
            "project_id": 1, "unit_id": u["id"], "person_id": p["id"],
            "move_in_date": "2025-02-30"}), "move_in_date", "invalid_date")
        self.assertEqual(self.count("move-ins"), n)
        self.assertEqual(self.writes_since(mid)[0]["action"], "update")  # the notes only
        self.assertEqual(len(self.writes_since(mid)), 1)
        c = mk_move_in(self.boss, u["id"], p["id"])
        c = self.patched("move-ins", c, status="cancelled")
        self.assertReason(self.patch("move-ins", c, status="completed"), "status",
                          "bad_transition")
        got = self.all_items(self.boss, "move-ins", unit_id=u["id"], status="completed")
        self.assertEqual([x["id"] for x in got], [m["id"]])
        acts = [(e["entity_id"], e["action"]) for e in self.audit_of(head, "move_in")]
        self.assertEqual(acts, [(m["id"], "create"), (m["id"], "update"), (m["id"], "update"),
                                (c["id"], "create"), (c["id"], "update")])

    def test_renovation_whole_flow(self):
        u, p = self.household()
        crew = mk_crew(self.boss)
        head = self.audit_head()
        r = mk_renovation(self.boss, u["id"], p["id"], crew_id=crew["id"], deposit_fen=300000,
                          start_date="2025-03-01", end_date="2025-05-31")
        self.assertEqual((r["status"], r["crew_id"], r["deposit_fen"], r["start_date"],
                          r["end_date"], r["version"]),
                         ("submitted", crew["id"], 300000, "2025-03-01", "2025-05-31", 1))
        flow = ["approved", "in_progress", "inspection", "failed", "in_progress", "inspection",
                "passed", "deposit_returned"]
        seen = [r]
        for status in flow:
            seen.append(self.patched("renovations", seen[-1], status=status))
        self.assertEqual(seen[-1]["version"], 1 + len(flow))
        entries = self.audit_of(head, "renovation", r["id"])
        self.assertEqual([e["action"] for e in entries], ["create"] + ["update"] * len(flow))
        self.assertEqual([(e["before"]["status"], e["after"]["status"]) for e in entries[1:]],
                         list(zip(["submitted"] + flow, flow)))
        self.assertEqual([e["after"]["version"] for e in entries],
                         list(range(1, len(flow) + 2)))
        # the end of the road
        end = seen[-1]
        mid = self.audit_head()
        for to in ("submitted", "approved", "in_progress", "passed", "rejected"):
            self.assertReason(self.patch("renovations", end, status=to), "status",
                              "bad_transition", msg="deposit_returned → " + to)
        self.assertUnchanged("renovations", end)
        self.assertNoWrites(mid)

    def test_renovation_illegal_jumps_change_nothing(self):
        u, p = self.household()
        r = mk_renovation(self.boss, u["id"], p["id"])
        head = self.audit_head()
        for to in ("passed", "in_progress", "inspection", "failed", "deposit_returned"):
            self.assertReason(self.patch("renovations", r, status=to, notes="跳"), "status",
                              "bad_transition", msg="submitted → " + to)
        self.assertReason(self.patch("renovations", r, status="finished"), "status",
                          "not_in_list")
        self.assertUnchanged("renovations", r)
        self.assertNoWrites(head)
        rej = self.patched("renovations", r, status="rejected")
        head = self.audit_head()
        for to in ("approved", "submitted", "in_progress", "passed"):
            self.assertReason(self.patch("renovations", rej, status=to), "status",
                              "bad_transition", msg="rejected → " + to)
        self.assertUnchanged("renovations", rej)
        self.assertNoWrites(head)
        n = self.count("renovations")
        for status in ("approved", "passed", "deposit_returned"):
            r2 = self.boss.post("/api/v1/renovations", {"project_id": 1, "unit_id": u["id"],
                                                        "person_id": p["id"], "status": status})
            self.assertReason(r2, "status", "bad_transition", msg="create as " + status)
        self.assertEqual(self.count("renovations"), n)
        self.assertNoWrites(head)

    def test_renovation_dates_and_crew_scope(self):
        u, p = self.household()
        head = self.audit_head()
        n = self.count("renovations")
        body = {"project_id": 1, "unit_id": u["id"], "person_id": p["id"],
                "start_date": "2025-06-01", "end_date": "2025-05-31"}
        self.assertReason(self.boss.post("/api/v1/renovations", body), "end_date", "out_of_range")
        p2 = mk_project(self.boss, code="reno-2")["id"]
        theirs = mk_crew(self.boss, p2)
        head = self.audit_head()
        body = {"project_id": 1, "unit_id": u["id"], "person_id": p["id"],
                "crew_id": theirs["id"]}
        self.assertReason(self.boss.post("/api/v1/renovations", body), "crew_id",
                          "unknown_reference")
        body["crew_id"] = 99999999
        self.assertReason(self.boss.post("/api/v1/renovations", body), "crew_id",
                          "unknown_reference")
        self.assertEqual(self.count("renovations"), n)
        self.assertNoWrites(head)
        same_day = mk_renovation(self.boss, u["id"], p["id"], start_date="2025-06-01",
                                 end_date="2025-06-01")
        head = self.audit_head()
        self.assertReason(self.patch("renovations", same_day, end_date="2025-05-01"),
                          "end_date", "out_of_range")
        self.assertReason(self.patch("renovations", same_day, start_date="2025-07-01"),
                          "end_date", "out_of_range")
        self.assertReason(self.patch("renovations", same_day, crew_id=theirs["id"]),
                          "crew_id", "unknown_reference")
        self.assertUnchanged("renovations", same_day)
        self.assertNoWrites(head)
        mine = mk_crew(self.boss)
        self.patched("renovations", same_day, crew_id=mine["id"], end_date="2025-08-31")

    def test_card_ledger(self):
        u, p = self.household()
        u2, _ = self.household()
        head = self.audit_head()
        ident = "C%03d" % (seq() % 1000)
        r = post_card(self.boss, u["id"], ident, "issued", person_id=p["id"])
        self.assertStatus(r, 201)
        first = r.json()
        self.assertEqual((first["unit_id"], first["person_id"], first["item"],
                          first["identifier"], first["action"], first["happened_on"]),
                         (u["id"], p["id"], "card", ident, "issued", "2025-02-01"))
        mid = self.audit_head()
        self.assertReason(post_card(self.boss, u["id"], ident, "issued"), "action",
                          "card_already_issued")
        # out is out: not to another unit of the project either
        self.assertReason(post_card(self.boss, u2["id"], ident, "issued"), "action",
                          "card_already_issued")
        self.assertNoWrites(mid)
        self.assertStatus(post_card(self.boss, u["id"], ident, "returned", day="2025-03-01"),
                          201)
        mid = self.audit_head()
        self.assertReason(post_card(self.boss, u["id"], ident, "returned"), "action",
                          "card_not_issued")
        self.assertReason(post_card(self.boss, u["id"], ident, "lost"), "action",
                          "card_not_issued")
        self.assertNoWrites(mid)
        self.assertStatus(post_card(self.boss, u2["id"], ident, "issued", day="2025-04-01"), 201)
        self.assertStatus(post_card(self.boss, u2["id"], ident, "lost", day="2025-05-01"), 201)
        # a key of the same identifier is another thing
        self.assertStatus(post_card(self.boss, u["id"], ident, "issued", item="key"), 201)
        self.assertReason(post_card(self.boss, u["id"], ident, "issued", item="badge"), "item",
                          "not_in_list")
        self.assertReason(post_card(self.boss, u["id"], ident, "stolen"), "action",
                          "not_in_list")
        got = self.all_items(self.boss, "cards", identifier=ident, item="card")
        self.assertEqual([(x["action"], x["unit_id"], x["happened_on"]) for x in got],
                         [("issued", u["id"], "2025-02-01"), ("returned", u["id"], "2025-03-01"),
                          ("issued", u2["id"], "2025-04-01"), ("lost", u2["id"], "2025-05-01")])
        self.assertEqual([x["id"] for x in got], sorted(x["id"] for x in got))
        self.assertEqual(len(self.all_items(self.boss, "cards", identifier=ident)), 5)
        mid = self.audit_head()
        for method, body in (("PATCH", {"version": 1, "action": "returned"}), ("DELETE", None)):
            r = self.boss.request(method, "/api/v1/cards/%d" % first["id"], json_body=body)
            self.assertError(r, 405, "method_not_allowed", msg=method)
        self.assertEqual(self.row("cards", first["id"]), first)
        self.assertNoWrites(mid)
        entries = self.audit_of(head, "card_event")
        self.assertEqual([(e["action"], e["after"]["action"]) for e in entries],
                         [("create", "issued"), ("create", "returned"), ("create", "issued"),
                          ("create", "lost"), ("create", "issued")])

    def test_parallel_issue_of_one_card(self):
        # desks issuing the same card at once, each for another unit: only one may win
        import itertools
        units = [self.household()[0] for _ in range(8)]
        self.in_parallel(lambda c: c.get("/api/v1/cards"), len(units))  # warm the server up
        for round in range(3):
            ident = "PAR-%d" % seq()
            nxt = itertools.count()
            rs = self.in_parallel(
                lambda c: post_card(c, units[next(nxt)]["id"], ident, "issued"), len(units))
            self.assertEqual(
                sorted(r.status for r in rs), [201] + [422] * (len(units) - 1),
                "round %d: the same card issued from %d desks at once (each for another unit) "
                "on %s: more than one issuance succeeded, so the card is out twice. "
                "validate_card (src/api/households.c) locks the unit's row, but whether a card "
                "is out is per (project, item, identifier): issuances for different units do "
                "not wait for each other on PostgreSQL. %r"
                % (round, len(units), self.db.kind, [(r.status, r.body[:160]) for r in rs]))
            for r in rs:
                if r.status == 422:
                    self.assertReason(r, "action", "card_already_issued")
            self.assertEqual(len(self.all_items(self.boss, "cards", identifier=ident)), 1)


# --------------------------------------------------------------------------- dependents

class Dependents(Mixin, ServerTestCase):
    def test_unit_and_person_with_history_are_not_deleted(self):
        u, p = self.household()
        crew = mk_crew(self.boss)
        mv = mk_move_in(self.boss, u["id"], p["id"])
        rn = mk_renovation(self.boss, u["id"], p["id"], crew_id=crew["id"])
        self.assertStatus(post_card(self.boss, u["id"], "D1", "issued", person_id=p["id"]), 201)
        self.assertStatus(post_card(self.boss, u["id"], "D1", "returned"), 201)
        before_u, before_p = self.row("units", u["id"]), self.row("people", p["id"])
        head = self.audit_head()
        err = self.assertError(self.boss.delete("/api/v1/units/%d" % u["id"]), 409,
                               "has_dependents")
        self.assertEqual(err["dependents"], {"move_ins": 1, "renovations": 1, "card_events": 2})
        self.assertEqual(set(err["fields"]), {"move_ins", "renovations", "card_events"})
        err = self.assertError(self.boss.delete("/api/v1/people/%d" % p["id"]), 409,
                               "has_dependents")
        self.assertEqual(err["dependents"], {"move_ins": 1, "renovations": 1, "card_events": 1})
        err = self.assertError(self.boss.delete("/api/v1/crews/%d" % crew["id"]), 409,
                               "has_dependents")
        self.assertEqual(err["dependents"], {"renovations": 1})
        self.assertUnchanged("units", before_u)
        self.assertUnchanged("people", before_p)
        self.assertNoWrites(head)
        # the registrations may go; the card history stays, and keeps the unit
        self.assertStatus(self.boss.delete("/api/v1/move-ins/%d" % mv["id"]), 204)
        self.assertStatus(self.boss.delete("/api/v1/renovations/%d" % rn["id"]), 204)
        err = self.assertError(self.boss.delete("/api/v1/units/%d" % u["id"]), 409,
                               "has_dependents")
        self.assertEqual(err["dependents"], {"card_events": 2})
        self.assertStatus(self.boss.delete("/api/v1/crews/%d" % crew["id"]), 204)
        acts = [(e["entity"], e["action"]) for e in self.writes_since(head)]
        self.assertEqual(acts, [("move_in", "delete"), ("renovation", "delete"),
                                ("crew", "delete")])


# --------------------------------------------------------------------------- scope

class HouseholdScope(Mixin, ServerTestCase):
    KINDS = ("departments", "department-members", "crews", "crew-deposit-entries", "move-ins",
             "renovations", "cards")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        boss = cls.server.login("admin", lang="en")
        cls.p2 = mk_project(boss, code="hh-2", name="二号项目")["id"]
        r = boss.post("/api/v1/users", {"login": "agent2", "display_name": "二期客服",
                                        "role": "agent", "password": "password-123",
                                        "project_ids": [cls.p2]})
        assert r.status == 201, r
        a1 = cls.server.login("agent", lang="en")
        b = mk_building(a1, 1)
        u = mk_unit(a1, b["id"], 1)
        p = mk_person(a1, 1, "甲")
        d = mk_department(a1, 1)
        tech = [x for x in boss.get("/api/v1/users", query={"q": "technician"}).json()["items"]
                if x["login"] == "technician"][0]["id"]
        cls.tech = tech
        m = mk_member(a1, d["id"], tech)
        c = mk_crew(a1, 1)
        e = post_entry(a1, c["id"], "deposit", 100000).json()
        mv = mk_move_in(a1, u["id"], p["id"])
        rn = mk_renovation(a1, u["id"], p["id"], crew_id=c["id"])
        cd = post_card(a1, u["id"], "S001", "issued").json()
        cls.theirs = {"departments": d, "department-members": m, "crews": c,
                      "crew-deposit-entries": e, "move-ins": mv, "renovations": rn, "cards": cd}
        cls.unit, cls.person = u, p

    def test_other_projects_records_are_invisible(self):
        a2 = self.en("agent2", "password-123")
        head = self.audit_head()
        for kind in self.KINDS:
            row = self.theirs[kind]
            path = "/api/v1/%s/%d" % (kind, row["id"])
            self.assertNotFound(a2.get(path), msg=path)
            if kind not in ("crew-deposit-entries", "cards"):
                self.assertNotFound(a2.patch(path, {"version": row["version"]}), msg=path)
                self.assertNotFound(a2.delete(path), msg=path)
            self.assertEqual(self.all_items(a2, kind), [], kind)
            self.assertEqual(self.all_items(a2, kind, project_id=1), [], kind)
            now = dict(self.row(kind, row["id"]))
            if kind == "crews":  # created before its deposit: only the balance moved
                self.assertEqual(now.pop("deposit_balance_fen"), 100000)
                row = dict(row, deposit_balance_fen=None)
                row.pop("deposit_balance_fen")
            self.assertEqual(now, row, kind)
        # creating in project 1, or pointing project 2's rows at project 1's
        self.assertReason(a2.post("/api/v1/departments", {"project_id": 1, "code": "X",
                                                          "name": "不行"}),
                          "project_id", "unknown_project")
        self.assertReason(post_entry(a2, self.theirs["crews"]["id"], "deduction", 1,
                                     project=1), "project_id", "unknown_project")
        self.assertReason(post_entry(a2, self.theirs["crews"]["id"], "deposit", 1,
                                     project=self.p2), "crew_id", "unknown_reference")
        self.assertReason(post_card(a2, self.unit["id"], "S001", "returned", project=self.p2),
                          "unit_id", "unknown_reference")
        d2 = mk_department(a2, self.p2)
        r = a2.post("/api/v1/department-members", {"project_id": self.p2,
                                                   "department_id": d2["id"],
                                                   "user_id": self.tech})
        self.assertReason(r, "user_id", "unknown_reference")  # technician is of project 1
        r = a2.post("/api/v1/department-members", {"project_id": self.p2,
                                                   "department_id": self.theirs["departments"]["id"],
                                                   "user_id": self.user_id("agent2")})
        self.assertReason(r, "department_id", "unknown_reference")
        self.assertEqual(self.balance(self.theirs["crews"]["id"]), 100000)
        self.assertEqual([(e["entity"], e["action"]) for e in self.writes_since(head)],
                         [("department", "create")])

    def test_technician_reads_but_does_not_write(self):
        tech = self.en("technician")
        head = self.audit_head()
        for kind in self.KINDS:
            row = self.theirs[kind]
            r = tech.get("/api/v1/%s/%d" % (kind, row["id"]))
            self.assertStatus(r, 200, kind)
            self.assertIn(row["id"], [x["id"] for x in items(tech.get("/api/v1/" + kind))], kind)
        crew = self.row("crews", self.theirs["crews"]["id"], tech)
        self.assertEqual(crew["deposit_balance_fen"], 100000)
        bodies = {
            "departments": {"project_id": 1, "code": "T", "name": "不行"},
            "department-members": {"project_id": 1, "department_id":
                                   self.theirs["departments"]["id"], "user_id": self.tech},
            "crews": {"project_id": 1, "name": "不行"},
            "crew-deposit-entries": {"project_id": 1, "crew_id": self.theirs["crews"]["id"],
                                     "kind": "deduction", "amount_fen": 100},
            "move-ins": {"project_id": 1, "unit_id": self.unit["id"],
                         "person_id": self.person["id"], "move_in_date": "2025-01-01"},
            "renovations": {"project_id": 1, "unit_id": self.unit["id"],
                            "person_id": self.person["id"]},
            "cards": {"project_id": 1, "unit_id": self.unit["id"], "item": "card",
                      "identifier": "S001", "action": "returned", "happened_on": "2025-01-01"},
        }
        for kind, body in bodies.items():
            self.assertError(tech.post("/api/v1/" + kind, body), 403, "forbidden", msg=kind)
            if kind not in ("crew-deposit-entries", "cards"):
                path = "/api/v1/%s/%d" % (kind, self.theirs[kind]["id"])
                self.assertError(tech.patch(path, {"version": self.theirs[kind]["version"]}),
                                 403, "forbidden", msg=kind)
                self.assertError(tech.delete(path), 403, "forbidden", msg=kind)
        self.assertNoWrites(head)
        self.assertEqual(self.balance(self.theirs["crews"]["id"]), 100000)


if __name__ == "__main__":
    import unittest
    unittest.main()
