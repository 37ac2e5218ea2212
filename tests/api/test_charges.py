"""Service desk II, resolution costs and compensation (维修费用、赔偿) and the crews'
month-end settlement (质保金月结): a repair's labour and materials given when it is resolved
(labour only is a normal repair, approved at once; with materials an abnormal one waiting for a
supervisor); compensation approved by the supervisor, the manager or the executive by amount
(the limits in /api/v1/desk-settings), refused at creation when the project has no executive to
approve it; the decisions (own requests, levels, notes, versions); the close gate; deductions
posted to the bearing crew's warranty deposit; the settlement per crew and per project with the
month's bounds in the project's time zone; the project scope.
"""
from test_records import mk_project
from test_ticket_flow import DeskCase, next_seq


class ChargeMixin:
    def crew(self, project=1, deposit=100000, client=None):
        c = client or self.as_("admin")
        crew = self.ok(c.post("/api/v1/crews", {"project_id": project,
                                                "name": "施工队 %d" % next_seq()}), 201, "crew")
        if deposit:
            self.ok(c.post("/api/v1/crew-deposit-entries", {
                "project_id": project, "crew_id": crew["id"], "kind": "deposit",
                "amount_fen": deposit, "note": "质保金"}), 201, "deposit")
        return crew["id"]

    def balance(self, crew):
        return self.ok(self.as_("admin").get("/api/v1/crews/%d" % crew), 200,
                       "crew")["deposit_balance_fen"]

    def contacted(self, type="repair", **kw):
        t = self.create(type=type, department_id=self.d, **kw)
        for to in ("acknowledged", "contacted"):
            self.move(t["id"], to)
        return t

    def resolve(self, tid, expect=200, client=None, **cost):
        return self.move(tid, "resolved", client=client, expect=expect,
                         resolution="已修复", **cost)

    def charges(self, tid, client=None):
        return self.ok((client or self.as_("admin")).get("/api/v1/tickets/%d/charges" % tid),
                       200, tid)["items"]

    def compensate(self, tid, login="agent", expect=201, **body):
        return self.ok(self.as_(login).post("/api/v1/tickets/%d/compensations" % tid, body),
                       expect, body)

    def decide(self, cid, login, verb="approve", expect=200, **body):
        return self.ok(self.as_(login).post("/api/v1/charges/%d/%s" % (cid, verb), body),
                       expect, (cid, verb, login))

    def counts_of(self, *tables):
        return [self.db.scalar("SELECT COUNT(*) FROM %s" % t) for t in tables]


