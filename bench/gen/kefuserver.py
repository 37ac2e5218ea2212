"""What the benchmarks share: the release build, a `kefu serve` to measure, and how they
report (bench/tickets, bench/reports)."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEFU = os.path.join(ROOT, "build", "release", "kefu")
PASSWORD = "kefu-demo"
NAME = "bench"  # the prefix of log lines and errors: the script's name


def log(msg):
    print(NAME + ": " + msg, file=sys.stderr, flush=True)


def die(msg):
    raise SystemExit(NAME + ": " + msg)


def cpu_probe():
    """Milliseconds for a fixed loop on one core: this shared machine's speed
    changes with its host (seen: 0.34 s to 0.63 s for the same loop), so the
    report says how fast it was around the runs."""
    t = time.perf_counter()
    sum(range(10000000))
    return round((time.perf_counter() - t) * 1000)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build():
    log("building the release binary…")
    subprocess.run(["cmake", "--preset", "release"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", "build/release", "-j2", "--target", "kefu"], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)


class Server:
    def __init__(self, db, tmp, demo=True, kefu=None):
        self.log_path = os.path.join(tmp, "server.log")
        for attempt in range(3):
            self.port = free_port()
            self.log = open(self.log_path, "ab")
            self.started = time.monotonic()
            # every connection of a benchmark comes from 127.0.0.1, and the server takes 128
            # an address by default: the paced mix's 128 left no room for one more (such as
            # the closed run's, not yet closed by a server running behind), which it refused
            cmd = [kefu or KEFU, "serve", "--db", db, "--listen", "127.0.0.1:%d" % self.port,
                   "--max-conns-per-ip", "1024", "--log-level", "warn"]
            cmd += ["--demo", "1"] if demo else []
            self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
            for _ in range(600):
                if self.proc.poll() is not None:
                    break
                try:
                    if self.request("GET", "/healthz")[0] == 200:
                        return
                except OSError:
                    pass
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
                die("the server did not answer /healthz within 30 s (see %s)" % self.log_path)
            self.log.close()
            with open(self.log_path, errors="replace") as f:
                text = f.read()
            if "listen" not in text and "in use" not in text:
                die("kefu serve did not start:\n" + text[-2000:])
        die("could not find a free port for kefu serve")

    def request(self, method, path, body=None, headers=None, conn=None):
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            c.request(method, path, body=json.dumps(body) if body is not None else None,
                      headers=headers or {})
            r = c.getresponse()
            return r.status, r.read(), r
        finally:
            if not conn:
                c.close()

    def call(self, method, path, body, headers, want=(200, 201)):
        status, data, _ = self.request(method, path, body, headers)
        if status not in want:
            die("%s %s answered %d: %s" % (method, path, status, data[:300].decode(errors="replace")))
        return json.loads(data) if data else None

    def token(self, login):
        """Logs in as LOGIN and returns headers with a new API token."""
        status, data, r = self.request("POST", "/api/v1/session",
                                       {"login": login, "password": PASSWORD},
                                       {"Content-Type": "application/json"})
        if status != 200:
            die("login as %s answered %d: %s" % (login, status, data[:200]))
        cookie = r.getheader("Set-Cookie").split(";")[0]
        h = {"Content-Type": "application/json", "Cookie": cookie,
             "X-CSRF-Token": json.loads(data)["csrf_token"]}
        tok = self.call("POST", "/api/v1/me/tokens", {"name": "bench"}, h)["token"]
        return {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}

    def cpu_s(self):
        """The server's CPU time so far (user + system), in seconds."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def proc_kb(self, name, field):
        """FIELD ("VmRSS:") of the server's /proc/PID/NAME, in kB (0: not there)."""
        with open("/proc/%d/%s" % (self.proc.pid, name)) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
        return 0

    def thread_ns(self, name):
        """(running, runnable but waiting for a CPU) so far in ns, summed over the server's
        threads named NAME (/proc/PID/task/*/schedstat); None when it has no such thread."""
        base, run, wait, found = "/proc/%d/task" % self.proc.pid, 0, 0, False
        for tid in os.listdir(base):
            try:
                with open("%s/%s/comm" % (base, tid)) as f:
                    if f.read().strip() != name:
                        continue
                with open("%s/%s/schedstat" % (base, tid)) as f:
                    fields = f.read().split()
            except OSError:  # the thread ended meanwhile
                continue
            run, wait, found = run + int(fields[0]), wait + int(fields[1]), True
        return (run, wait) if found else None

    def anon_kb(self):
        """The anonymous part of the RSS (the heap, stacks), without the file pages mapped."""
        return self.proc_kb("smaps_rollup", "Anonymous:")

    def rss_kb(self):
        return self.proc_kb("status", "VmRSS:")

    def metrics(self, headers):
        """GET /metrics: {sample, labels included as written: value}."""
        status, data, _ = self.request("GET", "/metrics", None, headers)
        if status != 200:
            die("/metrics answered %d" % status)
        return {k: float(v) for k, v in (line.rsplit(" ", 1) for line in data.decode().splitlines()
                                         if line and not line.startswith("#"))}

    def metric(self, headers, name):
        return self.metrics(headers).get(name, 0.0)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                die("the server did not stop within 30 s of SIGTERM")
        else:
            rc = self.proc.returncode
        self.log.close()
        if rc != 0:
            with open(self.log_path, errors="replace") as f:
                die("the server exited with %d:\n%s" % (rc, f.read()[-2000:]))
