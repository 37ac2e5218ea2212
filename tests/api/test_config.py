"""Configuration: flag > KEFU_* environment > --config file; `kefu serve --help`."""
import os
import re
import socket
import time
import unittest

from harness import Client, Database, Server, backend, free_port, run_kefu, tmpdir

# Every option of `kefu serve` (src/core/config.c). A new option must be documented
# in --help with its KEFU_ variable; the test below finds options missing from this list too.
EXPECTED_OPTIONS = ["listen", "db", "key-file", "config", "max-body", "max-import", "max-conns", "max-conns-per-ip",
                    "timeout", "threads", "db-pool", "statement-timeout", "session-ttl",
                    "login-max-failures-account", "login-max-failures-ip", "login-window",
                    "cookie-secure", "demo", "log-level", "test-clock"]


def env_name(flag):
    return "KEFU_" + flag.upper().replace("-", "_")


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except OSError:
        return True


class Precedence(unittest.TestCase):
    def setUp(self):
        self.a, self.b, self.c = free_port(), free_port(), free_port()
        while len({self.a, self.b, self.c}) < 3:
            self.c = free_port()
        d = tmpdir("t-")
        self.conf = os.path.join(d, "kefu.conf")
        with open(self.conf, "w") as f:
            f.write("# kefu test configuration\n\nlisten = 127.0.0.1:%d\nlog-level = info\n"
                    % self.a)

    def serve_on(self, expected, args=(), env=None):
        srv = Server(args=args, env=env, listen=False, port=expected).start()
        try:
            r = Client(expected).get("/healthz")
            self.assertEqual(r.status, 200)
            # the server accepts before it prints its banner: wait for the line
            deadline = time.time() + 5
            while not srv.stdout.strip() and time.time() < deadline:
                time.sleep(0.02)
            self.assertIn(":%d" % expected, srv.stdout.splitlines()[0])
            for other in {self.a, self.b, self.c} - {expected}:
                self.assertTrue(refused(other), "also listening on %d" % other)
        finally:
            srv.stop()

    def test_flag_beats_env_beats_file(self):
        self.serve_on(self.c, ["--config", self.conf, "--listen", "127.0.0.1:%d" % self.c],
                      {"KEFU_LISTEN": "127.0.0.1:%d" % self.b})

    def test_env_beats_file(self):
        self.serve_on(self.b, ["--config", self.conf], {"KEFU_LISTEN": "127.0.0.1:%d" % self.b})

    def test_file_alone(self):
        self.serve_on(self.a, ["--config", self.conf])

    def test_config_file_from_environment(self):
        self.serve_on(self.a, [], {"KEFU_CONFIG": self.conf})

    def test_flag_order_does_not_matter(self):
        # the file is read first even when --config comes after the flag
        self.serve_on(self.c, ["--listen", "127.0.0.1:%d" % self.c, "--config", self.conf])

    def test_bad_config_file(self):
        with open(self.conf, "a") as f:
            f.write("no-such-option = 3\n")
        rc, out, err = run_kefu(["serve", "--config", self.conf])
        self.assertNotEqual(rc, 0)
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, err)
        self.assertIn(self.conf + ":5", lines[0])
        self.assertIn("no-such-option", lines[0])
        rc, out, err = run_kefu(["serve", "--config", self.conf + ".missing"])
        self.assertNotEqual(rc, 0)
        self.assertIn(".missing", err)


class Help(unittest.TestCase):
    def test_serve_help_lists_every_option_and_variable(self):
        rc, out, err = run_kefu(["serve", "--help"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(err.strip(), "")
        flags = re.findall(r"(?m)^\s*--([a-z][a-z0-9-]*)\s+(KEFU_[A-Z0-9_]+)\s*$", out)
        documented = {f: e for f, e in flags}
        self.assertTrue(documented, "no '--flag KEFU_VAR' lines in:\n" + out)
        for flag, env in documented.items():
            self.assertEqual(env, env_name(flag))
        missing = [f for f in EXPECTED_OPTIONS if f not in documented]
        self.assertEqual(missing, [], "options missing from kefu serve --help")
        # every option has a line of help text after it
        for flag in documented:
            m = re.search(r"(?m)^\s*--%s\s+\S+\s*\n\s+(\S.*)$" % re.escape(flag), out)
            self.assertTrue(m and len(m.group(1)) > 10, "no description for --" + flag)
        # and it says which source wins
        self.assertRegex(out.lower(), r"environment")
        self.assertRegex(out.lower(), r"file")

    def test_every_documented_option_is_accepted(self):
        """Each documented option parses, as a flag and as an environment variable."""
        rc, out, err = run_kefu(["serve", "--help"])
        values = {"listen": "127.0.0.1:1", "db": "sqlite:/tmp/x.db", "log-level": "warn",
                  "cookie-secure": "1", "demo": "0", "test-clock": "0", "max-body": "4096", "max-import": "4096",
                  "statement-timeout": "2000", "session-ttl": "60"}
        flags = [f for f in re.findall(r"(?m)^\s*--([a-z][a-z0-9-]*)\s+KEFU_", out)
                 if f != "config"]
        self.assertGreaterEqual(len(flags), len(EXPECTED_OPTIONS) - 1)
        # (values are checked even with --help: a bad one fails)
        rc, o, e = run_kefu(["serve", "--max-body", "lots", "--help"])
        self.assertNotEqual(rc, 0)
        args, env = ["serve"], {}
        for flag in flags:
            args += ["--" + flag, values.get(flag, "8")]
            env[env_name(flag)] = values.get(flag, "8")
        rc, o, e = run_kefu(args + ["--help"])
        self.assertEqual(rc, 0, "flags %s: %s" % (" ".join(args[1:]), e))
        rc, o, e = run_kefu(["serve", "--help"], env=env)
        self.assertEqual(rc, 0, "environment %r: %s" % (env, e))


@unittest.skipUnless(backend() == "postgres", "the pool of PostgreSQL connections")
class PostgresPool(unittest.TestCase):
    """Each PostgreSQL connection is a server process: by default the pool is threads + 2 but
    at most 16 (34 on the 32 default threads made the mix 20-45 % slower on two cores)."""

    def connections(self, args):
        """How many connections `kefu serve ARGS` holds open to its database."""
        db = Database()
        count = ("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'kefu'"
                 " AND datname = current_database()")
        before = int(db.scalar(count))
        srv = Server(args=args, db=db).start()
        try:
            return int(db.scalar(count)) - before
        finally:
            srv.stop()

    def test_at_most_16_by_default(self):
        default = self.connections([])
        self.assertEqual(default, self.connections(["--db-pool", "16"]))
        self.assertEqual(self.connections(["--db-pool", "40"]), default + 24)
        # fewer threads than the cap: threads + 2
        self.assertEqual(self.connections(["--threads", "4"]), default - 10)


if __name__ == "__main__":
    unittest.main()
