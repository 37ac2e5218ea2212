"""Concurrent writes: every acknowledged write is there (group commit), and optimistic
versions let exactly one of several racing updates win."""
import threading
import unittest

from harness import DEMO_USERS, ServerTestCase


def run_all(fns):
    results = [None] * len(fns)
    barrier = threading.Barrier(len(fns))

    def runner(i, fn):
        barrier.wait()
        try:
            results[i] = fn()
        except Exception as e:  # noqa: BLE001 - reported by the caller
            results[i] = e
    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


class Concurrency(ServerTestCase):
    def test_many_concurrent_writes_all_land(self):
        clients = [self.login(u) for u in DEMO_USERS]
        head = self.audit_head()
        before = {c.user["id"]: c.get("/api/v1/me").json()["user"]["version"] for c in clients}
        rounds = 6
        fns = []
        for c in clients:
            for i in range(rounds):
                fns.append(lambda c=c, i=i: c.copy().patch("/api/v1/me",
                                                           {"display_name": "并发 %d" % i}))
        results = run_all(fns)
        for r in results:
            self.assertNotIsInstance(r, Exception, r)
        bad = [(r.status, r.json().get("error", {}).get("code")) for r in results
               if r.status != 200]
        self.assertEqual(bad, [], "%d of %d concurrent PATCH /api/v1/me without a version "
                         "(several per user, as from two browser tabs) were refused; with no "
                         "version sent nothing can be stale" % (len(bad), len(results)))
        entries = self.audit_since(head, action="update_self")
        self.assertEqual(len(entries), len(fns), "acknowledged writes missing from the audit log")
        for c in clients:
            v = c.get("/api/v1/me").json()["user"]["version"]
            self.assertEqual(v, before[c.user["id"]] + rounds, c.user["login"])
            mine = [e for e in entries if e["actor_id"] == c.user["id"]]
            self.assertEqual(len(mine), rounds)

    def test_racing_updates_with_one_version(self):
        u = self.create_user("race-target")
        admin = self.admin
        head = self.audit_head()
        n = 8
        fns = [lambda i=i: admin.copy().patch("/api/v1/users/%d" % u["id"],
                                              {"version": u["version"],
                                               "display_name": "赢家 %d" % i})
               for i in range(n)]
        results = run_all(fns)
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [200] + [409] * (n - 1),
                         "exactly one update with version %d may win" % u["version"])
        for r in results:
            if r.status == 409:
                self.assertEqual(r.error["code"], "version_conflict")
        winner = [r for r in results if r.status == 200][0].json()
        now = self.get_user(u["id"])
        self.assertEqual(now["display_name"], winner["display_name"])
        self.assertEqual(now["version"], u["version"] + 1)
        self.assertEqual(len(self.audit_since(head)), 1)

    def test_two_admins_demoting_each_other_leave_one(self):
        """Two administrators demote each other at the same moment: one must remain (the
        loser gets 409 last_admin, or 403 when it was demoted before its request ran)."""
        a = self.create_user("admin-a", role="admin")
        b = self.create_user("admin-b", role="admin")
        first = self.admin.get("/api/v1/me").json()["user"]
        # leave a and b as the only active administrators
        r = self.login("admin-a", "password-123").patch(
            "/api/v1/users/%d" % first["id"], {"version": first["version"], "role": "manager"})
        self.assertStatus(r, 200)
        type(self)._admin = None
        clients = {a["id"]: self.login("admin-a", "password-123"),
                   b["id"]: self.login("admin-b", "password-123")}

        def active_admins():
            ids = [i for i in (a["id"], b["id"])
                   if self.db.scalar("SELECT role FROM users WHERE id = %d" % i) == "admin"]
            return ids
        try:
            for _ in range(3):
                ua = clients[a["id"]].get("/api/v1/users/%d" % a["id"]).json()
                ub = clients[a["id"]].get("/api/v1/users/%d" % b["id"]).json()
                results = run_all([
                    lambda: clients[a["id"]].patch("/api/v1/users/%d" % b["id"],
                                                   {"version": ub["version"], "role": "agent"}),
                    lambda: clients[b["id"]].patch("/api/v1/users/%d" % a["id"],
                                                   {"version": ua["version"], "role": "agent"})])
                statuses = sorted(r.status for r in results)
                left = active_admins()
                self.assertEqual(len(left), 1, "racing demotions left %d active administrators "
                                 "(statuses %s)" % (len(left), statuses))
                self.assertIn(statuses, ([200, 403], [200, 409]))
                boss = clients[left[0]]
                other = b["id"] if left[0] == a["id"] else a["id"]
                u = boss.get("/api/v1/users/%d" % other).json()
                self.assertStatus(boss.patch("/api/v1/users/%d" % other,
                                             {"version": u["version"], "role": "admin"}), 200)
        finally:
            left = active_admins()
            if left:
                boss = clients[left[0]]
                first = boss.get("/api/v1/users/%d" % first["id"]).json()
                boss.patch("/api/v1/users/%d" % first["id"],
                           {"version": first["version"], "role": "admin"})
            type(self)._admin = None

    def test_concurrent_duplicate_creates(self):
        admin = self.admin
        total = len(admin.get("/api/v1/users", query={"limit": 500}).json()["items"])
        fns = [lambda: admin.copy().post("/api/v1/users", {
            "login": "twin", "display_name": "双胞胎", "role": "agent",
            "password": "password-123"}) for _ in range(4)]
        results = run_all(fns)
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [201, 409, 409, 409])
        self.assertEqual(len(admin.get("/api/v1/users", query={"limit": 500}).json()["items"]),
                         total + 1)


if __name__ == "__main__":
    unittest.main()
