"""Every registered route called as every role, from `kefu routes`: roles lacking the
route's permission get 403, roles holding it never get 401/403, public routes work
without login and every other route answers 401 without it. Data-driven: a new route
is covered as soon as it is registered."""
import re
import unittest

from harness import DEMO_USERS, ServerTestCase, kefu_routes

PUBLIC, AUTHENTICATED = "public", "authenticated"


def concrete(path):
    """The route pattern with each {param} replaced by an existing id (1)."""
    return re.sub(r"\{[^}]+\}", "1", path)


def body_for(method):
    return {} if method in ("POST", "PUT", "PATCH") else None


class PermissionMatrix(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = kefu_routes()
        cls.routes = cls.table["routes"]
        cls.roles = cls.table["roles"]

    def allowed(self, role, perm):
        if perm == PUBLIC:
            return True
        if role is None:
            return False
        return perm == AUTHENTICATED or perm in self.roles[role]

    def call(self, client, route):
        body = body_for(route["method"])
        return client.request(route["method"], concrete(route["path"]), json_body=body)

    def test_matrix_is_sane(self):
        self.assertEqual(sorted(self.roles), sorted(DEMO_USERS))
        known = set().union(*self.roles.values()) | {PUBLIC, AUTHENTICATED}
        for r in self.routes:
            self.assertIn(r["permission"], known, "route %s %s needs a permission no role has"
                          % (r["method"], r["path"]))
        self.assertGreater(len(self.routes), 10)
        pairs = [(r["method"], r["path"]) for r in self.routes]
        self.assertEqual(len(pairs), len(set(pairs)), "a route is registered twice")

    def test_roles_endpoint_matches_the_table(self):
        items = self.admin.get("/api/v1/roles").json()["items"]
        self.assertEqual({i["name"]: sorted(i["permissions"]) for i in items},
                         {k: sorted(v) for k, v in self.roles.items()})
        for role in DEMO_USERS:
            c = self.login(role)
            self.assertEqual(sorted(c.get("/api/v1/me").json()["permissions"]),
                             sorted(self.roles[role]), role)

    def run_matrix(self, make_client, label):
        problems = []
        for role in DEMO_USERS:
            c = make_client(role)
            for route in self.routes:
                r = self.call(c, route)
                want_ok = self.allowed(role, route["permission"])
                what = "%s as %s (%s): %s %s [%s] -> %d %s" % (
                    label, role, route["permission"], route["method"], route["path"],
                    concrete(route["path"]), r.status, r.body[:160])
                if r.status >= 500:
                    problems.append("server error: " + what)
                elif want_ok and r.status in (401, 403):
                    problems.append("holder refused: " + what)
                elif not want_ok:
                    if r.status != 403:
                        problems.append("expected 403: " + what)
                    elif r.error.get("code") != "forbidden":
                        problems.append("expected code forbidden: " + what)
                # a route may have ended this credential (e.g. DELETE /api/v1/session)
                if c.get("/api/v1/me").status == 401:
                    c = make_client(role)
        return problems

    def test_every_route_as_every_role_with_session(self):
        def make(role):
            return self.login(role)
        problems = self.run_matrix(make, "cookie")
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_every_route_as_every_role_with_token(self):
        def make(role):
            s = self.login(role)
            t = s.post("/api/v1/me/tokens", {"name": "matrix"})
            self.assertEqual(t.status, 201, t)
            c = self.client()
            c.bearer = t.json()["token"]
            return c
        problems = self.run_matrix(make, "bearer")
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_without_login(self):
        problems = []
        c = self.client()
        for route in self.routes:
            r = self.call(c, route)
            what = "anonymous: %s %s -> %d %s" % (route["method"], route["path"], r.status,
                                                 r.body[:160])
            if r.status >= 500:
                problems.append("server error: " + what)
            elif route["permission"] == PUBLIC:
                if r.status in (401, 403):
                    problems.append("public route refused: " + what)
            elif r.status != 401:
                problems.append("expected 401: " + what)
            elif r.error.get("code") != "unauthorized":
                problems.append("expected code unauthorized: " + what)
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_public_get_routes_answer_200(self):
        for route in self.routes:
            if route["permission"] == PUBLIC and route["method"] == "GET":
                r = self.client().get(concrete(route["path"]))
                self.assertStatus(r, 200, route["path"])


if __name__ == "__main__":
    unittest.main()
