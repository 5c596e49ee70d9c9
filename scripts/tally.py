#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Count passed and failed checks in meson testlog.json files.

    tally.py [--keys FILE] TESTLOG.json...

A Check suite counts each of its test cases (from its "Checks: N,
Failures: F, Errors: E" line); any other test counts once.  A test that
meson reports as skipped (exit status 77) counts as failed: every stage
of scripts/test runs only tests it expects to run.  A test that failed
after its summary, or whose summary is missing, counts one failure more.
Prints "PASSED FAILED".

--keys FILE appends one line "AREA<TAB>CHECK" per check seen to FILE, so
that scripts/test can count distinct checks per area however many builds
ran them.  CHECK is the meson test name, with the Check test case's name
when the suite printed its TAP lines (run with CK_TAP_LOG_FILE_NAME=-).
AREA is "simulator" for the sim suites, "shim" for the shim's, else
"library".
"""
import json
import re
import sys

SUMMARY = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")
# "ok 3 - ../tests/test-common.c:tcase:test_name: Passed"
TAP = re.compile(r"^(not ok|ok) \d+ - [^:]*:([^:]+):([^:]+):", re.M)


def area(name):
    # meson's "project:suite / name"
    name = name.rsplit(" / ", 1)[-1]
    if name.startswith("sim"):
        return "simulator"
    if name.startswith("shim"):
        return "shim"
    return "library"


def main(argv):
    keys_path = None
    if len(argv) > 2 and argv[1] == "--keys":
        keys_path = argv[2]
        argv = argv[2:]
    passed = failed = 0
    keys = []
    for path in argv[1:]:
        with open(path) as f:
            for raw in f:
                t = json.loads(raw)
                name = t.get("name", "?")
                out = (t.get("stdout") or "") + (t.get("stderr") or "")
                result = t.get("result")
                ok = result in ("OK", "EXPECTEDFAIL")
                if result == "SKIP":
                    print(f"tally: {name} was skipped", file=sys.stderr)
                    failed += 1
                    continue
                m = SUMMARY.search(out)
                # Check's TAP lines (only a Check suite's: other tests
                # may print TAP of their own)
                cases = TAP.findall(out) if m else []
                for _, tcase, test in cases:
                    keys.append((area(name), f"{name}:{tcase}:{test}"))
                if not cases:
                    keys.append((area(name), name))
                if m:
                    n, fl, er = map(int, m.groups())
                    bad = fl + er
                    if not ok and bad == 0:
                        bad = 1  # crashed or timed out after its summary
                    passed += n - min(n, bad)
                    failed += bad
                else:
                    passed += ok
                    failed += not ok
    if keys_path:
        with open(keys_path, "a") as f:
            for a, k in keys:
                f.write(f"{a}\t{k}\n")
    print(passed, failed)


if __name__ == "__main__":
    main(sys.argv)
