"""Signing in and out, GET /api/v1/me, and the language of messages."""
import datetime
import re
import time
import unittest

from harness import DEMO_PASSWORD, ServerTestCase


class Login(ServerTestCase):
    def test_login_sets_cookie_and_returns_user_and_csrf(self):
        c = self.client()
        r = c.post("/api/v1/session", {"login": "agent", "password": DEMO_PASSWORD})
        self.assertStatus(r, 200)
        cookies = r.header_all("Set-Cookie")
        self.assertEqual(len(cookies), 1, cookies)
        sc = cookies[0]
        self.assertRegex(sc, r"^kefu_session=[A-Za-z0-9_\-]{20,};")
        attrs = [a.strip().lower() for a in sc.split(";")[1:]]
        self.assertIn("httponly", attrs, sc)
        self.assertIn("samesite=strict", attrs, sc)
        self.assertIn("path=/", attrs, sc)
        self.assertTrue(any(re.fullmatch(r"max-age=\d+", a) and int(a[8:]) > 0 for a in attrs), sc)
        j = r.json()
        self.assertIsInstance(j["csrf_token"], str)
        self.assertGreaterEqual(len(j["csrf_token"]), 16)
        u = j["user"]
        self.assertEqual(u["login"], "agent")
        self.assertEqual(u["role"], "agent")
        self.assertEqual(u["project_ids"], [1])
        self.assertTrue(u["active"])
        self.assertNotIn("password_hash", u)
        self.assertNotIn("password", u)
        self.assertNotIn("password", r.text.replace("password_", ""))
        # the cookie authenticates
        me = c.get("/api/v1/me")
        self.assertStatus(me, 200)
        self.assertEqual(me.json()["user"]["login"], "agent")

    def test_two_logins_get_different_sessions_and_csrf(self):
        a = self.login("agent")
        b = self.login("agent")
        self.assertNotEqual(a.session, b.session)
        self.assertNotEqual(a.csrf, b.csrf)

    def test_wrong_password_401(self):
        head = self.audit_head()
        c = self.client()
        r = c.post("/api/v1/session", {"login": "cashier", "password": "wrong-password"})
        err = self.assertError(r, 401, "invalid_credentials")
        self.assertEqual(r.header_all("Set-Cookie"), [])
        self.assertEqual(c.cookies, {})
        self.assertEqual(err["message"], "账号或密码错误")
        # recorded as a failed login, no session created
        entries = self.audit_since(head)
        self.assertEqual([e["action"] for e in entries], ["login_failed"], entries)
        self.assertEqual(entries[0]["after"], {"login": "cashier"})
        self.assertEqual(entries[0]["entity_id"], self.user_id("cashier"))

    def test_unknown_login_same_answer(self):
        known = self.client().post("/api/v1/session",
                                   {"login": "cashier", "password": "wrong-password"})
        unknown = self.client().post("/api/v1/session",
                                     {"login": "nobody-here", "password": "wrong-password"})
        self.assertError(unknown, 401, "invalid_credentials")
        self.assertEqual(known.error["message"], unknown.error["message"])
        self.assertEqual(set(known.error), set(unknown.error))

    def test_empty_password_is_validation_error(self):
        r = self.client().post("/api/v1/session", {"login": "agent", "password": ""})
        self.assertValidation(r, "password")
        r = self.client().post("/api/v1/session", {"login": "agent"})
        self.assertValidation(r, "password")
        r = self.client().post("/api/v1/session", {"password": DEMO_PASSWORD})
        self.assertValidation(r, "login")

    def test_logout_kills_the_session(self):
        c = self.login("supervisor")
        cookie = dict(c.cookies)
        head = self.audit_head()
        r = c.logout()
        self.assertStatus(r, 204)
        sc = r.header("Set-Cookie")
        self.assertIsNotNone(sc, "logout should clear the cookie")
        self.assertRegex(sc.lower(), r"kefu_session=;.*max-age=0")
        self.assertEqual(r.body, b"")
        # the old cookie, replayed, is dead
        old = self.client()
        old.cookies = cookie
        r = old.get("/api/v1/me")
        self.assertError(r, 401, "session_expired")
        entries = self.audit_since(head)
        self.assertEqual([e["action"] for e in entries], ["logout"])
        self.assertEqual(entries[0]["entity"], "session")
        self.assertEqual(entries[0]["actor_id"], self.user_id("supervisor"))

    def test_expired_session_401(self):
        c = self.login("resident")
        self.assertStatus(c.get("/api/v1/me"), 200)
        self.db.execute("UPDATE sessions SET expires_at = %d WHERE user_id = %d"
                        % (int(time.time() * 1000) - 1000, c.user["id"]))
        self.assertError(c.get("/api/v1/me"), 401, "session_expired")
        self.assertError(c.patch("/api/v1/me", {"display_name": "x"}), 401, "session_expired")

    def test_passwords_stored_as_argon2id(self):
        stored = self.db.scalar("SELECT password_hash FROM users WHERE login = 'agent'")
        self.assertTrue(stored.startswith("$argon2id$"), stored[:20])
        self.assertNotIn(DEMO_PASSWORD, stored)

    def test_cookie_lifetime_matches_expires_at(self):
        r = self.client().post("/api/v1/session", {"login": "agent", "password": DEMO_PASSWORD})
        max_age = int(re.search(r"Max-Age=(\d+)", r.header("Set-Cookie")).group(1))
        self.assertEqual(max_age, 720 * 60, "default --session-ttl is 720 minutes")
        expires = datetime.datetime.fromisoformat(r.json()["expires_at"].replace("Z", "+00:00"))
        self.assertAlmostEqual(expires.timestamp() - time.time(), max_age, delta=60)

    def test_no_cookie_is_unauthorized(self):
        r = self.client().get("/api/v1/me")
        self.assertError(r, 401, "unauthorized")

    def test_me_fields(self):
        c = self.login("manager")
        r = c.get("/api/v1/me")
        self.assertStatus(r, 200)
        j = r.json()
        u = j["user"]
        for k in ("id", "login", "display_name", "role", "role_label", "active", "language",
                  "project_ids", "created_at", "updated_at", "version"):
            self.assertIn(k, u)
        self.assertEqual(u["login"], "manager")
        self.assertEqual(u["display_name"], "王经理")
        self.assertEqual(u["role"], "manager")
        self.assertEqual(u["role_label"], "客服经理")
        self.assertEqual(u["language"], "zh-CN")
        self.assertRegex(u["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
        self.assertEqual(sorted(j["permissions"]), ["charges.approve", "charges.report",
                                                    "pii.reveal", "projects.read", "records.read",
                                                    "records.write", "reports.manage",
                                                    "reports.read", "tickets.dispatch",
                                                    "tickets.read", "tickets.write", "users.read"])
        self.assertEqual([p["id"] for p in j["projects"]], [1])
        self.assertEqual(j["projects"][0]["code"], "demo")
        self.assertEqual(j["csrf_token"], c.csrf)

    def test_me_admin_permissions(self):
        j = self.admin.get("/api/v1/me").json()
        self.assertEqual(sorted(j["permissions"]),
                         sorted(["projects.read", "projects.manage", "records.read",
                                 "records.write", "users.read", "users.manage", "audit.read",
                                 "system.metrics", "pii.reveal", "tickets.read", "tickets.write",
                                 "tickets.dispatch", "desk.configure", "charges.approve",
                                 "charges.report", "reports.read", "reports.manage",
                                 "test.clock"]))

    def test_login_audited(self):
        head = self.audit_head()
        c = self.login("technician")
        entries = self.audit_since(head)
        self.assertEqual([e["action"] for e in entries], ["login"])
        e = entries[0]
        self.assertEqual(e["entity"], "session")
        self.assertEqual(e["actor_id"], c.user["id"])
        self.assertEqual(e["actor_login"], "technician")
        self.assertEqual(e["ip"], "127.0.0.1")


class Language(ServerTestCase):
    def test_default_is_chinese(self):
        r = self.client().get("/api/v1/me")
        self.assertEqual(self.assertError(r, 401, "unauthorized")["message"], "请先登录")
        r = self.client().post("/api/v1/session", {"login": "agent", "password": "bad-bad-bad"})
        self.assertEqual(r.error["message"], "账号或密码错误")

    def test_english_with_accept_language(self):
        c = self.client(lang="en")
        r = c.get("/api/v1/me")
        self.assertEqual(self.assertError(r, 401, "unauthorized")["message"], "Please sign in")
        r = c.post("/api/v1/session", {"login": "agent", "password": "bad-bad-bad"})
        self.assertEqual(r.error["message"], "Wrong login or password")
        r = self.client(lang="en-US,en;q=0.9,zh;q=0.5").get("/nope")
        self.assertEqual(r.error["message"], "Not found")

    def test_other_languages_fall_back_to_chinese(self):
        r = self.client(lang="zh-CN,zh;q=0.9").get("/nope")
        self.assertEqual(r.error["message"], "找不到该资源")
        r = self.client(lang="fr").get("/nope")
        self.assertEqual(r.error["message"], "找不到该资源")

    def test_field_messages_translated(self):
        r = self.client(lang="en").post("/api/v1/session", {"login": "agent"})
        err = self.assertValidation(r, "password")
        self.assertEqual(err["message"], "Some fields are invalid")
        self.assertEqual(err["fields"]["password"], "Required")
        r = self.client().post("/api/v1/session", {"login": "agent"})
        self.assertEqual(r.error["fields"]["password"], "必填")

    def test_role_label_follows_language(self):
        c = self.login("agent", lang="en")
        self.assertEqual(c.get("/api/v1/me").json()["user"]["role_label"], "Agent")
        c.lang = None
        self.assertEqual(c.get("/api/v1/me").json()["user"]["role_label"], "客服专员")

    def test_user_language_preference_used_without_header(self):
        c = self.login("cashier")
        r = c.patch("/api/v1/me", {"language": "en"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["language"], "en")
        r = c.get("/api/v1/users")  # forbidden for a cashier: the message is in English now
        self.assertEqual(self.assertError(r, 403, "forbidden")["message"], "Your role may not do this")
        c.lang = "zh-CN"
        r = c.get("/api/v1/users")
        self.assertEqual(r.error["message"], "您的角色无权执行此操作")
        c.lang = None
        self.assertStatus(c.patch("/api/v1/me", {"language": "zh-CN"}), 200)


if __name__ == "__main__":
    unittest.main()
