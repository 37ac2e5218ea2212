"""Bad input of every kind gets the right status and error code, and changes nothing."""
import json
import socket
import unittest

from harness import ServerTestCase, parse_raw, raw_http

MAX_BODY = 4096


class BadInput(ServerTestCase):
    SERVER_ARGS = ("--max-body", str(MAX_BODY))

    def setUp(self):
        self.agent = self.login("agent")
        self.snap = self.snapshot()

    def snapshot(self):
        users = self.admin.get("/api/v1/users", query={"limit": 500}).json()["items"]
        return {"audit": self.audit_head(), "users": users}

    def assertUnchanged(self, msg=None):
        now = self.snapshot()
        self.assertEqual(now["audit"], self.snap["audit"], msg or "the audit log grew")
        self.assertEqual(now["users"], self.snap["users"], msg or "users changed")

    # ---- JSON syntax
    def test_malformed_json_400(self):
        bodies = ['{"display_name": "x"', '{display_name: "x"}', "{'display_name': 'x'}",
                  '{"display_name": "x",}', "", " ", "nul", '{"display_name": "x"} trailing',
                  '{"display_name": "x", "display_name": "y"}']
        for b in bodies:
            r = self.agent.request("PATCH", "/api/v1/me", body=b)
            self.assertError(r, 400, "invalid_json", msg=repr(b))
        r = self.client().request("POST", "/api/v1/session", body='{"login": "agent", "password"')
        self.assertError(r, 400, "invalid_json")
        r = self.admin.request("POST", "/api/v1/users", body='{"login": "x"')
        self.assertError(r, 400, "invalid_json")
        self.assertUnchanged()

    def test_invalid_utf8_and_nul(self):
        for raw in (b'{"display_name": "\xff\xfe"}', b'{"display_name": "a\xc3"}',
                    b'{"display_name": "a\\u0000b"}', b'{"display_name": "\\ud800"}'):
            r = self.agent.request("PATCH", "/api/v1/me", body=raw,
                                   headers={"Content-Type": "application/json"})
            self.assertIn(r.status, (400, 422), "%r: %r" % (raw, r))
            self.assertIn(r.error["code"], ("invalid_json", "validation_failed"))
        self.assertUnchanged()

    def test_json_not_an_object_400(self):
        for b in ("[]", '["display_name"]', '"text"', "42", "null", "true"):
            r = self.agent.request("PATCH", "/api/v1/me", body=b)
            self.assertError(r, 400, "invalid_json", msg=b)
            r = self.admin.request("POST", "/api/v1/users", body=b)
            self.assertError(r, 400, "invalid_json", msg=b)
        self.assertUnchanged()

    def test_wrong_content_type_415(self):
        r = self.agent.request("PATCH", "/api/v1/me", body='{"display_name": "x"}',
                               headers={"Content-Type": "text/plain"})
        self.assertError(r, 415, "unsupported_media_type")
        r = self.agent.request("PATCH", "/api/v1/me", body="display_name=x",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertError(r, 415, "unsupported_media_type")
        self.assertUnchanged()
        # a charset parameter is fine
        r = self.agent.request("PATCH", "/api/v1/me", body='{}',
                               headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertStatus(r, 200)

    # ---- fields
    def test_wrong_and_missing_fields_422(self):
        cases = [
            ("/api/v1/me", "PATCH", {"display_name": 5}, "display_name"),
            ("/api/v1/me", "PATCH", {"display_name": ["a"]}, "display_name"),
            ("/api/v1/me", "PATCH", {"display_name": ""}, "display_name"),
            ("/api/v1/me", "PATCH", {"display_name": "x" * 65}, "display_name"),
            ("/api/v1/me", "PATCH", {"language": "klingon"}, "language"),
            ("/api/v1/me", "PATCH", {"version": "1"}, "version"),
            ("/api/v1/me/password", "POST", {}, "current_password"),
            ("/api/v1/me/tokens", "POST", {}, "name"),
            ("/api/v1/me/tokens", "POST", {"name": {"a": 1}}, "name"),
        ]
        for path, method, body, field in cases:
            r = self.agent.request(method, path, json_body=body)
            err = self.assertValidation(r, field, msg="%s %s %r" % (method, path, body))
            self.assertIsInstance(err["fields"][field], str)
        self.assertUnchanged()

    def test_unknown_fields_422(self):
        r = self.agent.patch("/api/v1/me", {"display_name": "ok", "role": "admin"})
        self.assertValidation(r, "role")
        r = self.agent.patch("/api/v1/me", {"displayName": "camel"})
        self.assertValidation(r, "displayName")
        r = self.client().post("/api/v1/session",
                               {"login": "agent", "password": "kefu-demo", "remember": True})
        self.assertValidation(r, "remember")
        self.assertEqual(self.agent.get("/api/v1/me").json()["user"]["role"], "agent")
        self.assertUnchanged()

    def test_stale_me_version_409(self):
        me = self.agent.get("/api/v1/me").json()["user"]
        r = self.agent.patch("/api/v1/me", {"version": me["version"] + 5, "display_name": "新"})
        self.assertError(r, 409, "version_conflict")
        self.assertUnchanged()

    # ---- routing
    def test_unknown_route_404_envelope(self):
        for path in ("/nope", "/api/v1/nope", "/api/v1/users/1/nope", "/api/v2/me",
                     "/api/v1//users", "/api/v1/me/tokens/1/2/3", "/favicon.ico"):
            for c in (self.client(), self.agent):
                r = c.get(path)
                self.assertError(r, 404, "not_found", msg=path)
                self.assertEqual(set(r.json()), {"error"})
        r = self.agent.post("/api/v1/nope", {"a": 1})
        self.assertError(r, 404, "not_found")
        self.assertUnchanged()

    def test_wrong_method_405(self):
        for method, path in (("PUT", "/api/v1/me"), ("DELETE", "/api/v1/users"),
                             ("POST", "/api/v1/me"), ("PATCH", "/api/v1/session"),
                             ("GET", "/api/v1/users/1/password"), ("POST", "/healthz"),
                             ("DELETE", "/api/v1/users/1")):
            for c in (self.client(), self.agent, self.admin):
                r = c.request(method, path, body="{}")
                self.assertError(r, 405, "method_not_allowed", msg="%s %s" % (method, path))
        self.assertUnchanged()

    def test_405_has_allow_header(self):
        r = self.agent.request("PUT", "/api/v1/me", body="{}")
        self.assertStatus(r, 405)
        allow = r.header("Allow")
        self.assertIsNotNone(allow, "RFC 9110 §15.5.6: a 405 answer must carry an Allow header "
                                    "listing the methods of the resource (here GET, PATCH)")
        self.assertEqual(sorted(m.strip() for m in allow.split(",")), ["GET", "HEAD", "PATCH"])
        r = self.client().request("DELETE", "/api/v1/users/1")
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(sorted(m.strip() for m in r.header("Allow", "").split(",")),
                         ["GET", "HEAD", "PATCH"])

    def test_head_is_get_without_a_body(self):
        for path in ("/healthz", "/", "/api/v1/me"):
            get = self.agent.get(path)
            head = self.agent.request("HEAD", path)
            self.assertEqual(head.status, get.status, path)
            self.assertEqual(head.body, b"", path)
            self.assertEqual(head.header("Content-Type"), get.header("Content-Type"), path)
            self.assertIsNotNone(head.header("X-Request-Id"))

    # ---- size cap
    def _patch_me_body(self, size):
        """A valid PATCH /me body of exactly SIZE bytes (padded with spaces)."""
        core = json.dumps({"display_name": "巨大的请求"}, ensure_ascii=False).encode()
        self.assertLessEqual(len(core), size)
        return core[:-1] + b" " * (size - len(core)) + b"}"

    def test_body_at_cap_is_accepted(self):
        body = self._patch_me_body(MAX_BODY)
        r = self.agent.request("PATCH", "/api/v1/me", body=body,
                               headers={"Content-Type": "application/json"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json()["display_name"], "巨大的请求")
        self.assertStatus(self.agent.patch("/api/v1/me", {"display_name": "张客服"}), 200)

    def test_body_over_cap_with_content_length_413(self):
        body = self._patch_me_body(MAX_BODY + 1)
        r = self.agent.request("PATCH", "/api/v1/me", body=body,
                               headers={"Content-Type": "application/json"})
        self.assertError(r, 413, "payload_too_large")
        big = self._patch_me_body(1 << 20)
        try:
            r = self.agent.request("PATCH", "/api/v1/me", body=big,
                                   headers={"Content-Type": "application/json"})
            self.assertError(r, 413, "payload_too_large")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading a 1 MiB body
        # a declared length over the cap is refused even before any body arrives
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        try:
            s.sendall(b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 99999999\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            self.assertTrue(data.startswith(b"HTTP/1.1 413"), data[:200])
        finally:
            s.close()
        self.assertUnchanged()
        self.assertEqual(self.agent.get("/api/v1/me").json()["user"]["display_name"], "张客服")

    def test_body_over_cap_chunked_413(self):
        body = self._patch_me_body(MAX_BODY * 3)
        chunks = b""
        for i in range(0, len(body), 1000):
            part = body[i:i + 1000]
            chunks += b"%x\r\n%s\r\n" % (len(part), part)
        chunks += b"0\r\n\r\n"
        req = (b"PATCH /api/v1/me HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\nCookie: kefu_session=%s\r\nX-CSRF-Token: %s\r\n\r\n"
               % (self.agent.session.encode(), self.agent.csrf.encode()))
        try:
            out = raw_http(self.server.port, req + chunks, read_all=False)
        except (BrokenPipeError, ConnectionResetError):
            self.fail("the server closed the connection without a 413 answer")
        status, headers, payload = parse_raw(out)
        self.assertEqual(status, 413, out[:300])
        self.assertEqual(json.loads(payload)["error"]["code"], "payload_too_large")
        # a chunked body under the cap works
        small = self._patch_me_body(600)
        req_ok = req + b"%x\r\n%s\r\n0\r\n\r\n" % (len(small), small)
        status, _, payload = parse_raw(raw_http(self.server.port, req_ok, read_all=False))
        self.assertEqual(status, 200, payload)
        self.assertStatus(self.agent.patch("/api/v1/me", {"display_name": "张客服"}), 200)

    def test_server_survives_a_413(self):
        self.test_body_over_cap_chunked_413()
        self.assertStatus(self.client().get("/healthz"), 200)

    def test_oversized_url_and_headers(self):
        for req, status in ((b"GET /healthz?x=" + b"a" * 70000 + b" HTTP/1.1\r\nHost: t\r\n\r\n",
                             414),
                            (b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 70000
                             + b"\r\n\r\n", 431)):
            try:
                out = raw_http(self.server.port, req)
            except (BrokenPipeError, ConnectionResetError):
                out = b""
            if out:
                self.assertEqual(parse_raw(out)[0], status, out[:200])
        self.assertStatus(self.client().get("/healthz"), 200)

    # ---- authentication and permission
    def test_missing_auth_401(self):
        c = self.client()
        for method, path in (("GET", "/api/v1/me"), ("PATCH", "/api/v1/me"),
                             ("POST", "/api/v1/users"), ("GET", "/api/v1/audit"),
                             ("DELETE", "/api/v1/session"), ("GET", "/metrics")):
            r = c.request(method, path, body="{" if method != "GET" else None)
            self.assertError(r, 401, "unauthorized", msg="%s %s" % (method, path))
        self.assertUnchanged()

    def test_role_without_permission_403(self):
        r = self.agent.get("/api/v1/users")
        self.assertError(r, 403, "forbidden")
        r = self.agent.post("/api/v1/users", {"login": "sneaky", "display_name": "x",
                                              "role": "admin", "password": "password-123"})
        self.assertError(r, 403, "forbidden")
        r = self.agent.patch("/api/v1/users/%d" % self.agent.user["id"],
                             {"version": 1, "role": "admin"})
        self.assertError(r, 403, "forbidden")
        # the permission is checked before the body is looked at
        r = self.agent.request("POST", "/api/v1/users", body="{not json")
        self.assertError(r, 403, "forbidden")
        self.assertUnchanged()
        self.assertEqual(self.agent.get("/api/v1/me").json()["user"]["role"], "agent")

    def test_garbage_credentials_401(self):
        for cookie in ("garbage", "", "x" * 40, "x" * 5000, self.agent.session[:-1],
                       self.agent.session + "A"):
            c = self.client()
            c.cookies = {"kefu_session": cookie}
            r = c.get("/api/v1/me")
            self.assertStatus(r, 401, "cookie %r" % cookie[:20])
            self.assertIn(r.error["code"], ("unauthorized", "session_expired"))
            c.csrf = self.agent.csrf
            r = c.patch("/api/v1/me", {"display_name": "x"})
            self.assertStatus(r, 401, "cookie %r" % cookie[:20])
        for token in ("garbage", "kf_garbage", self.agent.session):
            c = self.client()
            c.bearer = token
            self.assertError(c.get("/api/v1/me"), 401, "session_expired", msg=token[:20])
            self.assertError(c.patch("/api/v1/me", {"display_name": "x"}), 401, "session_expired")
        self.assertUnchanged()

    def test_a_bad_bearer_does_not_fall_back_to_the_cookie(self):
        c = self.agent.copy()
        c.bearer = "kf_not_a_token"
        self.assertStatus(c.get("/api/v1/me"), 401)


if __name__ == "__main__":
    unittest.main()