class Repairs(ChargeMixin, DeskCase):
    def prepare(self):
        type(self).d = self.dept("property", mode="round_robin", members=("technician",))
        type(self).c1 = self.crew()

    def test_normal_repair_is_approved_at_once_and_deducted(self):
        t = self.contacted()
        before = self.balance(self.c1)
        r = self.resolve(t["id"], labour_fen=8000, charged_crew_id=self.c1)
        self.assertEqual(r["status"], "resolved")
        [c] = self.charges(t["id"])
        self.assertEqual((c["kind"], c["repair"], c["status"], c["level"], c["amount_fen"],
                          c["labour_fen"], c["materials_fen"], c["materials"], c["bearer"],
                          c["bearer_id"]),
                         ("repair", "normal", "approved", "none", 8000, 8000, 0, None, "crew",
                          self.c1))
        self.assertIsNotNone(c["decided_at"])
        self.assertIsNone(c["decided_by"])
        self.assertEqual(self.balance(self.c1), before - 8000)
        entry = self.ok(self.as_("admin").get(
            "/api/v1/crew-deposit-entries/%d" % c["deposit_entry_id"]), 200, "entry")
        self.assertEqual((entry["kind"], entry["amount_fen"], entry["charge_id"]),
                         ("deduction", -8000, c["id"]))
        ev = [e for e in self.events(t["id"]) if e["to"] == "resolved"][-1]
        self.assertEqual(ev["data"]["cost"], {
            "charge_id": c["id"], "repair": "normal", "labour_fen": 8000, "materials_fen": 0,
            "amount_fen": 8000, "status": "approved", "level": "none", "bearer": "crew",
            "bearer_id": self.c1, "deposit_entry_id": c["deposit_entry_id"]})
        audit = self.as_("admin").get("/api/v1/audit", query={"entity": "ticket_charge",
                                                              "entity_id": c["id"]}).json()
        self.assertEqual([a["action"] for a in audit["items"]], ["create"])
        closed = self.move(t["id"], "closed")
        self.assertEqual(closed["status"], "closed")

    def test_no_cost_makes_no_charge(self):
        t = self.contacted()
        self.resolve(t["id"], labour_fen=0)
        self.assertEqual(self.charges(t["id"]), [])
        self.assertNotIn("cost", [e for e in self.events(t["id"])
                                  if e["to"] == "resolved"][-1]["data"] or {})

    def test_abnormal_repair_waits_for_the_supervisor_before_closing(self):
        t = self.contacted()
        tid = t["id"]
        before = self.balance(self.c1)
        self.resolve(tid, labour_fen=6000, charged_crew_id=self.c1, materials=[
            {"name": "防水涂料", "quantity": 2.5, "unit_price_fen": 4000},
            {"name": "密封胶", "quantity": 1, "unit_price_fen": 1550},
            {"name": "螺丝", "quantity": 0.333, "unit_price_fen": 100}])
        [c] = self.charges(tid)
        self.assertEqual((c["repair"], c["status"], c["level"], c["labour_fen"],
                          c["materials_fen"], c["amount_fen"]),
                         ("abnormal", "pending", "supervisor", 6000, 11583, 17583))
        self.assertEqual([(m["name"], m["quantity"], m["unit_price_fen"], m["amount_fen"])
                          for m in c["materials"]],
                         [("防水涂料", 2.5, 4000, 10000), ("密封胶", 1, 1550, 1550),
                          ("螺丝", 0.333, 100, 33)])
        self.assertTrue(self.notes("supervisor", ticket=tid, kind="charge_pending"))
        self.assertEqual(self.balance(self.c1), before)
        # the close gate: neither a satisfied call nor a transition closes it
        calls = self.counts_of("follow_ups", "ticket_events")
        r = self.as_("agent").post("/api/v1/tickets/%d/follow-ups" % tid,
                                   {"satisfied": True, "score_overall": 5})
        err = self.assertError(r, 409, "approval_pending")
        self.assertEqual(err["charge_id"], c["id"])
        self.assertError(self.move(tid, "closed", expect=None), 409, "approval_pending")
        self.assertEqual(self.counts_of("follow_ups", "ticket_events"), calls)
        self.assertEqual(self.ticket(tid)["status"], "resolved")
        # who may not decide
        self.assertError(self.decide(c["id"], "agent", expect=None), 403, "forbidden")
        self.assertError(self.decide(c["id"], "admin", expect=None), 403, "approval_level")
        # the supervisor approves: the crew's deposit pays
        d = self.decide(c["id"], "supervisor", note="材料已核实", version=c["version"])
        self.assertEqual((d["status"], d["decided_by"], d["decision_note"], d["version"]),
                         ("approved", self.uid("supervisor"), "材料已核实", c["version"] + 1))
        self.assertEqual(self.balance(self.c1), before - 17583)
        self.assertEqual(self.kinds(tid)[-1], "charge_approved")
        self.assertTrue(self.notes("agent", ticket=tid, kind="charge_approved"))
        self.assertError(self.decide(c["id"], "manager", expect=None), 409, "not_pending")
        r = self.as_("agent").post("/api/v1/tickets/%d/follow-ups" % tid,
                                   {"satisfied": True, "score_overall": 5})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["status"], "closed")
        actions = [a["action"] for a in self.as_("admin").get("/api/v1/audit", query={
            "entity": "ticket_charge", "entity_id": c["id"]}).json()["items"]]
        self.assertEqual(actions, ["approve", "create"])

    def test_a_reopened_ticket_resolved_again_adds_a_charge(self):
        t = self.contacted()
        self.resolve(t["id"], labour_fen=3000)
        self.move(t["id"], "reopened", note="又漏了")
        self.resolve(t["id"], labour_fen=2000, materials=[
            {"name": "水管", "quantity": 3, "unit_price_fen": 1000}])
        got = [(c["repair"], c["status"], c["amount_fen"], c["bearer"], c["bearer_id"])
               for c in self.charges(t["id"])]
        self.assertEqual(got, [("normal", "approved", 3000, "company", None),
                               ("abnormal", "pending", 5000, "company", None)])

    def test_bad_costs_change_nothing(self):
        t = self.contacted()
        tid = t["id"]
        p2 = mk_project(self.as_("admin"))["id"]
        elsewhere = self.crew(project=p2, deposit=0)
        before = self.snapshot(tid), self.counts_of("ticket_charges", "crew_deposit_entries")
        line = {"name": "瓷砖", "quantity": 1, "unit_price_fen": 100}
        for body, field in (
                ({"labour_fen": 100, "charged_crew_id": elsewhere}, "charged_crew_id"),
                ({"labour_fen": 100, "charged_crew_id": 999999}, "charged_crew_id"),
                ({"charged_crew_id": self.c1}, "charged_crew_id"),
                ({"labour_fen": -1}, "labour_fen"),
                ({"labour_fen": 10 ** 10 + 1}, "labour_fen"),
                ({"materials": [dict(line, quantity=1000000, unit_price_fen=10 ** 10)]},
                 "materials[0].unit_price_fen"),
                ({"labour_fen": 10 ** 10, "materials": [line]}, "materials"),
                ({"materials": [dict(line, quantity=2, unit_price_fen=6 * 10 ** 9)]},
                 "materials"),
                ({"materials": [dict(line, quantity=0.0001)]}, "materials[0].quantity"),
                ({"materials": [dict(line, quantity=0)]}, "materials[0].quantity"),
                ({"materials": [dict(line, quantity="2")]}, "materials[0].quantity"),
                ({"materials": [dict(line, name="")]}, "materials[0].name"),
                ({"materials": [dict(line, name="长" * 101)]}, "materials[0].name"),
                ({"materials": [dict(line, colour="red")]}, "materials[0].colour"),
                ({"materials": [dict(line)] * 51}, "materials"),
                ({"materials": {"name": "x"}}, "materials"),
                ({"materials": ["x"]}, "materials[0]")):
            r = self.resolve(tid, expect=None, **body)
            self.assertReasonKey(r, field, msg=repr(body)[:80])
        self.assertEqual((self.snapshot(tid), self.counts_of("ticket_charges",
                                                             "crew_deposit_entries")), before)
        # exactly at the limit is fine
        self.assertStatus(self.resolve(tid, expect=None, labour_fen=10 ** 10,
                                       materials=[dict(line, unit_price_fen=0)]), 200)
        self.move(tid, "reopened", note="重做")
        self.assertEqual([c["amount_fen"] for c in self.charges(tid)], [10 ** 10])
        # cost fields belong to the resolution only
        t2 = self.contacted()
        r = self.move(t2["id"], "scheduled", expect=None, plan="明天上门",
                      visit_at="2099-01-01T10:00:00+08:00", labour_fen=100)
        self.assertReasonKey(r, "labour_fen", "resolve_only")
        self.assertEqual(self.ticket(t2["id"])["status"], "contacted")


