"""The command line: kefu user add|passwd|list, kefu migrate, kefu routes."""
import json
import unittest

from harness import Database, Server, run_kefu


class Cli(unittest.TestCase):
    def setUp(self):
        self.db = Database()

    def kefu(self, *args, input=None):
        return run_kefu(list(args) + ["--db", self.db.url],
                        input=input.encode() if input is not None else None)

    def test_migrate(self):
        rc, out, err = self.kefu("migrate")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"applied [1-9]\d* migration")
        rc, out, err = self.kefu("migrate")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"applied 0 migration")
        version = out.strip().split()[-1]
        self.assertRegex(version, r"^\d+$")
        self.assertGreaterEqual(int(version), 1)

    def test_user_add_then_login_over_http(self):
        rc, out, err = self.kefu("user", "add", "cli.agent", "--role", "agent", "--name", "名字",
                                 "--project", "1", input="cli-password-1\n")
        self.assertNotEqual(rc, 0, "no project 1 yet: adding a member of it must fail")
        self.assertIn("project", err)
        rc, out, err = self.kefu("user", "add", "cli.agent", "--role", "agent", "--name", "名字",
                                 input="cli-password-1\n")
        self.assertEqual(rc, 0, err)
        self.assertIn("cli.agent", out)
        rc, out, err = self.kefu("user", "add", "cli.admin", "--role", "admin",
                                 input="cli-password-2\n")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.kefu("user", "list")
        self.assertEqual(rc, 0, err)
        rows = [l.split() for l in out.splitlines()[1:] if l.strip()]
        by_login = {r[1]: r for r in rows}
        self.assertEqual(set(by_login), {"cli.agent", "cli.admin"})
        self.assertEqual(by_login["cli.agent"][2], "agent")
        self.assertIn("名字", out)
        self.assertEqual(by_login["cli.admin"][4], "cli.admin", "name defaults to the login")

        srv = Server(demo=False, db=self.db).start()
        try:
            c = srv.login("cli.agent", "cli-password-1")
            me = c.get("/api/v1/me").json()["user"]
            self.assertEqual((me["display_name"], me["role"]), ("名字", "agent"))
            admin = srv.login("cli.admin", "cli-password-2")
            audit = admin.get("/api/v1/audit", query={"entity": "user", "action": "create"}).json()
            self.assertEqual(sorted(e["actor_login"] for e in audit["items"]), ["cli", "cli"])
            # passwd while the server runs: the old password and the open session die
            rc, out, err = self.kefu("user", "passwd", "cli.agent", input="cli-password-9\n")
            self.assertEqual(rc, 0, err)
            self.assertEqual(c.get("/api/v1/me").status, 401)
            srv.client().login("cli.agent", "cli-password-1", expect=401)
            srv.login("cli.agent", "cli-password-9")
            # a user added while the server runs can sign in at once
            rc, out, err = self.kefu("user", "add", "cli.late", "--role", "cashier",
                                     input="cli-password-3\n")
            self.assertEqual(rc, 0, err)
            srv.login("cli.late", "cli-password-3")
        finally:
            srv.stop()

    def test_user_errors(self):
        rc, out, err = self.kefu("user", "add", "x.y", "--role", "agent", input="cli-password-1\n")
        self.assertEqual(rc, 0, err)
        cases = [
            (("user", "add", "x.y", "--role", "agent"), "cli-password-1\n", "taken"),
            (("user", "add", "new.one", "--role", "king"), "cli-password-1\n", "role"),
            (("user", "add", "new.one", "--role", "agent"), "short\n", "8"),
            (("user", "add", "new.one", "--role", "agent"), "", "password"),
            (("user", "passwd", "nobody"), "cli-password-1\n", "no such login"),
            (("user", "frobnicate"), None, "usage"),
        ]
        for args, stdin, needle in cases:
            rc, out, err = self.kefu(*args, input=stdin)
            self.assertNotEqual(rc, 0, args)
            self.assertIn(needle.lower(), err.lower(), "%r: %s" % (args, err))
        rc, out, err = self.kefu("user", "list")
        self.assertEqual([l.split()[1] for l in out.splitlines()[1:]], ["x.y"])

    def test_user_add_checks_login_like_the_api(self):
        for login in ("has space", "中文", "a;b", "ab"):
            rc, out, err = self.kefu("user", "add", login, "--role", "agent",
                                     input="cli-password-1\n")
            self.assertNotEqual(rc, 0, "kefu user add accepted the login %r, which POST "
                                "/api/v1/users refuses (letters, digits . _ @ - only, 3-64)"
                                % login)

    def test_routes_and_unknown_command(self):
        rc, out, err = run_kefu(["routes"])
        self.assertEqual(rc, 0)
        j = json.loads(out)
        self.assertIn({"method": "POST", "path": "/api/v1/session", "permission": "public"},
                      j["routes"])
        rc, out, err = run_kefu(["no-such-command"])
        self.assertNotEqual(rc, 0)
        self.assertIn("no-such-command", err)


if __name__ == "__main__":
    unittest.main()
