"""Search latency while exports are hammered: the portal under gunicorn
serves the search mix to readers while other clients pull CSV exports of
the same searches as fast as they can.

    .venv/bin/python bench/pressure.py --size 10000 --seconds 60

Uses the benchmark's data folder (``bench/data/<size>``, built by
``bench/run.py``). Runs the search mix alone first, then the same mix with
the export clients in parallel, and prints both, with the exports' answers
by status (429: refused for lack of a slot, with ``Retry-After``).
Results go to ``bench/results/<timestamp>-<size>.pressure.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BENCH, PYTHON, Gunicorn, log, run_load, setup_django


def _load(port: int, path: str, concurrency: int, seconds: float) -> subprocess.Popen:
    return subprocess.Popen(
        [
            PYTHON,
            str(BENCH / "load.py"),
            f"--port={port}",
            f"--path={path}",
            f"--concurrency={concurrency}",
            "--requests=1000000",
            f"--seconds={seconds}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen, seconds: float) -> dict:
    out, err = process.communicate(timeout=seconds + 180)
    if process.returncode != 0:
        raise RuntimeError(err[-2000:])
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--readers", type=int, default=2, help="Concurrent search clients.")
    parser.add_argument("--exporters", type=int, default=4, help="Concurrent export clients.")
    args = parser.parse_args()
    data = BENCH / "data" / str(args.size)
    if not (data / "portal.sqlite3").exists():
        raise SystemExit(f"{data} has no corpus: run bench/run.py --size {args.size} first")

    setup_django(data)
    server = Gunicorn(data)
    try:
        server.wait_ready()
        log("warming both workers on the search mix")
        run_load(server.port, "/tim-kiem/", args.readers, 400, 600)
        log(f"search alone, {args.seconds:.0f} s")
        alone = run_load(server.port, "/tim-kiem/", args.readers, 1_000_000, args.seconds)
        log(f"search with {args.exporters} export clients in parallel, {args.seconds:.0f} s")
        exports = _load(server.port, "/tim-kiem/xuat.csv", args.exporters, args.seconds)
        searches = _load(server.port, "/tim-kiem/", args.readers, args.seconds)
        pressed, exported = _result(searches, args.seconds), _result(exports, args.seconds)
    finally:
        server.stop()

    result = {"size": args.size, "alone": alone, "with_exports": pressed, "exports": exported}
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = BENCH / "results" / f"{stamp}-{args.size}.pressure.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    for name in ("alone", "with_exports", "exports"):
        part = result[name]
        print(
            f"{name:13} {part['requests']:6} ok  {part['requests_per_second']:6} req/s  "
            f"p50 {part['p50_ms']:7} ms  p95 {part['p95_ms']:7} ms  statuses {part['statuses']}"
        )
    print(f"written to {out.relative_to(BENCH.parent)}")


if __name__ == "__main__":
    main()
