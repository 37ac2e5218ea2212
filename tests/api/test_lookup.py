"""GET /api/v1/lookup?q= — finding the caller (issue 3): by full mobile number (as typed,
with +86, spaces, dashes), its last four digits, ID number, part of a Chinese name (two
characters through the bigram index, one character as a name prefix), or a unit code
(exact or prefix); LIKE wildcards in q match literally; bad q is a 422; results keep to
the caller's projects and show mobiles masked with each person's current units."""
from harness import ServerTestCase
from test_records import (RecordsMixin, mk_building, mk_occupancy, mk_person, mk_project,
                          mk_unit)
from test_people import ID_X, idnum


class Lookup(RecordsMixin, ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        boss = cls.server.login("admin", lang="en")
        agent = cls.server.login("agent", lang="en")
        cls.p2 = mk_project(boss, code="lookup-2")["id"]
        b3 = mk_building(agent, 1, code="3", name="3 号楼")
        b13 = mk_building(agent, 1, code="13", name="13 号楼")
        u = {}
        for b, entrance, number in [(b3, "2", "1501"), (b3, "2", "1502"), (b3, "2", "150"),
                                    (b3, "1", "1502"), (b13, "2", "1502")]:
            row = mk_unit(agent, b["id"], 1, entrance=entrance, number=number, floor=15)
            u[row["code"]] = row["id"]
        cls.units = u
        P = {}

        def person(key, name, project=1, client=agent, **kw):
            P[key] = mk_person(client, project, name, **kw)["id"]
        person("zhang", "张晓明", mobiles=["13800138000"], id_number=ID_X)
        person("li", "李晓红", mobiles=["13912348000"])  # the same last four digits
        person("wang", "王明", mobiles=["+447911123456"])
        person("company", "晓明物业有限公司", kind="company", mobiles=["13512345555"])
        person("pct", "百分%之_百")
        person("pct2", "百分之百")
        person("pct3", "%号业主")
        person("under", "李_明")
        person("li2", "李小明")
        person("alice", "Alice Wang")
        cls.people = P
        mk_occupancy(agent, P["zhang"], u["3-2-1502"], role="owner", start="2019-05-01")
        mk_occupancy(agent, P["zhang"], u["3-1-1502"], role="tenant", start="2016-01-01",
                     end_date="2018-12-31")                          # moved out long ago
        mk_occupancy(agent, P["zhang"], u["3-2-1501"], role="family", start="2099-01-01")
        mk_occupancy(agent, P["li"], u["3-2-1501"], role="tenant", start="2020-01-01")
        # project 2: a namesake with the same mobile and ID number, and the same unit code
        b = mk_building(boss, cls.p2, code="3")
        cls.p2_unit = mk_unit(boss, b["id"], cls.p2, entrance="2", number="1502")["id"]
        cls.p2_zhang = mk_person(boss, cls.p2, "张晓明", mobiles=["13800138000"],
                                 id_number=ID_X)["id"]
        r = boss.post("/api/v1/users", {"login": "agent2", "display_name": "二期客服",
                                        "role": "agent", "password": "password-123",
                                        "project_ids": [cls.p2]})
        assert r.status == 201, r

    @property
    def agent(self):
        cls = type(self)
        if getattr(cls, "_agent", None) is None or cls._agent.get("/api/v1/me").status != 200:
            cls._agent = self.en("agent")
        return cls._agent

    def look(self, q, client=None, **extra):
        query = {"q": q}
        query.update(extra)
        r = (client or self.agent).get("/api/v1/lookup", query=query)
        self.assertStatus(r, 200, "lookup %r" % (query,))
        j = r.json()
        self.assertEqual(set(j), {"people", "units"})
        return j

    def people_of(self, q, client=None, **extra):
        return [p["id"] for p in self.look(q, client, **extra)["people"]]

    def units_of(self, q, client=None, **extra):
        return [u["code"] for u in self.look(q, client, **extra)["units"]]

    def test_full_mobile_as_typed(self):
        P = self.people
        for q in ("13800138000", "+86 138 0013 8000", "138-0013-8000", "+8613800138000",
                  "008613800138000", "138 0013 8000"):
            j = self.look(q)
            self.assertEqual([p["id"] for p in j["people"]], [P["zhang"]], q)
            self.assertEqual(j["units"], [], q)
            self.assertNotIn("13800138000", str(j))
        p = self.look("13800138000")["people"][0]
        self.assertEqual({k: p[k] for k in ("id", "project_id", "name", "kind", "grade",
                                            "mobiles")},
                         {"id": P["zhang"], "project_id": 1, "name": "张晓明", "kind": "person",
                          "grade": "B", "mobiles": ["138****8000"]})
        self.assertIn({"id": self.units["3-2-1502"], "code": "3-2-1502", "role": "owner",
                       "open_tickets": 0},
                      p["units"])
        self.assertEqual(self.people_of("+447911123456"), [P["wang"]])
        self.assertEqual(self.look("+44 7911 123456")["people"][0]["mobiles"], ["+44******3456"])
        self.assertEqual(self.people_of("13512345555"), [P["company"]])
        self.assertEqual(self.people_of("13700000000"), [])
        # an admin sees every project; project_id narrows it
        self.assertEqual(self.people_of("13800138000", self.boss), [P["zhang"], self.p2_zhang])
        self.assertEqual(self.people_of("13800138000", self.boss, project_id=self.p2),
                         [self.p2_zhang])

    def test_last_four_digits(self):
        P = self.people
        self.assertEqual(self.people_of("8000"), [P["zhang"], P["li"]])
        self.assertEqual(self.people_of("3456"), [P["wang"]])
        self.assertEqual(self.people_of("5555"), [P["company"]])
        self.assertEqual(self.people_of("0000"), [])
        j = self.look("8000")
        self.assertEqual([p["mobiles"] for p in j["people"]], [["138****8000"], ["139****8000"]])
        self.assertNotIn("13912348000", str(j))

    def test_id_number(self):
        P = self.people
        for q in (ID_X, ID_X.lower(), " %s " % ID_X):
            j = self.look(q)
            self.assertEqual([p["id"] for p in j["people"]], [P["zhang"]], q)
            self.assertNotIn(ID_X, str(j).upper())
        self.assertEqual(self.people_of(idnum("11010519491231003")), [])  # valid, unknown
        self.assertEqual(self.people_of(ID_X, self.boss), [P["zhang"], self.p2_zhang])

    def test_part_of_a_name(self):
        P = self.people
        cases = {
            "晓明": [P["zhang"], P["company"]],   # two characters: anywhere in the name
            "张晓明": [P["zhang"]],
            "晓红": [P["li"]],
            "李晓": [P["li"]],
            "王明": [P["wang"]],
            "小明": [P["li2"]],
            "物业有限": [P["company"]],
            "晓明物业有限公司": [P["company"]],
            "张": [P["zhang"]],                   # one character: the name's start
            "李": [P["li"], P["under"], P["li2"]],
            "晓": [P["company"]],                 # not 张晓明: one character is a prefix
            "明": [],
            "赵钱": [],
            "张晓明明": [],
        }
        for q, want in cases.items():
            self.assertEqual(self.people_of(q), want, q)

    def test_like_wildcards_match_literally(self):
        P = self.people
        cases = {
            "%": [P["pct3"]],                    # names starting with a percent sign only
            "_": [],
            "百分%": [P["pct"]],                  # not 百分之百
            "分%之": [P["pct"]],
            "%之": [P["pct"]],
            "之_": [P["pct"]],
            "%号": [P["pct3"]],
            "百分之": [P["pct2"]],
            "李_": [P["under"]],                  # not 李小明 or 李晓红
            "_明": [P["under"]],
            "%%": [],
            "__": [],
            "\\": [],
            "李\\": [],
            "李%": [],
        }
        for q, want in cases.items():
            self.assertEqual(self.people_of(q), want, q)
            self.assertEqual(self.look(q)["units"], [], q)

    def test_latin_names_ignore_case(self):
        # The bigram index lower-cases ASCII letters, so a Latin name is found whatever the
        # case typed, on both backends (LIKE alone ignores ASCII case on SQLite only).
        P = self.people
        for q in ("Alice Wang", "Alice", "Wang", "ce Wa"):
            self.assertEqual(self.people_of(q), [P["alice"]], q)
        for q in ("alice", "ALICE", "wang", "alice wang", "A", "a"):
            self.assertEqual(self.people_of(q), [P["alice"]],
                             "on %s: GET /api/v1/lookup?q=%s does not find 'Alice Wang'"
                             % (self.db.kind, q))

    def test_unit_code(self):
        u = self.units
        j = self.look("3-2-1502")
        self.assertEqual(j["people"], [])
        self.assertEqual(j["units"], [{"id": u["3-2-1502"], "project_id": 1,
                                       "building_id": j["units"][0]["building_id"],
                                       "code": "3-2-1502", "status": "unsold",
                                       "open_tickets": 0}])
        # a prefix: the codes it begins, in code order, never a code that merely
        # contains it (13-2-…)
        self.assertEqual(self.units_of("3-2-"), ["3-2-150", "3-2-1501", "3-2-1502"])
        self.assertEqual(self.units_of("3-2-15"), ["3-2-150", "3-2-1501", "3-2-1502"])
        # the exact code comes first
        self.assertEqual(self.units_of("3-2-150"), ["3-2-150", "3-2-1501", "3-2-1502"])
        self.assertEqual(self.units_of("13-2"), ["13-2-1502"])
        self.assertEqual(self.units_of("3-1-1502"), ["3-1-1502"])
        self.assertEqual(self.units_of("9-9-9"), [])
        self.assertEqual(self.units_of("3_2_1502"), [])  # LIKE's _ is no wildcard
        self.assertEqual(self.units_of("3%"), [])
        # an admin finds both projects' 3-2-1502
        self.assertEqual([(x["project_id"], x["code"])
                          for x in self.look("3-2-1502", self.boss)["units"]],
                         [(1, "3-2-1502"), (self.p2, "3-2-1502")])

    def test_current_units_only(self):
        # 张晓明 owns 3-2-1502 since 2019, rented 3-1-1502 until 2018 and will join 3-2-1501
        # as family in 2099: only the first is a current unit (neither a past nor a future
        # occupancy is listed).
        p = self.look("13800138000")["people"][0]
        self.assertEqual(p["units"], [{"id": self.units["3-2-1502"], "code": "3-2-1502", "open_tickets": 0,
                                       "role": "owner"}],
                         "GET /api/v1/lookup?q=13800138000: only current units")
        p = self.look("13912348000")["people"][0]
        self.assertEqual(p["units"], [{"id": self.units["3-2-1501"], "code": "3-2-1501", "open_tickets": 0,
                                       "role": "tenant"}])

    def test_index_follows_changes(self):
        boss = self.boss
        p = mk_person(boss, 1, "欧阳修远", mobiles=["13712340001"])
        self.assertEqual(self.people_of("阳修"), [p["id"]])
        r = boss.patch("/api/v1/people/%d" % p["id"], {"version": 1, "name": "司马光明",
                                                       "mobiles": ["13712340002"]})
        self.assertStatus(r, 200)
        for q in ("阳修", "欧", "13712340001", "0001"):
            self.assertNotIn(p["id"], self.people_of(q), q)
        for q in ("马光", "司", "13712340002", "0002"):
            self.assertIn(p["id"], self.people_of(q), q)

    def test_bad_q(self):
        for query, field, reason in [
                ({}, "q", "required"),
                ({"q": ""}, "q", "required"),
                ({"q": "x" * 65}, "q", "too_long"),
                ({"q": "张" * 65}, "q", "too_long"),
                ({"q": "1" * 65}, "q", "too_long"),
                ({"q": "张", "limit": 0}, "limit", "out_of_range"),
                ({"q": "张", "limit": 101}, "limit", "out_of_range"),
                ({"q": "张", "limit": "x"}, "limit", "must_be_integer"),
                ({"q": "张", "project_id": "x"}, "project_id", "must_be_integer"),
                ({"q": "张", "project_id": 0}, "project_id", "out_of_range")]:
            r = self.agent.get("/api/v1/lookup", query=query)
            self.assertReason(r, field, reason, msg=repr(query))
        # 64 characters is the most, in characters, not bytes
        for q in ("张" * 64, "x" * 64, "1" * 64):
            self.assertEqual(self.look(q), {"people": [], "units": []}, q)

    def test_limit(self):
        P = self.people
        self.assertEqual(self.people_of("李", limit=1), [P["li"]])
        self.assertEqual(self.people_of("李", limit=2), [P["li"], P["under"]])
        self.assertEqual(self.units_of("3-2-", limit=1), ["3-2-150"])
        self.assertEqual(len(self.people_of("李", limit=100)), 3)
        # the limit holds for the whole answer, not per project searched (an admin searches
        # every project)
        self.assertEqual(self.people_of("13800138000", self.boss, limit=1), [P["zhang"]],
                         "GET /api/v1/lookup?q=13800138000&limit=1 as admin")
        self.assertEqual(len(self.look("3-2-1502", self.boss, limit=1)["units"]), 1,
                         "GET /api/v1/lookup?q=3-2-1502&limit=1 as admin")

    def test_q_not_utf8(self):
        # q with bytes that are not UTF-8: never a 500; if refused, the answer names q (it
        # once answered 422 with no error.fields on PostgreSQL).
        for raw in ("%FF", "%E5%BC", "%E5%BC%A0%FF", "%C0%AF"):
            r = self.agent.get("/api/v1/lookup?q=" + raw)
            if r.status == 422:
                self.assertValidation(r, "q", msg="GET /api/v1/lookup?q=%s on %s"
                                      % (raw, self.db.kind))
            else:
                self.assertStatus(r, 200, raw)
                self.assertEqual(r.json(), {"people": [], "units": []}, raw)

    def test_scope(self):
        P = self.people
        agent2 = self.en("agent2", "password-123")
        self.assertEqual(self.people_of("13800138000", agent2), [self.p2_zhang])
        self.assertEqual(self.people_of(ID_X, agent2), [self.p2_zhang])
        self.assertEqual(self.people_of("张晓明", agent2), [self.p2_zhang])
        self.assertEqual([u["id"] for u in self.look("3-2-1502", agent2)["units"]],
                         [self.p2_unit])
        for q in ("13912348000", "8000", "李", "晓明物业", "%", "+447911123456", "3-2-1501",
                  "13-2"):
            j = self.look(q, agent2)
            self.assertFalse([p for p in j["people"] if p["project_id"] != self.p2], q)
            self.assertFalse([u for u in j["units"] if u["project_id"] != self.p2], q)
        self.assertEqual(self.people_of("8000", agent2), [self.p2_zhang])
        for q in ("13800138000", "张", "3-2-1502", ID_X):
            self.assertEqual(self.look(q, agent2, project_id=1), {"people": [], "units": []}, q)
            self.assertEqual(self.look(q, self.agent, project_id=self.p2),
                             {"people": [], "units": []}, q)
        self.assertEqual(self.people_of("13800138000", self.agent), [P["zhang"]])
        # any staff role may look up; residents may not
        self.assertEqual(self.people_of("13800138000", self.en("technician")), [P["zhang"]])
        self.assertEqual(self.people_of("13800138000", self.en("cashier")), [P["zhang"]])
        self.assertError(self.en("resident").get("/api/v1/lookup", query={"q": "13800138000"}),
                         403, "forbidden")
        self.assertError(self.client().get("/api/v1/lookup", query={"q": "13800138000"}),
                         401, "unauthorized")