class Compensation(ChargeMixin, DeskCase):
    def prepare(self):
        type(self).d = self.dept("property", mode="round_robin", members=("technician",))
        type(self).c1 = self.crew()

    def complaint(self):
        return self.create(type="complaint", department_id=self.d)

    def test_levels_follow_the_company_limits(self):
        s = self.ok(self.as_("agent").get("/api/v1/desk-settings"), 200, "settings")
        self.assertEqual((s["compensation_supervisor_max_fen"], s["compensation_manager_max_fen"]),
                         (50000, 500000))
        t = self.complaint()
        got = [self.compensate(t["id"], amount_fen=a, bearer="company", reason="赔偿 %d" % a)
               for a in (50000, 50001, 500000, 500001)]
        self.assertEqual([(c["level"], c["status"], c["kind"], c["repair"]) for c in got],
                         [("supervisor", "pending", "compensation", None),
                          ("manager", "pending", "compensation", None),
                          ("manager", "pending", "compensation", None),
                          ("executive", "pending", "compensation", None)])
        self.assertEqual(self.kinds(t["id"]).count("compensation_requested"), 4)
        self.assertTrue(self.notes("manager", ticket=t["id"], kind="charge_pending"))
        self.assertTrue(self.notes("executive", ticket=t["id"], kind="charge_pending"))
        # below the level: 403 naming who approves
        err = self.assertError(self.decide(got[1]["id"], "supervisor", expect=None), 403,
                               "approval_level")
        self.assertEqual(err["required_level"], "manager")
        err = self.assertError(self.decide(got[3]["id"], "manager", expect=None), 403,
                               "approval_level")
        self.assertEqual(err["required_level"], "executive")
        # at or above the level: approved
        self.assertEqual(self.decide(got[0]["id"], "manager")["status"], "approved")
        self.assertEqual(self.decide(got[1]["id"], "manager")["status"], "approved")
        self.assertEqual(self.decide(got[2]["id"], "executive")["status"], "approved")
        self.assertEqual(self.decide(got[3]["id"], "executive")["status"], "approved")
        self.assertTrue(self.notes("agent", ticket=t["id"], kind="charge_approved"))

    def test_own_request_and_refusal(self):
        t = self.complaint()
        c = self.compensate(t["id"], login="supervisor", amount_fen=20000, bearer="crew",
                            bearer_id=self.c1, reason="地板划伤")
        self.assertEqual((c["created_by"], c["bearer_name"] is not None),
                         (self.uid("supervisor"), True))
        self.assertError(self.decide(c["id"], "supervisor", expect=None), 403, "own_request")
        before = self.balance(self.c1)
        self.assertReasonKey(self.decide(c["id"], "manager", "refuse", expect=None), "note")
        r = self.decide(c["id"], "manager", "refuse", note="责任不在施工队")
        self.assertEqual((r["status"], r["decision_note"], r["deposit_entry_id"]),
                         ("refused", "责任不在施工队", None))
        self.assertEqual(self.balance(self.c1), before)
        self.assertEqual(self.kinds(t["id"])[-1], "charge_refused")
        self.assertTrue(self.notes("supervisor", ticket=t["id"], kind="charge_refused"))
        self.assertError(self.decide(c["id"], "manager", expect=None), 409, "not_pending")

    def test_a_retry_with_the_same_key_makes_one_charge(self):
        t = self.complaint()
        body = {"amount_fen": 3000, "bearer": "company", "reason": "误工补偿"}
        key = {"Idempotency-Key": "comp-%d" % next_seq()}
        first = self.as_("agent").request("POST", "/api/v1/tickets/%d/compensations" % t["id"],
                                          json_body=body, headers=key)
        self.assertStatus(first, 201)
        again = self.as_("agent").request("POST", "/api/v1/tickets/%d/compensations" % t["id"],
                                          json_body=body, headers=key)
        self.assertStatus(again, 200)
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        self.assertEqual(again.json()["id"], first.json()["id"])
        other = self.as_("agent").request("POST", "/api/v1/tickets/%d/compensations" % t["id"],
                                          json_body=dict(body, amount_fen=3001), headers=key)
        self.assertError(other, 422, "idempotency_key_reused")
        intake = self.as_("agent").request("POST", "/api/v1/tickets", json_body=self.body(),
                                           headers=key)
        self.assertError(intake, 422, "idempotency_key_reused")
        self.assertEqual([c["id"] for c in self.charges(t["id"])], [first.json()["id"]])
        self.assertEqual(self.kinds(t["id"]).count("compensation_requested"), 1)

    def test_a_crew_or_department_bearing_a_charge_stays(self):
        t = self.complaint()
        crew = self.crew(deposit=0)
        dept = self.dept("external")
        self.compensate(t["id"], amount_fen=100, bearer="crew", bearer_id=crew, reason="x")
        self.compensate(t["id"], amount_fen=100, bearer="department", bearer_id=dept, reason="y")
        for path in ("/api/v1/crews/%d" % crew, "/api/v1/departments/%d" % dept):
            err = self.assertError(self.as_("admin").delete(path), 409, "has_dependents")
            self.assertEqual(err["dependents"], {"charges": 1}, path)

    def test_stale_version(self):
        t = self.complaint()
        c = self.compensate(t["id"], amount_fen=1000, bearer="company", reason="误工")
        r = self.decide(c["id"], "supervisor", expect=None, version=c["version"] + 5)
        self.assertError(r, 409, "version_conflict")
        self.assertEqual(self.charges(t["id"])[-1]["status"], "pending")
        self.assertEqual(self.decide(c["id"], "supervisor", version=c["version"])["status"],
                         "approved")

    def test_bad_compensations_change_nothing(self):
        admin = self.as_("admin")
        p2 = mk_project(admin)["id"]
        other_crew = self.crew(project=p2, deposit=0)
        other_dept = self.dept("property", project=p2)
        outsider = self.staff("outsider%d" % next_seq(), projects=(p2,))
        t = self.complaint()
        before = self.counts_of("ticket_charges", "ticket_events", "audit_log")
        for body, field in (({"bearer": "crew", "bearer_id": other_crew}, "bearer_id"),
                            ({"bearer": "department", "bearer_id": other_dept}, "bearer_id"),
                            ({"bearer": "staff", "bearer_id": outsider}, "bearer_id"),
                            ({"bearer": "crew"}, "bearer_id"),
                            ({"bearer": "company", "bearer_id": self.c1}, "bearer_id"),
                            ({"bearer": "owner"}, "bearer"),
                            ({"bearer": "company", "amount_fen": 0}, "amount_fen"),
                            ({"bearer": "company", "amount_fen": 10 ** 10 + 1}, "amount_fen"),
                            ({"bearer": "company", "reason": ""}, "reason"),
                            ({"bearer": "company", "version": 1}, "version")):
            body = dict({"amount_fen": 1000, "reason": "赔偿"}, **body)
            self.assertReasonKey(self.compensate(t["id"], expect=None, **body), field,
                                 msg=repr(body))
        inquiry = self.create(type="inquiry", department_id=self.d)
        r = self.compensate(inquiry["id"], expect=None, amount_fen=100, bearer="company",
                            reason="x")
        self.assertError(r, 409, "not_chargeable")
        self.move(inquiry["id"], "cancelled", note="重复")
        self.assertEqual(self.counts_of("ticket_charges")[0], before[0])
        staff = self.compensate(t["id"], amount_fen=100, bearer="staff",
                                bearer_id=self.uid("technician"), reason="态度差")
        self.assertEqual(staff["bearer_name"], "赵师傅")
        self.assertEqual(self.counts_of("ticket_charges")[0], str(int(before[0]) + 1))

    def test_thresholds_are_validated_and_audited(self):
        admin = self.as_("admin")
        r = admin.patch("/api/v1/desk-settings", {"compensation_supervisor_max_fen": 600000})
        self.assertReasonKey(r, "compensation_supervisor_max_fen")
        r = admin.patch("/api/v1/desk-settings", {"compensation_manager_max_fen": 100})
        self.assertReasonKey(r, "compensation_manager_max_fen")
        r = admin.patch("/api/v1/desk-settings", {"compensation_manager_max_fen": -1})
        self.assertReasonKey(r, "compensation_manager_max_fen")
        self.assertError(self.as_("manager").patch("/api/v1/desk-settings",
                                                   {"compensation_manager_max_fen": 1}),
                         403, "forbidden")
        s = self.ok(admin.patch("/api/v1/desk-settings", {
            "compensation_supervisor_max_fen": 10000, "compensation_manager_max_fen": 20000}),
            200, "settings")
        try:
            t = self.complaint()
            c = self.compensate(t["id"], amount_fen=15000, bearer="company", reason="x")
            self.assertEqual(c["level"], "manager")
            audit = admin.get("/api/v1/audit", query={"entity": "desk_settings"}).json()
            self.assertEqual(audit["items"][0]["after"]["compensation_manager_max_fen"], 20000)
        finally:
            self.ok(admin.patch("/api/v1/desk-settings", {
                "compensation_supervisor_max_fen": 50000, "compensation_manager_max_fen": 500000,
                "version": s["version"]}), 200, "settings")

    def test_queue_shows_what_the_caller_may_approve(self):
        t = self.complaint()
        ids = {lvl: self.compensate(t["id"], amount_fen=a, bearer="company", reason=lvl)["id"]
               for lvl, a in (("supervisor", 100), ("manager", 100000),
                              ("executive", 900000))}

        def queue(login, **q):
            got = self.pages(self.as_(login), "/api/v1/charges", dict(q, project_id=1))
            return sorted(c["id"] for c in got if c["ticket_id"] == t["id"])

        self.assertEqual(queue("supervisor"), [ids["supervisor"]])
        self.assertEqual(queue("manager"), sorted([ids["supervisor"], ids["manager"]]))
        self.assertEqual(queue("executive"), sorted(ids.values()))
        self.assertEqual(queue("admin"), [])
        self.assertError(self.as_("agent").get("/api/v1/charges"), 403, "forbidden")
        self.decide(ids["supervisor"], "manager")
        self.assertEqual(queue("executive"), sorted([ids["manager"], ids["executive"]]))
        self.assertEqual(queue("supervisor", status="approved"), [ids["supervisor"]])
        self.assertEqual(queue("admin", status="approved", kind="compensation"),
                         [ids["supervisor"]])
        page = self.as_("executive").get("/api/v1/charges", query={"limit": 1}).json()
        self.assertEqual(len(page["items"]), 1)
        self.assertIsNotNone(page["next_cursor"])
        r = self.as_("manager").get("/api/v1/charges", query={"status": "done"})
        self.assertReasonKey(r, "status")


