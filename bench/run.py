"""The portal's benchmark: import, index build, search latency, HTTP throughput,
memory and incremental updates, for a synthetic corpus of a given size.

    .venv/bin/python bench/run.py --size 10000
    .venv/bin/python bench/run.py --size 100000 --reuse-index

Everything runs against ``bench/data/<size>/`` (its own SQLite database and
Whoosh index; never the real archive). The corpus is generated there on the
first run and reused afterwards; the index is rebuilt unless
``--reuse-index`` is given and it holds every published article. Results
are printed as a table and written to ``bench/results/<timestamp>-<size>.json``.
See bench/README.md for what each figure measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import secrets
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
PYTHON = sys.executable


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def summary_ms(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 0.5), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "max_ms": round(max(values, default=0.0), 1),
        "mean_ms": round(statistics.fmean(values), 1) if values else 0.0,
    }


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def setup_django(data: Path) -> None:
    # A throwaway key for this process and the servers it starts.
    os.environ.setdefault("SECRET_KEY", "bench-only-" + secrets.token_urlsafe(32))
    os.environ["PORTAL_DATA_DIR"] = str(data)
    os.environ["WHOOSH_INDEX_PATH"] = str(data / "whoosh_index")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(BENCH))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # The pages link hashed static files: the manifest must exist.
    call_command("collectstatic", interactive=False, verbosity=0)


# -- phases ----------------------------------------------------------------------


def phase_corpus(size: int, seed: int, state: dict, data: Path) -> dict:
    import synthetic

    from articles.models import Article

    have = Article.objects.filter(source_file__startswith=synthetic.SOURCE_PREFIX).count()
    if have >= size:
        log(f"corpus: {have} synthetic articles already there")
        return state.get("generate", {"articles": have, "reused": True})
    log(f"corpus: generating {size - have} articles")
    report = synthetic.insert(size - have, data_dir=data, seed=seed)
    result = {
        "articles": len(report.ids),
        "seconds": round(report.seconds, 1),
        "rate": round(report.rate, 1),
        "db_seconds": round(report.db_seconds, 1),
        "db_rate": round(report.db_rate, 1),
    }
    state["generate"] = result
    return result


def phase_import(sample: int, seed: int, generated: dict) -> dict:
    """The real import pipeline on scraped-format files, if it exists."""
    if find_spec("articles.importer.pipeline") is None:
        return {
            "source": "generator (no import pipeline yet): database part only",
            "rate": generated.get("db_rate"),
        }
    import synthetic

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        files = Path(tmp) / "files"
        files.mkdir()
        # Numbers far from the corpus's own: other stories, same shapes.
        for article in synthetic.generate(sample, seed=seed + 1000, start=5_000_001):
            name = f"{article.number:08d}.txt"
            (files / name).write_text(article.raw_text, encoding="utf-8")
        runs = {}
        for workers in (1, os.cpu_count() or 1):
            scratch = Path(tmp) / f"data-{workers}"
            env = {**os.environ, "PORTAL_DATA_DIR": str(scratch)}
            env["WHOOSH_INDEX_PATH"] = str(scratch / "whoosh_index")
            log(f"import: {sample} scraped-format files, {workers} process(es) extracting")
            done = subprocess.run(
                [PYTHON, str(BENCH / "import_probe.py"), str(files), str(workers)],
                env=env,
                capture_output=True,
                text=True,
                timeout=3600,
            )
            if done.returncode != 0:
                return {"source": "import pipeline", "error": done.stderr[-2000:]}
            runs[workers] = json.loads(done.stdout.strip().splitlines()[-1])
        result = dict(runs[1])
        result["rate_all_cores"] = runs[max(runs)]["rate"]
        result["source"] = "import pipeline (parse + database, indexing deferred)"
        return result


def phase_build(workers: int, reuse: bool, state: dict, data: Path) -> dict:
    from articles.models import Article
    from articles.search.engines import get_engine
    from articles.search.engines.whoosh.bulk import index_size
    from articles.search.index.document import indexable

    published = Article.objects.published().count()
    recorded = data / "build.json"  # written by manage.py build_index --report
    if reuse and not state.get("build") and recorded.exists():
        state["build"] = json.loads(recorded.read_text())
    if reuse and state.get("build"):
        try:
            indexed = get_engine().doc_count()
        except Exception:
            indexed = -1
        if indexed == published:
            log(f"build: reusing the index ({indexed} documents)")
            result = dict(state["build"])
            result["reused"] = True
            result["index_bytes"] = index_size(data / "whoosh_index")
            return result
    log(f"build: indexing {published} articles with {workers} workers")
    ids = list(indexable().order_by("pk").values_list("pk", flat=True))
    report = get_engine().rebuild(ids, workers=workers, log=log)
    result = report.as_dict()
    state["build"] = result
    return result


def _page_queries() -> list[str]:
    from queries import query_strings

    return query_strings()


def phase_latency(rounds: int) -> dict:
    """The search page's whole work, in this process, warm."""
    from django.test import Client
    from queries import query_dicts

    from articles.search.service import SearchParams, search

    client = Client()
    queries = _page_queries()
    first: list[float] = []
    for qs in queries:  # the first pass fills the caches: reported, not counted
        started = time.perf_counter()
        response = client.get(f"/tim-kiem/?{qs}")
        first.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"/tim-kiem/?{qs} answered {response.status_code}")
    page: list[float] = []
    per_query: dict[str, list[float]] = {qs: [] for qs in queries}
    for _ in range(rounds):
        for qs in queries:
            started = time.perf_counter()
            client.get(f"/tim-kiem/?{qs}")
            elapsed = (time.perf_counter() - started) * 1000
            page.append(elapsed)
            per_query[qs].append(elapsed)
    # The parts of the page, to show what dominates it.
    service: list[float] = []
    bare: list[float] = []
    for data in query_dicts():
        started = time.perf_counter()
        search(SearchParams.from_query_dict(data))
        service.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        search(SearchParams.from_query_dict(data), with_snippets=False)
        bare.append((time.perf_counter() - started) * 1000)
    slowest = sorted(per_query.items(), key=lambda item: -statistics.median(item[1]))[:5]
    return {
        "queries": len(queries),
        "rounds": rounds,
        "page": summary_ms(page),
        "page_first_pass": summary_ms(first),
        "service_only": summary_ms(service),
        "service_without_snippets": summary_ms(bare),
        "slowest": [{"query": q, "median_ms": round(statistics.median(t), 1)} for q, t in slowest],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(p) for p in children.read_text().split()]
    except OSError:
        return []


def memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in {"VmHWM", "VmRSS"}:
                fields[key] = int(value.split()[0])
    except OSError:
        pass
    return fields


class Gunicorn:
    def __init__(self, data: Path, workers: int = 2) -> None:
        self.port = free_port()
        env = {**os.environ, "PORTAL_BIND": f"127.0.0.1:{self.port}"}
        env["WEB_CONCURRENCY"] = str(workers)
        env["PORTAL_DATA_DIR"] = str(data)
        env["WHOOSH_INDEX_PATH"] = str(data / "whoosh_index")
        self.log = open(data / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "-c", "portal/gunicorn.conf.py", "portal.wsgi"],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited; see gunicorn.log in the data folder")
            try:
                status, _ = http_get(self.port, "/api/search?q=", timeout=60)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def run_load(port: int, path: str, concurrency: int, requests: int, seconds: float) -> dict:
    done = subprocess.run(
        [
            PYTHON,
            str(BENCH / "load.py"),
            f"--port={port}",
            f"--path={path}",
            f"--concurrency={concurrency}",
            f"--requests={requests}",
            f"--seconds={seconds}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


EDITOR = """
import os, sys, time, json
sys.path.insert(0, {repo!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
import django
django.setup()
from articles.analysis import segment
from articles.models import Article
# A web worker has pyvi loaded (gunicorn preloads it): so does this editor.
segment("khởi động")
article = Article.objects.get(pk={pk})
original = article.title
print("ready", flush=True)
sys.stdin.readline()
started = time.perf_counter()
article.title = original + " {token}"
article.save()  # the index update runs after the commit, in this process
saved = time.perf_counter() - started
print(json.dumps({{"save_and_index_ms": round(saved * 1000, 1)}}), flush=True)
sys.stdin.readline()
article.title = original
article.save()
print("restored", flush=True)
"""


def phase_update(port: int, repeats: int = 3) -> dict:
    """An edit made through the ORM in another process, until the search finds it."""
    from articles.models import Article

    ids = list(Article.objects.published().values_list("pk", flat=True)[:1000])
    rng = random.Random(7)
    results = []
    for _ in range(repeats):
        pk = rng.choice(ids)
        token = "kiemtra" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))
        editor = subprocess.Popen(
            [PYTHON, "-c", EDITOR.format(repo=str(REPO), pk=pk, token=token)],
            cwd=REPO,
            env=os.environ.copy(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert editor.stdout.readline().strip() == "ready"
        started = time.perf_counter()
        editor.stdin.write("go\n")
        editor.stdin.flush()
        found_after = None
        polls = 0
        while time.perf_counter() - started < 30:
            polls += 1
            poll_started = time.perf_counter()
            status, body = http_get(port, f"/api/search?q={token}")
            if status == 200 and json.loads(body).get("total", 0) >= 1:
                found_after = time.perf_counter() - started
                first_hit_ms = (time.perf_counter() - poll_started) * 1000
                break
            time.sleep(0.05)
        edit = json.loads(editor.stdout.readline())
        editor.stdin.write("restore\n")
        editor.stdin.flush()
        editor.stdout.readline()
        editor.wait(timeout=60)
        results.append(
            {
                "visible_after_ms": round(found_after * 1000, 1) if found_after else None,
                "polls": polls,
                "query_that_found_it_ms": round(first_hit_ms, 1) if found_after else None,
                **edit,
            }
        )
    visible = [r["visible_after_ms"] for r in results if r["visible_after_ms"] is not None]
    return {
        "repeats": repeats,
        "max_visible_after_ms": max(visible) if len(visible) == repeats else None,
        "median_visible_after_ms": statistics.median(visible) if visible else None,
        "runs": results,
    }


def phase_http(data: Path, requests: int, seconds: float, concurrency: int, update: bool):
    server = Gunicorn(data)
    try:
        log(f"http: starting gunicorn with 2 workers on port {server.port}")
        started = time.perf_counter()
        server.wait_ready()
        ready_s = time.perf_counter() - started
        # Warm both workers on the whole mix before measuring.
        warm = run_load(server.port, "/tim-kiem/", concurrency, 2 * len(_page_queries()), 600)
        log(f"http: warmed ({warm['requests']} requests); measuring")
        load = run_load(server.port, "/tim-kiem/", concurrency, requests, seconds)
        pids = worker_pids(server.process.pid)
        memory = {str(pid): memory_kb(pid) for pid in pids}
        result = {
            "startup_seconds": round(ready_s, 1),
            "warmup": {k: warm[k] for k in ("requests", "requests_per_second", "p95_ms")},
            "load": load,
            "workers": len(pids),
            "worker_memory_kb": memory,
            "peak_rss_mb_max": round(
                max((m.get("VmHWM", 0) for m in memory.values()), default=0) / 1024, 1
            ),
        }
        if update:
            log("update: editing articles in another process")
            result["update"] = phase_update(server.port)
            memory = {str(pid): memory_kb(pid) for pid in worker_pids(server.process.pid)}
            result["worker_memory_after_update_kb"] = memory
        return result
    finally:
        server.stop()


# -- output ------------------------------------------------------------------------


def table(results: dict) -> str:
    rows = []
    gen, imp = results.get("generate", {}), results.get("import", {})
    build, lat, http = results.get("build", {}), results.get("latency", {}), results.get("http", {})
    if imp:
        rates = f"{imp.get('rate')} in one process, {imp.get('rate_all_cores')} on all cores"
        rows.append(("Import rate (articles/s)", f"{rates}  [{imp.get('source')}]"))
    if gen.get("rate"):
        rows.append(("Generator rate, total / DB part", f"{gen['rate']} / {gen['db_rate']} art/s"))
    if build:
        reused = " (reused)" if build.get("reused") else ""
        rows.append(
            (
                "Index build",
                f"{build.get('seconds')} s, {build.get('rate')} art/s, "
                f"{build.get('cpu_seconds')} CPU-s, {build.get('workers')} workers{reused}",
            )
        )
        rows.append(
            (
                "Index size",
                f"{build.get('index_bytes', 0) / 1024 / 1024:.0f} MB, "
                f"{build.get('segments')} segments",
            )
        )
    if lat:
        p = lat["page"]
        rows.append(
            ("Search page p50 / p95 / max", f"{p['p50_ms']} / {p['p95_ms']} / {p['max_ms']} ms")
        )
        s = lat["service_only"]
        rows.append(("  service.search only p50 / p95", f"{s['p50_ms']} / {s['p95_ms']} ms"))
        s = lat["service_without_snippets"]
        rows.append(("  … without snippets p50 / p95", f"{s['p50_ms']} / {s['p95_ms']} ms"))
        f = lat["page_first_pass"]
        rows.append(("  first pass (cold caches) p50 / p95", f"{f['p50_ms']} / {f['p95_ms']} ms"))
    if http:
        load = http["load"]
        rows.append(
            (
                "HTTP (gunicorn, 2 workers)",
                f"{load['requests_per_second']} req/s, p95 {load['p95_ms']} ms, "
                f"{load['errors']} errors, concurrency {load['concurrency']}",
            )
        )
        rows.append(("Peak RSS per worker (max)", f"{http['peak_rss_mb_max']} MB"))
        update = http.get("update")
        if update:
            rows.append(
                (
                    "Edit visible in search after",
                    f"max {update['max_visible_after_ms']} ms, "
                    f"median {update['median_visible_after_ms']} ms",
                )
            )
    switch = results.get("switch")
    if switch:
        rows.append(("Rebuild under gunicorn", f"{switch['build_seconds']} s"))
        shrank = len(switch["fewer_results_during_build"])
        during = switch["during_build"]["p95_ms"]
        rows.append(("  searches during it: p95, fewer results", f"{during} ms, {shrank}"))
        for key, label in (
            ("warm_before", "  the mix before it, p50 / p95"),
            ("right_after", "  first pass after the switch"),
            ("first_on_new", "  first pass on the new index"),
        ):
            rows.append((label, f"{switch[key]['p50_ms']} / {switch[key]['p95_ms']} ms"))
    width = max(len(r[0]) for r in rows) if rows else 0
    head = f"Corpus {results['size']} articles, {results['cpu_count']} CPUs"
    return "\n".join([head, "-" * len(head)] + [f"{k.ljust(width)}  {v}" for k, v in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the portal on a synthetic corpus.")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", help="Default: bench/data/<size>")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--reuse-index", action="store_true")
    parser.add_argument("--import-sample", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="Timed passes over the query mix.")
    parser.add_argument("--http-requests", type=int, default=1500)
    parser.add_argument("--http-seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--skip",
        default="",
        help="Phases to skip, comma-separated: import,build,latency,http,update,switch",
    )
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    data = Path(args.data_dir) if args.data_dir else BENCH / "data" / str(args.size)
    data.mkdir(parents=True, exist_ok=True)
    setup_django(data)
    state_file = data / "state.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}

    results: dict = {
        "size": args.size,
        "cpu_count": os.cpu_count(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_at_start": os.getloadavg(),
        "command": " ".join([Path(PYTHON).name, *sys.argv]),
    }
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        results["git_commit"] = commit
    except OSError:
        pass

    results["generate"] = phase_corpus(args.size, args.seed, state, data)
    state_file.write_text(json.dumps(state, indent=2))
    if "import" not in skip:
        results["import"] = phase_import(args.import_sample, args.seed, results["generate"])
    if "build" not in skip:
        results["build"] = phase_build(args.workers, args.reuse_index, state, data)
        state_file.write_text(json.dumps(state, indent=2))
    if "latency" not in skip:
        log("latency: the search page in this process")
        results["latency"] = phase_latency(args.rounds)
    if "http" not in skip:
        results["http"] = phase_http(
            data, args.http_requests, args.http_seconds, args.concurrency, "update" not in skip
        )
    if "switch" not in skip:
        from switch import phase_switch

        results["switch"] = phase_switch(data, args.workers)
    results["load_average_at_end"] = os.getloadavg()
    results["cpu_seconds_total"] = round(cpu_seconds(), 1)

    out_dir = BENCH / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = out_dir / f"{stamp}-{args.size}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print()
    print(table(results))
    print(f"\nKết quả: {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
