"""The seeds' two flows end to end (../shared/seeds/003: 客诉处理流程, 报修处理流程), as a desk
would walk them through the API:

* a major complaint about water damage: escalated to the manager at intake, the manager on site
  within 2 working days (over a weekend), compensation borne by the crew at fault approved by the
  manager and posted to its warranty deposit, the follow-up call unsatisfied and the ticket
  reopened to the department, resolved again, satisfied, closed — not a first-time close — and
  the crew's month-end settlement showing what it bore;
* repairs of a leak: routed to engineering inside the warranty, a normal repair (labour only,
  approved at once) closed first time, the second leak of the unit within 30 days flagged as a
  repeat of the first, an abnormal repair (materials) that cannot close until the supervisor
  approves its cost, deducted from the crew's deposit, and a third leak after the window that is
  no repeat.
"""
from test_charges import ChargeMixin
from test_ticket_flow import DeskCase


class ComplaintFlow(ChargeMixin, DeskCase):
    START = "2027-03-04 10:00"  # a Thursday: the manager's 2 working days span the weekend

    def prepare(self):
        type(self).d = self.dept("engineering", mode="round_robin", members=("technician",))
        type(self).crew_id = self.crew(deposit=300000)

    def test_major_complaint_from_call_to_close(self):
        tech = self.as_("technician")
        unit, person = self.household(warranty_end="2099-12-31")
        t = self.create(type="complaint", severity="major", category_id=self.cat("leak_pipe"),
                        department_id=self.d, unit_id=unit["id"], person_id=person["id"],
                        caller_name=person["name"], subject="楼上漏水泡坏木地板，要求赔偿",
                        description="业主称楼上卫生间漏水，客厅木地板起拱，要求施工队赔偿损失")
        tid = t["id"]
        # escalated to the managers at intake, dispatched to engineering at once
        self.assertEqual((t["status"], t["escalation_level"], t["department_id"],
                          t["assignee_id"]), ("dispatched", 2, self.d, self.uid("technician")))
        self.assertEqual([n["kind"] for n in self.notes("manager", tid)], ["major_complaint"])
        onsite = self.clock(t, "onsite")
        self.assertEqual((onsite["target_minutes"], onsite["state"]), (960, "running"))
        # Thu 10:00–18:00 (390 min), Fri (480), Mon 08:30–10:00 (90)
        self.assertAt(onsite["due_at"], "2027-03-08 10:00")
        for to in ("acknowledged", "contacted"):
            t = self.move(tid, to, tech, version=t["version"])
        # Friday afternoon: the manager on site, within the 2 working days
        self.set_clock("2027-03-05 15:00")
        r = self.as_("manager").post("/api/v1/tickets/%d/onsite" % tid,
                                     {"note": "王经理上门查看，确认为原施工队防水层施工问题"})
        self.assertStatus(r, 200)
        t = r.json()
        self.assertEqual((self.clock(t, "onsite")["state"], self.clock(t, "onsite")["breached"]),
                         ("met", False))
        # compensation of ¥800 borne by the crew: above the supervisor's ¥500, the manager's
        before = self.balance(self.crew_id)
        c = self.compensate(tid, amount_fen=80000, bearer="crew", bearer_id=self.crew_id,
                            reason="木地板更换赔偿，原施工队承担")
        self.assertEqual((c["status"], c["level"]), ("pending", "manager"))
        self.assertError(self.decide(c["id"], "supervisor", expect=None), 403, "approval_level")
        self.assertEqual(self.balance(self.crew_id), before)
        d = self.decide(c["id"], "manager", note="同意由施工队承担", version=c["version"])
        self.assertEqual(d["status"], "approved")
        self.assertEqual(self.balance(self.crew_id), before - 80000)
        # the repair: scheduled, then resolved with the crew's labour
        t = self.move(tid, "scheduled", tech, version=self.ticket(tid)["version"],
                      plan="重做楼上卫生间防水，更换客厅木地板", visit_at="2027-03-08T01:00:00Z")
        t = self.move(tid, "resolved", tech, version=t["version"], resolution="防水重做，地板已更换",
                      labour_fen=20000, charged_crew_id=self.crew_id)
        self.assertEqual(self.balance(self.crew_id), before - 100000)
        # the follow-up call: not satisfied — back to the department, reopened
        r = self.as_("agent").post("/api/v1/tickets/%d/follow-ups" % tid, {
            "satisfied": False, "score_overall": 2, "score_timeliness": 3, "score_attitude": 4,
            "comment": "新地板仍有水渍，墙角发霉"})
        self.assertStatus(r, 200)
        t = r.json()
        self.assertEqual((t["status"], t["reopen_count"], t["department_id"], t["is_open"]),
                         ("reopened", 1, self.d, True))
        self.assertIn(tid, [x["id"] for x in self.as_("agent").get(
            "/api/v1/tickets", query={"q": "水渍"}).json()["items"]])
        # resolved again, then satisfied: closed, but not first time
        t = self.move(tid, "resolved", tech, version=t["version"], resolution="墙角除霉，地板烘干")
        r = self.as_("agent").post("/api/v1/tickets/%d/follow-ups" % tid, {
            "satisfied": True, "score_overall": 4, "comment": "满意"})
        self.assertStatus(r, 200)
        t = r.json()
        self.assertEqual((t["status"], t["is_open"], t["first_time_close"]),
                         ("closed", False, False))
        calls = self.ok(self.as_("agent").get("/api/v1/tickets/%d/follow-ups" % tid), 200,
                        "calls")["items"]
        self.assertEqual([x["satisfied"] for x in calls], [False, True])
        # the timeline tells the story in order
        kinds = [(e["kind"], e["to"]) for e in self.events(tid)]
        story = [("created", "new"), ("escalated", None), ("dispatched", "dispatched"),
                 ("status", "acknowledged"), ("status", "contacted"), ("manager_on_site", None),
                 ("status", "scheduled"), ("status", "resolved"), ("follow_up", None),
                 ("status", "reopened"), ("status", "resolved"), ("follow_up", None),
                 ("status", "closed")]
        self.assertEqual([k for k in kinds if k in story], story)
        # the crew's March settlement: the compensation and the labour it bore
        s = self.ok(self.as_("manager").get("/api/v1/crews/%d/settlement" % self.crew_id,
                                            query={"month": "2027-03"}), 200, "settlement")
        mine = [e for e in s["entries"] if e["ticket_id"] == tid]
        self.assertEqual(sorted((e["charge_kind"], e["amount_fen"]) for e in mine),
                         [("compensation", -80000), ("repair", -20000)])
        self.assertEqual(s["closing_balance_fen"], self.balance(self.crew_id))


