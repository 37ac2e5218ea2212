"""Records (档案, issue 3): projects, buildings, units and occupancies under /api/v1 —
CRUD with audit entries, cursor pagination and filters, optimistic concurrency, deletes
refused while something depends on the record, bad input of every kind, and project
scope (a second project's staff can neither see nor guess the first project's records).

RecordsMixin and the mk_* helpers are shared with test_people.py and test_lookup.py.
"""
import itertools
import os
import sqlite3
import urllib.parse

from harness import DEMO_PASSWORD, ServerTestCase, backend, tmpdir

# Validation reasons as the server words them in English (src/core/i18n.c). Every client
# of these tests asks for English, so error.fields[name] can be compared exactly.
EN = {
    "required": "Required",
    "must_be_string": "Must be text",
    "must_be_integer": "Must be a whole number",
    "must_be_array": "Must be a list",
    "too_long": "Too long",
    "invalid": "Not valid",
    "unknown_field": "Unknown field",
    "unknown_project": "No such project",
    "out_of_range": "Out of range",
    "has_dependents": "Other records still depend on it",
    "taken": "Already taken",
    "immutable": "Cannot be changed after creation",
    "unknown_reference": "No such record in this project",
    "invalid_date": "Use a date like 2026-01-31",
    "not_in_list": "Not one of the allowed values",
    "overlap": "Overlaps an existing record of the same role",
    "invalid_mobile": "Not a valid mobile number",
    "invalid_id_number": "Not a valid ID number",
    "bad_cursor": "Invalid page cursor",
}

KINDS = ("buildings", "units", "people", "occupancies")

_seq = itertools.count(1)


def seq():
    return next(_seq)


def _created(resp, what):
    if resp.status != 201:
        raise AssertionError("create %s: expected 201, got %d: %s"
                             % (what, resp.status, resp.body[:600]))
    return resp.json()


def mk_project(c, code=None, name=None, **kw):
    body = {"code": code or "p%d" % seq(), "name": name or "项目 %d" % seq()}
    body.update(kw)
    return _created(c.post("/api/v1/projects", body), "project")


def mk_building(c, project=1, code=None, name=None, **kw):
    body = {"project_id": project, "code": code or "B%d" % seq(), "name": name or "楼栋"}
    body.update(kw)
    return _created(c.post("/api/v1/buildings", body), "building")


def mk_unit(c, building, project=1, number=None, floor=1, area=88.5, **kw):
    body = {"project_id": project, "building_id": building, "floor": floor,
            "number": number or str(100 + seq()), "area": area}
    body.update(kw)
    return _created(c.post("/api/v1/units", body), "unit")


def mk_person(c, project=1, name="张三", **kw):
    body = {"project_id": project, "name": name}
    body.update(kw)
    return _created(c.post("/api/v1/people", body), "person")


def mk_occupancy(c, person, unit, project=1, role="owner", start="2024-01-01", **kw):
    body = {"project_id": project, "person_id": person, "unit_id": unit, "role": role,
            "start_date": start}
    body.update(kw)
    return _created(c.post("/api/v1/occupancies", body), "occupancy")


def items(resp):
    if resp.status != 200:
        raise AssertionError("list: expected 200, got %d: %s" % (resp.status, resp.body[:600]))
    return resp.json()["items"]


class RecordsMixin:
    """Helpers for the records tests (mixed into a ServerTestCase; not a test case)."""

    _en_admin = None

    @property
    def boss(self):
        """A logged-in admin asking for English, shared by the class."""
        cls = type(self)
        if cls._en_admin is None or cls._en_admin.get("/api/v1/me").status != 200:
            cls._en_admin = self.server.login("admin", lang="en")
        return cls._en_admin

    def en(self, login, password=DEMO_PASSWORD):
        return self.server.login(login, password, lang="en")

    def assertReason(self, resp, field, reason, msg=None):
        """A 422 validation_failed naming FIELD with REASON (a key of EN)."""
        err = self.assertValidation(resp, field, msg=msg)
        self.assertEqual(err["fields"][field], EN[reason],
                         "%s: field %r: %r" % (msg or "", field, err["fields"]))
        return err

    def writes_since(self, head):
        """Audit entries newer than HEAD but for sign-ins and sign-outs (each login of a
        test client writes one)."""
        return [e for e in self.audit_since(head) if e["entity"] != "session"]

    def assertNoWrites(self, head, msg=None):
        self.assertEqual(self.writes_since(head), [], msg)

    def assertNotFound(self, resp, msg=None):
        return self.assertError(resp, 404, "not_found", msg=msg)

    def row(self, kind, rid, client=None):
        r = (client or self.boss).get("/api/v1/%s/%d" % (kind, rid))
        self.assertStatus(r, 200, "GET %s/%d" % (kind, rid))
        return r.json()

    def all_items(self, client, path, **query):
        """Every item of the list /api/v1/PATH, following next_cursor."""
        out, q = [], dict(query)
        q.setdefault("limit", 500)
        for _ in range(1000):
            r = client.get("/api/v1/" + path, query=q)
            self.assertStatus(r, 200, "list " + path)
            j = r.json()
            out += j["items"]
            if not j["next_cursor"]:
                return out
            q["cursor"] = j["next_cursor"]
        self.fail("list %s never ends" % path)

    def count(self, path, **query):
        return len(self.all_items(self.boss, path, **query))

    def in_parallel(self, fn, n, client=None):
        """FN(client) from N threads at once (each with its own copy of the client);
        the responses."""
        import threading
        base = client or self.boss
        out, errors = [None] * n, []
        gate = threading.Barrier(n)

        def run(i):
            try:
                gate.wait(10)
                out[i] = fn(base.copy())
            except Exception as e:  # reported below, in the test's thread
                errors.append(e)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        if errors:
            raise errors[0]
        return out

    def assertUnchanged(self, kind, before, msg=None):
        """The row BEFORE (as GET showed it) is still exactly so."""
        self.assertEqual(self.row(kind, before["id"]), before, msg)

    @classmethod
    def setUpClass(cls):
        cls.SERVER_ARGS = cls.key_file_args()
        super().setUpClass()

    @classmethod
    def key_file_args(cls):
        """On PostgreSQL, a key file in the test's temp directory (its default would be
        ./data/pii.key in the runner's working directory); SQLite keeps the default, the
        file beside the database."""
        if backend() == "postgres":
            cls.key_path = os.path.join(tmpdir("key-"), "pii.key")
            return ("--key-file", cls.key_path)
        cls.key_path = None
        return ()

    def db_rows(self, sql):
        """Rows of SQL read straight from the database behind the server's back (SQLite:
        a read-only connection, fine while the server writes in WAL mode)."""
        if self.db.kind == "sqlite":
            con = sqlite3.connect("file:%s?mode=ro" % self.db.path, uri=True, timeout=30)
            try:
                return [tuple(r) for r in con.execute(sql).fetchall()]
            finally:
                con.close()
        out = self.db.psql("COPY (%s) TO STDOUT WITH (FORMAT csv)" % sql)
        import csv
        import io
        return [tuple(r) for r in csv.reader(io.StringIO(out))]


