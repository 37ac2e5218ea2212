"""Black-box test harness for `kefu serve` (Python standard library only).

Environment:
  KEFU_BIN               path of the kefu binary (required)
  KEFU_TEST_BACKEND      sqlite (default) or postgres; run.py sets it
  KEFU_TEST_PG_URL_FILE  file holding the PostgreSQL URL (postgres backend)
  KEFU_TEST_KEEP=1       keep the temp directory (databases, server logs) after the run

A `Server` is a real `kefu serve --demo 1` on 127.0.0.1 and a free port, on a
fresh database: a new SQLite file in a temp directory, or the suite's own
PostgreSQL database (see pg_url) with its `public` schema dropped and
recreated. `stop()` sends SIGTERM, waits, and fails unless the exit code is 0
and the server's stderr holds no sanitizer report; a request that finds the
server dead reports the crash (see Server.raise_if_dead).

A `Client` keeps a cookie jar, the CSRF token from the last login, an optional
Bearer token and Accept-Language, and opens a fresh connection per request (so
a connection the server closed never turns into a confusing retry).
"""

import atexit
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest
import urllib.parse

DEMO_PASSWORD = "kefu-demo"
DEMO_USERS = ["admin", "executive", "manager", "supervisor", "agent", "technician", "cashier",
              "resident"]
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                     "UndefinedBehaviorSanitizer", "ThreadSanitizer")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

_TMP_ROOT = None
_LIVE_SERVERS = []


def tmpdir(prefix):
    """A new directory under this run's temp root, removed at exit (kept when
    KEFU_TEST_KEEP=1, to look at a failed run's databases and server logs)."""
    global _TMP_ROOT
    if _TMP_ROOT is None:
        _TMP_ROOT = tempfile.mkdtemp(prefix="kefu-api-tests-")
    return tempfile.mkdtemp(prefix=prefix, dir=_TMP_ROOT)


@atexit.register
def _cleanup():
    for srv in _LIVE_SERVERS:
        if srv.proc is not None and srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait()
    if _TMP_ROOT and os.environ.get("KEFU_TEST_KEEP") != "1":
        shutil.rmtree(_TMP_ROOT, ignore_errors=True)


def kefu_bin():
    path = os.environ.get("KEFU_BIN")
    if not path:
        raise unittest.SkipTest("KEFU_BIN is not set")  # run.py refuses this earlier
    return path


def backend():
    return os.environ.get("KEFU_TEST_BACKEND", "sqlite")


API_DATABASE = "kefu_api"
_PG_URL = None


def pg_url():
    """The URL of this suite's own PostgreSQL database.

    The cluster's URL file names database "kefu", which the unit tests reset while they
    run (possibly at the same time as this suite under `ctest -j`). So the suite works in
    a database of its own, "kefu_api", created once through the cluster's superuser
    "postgres" (tests/pg/cluster.sh uses trust authentication). When that is not possible
    (a cluster of another kind) the given database itself is used."""
    global _PG_URL
    if _PG_URL:
        return _PG_URL
    f = os.environ.get("KEFU_TEST_PG_URL_FILE")
    if not f or not os.path.exists(f):
        raise AssertionError(
            "postgres backend: KEFU_TEST_PG_URL_FILE (%r) does not name a file with the URL; "
            "start a cluster with tests/pg/cluster.sh start DIR" % f)
    with open(f) as fh:
        url = fh.read().strip()
    u = urllib.parse.urlsplit(url)
    owner = u.username or "kefu"
    admin = u._replace(netloc="postgres@%s" % u.netloc.rpartition("@")[2], path="/postgres")
    admin_url = urllib.parse.urlunsplit(admin)

    def psql(sql):
        return subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                               admin_url, "-c", sql], capture_output=True, timeout=60)
    p = psql("SELECT 1 FROM pg_database WHERE datname = '%s'" % API_DATABASE)
    if p.returncode == 0 and p.stdout.strip() != b"1":
        p = psql('CREATE DATABASE %s OWNER "%s"' % (API_DATABASE, owner))
        if p.returncode != 0 and b"already exists" in p.stderr:
            p = psql("SELECT 1")
    if p.returncode != 0:
        _PG_URL = url
    else:
        _PG_URL = urllib.parse.urlunsplit(u._replace(path="/" + API_DATABASE))
    return _PG_URL


