"""API tokens: created and revoked by their owner, shown once, used as Bearer."""
import time
import unittest

from harness import ServerTestCase


class Tokens(ServerTestCase):
    def test_create_use_list_revoke(self):
        c = self.login("technician")
        head = self.audit_head()
        r = c.post("/api/v1/me/tokens", {"name": "集成 integration", "expires_in_days": 30})
        self.assertStatus(r, 201)
        t = r.json()
        secret = t["token"]
        self.assertTrue(secret.startswith("kf_"), secret)
        self.assertGreaterEqual(len(secret), 30)
        self.assertEqual(t["name"], "集成 integration")
        self.assertTrue(secret.startswith(t["prefix"]), (secret, t["prefix"]))
        self.assertLess(len(t["prefix"]), len(secret) // 2)
        self.assertIsNotNone(t["expires_at"])
        self.assertIsNone(t["revoked_at"])
        # audited, without the secret
        entries = self.audit_since(head)
        self.assertEqual([(e["entity"], e["action"]) for e in entries], [("api_token", "create")])
        self.assertEqual(entries[0]["entity_id"], t["id"])
        self.assertEqual(entries[0]["actor_login"], "technician")
        self.assertNotIn(secret, str(entries))

        # used as Bearer, without any cookie
        b = self.client()
        b.bearer = secret
        me = b.get("/api/v1/me")
        self.assertStatus(me, 200)
        self.assertEqual(me.json()["user"]["login"], "technician")
        self.assertNotIn("csrf_token", me.json())

        # listed, without the secret
        lst = c.get("/api/v1/me/tokens")
        self.assertStatus(lst, 200)
        items = lst.json()["items"]
        mine = [i for i in items if i["id"] == t["id"]]
        self.assertEqual(len(mine), 1)
        self.assertNotIn("token", mine[0])
        self.assertNotIn(secret, lst.text)
        self.assertNotIn(secret[10:], lst.text)
        self.assertEqual(mine[0]["prefix"], t["prefix"])
        self.assertIsNotNone(mine[0]["created_at"])

        # revoked: 401 from then on
        head = self.audit_head()
        r = c.delete("/api/v1/me/tokens/%d" % t["id"])
        self.assertStatus(r, 204)
        self.assertError(b.get("/api/v1/me"), 401, "session_expired")
        entries = self.audit_since(head)
        self.assertEqual([(e["entity"], e["action"], e["entity_id"]) for e in entries],
                         [("api_token", "revoke", t["id"])])
        listed = [i for i in c.get("/api/v1/me/tokens").json()["items"] if i["id"] == t["id"]]
        self.assertIsNotNone(listed[0]["revoked_at"])
        # revoking twice: 404
        self.assertError(c.delete("/api/v1/me/tokens/%d" % t["id"]), 404, "not_found")

    def test_bearer_can_manage_tokens_and_logout_is_harmless(self):
        c = self.login("agent")
        secret = c.post("/api/v1/me/tokens", {"name": "b"}).json()["token"]
        b = self.client()
        b.bearer = secret
        r = b.post("/api/v1/me/tokens", {"name": "made by token"})
        self.assertStatus(r, 201)
        # DELETE /session with a token ends no session and keeps the token working
        self.assertStatus(b.delete("/api/v1/session"), 204)
        self.assertStatus(b.get("/api/v1/me"), 200)
        self.assertStatus(c.get("/api/v1/me"), 200)

    def test_last_use_recorded(self):
        c = self.login("agent")
        t = c.post("/api/v1/me/tokens", {"name": "used"}).json()
        self.assertIsNone(t["last_used_at"])
        b = self.client()
        b.bearer = t["token"]
        self.assertStatus(b.get("/api/v1/me"), 200)
        listed = {i["id"]: i for i in c.get("/api/v1/me/tokens").json()["items"]}
        self.assertIsNotNone(listed[t["id"]]["last_used_at"], "a used token shows its last use")

    def test_stored_hashed_only(self):
        c = self.login("agent")
        t = c.post("/api/v1/me/tokens", {"name": "hashed"}).json()
        stored = self.db.scalar("SELECT token_hash FROM api_tokens WHERE id = %d" % t["id"])
        self.assertTrue(stored)
        self.assertNotIn(t["token"], stored)
        self.assertNotIn(t["token"][len(t["prefix"]):], stored)

    def test_expired_token_401(self):
        c = self.login("agent")
        t = c.post("/api/v1/me/tokens", {"name": "expiring", "expires_in_days": 1}).json()
        b = self.client()
        b.bearer = t["token"]
        self.assertStatus(b.get("/api/v1/me"), 200)
        # a day later, as far as the token is concerned
        self.db.execute("UPDATE api_tokens SET expires_at = %d WHERE id = %d"
                        % (int(time.time() * 1000) - 1000, t["id"]))
        self.assertError(b.get("/api/v1/me"), 401, "session_expired")
        self.assertError(b.patch("/api/v1/me", {"display_name": "x"}), 401, "session_expired")

    def test_never_expiring_token(self):
        c = self.login("agent")
        r = c.post("/api/v1/me/tokens", {"name": "forever"})
        self.assertStatus(r, 201)
        self.assertIsNone(r.json()["expires_at"])

    def test_other_user_cannot_revoke_or_see(self):
        owner = self.login("cashier")
        t = owner.post("/api/v1/me/tokens", {"name": "mine"}).json()
        for who in ("agent", "admin"):
            other = self.admin if who == "admin" else self.login(who)
            head = self.audit_head()
            r = other.delete("/api/v1/me/tokens/%d" % t["id"])
            self.assertError(r, 404, "not_found", msg=who)
            self.assertEqual(self.audit_head(), head)
            ids = [i["id"] for i in other.get("/api/v1/me/tokens").json()["items"]]
            self.assertNotIn(t["id"], ids)
        b = self.client()
        b.bearer = t["token"]
        self.assertStatus(b.get("/api/v1/me"), 200, "token must survive a foreign revoke")

    def test_revoke_bad_ids(self):
        c = self.login("agent")
        for path in ("/api/v1/me/tokens/999999", "/api/v1/me/tokens/0",
                     "/api/v1/me/tokens/abc", "/api/v1/me/tokens/-1"):
            self.assertError(c.delete(path), 404, "not_found", msg=path)

    def test_validation(self):
        c = self.login("agent")
        head = self.audit_head()
        cases = [
            ({}, "name"),
            ({"name": ""}, "name"),
            ({"name": "x" * 65}, "name"),
            ({"name": 5}, "name"),
            ({"name": "t", "expires_in_days": 0}, "expires_in_days"),
            ({"name": "t", "expires_in_days": -1}, "expires_in_days"),
            ({"name": "t", "expires_in_days": 3651}, "expires_in_days"),
            ({"name": "t", "expires_in_days": "30"}, "expires_in_days"),
            ({"name": "t", "expires_in_days": 1.5}, "expires_in_days"),
            ({"name": "t", "secret": "mine"}, "secret"),
        ]
        before = len(c.get("/api/v1/me/tokens").json()["items"])
        for body, field in cases:
            self.assertValidation(c.post("/api/v1/me/tokens", body), field, msg=repr(body))
        self.assertEqual(len(c.get("/api/v1/me/tokens").json()["items"]), before)
        self.assertEqual(self.audit_head(), head)
        r = c.post("/api/v1/me/tokens", {"name": "t", "expires_in_days": 3650})
        self.assertStatus(r, 201)

    def test_garbage_bearer(self):
        for token in ("kf_" + "A" * 43, "garbage", "x" * 300):
            b = self.client()
            b.bearer = token
            self.assertError(b.get("/api/v1/me"), 401, "session_expired", msg=token[:20])
        r = self.client().get("/api/v1/me", headers={"Authorization": "Basic YWRtaW46a2VmdQ=="})
        self.assertError(r, 401, "unauthorized")

    def test_deactivated_owner_token_dies(self):
        u = self.create_user("token-owner")
        c = self.login("token-owner", "password-123")
        secret = c.post("/api/v1/me/tokens", {"name": "t"}).json()["token"]
        b = self.client()
        b.bearer = secret
        self.assertStatus(b.get("/api/v1/me"), 200)
        r = self.admin.patch("/api/v1/users/%d" % u["id"], {"version": u["version"], "active": False})
        self.assertStatus(r, 200)
        self.assertStatus(b.get("/api/v1/me"), 401)


if __name__ == "__main__":
    unittest.main()
