"""Security headers, request ids, the index page, /healthz, /metrics, keep-alive."""
import http.client
import json
import re
import time
import unittest

from harness import DEMO_PASSWORD, DEMO_USERS, ServerTestCase, backend, run_kefu

# labels may hold braces inside their quoted values (route="/api/v1/tickets/{id}")
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?'
                    r' (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$')


def parse_metrics(text):
    """{(name, frozenset(labels)): value} of a Prometheus text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError("not a Prometheus sample line: %r" % line)
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def sample(metrics, name, **labels):
    return metrics.get((name, frozenset(labels.items())), 0.0)


class Headers(ServerTestCase):
    def _responses(self):
        c = self.login("agent")
        tok = c.post("/api/v1/me/tokens", {"name": "h"}).json()
        return {
            "html": self.client().get("/"),
            "json 200": c.get("/api/v1/me"),
            "json 201": c.post("/api/v1/me/tokens", {"name": "h2"}),
            "204": c.delete("/api/v1/me/tokens/%d" % tok["id"]),
            "yaml": self.client().get("/api/v1/openapi.yaml"),
            "metrics": self.admin.get("/metrics"),
            "400": c.request("PATCH", "/api/v1/me", body="{"),
            "401": self.client().get("/api/v1/me"),
            "403": c.get("/api/v1/audit"),
            "404": self.client().get("/nope"),
            "405": self.client().request("PUT", "/healthz"),
            "422": c.patch("/api/v1/me", {"x": 1}),
        }

    def test_security_headers_everywhere(self):
        for what, r in self._responses().items():
            csp = r.header("Content-Security-Policy")
            self.assertIsNotNone(csp, what)
            self.assertIn("default-src 'self'", csp, what)
            self.assertIn("frame-ancestors 'none'", csp, what)
            self.assertEqual(r.header("X-Content-Type-Options"), "nosniff", what)
            self.assertIn(r.header("X-Frame-Options"), ("DENY", "SAMEORIGIN"), what)
            self.assertRegex(r.header("X-Request-Id") or "", r"^[A-Za-z0-9_-]{8,64}$", what)
            if r.status >= 400:
                self.assertEqual(r.error["request_id"], r.header("X-Request-Id"), what)
            if r.status != 204:
                self.assertIsNotNone(r.header("Content-Type"), what)

    def test_api_answers_are_not_cached(self):
        for what, r in self._responses().items():
            if what in ("html", "yaml"):
                continue
            self.assertIn("no-store", r.header("Cache-Control", ""), what)

    def test_request_ids_are_unique(self):
        ids = {self.client().get("/healthz").header("X-Request-Id") for _ in range(20)}
        self.assertEqual(len(ids), 20)

    def test_client_request_id_echoed(self):
        for rid in ("abc-123_XYZ", "0123456789abcdef0123456789abcdef0123"):
            r = self.client().get("/nope", headers={"X-Request-Id": rid})
            self.assertEqual(r.header("X-Request-Id"), rid)
            self.assertEqual(r.error["request_id"], rid)
            self.assertEqual(self.client().get("/healthz", headers={"X-Request-Id": rid})
                             .header("X-Request-Id"), rid)

    def test_garbage_request_id_replaced(self):
        for rid in ("has space", "semi;colon", "x" * 37, "quote\"", "<script>", "a/b", "é"):
            r = self.client().get("/nope", headers={"X-Request-Id": rid.encode("utf-8")})
            got = r.header("X-Request-Id")
            self.assertNotEqual(got, rid)
            self.assertRegex(got, r"^[A-Za-z0-9_-]{8,36}$", rid)
            self.assertEqual(r.error["request_id"], got)

    def log_lines(self, needle, count):
        """The server's log lines holding NEEDLE, once COUNT of them are there (the line
        is written when the request completes, just after the answer was sent)."""
        deadline = time.time() + 3
        while True:
            lines = [l for l in self.server.stderr.splitlines() if needle in l + " "]
            if len(lines) >= count or time.time() > deadline:
                return lines
            time.sleep(0.02)

    def test_request_id_in_server_log(self):
        self.client().get("/nope", headers={"X-Request-Id": "find-me-in-the-log"})
        lines = self.log_lines("find-me-in-the-log", 1)
        self.assertEqual(len(lines), 1, lines)
        line = lines[0]
        for part in ("msg=request", "id=find-me-in-the-log", "method=GET", "path=/nope",
                     "status=404", "ip=127.0.0.1"):
            self.assertIn(part, line)
        self.assertRegex(line, r"\bdur_ms=[0-9.]+")
        self.assertRegex(line, r"^ts=\S+ level=\w+ ")

    def test_one_log_line_per_request(self):
        rid = "count-me"
        c = self.login("agent")
        for _ in range(3):
            c.get("/api/v1/me", headers={"X-Request-Id": rid})
        lines = self.log_lines("id=%s " % rid, 3)
        self.assertEqual(len(lines), 3, lines)
        self.assertTrue(all("user=%d" % c.user["id"] in l for l in lines), lines)

    def test_no_secrets_in_log(self):
        c = self.login("agent")
        self.assertNotIn(DEMO_PASSWORD, self.server.stderr)
        self.assertNotIn(c.session, self.server.stderr)
        self.assertNotIn(c.csrf, self.server.stderr)


class Pages(ServerTestCase):
    def test_index_page(self):
        r = self.client().get("/")
        self.assertStatus(r, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/html"), r.header("Content-Type"))
        rc, out, _ = run_kefu(["version"])
        version = out.split()[1]  # "kefu VERSION", then the allocator of a release build
        html = r.text
        self.assertIn(version, html)
        self.assertIn(DEMO_PASSWORD, html)
        for login in DEMO_USERS:
            self.assertRegex(html, r">%s<" % re.escape(login))
        self.assertRegex(html, r'<a href="/api/v1/openapi.yaml"')
        self.assertIn("<!doctype html>", html.lower())
        self.assertIn('charset="utf-8"', html.lower())

    def test_healthz(self):
        r = self.client().get("/healthz")
        self.assertStatus(r, 200)
        self.assertTrue(r.header("Content-Type").startswith("application/json"))
        j = r.json()
        self.assertEqual(j["status"], "ok")
        self.assertEqual(j["db"], "ok")
        self.assertEqual(j["backend"], backend())
        self.assertRegex(j["version"], r"^\d+\.\d+\.\d+")

    def test_keep_alive(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            sock = None
            for i, path in enumerate(["/healthz", "/api/v1/me", "/nope", "/healthz", "/"] * 2):
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                self.assertFalse(r.will_close, "request %d (%s) closed the connection" % (i, path))
                if sock is None:
                    sock = conn.sock
                self.assertIs(conn.sock, sock, "a new connection was opened for request %d" % i)
            # a POST and an error answer keep it too
            body = json.dumps({"login": "agent", "password": DEMO_PASSWORD})
            conn.request("POST", "/api/v1/session", body=body,
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
            self.assertFalse(r.will_close)
            conn.request("POST", "/api/v1/session", body="{",
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 400)
            self.assertFalse(r.will_close)
            self.assertIs(conn.sock, sock)
        finally:
            conn.close()


class Metrics(ServerTestCase):
    def test_permission(self):
        self.assertError(self.client().get("/metrics"), 401, "unauthorized")
        for login in ("manager", "agent", "resident"):
            self.assertError(self.login(login).get("/metrics"), 403, "forbidden", msg=login)

    def test_prometheus_text(self):
        c = self.login("agent")
        admin = self.admin  # (the property itself checks the session with GET /api/v1/me)
        before = parse_metrics(admin.get("/metrics").text)
        for _ in range(3):
            self.assertStatus(c.get("/api/v1/me"), 200)
        self.client().get("/api/v1/me")          # 401
        self.client().get("/no/such/route")      # 404, unmatched
        self.assertStatus(c.patch("/api/v1/me", {"display_name": "度量"}), 200)  # a write
        me = {"method": "GET", "route": "/api/v1/me"}
        # a request is counted when it completes, just after its answer was sent: poll
        deadline = time.time() + 3
        while True:
            r = admin.get("/metrics")
            self.assertStatus(r, 200)
            text = r.text
            m = parse_metrics(text)
            if (sample(m, "kefu_http_requests_total", status="200", **me)
                    - sample(before, "kefu_http_requests_total", status="200", **me) >= 3
                    and sample(m, "kefu_http_requests_total", status="200", method="PATCH",
                               route="/api/v1/me") >= 1) or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"), r.header("Content-Type"))
        self.assertEqual(sample(m, "kefu_http_requests_total", status="200", **me)
                         - sample(before, "kefu_http_requests_total", status="200", **me), 3)
        self.assertGreaterEqual(sample(m, "kefu_http_requests_total", status="401", **me), 1)
        self.assertGreaterEqual(sample(m, "kefu_http_requests_total", status="200",
                                       method="PATCH", route="/api/v1/me"), 1)
        unmatched = [k for k in m if k[0] == "kefu_http_requests_total"
                     and ("status", "404") in k[1] and ("route", "/api/v1/me") not in k[1]]
        self.assertTrue(unmatched, "404s of unknown paths are not counted")
        # the raw path of an unknown route must not become a label (unbounded cardinality)
        self.assertNotIn("/no/such/route", text)
        for name in ("kefu_http_requests_total", "kefu_http_request_duration_seconds",
                     "kefu_db_commit_batch_size"):
            self.assertRegex(text, r"(?m)^# TYPE %s (counter|histogram)$" % name)
            self.assertRegex(text, r"(?m)^# HELP %s \S" % name)
        # the latency histogram for GET /api/v1/me: cumulative buckets, +Inf == count
        buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in m.items()
                          if k[0] == "kefu_http_request_duration_seconds_bucket"
                          and dict(k[1]).get("route") == "/api/v1/me"
                          and dict(k[1]).get("method") == "GET"), key=lambda b: b[0])
        self.assertGreater(len(buckets), 3)
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts), "histogram buckets must be cumulative")
        self.assertEqual(buckets[-1][0], float("inf"))
        total = sample(m, "kefu_http_request_duration_seconds_count", **me)
        self.assertEqual(buckets[-1][1], total)
        self.assertGreaterEqual(total, 4)
        self.assertGreater(sample(m, "kefu_http_request_duration_seconds_sum", **me), 0)
        # the commit batches: a histogram with at least the write above
        batch = {dict(k[1])["le"]: v for k, v in m.items()
                 if k[0] == "kefu_db_commit_batch_size_bucket"}
        self.assertIn("+Inf", batch)
        self.assertIn("1", batch)
        self.assertEqual(batch["+Inf"], m[("kefu_db_commit_batch_size_count", frozenset())])
        self.assertGreaterEqual(batch["+Inf"], 1)
        self.assertGreaterEqual(m[("kefu_db_commit_batch_size_sum", frozenset())], batch["+Inf"])
        self.assertGreater(batch["+Inf"], before.get(("kefu_db_commit_batch_size_count",
                                                      frozenset()), 0))
        # the log syncs each acknowledged write waited for (SQLite; none on PostgreSQL)
        self.assertRegex(text, r"(?m)^# TYPE kefu_db_log_sync_seconds histogram$")
        syncs = sorted(((float(dict(k[1])["le"]), v) for k, v in m.items()
                        if k[0] == "kefu_db_log_sync_seconds_bucket"), key=lambda b: b[0])
        self.assertEqual([le for le, _ in syncs],
                         [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, float("inf")])
        counts = [v for _, v in syncs]
        self.assertEqual(counts, sorted(counts), "histogram buckets must be cumulative")
        count = m[("kefu_db_log_sync_seconds_count", frozenset())]
        self.assertEqual(syncs[-1][1], count)
        self.assertEqual(count, m[("kefu_db_log_syncs_total", frozenset())])
        if backend() == "sqlite":
            self.assertGreater(count, before.get(("kefu_db_log_sync_seconds_count", frozenset()), 0))
            self.assertGreater(m[("kefu_db_log_sync_seconds_sum", frozenset())], 0)
        else:
            self.assertEqual(count, 0)

    def test_where_a_write_waited(self):
        """Each write shows where it waited: for a worker (HTTP), then on SQLite in the writer's
        queue, in its batch and for the log's sync, as histograms of the same bounds as the
        syncs'; on PostgreSQL the store's stages stay empty."""
        admin, c = self.admin, self.login("agent")

        def metrics():
            r = admin.get("/metrics")
            self.assertStatus(r, 200)
            return parse_metrics(r.text)

        def stage(m, name, **labels):
            got = sorted(((float(dict(k[1])["le"]), v) for k, v in m.items()
                          if k[0] == name + "_bucket"
                          and {a: b for a, b in k[1] if a != "le"} == labels), key=lambda b: b[0])
            self.assertEqual([le for le, _ in got],
                             [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, float("inf")], name)
            counts = [v for _, v in got]
            self.assertEqual(counts, sorted(counts), "histogram buckets must be cumulative")
            key = frozenset(labels.items())
            self.assertEqual(counts[-1], m[(name + "_count", key)])
            return counts[-1], m[(name + "_sum", key)]

        before = metrics()
        for i in range(5):
            self.assertStatus(c.patch("/api/v1/me", {"display_name": "等待%d" % i}), 200)
        after = metrics()
        n0, _ = stage(before, "kefu_http_worker_wait_seconds")
        n1, waited = stage(after, "kefu_http_worker_wait_seconds")
        self.assertGreaterEqual(n1 - n0, 5, "every write ran on a worker")
        for name in ("queue", "batch", "sync"):
            n0, s0 = stage(before, "kefu_db_write_wait_seconds", stage=name)
            n1, s1 = stage(after, "kefu_db_write_wait_seconds", stage=name)
            if backend() == "sqlite":
                self.assertGreaterEqual(n1 - n0, 5, name)
                self.assertGreaterEqual(s1, s0, name)
            else:
                self.assertEqual((n1, s1), (0, 0), name)
        if backend() == "sqlite":  # a durable write waited for a sync of the log
            self.assertGreater(stage(after, "kefu_db_write_wait_seconds", stage="sync")[1], 0)

    def test_writer_gives_its_page_cache_back_when_idle(self):
        """A busy spell fills the writer's page cache (up to 256 MB); a second without writes
        gives it back, so a server that was busy does not keep the memory while idle."""
        admin, c = self.admin, self.login("agent")

        def writer_cache():
            r = admin.get("/metrics")
            self.assertStatus(r, 200)
            return parse_metrics(r.text)[("kefu_db_page_cache_bytes",
                                          frozenset({("connection", "writer")}))]

        for i in range(20):
            self.assertStatus(c.patch("/api/v1/me", {"display_name": "缓存%d" % i}), 200)
        if backend() != "sqlite":  # the gauge is SQLite's
            self.assertEqual(writer_cache(), 0)
            return
        busy = writer_cache()
        self.assertGreater(busy, 64 * 1024, "the writes went through the writer's cache")
        deadline = time.time() + 10
        idle = busy
        while idle > 64 * 1024 and time.time() < deadline:
            time.sleep(0.2)
            idle = writer_cache()
        self.assertLess(idle, 64 * 1024, "idle, the writer still holds %d bytes" % idle)
        # and the next write still works, reading its pages again
        self.assertStatus(c.patch("/api/v1/me", {"display_name": "缓存后"}), 200)
        self.assertEqual(c.get("/api/v1/me").json()["user"]["display_name"], "缓存后")


if __name__ == "__main__":
    unittest.main()