class Executives(ChargeMixin, DeskCase):
    """A project of its own, without an executive until the test adds one."""

    def prepare(self):
        admin = self.as_("admin")
        p = type(self).p = mk_project(admin)["id"]
        type(self).crew_p = self.crew(project=p, deposit=1000000)
        for role in ("agent", "manager"):
            self.staff("%s-p%d" % (role, p), role=role, projects=(p,))

    def test_above_the_manager_needs_an_executive_of_the_project(self):
        p = self.p
        agent, manager = "agent-p%d" % p, "manager-p%d" % p
        t = self.create(self.as_(agent), project_id=p)
        before = self.counts_of("ticket_charges", "ticket_events", "audit_log", "notifications")
        r = self.compensate(t["id"], login=agent, expect=None, amount_fen=800000, bearer="crew",
                            bearer_id=self.crew_p, reason="房屋受损")
        err = self.assertError(r, 422, "no_approver")
        self.assertEqual(err["required_level"], "executive")
        self.assertEqual(self.counts_of("ticket_charges", "ticket_events", "audit_log",
                                        "notifications"), before)
        self.assertEqual(self.charges(t["id"]), [])
        # the demo executive belongs to the demo project only; an inactive one does not count
        boss = "boss-p%d" % p
        self.staff(boss, role="executive", projects=(p,))
        c = self.compensate(t["id"], login=agent, amount_fen=800000, bearer="crew",
                            bearer_id=self.crew_p, reason="房屋受损")
        self.assertEqual((c["status"], c["level"]), ("pending", "executive"))
        self.assertTrue(self.notes(boss, ticket=t["id"], kind="charge_pending"))
        self.assertError(self.decide(c["id"], manager, expect=None), 403, "approval_level")
        self.assertError(self.decide(c["id"], "executive", expect=None), 404, "not_found")
        before = self.balance(self.crew_p)
        d = self.decide(c["id"], boss, note="同意")
        self.assertEqual((d["status"], d["decided_by"]), ("approved", self.uid(boss)))
        self.assertEqual(self.balance(self.crew_p), before - 800000)
        entry = self.ok(self.as_("admin").get(
            "/api/v1/crew-deposit-entries/%d" % d["deposit_entry_id"]), 200, "entry")
        self.assertEqual((entry["crew_id"], entry["amount_fen"], entry["charge_id"]),
                         (self.crew_p, -800000, c["id"]))
        self.assertIn(str(t["id"]), entry["note"])

    def test_the_scope_of_another_project(self):
        t = self.create(self.as_("agent-p%d" % self.p), project_id=self.p)
        c = self.compensate(t["id"], login="agent-p%d" % self.p, amount_fen=100,
                            bearer="company", reason="x")
        for login in ("agent", "supervisor", "manager"):  # demo staff: the demo project only
            cl = self.as_(login)
            self.assertError(cl.get("/api/v1/tickets/%d/charges" % t["id"]), 404, "not_found")
            self.assertError(cl.get("/api/v1/charges/%d" % c["id"]), 404, "not_found")
            self.assertError(cl.post("/api/v1/tickets/%d/compensations" % t["id"], {
                "amount_fen": 1, "bearer": "company", "reason": "x"}), 404, "not_found")
        for login in ("supervisor", "manager"):
            self.assertReasonKey(self.as_(login).get("/api/v1/charges",
                                                     query={"project_id": self.p}), "project_id")
            self.assertError(self.decide(c["id"], login, expect=None), 404, "not_found")
            ids = [x["id"] for x in self.pages(self.as_(login), "/api/v1/charges", {})]
            self.assertNotIn(c["id"], ids)
        self.assertError(self.as_("manager").get(
            "/api/v1/crews/%d/settlement" % self.crew_p, query={"month": "2027-03"}),
            404, "not_found")
        self.assertEqual(self.charges(t["id"], self.as_("manager-p%d" % self.p))[0]["id"],
                         c["id"])


