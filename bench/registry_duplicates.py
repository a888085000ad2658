"""Peak memory and CPU of a registry's check (``import-practices --dry-run``) for one or more checkouts, side by side.

Run: ``.venv/bin/python bench/registry_duplicates.py --instance DIR --registry FILE --user EMAIL [--repeat 3]
[--checkout PATH ...]``.

Each run is a fresh process under ``/usr/bin/time -v`` on a throw-away copy of the instance (a dry run writes
nothing, but the index and the fingerprints may be brought up to date on the way); the checkouts take turns, so
that a busy moment of a shared machine falls on both. Prints each run and the medians: peak RSS (MB) and CPU
seconds (user + system).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(checkout: Path, instance: Path, registry: Path, user: str) -> tuple[float, float]:
    """(peak RSS in MB, CPU seconds) of one dry run of ``registry`` with ``checkout``'s code."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "instance"
        shutil.copytree(instance, copy, ignore=shutil.ignore_patterns("*.lock"))
        env = {**os.environ, "KB_INSTANCE": str(copy), "PYTHONPATH": str(checkout)}
        done = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", "flask", "--app", "kb", "import-practices",
                               str(registry), "--dry-run", "--user", user],
                              cwd=checkout, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: {done.stderr[-2000:]}")
    stats = dict(re.findall(r"^\s*(.+?): (.+)$", done.stderr, re.M))
    cpu = float(stats["User time (seconds)"]) + float(stats["System time (seconds)"])
    return int(stats["Maximum resident set size (kbytes)"]) / 1024, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, required=True, help="an instance folder holding the bank")
    parser.add_argument("--registry", type=Path, required=True, help="the registry to check (CSV, XLSX, ODS)")
    parser.add_argument("--user", required=True, help="whose import it is (an e-mail)")
    parser.add_argument("--checkout", type=Path, action="append", help="a copy of the code (default: this one)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    checkouts = args.checkout or [ROOT]
    results: dict[Path, list[tuple[float, float]]] = {checkout: [] for checkout in checkouts}
    for attempt in range(args.repeat):
        for checkout in checkouts:
            rss, cpu = run(checkout.resolve(), args.instance.resolve(), args.registry.resolve(), args.user)
            results[checkout].append((rss, cpu))
            print(f"{attempt + 1}. {checkout}: {rss:.0f} МБ, {cpu:.1f} с ЦП", flush=True)
    for checkout, values in results.items():
        print(f"{checkout}: медиана {statistics.median(v[0] for v in values):.0f} МБ, "
              f"{statistics.median(v[1] for v in values):.1f} с ЦП ({len(values)} прогона)")


if __name__ == "__main__":
    main()
