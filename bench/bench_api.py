"""Load run of the HTTP API: streamrec's server against the pandas app, same run, same requests.

Both servers run as separate processes on loopback, with the same uvicorn settings (one worker each,
the asyncio event loop, httptools); ``wrk`` (Debian: ``apt-get install -y wrk``; one thread, its
default 2 s timeout, counted as an error) drives 64 concurrent connections per endpoint for a bounded
time, rotating through a fixed list of request paths (different years, platforms, countries...) that
both apps get alike. Before the load, the two apps' answers to every path are compared. Prints requests/s, p50 and
p99 latency and errors per endpoint, the throughput ratio, and writes the table to
``bench/results/api.md``.

Usage (from the repository root, venv active)::

    python bench/bench_api.py                    # uses ~/.cache/streamrec/artifacts if built
    python bench/bench_api.py --duration 5 --data-dir /tmp/artifacts --ratings 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "api.md"
CONNECTIONS = 64
PLATFORMS = ["amazon", "disney", "hulu", "netflix"]
YEARS = list(range(2010, 2022))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 600.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def wait_idle(base: str, timeout: float = 10.0) -> None:
    """Waits until the server has worked off the requests a load run left queued (three health
    checks in a row answered within 2 ms), so that a run on one connection measures an idle server."""
    started = time.perf_counter()
    quick = 0
    while quick < 3 and time.perf_counter() - started < timeout:
        begin = time.perf_counter()
        with urllib.request.urlopen(base + "/health", timeout=5) as response:
            response.read()
        quick = quick + 1 if time.perf_counter() - begin < 0.002 else 0
        time.sleep(0.05)


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def query_paths() -> dict[str, list[str]]:
    """The request paths of each query endpoint (the same for both apps)."""
    countries = ["united states", "india", "united kingdom", "canada", "france", "japan"]
    ratings = ["pg-13", "tv-ma", "r", "g", "13+", "tv-14", "pg", "18+"]
    return {
        "/get_max_duration": [
            f"/get_max_duration?year={y}&platform={p}&duration_type={d}"
            for y in YEARS
            for p in PLATFORMS
            for d in ("min", "season")
        ],
        "/get_score_count": [
            f"/get_score_count?platform={p}&scored={s}&year={y}"
            for p in PLATFORMS
            for s in (3.4, 3.5, 3.6)
            for y in YEARS
        ],
        "/get_count_platform": [f"/get_count_platform?platform={p}" for p in PLATFORMS],
        "/get_actor": [f"/get_actor?platform={p}&year={y}" for p in PLATFORMS for y in YEARS],
        "/prod_per_country": [
            f"/prod_per_country?type={t}&country={c.replace(' ', '%20')}&year={y}"
            for t in ("movie", "tv%20show")
            for c in countries
            for y in YEARS
        ],
        "/get_contents": [f"/get_contents?rating={r}" for r in ratings],
    }


def recommendation_paths(base: str, data_dir: Path) -> dict[str, list[str]]:
    """Paths of the recommendation and lookup endpoints (streamrec only)."""
    from streamrec.server import USERS_JSON

    title_ids = [t["id"] for t in get_json(base + "/titles?search=the&limit=50")]
    user_ids = [u["user_id"] for u in json.loads((data_dir / USERS_JSON).read_text())][:50]
    return {
        "/recommend/user/{id}?n=10": [f"/recommend/user/{u}?n=10" for u in user_ids],
        "/recommend/similar/{id}?n=10": [f"/recommend/similar/{t}?n=10" for t in title_ids],
        "POST /recommend/ratings": [
            "POST "
            + json.dumps(
                {
                    "ratings": [
                        {"title_id": t, "rating": r}
                        for t, r in zip(title_ids[i::7][:5], (5, 4.5, 4, 2, 1))
                    ],
                    "n": 10,
                }
            )
            for i in range(7)
        ],
        "/titles?search=": [f"/titles?search={w}&limit=20" for w in ("star", "love", "man", "the")],
        "/titles/{id}": [f"/titles/{t}" for t in title_ids],
    }


def lua_script(paths: list[str]) -> str:
    entries = []
    for path in paths:
        if path.startswith("POST "):
            body = path[5:].replace("\\", "\\\\").replace('"', '\\"')
            entries.append(
                f'wrk.format("POST", "/recommend/ratings", '
                f'{{["Content-Type"]="application/json"}}, "{body}")'
            )
        else:
            entries.append(f'wrk.format("GET", "{path}")')
    return (
        "local requests = {\n  " + ",\n  ".join(entries) + "\n}\n"
        "local i = 0\n"
        "request = function()\n  i = i % #requests + 1\n  return requests[i]\nend\n"
    )


def parse_duration(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def run_wrk(
    base: str, paths: list[str], duration: float, connections: int = CONNECTIONS
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(paths))
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{duration:g}s",
                "--latency",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = parse_duration(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = parse_duration(re.search(r"\s99%\s+(\S+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors, "requests": total}


def start(command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def answers_agree(streamrec: str, pandas: str, paths: dict[str, list[str]]) -> tuple[int, int]:
    agree = total = 0
    for endpoint_paths in paths.values():
        for path in endpoint_paths:
            total += 1
            mine, theirs = get_json(streamrec + path), get_json(pandas + path)
            mine_core = {k: v for k, v in mine.items() if k in ("count", "actor", "result")}
            theirs_core = {k: v for k, v in theirs.items() if k in ("count", "actor", "result")}
            agree += mine_core == theirs_core
            if mine_core != theirs_core:
                print(f"  differ: {path}: streamrec {mine_core} pandas {theirs_core}")
    return agree, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per endpoint and app")
    parser.add_argument("--data-dir", help="streamrec artifacts (built if missing)")
    parser.add_argument(
        "--ratings",
        type=int,
        default=1_000_000,
        help="ratings to generate when the artifacts must be built",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")

    from streamrec.server import EVENT_LOOP as UVICORN_LOOP
    from streamrec.server import SCORES_CSV, build_artifacts, default_data_dir, read_manifest

    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    manifest = read_manifest(data_dir)
    if manifest is None:
        manifest = build_artifacts(data_dir, args.ratings)

    port_sr, port_pd = free_port(), free_port()
    streamrec_base, pandas_base = f"http://127.0.0.1:{port_sr}", f"http://127.0.0.1:{port_pd}"
    processes = [
        start(
            [
                sys.executable,
                "-m",
                "streamrec.cli",
                "serve",
                "--no-ui",
                "--port",
                str(port_sr),
                "--data-dir",
                str(data_dir),
            ]
        ),
        start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.pandas_app:app",
                "--port",
                str(port_pd),
                "--loop",
                UVICORN_LOOP,
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env={"STREAMREC_SCORES": str(data_dir / SCORES_CSV)},
        ),
    ]
    try:
        ready = wait_http(streamrec_base + "/health")
        wait_http(pandas_base + "/get_count_platform?platform=netflix")
        print(
            f"streamrec server ready {ready:.2f}s after launch "
            f"({manifest['n_ratings']:,} ratings, {manifest['n_factors']} factors)"
        )
        paths = query_paths()
        agree, total = answers_agree(streamrec_base, pandas_base, paths)
        print(f"answers agree on {agree}/{total} query paths")
        rows = []
        for endpoint, endpoint_paths in paths.items():
            mine = run_wrk(streamrec_base, endpoint_paths, args.duration)
            theirs = run_wrk(pandas_base, endpoint_paths, args.duration)
            rows.append((endpoint, mine, theirs))
            print(
                f"{endpoint:22s} streamrec {mine['rps']:8.0f} req/s  pandas {theirs['rps']:7.0f}"
                f" req/s  x{mine['rps'] / theirs['rps']:.1f}",
                flush=True,
            )
        rec_rows = []
        for endpoint, endpoint_paths in recommendation_paths(streamrec_base, data_dir).items():
            loaded = run_wrk(streamrec_base, endpoint_paths, args.duration)
            wait_idle(streamrec_base)
            single = run_wrk(streamrec_base, endpoint_paths, args.duration, connections=1)
            rec_rows.append((endpoint, loaded, single))
            print(
                f"{endpoint:30s} {loaded['rps']:8.0f} req/s at {CONNECTIONS} connections, "
                f"p50 {single['p50']:.2f} ms alone",
                flush=True,
            )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)

    lines = [
        (
            f"HTTP API load run: wrk, {CONNECTIONS} connections, {args.duration:g} s per endpoint "
            f"and app (wrk: 1 thread, 2 s timeout counted as an error), loopback, one uvicorn "
            f"worker each ({UVICORN_LOOP} event loop, httptools), {os.cpu_count()} cores shared "
            "with wrk. "
            f"Model: {manifest['n_ratings']:,} ratings, {manifest['n_factors']} factors. "
            f"Answers of both apps agree on {agree}/{total} query paths."
        ),
        "",
        (
            "| query endpoint | streamrec req/s | p50 ms | p99 ms | errors | pandas req/s "
            "| p50 ms | p99 ms | errors | throughput ratio |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for endpoint, mine, theirs in rows:
        lines.append(
            f"| `{endpoint}` | {mine['rps']:,.0f} | {mine['p50']:.2f} | {mine['p99']:.2f} | "
            f"{mine['errors']} | {theirs['rps']:,.0f} | {theirs['p50']:.2f} | {theirs['p99']:.2f} "
            f"| {theirs['errors']} | {mine['rps'] / theirs['rps']:.1f}x |"
        )
    lines += [
        "",
        (
            f"| streamrec endpoint | req/s ({CONNECTIONS} conn.) | p50 ms | p99 ms | errors "
            "| p50 ms (1 conn.) | p99 ms (1 conn.) | errors (1 conn.) |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for endpoint, loaded, single in rec_rows:
        lines.append(
            f"| `{endpoint}` | {loaded['rps']:,.0f} | {loaded['p50']:.2f} | {loaded['p99']:.2f} | "
            f"{loaded['errors']} | {single['p50']:.2f} | {single['p99']:.2f} | {single['errors']} |"
        )
    table = "\n".join(lines) + "\n"
    print()
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("# bench_api\n\n" + table)
    print(f"written: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