def sanitizer_report(text):
    """The first sanitizer line in TEXT, or None."""
    for line in text.splitlines():
        if any(m in line for m in SANITIZER_MARKERS):
            return line
    return None


def child_env(extra=None):
    env = dict(os.environ)
    # Keep the test's own configuration from leaking in from the caller's shell.
    for k in list(env):
        if k.startswith("KEFU_") and k not in ("KEFU_BIN", "KEFU_TEST_BACKEND",
                                               "KEFU_TEST_PG_URL_FILE"):
            del env[k]
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    if extra:
        env.update(extra)
    return env


def default_signals():
    """In the child before exec: SIGINT and SIGTERM at their defaults. A shell starts
    background jobs with SIGINT ignored, and an ignored signal is never seen by sigwait;
    the server is tested as it runs when started from a terminal or a service manager."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_kefu(args, input=None, env=None, timeout=60, check_sanitizer=True):
    """Runs `kefu ARGS…` to completion; fails on any sanitizer report."""
    p = subprocess.run([kefu_bin()] + list(args), input=input, capture_output=True,
                       env=child_env(env), timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if check_sanitizer:
        bad = sanitizer_report(err)
        if bad:
            raise AssertionError("kefu %s: sanitizer report: %s\n--- stderr ---\n%s"
                                 % (" ".join(args), bad, err[-4000:]))
    return p.returncode, out, err


# --------------------------------------------------------------------------- databases

class Database:
    """A fresh database for one server (or one CLI test)."""

    def __init__(self, kind=None):
        self.kind = kind or backend()
        self.tmp = tmpdir("db-")
        if self.kind == "sqlite":
            self.path = os.path.join(self.tmp, "kefu.db")
            self.url = "sqlite:" + self.path
        elif self.kind == "postgres":
            self.url = pg_url()
            self.reset()
        else:
            raise ValueError("unknown backend %r" % self.kind)

    def reset(self):
        if self.kind == "postgres":
            self.psql("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")

    def psql(self, sql):
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            self.url, "-c", sql], capture_output=True, timeout=60)
        if p.returncode != 0:
            raise AssertionError("psql failed: %s" % p.stderr.decode("utf-8", "replace"))
        return p.stdout.decode("utf-8")

    def scalar(self, sql):
        """The first column of the first row of SQL (a query), as text or None."""
        if self.kind == "sqlite":
            con = sqlite3.connect(self.path, timeout=30)
            try:
                row = con.execute(sql).fetchone()
                con.commit()
            finally:
                con.close()
            return None if row is None or row[0] is None else str(row[0])
        out = self.psql(sql).strip().splitlines()
        return out[0] if out else None

    def execute(self, sql):
        if self.kind == "sqlite":
            con = sqlite3.connect(self.path, timeout=30)
            try:
                con.executescript(sql)
                con.commit()
            finally:
                con.close()
        else:
            self.psql(sql)

    def add_project(self, code, name):
        """Inserts a project behind the server's back (there is no project API yet)."""
        now = int(time.time() * 1000)
        sql = ("INSERT INTO projects (code, name, timezone, created_at, updated_at, version)"
               " VALUES ('%s', '%s', 'Asia/Shanghai', %d, %d, 1) RETURNING id"
               % (code, name, now, now))
        return int(self.scalar(sql))


