"""The benchmark's ``switch`` phase: a rebuild under a running server.

gunicorn (2 workers) answers the query mix until warm; then ``manage.py
build_index`` rebuilds the index in another process while searches keep
coming (one every ``GAP`` seconds: results must never shrink), and after
the switch the mix is timed three ways:

- ``right_after``: the first pass after the build finished. Each worker
  readies the new index in a thread (``warming.py``) and answers from the
  one it has meanwhile.
- ``first_on_new``: the first pass once every worker reads the new index
  (their log says so): the first searches on the new index.
- ``warm_before``: the same pass before the rebuild, for comparison.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import run
from queries import query_strings

GAP = 0.5
WARMED = re.compile(r"generation (\S+) warmed: (\d+) searches replayed in ([\d.]+) s")


def _pass(port: int, queries: list[str]) -> list[float]:
    """Each query of the mix once, in order; milliseconds each."""
    times = []
    for qs in queries:
        started = time.perf_counter()
        status, _ = run.http_get(port, f"/tim-kiem/?{qs}")
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"/tim-kiem/?{qs} answered {status}")
    return times


def _totals(port: int, queries: list[str]) -> dict[str, int]:
    found = {}
    for qs in queries:
        status, body = run.http_get(port, f"/api/search?{qs}")
        if status != 200:
            raise RuntimeError(f"/api/search?{qs} answered {status}")
        found[qs] = json.loads(body)["exact_total"]
    return found


def _warmed(log_path: Path) -> list[tuple[str, int, float]]:
    text = log_path.read_text(errors="replace")
    return [(m[1], int(m[2]), float(m[3])) for m in WARMED.finditer(text)]


def _peak_rss_mb(server: run.Gunicorn) -> list[float]:
    pids = run.worker_pids(server.process.pid)
    return [round(run.memory_kb(pid).get("VmHWM", 0) / 1024, 1) for pid in pids]


def phase_switch(data: Path, workers: int) -> dict:
    queries = query_strings()
    # Searches with words (the ones whose totals a rebuild must keep).
    checked = [qs for qs in queries if qs.startswith("q=")][:12]
    server = run.Gunicorn(data)
    try:
        run.log(f"switch: starting gunicorn with 2 workers on port {server.port}")
        server.wait_ready()
        run.run_load(server.port, "/tim-kiem/", 2, 3 * len(queries), 600)
        before = _pass(server.port, queries)
        totals = _totals(server.port, checked)
        rss_before = _peak_rss_mb(server)
        run.log("switch: rebuilding under the server")
        env = {
            **os.environ,
            "PORTAL_DATA_DIR": str(data),
            "WHOOSH_INDEX_PATH": str(data / "whoosh_index"),
        }
        started = time.perf_counter()
        # To a file: a pipe left unread while searching would stall the build.
        build_log = data / "switch-build.log"
        with build_log.open("w") as out:
            build = subprocess.Popen(
                [run.PYTHON, "manage.py", "build_index", "--workers", str(workers)],
                cwd=run.REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        during: list[float] = []
        shrank: list[str] = []
        i = 0
        while build.poll() is None:
            qs = checked[i % len(checked)]
            t0 = time.perf_counter()
            status, body = run.http_get(server.port, f"/api/search?{qs}")
            during.append((time.perf_counter() - t0) * 1000)
            if status != 200 or json.loads(body)["exact_total"] < totals[qs]:
                shrank.append(qs)
            i += 1
            time.sleep(GAP)
        output = build_log.read_text(errors="replace")
        if build.returncode != 0:
            raise RuntimeError(f"build_index failed:\n{output[-2000:]}")
        build_seconds = time.perf_counter() - started
        log_path = data / "gunicorn.log"
        warmed_before = len(_warmed(log_path))
        right_after = _pass(server.port, queries)
        deadline = time.monotonic() + 300
        extra: list[float] = []
        while len(_warmed(log_path)) < warmed_before + 2 and time.monotonic() < deadline:
            # Keep both workers asked (each starts warming on its first search).
            extra += _pass(server.port, queries[:4])
        warmed = _warmed(log_path)[warmed_before:]
        first_on_new = _pass(server.port, queries)
        after_totals = _totals(server.port, checked)
        return {
            "build_seconds": round(build_seconds, 1),
            "build_report": output.strip().splitlines()[-1] if output.strip() else "",
            "searches_during_build": len(during),
            "during_build": run.summary_ms(during),
            "fewer_results_during_build": shrank,
            "totals_unchanged_after": after_totals == totals,
            "warm_before": run.summary_ms(before),
            "right_after": run.summary_ms(right_after),
            "while_warming_extra": run.summary_ms(extra),
            "first_on_new": run.summary_ms(first_on_new),
            # Each worker holds both indexes' arrays while it warms the new one.
            "worker_peak_rss_mb_before": rss_before,
            "worker_peak_rss_mb_after": _peak_rss_mb(server),
            "workers_warmed": [
                {"generation": g, "replayed": n, "seconds": s} for g, n, s in warmed
            ],
        }
    finally:
        server.stop()
