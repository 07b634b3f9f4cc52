"""Record what real MXNet 1.9.1 computes for every case in tests/core/fidelity_cases.py.

Run with the oracle's interpreter (not the project's venv):

    ~/mxv/bin/python tools/record_fixtures_fidelity.py

It writes tests/core/fixtures/fidelity.json, which test_fidelity.py compares against; the test
suite itself never needs MXNet.
"""

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "core"))

import mxnet as mx  # noqa: E402

import fidelity_cases  # noqa: E402

OUT = REPO / "tests" / "core" / "fixtures" / "fidelity.json"


def main():
    results = {}
    for name in fidelity_cases.CASES:
        mx.random.seed(0)
        results[name] = fidelity_cases.run(mx, name)
    payload = {"engine": "mxnet %s" % mx.__version__, "cases": results}
    OUT.write_text(json.dumps(payload, indent=1, sort_keys=True, allow_nan=True) + "\n")
    raised = [n for n, r in results.items() if isinstance(r, dict) and r.get("raises")]
    print("recorded %d cases into %s (%d raise in MXNet: %s)"
          % (len(results), OUT.relative_to(REPO), len(raised), ", ".join(raised)))


if __name__ == "__main__":
    main()
