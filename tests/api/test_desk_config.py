"""The service desk's configuration: ticket categories, routing rules, deadline policies,
project working calendars, holidays and make-up days (with iCalendar import).

Covers the seeded property defaults, CRUD of every kind with audit entries and version
conflicts, every refused input (answering the documented 4xx and changing nothing),
and permissions and project scope (staff read, only administrators write; another
project's rows and calendar are invisible)."""
import itertools

from harness import ServerTestCase

_seq = itertools.count(1)

# reasons as the server words them in English (src/core/i18n.c)
EN = {
    "required": "Required",
    "invalid": "Not valid",
    "out_of_range": "Out of range",
    "taken": "Already taken",
    "immutable": "Cannot be changed after creation",
    "unknown_field": "Unknown field",
    "unknown_project": "No such project",
    "unknown_reference": "No such record in this project",
    "unknown_building": "No such building in this project",
    "not_in_list": "Not one of the allowed values",
    "invalid_date": "Use a date like 2026-01-31",
    "unknown_category": "No such ticket category",
    "too_deep": "Categories nest at most 4 levels deep",
    "cycle": "Cannot move under itself or its subcategories",
    "requires_project": "Needs a project_id as well",
    "one_target_required": "Give exactly one of department_id and department_kind",
    "duplicate_milestone": "Each milestone may appear only once",
    "overlapping_windows": "Working windows overlap",
    "too_many_windows": "At most 4 working windows a day",
    "no_working_time": "The week has no working time",
    "bad_window": 'Use ["HH:MM", "HH:MM"] with the start before the end',
    "has_dependents": "Other records still depend on it",
}

ICAL = "\r\n".join([
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//kefu tests//CN",
    "BEGIN:VEVENT",
    "UID:spring-2027@test",
    "DTSTART;VALUE=DATE:20270206",
    "DTEND;VALUE=DATE:20270209",
    "SUMMARY:春节",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:makeup-2027@test",
    "DTSTART;VALUE=DATE:20270214",
    "SUMMARY:春节补班",
    "END:VEVENT",
    "END:VCALENDAR",
    "",
])


def seq():
    return next(_seq)


def items(resp):
    if resp.status != 200:
        raise AssertionError("list: expected 200, got %d: %s" % (resp.status, resp.body[:600]))
    return resp.json()["items"]