# --------------------------------------------------------------------------- projects

class Projects(RecordsMixin, ServerTestCase):
    def test_crud_with_audit(self):
        head = self.audit_head()
        r = self.boss.post("/api/v1/projects", {
            "code": "xh-2", "name": "星河湾二期", "timezone": "Asia/Urumqi",
            "address": "深圳市南山区星河路 1 号", "handover_date": "2025-06-30"})
        self.assertStatus(r, 201)
        p = r.json()
        self.assertEqual((p["code"], p["name"], p["timezone"], p["address"], p["handover_date"],
                          p["version"]),
                         ("xh-2", "星河湾二期", "Asia/Urumqi", "深圳市南山区星河路 1 号",
                          "2025-06-30", 1))
        self.assertNotIn("project_id", p)
        self.assertEqual(self.row("projects", p["id"]), p)
        self.assertIn(p["id"], [x["id"] for x in self.all_items(self.boss, "projects")])
        d = mk_project(self.boss, code="defaults")
        self.assertEqual((d["timezone"], d["address"], d["handover_date"]),
                         ("Asia/Shanghai", "", None))

        r = self.boss.patch("/api/v1/projects/%d" % p["id"],
                            {"version": 1, "name": "星河湾 II", "handover_date": None})
        self.assertStatus(r, 200)
        q = r.json()
        self.assertEqual((q["name"], q["handover_date"], q["version"], q["code"]),
                         ("星河湾 II", None, 2, "xh-2"))
        self.assertEqual(self.row("projects", p["id"]), q)

        self.assertStatus(self.boss.delete("/api/v1/projects/%d" % p["id"]), 204)
        self.assertNotFound(self.boss.get("/api/v1/projects/%d" % p["id"]))
        self.assertNotFound(self.boss.delete("/api/v1/projects/%d" % p["id"]))

        entries = [e for e in self.audit_since(head, entity="project")
                   if e["entity_id"] == p["id"]]
        self.assertEqual([e["action"] for e in entries], ["create", "update", "delete"])
        self.assertTrue(all(e["actor_login"] == "admin" for e in entries))
        self.assertIsNone(entries[0]["before"])
        self.assertEqual(entries[0]["after"]["name"], "星河湾二期")
        self.assertEqual((entries[1]["before"]["name"], entries[1]["after"]["name"]),
                         ("星河湾二期", "星河湾 II"))
        self.assertEqual(entries[2]["before"]["name"], "星河湾 II")
        self.assertIsNone(entries[2]["after"])

    def test_only_admins_manage_projects(self):
        head = self.audit_head()
        n = self.count("projects")
        for login in ("manager", "supervisor", "agent"):
            c = self.en(login)
            self.assertError(c.post("/api/v1/projects", {"code": "no-" + login, "name": "不行"}),
                             403, "forbidden", msg=login)
            self.assertError(c.patch("/api/v1/projects/1", {"version": 1, "name": "改"}),
                             403, "forbidden", msg=login)
            self.assertError(c.delete("/api/v1/projects/1"), 403, "forbidden", msg=login)
            self.assertEqual([x["id"] for x in self.all_items(c, "projects")], [1], login)
        self.assertEqual(self.count("projects"), n)
        self.assertNoWrites(head)

    def test_bad_input(self):
        head = self.audit_head()
        n = self.count("projects")
        cases = [
            ({"timezone": "Mars/Olympus_Mons"}, "timezone", "invalid"),
            ({"timezone": "../../../etc/passwd"}, "timezone", "invalid"),
            ({"timezone": "/usr/share/zoneinfo/UTC"}, "timezone", "invalid"),
            ({"timezone": ""}, "timezone", "required"),
            ({"code": ""}, "code", "required"),
            ({"code": "c" * 33}, "code", "too_long"),
            ({"code": 7}, "code", "must_be_string"),
            ({"name": "名" * 65}, "name", "too_long"),
            ({"handover_date": "2026-02-30"}, "handover_date", "invalid_date"),
            ({"handover_date": "tomorrow"}, "handover_date", "invalid_date"),
            ({"owner": "me"}, "owner", "unknown_field"),
            ({"version": 3}, "version", "unknown_field"),
        ]
        for change, field, reason in cases:
            body = {"code": "bad-input", "name": "坏数据"}
            body.update(change)
            self.assertReason(self.boss.post("/api/v1/projects", body), field, reason,
                              msg=repr(change))
        for missing in ("code", "name"):
            body = {"code": "bad-input", "name": "坏数据"}
            del body[missing]
            self.assertReason(self.boss.post("/api/v1/projects", body), missing, "required")
        self.assertEqual(self.count("projects"), n)
        self.assertNoWrites(head)

    def test_duplicate_code_409(self):
        mk_project(self.boss, code="twin")
        head = self.audit_head()
        err = self.assertError(self.boss.post("/api/v1/projects", {"code": "twin", "name": "重"}),
                               409, "conflict", ["code"])
        self.assertEqual(err["fields"]["code"], EN["taken"])
        other = mk_project(self.boss, code="twin-2")
        err = self.assertError(self.boss.patch("/api/v1/projects/%d" % other["id"],
                                               {"version": 1, "code": "twin"}),
                               409, "conflict", ["code"])
        self.assertUnchanged("projects", other)
        self.assertEqual(len(self.writes_since(head)), 1)  # the create of twin-2 only

    def test_delete_refused_while_it_has_buildings_people_or_members(self):
        p = mk_project(self.boss, code="busy")
        b = mk_building(self.boss, p["id"])
        person = mk_person(self.boss, p["id"], "甲")
        u = self.create_user("busy-member", project_ids=[p["id"]])
        head = self.audit_head()
        r = self.boss.delete("/api/v1/projects/%d" % p["id"])
        err = self.assertError(r, 409, "has_dependents")
        self.assertEqual(err.get("dependents"), {"buildings": 1, "people": 1, "members": 1})
        self.assertEqual(set(err.get("fields") or {}), {"buildings", "people", "members"})
        self.assertUnchanged("projects", p)
        self.assertNoWrites(head)
        self.assertStatus(self.boss.delete("/api/v1/buildings/%d" % b["id"]), 204)
        self.assertStatus(self.boss.delete("/api/v1/people/%d" % person["id"]), 204)
        err = self.assertError(self.boss.delete("/api/v1/projects/%d" % p["id"]), 409,
                               "has_dependents")
        self.assertEqual(err["dependents"], {"members": 1})
        r = self.admin.patch("/api/v1/users/%d" % u["id"], {"version": u["version"],
                                                            "project_ids": []})
        self.assertStatus(r, 200)
        self.assertStatus(self.boss.delete("/api/v1/projects/%d" % p["id"]), 204)
        self.assertNotFound(self.boss.get("/api/v1/projects/%d" % p["id"]))


