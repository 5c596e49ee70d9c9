#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Count passed and failed checks in a meson testlog.json.

A Check suite counts each of its test cases (from its "Checks: N,
Failures: F, Errors: E" line); any other test counts once.  Prints
"PASSED FAILED".
"""
import json
import re
import sys

passed = failed = 0
line_re = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")
for path in sys.argv[1:]:
    with open(path) as f:
        for raw in f:
            t = json.loads(raw)
            out = (t.get("stdout") or "") + (t.get("stderr") or "")
            m = line_re.search(out)
            ok = t.get("result") in ("OK", "EXPECTEDFAIL")
            skipped = t.get("result") == "SKIP"
            if skipped:
                continue
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
print(passed, failed)