class RepairFlow(ChargeMixin, DeskCase):
    START = "2027-03-01 09:00"  # a Monday

    def prepare(self):
        type(self).d = self.dept("engineering", mode="round_robin", members=("technician",))
        type(self).crew_id = self.crew(deposit=100000)

    def leak(self, unit, person, subject):
        return self.create(type="repair", category_id=self.cat("leak_pipe"), unit_id=unit["id"],
                           person_id=person["id"], caller_name=person["name"], subject=subject)

    def work(self, tid):
        tech = self.as_("technician")
        t = self.ticket(tid)
        for to in ("acknowledged", "contacted"):
            t = self.move(tid, to, tech, version=t["version"])
        return t

    def call(self, tid, satisfied=True, expect=200):
        r = self.as_("agent").post("/api/v1/tickets/%d/follow-ups" % tid,
                                   {"satisfied": satisfied, "score_overall": 5})
        return self.ok(r, expect, "follow-up") if expect == 200 else r

    def test_normal_abnormal_and_repeated_leaks(self):
        tech = self.as_("technician")
        unit, person = self.household(warranty_end="2099-12-31")
        # a leak inside the warranty goes to engineering (the seeded rule) and is dispatched
        t1 = self.leak(unit, person, "卫生间水管漏水")
        self.assertEqual((t1["department_id"], t1["status"], t1["repeat_of"]),
                         (self.d, "dispatched", None))
        t = self.work(t1["id"])
        # a normal repair: labour only, approved at once, borne by the company
        t = self.move(t1["id"], "resolved", tech, version=t["version"], resolution="更换软管",
                      labour_fen=5000)
        [c] = self.charges(t1["id"])
        self.assertEqual((c["repair"], c["status"], c["bearer"], c["amount_fen"]),
                         ("normal", "approved", "company", 5000))
        t = self.call(t1["id"])
        self.assertEqual((t["status"], t["first_time_close"]), ("closed", True))

        # ten days later the same unit leaks again: a repeat of the first
        self.set_clock("2027-03-11 09:00")
        t2 = self.leak(unit, person, "卫生间又漏水了")
        self.assertEqual(t2["repeat_of"], t1["id"])
        created = [e for e in self.events(t2["id"]) if e["kind"] == "created"][0]
        self.assertEqual(created["data"]["repeat_of"], t1["id"])
        t = self.work(t2["id"])
        # an abnormal repair: materials replaced, borne by the crew that laid the pipes
        before = self.balance(self.crew_id)
        t = self.move(t2["id"], "resolved", tech, version=t["version"],
                      resolution="更换三通接头和一段水管", labour_fen=6000,
                      charged_crew_id=self.crew_id, materials=[
                          {"name": "三通接头", "quantity": 2, "unit_price_fen": 1500},
                          {"name": "PPR 水管（米）", "quantity": 1.5, "unit_price_fen": 2000}])
        [c] = self.charges(t2["id"])
        self.assertEqual((c["repair"], c["status"], c["level"], c["amount_fen"]),
                         ("abnormal", "pending", "supervisor", 12000))
        # it cannot close before the supervisor signs the cost
        r = self.call(t2["id"], expect=None)
        self.assertError(r, 409, "approval_pending")
        self.assertEqual(self.ticket(t2["id"])["status"], "resolved")
        self.assertEqual(self.balance(self.crew_id), before)
        self.decide(c["id"], "supervisor", note="材料已核实")
        self.assertEqual(self.balance(self.crew_id), before - 12000)
        t = self.call(t2["id"])
        self.assertEqual((t["status"], t["first_time_close"]), ("closed", True))

        # five weeks after the second, a third leak is no repeat (the window is 30 days)
        self.set_clock("2027-04-15 09:00")
        t3 = self.leak(unit, person, "卫生间漏水")
        self.assertIsNone(t3["repeat_of"])
        # the leaks of the unit, found by search, newest first
        found = self.as_("agent").get("/api/v1/tickets", query={"q": "卫生间 漏水"}).json()
        self.assertEqual([x["id"] for x in found["items"]][:3], [t3["id"], t2["id"], t1["id"]])
