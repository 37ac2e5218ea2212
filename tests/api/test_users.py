"""User administration under /api/v1/users, project scope, /api/v1/roles, /api/v1/projects."""
import unittest

from harness import DEMO_USERS, ServerTestCase


class UsersAdmin(ServerTestCase):
    def test_create(self):
        head = self.audit_head()
        r = self.admin.post("/api/v1/users", {
            "login": "new.agent_1@x-y", "display_name": "新客服 小刘", "role": "agent",
            "password": "password-123", "project_ids": [1], "language": "en"})
        self.assertStatus(r, 201)
        u = r.json()
        self.assertEqual(r.header("Location"), "/api/v1/users/%d" % u["id"])
        self.assertEqual(u["login"], "new.agent_1@x-y")
        self.assertEqual(u["display_name"], "新客服 小刘")
        self.assertEqual(u["role"], "agent")
        self.assertEqual(u["language"], "en")
        self.assertEqual(u["project_ids"], [1])
        self.assertTrue(u["active"])
        self.assertEqual(u["version"], 1)
        self.assertNotIn("password", r.text)
        self.assertEqual(self.admin.get(r.header("Location")).json(), u)
        c = self.login("new.agent_1@x-y", "password-123")
        self.assertEqual(c.user["id"], u["id"])
        entries = self.audit_since(head, entity="user", action="create")
        self.assertEqual(len(entries), 1)
        e = entries[0]
        self.assertEqual(e["entity_id"], u["id"])
        self.assertEqual(e["actor_login"], "admin")
        self.assertIsNone(e["before"])
        self.assertEqual(e["after"]["login"], "new.agent_1@x-y")
        self.assertEqual(e["after"]["role"], "agent")
        self.assertNotIn("password", str(e["after"]))

    def test_create_defaults(self):
        r = self.admin.post("/api/v1/users", {"login": "minimal", "display_name": "最少",
                                              "role": "resident", "password": "password-123"})
        self.assertStatus(r, 201)
        u = r.json()
        self.assertEqual(u["language"], "zh-CN")
        self.assertEqual(u["project_ids"], [])
        self.assertTrue(u["active"])
        r = self.admin.post("/api/v1/users", {"login": "born-inactive", "display_name": "停用",
                                              "role": "agent", "password": "password-123",
                                              "active": False})
        self.assertStatus(r, 201)
        self.assertFalse(r.json()["active"])
        self.client().login("born-inactive", "password-123", expect=401)

    def test_duplicate_login_409(self):
        head = self.audit_head()
        total = self._count_users()
        r = self.admin.post("/api/v1/users", {"login": "agent", "display_name": "重复",
                                              "role": "agent", "password": "password-123"})
        self.assertError(r, 409, "conflict", ["login"])
        self.assertEqual(self.audit_head(), head)
        self.assertEqual(self._count_users(), total)
        self.login("agent")  # the original keeps its password

    def test_create_validation(self):
        base = {"login": "valid-login", "display_name": "名字", "role": "agent",
                "password": "password-123", "project_ids": [1]}
        cases = [
            ({"role": "superuser"}, "role"),
            ({"role": ""}, "role"),
            ({"login": "has space"}, "login"),
            ({"login": "中文账号"}, "login"),
            ({"login": "semi;colon"}, "login"),
            ({"login": "ab"}, "login"),
            ({"login": "x" * 65}, "login"),
            ({"login": 42}, "login"),
            ({"display_name": ""}, "display_name"),
            ({"display_name": "长" * 65}, "display_name"),
            ({"password": "short"}, "password"),
            ({"project_ids": [999999]}, "project_ids"),
            ({"project_ids": [1, 999999]}, "project_ids"),
            ({"project_ids": "1"}, "project_ids"),
            ({"project_ids": [0]}, "project_ids"),
            ({"project_ids": ["1"]}, "project_ids"),
            ({"language": "de"}, "language"),
            ({"active": "yes"}, "active"),
            ({"is_admin": True}, "is_admin"),
        ]
        head = self.audit_head()
        total = self._count_users()
        for change, field in cases:
            body = dict(base)
            body.update(change)
            r = self.admin.post("/api/v1/users", body)
            self.assertValidation(r, field, msg=repr(change))
        for missing in ("login", "display_name", "role", "password"):
            body = dict(base)
            del body[missing]
            self.assertValidation(self.admin.post("/api/v1/users", body), missing,
                                  msg="missing " + missing)
        self.assertEqual(self.audit_head(), head)
        self.assertEqual(self._count_users(), total)
        self.client().login("valid-login", "password-123", expect=401)

    def test_validation_names_every_bad_field(self):
        r = self.admin.post("/api/v1/users", {"login": "a b", "display_name": "",
                                              "role": "nope", "password": "x"})
        self.assertValidation(r, "login", "display_name", "role", "password")

    def _count_users(self, **q):
        query = {"limit": 500}
        query.update(q)
        return len(self.admin.get("/api/v1/users", query=query).json()["items"])

    def test_get_unknown_404(self):
        for path in ("/api/v1/users/999999", "/api/v1/users/0", "/api/v1/users/abc",
                     "/api/v1/users/1x", "/api/v1/users/99999999999999999999"):
            self.assertError(self.admin.get(path), 404, "not_found", msg=path)

    def test_patch(self):
        u = self.create_user("patch-me", display_name="改名前")
        head = self.audit_head()
        r = self.admin.patch("/api/v1/users/%d" % u["id"],
                             {"version": u["version"], "display_name": "改名后", "role": "supervisor",
                              "language": "en"})
        self.assertStatus(r, 200)
        v = r.json()
        self.assertEqual(v["display_name"], "改名后")
        self.assertEqual(v["role"], "supervisor")
        self.assertEqual(v["language"], "en")
        self.assertEqual(v["login"], "patch-me")
        self.assertEqual(v["project_ids"], [1])
        self.assertEqual(v["version"], u["version"] + 1)
        self.assertEqual(self.get_user(u["id"]), v)
        entries = self.audit_since(head)
        self.assertEqual([(e["entity"], e["action"], e["entity_id"]) for e in entries],
                         [("user", "update", u["id"])])
        e = entries[0]
        self.assertEqual(e["before"]["display_name"], "改名前")
        self.assertEqual(e["before"]["role"], "agent")
        self.assertEqual(e["after"]["display_name"], "改名后")
        self.assertEqual(e["after"]["role"], "supervisor")
        self.assertEqual(e["actor_id"], self.admin.user["id"])
        # role change takes effect for the user's next request
        c = self.login("patch-me", "password-123")
        self.assertStatus(c.get("/api/v1/users"), 200)

    def test_patch_projects(self):
        u = self.create_user("patch-projects", project_ids=())
        r = self.admin.patch("/api/v1/users/%d" % u["id"], {"version": 1, "project_ids": [1]})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["project_ids"], [1])
        head = self.audit_head()
        r = self.admin.patch("/api/v1/users/%d" % u["id"], {"version": 2, "project_ids": [1, 424242]})
        self.assertValidation(r, "project_ids")
        self.assertEqual(self.get_user(u["id"])["project_ids"], [1])
        self.assertEqual(self.get_user(u["id"])["version"], 2)
        self.assertEqual(self.audit_head(), head)

    def test_patch_stale_version_409(self):
        u = self.create_user("stale", display_name="原名")
        r = self.admin.patch("/api/v1/users/%d" % u["id"], {"version": 1, "display_name": "第一次"})
        self.assertStatus(r, 200)
        head = self.audit_head()
        r = self.admin.patch("/api/v1/users/%d" % u["id"], {"version": 1, "display_name": "第二次"})
        self.assertError(r, 409, "version_conflict")
        after = self.get_user(u["id"])
        self.assertEqual(after["display_name"], "第一次")
        self.assertEqual(after["version"], 2)
        self.assertEqual(self.audit_head(), head)

    def test_patch_validation(self):
        u = self.create_user("patch-bad")
        head = self.audit_head()
        path = "/api/v1/users/%d" % u["id"]
        cases = [
            ({"display_name": "x"}, "version"),
            ({"version": "1", "display_name": "x"}, "version"),
            ({"version": 0, "display_name": "x"}, "version"),
            ({"version": 1, "role": "root"}, "role"),
            ({"version": 1, "login": "renamed"}, "login"),
            ({"version": 1, "password": "password-999"}, "password"),
            ({"version": 1, "active": 0}, "active"),
            ({"version": 1, "display_name": ""}, "display_name"),
            ({"version": 1, "language": "fr"}, "language"),
        ]
        for body, field in cases:
            self.assertValidation(self.admin.patch(path, body), field, msg=repr(body))
        self.assertEqual(self.get_user(u["id"]), u)
        self.assertEqual(self.audit_head(), head)
        self.assertError(self.admin.patch("/api/v1/users/999999", {"version": 1}), 404, "not_found")

    def test_deactivate_kills_sessions_and_login(self):
        u = self.create_user("leaver")
        c = self.login("leaver", "password-123")
        self.assertStatus(c.get("/api/v1/me"), 200)
        r = self.admin.patch("/api/v1/users/%d" % u["id"], {"version": 1, "active": False})
        self.assertStatus(r, 200)
        self.assertFalse(r.json()["active"])
        self.assertError(c.get("/api/v1/me"), 401, "session_expired")
        self.client().login("leaver", "password-123", expect=401)
        r = self.admin.patch("/api/v1/users/%d" % u["id"], {"version": 2, "active": True})
        self.assertStatus(r, 200)
        self.login("leaver", "password-123")

    def test_last_admin_protected(self):
        me = self.admin.get("/api/v1/me").json()["user"]
        head = self.audit_head()
        path = "/api/v1/users/%d" % me["id"]
        r = self.admin.patch(path, {"version": me["version"], "role": "manager"})
        self.assertError(r, 409, "conflict", ["role"])
        r = self.admin.patch(path, {"version": me["version"], "active": False})
        self.assertError(r, 409, "conflict")
        self.assertEqual(self.get_user(me["id"]), me)
        self.assertEqual(self.audit_head(), head)
        # with a second admin, the first may step down
        second = self.create_user("second-admin", role="admin")
        r = self.admin.patch(path, {"version": me["version"], "display_name": "still admin"})
        self.assertStatus(r, 200)
        me = r.json()
        boss = self.login("second-admin", "password-123")
        r = boss.patch(path, {"version": me["version"], "role": "manager"})
        self.assertStatus(r, 200)
        # now second-admin is the last one
        r = boss.patch("/api/v1/users/%d" % second["id"], {"version": second["version"],
                                                           "active": False})
        self.assertError(r, 409, "conflict")
        # restore
        r = boss.patch(path, {"version": me["version"] + 1, "role": "admin"})
        self.assertStatus(r, 200)
        type(self)._admin = None

    def test_list_filters(self):
        self.create_user("filter-a", role="cashier", display_name="收费员甲")
        self.create_user("filter-b", role="cashier", display_name="收费员乙", active=False)
        self.create_user("filter-c", role="technician", display_name="维修工丙", project_ids=())
        lst = lambda **q: [u["login"] for u in self.admin.get("/api/v1/users", query=dict(
            q, limit=500)).json()["items"]]
        self.assertEqual(sorted(lst(role="cashier")), ["cashier", "filter-a", "filter-b"])
        self.assertEqual(sorted(lst(role="cashier", active=1)), ["cashier", "filter-a"])
        self.assertEqual(lst(role="cashier", active=0), ["filter-b"])
        self.assertEqual(sorted(lst(q="收费员")), ["filter-a", "filter-b"])
        self.assertEqual(lst(q="维修工丙"), ["filter-c"])
        self.assertEqual(lst(q="经理"), ["manager"])
        self.assertEqual(lst(q="filter-c"), ["filter-c"])
        self.assertEqual(lst(q="%"), [], "LIKE wildcards must be taken literally")
        for login in lst(q="_"):
            self.assertIn("_", login, "LIKE wildcards must be taken literally")
        in_project = lst(project_id=1)
        self.assertNotIn("filter-c", in_project)
        for login in DEMO_USERS:
            self.assertIn(login, in_project)
        self.assertEqual(lst(project_id=999999), [])
        for q, field in (({"role": "king"}, "role"), ({"active": "2"}, "active"),
                         ({"active": "yes"}, "active"), ({"project_id": "x"}, "project_id"),
                         ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"),
                         ({"cursor": "abc"}, "cursor"), ({"cursor": "-5"}, "cursor"),
                         ({"q": "x" * 65}, "q")):
            self.assertValidation(self.admin.get("/api/v1/users", query=q), field, msg=repr(q))

    def test_list_is_ordered_and_items_complete(self):
        items = self.admin.get("/api/v1/users", query={"limit": 500}).json()["items"]
        ids = [u["id"] for u in items]
        self.assertEqual(ids, sorted(ids))
        for u in items:
            self.assertNotIn("password_hash", u)
            self.assertIn("project_ids", u)

    def test_cursor_pagination(self):
        for i in range(5):
            self.create_user("page-%d" % i)
        everyone = [u["id"] for u in self.admin.get("/api/v1/users", query={"limit": 500})
                    .json()["items"]]
        seen, cursor, pages = [], None, 0
        while True:
            q = {"limit": 2}
            if cursor:
                q["cursor"] = cursor
            r = self.admin.get("/api/v1/users", query=q)
            self.assertStatus(r, 200)
            j = r.json()
            self.assertLessEqual(len(j["items"]), 2)
            seen += [u["id"] for u in j["items"]]
            pages += 1
            self.assertLess(pages, 100, "pagination does not end")
            cursor = j["next_cursor"]
            if cursor is None:
                break
            self.assertIsInstance(cursor, str)
        self.assertEqual(len(seen), len(set(seen)), "duplicates across pages")
        self.assertEqual(seen, everyone)
        # filters hold across pages
        seen, cursor = [], None
        while True:
            q = {"limit": 2, "q": "page-"}
            if cursor:
                q["cursor"] = cursor
            j = self.admin.get("/api/v1/users", query=q).json()
            seen += [u["login"] for u in j["items"]]
            cursor = j["next_cursor"]
            if not cursor:
                break
        self.assertEqual(sorted(seen), ["page-%d" % i for i in range(5)])

    def test_roles(self):
        c = self.login("resident")
        r = c.get("/api/v1/roles")
        self.assertStatus(r, 200)
        items = r.json()["items"]
        self.assertEqual([i["name"] for i in items], DEMO_USERS)
        by = {i["name"]: i for i in items}
        self.assertEqual(by["agent"]["label"], "客服专员")
        self.assertIn("users.manage", by["admin"]["permissions"])
        self.assertNotIn("users.manage", by["manager"]["permissions"])
        r = self.client(lang="en").get("/api/v1/roles", headers={"Cookie": "kefu_session=" + c.session})
        self.assertEqual({i["name"]: i["label"] for i in r.json()["items"]}["agent"], "Agent")


