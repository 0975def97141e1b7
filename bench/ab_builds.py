"""Two builds of streamrec side by side, in alternation: did a change move the figures?

Runs the streamrec side of `bench_svd.py` (ml-100k u1 and, if cached, the Henry-shaped 11M split)
and the streamrec timings of `bench_catalog.py`, each in a fresh process, once with build A's
package first on `PYTHONPATH` and once with build B's, alternating A, B, B, A, ... so that the
machine's slow and fast spells fall on both. Prints each figure's median per build and B / A.

    python bench/ab_builds.py --a /path/to/old/python --b python [--rounds 4] [--henry]

A build's package folder is the folder holding `streamrec/` with its compiled `_core*.so`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent

CATALOG_WORKER = """
import json, time, statistics
import streamrec as sr
catalog = sr.Catalog()
def best(call, number, repeat=7):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            call()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)
print(json.dumps({
    "read_catalog_ms": 1e3 * best(sr.read_catalog, 3),
    "Catalog()_ms": 1e3 * best(sr.Catalog, 3),
    "get_max_duration_us": 1e6 * best(lambda: catalog.get_max_duration(2018, "netflix", "min"), 2000),
    "get_actor_us": 1e6 * best(lambda: catalog.get_actor("netflix", 2019), 2000),
    "get_contents_us": 1e6 * best(lambda: catalog.get_contents("tv-ma"), 2000),
}))
"""


def run(package: str, args: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(Path(package).resolve()), OPENBLAS_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", required=True, help="package folder of build A (the baseline)")
    parser.add_argument("--b", required=True, help="package folder of build B")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--henry", action="store_true", help="also the cached 11M split")
    args = parser.parse_args()

    cases = {
        "svd ml-100k": [
            str(BENCH / "bench_svd.py"),
            "--worker",
            "streamrec",
            "--dataset",
            "ml100k",
        ],
        "catalog": ["-c", CATALOG_WORKER],
    }
    if args.henry:
        cache = Path.home() / ".cache" / "streamrec" / "bench"
        henry = max(
            (p.name for p in cache.glob("henry-*") if (p / "train.parquet").exists()),
            key=lambda name: int(name.split("-")[1]),
            default=None,
        )
        if henry is None:
            sys.exit(f"no cached Henry-shaped split under {cache}: run bench/bench_svd.py once")
        cases["svd 11M (3 epochs)"] = [
            str(BENCH / "bench_svd.py"),
            "--worker",
            "streamrec",
            "--dataset",
            henry,
            "--epochs",
            "3",
        ]
    results: dict[str, dict[str, dict[str, list[float]]]] = {}
    for round_index in range(args.rounds):
        order = ("a", "b") if round_index % 2 == 0 else ("b", "a")
        for case, command in cases.items():
            for side in order:
                figures = run(getattr(args, side), command)
                per_side = results.setdefault(case, {}).setdefault(side, {})
                for key, value in figures.items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        per_side.setdefault(key, []).append(float(value))
        print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)

    lines = [
        (
            f"A/B: A = {args.a}, B = {args.b}; {args.rounds} rounds in alternation, "
            "each run a fresh process; medians."
        ),
        "",
        "| case | figure | A | B | B / A |",
        "|---|---|---:|---:|---:|",
    ]
    for case, sides in results.items():
        for key in sides["a"]:
            a = statistics.median(sides["a"][key])
            b = statistics.median(sides["b"][key])
            ratio = f"{b / a:.3f}" if a else "-"
            lines.append(f"| {case} | {key} | {a:.4g} | {b:.4g} | {ratio} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
