"""People (业主, 租户, 家庭成员) under /api/v1/people, kept confidential (业户档案保密):
mobile and ID number validation, masking in every answer (lists, reads, lookups, the
audit log, the server log), POST /api/v1/people/{id}/reveal (pii.reveal only, audited),
ID numbers encrypted at rest with a keyed hash for lookups, and the key file."""
import hashlib
import os
import re
import stat

from harness import Server, ServerError, ServerTestCase, tmpdir
from test_records import (EN, RecordsMixin, items, mk_building, mk_occupancy, mk_person,
                          mk_project, mk_unit)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_digit(first17):
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def idnum(first17):
    """FIRST17 (17 digits) with its ISO 7064 MOD 11-2 check digit."""
    return first17 + check_digit(first17)


def wrong_check(first17):
    good = check_digit(first17)
    return first17 + ("0" if good != "0" else "1")


ID_X = "11010519491231002X"  # a valid number whose check digit is X


class People(RecordsMixin, ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        boss = cls.server.login("admin", lang="en")
        cls.p2 = mk_project(boss, code="people-2")["id"]

    def reveal(self, pid, client=None):
        r = (client or self.boss).post("/api/v1/people/%d/reveal" % pid)
        self.assertStatus(r, 200, "reveal %d" % pid)
        return r.json()

    # ---- CRUD

    def test_crud_with_audit(self):
        head = self.audit_head()
        agent = self.en("agent")
        id_number = idnum("44030519850612341")
        r = agent.post("/api/v1/people", {
            "project_id": 1, "kind": "company", "name": "深圳市某某装饰有限公司", "grade": "A",
            "notes": "装修单位联系人：周工", "mobiles": ["13512340001", "+852 6123 4567"],
            "id_number": id_number})
        self.assertStatus(r, 201)
        p = r.json()
        self.assertEqual({k: p[k] for k in ("project_id", "kind", "name", "grade", "notes",
                                            "mobiles", "id_number", "version")},
                         {"project_id": 1, "kind": "company", "name": "深圳市某某装饰有限公司",
                          "grade": "A", "notes": "装修单位联系人：周工",
                          "mobiles": ["135****0001", "+85*****4567"],
                          "id_number": id_number[:4] + "*" * 10 + id_number[-4:],
                          "version": 1})
        for hidden in ("id_enc", "id_hash", "id_masked", "_mobiles"):
            self.assertNotIn(hidden, p)
        self.assertEqual(self.row("people", p["id"], agent), p)
        d = mk_person(agent, 1, "默认")
        self.assertEqual((d["kind"], d["grade"], d["notes"], d["mobiles"], d["id_number"]),
                         ("person", "B", "", [], None))

        r = agent.patch("/api/v1/people/%d" % p["id"], {"version": 1, "grade": "C",
                                                        "mobiles": ["13512340002"]})
        self.assertStatus(r, 200)
        q = r.json()
        self.assertEqual((q["grade"], q["mobiles"], q["id_number"], q["version"], q["name"]),
                         ("C", ["135****0002"], p["id_number"], 2, p["name"]))
        self.assertEqual(self.reveal(p["id"])["mobiles"], ["13512340002"])
        # fields not given are kept: a PATCH without mobiles leaves them be
        r = agent.patch("/api/v1/people/%d" % p["id"], {"version": 2, "notes": ""})
        self.assertStatus(r, 200)
        self.assertEqual((r.json()["mobiles"], r.json()["id_number"]),
                         (["135****0002"], p["id_number"]))
        self.assertStatus(agent.delete("/api/v1/people/%d" % p["id"]), 204)
        self.assertNotFound(agent.get("/api/v1/people/%d" % p["id"]))
        self.assertNotFound(self.boss.post("/api/v1/people/%d/reveal" % p["id"]))
        entries = [e for e in self.audit_since(head, entity="person") if e["entity_id"] == p["id"]]
        self.assertEqual([e["action"] for e in entries],
                         ["create", "update", "reveal", "update", "delete"])
        self.assertEqual([e["actor_login"] for e in entries],
                         ["agent", "agent", "admin", "agent", "agent"])
        self.assertEqual(entries[0]["after"]["name"], "深圳市某某装饰有限公司")
        self.assertEqual((entries[1]["before"]["grade"], entries[1]["after"]["grade"]),
                         ("A", "C"))
        for e in entries:
            text = str(e)
            for secret in (id_number, "13512340001", "13512340002", "61234567"):
                self.assertNotIn(secret, text, "audit entry %r" % e)

    def test_bad_input(self):
        head = self.audit_head()
        n = self.count("people")
        cases = [
            ({"name": ""}, "name", "required"),
            ({"name": None}, "name", "required"),
            ({"name": "名" * 65}, "name", "too_long"),
            ({"name": 5}, "name", "must_be_string"),
            ({"grade": "D"}, "grade", "not_in_list"),
            ({"grade": "a"}, "grade", "not_in_list"),
            ({"kind": "robot"}, "kind", "not_in_list"),
            ({"notes": "注" * 501}, "notes", "too_long"),
            ({"mobile": "13800138000"}, "mobile", "unknown_field"),
            ({"id_enc": "v1:abc"}, "id_enc", "unknown_field"),
            ({"id_hash": "0" * 64}, "id_hash", "unknown_field"),
            ({"id_masked": "1101"}, "id_masked", "unknown_field"),
        ]
        for change, field, reason in cases:
            body = {"project_id": 1, "name": "坏数据"}
            body.update(change)
            self.assertReason(self.boss.post("/api/v1/people", body), field, reason,
                              msg=repr(change))
        self.assertEqual(self.count("people"), n)
        self.assertNoWrites(head)

    def test_filters_and_pagination(self):
        project = mk_project(self.boss, code="people-filters")["id"]
        made = {}
        for i, (grade, kind) in enumerate([("A", "person"), ("C", "company"), ("A", "company"),
                                           ("A", "person"), ("C", "person")]):
            made[mk_person(self.boss, project, "筛选%d" % i, grade=grade, kind=kind)["id"]] = \
                (grade, kind)

        def ids(**q):
            return [p["id"] for p in self.all_items(self.boss, "people", project_id=project,
                                                    **q)]
        self.assertEqual(ids(grade="A"), [i for i, v in made.items() if v[0] == "A"])
        self.assertEqual(ids(grade="C"), [i for i, v in made.items() if v[0] == "C"])
        self.assertEqual(ids(grade="B"), [])
        self.assertEqual(ids(kind="company"), [i for i, v in made.items() if v[1] == "company"])
        self.assertEqual(ids(grade="A", kind="person"),
                         [i for i, v in made.items() if v == ("A", "person")])
        self.assertEqual(ids(grade="A", limit=1), [i for i, v in made.items() if v[0] == "A"])
        r = self.boss.get("/api/v1/people", query={"project_id": project, "grade": "A",
                                                   "limit": 2})
        j = r.json()
        self.assertEqual(len(j["items"]), 2)
        self.assertIsNotNone(j["next_cursor"])
        r = self.boss.get("/api/v1/people", query={"project_id": project, "grade": "A",
                                                   "limit": 2, "cursor": j["next_cursor"]})
        self.assertEqual([p["id"] for p in items(r)],
                         [i for i, v in made.items() if v[0] == "A"][2:])

    def test_delete_refused_while_living_somewhere(self):
        b = mk_building(self.boss, 1)
        u = mk_unit(self.boss, b["id"])
        p = mk_person(self.boss, 1, "搬走的人", mobiles=["13512340077"])
        o = mk_occupancy(self.boss, p["id"], u["id"])
        err = self.assertError(self.boss.delete("/api/v1/people/%d" % p["id"]), 409,
                               "has_dependents")
        self.assertEqual(err["dependents"], {"occupancies": 1})
        self.assertUnchanged("people", p)
        self.assertStatus(self.boss.delete("/api/v1/occupancies/%d" % o["id"]), 204)
        self.assertStatus(self.boss.delete("/api/v1/people/%d" % p["id"]), 204)
        for q in ("13512340077", "0077", "搬走"):  # gone from every lookup index too
            r = self.boss.get("/api/v1/lookup", query={"q": q})
            self.assertNotIn(p["id"], [x["id"] for x in r.json()["people"]], q)

    # ---- mobiles

    def test_mobile_validation(self):
        head = self.audit_head()
        n = self.count("people")
        bad = ["12800138000",      # 1 then 2: no mainland mobile starts so
               "1380013800",       # 10 digits
               "138001380001",     # 12 digits
               "11800138000", "10800138000",
               "1380013800a", "abcdefghijk", "138OO138OOO", "", " ", "+", "++447911123456",
               "+0447911123456",   # country codes start 1-9
               "+12345",           # too short for an international number
               "+1234567890123456",  # 16 digits: longer than E.164
               "+86 128 0013 8000",  # +86 but not a mainland mobile
               "138.0013.8000", "(138)00138000", "13800138000 ext 1", "１３８００１３８０００"]
        for m in bad:
            r = self.boss.post("/api/v1/people", {"project_id": 1, "name": "号码",
                                                  "mobiles": [m]})
            self.assertReason(r, "mobiles", "invalid_mobile", msg="mobile %r" % m)
        for value, reason in [("13800138000", "must_be_array"), (None, "must_be_array"),
                              ([13800138000], "invalid_mobile"),
                              (["13512340011", None], "invalid_mobile"),
                              (["13512340011", "13512340012", "13512340013", "13512340014"],
                               "too_long")]:
            r = self.boss.post("/api/v1/people", {"project_id": 1, "name": "号码",
                                                  "mobiles": value})
            self.assertReason(r, "mobiles", reason, msg="mobiles %r" % (value,))
        self.assertEqual(self.count("people"), n)
        self.assertNoWrites(head)

        good = [("+447911123456", "+447911123456", "+44******3456"),
                ("13512340021", "13512340021", "135****0021"),
                ("135 1234 0022", "13512340022", "135****0022"),
                ("135-1234-0023", "13512340023", "135****0023"),
                ("+86 135 1234 0024", "13512340024", "135****0024"),
                ("+8613512340025", "13512340025", "135****0025"),
                ("008613512340026", "13512340026", "135****0026"),
                ("8613512340027", "13512340027", "135****0027"),
                ("19912340028", "19912340028", "199****0028"),
                ("+1 415 555 0100", "+14155550100", "+14*****0100")]
        for typed, normalized, masked in good:
            p = mk_person(self.boss, 1, "号码", mobiles=[typed])
            self.assertEqual(p["mobiles"], [masked], typed)
            self.assertEqual(self.reveal(p["id"])["mobiles"], [normalized], typed)
        p = mk_person(self.boss, 1, "三个号码",
                      mobiles=["13512340031", "+447911123457", "13512340033"])
        self.assertEqual(p["mobiles"], ["135****0031", "+44******3457", "135****0033"])

        # a PATCH with a bad number changes nothing; an empty list removes them all
        head = self.audit_head()
        for value in (["12800138000"], ["13512340034", "abc"], "13512340034"):
            r = self.boss.patch("/api/v1/people/%d" % p["id"], {"version": 1, "mobiles": value,
                                                                "name": "改了"})
            self.assertValidation(r, "mobiles", msg=repr(value))
        self.assertUnchanged("people", p)
        self.assertEqual(self.reveal(p["id"])["mobiles"],
                         ["13512340031", "+447911123457", "13512340033"])
        self.assertEqual([e["action"] for e in self.writes_since(head)], ["reveal"])
        r = self.boss.patch("/api/v1/people/%d" % p["id"], {"version": 1, "mobiles": []})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["mobiles"], [])
        self.assertEqual(self.reveal(p["id"])["mobiles"], [])

    def test_full_numbers_never_shown(self):
        mobile, foreign, id_number = "13612345678", "+447700900123", idnum("32010619900307451")
        agent = self.en("agent")
        r = agent.post("/api/v1/people", {"project_id": 1, "name": "保密测试", "grade": "A",
                                          "mobiles": [mobile, foreign], "id_number": id_number})
        self.assertStatus(r, 201)
        p = r.json()
        self.assertEqual(p["mobiles"], ["136****5678", "+44******0123"])
        self.assertEqual(p["id_number"], "3201**********" + id_number[-4:])
        bodies = {"create": r}
        r = agent.patch("/api/v1/people/%d" % p["id"], {"version": 1, "notes": "已核实",
                                                        "id_number": id_number})
        self.assertStatus(r, 200)
        bodies["patch"] = r
        b = mk_building(agent, 1, code="保密")
        u = mk_unit(agent, b["id"], number="1")
        mk_occupancy(agent, p["id"], u["id"])
        bodies["get"] = agent.get("/api/v1/people/%d" % p["id"])
        bodies["list"] = agent.get("/api/v1/people", query={"limit": 500})
        bodies["list grade A"] = agent.get("/api/v1/people", query={"grade": "A", "limit": 500})
        for q in (mobile, "5678", id_number, id_number.lower(), "保密", "保", foreign,
                  "136 1234 5678"):
            bodies["lookup " + q] = agent.get("/api/v1/lookup", query={"q": q})
        bodies["duplicate"] = agent.post("/api/v1/people", {"project_id": 1, "name": "重复",
                                                            "id_number": id_number})
        self.assertReason(bodies["duplicate"], "id_number", "taken")
        bodies["reveal as agent"] = agent.post("/api/v1/people/%d/reveal" % p["id"])
        self.reveal(p["id"], self.en("manager"))
        bodies["audit person"] = self.admin.get("/api/v1/audit",
                                                query={"entity": "person", "limit": 500})
        bodies["audit entity_id"] = self.admin.get("/api/v1/audit",
                                                   query={"entity_id": p["id"], "limit": 500})
        bodies["audit all"] = self.admin.get("/api/v1/audit", query={"limit": 500})
        for name, resp in bodies.items():
            self.assertIn(resp.status, (200, 201, 403, 422), name)
            for secret in (mobile, foreign, foreign[1:], id_number, id_number[6:14] + "451"):
                self.assertNotIn(secret, resp.text, "%s answer holds %r: %s"
                                 % (name, secret, resp.text[:800]))
        # the lookups did find the person, masked
        for q in (mobile, "5678", id_number, id_number.lower(), "保密", foreign):
            found = [x for x in bodies["lookup " + q].json()["people"] if x["id"] == p["id"]]
            self.assertEqual(len(found), 1, q)
            self.assertEqual(found[0]["mobiles"], ["136****5678", "+44******0123"], q)
        # nor does the server's log hold them
        log = self.server.stderr
        for secret in (mobile, foreign, id_number):
            self.assertNotIn(secret, log, "the server log holds %r" % secret)

    # ---- ID numbers

    def test_id_number_validation(self):
        head = self.audit_head()
        n = self.count("people")
        body17 = "11010519491231002"
        bad = [wrong_check(body17),                 # wrong check digit
               "110105194912310021",
               body17,                              # 17 characters
               ID_X + "0",                          # 19 characters
               "11010519491231002Y",
               "X1010519491231002" + check_digit("01010519491231002"),
               "1101051949123100 X",
               idnum("11010519490230002"),          # 30 February, valid check digit
               idnum("11010518991231002"),          # born 1899
               idnum("11010519491331002"),          # month 13
               "", "１１０１０５１９４９１２３１００２Ｘ"]
        for v in bad:
            r = self.boss.post("/api/v1/people", {"project_id": 1, "name": "证件",
                                                  "id_number": v})
            self.assertReason(r, "id_number", "invalid_id_number", msg="id_number %r" % v)
        r = self.boss.post("/api/v1/people", {"project_id": 1, "name": "证件",
                                              "id_number": 110105194912310021})
        self.assertReason(r, "id_number", "invalid_id_number")
        self.assertEqual(self.count("people"), n)
        self.assertNoWrites(head)
        # lower-case x is accepted and kept upper-case; surrounding spaces are dropped
        p = mk_person(self.boss, 1, "小写", id_number=ID_X.lower())
        self.assertEqual(p["id_number"], "1101**********002X")
        self.assertEqual(self.reveal(p["id"])["id_number"], ID_X)
        self.assertEqual(self.row("people", p["id"])["id_number"], "1101**********002X")
        q = mk_person(self.boss, self.p2, "空格", id_number="  %s " % idnum("31011519800101123"))
        self.assertEqual(self.reveal(q["id"])["id_number"], idnum("31011519800101123"))
        for first17 in ("44030519850612341", "51010720000229002", "65010219000101001"):
            v = idnum(first17)
            p = mk_person(self.boss, self.p2, "合法", id_number=v)
            self.assertEqual(p["id_number"], v[:4] + "**********" + v[-4:])

    def test_duplicate_id_number(self):
        v = idnum("37020219751203561")
        a = mk_person(self.boss, 1, "原主", id_number=v)
        head = self.audit_head()
        n = self.count("people")
        for typed in (v, " %s " % v, v.lower()):
            r = self.boss.post("/api/v1/people", {"project_id": 1, "name": "冒用",
                                                  "id_number": typed})
            self.assertReason(r, "id_number", "taken", msg=repr(typed))
        self.assertEqual(self.count("people"), n)
        self.assertNoWrites(head)
        # the same number in another project is another project's business
        other = mk_person(self.boss, self.p2, "另一项目", id_number=v)
        self.assertEqual(self.reveal(other["id"])["id_number"], v)
        # nor may a PATCH take it; giving one's own number again is fine
        b = mk_person(self.boss, 1, "邻居")
        r = self.boss.patch("/api/v1/people/%d" % b["id"], {"version": 1, "id_number": v})
        self.assertReason(r, "id_number", "taken")
        self.assertUnchanged("people", b)
        r = self.boss.patch("/api/v1/people/%d" % a["id"], {"version": 1, "id_number": v,
                                                            "name": "原主人"})
        self.assertStatus(r, 200)
        # cleared, the number is free again
        r = self.boss.patch("/api/v1/people/%d" % a["id"], {"version": 2, "id_number": None})
        self.assertStatus(r, 200)
        self.assertIsNone(r.json()["id_number"])
        self.assertIsNone(self.reveal(a["id"])["id_number"])
        r = self.boss.patch("/api/v1/people/%d" % b["id"], {"version": 1, "id_number": v})
        self.assertStatus(r, 200)
        self.assertEqual(self.reveal(b["id"])["id_number"], v)

    def test_concurrent_duplicate_id_numbers(self):
        # The "taken" check reads, then the insert writes: two requests at once (rounds of
        # 12) must still register an ID number once. On PostgreSQL (READ COMMITTED, no
        # writer queue) only the unique index on people (project_id, id_hash) holds this.
        for round, first17 in enumerate(("50010319900909123", "50010319900909124",
                                         "50010319900909125", "50010319900909126")):
            v = idnum(first17)
            body = {"project_id": 1, "name": "同时登记", "id_number": v}
            got = self.in_parallel(lambda c: c.post("/api/v1/people", body), 12)
            r = self.boss.get("/api/v1/lookup", query={"q": v, "project_id": 1})
            stored = len(r.json()["people"])
            self.assertEqual(sorted(r.status for r in got), [201] + [422] * 11,
                             "round %d on %s: %d people stored with ID number %s"
                             % (round, self.db.kind, stored, v))
            self.assertEqual(stored, 1)

    # ---- reveal

    def test_reveal_as_manager_is_audited(self):
        v = idnum("12010119800515123")
        p = mk_person(self.boss, 1, "揭示", mobiles=["13512340041", "+447911123458"],
                      id_number=v)
        manager = self.en("manager")
        head = self.audit_head()
        r = manager.post("/api/v1/people/%d/reveal" % p["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json(), {"id": p["id"], "mobiles": ["13512340041", "+447911123458"],
                                    "id_number": v})
        self.assertIn("no-store", r.header("Cache-Control", "").lower(),
                      "a revealed number must not be cached")
        writes = self.writes_since(head)
        self.assertEqual(len(writes), 1, writes)
        e = writes[0]
        self.assertEqual((e["entity"], e["entity_id"], e["action"], e["actor_login"],
                          e["actor_id"], e["project_id"]),
                         ("person", p["id"], "reveal", "manager", manager.user["id"], 1))
        self.assertNotIn(v, str(e))
        self.assertNotIn("13512340041", str(e))
        # filtering the log by action finds it
        r = self.admin.get("/api/v1/audit", query={"action": "reveal", "entity_id": p["id"]})
        self.assertEqual([x["id"] for x in r.json()["items"]], [e["id"]])
        # the row is untouched by a reveal
        self.assertUnchanged("people", p)
        # someone without an ID number or mobiles
        q = mk_person(self.boss, 1, "无号码")
        self.assertEqual(self.reveal(q["id"], manager),
                         {"id": q["id"], "mobiles": [], "id_number": None})

    def test_reveal_needs_pii_reveal(self):
        p = mk_person(self.boss, 1, "不给看", mobiles=["13512340051"],
                      id_number=idnum("13010219700101123"))
        clients = {login: self.en(login) for login in ("agent", "supervisor", "technician",
                                                       "cashier", "resident")}
        head = self.audit_head()
        for login, c in clients.items():
            r = c.post("/api/v1/people/%d/reveal" % p["id"])
            self.assertError(r, 403, "forbidden", msg=login)
            self.assertNotIn("13512340051", r.text)
        self.assertNoWrites(head, "a refused reveal writes no audit entry")

    def test_reveal_of_another_projects_person_404(self):
        theirs = mk_person(self.boss, self.p2, "别处的人", mobiles=["13512340061"],
                           id_number=idnum("23010319660606123"))
        manager = self.en("manager")  # project 1 only
        head = self.audit_head()
        nf = manager.post("/api/v1/people/99999999/reveal")
        self.assertNotFound(nf)
        r = manager.post("/api/v1/people/%d/reveal" % theirs["id"])
        err = self.assertNotFound(r)
        self.assertEqual(err["message"], nf.error["message"])
        self.assertNotIn("13512340061", r.text)
        for path in ("/api/v1/people/0/reveal", "/api/v1/people/abc/reveal"):
            self.assertNotFound(manager.post(path), msg=path)
        self.assertNoWrites(head, "a reveal answered 404 writes no audit entry")
        # a manager of project 2 may
        self.create_user("manager2", role="manager", project_ids=[self.p2])
        m2 = self.en("manager2", "password-123")
        self.assertEqual(self.reveal(theirs["id"], m2)["mobiles"], ["13512340061"])

    # ---- at rest

    def test_id_numbers_encrypted_at_rest(self):
        v = idnum("61010419881008123")
        a = mk_person(self.boss, 1, "静态加密", id_number=v, mobiles=["13512340071"])
        b = mk_person(self.boss, self.p2, "静态加密", id_number=v)
        rows = self.db_rows("SELECT id, id_enc, id_hash, id_masked FROM people"
                            " WHERE id IN (%d, %d) ORDER BY id" % (a["id"], b["id"]))
        self.assertEqual(len(rows), 2, rows)
        for rid, enc, h, masked in rows:
            self.assertTrue(enc.startswith("v1:"), enc)
            self.assertNotIn(v, enc)
            self.assertNotIn(v[6:14], enc)
            self.assertGreater(len(enc), len("v1:") + 24 + 16, enc)  # nonce and MAC at least
            self.assertRegex(h, r"^[0-9a-f]{64}$")
            for unkeyed in (hashlib.sha256(v.encode()).hexdigest(),
                            hashlib.blake2b(v.encode(), digest_size=32).hexdigest(),
                            hashlib.sha256(v.encode()).hexdigest().upper()):
                self.assertNotEqual(h, unkeyed, "id_hash must be keyed")
            self.assertEqual(masked, v[:4] + "*" * 10 + v[-4:])
        self.assertNotEqual(rows[0][1], rows[1][1], "the same number encrypts differently")
        self.assertEqual(rows[0][2], rows[1][2], "the lookup hash is deterministic")
        # the plain number is in no column of the row …
        for table in ("people", "audit_log"):
            dump = str(self.db_rows("SELECT * FROM %s" % table))
            self.assertNotIn(v, dump, table)
        # … nor anywhere in the SQLite files
        if self.db.kind == "sqlite":
            for suffix in ("", "-wal"):
                path = self.db.path + suffix
                if os.path.exists(path):
                    with open(path, "rb") as f:
                        self.assertNotIn(v.encode(), f.read(), path)
        self.assertEqual(self.reveal(a["id"])["id_number"], v)
        self.assertEqual(self.reveal(b["id"])["id_number"], v)

    def test_key_file(self):
        path = self.key_path or os.path.join(os.path.dirname(self.db.path), "pii.key")
        st = os.stat(path)
        self.assertTrue(stat.S_ISREG(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, "%s mode %o" % (path, st.st_mode))
        with open(path) as f:
            self.assertRegex(f.read(), r"^[0-9a-f]{64}\n?$")


class KeyFile(RecordsMixin, ServerTestCase):
    """The key outlives a restart (a new key would make every stored number unreadable),
    and a key file others may read is refused."""

    def test_restart_keeps_the_key(self):
        v = idnum("33010619790808123")
        p = mk_person(self.boss, 1, "重启", id_number=v, mobiles=["13512340081"])
        path = self.key_path or os.path.join(os.path.dirname(self.db.path), "pii.key")
        with open(path) as f:
            key = f.read()
        cls = type(self)
        cls.server.stop()
        cls.server = Server(cls.SERVER_ARGS, db=cls.db).start()
        cls._en_admin = cls._admin = None
        with open(path) as f:
            self.assertEqual(f.read(), key, "the key file was rewritten")
        self.assertEqual(self.reveal_full(p["id"]), {"id": p["id"], "mobiles": ["13512340081"],
                                                     "id_number": v})
        r = self.boss.get("/api/v1/lookup", query={"q": v})
        self.assertEqual([x["id"] for x in r.json()["people"]], [p["id"]])
        # still unique after the restart
        r = self.boss.post("/api/v1/people", {"project_id": 1, "name": "重", "id_number": v})
        self.assertReason(r, "id_number", "taken")

    def reveal_full(self, pid):
        r = self.boss.post("/api/v1/people/%d/reveal" % pid)
        self.assertStatus(r, 200)
        return r.json()

    def test_key_file_readable_by_others_is_refused(self):
        d = tmpdir("badkey-")
        path = os.path.join(d, "pii.key")
        with open(path, "w") as f:
            f.write("ab" * 32 + "\n")
        os.chmod(path, 0o644)
        # (the class's own database: on PostgreSQL a new one would reset the shared one)
        srv = Server(["--key-file", path], db=self.db)
        with self.assertRaises(ServerError) as cm:
            srv.start()
        self.assertNotEqual(srv.proc.returncode, 0)
        self.assertIn(path, str(cm.exception))
        self.assertIn("0600", str(cm.exception))
        # a malformed key is refused too
        os.chmod(path, 0o600)
        with open(path, "w") as f:
            f.write("not a key\n")
        srv = Server(["--key-file", path], db=srv.db)
        with self.assertRaises(ServerError) as cm:
            srv.start()
        self.assertIn(path, str(cm.exception))
        # and a missing one is made, 0600
        path2 = os.path.join(d, "sub", "new.key")
        srv = Server(["--key-file", path2], db=srv.db).start()
        try:
            self.assertEqual(stat.S_IMODE(os.stat(path2).st_mode), 0o600)
        finally:
            srv.stop()
