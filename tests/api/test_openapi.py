"""docs/openapi.yaml describes every registered route, and the server serves it.

`python3 test_openapi.py RoutesDocumented` needs no server (ctest api_routes_documented)."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import REPO, ServerTestCase, kefu_routes  # noqa: E402

OPENAPI = os.path.join(REPO, "docs", "openapi.yaml")
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def documented_operations(text):
    """{(METHOD, path)} under `paths:`: path keys at 2 spaces, methods at 4 (no YAML library)."""
    ops = set()
    in_paths = False
    path = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:
            in_paths = line.startswith("paths:")
            path = None
            continue
        if not in_paths:
            continue
        m = re.match(r"""^  (['"]?)(/[^'"]*)\1\s*:\s*(\{\}\s*)?$""", line)
        if indent == 2 and m:
            path = m.group(2)
            continue
        if indent == 2:
            path = None
            continue
        m = re.match(r"^    ([a-z]+)\s*:", line)
        if indent == 4 and m and path and m.group(1) in METHODS:
            ops.add((m.group(1).upper(), path))
    return ops


def read_spec():
    with open(OPENAPI, encoding="utf-8") as f:
        return f.read()


class RoutesDocumented(unittest.TestCase):
    def test_parser(self):
        sample = ("openapi: 3.0.3\npaths:\n  /a:\n    get:\n      summary: x\n"
                  "    parameters: []\n  '/b/{id}':\n    patch:\n      responses: {}\n"
                  "components:\n  schemas:\n    get:\n")
        self.assertEqual(documented_operations(sample), {("GET", "/a"), ("PATCH", "/b/{id}")})

    def test_every_route_is_documented(self):
        documented = documented_operations(read_spec())
        routes = {(r["method"], r["path"]) for r in kefu_routes()["routes"]}
        missing = sorted(routes - documented)
        self.assertEqual(missing, [], "routes registered in the server but missing from "
                         "docs/openapi.yaml:\n" + "\n".join("  %s %s" % m for m in missing))

    def test_every_documented_operation_exists(self):
        documented = documented_operations(read_spec())
        routes = {(r["method"], r["path"]) for r in kefu_routes()["routes"]}
        extra = sorted(documented - routes)
        self.assertEqual(extra, [], "docs/openapi.yaml documents operations the server does "
                         "not register:\n" + "\n".join("  %s %s" % m for m in extra))

    def test_spec_header(self):
        text = read_spec()
        self.assertRegex(text, r"(?m)^openapi: ['\"]?3\.\d+\.\d+")
        self.assertRegex(text, r"(?m)^info:")
        self.assertRegex(text, r"(?m)^paths:")


class OpenApiServed(ServerTestCase):
    def test_served_file_is_the_repository_file(self):
        r = self.client().get("/api/v1/openapi.yaml")
        self.assertStatus(r, 200)
        self.assertIn("yaml", r.header("Content-Type"))
        with open(OPENAPI, "rb") as f:
            on_disk = f.read()
        self.assertEqual(r.body, on_disk, "the served openapi.yaml differs from "
                         "docs/openapi.yaml (is the binary built from the current file?)")


if __name__ == "__main__":
    unittest.main()