# --------------------------------------------------------------------------- estate

class Estate(RecordsMixin, ServerTestCase):
    """Buildings, units and occupancies in project 1 (and a second project for clashes)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        boss = cls.server.login("admin", lang="en")
        cls.p2 = mk_project(boss, code="estate-2")["id"]

    # ---- buildings

    def test_building_crud_with_audit(self):
        head = self.audit_head()
        agent = self.en("agent")
        r = agent.post("/api/v1/buildings", {"project_id": 1, "code": "T1", "name": "1 号楼",
                                             "floors": 33})
        self.assertStatus(r, 201)
        b = r.json()
        self.assertEqual((b["project_id"], b["code"], b["name"], b["floors"], b["version"]),
                         (1, "T1", "1 号楼", 33, 1))
        for k in ("id", "created_at", "updated_at"):
            self.assertIn(k, b)
        self.assertEqual(self.row("buildings", b["id"], agent), b)
        r = agent.patch("/api/v1/buildings/%d" % b["id"], {"version": 1, "name": "一号楼",
                                                           "floors": None})
        self.assertStatus(r, 200)
        b2 = r.json()
        self.assertEqual((b2["name"], b2["floors"], b2["version"], b2["code"]),
                         ("一号楼", None, 2, "T1"))
        self.assertEqual(b2["created_at"], b["created_at"])
        self.assertStatus(agent.delete("/api/v1/buildings/%d" % b["id"]), 204)
        self.assertNotFound(agent.get("/api/v1/buildings/%d" % b["id"]))
        entries = self.audit_since(head, entity="building")
        self.assertEqual([(e["action"], e["entity_id"], e["actor_login"], e["project_id"])
                          for e in entries],
                         [(a, b["id"], "agent", 1) for a in ("create", "update", "delete")])
        self.assertEqual(entries[0]["after"]["code"], "T1")
        self.assertEqual((entries[1]["before"]["floors"], entries[1]["after"]["floors"]),
                         (33, None))
        self.assertEqual(entries[2]["before"]["name"], "一号楼")
        self.assertIsNone(entries[2]["after"])

    def test_building_bad_input(self):
        head = self.audit_head()
        n = self.count("buildings")
        cases = [
            ({"floors": 0}, "floors", "out_of_range"),
            ({"floors": 201}, "floors", "out_of_range"),
            ({"floors": -3}, "floors", "out_of_range"),
            ({"floors": "3"}, "floors", "must_be_integer"),
            ({"floors": 2.5}, "floors", "must_be_integer"),
            ({"code": "C" * 17}, "code", "too_long"),
            ({"code": ""}, "code", "required"),
            ({"name": None}, "name", "required"),
            ({"project_id": "1"}, "project_id", "must_be_integer"),
            ({"id": 5}, "id", "unknown_field"),
        ]
        for change, field, reason in cases:
            body = {"project_id": 1, "code": "BAD", "name": "坏"}
            body.update(change)
            self.assertReason(self.boss.post("/api/v1/buildings", body), field, reason,
                              msg=repr(change))
        self.assertReason(self.boss.post("/api/v1/buildings", {"code": "BAD", "name": "坏"}),
                          "project_id", "required")
        self.assertEqual(self.count("buildings"), n)
        self.assertNoWrites(head)

    def test_building_code_unique_per_project(self):
        mk_building(self.boss, 1, code="TWIN")
        err = self.assertError(self.boss.post("/api/v1/buildings", {
            "project_id": 1, "code": "TWIN", "name": "重复"}), 409, "conflict", ["code"])
        self.assertEqual(err["fields"]["code"], EN["taken"])
        other = mk_building(self.boss, self.p2, code="TWIN")  # another project: fine
        self.assertEqual(other["project_id"], self.p2)

    # ---- units

    def test_unit_crud_with_audit(self):
        b = mk_building(self.boss, 1, code="U3")
        head = self.audit_head()
        agent = self.en("agent")
        r = agent.post("/api/v1/units", {
            "project_id": 1, "building_id": b["id"], "entrance": "2", "floor": 15,
            "number": "1502", "area": 89.57, "status": "delivered",
            "delivery_date": "2024-02-29", "warranty_end": "2026-02-28"})
        self.assertStatus(r, 201)
        u = r.json()
        self.assertEqual(
            {k: u[k] for k in ("project_id", "building_id", "entrance", "floor", "number", "code",
                               "area", "status", "delivery_date", "warranty_end", "version")},
            {"project_id": 1, "building_id": b["id"], "entrance": "2", "floor": 15,
             "number": "1502", "code": "U3-2-1502", "area": 89.57, "status": "delivered",
             "delivery_date": "2024-02-29", "warranty_end": "2026-02-28", "version": 1})
        self.assertNotIn("area_centi", u)
        self.assertEqual(self.row("units", u["id"], agent), u)
        r = agent.patch("/api/v1/units/%d" % u["id"], {"version": 1, "status": "occupied",
                                                       "area": 90, "warranty_end": None})
        self.assertStatus(r, 200)
        u2 = r.json()
        self.assertEqual((u2["status"], u2["area"], u2["warranty_end"], u2["version"],
                          u2["code"]), ("occupied", 90, None, 2, "U3-2-1502"))
        self.assertStatus(agent.delete("/api/v1/units/%d" % u["id"]), 204)
        self.assertNotFound(agent.get("/api/v1/units/%d" % u["id"]))
        entries = self.audit_since(head, entity="unit")
        self.assertEqual([(e["action"], e["entity_id"], e["actor_login"]) for e in entries],
                         [(a, u["id"], "agent") for a in ("create", "update", "delete")])
        self.assertEqual(entries[0]["after"]["area"], 89.57)
        self.assertEqual((entries[1]["before"]["status"], entries[1]["after"]["status"]),
                         ("delivered", "occupied"))

    def test_unit_defaults_and_derived_code(self):
        b = mk_building(self.boss, 1, code="D7")
        u = mk_unit(self.boss, b["id"], number="301", floor=3)
        self.assertEqual((u["code"], u["entrance"], u["status"], u["delivery_date"]),
                         ("D7-301", "", "unsold", None))
        u = mk_unit(self.boss, b["id"], number="301", floor=3, entrance="1")
        self.assertEqual(u["code"], "D7-1-301")
        u = mk_unit(self.boss, b["id"], number="302", floor=3, code="七栋302")
        self.assertEqual(u["code"], "七栋302")
        u = mk_unit(self.boss, b["id"], number="-101", floor=-1)
        self.assertEqual((u["floor"], u["code"]), (-1, "D7--101"))

    def test_unit_area_bounds(self):
        b = mk_building(self.boss, 1)
        head = self.audit_head()
        n = self.count("units")
        bad = [(-3, "out_of_range"), (0, "out_of_range"), (0.0, "out_of_range"),
               (-0.01, "out_of_range"), (100000.01, "out_of_range"),
               (100001, "out_of_range"), (1e300, "invalid"), (10 ** 9, "out_of_range"),
               (1.234, "invalid"), (0.001, "invalid"), (89.999, "invalid"),
               ("1.234", "invalid"), ("-3", "out_of_range"), ("0", "out_of_range"),
               ("100000.01", "out_of_range"), ("abc", "invalid"), ("", "invalid"),
               ("1.", "invalid"), ("1e3", "invalid"), ("89,5", "invalid"), ("8 9", "invalid"),
               (True, "invalid"), ([89], "invalid"), (None, "required")]
        for area, reason in bad:
            r = self.boss.post("/api/v1/units", {"project_id": 1, "building_id": b["id"],
                                                 "floor": 1, "number": "A1", "area": area})
            self.assertReason(r, "area", reason, msg="area %r" % (area,))
        r = self.boss.post("/api/v1/units", {"project_id": 1, "building_id": b["id"],
                                             "floor": 1, "number": "A1"})
        self.assertReason(r, "area", "required")
        self.assertEqual(self.count("units"), n)
        self.assertNoWrites(head)
        for i, (area, shown) in enumerate([(0.01, 0.01), (100000, 100000), (100000.0, 100000),
                                           (0.29, 0.29), (89.5, 89.5), (120, 120),
                                           (1.1, 1.1), (33.33, 33.33),
                                           ("89.5", 89.5), ("0.01", 0.01), ("120", 120),
                                           ("100000.00", 100000)]):
            u = mk_unit(self.boss, b["id"], number="G%d" % i, area=area)
            self.assertEqual(u["area"], shown, "area %r" % area)
            self.assertEqual(self.row("units", u["id"])["area"], shown)
        u = mk_unit(self.boss, b["id"], number="P1")
        for area, reason in [(-3, "out_of_range"), (0, "out_of_range"),
                             (100000.01, "out_of_range"), (1.234, "invalid")]:
            r = self.boss.patch("/api/v1/units/%d" % u["id"], {"version": 1, "area": area})
            self.assertReason(r, "area", reason, msg="PATCH area %r" % area)
        self.assertUnchanged("units", u)

    def test_unit_other_bad_input(self):
        b = mk_building(self.boss, 1)
        head = self.audit_head()
        n = self.count("units")
        base = {"project_id": 1, "building_id": b["id"], "floor": 1, "number": "X1", "area": 50}
        cases = [
            ({"delivery_date": "2026-02-30"}, "delivery_date", "invalid_date"),
            ({"delivery_date": "2023-02-29"}, "delivery_date", "invalid_date"),
            ({"delivery_date": "tomorrow"}, "delivery_date", "invalid_date"),
            ({"delivery_date": "2026-2-3"}, "delivery_date", "invalid_date"),
            ({"delivery_date": "2026-02-03T00:00:00Z"}, "delivery_date", "invalid_date"),
            ({"delivery_date": "2026/02/03"}, "delivery_date", "invalid_date"),
            ({"delivery_date": "2026-13-01"}, "delivery_date", "invalid_date"),
            ({"delivery_date": "2026-00-10"}, "delivery_date", "invalid_date"),
            ({"delivery_date": 20260203}, "delivery_date", "must_be_string"),
            ({"warranty_end": "2026-04-31"}, "warranty_end", "invalid_date"),
            ({"status": "sold"}, "status", "not_in_list"),
            ({"status": "UNSOLD"}, "status", "not_in_list"),
            ({"status": ""}, "status", "required"),
            ({"floor": 201}, "floor", "out_of_range"),
            ({"floor": -11}, "floor", "out_of_range"),
            ({"number": ""}, "number", "required"),
            ({"number": "9" * 17}, "number", "too_long"),
            ({"entrance": "E" * 9}, "entrance", "too_long"),
            ({"code": "C" * 49}, "code", "too_long"),
            ({"code": ""}, "code", "required"),
            ({"entrance": None}, "entrance", "required"),
            ({"status": None}, "status", "required"),
            ({"building_id": 0}, "building_id", "out_of_range"),
            ({"building_id": "1"}, "building_id", "must_be_integer"),
            ({"building_id": 99999999}, "building_id", "unknown_reference"),
        ]
        for change, field, reason in cases:
            body = dict(base)
            body.update(change)
            self.assertReason(self.boss.post("/api/v1/units", body), field, reason,
                              msg=repr(change))
        for missing in ("building_id", "floor", "number", "area"):
            body = dict(base)
            del body[missing]
            self.assertReason(self.boss.post("/api/v1/units", body), missing, "required",
                              msg="missing " + missing)
        self.assertEqual(self.count("units"), n)
        self.assertNoWrites(head)
        for i, status in enumerate(("unsold", "delivered", "occupied", "vacant", "renovating")):
            self.assertEqual(mk_unit(self.boss, b["id"], number="S%d" % i,
                                     status=status)["status"], status)

    def test_unit_code_clash_inside_a_building(self):
        b1 = mk_building(self.boss, 1, code="K1")
        b2 = mk_building(self.boss, 1, code="K2")
        first = mk_unit(self.boss, b1["id"], entrance="1", number="801", floor=8)
        self.assertEqual(first["code"], "K1-1-801")
        head = self.audit_head()
        n = self.count("units")
        for body in ({"entrance": "1", "number": "801"},          # the same derived code
                     {"entrance": "9", "number": "1", "code": "K1-1-801"}):  # given code
            full = {"project_id": 1, "building_id": b1["id"], "floor": 8, "area": 70}
            full.update(body)
            err = self.assertError(self.boss.post("/api/v1/units", full), 409, "conflict",
                                   ["code"], msg=repr(body))
            self.assertEqual(err["fields"]["code"], EN["taken"])
        self.assertEqual(self.count("units"), n)
        self.assertNoWrites(head)
        # the same code in another building is fine
        other = mk_unit(self.boss, b2["id"], number="x", code="K1-1-801")
        self.assertEqual((other["code"], other["building_id"]), ("K1-1-801", b2["id"]))
        # renaming a unit onto a neighbour's code clashes too, and changes nothing
        second = mk_unit(self.boss, b1["id"], entrance="1", number="802", floor=8)
        head = self.audit_head()
        err = self.assertError(self.boss.patch("/api/v1/units/%d" % second["id"],
                                               {"version": 1, "code": "K1-1-801"}),
                               409, "conflict", ["code"])
        self.assertUnchanged("units", second)
        self.assertNoWrites(head)

    def test_stale_version_409_changes_nothing(self):
        b = mk_building(self.boss, 1)
        u = mk_unit(self.boss, b["id"], status="vacant")
        r = self.boss.patch("/api/v1/units/%d" % u["id"], {"version": 1, "status": "occupied"})
        self.assertStatus(r, 200)
        now = r.json()
        self.assertEqual(now["version"], 2)
        head = self.audit_head()
        for v in (1, 3, 999):
            self.assertError(self.boss.patch("/api/v1/units/%d" % u["id"],
                                             {"version": v, "status": "renovating", "area": 1}),
                             409, "version_conflict", msg="version %d" % v)
        self.assertUnchanged("units", now)
        self.assertNoWrites(head)
        # the version is required and must be a positive whole number
        for body, reason in (({"status": "vacant"}, "required"),
                             ({"status": "vacant", "version": "2"}, "must_be_integer"),
                             ({"status": "vacant", "version": 0}, "out_of_range")):
            self.assertReason(self.boss.patch("/api/v1/units/%d" % u["id"], body), "version",
                              reason, msg=repr(body))
        self.assertUnchanged("units", now)
        # buildings and occupancies answer the same
        r = self.boss.patch("/api/v1/buildings/%d" % b["id"], {"version": 2, "name": "x"})
        self.assertError(r, 409, "version_conflict")
        self.assertUnchanged("buildings", b)

    def test_fixed_fields_are_immutable(self):
        b1 = mk_building(self.boss, 1)
        b2 = mk_building(self.boss, 1)
        u1 = mk_unit(self.boss, b1["id"])
        u2 = mk_unit(self.boss, b1["id"])
        p1 = mk_person(self.boss, 1, "甲")
        p2 = mk_person(self.boss, 1, "乙")
        o = mk_occupancy(self.boss, p1["id"], u1["id"])
        head = self.audit_head()
        for kind, row, change in [
                ("units", u1, {"building_id": b2["id"]}),
                ("units", u1, {"project_id": self.p2}),
                ("buildings", b1, {"project_id": self.p2}),
                ("people", p1, {"project_id": self.p2}),
                ("occupancies", o, {"person_id": p2["id"]}),
                ("occupancies", o, {"unit_id": u2["id"]}),
                ("occupancies", o, {"project_id": self.p2})]:
            body = {"version": 1}
            body.update(change)
            field = list(change)[0]
            self.assertReason(self.boss.patch("/api/v1/%s/%d" % (kind, row["id"]), body),
                              field, "immutable", msg="%s %r" % (kind, change))
            self.assertUnchanged(kind, row)
        self.assertNoWrites(head)
        # giving the value it already has is no change
        r = self.boss.patch("/api/v1/occupancies/%d" % o["id"],
                            {"version": 1, "person_id": p1["id"], "unit_id": u1["id"],
                             "end_date": "2030-01-01"})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["person_id"], r.json()["end_date"]), (p1["id"], "2030-01-01"))

    def test_delete_refused_while_dependents_exist(self):
        b = mk_building(self.boss, 1)
        u1 = mk_unit(self.boss, b["id"])
        u2 = mk_unit(self.boss, b["id"])
        p = mk_person(self.boss, 1, "丙")
        o1 = mk_occupancy(self.boss, p["id"], u1["id"], role="owner")
        o2 = mk_occupancy(self.boss, p["id"], u1["id"], role="tenant", start="2020-01-01",
                          end_date="2020-12-31")
        o3 = mk_occupancy(self.boss, p["id"], u2["id"], role="family")
        head = self.audit_head()
        for kind, row, deps in [("buildings", b, {"units": 2}),
                                ("units", u1, {"occupancies": 2}),
                                ("units", u2, {"occupancies": 1}),
                                ("people", p, {"occupancies": 3})]:
            err = self.assertError(self.boss.delete("/api/v1/%s/%d" % (kind, row["id"])), 409,
                                   "has_dependents", msg=kind)
            self.assertEqual(err.get("dependents"), deps, kind)
            self.assertEqual(err.get("fields"), {k: EN["has_dependents"] for k in deps}, kind)
            self.assertUnchanged(kind, row)
        self.assertNoWrites(head)
        for o in (o1, o2, o3):
            self.assertStatus(self.boss.delete("/api/v1/occupancies/%d" % o["id"]), 204)
        for kind, row in [("units", u1), ("units", u2), ("buildings", b), ("people", p)]:
            self.assertStatus(self.boss.delete("/api/v1/%s/%d" % (kind, row["id"])), 204, kind)
            self.assertNotFound(self.boss.get("/api/v1/%s/%d" % (kind, row["id"])))
            self.assertNotFound(self.boss.delete("/api/v1/%s/%d" % (kind, row["id"])))
        deletes = [(e["entity"], e["entity_id"]) for e in self.audit_since(head, action="delete")]
        self.assertEqual(deletes, [("occupancy", o1["id"]), ("occupancy", o2["id"]),
                                   ("occupancy", o3["id"]), ("unit", u1["id"]),
                                   ("unit", u2["id"]), ("building", b["id"]),
                                   ("person", p["id"])])

    def test_pagination_with_cursor(self):
        b = mk_building(self.boss, 1)
        made = [mk_unit(self.boss, b["id"], number="N%d" % i)["id"] for i in range(5)]
        seen, cursor, pages = [], None, 0
        while True:
            q = {"building_id": b["id"], "limit": 2}
            if cursor:
                q["cursor"] = cursor
            r = self.boss.get("/api/v1/units", query=q)
            self.assertStatus(r, 200)
            j = r.json()
            pages += 1
            self.assertLessEqual(len(j["items"]), 2)
            seen += [u["id"] for u in j["items"]]
            cursor = j["next_cursor"]
            if cursor is None:
                break
            self.assertIsInstance(cursor, str)
            self.assertLess(pages, 10)
        self.assertEqual(seen, made)  # in id order, none twice, none missed
        self.assertEqual(pages, 3)
        # a full last page may be followed by an empty one, never by a repeat
        q = {"building_id": b["id"], "limit": 5}
        j = self.boss.get("/api/v1/units", query=q).json()
        self.assertEqual([u["id"] for u in j["items"]], made)
        if j["next_cursor"]:
            q["cursor"] = j["next_cursor"]
            self.assertEqual(items(self.boss.get("/api/v1/units", query=q)), [])
        for bad, field in [({"limit": 0}, "limit"), ({"limit": 501}, "limit"),
                           ({"limit": "x"}, "limit"), ({"cursor": "zz"}, "cursor"),
                           ({"cursor": "-1"}, "cursor")]:
            self.assertValidation(self.boss.get("/api/v1/units", query=bad), field,
                                  msg=repr(bad))

    def test_filters(self):
        b1 = mk_building(self.boss, 1, code="F1")
        b2 = mk_building(self.boss, 1, code="F2")
        a = mk_unit(self.boss, b1["id"], floor=2, status="vacant")
        c = mk_unit(self.boss, b1["id"], floor=3, status="occupied")
        d = mk_unit(self.boss, b2["id"], floor=2, status="vacant")

        def ids(**q):
            return [u["id"] for u in self.all_items(self.boss, "units", **q)]
        self.assertEqual(ids(building_id=b1["id"]), [a["id"], c["id"]])
        self.assertEqual(ids(building_id=b2["id"]), [d["id"]])
        self.assertEqual(ids(building_id=b1["id"], status="vacant"), [a["id"]])
        self.assertEqual(ids(building_id=b2["id"], status="occupied"), [])
        self.assertEqual(ids(building_id=b1["id"], floor=3), [c["id"]])
        self.assertTrue({a["id"], d["id"]} <= set(ids(status="vacant")))
        self.assertTrue(all(u["status"] == "vacant"
                            for u in self.all_items(self.boss, "units", status="vacant")))
        self.assertEqual(ids(code=a["code"], building_id=b1["id"]), [a["id"]])
        self.assertEqual(ids(building_id=99999999), [])
        self.assertEqual([x["id"] for x in self.all_items(self.boss, "buildings", code="F2")],
                         [b2["id"]])

    def test_create_in_a_project_that_does_not_exist(self):
        # An admin sees every project, even one that is not there: the missing project must
        # be named as such, not pass for a clash of the code (it once answered 409
        # fields.code "Already taken" from the foreign-key failure).
        head = self.audit_head()
        for project, reason in [(0, "out_of_range"), ("1", "must_be_integer"),
                                (99999999, "unknown_project")]:
            r = self.boss.post("/api/v1/buildings", {"project_id": project, "code": "NP",
                                                     "name": "无项目"})
            self.assertReason(r, "project_id", reason,
                              msg="POST /api/v1/buildings as admin, project_id %r" % (project,))
        self.assertNoWrites(head)

    def test_concurrent_overlapping_occupancies(self):
        # The overlap check reads, then the insert writes: both must be one step, or two
        # requests at once both pass the check (rounds of 12 requests at once; exactly one
        # of each round may succeed).
        # On PostgreSQL (READ COMMITTED, no writer queue) only the lock validate_occupancy
        # takes on the unit's row makes the check and the insert one step.
        b = mk_building(self.boss, 1)
        u = mk_unit(self.boss, b["id"])
        for round in range(4):
            p = mk_person(self.boss, 1, "并发%d" % round)
            body = {"project_id": 1, "person_id": p["id"], "unit_id": u["id"], "role": "owner",
                    "start_date": "2024-01-01"}
            got = self.in_parallel(lambda c: c.post("/api/v1/occupancies", body), 12)
            stored = self.all_items(self.boss, "occupancies", person_id=p["id"])
            self.assertEqual(sorted(r.status for r in got), [201] + [422] * 11,
                             "round %d on %s: %d overlapping occupancies stored"
                             % (round, self.db.kind, len(stored)))
            for r in got:
                if r.status == 422:
                    self.assertEqual(r.error["fields"], {"start_date": EN["overlap"]})
            self.assertEqual(len(stored), 1)

    # ---- occupancies

    def test_occupancy_crud_with_audit(self):
        b = mk_building(self.boss, 1)
        u = mk_unit(self.boss, b["id"])
        p = mk_person(self.boss, 1, "丁")
        head = self.audit_head()
        agent = self.en("agent")
        r = agent.post("/api/v1/occupancies", {"project_id": 1, "person_id": p["id"],
                                               "unit_id": u["id"], "role": "tenant",
                                               "start_date": "2025-03-01",
                                               "end_date": "2026-02-28"})
        self.assertStatus(r, 201)
        o = r.json()
        self.assertEqual({k: o[k] for k in ("project_id", "person_id", "unit_id", "role",
                                            "start_date", "end_date", "version")},
                         {"project_id": 1, "person_id": p["id"], "unit_id": u["id"],
                          "role": "tenant", "start_date": "2025-03-01",
                          "end_date": "2026-02-28", "version": 1})
        self.assertEqual(self.row("occupancies", o["id"], agent), o)
        self.assertEqual([x["id"] for x in self.all_items(agent, "occupancies",
                                                          person_id=p["id"])], [o["id"]])
        self.assertEqual([x["id"] for x in self.all_items(agent, "occupancies",
                                                          unit_id=u["id"], role="tenant")],
                         [o["id"]])
        self.assertEqual(self.all_items(agent, "occupancies", unit_id=u["id"], role="owner"), [])
        r = agent.patch("/api/v1/occupancies/%d" % o["id"], {"version": 1, "end_date": None})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["end_date"], r.json()["version"]), (None, 2))
        self.assertStatus(agent.delete("/api/v1/occupancies/%d" % o["id"]), 204)
        self.assertNotFound(agent.get("/api/v1/occupancies/%d" % o["id"]))
        self.assertEqual([(e["action"], e["entity_id"], e["actor_login"])
                          for e in self.audit_since(head, entity="occupancy")],
                         [(a, o["id"], "agent") for a in ("create", "update", "delete")])

    def test_occupancy_bad_input(self):
        b = mk_building(self.boss, 1)
        u = mk_unit(self.boss, b["id"])
        p = mk_person(self.boss, 1, "戊")
        head = self.audit_head()
        n = self.count("occupancies")
        base = {"project_id": 1, "person_id": p["id"], "unit_id": u["id"], "role": "owner",
                "start_date": "2024-01-01"}
        cases = [
            ({"role": "landlord"}, "role", "not_in_list"),
            ({"role": "Owner"}, "role", "not_in_list"),
            ({"start_date": "2026-02-30"}, "start_date", "invalid_date"),
            ({"start_date": "tomorrow"}, "start_date", "invalid_date"),
            ({"start_date": None}, "start_date", "required"),
            ({"end_date": "2026-02-30"}, "end_date", "invalid_date"),
            ({"end_date": "2023-12-31"}, "end_date", "out_of_range"),  # ends before it starts
            ({"person_id": 99999999}, "person_id", "unknown_reference"),
            ({"unit_id": 99999999}, "unit_id", "unknown_reference"),
            ({"unit_id": "x"}, "unit_id", "must_be_integer"),
        ]
        for change, field, reason in cases:
            body = dict(base)
            body.update(change)
            self.assertReason(self.boss.post("/api/v1/occupancies", body), field, reason,
                              msg=repr(change))
        for missing in ("person_id", "unit_id", "role", "start_date"):
            body = dict(base)
            del body[missing]
            self.assertReason(self.boss.post("/api/v1/occupancies", body), missing, "required",
                              msg="missing " + missing)
        self.assertEqual(self.count("occupancies"), n)
        self.assertNoWrites(head)
        # a one-day span (end = start) is fine
        mk_occupancy(self.boss, p["id"], u["id"], start="2024-01-01", end_date="2024-01-01")

    def test_occupancy_overlap_same_role(self):
        b = mk_building(self.boss, 1)
        u = mk_unit(self.boss, b["id"])
        u2 = mk_unit(self.boss, b["id"])
        p = mk_person(self.boss, 1, "己")
        q = mk_person(self.boss, 1, "庚")
        first = mk_occupancy(self.boss, p["id"], u["id"], role="tenant", start="2020-01-01",
                             end_date="2021-12-31")
        head = self.audit_head()
        n = self.count("occupancies")
        for start, end in [("2020-06-01", "2020-07-01"), ("2019-01-01", "2020-01-01"),
                           ("2021-12-31", "2022-06-30"), ("2019-01-01", None),
                           ("2020-01-01", "2021-12-31"), ("2021-01-01", None)]:
            body = {"project_id": 1, "person_id": p["id"], "unit_id": u["id"], "role": "tenant",
                    "start_date": start}
            if end:
                body["end_date"] = end
            self.assertReason(self.boss.post("/api/v1/occupancies", body), "start_date",
                              "overlap", msg="%s..%s" % (start, end))
        self.assertEqual(self.count("occupancies"), n)
        self.assertNoWrites(head)
        # before, after, another role, another unit, another person: all fine
        mk_occupancy(self.boss, p["id"], u["id"], role="tenant", start="2018-01-01",
                     end_date="2019-12-31")
        later = mk_occupancy(self.boss, p["id"], u["id"], role="tenant", start="2022-01-01")
        mk_occupancy(self.boss, p["id"], u["id"], role="owner", start="2020-06-01")
        mk_occupancy(self.boss, p["id"], u2["id"], role="tenant", start="2020-06-01")
        mk_occupancy(self.boss, q["id"], u["id"], role="tenant", start="2020-06-01")
        # an open-ended span now covers every later start
        r = self.boss.post("/api/v1/occupancies", {
            "project_id": 1, "person_id": p["id"], "unit_id": u["id"], "role": "tenant",
            "start_date": "2035-01-01"})
        self.assertReason(r, "start_date", "overlap")
        # changing a span onto another is refused too
        r = self.boss.patch("/api/v1/occupancies/%d" % first["id"],
                            {"version": 1, "end_date": "2022-01-01"})
        self.assertReason(r, "start_date", "overlap")
        self.assertUnchanged("occupancies", first)
        # a span may be changed without clashing with itself
        r = self.boss.patch("/api/v1/occupancies/%d" % later["id"],
                            {"version": 1, "end_date": "2023-01-01"})
        self.assertStatus(r, 200)


class BadListFilters(RecordsMixin, ServerTestCase):
    """Bad filter values on lists: a 422 naming the parameter, never a 500."""

    def test_bad_filter_value_is_422(self):
        for kind, q in [("units", {"building_id": "x"}), ("units", {"floor": "2.5"}),
                        ("occupancies", {"person_id": "abc"}), ("units", {"project_id": "x"}),
                        ("units", {"project_id": "0"}), ("buildings", {"code": "x" * 257})]:
            r = self.boss.get("/api/v1/" + kind, query=q)
            self.assertValidation(r, list(q)[0], msg="GET /api/v1/%s?%s"
                                  % (kind, urllib.parse.urlencode(q)))

    def test_filter_not_utf8(self):
        # Bytes that are not UTF-8 in a text filter: never a 500 (SQLite once failed with
        # "datatype mismatch"); a 422 naming the parameter, or an empty page.
        for path, name in [("/api/v1/units?code=%FF", "code"),
                           ("/api/v1/units?status=%E5%BC", "status"),
                           ("/api/v1/people?grade=%FF", "grade"),
                           ("/api/v1/buildings?code=%C0%AF", "code")]:
            r = self.boss.get(path)
            if r.status == 422:
                self.assertValidation(r, name, msg=path)
            else:
                self.assertStatus(r, 200, "GET %s on %s" % (path, self.db.kind))
                self.assertEqual(r.json()["items"], [], path)

    def test_permissions(self):
        b = mk_building(self.boss, 1)
        for login in ("technician", "cashier"):  # may read records, not change them
            c = self.en(login)
            self.assertStatus(c.get("/api/v1/buildings/%d" % b["id"]), 200, login)
            self.assertStatus(c.get("/api/v1/units"), 200, login)
            self.assertError(c.post("/api/v1/buildings", {"project_id": 1, "code": "NO",
                                                          "name": "不行"}), 403, "forbidden")
            self.assertError(c.patch("/api/v1/buildings/%d" % b["id"],
                                     {"version": 1, "name": "改"}), 403, "forbidden")
            self.assertError(c.delete("/api/v1/buildings/%d" % b["id"]), 403, "forbidden")
        resident = self.en("resident")
        for kind in KINDS:
            self.assertError(resident.get("/api/v1/" + kind), 403, "forbidden", msg=kind)
        self.assertError(resident.get("/api/v1/buildings/%d" % b["id"]), 403, "forbidden")
        anon = self.client()
        self.assertError(anon.get("/api/v1/buildings"), 401, "unauthorized")
        sup = self.en("supervisor")
        r = sup.patch("/api/v1/buildings/%d" % b["id"], {"version": 1, "name": "主管改名"})
        self.assertStatus(r, 200)
        self.assertUnchanged("buildings", r.json())


# --------------------------------------------------------------------------- scope

class Scope(RecordsMixin, ServerTestCase):
    """Project 2's agent (agent2) against project 1's records, made by the demo agent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        boss = cls.server.login("admin", lang="en")
        cls.p2 = mk_project(boss, code="scope-2", name="二号项目")["id"]
        r = boss.post("/api/v1/users", {"login": "agent2", "display_name": "二期客服",
                                        "role": "agent", "password": "password-123",
                                        "project_ids": [cls.p2]})
        assert r.status == 201, r
        a1 = cls.server.login("agent", lang="en")
        a2 = cls.server.login("agent2", "password-123", lang="en")
        cls.mine, cls.theirs = {}, {}  # kind → [ids] of project 2 / project 1
        for c, project, out, tag in ((a1, 1, cls.theirs, "一"), (a2, cls.p2, cls.mine, "二")):
            b = mk_building(c, project, code="S" + tag)
            u = mk_unit(c, b["id"], project, entrance="1", number="101")
            v = mk_unit(c, b["id"], project, entrance="1", number="102")
            p = mk_person(c, project, "范%s明" % tag,
                          mobiles=["1391234567%d" % (1 if project == 1 else 2)])
            o = mk_occupancy(c, p["id"], u["id"], project)
            out.update(buildings=[b["id"]], units=[u["id"], v["id"]], people=[p["id"]],
                       occupancies=[o["id"]])
        # a few more in project 1, so ids of both projects interleave
        b = mk_building(a1, 1, code="S三")
        cls.theirs["buildings"].append(b["id"])
        cls.theirs["units"].append(mk_unit(a1, b["id"], 1, number="301")["id"])
        cls.p1_mobile = "13912345671"
        cls.p1_unit_code = "S一-1-101"

    @property
    def agent2(self):
        cls = type(self)
        if getattr(cls, "_agent2", None) is None or cls._agent2.get("/api/v1/me").status != 200:
            cls._agent2 = self.en("agent2", "password-123")
        return cls._agent2

    def test_other_projects_records_answer_404(self):
        head = self.audit_head()
        before = {k: [self.row(k, i) for i in self.theirs[k]] for k in KINDS}
        nf = self.agent2.get("/api/v1/units/99999999")
        self.assertNotFound(nf)
        for kind in KINDS:
            for rid in self.theirs[kind]:
                path = "/api/v1/%s/%d" % (kind, rid)
                for method, body in (("GET", None), ("PATCH", {"version": 1, "notes": "x"}
                                                      if kind == "people" else {"version": 1}),
                                     ("DELETE", None)):
                    r = self.agent2.request(method, path, json_body=body)
                    err = self.assertNotFound(r, msg="%s %s" % (method, path))
                    # the same answer as for an id that does not exist: nothing to tell them apart
                    self.assertEqual(err["message"], nf.error["message"])
                    self.assertNotIn("fields", err)
        r = self.agent2.post("/api/v1/people/%d/reveal" % self.theirs["people"][0])
        self.assertError(r, 403, "forbidden")  # agents may not reveal at all
        after = {k: [self.row(k, i) for i in self.theirs[k]] for k in KINDS}
        self.assertEqual(after, before)
        self.assertNoWrites(head)

    def test_guessing_ids(self):
        # every id from 1 to past the highest: 200 exactly for project 2's rows
        head = self.audit_head()
        for kind in KINDS:
            top = max(self.mine[kind] + self.theirs[kind]) + 3
            for rid in range(1, top + 1):
                path = "/api/v1/%s/%d" % (kind, rid)
                r = self.agent2.get(path)
                if rid in self.mine[kind]:
                    self.assertStatus(r, 200, path)
                    self.assertEqual(r.json()["project_id"], self.p2)
                else:
                    self.assertNotFound(r, msg=path)
                    self.assertNotFound(self.agent2.patch(path, {"version": 1}), msg=path)
                    self.assertNotFound(self.agent2.patch(path, {"version": 2}), msg=path)
                    self.assertNotFound(self.agent2.delete(path), msg=path)
        for kind in KINDS:
            for rid in self.theirs[kind]:
                self.assertStatus(self.boss.get("/api/v1/%s/%d" % (kind, rid)), 200)
        self.assertNoWrites(head)

    def test_lists_show_only_own_projects(self):
        a1 = self.en("agent")
        for kind in KINDS:
            got = self.all_items(self.agent2, kind)
            self.assertEqual(sorted(x["id"] for x in got), sorted(self.mine[kind]), kind)
            self.assertTrue(all(x["project_id"] == self.p2 for x in got), kind)
            self.assertEqual(self.all_items(self.agent2, kind, project_id=1), [], kind)
            self.assertEqual(self.all_items(self.agent2, kind, project_id=99999999), [], kind)
            got = self.all_items(self.agent2, kind, project_id=self.p2)
            self.assertEqual(sorted(x["id"] for x in got), sorted(self.mine[kind]), kind)
            # small pages too: the cursor never walks into the other project
            got = self.all_items(self.agent2, kind, limit=1)
            self.assertEqual(sorted(x["id"] for x in got), sorted(self.mine[kind]), kind)
            ones = self.all_items(a1, kind)
            self.assertTrue(set(self.theirs[kind]) <= {x["id"] for x in ones}, kind)
            self.assertFalse(set(self.mine[kind]) & {x["id"] for x in ones}, kind)
            self.assertEqual(self.all_items(a1, kind, project_id=self.p2), [], kind)
            every = {x["id"] for x in self.all_items(self.boss, kind)}
            self.assertTrue(set(self.mine[kind]) | set(self.theirs[kind]) <= every, kind)
        self.assertEqual([p["id"] for p in self.all_items(self.agent2, "projects")], [self.p2])
        self.assertNotFound(self.agent2.get("/api/v1/projects/1"))

    def test_lookup_respects_scope(self):
        a1 = self.en("agent")
        r = a1.get("/api/v1/lookup", query={"q": self.p1_mobile})
        self.assertStatus(r, 200)
        self.assertEqual([p["id"] for p in r.json()["people"]], self.theirs["people"])
        for q in (self.p1_mobile, "5671", "范一明",
                  "范一", self.p1_unit_code, "S一"):
            for extra in ({}, {"project_id": 1}):
                query = {"q": q}
                query.update(extra)
                r = self.agent2.get("/api/v1/lookup", query=query)
                self.assertStatus(r, 200, repr(query))
                self.assertEqual(r.json(), {"people": [], "units": []}, repr(query))
        # their own records are found
        r = self.agent2.get("/api/v1/lookup", query={"q": "13912345672"})
        self.assertEqual([p["id"] for p in r.json()["people"]], self.mine["people"])
        r = self.agent2.get("/api/v1/lookup", query={"q": "范"})
        self.assertEqual([p["id"] for p in r.json()["people"]], self.mine["people"])

    def test_references_into_another_project_422(self):
        head = self.audit_head()
        n = {k: self.count(k) for k in KINDS}
        b1, u1, p1 = (self.theirs["buildings"][0], self.theirs["units"][0],
                      self.theirs["people"][0])
        b2, u2, p2 = self.mine["buildings"][0], self.mine["units"][1], self.mine["people"][0]
        for c in (self.agent2, self.boss):  # even an admin, who sees both, may not mix them
            r = c.post("/api/v1/units", {"project_id": self.p2, "building_id": b1, "floor": 1,
                                         "number": "999", "area": 50})
            self.assertReason(r, "building_id", "unknown_reference")
            r = c.post("/api/v1/occupancies", {"project_id": self.p2, "person_id": p1,
                                               "unit_id": u2, "role": "owner",
                                               "start_date": "2024-01-01"})
            self.assertReason(r, "person_id", "unknown_reference")
            r = c.post("/api/v1/occupancies", {"project_id": self.p2, "person_id": p2,
                                               "unit_id": u1, "role": "owner",
                                               "start_date": "2024-01-01"})
            self.assertReason(r, "unit_id", "unknown_reference")
        # the project of the new row is the one given: project 1 with project 2's building
        r = self.boss.post("/api/v1/units", {"project_id": 1, "building_id": b2, "floor": 1,
                                             "number": "998", "area": 50})
        self.assertReason(r, "building_id", "unknown_reference")
        self.assertEqual({k: self.count(k) for k in KINDS}, n)
        self.assertNoWrites(head)

    def test_create_in_a_project_one_does_not_belong_to_422(self):
        head = self.audit_head()
        n = {k: self.count(k) for k in KINDS}
        bodies = {
            "buildings": {"code": "NO", "name": "不行"},
            "units": {"building_id": self.theirs["buildings"][0], "floor": 1, "number": "1",
                      "area": 10},
            "people": {"name": "不行", "mobiles": ["13700000000"]},
            "occupancies": {"person_id": self.theirs["people"][0],
                            "unit_id": self.theirs["units"][1], "role": "owner",
                            "start_date": "2024-01-01"},
        }
        for kind, body in bodies.items():
            for project in (1, 99999999):
                b = dict(body, project_id=project)
                self.assertReason(self.agent2.post("/api/v1/" + kind, b), "project_id",
                                  "unknown_project", msg="%s in project %d" % (kind, project))
        self.assertEqual({k: self.count(k) for k in KINDS}, n)
        self.assertNoWrites(head)


if __name__ == "__main__":
    import unittest
    unittest.main()