class DeskConfig(ServerTestCase):
    _boss = None
    _other = None

    @property
    def boss(self):
        """An administrator asking for English, shared by the class."""
        cls = type(self)
        if cls._boss is None or cls._boss.get("/api/v1/me").status != 200:
            cls._boss = self.server.login("admin", lang="en")
        return cls._boss

    def other_project(self):
        """A second project with a building and a department; the demo staff are not in it."""
        cls = type(self)
        if cls._other is None:
            n = seq()
            r = self.boss.post("/api/v1/projects", {"code": "other%d" % n, "name": "别的小区 %d" % n})
            self.assertStatus(r, 201)
            pid = r.json()["id"]
            b = self.boss.post("/api/v1/buildings",
                               {"project_id": pid, "code": "X%d" % n, "name": "X 栋"})
            self.assertStatus(b, 201)
            d = self.boss.post("/api/v1/departments",
                               {"project_id": pid, "code": "XD%d" % n, "name": "别的工程部",
                                "kind": "engineering"})
            self.assertStatus(d, 201)
            cls._other = {"project": pid, "building": b.json()["id"],
                          "department": d.json()["id"]}
        return cls._other

    def home(self):
        """A building and a department of demo project 1."""
        n = seq()
        b = self.boss.post("/api/v1/buildings", {"project_id": 1, "code": "H%d" % n, "name": "楼"})
        self.assertStatus(b, 201)
        d = self.boss.post("/api/v1/departments", {"project_id": 1, "code": "HD%d" % n,
                                                   "name": "工程部 %d" % n, "kind": "engineering"})
        self.assertStatus(d, 201)
        return b.json()["id"], d.json()["id"]

    def assertReason(self, resp, field, reason, msg=None):
        err = self.assertValidation(resp, field, msg=msg)
        self.assertEqual(err["fields"][field], EN[reason], "%s: %r" % (msg or "", err["fields"]))
        return err

    def snapshot(self):
        """Everything a refused write must leave as it was."""
        b = self.boss
        return {
            "categories": items(b.get("/api/v1/ticket-categories")),
            "rules": items(b.get("/api/v1/routing-rules")),
            "policies": items(b.get("/api/v1/sla-policies")),
            "days": items(b.get("/api/v1/calendar-days")),
            "days1": items(b.get("/api/v1/calendar-days", query={"project_id": 1})),
            "calendar1": b.get("/api/v1/projects/1/calendar").json(),
            "audit": [e["id"] for e in self.writes_since(0)][-5:],
        }

    def writes_since(self, head):
        return [e for e in self.audit_since(head) if e["entity"] != "session"]

    def assertUnchanged(self, before, msg=None):
        after = self.snapshot()
        for k in before:
            self.assertEqual(after[k], before[k], "%s changed after %s" % (k, msg))

    def mk_category(self, parent=None, **kw):
        n = seq()
        body = {"code": "c%d" % n, "name_zh": "分类 %d" % n, "name_en": "Category %d" % n}
        if parent:
            body["parent_id"] = parent
        body.update(kw)
        r = self.boss.post("/api/v1/ticket-categories", body)
        self.assertStatus(r, 201)
        return r.json()

    # ---- the seeded defaults

    def test_seeded_defaults(self):
        cats = items(self.admin.get("/api/v1/ticket-categories"))
        by_code = {c["code"]: c for c in cats}
        self.assertEqual(by_code["leak"]["name_zh"], "渗漏")
        self.assertEqual(by_code["leak"]["name_en"], "Leak")
        self.assertIsNone(by_code["leak"]["parent_id"])
        self.assertEqual(by_code["leak_roof"]["parent_id"], by_code["leak"]["id"])
        for code in ("crack", "elevator", "water_power", "other", "leak_pipe"):
            self.assertIn(code, by_code)
        self.assertEqual([(c["sort"], c["id"]) for c in cats],
                         sorted((c["sort"], c["id"]) for c in cats))
        self.assertEqual(set(cats[0]), {"id", "parent_id", "code", "name_zh", "name_en", "active",
                                        "sort", "version", "created_at", "updated_at"})

        rules = items(self.admin.get("/api/v1/routing-rules"))
        seeded = [r for r in rules if r["name"].startswith(("渗漏", "裂缝", "门窗", "维修", "装修",
                                                              "默认"))]
        self.assertGreaterEqual(len(seeded), 6)
        leak_rule = [r for r in rules if r["category_id"] == by_code["leak"]["id"]][0]
        self.assertEqual((leak_rule["warranty"], leak_rule["department_kind"]),
                         ("in", "engineering"))
        self.assertEqual([(r["position"], r["id"]) for r in rules],
                         sorted((r["position"], r["id"]) for r in rules))

        policies = items(self.admin.get("/api/v1/sla-policies"))
        repair = [p for p in policies if (p["type"], p["severity"], p["project_id"])
                  == ("repair", "general", None)][0]
        self.assertEqual(repair["targets"][0]["milestone"], "acknowledge")
        self.assertEqual(repair["targets"][0]["minutes"], 180)
        self.assertEqual({(p["type"], p["severity"]) for p in policies if p["project_id"] is None},
                         {(t, s) for t in ("repair", "complaint", "inquiry", "service_request",
                                           "suggestion", "praise") for s in ("general", "major")})
        major = items(self.admin.get("/api/v1/sla-policies", query={"type": "repair",
                                                                    "severity": "major"}))
        self.assertTrue(major and all(p["severity"] == "major" for p in major))

        days = items(self.admin.get("/api/v1/calendar-days",
                                    query={"from": "2026-02-01", "to": "2026-02-28"}))
        by_day = {d["day"]: d for d in days}
        self.assertEqual(by_day["2026-02-16"]["kind"], "holiday")
        self.assertEqual(by_day["2026-02-16"]["name"], "春节")
        self.assertEqual(by_day["2026-02-14"]["kind"], "workday")
        self.assertIsNone(by_day["2026-02-14"]["project_id"])
        self.assertTrue(all("2026-02-01" <= d["day"] <= "2026-02-28" for d in days))
        self.assertEqual([d["day"] for d in days], sorted(d["day"] for d in days))
        every = items(self.admin.get("/api/v1/calendar-days"))
        self.assertIn("2025-10-01", {d["day"] for d in every})

        cal = self.admin.get("/api/v1/projects/1/calendar")
        self.assertStatus(cal, 200)
        cal = cal.json()
        self.assertEqual(cal["timezone"], "Asia/Shanghai")
        self.assertEqual(cal["week"]["mon"], [["08:30", "12:00"], ["13:30", "18:00"]])
        self.assertEqual(cal["week"]["sun"], [])

    # ---- categories

    def test_category_crud(self):
        head = self.audit_head()
        top = self.mk_category(sort=5)
        self.assertEqual((top["parent_id"], top["active"], top["version"], top["sort"]),
                         (None, True, 1, 5))
        self.assertTrue(top["created_at"].endswith("Z"))
        child = self.mk_category(parent=top["id"])
        r = self.admin.get("/api/v1/ticket-categories/%d" % child["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), child)

        r = self.boss.patch("/api/v1/ticket-categories/%d" % child["id"],
                            {"name_zh": "新名字", "sort": 7, "version": 1})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["name_zh"], r.json()["sort"], r.json()["version"]),
                         ("新名字", 7, 2))
        before = self.snapshot()
        r = self.boss.patch("/api/v1/ticket-categories/%d" % child["id"],
                            {"name_zh": "旧版本", "version": 1})
        self.assertError(r, 409, "version_conflict")
        self.assertUnchanged(before, "a stale PATCH")

        # deactivate: gone from ?active=true, still in ?active=false
        r = self.boss.patch("/api/v1/ticket-categories/%d" % child["id"], {"active": False})
        self.assertStatus(r, 200)
        active = {c["id"] for c in items(self.admin.get("/api/v1/ticket-categories",
                                                        query={"active": "true"}))}
        inactive = {c["id"] for c in items(self.admin.get("/api/v1/ticket-categories",
                                                          query={"active": "false"}))}
        self.assertNotIn(child["id"], active)
        self.assertIn(child["id"], inactive)

        # a parent with a child cannot go; the child can, then the parent
        r = self.boss.delete("/api/v1/ticket-categories/%d" % top["id"])
        err = self.assertError(r, 409, "has_dependents")
        self.assertEqual(err["dependents"], {"children": 1, "tickets": 0, "routing_rules": 0,
                                             "sla_policies": 0})
        self.assertStatus(self.boss.delete("/api/v1/ticket-categories/%d" % child["id"]), 204)
        self.assertStatus(self.boss.delete("/api/v1/ticket-categories/%d" % top["id"]), 204)
        self.assertStatus(self.boss.get("/api/v1/ticket-categories/%d" % top["id"]), 404)
        self.assertStatus(self.boss.delete("/api/v1/ticket-categories/%d" % top["id"]), 404)

        acts = [(e["entity"], e["entity_id"], e["action"]) for e in self.writes_since(head)]
        self.assertEqual(acts, [
            ("ticket_category", top["id"], "create"), ("ticket_category", child["id"], "create"),
            ("ticket_category", child["id"], "update"), ("ticket_category", child["id"], "update"),
            ("ticket_category", child["id"], "delete"), ("ticket_category", top["id"], "delete")])
        upd = self.writes_since(head)[2]
        self.assertEqual(upd["before"]["name_zh"], child["name_zh"])
        self.assertEqual(upd["after"]["name_zh"], "新名字")

    def test_category_in_use_is_refused(self):
        leak = [c for c in items(self.admin.get("/api/v1/ticket-categories"))
                if c["code"] == "leak"][0]
        before = self.snapshot()
        r = self.boss.delete("/api/v1/ticket-categories/%d" % leak["id"])
        err = self.assertError(r, 409, "has_dependents", ["children", "routing_rules"])
        self.assertEqual(err["dependents"]["children"], 4)
        self.assertEqual(err["dependents"]["routing_rules"], 1)
        self.assertUnchanged(before, "deleting a category in use")

    def test_category_bad_input(self):
        top = self.mk_category()
        mid = self.mk_category(parent=top["id"])
        low = self.mk_category(parent=mid["id"])
        leaf = self.mk_category(parent=low["id"])  # the fourth level
        before = self.snapshot()
        cases = [
            ({"code": "Bad-Code", "name_zh": "x", "name_en": "x"}, "code", "invalid"),
            ({"code": "leak", "name_zh": "x", "name_en": "x"}, "code", "taken"),
            ({"code": "fresh_%d" % seq(), "name_zh": "x", "name_en": "x", "parent_id": 999999},
             "parent_id", "unknown_category"),
            ({"code": "fresh_%d" % seq(), "name_zh": "x", "name_en": "x", "parent_id": leaf["id"]},
             "parent_id", "too_deep"),
            ({"code": "fresh_%d" % seq(), "name_zh": "", "name_en": "x"}, "name_zh", "required"),
            ({"code": "fresh_%d" % seq(), "name_zh": "x" * 65, "name_en": "x"}, "name_zh", None),
            ({"code": "fresh_%d" % seq(), "name_zh": "x", "name_en": "x", "colour": "red"},
             "colour", "unknown_field"),
            ({"name_zh": "x", "name_en": "x"}, "code", "required"),
        ]
        for body, field, reason in cases:
            r = self.boss.post("/api/v1/ticket-categories", body)
            if reason:
                self.assertReason(r, field, reason, msg=repr(body))
            else:
                self.assertValidation(r, field, msg=repr(body))
        patches = [
            (top["id"], {"parent_id": leaf["id"]}, "parent_id", "cycle"),
            (mid["id"], {"parent_id": mid["id"]}, "parent_id", "cycle"),
            (mid["id"], {"parent_id": 999999}, "parent_id", "unknown_category"),
            (top["id"], {"code": "renamed"}, "code", "immutable"),
            (top["id"], {"active": None}, "active", "required"),
        ]
        for cid, body, field, reason in patches:
            r = self.boss.patch("/api/v1/ticket-categories/%d" % cid, body)
            self.assertReason(r, field, reason, msg=repr(body))
        # moving a 3-level subtree under another category would make 5 levels
        other = self.mk_category()
        other2 = self.mk_category(parent=other["id"])
        before = self.snapshot()
        r = self.boss.patch("/api/v1/ticket-categories/%d" % mid["id"], {"parent_id": other2["id"]})
        self.assertReason(r, "parent_id", "too_deep")
        self.assertUnchanged(before, "refused category writes")
        # but a move that keeps 4 levels is fine
        r = self.boss.patch("/api/v1/ticket-categories/%d" % low["id"], {"parent_id": other2["id"]})
        self.assertStatus(r, 200)
        r = self.boss.patch("/api/v1/ticket-categories/%d" % mid["id"], {"parent_id": None})
        self.assertStatus(r, 200)
        self.assertIsNone(r.json()["parent_id"])
        self.assertStatus(self.boss.get("/api/v1/ticket-categories/999999"), 404)
        self.assertStatus(self.boss.patch("/api/v1/ticket-categories/999999", {"sort": 1}), 404)

    # ---- routing rules

    def test_rule_crud(self):
        building, dept = self.home()
        cat = self.mk_category()
        head = self.audit_head()
        body = {"position": 5, "name": "1 号楼 → 工程部", "project_id": 1, "building_id": building,
                "category_id": cat["id"], "type": "repair", "severity": "major",
                "warranty": "in", "department_id": dept}
        r = self.boss.post("/api/v1/routing-rules", body)
        self.assertStatus(r, 201)
        rule = r.json()
        for k, v in body.items():
            self.assertEqual(rule[k], v, k)
        self.assertEqual((rule["department_kind"], rule["active"], rule["version"]),
                         (None, True, 1))
        self.assertTrue(r.header("Location").endswith("/api/v1/routing-rules/%d" % rule["id"]))
        self.assertEqual(self.admin.get("/api/v1/routing-rules/%d" % rule["id"]).json(), rule)
        listed = items(self.admin.get("/api/v1/routing-rules"))
        self.assertIn(rule, listed)
        self.assertEqual([x["position"] for x in listed], sorted(x["position"] for x in listed))

        # switch the target to a kind: both fields in one PATCH
        r = self.boss.patch("/api/v1/routing-rules/%d" % rule["id"],
                            {"department_id": None, "department_kind": "property",
                             "building_id": None, "version": 1})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["department_id"], r.json()["department_kind"],
                          r.json()["building_id"], r.json()["version"]),
                         (None, "property", None, 2))
        before = self.snapshot()
        r = self.boss.patch("/api/v1/routing-rules/%d" % rule["id"], {"position": 1, "version": 1})
        self.assertError(r, 409, "version_conflict")
        self.assertUnchanged(before, "a stale rule PATCH")
        self.assertStatus(self.boss.delete("/api/v1/routing-rules/%d" % rule["id"]), 204)
        self.assertStatus(self.admin.get("/api/v1/routing-rules/%d" % rule["id"]), 404)
        acts = [(e["entity"], e["action"], e["project_id"]) for e in self.writes_since(head)]
        self.assertEqual(acts, [("routing_rule", "create", 1), ("routing_rule", "update", 1),
                                ("routing_rule", "delete", 1)])
        # a rule naming the category keeps it from being deleted
        r = self.boss.post("/api/v1/routing-rules", {"position": 99, "name": "x",
                                                     "category_id": cat["id"],
                                                     "department_kind": "other"})
        self.assertStatus(r, 201)
        err = self.assertError(self.boss.delete("/api/v1/ticket-categories/%d" % cat["id"]),
                               409, "has_dependents")
        self.assertEqual(err["dependents"]["routing_rules"], 1)

    def test_rule_bad_input(self):
        building, dept = self.home()
        other = self.other_project()
        before = self.snapshot()
        base = {"position": 50, "name": "规则"}

        def rule(**kw):
            b = dict(base)
            b.update(kw)
            return b
        cases = [
            (rule(department_kind="engineering", department_id=dept, project_id=1),
             "department_id", "one_target_required"),
            (rule(), "department_id", "one_target_required"),
            (rule(department_kind="engineering", project_id=1, building_id=other["building"]),
             "building_id", "unknown_building"),
            (rule(department_kind="engineering", building_id=building),
             "building_id", "requires_project"),
            (rule(department_id=dept), "department_id", "requires_project"),
            (rule(project_id=1, department_id=other["department"]),
             "department_id", "unknown_reference"),
            (rule(department_kind="engineering", category_id=999999),
             "category_id", "unknown_category"),
            (rule(department_kind="engineering", project_id=999999),
             "project_id", "unknown_project"),
            (rule(department_kind="plumbers"), "department_kind", "not_in_list"),
            (rule(department_kind="other", type="question"), "type", "not_in_list"),
            (rule(department_kind="other", warranty="maybe"), "warranty", "not_in_list"),
            (rule(department_kind="other", severity="urgent"), "severity", "not_in_list"),
            ({"name": "x", "department_kind": "other"}, "position", "required"),
            (rule(department_kind="other", version=1), "version", "unknown_field"),
        ]
        for body, field, reason in cases:
            r = self.boss.post("/api/v1/routing-rules", body)
            self.assertReason(r, field, reason, msg=repr(body))
        seeded = [x for x in items(self.admin.get("/api/v1/routing-rules"))
                  if x["project_id"] is None and x["department_kind"]][0]
        r = self.boss.patch("/api/v1/routing-rules/%d" % seeded["id"], {"department_id": dept})
        self.assertReason(r, "department_id", "one_target_required")
        r = self.boss.patch("/api/v1/routing-rules/%d" % seeded["id"],
                            {"department_kind": None, "department_id": dept})
        self.assertReason(r, "department_id", "requires_project")
        self.assertUnchanged(before, "refused rule writes")

    # ---- deadline policies

    def test_policy_crud(self):
        cat = self.mk_category()
        head = self.audit_head()
        body = {"name": "渗漏报修（重大）", "type": "repair", "severity": "major",
                "category_id": cat["id"],
                "targets": [{"milestone": "acknowledge", "minutes": 30},
                            {"milestone": "resolve", "minutes": 1440, "basis": "calendar",
                             "remind_percent": 50, "pause_on_hold": False}]}
        r = self.boss.post("/api/v1/sla-policies", body)
        self.assertStatus(r, 201)
        pol = r.json()
        self.assertEqual(pol["targets"], [
            {"milestone": "acknowledge", "minutes": 30, "basis": "working", "remind_percent": 80,
             "escalate_after_minutes": 240, "pause_on_hold": True, "restart_on_reopen": False},
            {"milestone": "resolve", "minutes": 1440, "basis": "calendar", "remind_percent": 50,
             "escalate_after_minutes": 240, "pause_on_hold": False, "restart_on_reopen": True}])
        self.assertEqual((pol["project_id"], pol["category_id"], pol["version"]),
                         (None, cat["id"], 1))
        self.assertEqual(self.admin.get("/api/v1/sla-policies/%d" % pol["id"]).json(), pol)
        # the same combination again
        before = self.snapshot()
        r = self.boss.post("/api/v1/sla-policies", dict(body, name="重复"))
        err = self.assertError(r, 409, "duplicate_policy")
        self.assertEqual(err["existing_id"], pol["id"])
        # a seeded one's combination (no project, no category) too
        r = self.boss.post("/api/v1/sla-policies", {"name": "x", "type": "praise",
                                                    "severity": "general",
                                                    "targets": [{"milestone": "acknowledge",
                                                                 "minutes": 60}]})
        self.assertError(r, 409, "duplicate_policy")
        self.assertUnchanged(before, "duplicate policies")
        # but a project narrows it
        r = self.boss.post("/api/v1/sla-policies", dict(body, project_id=1))
        self.assertStatus(r, 201)
        proj = r.json()
        r = self.boss.patch("/api/v1/sla-policies/%d" % proj["id"],
                            {"targets": [{"milestone": "follow_up", "minutes": 600}],
                             "version": 1})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["targets"][0]["restart_on_reopen"], True)
        self.assertEqual(r.json()["version"], 2)
        before = self.snapshot()
        r = self.boss.patch("/api/v1/sla-policies/%d" % proj["id"], {"project_id": None})
        self.assertError(r, 409, "duplicate_policy")  # it would clash with the first
        r = self.boss.patch("/api/v1/sla-policies/%d" % proj["id"], {"name": "y", "version": 1})
        self.assertError(r, 409, "version_conflict")
        self.assertUnchanged(before, "refused policy PATCHes")
        self.assertStatus(self.boss.delete("/api/v1/sla-policies/%d" % proj["id"]), 204)
        self.assertStatus(self.boss.delete("/api/v1/sla-policies/%d" % pol["id"]), 204)
        self.assertStatus(self.admin.get("/api/v1/sla-policies/%d" % pol["id"]), 404)
        acts = [(e["entity"], e["action"]) for e in self.writes_since(head)]
        self.assertEqual(acts, [("sla_policy", "create"), ("sla_policy", "create"),
                                ("sla_policy", "update"), ("sla_policy", "delete"),
                                ("sla_policy", "delete")])

    def test_policy_bad_input(self):
        before = self.snapshot()
        ok_target = {"milestone": "acknowledge", "minutes": 30}

        def pol(targets=None, **kw):
            b = {"name": "策略", "type": "complaint", "severity": "major",
                 "project_id": 1, "targets": targets if targets is not None else [ok_target]}
            b.update(kw)
            return b
        cases = [
            (pol([{"milestone": "acknowledge", "minutes": -5}]), "targets[0].minutes",
             "out_of_range"),
            (pol([ok_target, {"milestone": "resolve", "minutes": 0}]), "targets[1].minutes",
             "out_of_range"),
            (pol([{"milestone": "resolve", "minutes": 525601}]), "targets[0].minutes",
             "out_of_range"),
            (pol([ok_target, dict(ok_target)]), "targets[1].milestone", "duplicate_milestone"),
            (pol([{"milestone": "lunch", "minutes": 5}]), "targets[0].milestone", "not_in_list"),
            (pol([{"minutes": 5}]), "targets[0].milestone", "required"),
            (pol([{"milestone": "plan", "minutes": 5, "basis": "lunar"}]), "targets[0].basis",
             "not_in_list"),
            (pol([{"milestone": "plan", "minutes": 5, "remind_percent": 100}]),
             "targets[0].remind_percent", "out_of_range"),
            (pol([{"milestone": "plan", "minutes": 5, "colour": "red"}]), "targets[0].colour",
             "unknown_field"),
            (pol(["plan"]), "targets[0]", "invalid"),
            (pol([dict(ok_target, milestone=m) for m in
                  ("acknowledge", "contact", "plan", "resolve", "follow_up", "onsite", "plan")]),
             "targets", None),
            (pol([]), "targets", None),
            (pol(category_id=999999), "category_id", "unknown_category"),
            (pol(project_id=999999), "project_id", "unknown_project"),
            (pol(type="gossip"), "type", "not_in_list"),
            ({"name": "x", "type": "repair", "targets": [ok_target]}, "severity", "required"),
        ]
        for body, field, reason in cases:
            r = self.boss.post("/api/v1/sla-policies", body)
            if reason:
                self.assertReason(r, field, reason, msg=repr(body))
            else:
                self.assertValidation(r, field, msg=repr(body))
        seeded = items(self.admin.get("/api/v1/sla-policies"))[0]
        r = self.boss.patch("/api/v1/sla-policies/%d" % seeded["id"],
                            {"targets": [{"milestone": "resolve", "minutes": -1}]})
        self.assertReason(r, "targets[0].minutes", "out_of_range")
        self.assertUnchanged(before, "refused policies")

    # ---- project calendars

    def test_calendar(self):
        pid = self.boss.post("/api/v1/projects", {"code": "cal%d" % seq(), "name": "日历小区"})
        self.assertStatus(pid, 201)
        pid = pid.json()["id"]
        cal = self.boss.get("/api/v1/projects/%d/calendar" % pid).json()
        self.assertEqual((cal["is_default"], cal["version"], cal["makeup_weekday"]),
                         (True, 0, "mon"))
        head = self.audit_head()
        week = {"mon": [["13:00", "17:30"], ["08:00", "12:00"]], "sat": [["09:00", "12:00"]]}
        r = self.boss.request("PUT", "/api/v1/projects/%d/calendar" % pid,
                              json_body={"week": week, "makeup_weekday": "sat", "version": 0})
        self.assertStatus(r, 200)
        cal = r.json()
        self.assertEqual(cal["week"]["mon"], [["08:00", "12:00"], ["13:00", "17:30"]])
        self.assertEqual(cal["week"]["tue"], [])
        self.assertEqual((cal["is_default"], cal["version"], cal["makeup_weekday"]),
                         (False, 1, "sat"))
        self.assertEqual(self.admin.get("/api/v1/projects/%d/calendar" % pid).json(), cal)
        # again, keeping makeup_weekday, without a version
        r = self.boss.request("PUT", "/api/v1/projects/%d/calendar" % pid,
                              json_body={"week": {"tue": [["09:00", "18:00"]]}})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["version"], r.json()["makeup_weekday"]), (2, "sat"))
        self.assertEqual(r.json()["week"]["mon"], [])
        good = r.json()
        acts = [(e["entity"], e["entity_id"], e["action"]) for e in self.writes_since(head)]
        self.assertEqual(acts, [("work_calendar", pid, "create"), ("work_calendar", pid, "update")])

        before = self.snapshot()
        url = "/api/v1/projects/%d/calendar" % pid
        cases = [
            ({"week": {"mon": [["08:00", "12:00"], ["11:00", "14:00"]]}}, "week.mon",
             "overlapping_windows"),
            ({"week": {"wed": [["18:00", "09:00"]]}}, "week.wed", "bad_window"),
            ({"week": {"thu": [["8:00", "12:00"]]}}, "week.thu", "bad_window"),
            ({"week": {"fri": [["08:00", "09:00"], ["10:00", "11:00"], ["12:00", "13:00"],
                               ["14:00", "15:00"], ["16:00", "17:00"]]}}, "week.fri",
             "too_many_windows"),
            ({"week": {}}, "week", "no_working_time"),
            ({"week": {"monday": [["08:00", "12:00"]]}}, "week", "invalid"),
            ({"week": [["08:00", "12:00"]]}, "week", "invalid"),
            ({"week": {"mon": [["08:00", "12:00"]]}, "makeup_weekday": "xyz"}, "makeup_weekday",
             "not_in_list"),
            ({}, "week", "required"),
        ]
        for body, field, reason in cases:
            r = self.boss.request("PUT", url, json_body=body)
            self.assertReason(r, field, reason, msg=repr(body))
        r = self.boss.request("PUT", url, json_body={"week": {"mon": [["08:00", "12:00"]]},
                                                     "version": 1})
        self.assertError(r, 409, "version_conflict")
        self.assertEqual(self.admin.get(url).json(), good)
        self.assertUnchanged(before, "refused calendars")
        self.assertStatus(self.boss.get("/api/v1/projects/999999/calendar"), 404)
        self.assertStatus(self.boss.request("PUT", "/api/v1/projects/999999/calendar",
                                            json_body={"week": {"mon": [["08:00", "12:00"]]}}),
                          404)

    # ---- holidays and make-up days

    def test_calendar_days(self):
        head = self.audit_head()
        r = self.boss.post("/api/v1/calendar-days",
                           {"day": "2030-01-01", "kind": "holiday", "name": "元旦"})
        self.assertStatus(r, 201)
        national = r.json()
        self.assertEqual(national["project_id"], None)
        # the project's own row wins on the same day
        r = self.boss.post("/api/v1/calendar-days",
                           {"project_id": 1, "day": "2030-01-01", "kind": "workday",
                            "name": "小区值班"})
        self.assertStatus(r, 201)
        own = r.json()
        r = self.boss.post("/api/v1/calendar-days",
                           {"project_id": 1, "day": "2030-01-05", "kind": "holiday",
                            "name": "停水"})
        self.assertStatus(r, 201)
        extra = r.json()
        q = {"from": "2030-01-01", "to": "2030-01-31"}
        self.assertEqual(items(self.admin.get("/api/v1/calendar-days", query=q)), [national])
        self.assertEqual(items(self.admin.get("/api/v1/calendar-days",
                                              query=dict(q, project_id=1))), [own, extra])

        before = self.snapshot()
        r = self.boss.post("/api/v1/calendar-days",
                           {"day": "2030-01-01", "kind": "workday", "name": "又一次"})
        self.assertError(r, 409, "duplicate_day", ["day"])
        r = self.boss.post("/api/v1/calendar-days",
                           {"day": "2026-02-16", "kind": "workday", "name": "又一次"})
        self.assertError(r, 409, "duplicate_day")
        bad = [
            ({"day": "2030-02-30", "kind": "holiday", "name": "x"}, "day", "invalid_date"),
            ({"day": "30-01-01", "kind": "holiday", "name": "x"}, "day", "invalid_date"),
            ({"day": "2030-03-01", "kind": "weekend", "name": "x"}, "kind", "not_in_list"),
            ({"day": "2030-03-01", "kind": "holiday"}, "name", "required"),
            ({"project_id": 999999, "day": "2030-03-01", "kind": "holiday", "name": "x"},
             "project_id", "unknown_project"),
        ]
        for body, field, reason in bad:
            self.assertReason(self.boss.post("/api/v1/calendar-days", body), field, reason,
                              msg=repr(body))
        self.assertReason(self.boss.get("/api/v1/calendar-days", query={"from": "2030-13-01"}),
                          "from", "invalid_date")
        self.assertReason(self.boss.get("/api/v1/calendar-days",
                                         query={"from": "2030-02-01", "to": "2030-01-01"}),
                          "to", "out_of_range")
        self.assertUnchanged(before, "refused days")

        self.assertStatus(self.boss.delete("/api/v1/calendar-days/%d" % own["id"]), 204)
        self.assertStatus(self.boss.delete("/api/v1/calendar-days/%d" % own["id"]), 404)
        self.assertEqual(items(self.admin.get("/api/v1/calendar-days",
                                              query=dict(q, project_id=1))), [national, extra])
        for d in (national, extra):
            self.assertStatus(self.boss.delete("/api/v1/calendar-days/%d" % d["id"]), 204)
        acts = [(e["entity"], e["action"]) for e in self.writes_since(head)]
        self.assertEqual(acts, [("calendar_day", "create")] * 3 + [("calendar_day", "delete")] * 3)

    def test_ical_import(self):
        url = "/api/v1/calendar-days/import"
        hdr = {"Content-Type": "text/calendar; charset=utf-8"}
        q = {"from": "2027-02-01", "to": "2027-02-28"}
        before = self.snapshot()
        r = self.boss.request("POST", url, body=ICAL.encode("utf-8"), headers=hdr,
                              query={"dry_run": "true"})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["imported"], r.json()["replaced"], r.json()["dry_run"]),
                         (4, 0, True))
        self.assertUnchanged(before, "a dry run")

        head = self.audit_head()
        r = self.boss.request("POST", url, body=ICAL.encode("utf-8"), headers=hdr)
        self.assertStatus(r, 200)
        out = r.json()
        self.assertEqual((out["imported"], out["replaced"], out["project_id"]), (4, 0, None))
        self.assertEqual(out["days"], [
            {"day": "2027-02-06", "kind": "holiday", "name": "春节"},
            {"day": "2027-02-07", "kind": "holiday", "name": "春节"},
            {"day": "2027-02-08", "kind": "holiday", "name": "春节"},
            {"day": "2027-02-14", "kind": "workday", "name": "春节补班"}])
        listed = items(self.admin.get("/api/v1/calendar-days", query=q))
        self.assertEqual([(d["day"], d["kind"], d["name"], d["project_id"]) for d in listed], [
            ("2027-02-06", "holiday", "春节", None), ("2027-02-07", "holiday", "春节", None),
            ("2027-02-08", "holiday", "春节", None), ("2027-02-14", "workday", "春节补班", None)])
        audit = self.writes_since(head)
        self.assertEqual([(e["entity"], e["action"]) for e in audit],
                         [("calendar_day", "import")])
        self.assertEqual(audit[0]["after"]["imported"], 4)

        # again, into project 1: the project's own days; then again: all replaced
        r = self.boss.request("POST", url, body=ICAL.encode("utf-8"), headers=hdr,
                              query={"project_id": 1})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["imported"], r.json()["replaced"]), (4, 0))
        r = self.boss.request("POST", url, body=ICAL.encode("utf-8"), headers=hdr,
                              query={"project_id": 1})
        self.assertEqual((r.json()["imported"], r.json()["replaced"]), (4, 4))
        mine = items(self.admin.get("/api/v1/calendar-days", query=dict(q, project_id=1)))
        self.assertEqual([d["project_id"] for d in mine], [1, 1, 1, 1])
        self.assertEqual(len(items(self.admin.get("/api/v1/calendar-days", query=q))), 4)

        before = self.snapshot()
        garbage = [
            (b"this is not a calendar\r\n", "not_icalendar"),
            (b"", "not_icalendar"),
            (ICAL.replace("DTSTART;VALUE=DATE:20270214", "DTSTART;VALUE=DATE:20271340")
             .encode("utf-8"), "bad_date"),
            (ICAL.replace("DTSTART;VALUE=DATE:20270214", "DTSTART:20270214T090000")
             .encode("utf-8"), "timed_event"),
        ]
        for body, reason in garbage:
            r = self.boss.request("POST", url, body=body, headers=hdr)
            err = self.assertError(r, 422, "invalid_calendar", msg=repr(body[:40]))
            self.assertEqual(err["detail"]["reason"], reason, repr(body[:40]))
            self.assertIsInstance(err["detail"]["line"], int)
            self.assertTrue(err["detail"]["message"])
        r = self.boss.request("POST", url, body=ICAL.encode("utf-8"), headers=hdr,
                              query={"project_id": 999999})
        self.assertReason(r, "project_id", "unknown_project")
        self.assertUnchanged(before, "refused imports")

    # ---- permissions and scope

    def test_permissions_and_scope(self):
        other = self.other_project()
        r = self.boss.post("/api/v1/routing-rules",
                           {"position": 1, "name": "别的项目", "project_id": other["project"],
                            "department_id": other["department"]})
        self.assertStatus(r, 201)
        foreign_rule = r.json()
        r = self.boss.post("/api/v1/sla-policies",
                           {"name": "别的项目", "type": "repair", "severity": "general",
                            "project_id": other["project"],
                            "targets": [{"milestone": "acknowledge", "minutes": 60}]})
        self.assertStatus(r, 201)
        foreign_policy = r.json()

        agent = self.login("agent")
        for path in ("/api/v1/ticket-categories", "/api/v1/routing-rules",
                     "/api/v1/sla-policies", "/api/v1/calendar-days",
                     "/api/v1/projects/1/calendar"):
            self.assertStatus(agent.get(path), 200, path)
        rules = items(agent.get("/api/v1/routing-rules"))
        self.assertNotIn(foreign_rule["id"], [x["id"] for x in rules])
        self.assertTrue(all(x["project_id"] in (None, 1) for x in rules))
        self.assertIn(foreign_rule["id"],
                      [x["id"] for x in items(self.admin.get("/api/v1/routing-rules"))])
        self.assertNotIn(foreign_policy["id"],
                         [x["id"] for x in items(agent.get("/api/v1/sla-policies"))])
        self.assertStatus(agent.get("/api/v1/routing-rules/%d" % foreign_rule["id"]), 404)
        self.assertStatus(agent.get("/api/v1/sla-policies/%d" % foreign_policy["id"]), 404)
        self.assertStatus(agent.get("/api/v1/projects/%d/calendar" % other["project"]), 404)
        self.assertValidation(agent.get("/api/v1/calendar-days",
                                        query={"project_id": other["project"]}), "project_id")
        leak = [c for c in items(agent.get("/api/v1/ticket-categories"))
                if c["code"] == "leak"][0]

        before = self.snapshot()
        writes = [
            ("POST", "/api/v1/ticket-categories", {"code": "agent_cat", "name_zh": "x",
                                                   "name_en": "x"}),
            ("PATCH", "/api/v1/ticket-categories/%d" % leak["id"], {"active": False}),
            ("DELETE", "/api/v1/ticket-categories/%d" % leak["id"], None),
            ("POST", "/api/v1/routing-rules", {"position": 1, "name": "x",
                                               "department_kind": "other"}),
            ("PATCH", "/api/v1/routing-rules/%d" % rules[0]["id"], {"active": False}),
            ("DELETE", "/api/v1/routing-rules/%d" % rules[0]["id"], None),
            ("POST", "/api/v1/sla-policies", {"name": "x", "type": "repair",
                                              "severity": "general", "targets": []}),
            ("DELETE", "/api/v1/sla-policies/1", None),
            ("PUT", "/api/v1/projects/1/calendar", {"week": {"mon": [["08:00", "12:00"]]}}),
            ("POST", "/api/v1/calendar-days", {"day": "2031-01-01", "kind": "holiday",
                                               "name": "x"}),
            ("DELETE", "/api/v1/calendar-days/1", None),
        ]
        for method, path, body in writes:
            r = agent.request(method, path, json_body=body)
            self.assertError(r, 403, "forbidden", msg="%s %s" % (method, path))
        r = agent.request("POST", "/api/v1/calendar-days/import", body=ICAL.encode("utf-8"),
                          headers={"Content-Type": "text/calendar"})
        self.assertError(r, 403, "forbidden")
        self.assertUnchanged(before, "the agent's writes")

        resident = self.login("resident")
        self.assertError(resident.get("/api/v1/ticket-categories"), 403, "forbidden")
        self.assertStatus(self.client().get("/api/v1/routing-rules"), 401)

    def test_messages_in_chinese(self):
        zh = self.login("admin", lang="zh-CN")
        r = zh.post("/api/v1/sla-policies",
                    {"name": "x", "type": "repair", "severity": "general", "project_id": 1,
                     "targets": [{"milestone": "acknowledge", "minutes": -1}]})
        err = self.assertValidation(r, "targets[0].minutes")
        self.assertEqual(err["fields"]["targets[0].minutes"], "超出允许范围")
        r = zh.request("PUT", "/api/v1/projects/1/calendar",
                       json_body={"week": {"mon": [["08:00", "12:00"], ["09:00", "10:00"]]}})
        err = self.assertValidation(r, "week.mon")
        self.assertEqual(err["fields"]["week.mon"], "工作时段相互重叠")
        r = zh.request("POST", "/api/v1/calendar-days/import", body=b"garbage",
                       headers={"Content-Type": "text/calendar"})
        err = self.assertError(r, 422, "invalid_calendar")
        self.assertEqual(err["message"], "不是有效的 iCalendar 日历文件，未导入任何日期")


if __name__ == "__main__":
    import unittest
    unittest.main()
