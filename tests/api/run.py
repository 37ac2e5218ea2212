#!/usr/bin/env python3
"""Runs the black-box API suite against one backend.

    KEFU_BIN=build/debug/kefu python3 tests/api/run.py sqlite [-k PATTERN …]
    KEFU_BIN=… KEFU_TEST_PG_URL_FILE=/tmp/pg/url python3 tests/api/run.py postgres

Every test module tests/api/test_*.py runs; a non-zero exit means a failure.
Extra arguments are unittest -k patterns (substrings of test names).
"""
import os
import sys
import time
import unittest


def main(argv):
    if len(argv) < 2 or argv[1] not in ("sqlite", "postgres"):
        print("usage: run.py sqlite|postgres [-k PATTERN]...", file=sys.stderr)
        return 2
    if not os.environ.get("KEFU_BIN"):
        print("run.py: set KEFU_BIN to the kefu binary", file=sys.stderr)
        return 2
    if not os.access(os.environ["KEFU_BIN"], os.X_OK):
        print("run.py: KEFU_BIN=%s is not executable" % os.environ["KEFU_BIN"], file=sys.stderr)
        return 2
    os.environ["KEFU_TEST_BACKEND"] = argv[1]
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    if argv[1] == "postgres":
        f = os.environ.get("KEFU_TEST_PG_URL_FILE")
        if not f or not os.path.exists(f):
            print("run.py: postgres backend needs KEFU_TEST_PG_URL_FILE naming the file with the "
                  "cluster URL (tests/pg/cluster.sh start DIR writes DIR/url); got %r" % f,
                  file=sys.stderr)
            return 2
    patterns = []
    rest = argv[2:]
    while rest:
        a = rest.pop(0)
        if a == "-k" and rest:
            patterns.append(rest.pop(0))
        else:
            patterns.append(a)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    loader = unittest.TestLoader()
    if patterns:
        loader.testNamePatterns = ["*%s*" % p for p in patterns]
    suite = loader.discover(here, pattern="test_*.py", top_level_dir=here)
    started = time.time()
    print("kefu API tests on %s (KEFU_BIN=%s)" % (argv[1], os.environ["KEFU_BIN"]), flush=True)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    print("API suite on %s: %d tests, %d failures, %d errors, %d skipped in %.1f s"
          % (argv[1], result.testsRun, len(result.failures), len(result.errors),
             len(result.skipped), time.time() - started), flush=True)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