# --------------------------------------------------------------------------- HTTP

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body
        self._json = None

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        if self._json is None:
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except ValueError as e:
                raise AssertionError("response %d is not JSON (%s): %r"
                                     % (self.status, e, self.body[:300]))
        return self._json

    @property
    def error(self):
        j = self.json()
        if not isinstance(j, dict) or "error" not in j:
            raise AssertionError("response %d has no error envelope: %r" % (self.status, j))
        return j["error"]

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.body[:400])


class Client:
    def __init__(self, port, host="127.0.0.1", lang=None, server=None):
        self.host = host
        self.port = port
        self.server = server  # when given, a refused connection checks whether it died
        self.cookies = {}
        self.csrf = None
        self.bearer = None
        self.lang = lang
        self.user = None

    def copy(self):
        c = Client(self.port, self.host, self.lang, self.server)
        c.cookies = dict(self.cookies)
        c.csrf = self.csrf
        c.bearer = self.bearer
        c.user = self.user
        return c

    def _store_cookies(self, resp):
        for sc in resp.header_all("Set-Cookie"):
            first, _, attrs = sc.partition(";")
            name, _, value = first.strip().partition("=")
            max_age = re.search(r"(?i)max-age=(-?\d+)", attrs)
            if not value or (max_age and int(max_age.group(1)) <= 0):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def request(self, method, path, body=None, json_body=None, headers=None, csrf=True,
                query=None, timeout=30, auth=True):
        """Sends one request on a new connection. JSON_BODY is encoded; BODY is sent raw.
        CSRF: send X-CSRF-Token on unsafe methods when a token is known."""
        if query:
            path = path + "?" + urllib.parse.urlencode(query)
        h = {}
        if self.lang:
            h["Accept-Language"] = self.lang
        if auth and self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if auth and self.bearer:
            h["Authorization"] = "Bearer " + self.bearer
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            h["Content-Type"] = "application/json"
        elif isinstance(body, str):
            body = body.encode("utf-8")
            h.setdefault("Content-Type", "application/json")
        if csrf and self.csrf and method not in ("GET", "HEAD", "OPTIONS"):
            h["X-CSRF-Token"] = self.csrf
        if headers:
            for k, v in headers.items():
                if v is None:
                    h.pop(k, None)
                else:
                    h[k] = v
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            resp = Response(r.status, r.reason, r.getheaders(), r.read())
        except (ConnectionError, http.client.HTTPException) as e:
            if self.server is not None:
                self.server.raise_if_dead("%s %s: %r" % (method, path, e))
            raise
        finally:
            conn.close()
        self._store_cookies(resp)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json_body=None, **kw):
        return self.request("POST", path, json_body=json_body, **kw)

    def patch(self, path, json_body=None, **kw):
        return self.request("PATCH", path, json_body=json_body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def login(self, login, password=DEMO_PASSWORD, expect=200):
        r = self.post("/api/v1/session", {"login": login, "password": password})
        if expect is not None and r.status != expect:
            raise AssertionError("login %s: expected %d, got %r" % (login, expect, r))
        if r.status == 200:
            j = r.json()
            self.csrf = j.get("csrf_token")
            self.user = j.get("user")
        return r

    def logout(self):
        r = self.delete("/api/v1/session")
        self.csrf = None
        return r

    @property
    def session(self):
        return self.cookies.get("kefu_session")


# --------------------------------------------------------------------------- the server

class ServerError(AssertionError):
    pass


class Server:
    """A `kefu serve` process. ARGS are extra flags; DEMO seeds the demo data."""

    def __init__(self, args=(), demo=True, env=None, db=None, listen=True, port=None):
        self.args = list(args)
        self.demo = demo
        self.env = env or {}
        self.db = db
        self.listen = listen
        self.port = port
        self.proc = None

    # ---- start/stop
    def start(self, wait=True):
        if self.db is None:
            self.db = Database()
        self.tmp = tmpdir("srv-")
        for attempt in range(5):
            if self.listen:
                self.port = free_port()
            cmd = [kefu_bin(), "serve", "--db", self.db.url]
            if self.listen:
                cmd += ["--listen", "127.0.0.1:%d" % self.port]
            if self.demo:
                cmd += ["--demo", "1"]
            self.files_dir = os.path.join(self.tmp, "files")  # attachments: kept per server
            if not any(a.startswith("--files-dir") for a in self.args):
                cmd += ["--files-dir", self.files_dir]
            cmd += self.args
            self.out_path = os.path.join(self.tmp, "stdout.%d" % attempt)
            self.err_path = os.path.join(self.tmp, "stderr.%d" % attempt)
            with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
                self.proc = subprocess.Popen(cmd, stdout=out, stderr=err,
                                             stdin=subprocess.DEVNULL, env=child_env(self.env),
                                             preexec_fn=default_signals)
            _LIVE_SERVERS.append(self)
            if not wait:
                return self
            try:
                self.wait_ready()
                return self
            except ServerError:
                if self.proc.poll() is not None and self.listen and \
                        "cannot listen" in self.stderr and attempt < 4:
                    continue  # the free port was taken between choosing and binding
                raise
        return self

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise ServerError("kefu serve exited with %s before answering /healthz:\n%s"
                                  % (self.proc.returncode, self.stderr[-4000:]))
            try:
                r = Client(self.port).get("/healthz", timeout=5)
                if r.status == 200:
                    return
            except (ConnectionError, OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        raise ServerError("kefu serve did not answer /healthz within %ds:\n%s"
                          % (timeout, self.stderr[-4000:]))

    @property
    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    @property
    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=30):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise ServerError("kefu serve did not exit within %ds after SIGTERM:\n%s"
                              % (timeout, self.stderr[-4000:]))
        return rc

    def stop(self, check=True):
        """SIGTERM, wait, then check the exit code and the sanitizers' silence."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
        rc = self.wait_exit()
        if check:
            self.check_clean(rc)
        return rc

    def check_clean(self, rc=None):
        rc = self.proc.returncode if rc is None else rc
        err = self.stderr
        bad = sanitizer_report(err)
        if bad:
            raise ServerError("the server reported a sanitizer error: %s\n--- stderr (tail) ---\n%s"
                              % (bad, err[-6000:]))
        if rc != 0:
            raise ServerError("kefu serve exited with %s (expected 0)\n--- stderr (tail) ---\n%s"
                              % (rc, err[-3000:]))

    def raise_if_dead(self, what):
        """Raises a clear error when the server process has died (e.g. crashed)."""
        if self.proc is None:
            return
        try:
            self.proc.wait(0.5)
        except subprocess.TimeoutExpired:
            return
        err = self.stderr
        bad = sanitizer_report(err)
        summary = [l for l in err.splitlines() if "SUMMARY" in l or "#" in l][:12]
        raise ServerError("the server died (exit %s) at %s; %s\n%s"
                          % (self.proc.returncode, what, bad or "no sanitizer line",
                             "\n".join(summary)))

    # ---- conveniences
    def client(self, lang=None):
        return Client(self.port, lang=lang, server=self)

    def login(self, login, password=DEMO_PASSWORD, lang=None):
        c = self.client(lang)
        c.login(login, password)
        return c


class ServerTestCase(unittest.TestCase):
    """One server per test class: SERVER_ARGS are extra `kefu serve` flags."""

    SERVER_ARGS = ()
    SERVER_ENV = None
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.SERVER_ARGS, env=cls.SERVER_ENV)
        cls.addClassCleanup(cls._kill_server)  # runs even when a subclass's setUpClass fails
        cls.server.start()
        cls.db = cls.server.db
        cls._admin = None

    @classmethod
    def _kill_server(cls):
        p = cls.server.proc
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    @property
    def admin(self):
        """A logged-in admin client, shared by the class (re-logged in if it went stale)."""
        cls = type(self)
        if cls._admin is None or cls._admin.get("/api/v1/me").status != 200:
            cls._admin = self.server.login("admin")
        return cls._admin

    def client(self, lang=None):
        return self.server.client(lang)

    def login(self, login, password=DEMO_PASSWORD, lang=None):
        return self.server.login(login, password, lang)

    # ---- assertions
    def assertStatus(self, resp, status, msg=None):
        if resp.status != status:
            self.fail("%sexpected HTTP %d, got %d: %s"
                      % (msg + ": " if msg else "", status, resp.status, resp.body[:600]))

    def assertError(self, resp, status, code, fields=None, msg=None):
        """An error envelope with STATUS and CODE; FIELDS (names) must be in error.fields."""
        self.assertStatus(resp, status, msg)
        ctype = resp.header("Content-Type", "")
        self.assertTrue(ctype.startswith("application/json"),
                        "error content type %r (%s)" % (ctype, msg or ""))
        err = resp.error
        self.assertEqual(err.get("code"), code, "%s: error body %r" % (msg or "", err))
        self.assertIsInstance(err.get("message"), str)
        self.assertTrue(err.get("message"), "empty error message")
        self.assertEqual(err.get("request_id"), resp.header("X-Request-Id"),
                         "error.request_id differs from the X-Request-Id header")
        for f in fields or ():
            self.assertIn(f, err.get("fields") or {},
                          "%s: field %r not named in %r" % (msg or "", f, err))
        return err

    def assertValidation(self, resp, *fields, msg=None):
        return self.assertError(resp, 422, "validation_failed", fields, msg)

    # ---- state snapshots ("nothing changed after a rejected write")
    def audit_head(self):
        """The id of the newest audit entry (0 when empty)."""
        r = self.admin.get("/api/v1/audit", query={"limit": 1})
        self.assertStatus(r, 200)
        items = r.json()["items"]
        return items[0]["id"] if items else 0

    def audit_since(self, head, **filters):
        """Audit entries newer than HEAD, oldest first."""
        q = {"limit": 500}
        q.update(filters)
        r = self.admin.get("/api/v1/audit", query=q)
        self.assertStatus(r, 200)
        return [e for e in reversed(r.json()["items"]) if e["id"] > head]

    def get_user(self, uid):
        r = self.admin.get("/api/v1/users/%d" % uid)
        self.assertStatus(r, 200)
        return r.json()

    def user_id(self, login):
        r = self.admin.get("/api/v1/users", query={"q": login, "limit": 500})
        self.assertStatus(r, 200)
        for u in r.json()["items"]:
            if u["login"] == login:
                return u["id"]
        self.fail("no user %r" % login)

    def create_user(self, login, role="agent", password="password-123", display_name=None,
                    project_ids=(1,), **extra):
        body = {"login": login, "display_name": display_name or ("用户 " + login),
                "role": role, "password": password, "project_ids": list(project_ids)}
        body.update(extra)
        r = self.admin.post("/api/v1/users", body)
        self.assertStatus(r, 201, "create user %s" % login)
        return r.json()


def raw_http(port, data, timeout=10, read_all=True):
    """Sends raw bytes DATA on a new connection and returns what comes back until the
    server closes (or one full response when READ_ALL is False)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            chunks.append(b)
            if not read_all and _complete(b"".join(chunks)):
                break
        return b"".join(chunks)
    finally:
        s.close()


def _complete(buf):
    head, sep, rest = buf.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    return m is not None and len(rest) >= int(m.group(1))


def parse_raw(buf):
    """(status, headers dict lower-cased, body) of the first response in BUF."""
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", len(rest)))
    return status, headers, rest[:n]


_ROUTES = None


def kefu_routes():
    """`kefu routes` as parsed JSON: {"routes": [{method, path, permission}], "roles": {…}}."""
    global _ROUTES
    if _ROUTES is None:
        rc, out, err = run_kefu(["routes"])
        if rc != 0:
            raise AssertionError("kefu routes exited %d: %s" % (rc, err))
        _ROUTES = json.loads(out)
    return _ROUTES
