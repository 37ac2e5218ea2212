"""Connection limits: per-address connection cap and the idle timeout."""
import socket
import time
import unittest

from harness import ServerTestCase, parse_raw

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def read_response(s):
    """One full response from S, or b'' when the server closed or reset the connection."""
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                status, headers, payload = parse_raw(data)
                if len(body) >= int(headers.get("content-length", 0)):
                    return data
    except (ConnectionResetError, BrokenPipeError):
        return data


def exchange(s):
    try:
        s.sendall(REQUEST)
    except (BrokenPipeError, ConnectionResetError):
        return b""
    return read_response(s)


class MaxConnsPerIp(ServerTestCase):
    SERVER_ARGS = ("--max-conns-per-ip", "2")

    def held_connection(self):
        """A connection that has been served once and stays open (keep-alive)."""
        for _ in range(20):
            s = connect(self.server.port)
            if exchange(s).startswith(b"HTTP/1.1 200"):
                return s
            s.close()
            time.sleep(0.1)  # an earlier connection may still be counted for a moment
        self.fail("could not get a served connection at all")

    def test_third_connection_refused(self):
        time.sleep(0.3)
        a = self.held_connection()
        b = self.held_connection()
        try:
            c = connect(self.server.port)
            try:
                got = exchange(c)
                self.assertFalse(got.startswith(b"HTTP/1.1 200"),
                                 "a third connection from one address was served: %r" % got[:80])
            finally:
                c.close()
            # the two held connections still work
            for s in (a, b):
                self.assertTrue(exchange(s).startswith(b"HTTP/1.1 200"))
        finally:
            a.close()
        # one slot free again: a new connection is served
        d = self.held_connection()
        d.close()
        b.close()


class IdleTimeout(ServerTestCase):
    SERVER_ARGS = ("--timeout", "1")

    def wait_closed(self, s, limit=6):
        start = time.time()
        s.settimeout(limit)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
        except ConnectionResetError:
            pass
        except socket.timeout:
            self.fail("the idle connection was still open after %ds" % limit)
        return time.time() - start

    def test_idle_keep_alive_connection_closed(self):
        s = connect(self.server.port)
        try:
            self.assertTrue(exchange(s).startswith(b"HTTP/1.1 200"))
            waited = self.wait_closed(s)
            self.assertGreaterEqual(waited, 0.5, "closed too early for --timeout 1")
            self.assertLessEqual(waited, 3.5, "closed after %.1fs for --timeout 1" % waited)
        finally:
            s.close()

    def test_silent_connection_closed(self):
        s = connect(self.server.port)
        try:
            waited = self.wait_closed(s)
            self.assertLessEqual(waited, 3.5)
        finally:
            s.close()

    def test_slow_but_active_connection_is_served(self):
        s = connect(self.server.port)
        try:
            for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: t\r\n", b"\r\n"):
                time.sleep(0.4)
                s.sendall(piece)
            self.assertTrue(read_response(s).startswith(b"HTTP/1.1 200"))
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