class Settlement(ChargeMixin, DeskCase):
    START = "2027-03-31 23:50"  # Asia/Shanghai: 15:50 UTC, still March either way

    def prepare(self):
        type(self).d = self.dept("property", mode="round_robin", members=("technician",))

    def settlement(self, crew, month, login="manager", expect=200):
        return self.ok(self.as_(login).get("/api/v1/crews/%d/settlement" % crew,
                                           query={"month": month}), expect, month)

    def test_month_end_per_crew_and_per_project(self):
        crew = self.crew(deposit=100000)        # real time: long before the desk clock's 2027
        t1 = self.contacted()
        self.resolve(t1["id"], labour_fen=5000, charged_crew_id=crew)  # 2027-03-31 23:5x local
        self.set_clock("2027-04-01 00:10")      # 2027-03-31 16:10 UTC, but April locally
        t2 = self.contacted()
        self.resolve(t2["id"], labour_fen=2000, charged_crew_id=crew, materials=[
            {"name": "合页", "quantity": 2, "unit_price_fen": 2500}])
        [pending] = self.charges(t2["id"])
        self.decide(pending["id"], "supervisor")
        mar = self.settlement(crew, "2027-03")
        self.assertEqual((mar["from"], mar["to"], mar["timezone"]),
                         ("2027-02-28T16:00:00.000Z", "2027-03-31T16:00:00.000Z", "Asia/Shanghai"))
        self.assertEqual((mar["opening_balance_fen"], mar["deposits_fen"], mar["deductions_fen"],
                          mar["closing_balance_fen"], mar["entry_count"],
                          mar["deduction_count"]), (100000, 0, 5000, 95000, 1, 1))
        [e] = mar["entries"]
        c1 = self.charges(t1["id"])[0]
        self.assertEqual((e["kind"], e["amount_fen"], e["ticket_id"], e["charge_id"],
                          e["charge_kind"]), ("deduction", -5000, t1["id"], c1["id"], "repair"))
        apr = self.settlement(crew, "2027-04", login="executive")
        self.assertEqual((apr["opening_balance_fen"], apr["deductions_fen"],
                          apr["closing_balance_fen"], apr["deduction_count"]),
                         (95000, 7000, 88000, 1))
        self.assertEqual([x["ticket_id"] for x in apr["entries"]], [t2["id"]])
        may = self.settlement(crew, "2027-05", login="supervisor")
        self.assertEqual((may["opening_balance_fen"], may["closing_balance_fen"], may["entries"]),
                         (88000, 88000, []))
        feb = self.settlement(crew, "2027-02")
        self.assertEqual((feb["opening_balance_fen"], feb["deposits_fen"]), (100000, 0))
        rep = self.ok(self.as_("manager").get("/api/v1/reports/crew-settlement", query={
            "project_id": 1, "month": "2027-04"}), 200, "report")
        [row] = [c for c in rep["crews"] if c["crew_id"] == crew]
        self.assertEqual((row["opening_balance_fen"], row["deductions_fen"],
                          row["closing_balance_fen"], row["entry_count"]), (95000, 7000, 88000, 1))
        tot = rep["totals"]
        self.assertEqual(tot["closing_balance_fen"],
                         sum(c["closing_balance_fen"] for c in rep["crews"]))
        self.assertEqual(tot["deductions_fen"], sum(c["deductions_fen"] for c in rep["crews"]))

    def test_bad_requests(self):
        crew = self.crew(deposit=0)
        for month in ("2027-13", "2027-4", "27-04", "2027-04-01", "", "abcd-ef"):
            r = self.as_("manager").get("/api/v1/crews/%d/settlement" % crew,
                                        query={"month": month})
            self.assertReasonKey(r, "month", msg=month)
        self.assertReasonKey(self.as_("manager").get("/api/v1/crews/%d/settlement" % crew),
                             "month")
        self.assertError(self.as_("manager").get("/api/v1/crews/999999/settlement",
                                                 query={"month": "2027-04"}), 404, "not_found")
        for login in ("agent", "technician", "cashier"):
            self.assertError(self.as_(login).get("/api/v1/crews/%d/settlement" % crew,
                                                 query={"month": "2027-04"}), 403, "forbidden")
        r = self.as_("manager").get("/api/v1/reports/crew-settlement", query={"month": "2027-04"})
        self.assertReasonKey(r, "project_id")
        r = self.as_("admin").get("/api/v1/reports/crew-settlement",
                                  query={"month": "2027-04", "project_id": 999999})
        self.assertReasonKey(r, "project_id")
