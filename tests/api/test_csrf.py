"""CSRF: cookie-authenticated writes need X-CSRF-Token; Bearer writes do not."""
import unittest

from harness import ServerTestCase


class Csrf(ServerTestCase):
    def setUp(self):
        self.c = self.login("agent")
        self.me = self.c.get("/api/v1/me").json()["user"]

    def test_patch_me_without_csrf_is_refused_and_changes_nothing(self):
        head = self.audit_head()
        r = self.c.patch("/api/v1/me", {"display_name": "黑客改名"}, csrf=False)
        self.assertError(r, 403, "csrf_failed")
        self.assertEqual(self.c.get("/api/v1/me").json()["user"], self.me)
        self.assertEqual(self.audit_head(), head)

    def test_wrong_or_empty_csrf_is_refused(self):
        other = self.login("agent")
        head = self.audit_head()
        for token in ("x" * 32, "", self.c.csrf[:-1], self.c.csrf + "a"):
            r = self.c.patch("/api/v1/me", {"display_name": "黑客改名"},
                             headers={"X-CSRF-Token": token})
            self.assertError(r, 403, "csrf_failed", msg="token %r" % token)
        # another session's token does not fit this session
        r = self.c.patch("/api/v1/me", {"display_name": "黑客改名"},
                         headers={"X-CSRF-Token": other.csrf})
        self.assertError(r, 403, "csrf_failed")
        self.assertEqual(self.c.get("/api/v1/me").json()["user"], self.me)
        self.assertEqual(self.audit_head(), head)

    def test_csrf_checked_before_validation(self):
        r = self.c.patch("/api/v1/me", {"bogus": 1}, csrf=False)
        self.assertError(r, 403, "csrf_failed")
        r = self.c.delete("/api/v1/session", csrf=False)
        self.assertError(r, 403, "csrf_failed")
        self.assertStatus(self.c.get("/api/v1/me"), 200)  # still signed in

    def test_patch_me_with_csrf_works(self):
        r = self.c.patch("/api/v1/me", {"display_name": "张客服二号"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["display_name"], "张客服二号")
        self.assertEqual(r.json()["version"], self.me["version"] + 1)
        self.assertEqual(self.c.get("/api/v1/me").json()["user"]["display_name"], "张客服二号")
        r = self.c.patch("/api/v1/me", {"display_name": self.me["display_name"]})
        self.assertStatus(r, 200)

    def test_reads_need_no_csrf(self):
        self.assertStatus(self.c.get("/api/v1/me", csrf=False), 200)

    def test_bearer_writes_need_no_csrf(self):
        r = self.c.post("/api/v1/me/tokens", {"name": "csrf-test"})
        self.assertStatus(r, 201)
        token = r.json()["token"]
        b = self.client()
        b.bearer = token
        r = b.patch("/api/v1/me", {"display_name": "令牌改名"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["display_name"], "令牌改名")
        r = b.patch("/api/v1/me", {"display_name": self.me["display_name"]})
        self.assertStatus(r, 200)
        # the token can revoke itself without CSRF as well
        self.assertStatus(b.delete("/api/v1/me/tokens/%d" % self._token_id("csrf-test")), 204)
        self.assertStatus(b.get("/api/v1/me"), 401)

    def _token_id(self, name):
        for t in self.c.get("/api/v1/me/tokens").json()["items"]:
            if t["name"] == name and t["revoked_at"] is None:
                return t["id"]
        self.fail("no token %s" % name)


if __name__ == "__main__":
    unittest.main()
