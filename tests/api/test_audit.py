"""The audit log: every write is recorded; GET /api/v1/audit filters and pages; admins only."""
import datetime
import time
import unittest

from harness import DEMO_USERS, ServerTestCase

CST = datetime.timezone(datetime.timedelta(hours=8))


def rfc3339(ts, tz=datetime.timezone.utc):
    return datetime.datetime.fromtimestamp(ts, tz).isoformat(timespec="milliseconds")


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


class Audit(ServerTestCase):
    def test_writes_are_recorded_with_actor_entity_and_changes(self):
        head = self.audit_head()
        t0 = time.time()
        r = self.admin.post("/api/v1/users", {"login": "audited", "display_name": "审计甲",
                                              "role": "agent", "password": "password-123",
                                              "project_ids": [1]},
                            headers={"X-Request-Id": "create-audited-1"})
        self.assertStatus(r, 201)
        uid = r.json()["id"]
        r = self.admin.patch("/api/v1/users/%d" % uid, {"version": 1, "display_name": "审计乙"},
                             headers={"X-Request-Id": "update-audited-1"})
        self.assertStatus(r, 200)
        u = self.login("audited", "password-123")
        self.assertStatus(u.patch("/api/v1/me", {"display_name": "审计丙"}), 200)
        tok = u.post("/api/v1/me/tokens", {"name": "t"}).json()
        self.assertStatus(u.delete("/api/v1/me/tokens/%d" % tok["id"]), 204)
        self.assertStatus(u.post("/api/v1/me/password", {"current_password": "password-123",
                                                         "new_password": "password-456"}), 204)
        self.assertStatus(self.admin.post("/api/v1/users/%d/password" % uid,
                                          {"new_password": "password-789"}), 204)
        u = self.login("audited", "password-789")
        self.assertStatus(u.logout(), 204)
        t1 = time.time()

        entries = self.audit_since(head)
        got = [(e["entity"], e["action"]) for e in entries]
        self.assertEqual(got, [("user", "create"), ("user", "update"), ("session", "login"),
                               ("user", "update_self"), ("api_token", "create"),
                               ("api_token", "revoke"), ("user", "password_change"),
                               ("user", "password_reset"), ("session", "login"),
                               ("session", "logout")])
        admin_id = self.admin.user["id"]
        for e in entries:
            self.assertEqual(set(e), {"id", "at", "actor_id", "actor_login", "project_id",
                                      "entity", "entity_id", "action", "before", "after",
                                      "request_id", "ip"})
            self.assertRegex(e["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
            self.assertGreaterEqual(parse_time(e["at"]), t0 - 2)
            self.assertLessEqual(parse_time(e["at"]), t1 + 2)
            self.assertEqual(e["ip"], "127.0.0.1")
            self.assertTrue(e["request_id"])
            self.assertIsNotNone(e["entity_id"])
            self.assertNotIn("password-", str(e["before"]) + str(e["after"]))
        create, update, _, selfupd, tcreate, trevoke, pchange, preset, _, logout = entries
        self.assertEqual((create["actor_id"], create["actor_login"]), (admin_id, "admin"))
        self.assertEqual(create["entity_id"], uid)
        self.assertEqual(create["request_id"], "create-audited-1")
        self.assertIsNone(create["before"])
        self.assertEqual(create["after"]["display_name"], "审计甲")
        self.assertEqual(update["request_id"], "update-audited-1")
        self.assertEqual(update["before"]["display_name"], "审计甲")
        self.assertEqual(update["after"]["display_name"], "审计乙")
        self.assertEqual(update["before"]["version"], 1)
        self.assertEqual(selfupd["actor_id"], uid)
        self.assertEqual(selfupd["before"], {"display_name": "审计乙", "language": "zh-CN"})
        self.assertEqual(selfupd["after"], {"display_name": "审计丙", "language": "zh-CN"})
        self.assertEqual(tcreate["entity_id"], tok["id"])
        self.assertEqual(tcreate["after"]["name"], "t")
        self.assertNotIn(tok["token"], str(tcreate))
        self.assertEqual(trevoke["entity_id"], tok["id"])
        self.assertEqual((pchange["actor_id"], pchange["entity_id"]), (uid, uid))
        self.assertEqual((preset["actor_id"], preset["entity_id"]), (admin_id, uid))
        self.assertEqual(logout["actor_id"], uid)

    def test_reads_are_not_audited(self):
        c = self.login("supervisor")
        head = self.audit_head()
        for path in ("/api/v1/me", "/api/v1/users", "/api/v1/projects", "/api/v1/roles",
                     "/api/v1/me/tokens", "/healthz", "/"):
            self.assertStatus(c.get(path), 200, path)
        self.assertEqual(self.audit_head(), head)

    def test_filters(self):
        a = self.create_user("filter-subject")
        self.admin.patch("/api/v1/users/%d" % a["id"], {"version": 1, "display_name": "改"})
        agent = self.login("agent")
        agent_id = agent.user["id"]
        agent.patch("/api/v1/me", {"display_name": "张客服"})

        def q(**f):
            f.setdefault("limit", 500)
            r = self.admin.get("/api/v1/audit", query=f)
            self.assertStatus(r, 200, repr(f))
            return r.json()["items"]

        items = q(entity="user", entity_id=a["id"])
        self.assertEqual([e["action"] for e in items], ["update", "create"])  # newest first
        self.assertTrue(all(e["entity"] == "user" and e["entity_id"] == a["id"] for e in items))
        items = q(actor_id=agent_id)
        self.assertTrue(items)
        self.assertTrue(all(e["actor_id"] == agent_id for e in items))
        self.assertIn("update_self", [e["action"] for e in items])
        items = q(action="login")
        self.assertTrue(items)
        self.assertTrue(all(e["action"] == "login" and e["entity"] == "session" for e in items))
        items = q(entity="api_token", actor_id=agent_id)
        self.assertTrue(all(e["entity"] == "api_token" for e in items))
        self.assertEqual(q(entity="no-such-entity"), [])
        self.assertEqual(q(entity_id=999999), [])
        all_items = q()
        ids = [e["id"] for e in all_items]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(q(action="demo_seed")[0]["entity"], "project")

    def test_time_range(self):
        time.sleep(0.05)
        t0 = time.time()
        time.sleep(0.05)
        u = self.create_user("time-window")
        time.sleep(0.05)
        t1 = time.time()
        time.sleep(0.05)

        def ids(**f):
            r = self.admin.get("/api/v1/audit", query=dict(f, limit=500, entity="user",
                                                          entity_id=u["id"]))
            self.assertStatus(r, 200, repr(f))
            return [e["action"] for e in r.json()["items"]]

        self.assertEqual(ids(), ["create"])
        self.assertEqual(ids(**{"from": rfc3339(t0), "to": rfc3339(t1)}), ["create"])
        # the same instants written in China Standard Time
        self.assertEqual(ids(**{"from": rfc3339(t0, CST), "to": rfc3339(t1, CST)}), ["create"])
        self.assertEqual(ids(**{"from": rfc3339(t1)}), [])
        self.assertEqual(ids(**{"to": rfc3339(t0)}), [])
        self.assertEqual(ids(**{"from": rfc3339(t0)}), ["create"])
        self.assertEqual(ids(**{"to": rfc3339(t1, CST)}), ["create"])
        self.assertEqual(ids(**{"from": rfc3339(t0).replace("+00:00", "Z")}), ["create"])

    def test_bad_queries_422(self):
        for f, field in (({"from": "yesterday"}, "from"), ({"from": "2026-01-01"}, "from"),
                         ({"to": "2026-13-01T00:00:00Z"}, "to"),
                         ({"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "to"),
                         ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"),
                         ({"limit": "ten"}, "limit"), ({"entity_id": "x"}, "entity_id"),
                         ({"actor_id": "-3"}, "actor_id"), ({"cursor": "zz"}, "cursor"),
                         ({"entity": "e" * 65}, "entity")):
            self.assertValidation(self.admin.get("/api/v1/audit", query=f), field, msg=repr(f))

    def test_cursor(self):
        for i in range(3):
            self.create_user("cursor-%d" % i)
        everything = [e["id"] for e in
                      self.admin.get("/api/v1/audit", query={"limit": 500}).json()["items"]]
        self.assertGreater(len(everything), 4)
        seen, cursor = [], None
        for _ in range(500):
            q = {"limit": 2}
            if cursor:
                q["cursor"] = cursor
            j = self.admin.get("/api/v1/audit", query=q).json()
            self.assertLessEqual(len(j["items"]), 2)
            seen += [e["id"] for e in j["items"]]
            cursor = j["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(len(seen), len(set(seen)), "duplicates across pages")
        self.assertEqual(seen, everything)
        # with a filter
        seen, cursor = [], None
        for _ in range(50):
            q = {"limit": 1, "action": "create", "entity": "user"}
            if cursor:
                q["cursor"] = cursor
            j = self.admin.get("/api/v1/audit", query=q).json()
            seen += [e["entity_id"] for e in j["items"]]
            cursor = j["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(len(seen), len(set(seen)))
        for i in range(3):
            self.assertIn(self.user_id("cursor-%d" % i), seen)

    def test_non_admins_forbidden(self):
        for login in DEMO_USERS:
            if login == "admin":
                continue
            c = self.login(login)
            self.assertError(c.get("/api/v1/audit"), 403, "forbidden", msg=login)
        self.assertError(self.client().get("/api/v1/audit"), 401, "unauthorized")

    def test_audit_log_is_append_only_in_the_database(self):
        head = self.audit_head()
        self.assertGreater(head, 0)
        for sql in ("UPDATE audit_log SET action = 'tampered' WHERE id = %d" % head,
                    "DELETE FROM audit_log WHERE id = %d" % head):
            with self.assertRaises(Exception, msg=sql):
                self.db.execute(sql)
        r = self.admin.get("/api/v1/audit", query={"limit": 1})
        self.assertNotEqual(r.json()["items"][0]["action"], "tampered")


if __name__ == "__main__":
    unittest.main()
