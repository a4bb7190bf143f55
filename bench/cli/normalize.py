"""Wall time of ``transnorm normalize`` as a user sees it: one small file, and 100 small
files in one call, into a local store, with no Prefect server configured.

Each figure is the median of ``--repeat`` runs of the real command in a fresh process.
"cold" runs with an empty word list cache (a new machine's first run); "warm" with the
cache the cold run left. The baseline, measured in the same run, is a process that only
imports langdetect and names the sample's language: the floor of any Python tool that
looks at the text. Targets (issue 16): one file <= 3 s warm; 100 files >= 20 files/s.

    .venv/bin/python -m bench.cli.normalize [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "mixed-article.txt"
TRANSNORM = Path(sys.executable).parent / "transnorm"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    return time.perf_counter() - start


def small_files(folder: Path, n: int) -> None:
    """``n`` distinct small files: the sample's paragraphs, each file a different pair."""
    paragraphs = [p for p in SAMPLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    for i in range(n):
        a, b = paragraphs[i % len(paragraphs)], paragraphs[(i * 7 + 3) % len(paragraphs)]
        (folder / f"doc-{i:03d}.txt").write_text(f"Note {i}.\n\n{a}\n\n{b}\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = dict(os.environ, TRANSNORM_CACHE_DIR=str(tmp_path / "cache"), DO_NOT_TRACK="1")
        env.pop("PREFECT_API_URL", None)
        files = tmp_path / "files"
        files.mkdir()
        small_files(files, 100)

        def one(store: str) -> list[str]:
            return [str(TRANSNORM), "normalize", str(SAMPLE), "--store", str(tmp_path / store)]

        baseline = statistics.median(
            timed([sys.executable, "-c", f"import langdetect; langdetect.detect(open({str(SAMPLE)!r}).read())"], env)
            for _ in range(args.repeat)
        )
        cold = []
        for i in range(args.repeat):
            shutil.rmtree(tmp_path / "cache", ignore_errors=True)
            cold.append(timed(one(f"cold-{i}"), env))
        warm = statistics.median(timed(one(f"warm-{i}"), env) for i in range(args.repeat))
        many = statistics.median(
            timed([str(TRANSNORM), "normalize", str(files), "--store", str(tmp_path / f"many-{i}")], env)
            for i in range(args.repeat)
        )
    print(f"machine: {os.cpu_count()} CPUs; median of {args.repeat} runs each")
    print(f"baseline (python + langdetect on the sample)  {baseline:5.2f} s")
    print(
        f"one file, cold word list cache                {statistics.median(cold):5.2f} s  ({statistics.median(cold) / baseline:.1f}x baseline)"
    )
    print(
        f"one file, warm                                {warm:5.2f} s  ({warm / baseline:.1f}x baseline; target <= 3 s)"
    )
    print(f"100 files in one call, warm                   {many:5.2f} s  = {100 / many:.1f} files/s (target >= 20)")


if __name__ == "__main__":
    main()
