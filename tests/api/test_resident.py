"""Residents see only themselves and their own units: an account is linked to
its person record (PATCH /api/v1/users/{id} person_id), and the resident reads
GET /api/v1/me/person and GET /api/v1/me/units — never the records lists."""
import unittest

from harness import ServerTestCase


class Resident(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.server.login("admin")
        b = admin.post("/api/v1/buildings", {"project_id": 1, "code": "R", "name": "R栋"}).json()
        cls.home = admin.post("/api/v1/units", {"project_id": 1, "building_id": b["id"], "floor": 1,
                                                "number": "101", "area": 88.8}).json()
        cls.other = admin.post("/api/v1/units", {"project_id": 1, "building_id": b["id"],
                                                 "floor": 1, "number": "102", "area": 60}).json()
        cls.old = admin.post("/api/v1/units", {"project_id": 1, "building_id": b["id"],
                                               "floor": 1, "number": "103", "area": 50}).json()
        cls.me = admin.post("/api/v1/people", {"project_id": 1, "name": "孙自助",
                                               "mobiles": ["13912345678"],
                                               "id_number": "11010519491231002X"}).json()
        cls.neighbour = admin.post("/api/v1/people", {"project_id": 1, "name": "邻居"}).json()
        for unit, person, start, end in ((cls.home, cls.me, "2020-01-01", None),
                                         (cls.old, cls.me, "2010-01-01", "2019-12-31"),
                                         (cls.other, cls.neighbour, "2020-01-01", None)):
            r = admin.post("/api/v1/occupancies", {"project_id": 1, "person_id": person["id"],
                                                   "unit_id": unit["id"], "role": "owner",
                                                   "start_date": start, "end_date": end})
            assert r.status == 201, r.text
        users = admin.get("/api/v1/users", query={"role": "resident"}).json()["items"]
        cls.resident_user = [u for u in users if u["login"] == "resident"][0]
        r = admin.patch("/api/v1/users/%d" % cls.resident_user["id"],
                        {"version": cls.resident_user["version"], "person_id": cls.me["id"]})
        assert r.status == 200, r.text
        cls.resident_user = r.json()

    def test_link_shows_on_the_account(self):
        self.assertEqual(self.resident_user["person_id"], self.me["id"])

    def test_resident_sees_own_record_masked(self):
        r = self.login("resident").get("/api/v1/me/person")
        self.assertStatus(r, 200)
        p = r.json()
        self.assertEqual((p["id"], p["name"]), (self.me["id"], "孙自助"))
        self.assertEqual(p["mobiles"], ["139****5678"])
        self.assertEqual(p["id_number"], "1101**********002X")
        self.assertNotIn("13912345678", r.text)

    def test_resident_sees_only_current_own_units(self):
        r = self.login("resident").get("/api/v1/me/units")
        self.assertStatus(r, 200)
        items = r.json()["items"]
        self.assertEqual([u["id"] for u in items], [self.home["id"]])
        self.assertEqual(items[0]["role"], "owner")
        self.assertEqual(items[0]["area"], 88.8)

    def test_resident_cannot_read_records(self):
        c = self.login("resident")
        for path in ("/api/v1/people/%d" % self.neighbour["id"], "/api/v1/units/%d" % self.other["id"],
                     "/api/v1/people", "/api/v1/units", "/api/v1/lookup?q=13912345678"):
            self.assertError(c.get(path), 403, "forbidden", msg=path)

    def test_account_without_a_person(self):
        c = self.login("agent")
        self.assertError(c.get("/api/v1/me/person"), 404, "not_found")
        r = c.get("/api/v1/me/units")
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["items"], [])

    def test_link_must_be_a_person_of_the_users_projects(self):
        admin = self.server.login("admin")
        r = admin.post("/api/v1/projects", {"code": "res-p2", "name": "二期自助"})
        self.assertIn(r.status, (201, 409))
        p2 = [p for p in admin.get("/api/v1/projects").json()["items"] if p["code"] == "res-p2"][0]
        stranger = admin.post("/api/v1/people", {"project_id": p2["id"], "name": "外项目"}).json()
        u = admin.get("/api/v1/users/%d" % self.resident_user["id"]).json()
        head = self.audit_head()
        for pid in (stranger["id"], 99999999):
            r = admin.patch("/api/v1/users/%d" % u["id"], {"version": u["version"], "person_id": pid})
            self.assertValidation(r, "person_id", msg="person %d" % pid)
        self.assertEqual(admin.get("/api/v1/users/%d" % u["id"]).json()["person_id"], self.me["id"])
        self.assertEqual(self.audit_head(), head)


if __name__ == "__main__":
    unittest.main()
