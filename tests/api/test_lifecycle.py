"""Graceful shutdown, and start-up failures that stop with one clear line."""
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import threading
import time
import unittest

from harness import (DEMO_PASSWORD, Client, Database, Server, backend, free_port, parse_raw,
                     run_kefu, sanitizer_report, tmpdir)


def login_request(login):
    body = json.dumps({"login": login, "password": DEMO_PASSWORD}).encode()
    head = (b"POST /api/v1/session HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    return head, body


def read_all(s):
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                status, headers, payload = parse_raw(data)
                if len(data.partition(b"\r\n\r\n")[2]) >= int(headers.get("content-length", 0)):
                    break
    except (ConnectionResetError, socket.timeout):
        pass
    finally:
        s.close()
    return data


def in_flight(client):
    r = client.get("/metrics")
    m = re.search(r"(?m)^kefu_http_requests_in_flight (\d+)", r.text)
    return int(m.group(1)) if m else -1


class GracefulShutdown(unittest.TestCase):
    def test_sigterm_finishes_in_flight_requests(self):
        """Requests the server has begun (here: logins whose body is still arriving) are
        finished after SIGTERM, including their argon2 hash; new connections are refused."""
        srv = Server().start()
        try:
            port = srv.port
            admin = srv.login("admin")
            logins = ("agent", "cashier", "manager")
            socks = []
            for login in logins:
                head, body = login_request(login)
                s = socket.create_connection(("127.0.0.1", port), timeout=30)
                s.sendall(head + body[:10])
                socks.append((s, body[10:]))
            # wait until the server holds all three (plus the /metrics request asking)
            deadline = time.time() + 20
            while in_flight(admin) < len(logins) + 1:
                self.assertLess(time.time(), deadline, "the requests never got in flight")
                time.sleep(0.02)
            srv.signal(signal.SIGTERM)
            time.sleep(0.2)
            self.assertIsNone(srv.proc.poll(), "the server exited with requests in flight")
            # no new connections while it finishes
            with self.assertRaises(OSError, msg="a new connection was served after SIGTERM"):
                c = socket.create_connection(("127.0.0.1", port), timeout=2)
                try:
                    c.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                    if not c.recv(100):
                        raise ConnectionResetError("closed without an answer")
                finally:
                    c.close()
            for s, rest in socks:
                s.sendall(rest)
            for (s, _), login in zip(socks, logins):
                data = read_all(s)
                self.assertTrue(data, "in-flight login of %s got no answer" % login)
                status, headers, payload = parse_raw(data)
                self.assertEqual(status, 200, "in-flight login %s: %r" % (login, data[:300]))
                self.assertIn("csrf_token", json.loads(payload))
            rc = srv.wait_exit(30)
            srv.check_clean(rc)
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
            self.assertIn("stopping", srv.stderr)
        finally:
            if srv.proc.poll() is None:
                srv.proc.kill()
                srv.proc.wait()

    def test_sigterm_loses_no_acknowledged_ticket(self):
        """Ticket creations racing a SIGTERM (over SQLite their connections wait parked, with
        no thread, while the store commits): each is answered 201 or refused (503, or the
        connection closed), every ticket answered 201 is in the database after the server
        has stopped, and it stops cleanly."""
        db = Database()
        srv = Server(db=db).start()
        created, refused, stop = [], [], threading.Event()

        def creator(n):
            client = Client(srv.port)  # no SERVER: a closed connection is not a crash here
            client.login("agent")
            i = 0
            while not stop.is_set():
                i += 1
                body = {"project_id": 1, "type": "complaint", "channel": "phone",
                        "subject": "停机前的投诉 %d-%d" % (n, i), "caller_phone": "13800138000"}
                try:
                    r = client.post("/api/v1/tickets", body)
                except (OSError, http.client.HTTPException):
                    break  # the server closed the connection: refused, not acknowledged
                if r.status == 201:
                    created.append(r.json()["id"])
                else:
                    refused.append(r.status)
                    if r.status != 503:
                        break
        try:
            threads = [threading.Thread(target=creator, args=(n,)) for n in range(8)]
            for t in threads:
                t.start()
            deadline = time.time() + 30
            while len(created) < 40 and time.time() < deadline:
                time.sleep(0.01)
            srv.signal(signal.SIGTERM)  # the creations in flight now must finish or be refused
            for t in threads:
                t.join(60)
            srv.check_clean(srv.wait_exit(30))
        finally:
            stop.set()
            if srv.proc.poll() is None:
                srv.proc.kill()
                srv.proc.wait()
        self.assertGreaterEqual(len(created), 40, "too few creations before the stop")
        self.assertEqual([s for s in refused if s != 503], [], "answers other than 201 or 503")
        ids = ",".join(str(i) for i in created)
        self.assertEqual(int(db.scalar("SELECT COUNT(*) FROM tickets WHERE id IN (%s)" % ids)),
                         len(created), "a ticket answered 201 is missing after the stop")

    def test_client_gone_before_the_answer(self):
        """Clients that send a ticket and hang up at once, while its write commits: the
        server goes on serving, and when it stops the sanitizers find nothing it held for
        those answers left unfreed."""
        db = Database()
        srv = Server(db=db).start()
        try:
            agent = Client(srv.port)
            agent.login("agent")
            cookie = "; ".join("%s=%s" % kv for kv in agent.cookies.items())
            for i in range(40):
                body = json.dumps({"project_id": 1, "type": "complaint", "channel": "phone",
                                   "subject": "挂断的来电 %d" % i,
                                   "caller_phone": "13800138000"}, ensure_ascii=False).encode()
                head = ("POST /api/v1/tickets HTTP/1.1\r\nHost: t\r\n"
                        "Content-Type: application/json\r\nCookie: %s\r\nX-CSRF-Token: %s\r\n"
                        "Content-Length: %d\r\n\r\n" % (cookie, agent.csrf, len(body))).encode()
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                s.sendall(head + body)
                s.close()
            deadline = time.time() + 20
            while int(db.scalar("SELECT COUNT(*) FROM tickets WHERE subject LIKE '挂断的来电%'")) \
                    < 40 and time.time() < deadline:
                time.sleep(0.05)
            made = int(db.scalar("SELECT COUNT(*) FROM tickets WHERE subject LIKE '挂断的来电%'"))
            self.assertEqual(made, 40, "a request received whole is done, the caller gone or not")
            r = agent.get("/api/v1/tickets", query={"q": "挂断的来电"})
            self.assertEqual(r.status, 200)
        finally:
            srv.stop()

    def test_sigterm_right_after_start(self):
        """A SIGTERM as soon as the server answers (a quick restart by a service manager)
        must stop it cleanly as well, not kill it."""
        outcomes = []
        for _ in range(4):
            srv = Server(demo=False).start(wait=False)
            deadline = time.time() + 60
            while time.time() < deadline and srv.proc.poll() is None:
                try:
                    if Client(srv.port).get("/healthz", timeout=5).status == 200:
                        break
                except OSError:
                    time.sleep(0.001)
            srv.signal(signal.SIGTERM)
            rc = srv.wait_exit(30)
            outcomes.append(rc)
            bad = sanitizer_report(srv.stderr)
            self.assertIsNone(bad, bad)
        self.assertEqual(outcomes, [0] * 4,
                         "exit statuses of kefu serve after a SIGTERM sent right after /healthz "
                         "answered (-15: killed by the signal, no graceful shutdown; a thread "
                         "started before the signals were blocked took it)")

    def test_sigint_stops_cleanly(self):
        srv = Server().start()
        srv.signal(signal.SIGINT)
        srv.check_clean(srv.wait_exit(30))

    def test_idle_keep_alive_connection_does_not_delay_stop(self):
        srv = Server().start()
        held = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        try:
            held.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            self.assertTrue(held.recv(65536).startswith(b"HTTP/1.1 200"))
            start = time.time()   # the connection stays open, idle
            srv.stop()
            self.assertLess(time.time() - start, 5, "an idle keep-alive connection held up "
                            "the shutdown")
        finally:
            held.close()

    def test_data_survives_restart(self):
        srv = Server().start()
        admin = srv.login("admin")
        r = admin.post("/api/v1/users", {"login": "durable", "display_name": "持久",
                                         "role": "agent", "password": "password-123"})
        self.assertEqual(r.status, 201)
        srv.stop()
        again = Server(db=srv.db).start()   # same database, not reset
        try:
            again.login("durable", "password-123")
        finally:
            again.stop()


class StartupFailures(unittest.TestCase):
    def assertOneLine(self, args, *needles, env=None):
        rc, out, err = run_kefu(["serve", "--listen", "127.0.0.1:%d" % free_port()] + list(args),
                                env=env, timeout=60)
        lines = [l for l in err.splitlines() if l.strip()]
        what = "kefu serve %s" % " ".join(args)
        self.assertNotEqual(rc, 0, "%s exited 0" % what)
        self.assertEqual(len(lines), 1, "%s: expected one line on stderr, got:\n%s" % (what, err))
        line = lines[0]
        self.assertTrue(line.startswith("kefu: "), line)
        for n in needles:
            self.assertIn(n.lower(), line.lower(), "%s: the line does not name %r" % (what, n))
        return line

    def test_database_newer_than_the_binary(self):
        """A database a newer kefu migrated (schema version 99 here) is refused by serve and by
        migrate, with one line naming both versions, and left as it was."""
        db = Database()
        try:
            rc, out, err = run_kefu(["migrate", "--db", db.url], timeout=60)
            self.assertEqual(rc, 0, err)
            known = db.scalar("SELECT MAX(version) FROM schema_migrations")
            db.execute("INSERT INTO schema_migrations (version, name, applied_at)"
                       " VALUES (99, '0099_future.sql', 0)")
            self.assertOneLine(["--db", db.url], "version 99", "(%s)" % known)
            rc, out, err = run_kefu(["migrate", "--db", db.url], timeout=60)
            self.assertNotEqual(rc, 0, out)
            self.assertIn("newer", err)
            self.assertEqual(db.scalar("SELECT MAX(version) FROM schema_migrations"), "99")
        finally:
            db.reset()

    def test_unwritable_sqlite_path(self):
        self.assertOneLine(["--db", "sqlite:/proc/forbidden/x.db"], "/proc/forbidden")

    def test_file_that_is_not_a_database(self):
        d = tmpdir("t-")
        path = os.path.join(d, "garbage.db")
        with open(path, "wb") as f:
            f.write(os.urandom(8192))
        before = open(path, "rb").read()
        self.assertOneLine(["--db", "sqlite:" + path], path, "not a database")
        self.assertEqual(open(path, "rb").read(), before, "the garbage file was modified")

    def test_unreachable_postgres(self):
        start = time.time()
        self.assertOneLine(["--db", "postgres://kefu@127.0.0.1:1/kefu"], "127.0.0.1")
        self.assertLess(time.time() - start, 30)

    def test_bad_database_url(self):
        self.assertOneLine(["--db", "mysql://x"], "mysql://x")

    def test_unknown_flag(self):
        self.assertOneLine(["--bogus-flag", "1"], "--bogus-flag")

    def test_bad_number(self):
        self.assertOneLine(["--max-body", "lots"], "max-body")
        self.assertOneLine(["--timeout", "0"], "timeout")
        self.assertOneLine([], "KEFU_THREADS", env={"KEFU_THREADS": "-4"})

    def test_port_in_use(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        try:
            db = tmpdir("t-")
            rc, out, err = run_kefu(["serve", "--listen", "127.0.0.1:%d" % port, "--db",
                                     "sqlite:%s/kefu.db" % db])
            self.assertNotEqual(rc, 0)
            errors = [l for l in err.splitlines() if l.startswith("kefu:")]
            self.assertEqual(len(errors), 1, err)
            self.assertIn(str(port), errors[0])
        finally:
            s.close()

    def test_database_that_cannot_be_migrated(self):
        """A table in the way makes the first migration fail: one line naming the cause,
        and nothing of the failed migration is left behind."""
        if backend() == "sqlite":
            d = tmpdir("t-")
            path = os.path.join(d, "kefu.db")
            con = sqlite3.connect(path)
            con.execute("CREATE TABLE users (something_else TEXT)")
            con.commit()
            con.close()
            url = "sqlite:" + path
        else:
            db = Database("postgres")
            db.execute("CREATE TABLE users (something_else TEXT)")
            url = db.url
        try:
            self.assertOneLine(["--db", url], "users")
            if backend() == "sqlite":
                con = sqlite3.connect(path)
                names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
                con.close()
            else:
                names = set(db.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                            .split())
            self.assertNotIn("projects", names,
                             "the failed migration left part of its tables behind")
        finally:
            if backend() == "postgres":
                db.reset()


if __name__ == "__main__":
    unittest.main()
