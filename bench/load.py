"""A small HTTP load generator: threads, keep-alive connections, loopback only.

    python bench/load.py --port 8123 --path /tim-kiem/ --concurrency 4 \
        --requests 600 --seconds 60

Cycles through the benchmark's query mix and prints one JSON object:
requests done, errors, wall time, requests/s and latency percentiles (ms).
Bounded in both request count and time, and refuses any host but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from queries import query_strings


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run(port: int, path: str, concurrency: int, requests: int, seconds: float) -> dict:
    urls = itertools.cycle(f"{path}?{qs}" if qs else path for qs in query_strings())
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    statuses: dict[int, int] = {}
    remaining = [requests]
    deadline = time.monotonic() + seconds

    def take() -> str | None:
        with lock:
            if remaining[0] <= 0 or time.monotonic() >= deadline:
                return None
            remaining[0] -= 1
            return next(urls)

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (url := take()) is not None:
            started = time.perf_counter()
            try:
                conn.request("GET", url)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                with lock:
                    statuses[response.status] = statuses.get(response.status, 0) + 1
            except (OSError, http.client.HTTPException) as exc:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    errors.append(repr(exc))
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    latencies.append(elapsed)
                elif len(errors) < 20:
                    errors.append(f"{url}: HTTP error")
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": errors[:5],
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "seconds": round(wall, 2),
        "requests_per_second": round(len(latencies) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies, default=0.0), 1),
        "concurrency": concurrency,
        "path": path,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/tim-kiem/")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    result = run(args.port, args.path, args.concurrency, args.requests, args.seconds)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
