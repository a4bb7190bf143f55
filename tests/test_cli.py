"""The ``transnorm`` console script, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CORPUS, REPO

TRANSNORM = str(Path(sys.executable).with_name("transnorm"))
STABLE_KEYS = {"path", "start", "end", "text", "kind", "lang", "confidence"}


def run(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})}
    # The tests' own Prefect harness must not leak into the child: it starts its own.
    full_env.pop("PREFECT_API_URL", None)
    return subprocess.run([TRANSNORM, *args], capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO)


@pytest.mark.corpus
def test_detect_jsonl_is_the_stable_interface(seed_path, seed_text):
    proc = run("detect", str(seed_path), "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert all(STABLE_KEYS <= row.keys() for row in rows)
    assert [(r["kind"], r["lang"], r["text"]) for r in rows] == [
        ("foreign", "zh-Hant", "已發表 26 05, 2020 作者"),
        ("homoglyph", "en", "\u0430"),
        ("foreign", "ru", "За «головы»"),
        ("foreign", "ru", "не только"),
    ]
    for r in rows:
        assert seed_text[r["start"] : r["end"]] == r["text"]
    assert rows[1]["replacement"] == "a"
    assert {r["main_lang"] for r in rows} == {"en"}


def test_detect_takes_the_main_language_given(tmp_path):
    # Given German as the main language, the English sentences are the foreign ones.
    path = tmp_path / "short.txt"
    path.write_text("He said: Der Eintritt ist frei. We went in and paid nothing at all.", encoding="utf-8")
    proc = run("detect", str(path), "--source-lang", "de")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {r["main_lang"] for r in rows} == {"de"} and {r["lang"] for r in rows} == {"en"}
    bad = run("detect", str(path), "--source-lang", "x y")
    assert bad.returncode == 1 and "not a BCP-47 language tag" in bad.stderr


@pytest.mark.corpus
def test_detect_several_files_with_legacy_encodings(tmp_path, seed_path):
    ru = (CORPUS / "sentences" / "ru.txt").read_text(encoding="utf-8").splitlines()[0]
    zh = min((CORPUS / "sentences" / "zh.txt").read_text(encoding="utf-8").splitlines()[:50], key=len)
    cp1251 = tmp_path / "ru-cp1251.txt"
    cp1251.write_bytes(f"The minister said {ru} and left the room without another word.".encode("cp1251"))
    gb = tmp_path / "zh-gb18030.txt"
    english = "The report of the committee quotes the sentence below in its summary of the meeting held last week."
    gb.write_bytes(f"{english}\n{zh}\n{english}".encode("gb18030"))
    proc = run("detect", str(cp1251), str(gb), str(seed_path))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    by_path = {}
    for r in rows:
        by_path.setdefault(r["path"], []).append(r)
    [ru_row] = by_path[str(cp1251)]
    assert (ru_row["lang"], ru_row["text"]) == ("ru", ru.rstrip("."))
    [zh_row] = by_path[str(gb)]
    assert zh_row["lang"] == "zh-Hans" and zh_row["text"].startswith(zh[:5])
    assert len(by_path[str(seed_path)]) == 4


@pytest.mark.corpus
def test_detect_table_format(seed_path):
    proc = run("detect", str(seed_path), "--format", "table")
    assert proc.returncode == 0
    assert "zh-Hant" in proc.stdout and "homoglyph" in proc.stdout


@pytest.mark.parametrize(
    "content, reason",
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is binary (image/png)"),
        ("Это русский текст. ".encode() * 4 + b"\xfe\xff" + "конец".encode(), "not valid UTF-8"),
    ],
    ids=["missing", "empty", "png", "invalid-utf8"],
)
def test_normalize_bad_input_one_line_nonzero_nothing_stored(tmp_path, content, reason):
    path = tmp_path / "upload.txt"
    if content is not None:
        path.write_bytes(content)
    store = tmp_path / "store"
    proc = run("normalize", str(path), "--store", str(store))
    assert proc.returncode == 1
    assert proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert line.startswith("transnorm: error: ") and reason in line
    assert not store.exists()


def test_normalize_an_empty_folder_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = run("normalize", str(tmp_path / "empty"), "--store", str(tmp_path / "store"))
    assert (
        proc.returncode == 1
        and proc.stderr.strip() == f"transnorm: error: no files to normalize in {tmp_path / 'empty'}"
    )
    assert not (tmp_path / "store").exists()


def test_normalize_files_and_folders_in_one_run(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for i in range(6):
        (folder / ("sub" if i % 2 else "") / f"page-{i}.txt").write_text(
            f"Page {i} of the run says не только and moves on.\n", encoding="utf-8"
        )
    (folder / ".hidden.txt").write_text("not read\n")
    (folder / "empty.txt").write_bytes(b"")
    proc = run(
        "normalize", str(folder), str(tmp_path / "missing.txt"), "--store", str(tmp_path / "store"), "--workers", "2"
    )
    assert proc.returncode == 1  # two files failed; the other six are stored
    assert sorted(proc.stderr.strip().splitlines()) == [
        f"transnorm: error: {folder / 'empty.txt'}: unreadable: {folder / 'empty.txt'} is empty",
        f"transnorm: error: {tmp_path / 'missing.txt'}: unreadable: no such file: {tmp_path / 'missing.txt'}",
    ]
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("8 files: failed 2, written 6 (run ")
    run_id = last.rsplit(" ", 1)[-1].rstrip(")")
    entries = [
        json.loads(line) for line in (tmp_path / "store" / "runs" / run_id / "manifest.jsonl").read_text().splitlines()
    ]
    assert sorted(e["action"] for e in entries) == ["failed"] * 2 + ["written"] * 6
    assert len(list((tmp_path / "store" / "latest").iterdir())) == 6


@pytest.mark.corpus
def test_normalize_succeeds_while_every_cpu_is_saturated(tmp_path, seed_path):
    # Busy loops on every core, as a machine running other jobs: the command has no
    # server start-up to time out (it runs in-process without PREFECT_API_URL).
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        proc = run("normalize", str(seed_path), "--store", str(tmp_path / "store"), "-v", timeout=600)
    finally:
        for b in burners:
            b.kill()
            b.wait()
    assert proc.returncode == 0, proc.stderr
    assert "running in-process" in proc.stderr
    pointers = list((tmp_path / "store" / "latest").iterdir())
    assert len(pointers) == 1
    assert json.loads(pointers[0].read_text())["fragment_langs"] == ["ru", "zh-Hant"]


@pytest.mark.corpus
def test_normalize_with_a_bad_glossary_fails_in_one_line(tmp_path, seed_path):
    glossary = tmp_path / "g.tsv"
    glossary.write_text("ru\tне только\n", encoding="utf-8")
    proc = run("normalize", str(seed_path), "--store", str(tmp_path / "store"), "--glossary", str(glossary))
    assert proc.returncode == 1
    assert (
        proc.stderr.strip()
        == f"transnorm: error: {glossary}:1: expected 3 or 4 tab-separated columns (lang, source, translation[, target]), got 2"
    )
    assert not (tmp_path / "store").exists()


@pytest.mark.corpus
def test_normalize_end_to_end_with_ephemeral_prefect(tmp_path, seed_path):
    store = tmp_path / "store"
    glossary = REPO / "deploy" / "glossary.tsv"
    proc = run("normalize", str(seed_path), "--store", str(store), "--target-lang", "en", "--glossary", str(glossary))
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "main language en" in out
    assert "fragments: 3 (ru 2, zh-Hant 1)" in out
    assert "homoglyphs repaired: 1" in out
    # The sample glossary translates the byline; no model is installed for the rest.
    assert "translated: 1, untranslated: 2, rejected: 0 (from cache: 0, from glossary: 1)" in out
    records = list(store.glob("docs/*/*/record.json"))
    [record_path] = records
    record = json.loads(record_path.read_text(encoding="utf-8"))
    reasons = {c["reason"] for c in record["changes"] if c["kind"] == "foreign" and c["status"] == "untranslated"}
    assert reasons == {"no installed model ru->en"}
    assert "Posted 26 05, 2020 by CEO" in record["cleaned_text"]
    assert "    [zh-Hant] '已發表 26 05, 2020 作者' -> translated\n" in out
    assert "    [ru] 'не только' -> untranslated (no installed model ru->en)\n" in out
    assert str(record_path) in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--models-dir", "/nonexistent/models"], "--models-dir /nonexistent/models: no such folder"),
        (
            ["--target-lang", "english please"],
            "--target-lang 'english please' is not a BCP-47 language tag (e.g. en, de, pt-BR)",
        ),
        (["--glossary", "/nonexistent/g.tsv"], "no such glossary file: /nonexistent/g.tsv"),
    ],
)
@pytest.mark.corpus
def test_normalize_option_mistakes_fail_before_any_work(tmp_path, seed_path, extra, message):
    proc = run("normalize", str(seed_path), "--store", str(tmp_path / "store"), *extra)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"transnorm: error: {message}"
    assert not (tmp_path / "store").exists()


def test_store_failure_is_one_line_and_verbose_shows_the_traceback(tmp_path):
    # Nothing listens on port 9 of 127.0.0.1: every S3 call fails to connect.
    args = ("ls", "--store", "s3://bucket/prefix", "--s3-endpoint", "http://127.0.0.1:9")
    proc = run(*args, env={"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"})
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("transnorm: error: the store is unreachable"), proc.stderr
    assert "Traceback" not in proc.stderr
    verbose = run(
        *args, "-v", env={"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr


def test_documents_over_the_size_limit_are_refused_in_one_line(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("An English sentence. " * 100, encoding="utf-8")
    proc = run("detect", str(path), "--max-bytes", "1000")
    assert proc.returncode == 1
    assert (
        proc.stderr.strip()
        == f"transnorm: error: {path} is 2,100 bytes, over the 1,000-byte document limit (--max-bytes raises it)"
    )