class ProjectScope(ServerTestCase):
    """Project membership limits what a user sees; another project answers 404."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.server.db.add_project("other", "别的小区 Elsewhere")

    def test_projects_list_and_get(self):
        agent = self.login("agent")
        r = agent.get("/api/v1/projects")
        self.assertStatus(r, 200)
        self.assertEqual([p["id"] for p in r.json()["items"]], [1])
        p = agent.get("/api/v1/projects/1")
        self.assertStatus(p, 200)
        self.assertEqual(p.json()["code"], "demo")
        self.assertEqual(p.json()["name"], "演示小区 Demo Gardens")
        self.assertError(agent.get("/api/v1/projects/%d" % self.other), 404, "not_found")
        self.assertError(agent.get("/api/v1/projects/999999"), 404, "not_found")
        # the administrator sees every project
        ids = [p["id"] for p in self.admin.get("/api/v1/projects").json()["items"]]
        self.assertEqual(ids, [1, self.other])
        r = self.admin.get("/api/v1/projects/%d" % self.other)
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["code"], "other")
        self.assertError(self.admin.get("/api/v1/projects/999999"), 404, "not_found")

    def test_membership_in_another_project(self):
        u = self.create_user("elsewhere-agent", project_ids=(self.other,))
        c = self.login("elsewhere-agent", "password-123")
        self.assertEqual([p["id"] for p in c.get("/api/v1/projects").json()["items"]], [self.other])
        self.assertError(c.get("/api/v1/projects/1"), 404, "not_found")
        self.assertStatus(c.get("/api/v1/projects/%d" % self.other), 200)
        self.assertEqual(u["project_ids"], [self.other])

    def test_manager_sees_only_users_of_its_projects(self):
        outsider = self.create_user("outsider-sup", role="supervisor", project_ids=(self.other,))
        nowhere = self.create_user("nowhere-agent", project_ids=())
        m = self.login("manager")
        logins = [u["login"] for u in m.get("/api/v1/users", query={"limit": 500}).json()["items"]]
        for login in DEMO_USERS:
            self.assertIn(login, logins)
        self.assertNotIn("outsider-sup", logins)
        self.assertNotIn("nowhere-agent", logins)
        self.assertError(m.get("/api/v1/users/%d" % outsider["id"]), 404, "not_found")
        self.assertError(m.get("/api/v1/users/%d" % nowhere["id"]), 404, "not_found")
        self.assertStatus(m.get("/api/v1/users/%d" % self.user_id("agent")), 200)
        r = m.get("/api/v1/users", query={"project_id": self.other})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["items"], [])
        # pages stay full and complete after the scope filter
        seen, cursor = [], None
        for _ in range(100):
            q = {"limit": 2}
            if cursor:
                q["cursor"] = cursor
            j = m.get("/api/v1/users", query=q).json()
            seen += [u["login"] for u in j["items"]]
            cursor = j["next_cursor"]
            if not cursor:
                break
        self.assertEqual(sorted(seen), sorted(logins))
        # a supervisor of the other project sees its people only
        s = self.login("outsider-sup", "password-123")
        logins = [u["login"] for u in s.get("/api/v1/users", query={"limit": 500}).json()["items"]]
        self.assertEqual(logins, ["outsider-sup"])
        self.assertError(s.get("/api/v1/users/%d" % self.user_id("agent")), 404, "not_found")

    def test_admin_sees_everyone(self):
        self.create_user("nowhere-2", project_ids=())
        logins = [u["login"] for u in
                  self.admin.get("/api/v1/users", query={"limit": 500}).json()["items"]]
        self.assertIn("nowhere-2", logins)
        self.assertStatus(self.admin.get("/api/v1/users/%d" % self.user_id("nowhere-2")), 200)


if __name__ == "__main__":
    unittest.main()
