"""Password change by the user, and reset by an administrator."""
import unittest

from harness import ServerTestCase


class PasswordChange(ServerTestCase):
    def test_wrong_current_password(self):
        self.create_user("pw-wrong", password="old-password-1")
        c = self.login("pw-wrong", "old-password-1")
        head = self.audit_head()
        r = c.post("/api/v1/me/password",
                   {"current_password": "not-the-password", "new_password": "new-password-1"})
        err = self.assertValidation(r, "current_password")
        self.assertNotIn("new_password", err["fields"])
        self.assertEqual(self.audit_head(), head)
        self.assertStatus(c.get("/api/v1/me"), 200)
        self.login("pw-wrong", "old-password-1")
        self.client().login("pw-wrong", "new-password-1", expect=401)

    def test_new_password_rules(self):
        self.create_user("pw-rules", password="old-password-1")
        c = self.login("pw-rules", "old-password-1")
        head = self.audit_head()
        for new in ("short", "1234567", "", "x" * 129, 12345678, None):
            r = c.post("/api/v1/me/password",
                       {"current_password": "old-password-1", "new_password": new})
            self.assertValidation(r, "new_password", msg=repr(new))
        r = c.post("/api/v1/me/password", {"current_password": "old-password-1"})
        self.assertValidation(r, "new_password")
        r = c.post("/api/v1/me/password", {"new_password": "new-password-1"})
        self.assertValidation(r, "current_password")
        r = c.post("/api/v1/me/password", {"current_password": "old-password-1",
                                           "new_password": "new-password-1", "confirm": "x"})
        self.assertValidation(r, "confirm")
        self.assertEqual(self.audit_head(), head)
        self.login("pw-rules", "old-password-1")
        # eight characters counted as characters, not bytes: 8 Chinese characters pass
        r = c.post("/api/v1/me/password",
                   {"current_password": "old-password-1", "new_password": "密码密码密码密码"})
        self.assertStatus(r, 204)
        self.login("pw-rules", "密码密码密码密码")

    def test_change_ends_other_sessions_only(self):
        u = self.create_user("pw-change", password="old-password-1")
        keep = self.login("pw-change", "old-password-1")
        other1 = self.login("pw-change", "old-password-1")
        other2 = self.login("pw-change", "old-password-1")
        token = keep.post("/api/v1/me/tokens", {"name": "integration"}).json()["token"]
        bearer = self.client()
        bearer.bearer = token
        head = self.audit_head()
        r = keep.post("/api/v1/me/password",
                      {"current_password": "old-password-1", "new_password": "new-password-1"})
        self.assertStatus(r, 204)
        self.assertStatus(keep.get("/api/v1/me"), 200)
        self.assertStatus(keep.patch("/api/v1/me", {"display_name": "still here"}), 200)
        self.assertError(other1.get("/api/v1/me"), 401, "session_expired")
        self.assertError(other2.get("/api/v1/me"), 401, "session_expired")
        self.assertStatus(bearer.get("/api/v1/me"), 200,
                          "API tokens are credentials of their own and survive a password change")
        self.client().login("pw-change", "old-password-1", expect=401)
        self.client().login("pw-change", "new-password-1")
        entries = [e for e in self.audit_since(head) if e["action"] == "password_change"]
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]["entity_id"], u["id"])
        self.assertEqual(entries[0]["actor_id"], u["id"])
        self.assertNotIn("new-password-1", str(self.audit_since(head)))

    def test_admin_reset_revokes_sessions(self):
        u = self.create_user("pw-reset", password="old-password-1")
        s1 = self.login("pw-reset", "old-password-1")
        s2 = self.login("pw-reset", "old-password-1")
        head = self.audit_head()
        r = self.admin.post("/api/v1/users/%d/password" % u["id"], {"new_password": "reset-pass-1"})
        self.assertStatus(r, 204)
        self.assertError(s1.get("/api/v1/me"), 401, "session_expired")
        self.assertError(s2.get("/api/v1/me"), 401, "session_expired")
        self.client().login("pw-reset", "old-password-1", expect=401)
        self.client().login("pw-reset", "reset-pass-1")
        self.assertStatus(self.admin.get("/api/v1/me"), 200, "the admin stays signed in")
        entries = self.audit_since(head, action="password_reset")
        self.assertEqual([(e["entity_id"], e["actor_login"]) for e in entries],
                         [(u["id"], "admin")])

    def test_admin_reset_validation_and_unknown_user(self):
        head = self.audit_head()
        r = self.admin.post("/api/v1/users/999999/password", {"new_password": "reset-pass-1"})
        self.assertError(r, 404, "not_found")
        r = self.admin.post("/api/v1/users/2/password", {"new_password": "short"})
        self.assertValidation(r, "new_password")
        r = self.admin.post("/api/v1/users/2/password", {})
        self.assertValidation(r, "new_password")
        self.assertEqual(self.audit_head(), head)
        self.login("manager")  # user 2's password is unchanged

    def test_non_admin_cannot_reset(self):
        m = self.login("manager")
        head = self.audit_head()
        r = m.post("/api/v1/users/4/password", {"new_password": "reset-pass-1"})
        self.assertError(r, 403, "forbidden")
        self.assertEqual(self.audit_head(), head)
        self.login("agent")


if __name__ == "__main__":
    unittest.main()
