"""``transnorm`` command line: argument parsing around the flows and plain functions.

    transnorm detect PATH [PATH ...] [--format jsonl|table]
    transnorm normalize PATH [PATH ...] [--store URL] [--target-lang en] [--s3-endpoint URL]
                             [--glossary FILE] [--mode replace|annotate|keep] [--no-cache]
                             [--workers N] [--timeout SECONDS]
    transnorm models list | install PATH... | install --from-index PAIR | remove SPEC
    transnorm crawl SOURCES.yaml [--source NAME] [--store URL]
    transnorm serve SOURCES.yaml [--store URL]
    transnorm ls [--source S] [--since T] [--until T] [--lang L] [--run R] [--format table|jsonl]
    transnorm cat DOC_ID [--json | --original] [--version V]
    transnorm runs [--limit N]
    transnorm api --config API.yaml [--host H] [--port P]

Exit status: 0 on success, 1 for bad input or a failed run (one line on stderr says why),
2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

DEFAULT_STORE = os.environ.get("TRANSNORM_STORE", "./transnorm-store")


def _prefect_defaults(verbose: bool) -> None:
    # Prefect reads its settings at import time: no telemetry (no network here) and an
    # ephemeral local API unless the user configured a server.
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    # The ephemeral API starts in a subprocess; on a busy 2-core machine Prefect's default
    # of 20 s is sometimes too little, and the command would fail before any work.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


def _fail(message: str) -> int:
    print(f"transnorm: error: {message}", file=sys.stderr)
    return 1


def cmd_detect(args: argparse.Namespace) -> int:
    from ingest import lexicon_cache
    from ingest.reading import MAX_DOCUMENT_BYTES, InputError, read_file
    from normalize.detect import DetectConfig
    from normalize.pipeline import detect_findings

    lexicon_cache.install()
    if args.source_lang and (problem := _check_tag(args.source_lang, "--source-lang")):
        return _fail(problem)
    config = DetectConfig(main_lang=args.source_lang)
    failures = 0
    rows = []
    for path in args.paths:
        try:
            doc = read_file(path, encoding=args.encoding, max_bytes=args.max_bytes or MAX_DOCUMENT_BYTES)
        except InputError as exc:
            failures += 1
            print(f"transnorm: error: {exc}", file=sys.stderr)
            continue
        detection, findings = detect_findings(doc.text, config)
        for f in findings:
            # The main language says what "foreign" was measured against.
            row = {"path": path, "main_lang": detection.main_lang, **f.to_json()}
            if args.format == "jsonl":
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                rows.append(row)
    if args.format == "table":
        from rich.console import Console
        from rich.table import Table

        table = Table()
        table.add_column("path", overflow="fold")
        for name in ("start", "end", "kind", "lang", "conf"):
            table.add_column(name, no_wrap=True)
        table.add_column("text", overflow="fold")
        table.add_column("replacement", overflow="fold")
        for r in rows:
            table.add_row(
                r["path"],
                str(r["start"]),
                str(r["end"]),
                r["kind"],
                r["lang"],
                f"{r['confidence']:.2f}",
                r["text"],
                r.get("replacement", ""),
            )
        Console().print(table)
    return 1 if failures else 0


def cmd_normalize(args: argparse.Namespace) -> int:
    from flows.batch import expand
    from ingest.glossaries import read_glossary
    from ingest.reading import MAX_DOCUMENT_BYTES, InputError, read_file
    from normalize.glossary import GlossaryError

    max_bytes = args.max_bytes or MAX_DOCUMENT_BYTES
    if not expand(args.paths):
        return _fail(f"no files to normalize in {' '.join(args.paths)}")
    # One bad file is the user's most common mistake: say so in one line, before any
    # start-up. With several, each failure is a failed entry of the run instead.
    try:
        if len(args.paths) == 1 and not os.path.isdir(args.paths[0]):
            read_file(args.paths[0], encoding=args.encoding, max_bytes=max_bytes)
        if args.glossary:
            read_glossary(args.glossary)
    except (InputError, GlossaryError) as exc:
        return _fail(str(exc))
    problem = (
        _check_models_dir(args.models_dir)
        or _check_tag(args.target_lang, "--target-lang")
        or (args.source_lang and _check_tag(args.source_lang, "--source-lang"))
    )
    if args.workers < 1 or args.timeout <= 0:
        problem = problem or "--workers must be at least 1 and --timeout above 0"
    if problem:
        return _fail(problem)
    params = dict(
        paths=args.paths,
        store_url=args.store,
        target_lang=args.target_lang,
        s3_endpoint=args.s3_endpoint,
        models_dir=args.models_dir,
        encoding=args.encoding,
        max_bytes=max_bytes,
        glossary=args.glossary,
        mode=args.mode,
        cache=args.cache,
        source_lang=args.source_lang,
        workers=args.workers,
        timeout_s=args.timeout,
    )
    job: Callable[..., dict]
    if os.environ.get("PREFECT_API_URL"):
        # A configured server: the same job as a tracked flow run.
        _prefect_defaults(args.verbose)
        from flows.normalize_file import normalize_files_flow

        job = normalize_files_flow
    else:
        # No server to report to: run the job in this process. Starting Prefect's
        # ephemeral API would cost seconds and can time out on a busy machine.
        from flows.pool import start_forkserver

        start_forkserver()  # the models load while the job's own imports run
        from flows.files import normalize_files

        job = normalize_files

        if args.verbose:
            print("transnorm: no Prefect server configured (PREFECT_API_URL): running in-process", file=sys.stderr)
    try:
        out = job(**params)
    except Exception as exc:  # one line for the user; --verbose shows the traceback
        if args.verbose:
            import traceback

            traceback.print_exc()
        return _fail(_describe(exc))
    failures = 0
    for doc in out["documents"]:
        if doc["status"] == "failed":
            failures += 1
            print(f"transnorm: error: {doc['path']}: {doc['reason']}", file=sys.stderr)
        else:
            print(format_summary(doc["path"], doc))
    if len(out["documents"]) > 1 or failures:
        counts = ", ".join(f"{status} {n}" for status, n in out["counts"].items())
        print(f"{len(out['documents'])} files: {counts} (run {out['run_id']})")
    return 1 if failures else 0


def _check_tag(tag: str, option: str) -> str | None:
    from normalize.tags import is_language_tag

    if not is_language_tag(tag):
        return f"{option} {tag!r} is not a BCP-47 language tag (e.g. en, de, pt-BR)"
    return None


def _check_models_dir(path: str | None) -> str | None:
    # An explicit folder that is not there is a typo, not "no models": say so.
    if path is not None and not os.path.isdir(path):
        return (
            f"--models-dir {path}: no such folder"
            if not os.path.exists(path)
            else f"--models-dir {path} is not a folder"
        )
    return None


def format_summary(path: str, out: dict) -> str:
    s = out["summary"]
    per_lang = ", ".join(f"{lang} {n}" for lang, n in s["fragments_per_lang"].items()) or "none"
    lines = [
        f"{path}: doc_id {out['doc_id']} ({out['status']}), main language {s['main_lang']}",
        f"  fragments: {s['fragments']} ({per_lang})",
        f"  homoglyphs repaired: {s['homoglyphs_repaired']}, unicode repairs: {s['hygiene_changes']}",
        f"  translated: {s['translated']}, untranslated: {s['untranslated']}, rejected: {s['rejected']}"
        f" (from cache: {s['from_cache']}, from glossary: {s['from_glossary']})",
    ]
    if out.get("charset_confidence", 1.0) < 1.0:
        lines.append(
            f"  charset: {out['charset']}, guessed ({out['charset_confidence']:.0%} of its non-ASCII letters form known words;"
            " --encoding forces one)"
        )
    if out.get("fragments"):
        lines.append("  fragments found:")
    for f in out.get("fragments", []):
        how = f["status"] + (f" ({f['reason']})" if f.get("reason") and f["status"] != "translated" else "")
        lines.append(f"    [{f['lang']}] {f['original']!r} -> {how}")
    if any((f.get("reason") or "").startswith("no installed model") for f in out.get("fragments", [])):
        lines.append("  (models: `transnorm models install FILE.argosmodel`, then `transnorm models list`)")
    for name in ("raw", "cleaned", "record"):
        lines.append(f"  {name}: {out['urls'][name]}")
    return "\n".join(lines)


def cmd_models(args: argparse.Namespace) -> int:
    from ingest import models

    if args.action != "install":
        problem = _check_models_dir(args.models_dir)
        if problem:
            return _fail(problem)
    try:
        if args.action == "list":
            found = models.list_models(args.models_dir)
            if args.format == "jsonl":
                for m in found:
                    print(json.dumps(m.to_json(), ensure_ascii=False))
            elif not found:
                print(f"no models installed in {models.models_dir(args.models_dir)}")
            else:
                print("pair\tversion\tsize\tfolder")
                for m in found:
                    print(f"{m.source} -> {m.target}\t{m.version}\t{m.bytes / 1e6:.1f} MB\t{m.path}")
            return 0
        if args.action == "remove":
            for m in models.remove_model(args.spec, args.models_dir, args.version):
                print(f"removed {m.name} {m.version} ({m.path})")
            return 0
        if args.from_index:
            if len(args.paths) != 1:
                return _fail("--from-index takes one language pair, e.g. ru-en")
            m = models.install_from_index(args.paths[0], args.models_dir)
            print(f"installed {m.name} {m.version} ({m.path})")
            return 0
        failed = 0
        for path in args.paths:
            if os.path.isdir(path):
                done, failures = models.install_folder(path, args.models_dir)
            else:
                done, failures = [models.install_archive(path, args.models_dir)], []
            for m in done:
                print(f"installed {m.name} {m.version} ({m.path})")
            for _archive, reason in failures:
                failed += 1
                print(f"transnorm: error: {reason}", file=sys.stderr)
        return 1 if failed else 0
    except models.ModelError as exc:
        return _fail(str(exc))


def cmd_crawl(args: argparse.Namespace) -> int:
    from ingest.glossaries import read_glossary
    from ingest.sources import SourcesError, load_sources
    from normalize.glossary import GlossaryError

    try:
        sources = load_sources(args.sources)
        for s in sources:
            if s.settings.glossary and (args.source is None or s.name == args.source):
                read_glossary(s.settings.glossary)
    except (SourcesError, GlossaryError, FileNotFoundError) as exc:
        return _fail(str(exc))
    names = [s.name for s in sources]
    if args.source and args.source not in names:
        return _fail(f"no source named {args.source!r} in {args.sources} (sources: {', '.join(names)})")
    if args.dask_workers < 1 or args.batch_size < 1:
        return _fail("--dask-workers and --batch-size must be at least 1")
    _prefect_defaults(args.verbose)
    from flows.crawl import crawl_source

    flow = crawl_source
    if args.dask:
        from flows.limits import dask_task_runner

        address = None if args.dask == "local" else args.dask
        flow = crawl_source.with_options(task_runner=dask_task_runner(address, n_workers=args.dask_workers))
    status = 0
    for name in [args.source] if args.source else names:
        try:
            report = flow(
                args.sources,
                name,
                args.store,
                s3_endpoint=args.s3_endpoint,
                models_dir=args.models_dir,
                batch_size=args.batch_size,
                resume=not args.fresh,
            )
        except Exception as exc:  # one source's failure does not stop the others
            status = _fail(f"{name}: {type(exc).__name__}: {exc}")
            continue
        print(format_crawl_report(report))
        fetched = sum(n for k, n in report["pages"].items() if k != "failed")
        if report["failed"] and not fetched:
            status = _fail(f"{name}: every page failed ({_reasons(report['failed'])})")
    return status


def _reasons(failed: list[dict]) -> str:
    """``timeout 3, http-404 2``: failures counted by reason code (the part before ``:``)."""
    counts: dict[str, int] = {}
    for f in failed:
        code = f["reason"].split(":", 1)[0].strip()
        counts[code] = counts.get(code, 0) + 1
    return ", ".join(f"{code} {n}" for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def format_crawl_report(report: dict) -> str:
    pages = ", ".join(f"{k} {v}" for k, v in report["pages"].items()) or "no pages"
    langs = ", ".join(f"{k} {v}" for k, v in report["fragments_per_lang"].items()) or "none"
    lines = [
        f"{report['source']}: {pages}",
        f"  fragments: {langs}; translated {report['translated']}, untranslated {report['untranslated']}",
    ]
    if report["failed"]:
        lines.append(f"  failures by reason: {_reasons(report['failed'])}")
    lines += [f"  failed {f['url']}: {f['reason']}" for f in report["failed"]]
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace) -> int:
    from ingest.sources import SourcesError, load_sources

    try:
        load_sources(args.sources)
    except (SourcesError, FileNotFoundError) as exc:
        return _fail(str(exc))
    _prefect_defaults(args.verbose)
    # Prefect's ephemeral API runs no scheduler, so schedules served against it never
    # produce a run. Without a configured server, a local one is started for the
    # session (with its services), and stopped with it.
    import signal

    # Until Prefect's runner installs its own handler, SIGTERM unwinds through `finally`,
    # so the local server is never left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = None if os.environ.get("PREFECT_API_URL") else _start_local_server(args.verbose)
    try:
        from prefect import serve

        from flows.crawl import deployments

        if server is not None and args.verbose:
            print(
                f"transnorm: no Prefect server configured; serving against a local one at {os.environ['PREFECT_API_URL']}",
                file=sys.stderr,
            )
        # One flow run at a time: two runs of one source would claim the same pages. (A
        # deployment concurrency limit, as deploy/prefect.yaml sets for work pools, makes
        # Prefect's runner cancel its own runs: "concurrency slot lost during provisioning".)
        serve(*deployments(os.path.abspath(args.sources), args.store, args.s3_endpoint, args.models_dir), limit=1)
    finally:
        if server is not None:
            _stop_process_group(server)
    return 0


def _start_local_server(verbose: bool):
    """``prefect server start`` on a free port of 127.0.0.1, in its own process group;
    ``PREFECT_API_URL`` then points at it. Raises ``RuntimeError`` when it does not
    answer within 90 s."""
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        # A schedule is turned into runs by the scheduler loop: every 5 s rather than 60.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
    }
    prefect = os.path.join(os.path.dirname(sys.executable), "prefect")
    proc = subprocess.Popen(
        [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        start_new_session=True,
        stdout=None if verbose else subprocess.DEVNULL,
        stderr=None if verbose else subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the local Prefect server exited with status {proc.returncode} (-v shows its log)")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    os.environ["PREFECT_API_URL"] = url
                    return proc
        except OSError:
            time.sleep(0.5)
    _stop_process_group(proc)
    raise RuntimeError("the local Prefect server did not answer within 90 s")


def _stop_process_group(proc) -> None:
    """SIGTERM to ``proc``'s process group, SIGKILL after 10 s: nothing it started survives."""
    import signal
    import subprocess

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
    except ProcessLookupError:
        pass


def _reader(args: argparse.Namespace):
    from flows.stores import open_store
    from ingest.reader import Reader

    local = (
        args.store[len("file://") :]
        if args.store.startswith("file://")
        else (None if "://" in args.store else args.store)
    )
    if local is not None and not os.path.isdir(os.path.expanduser(local)):
        # open_store would create the folder; for reading, a missing one is a mistyped --store.
        raise SystemExit(_fail(f"no store at {args.store}"))
    return Reader(open_store(args.store, s3_endpoint=args.s3_endpoint))


def cmd_ls(args: argparse.Namespace) -> int:
    try:
        reader = _reader(args)
        docs = reader.documents(source=args.source, lang=args.lang, since=args.since, until=args.until, run=args.run)
        for d in docs:
            if args.format == "jsonl":
                print(
                    json.dumps(
                        {
                            "doc_id": d.doc_id,
                            "version": d.version,
                            "processed_at": d.processed_at,
                            "source": d.origin,
                            "path": d.source["path"],
                            "main_lang": d.main_lang,
                            "fragment_langs": list(d.fragment_langs),
                            "run_id": d.run_id,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                langs = ",".join(d.fragment_langs) or "-"
                print(
                    f"{d.doc_id}  {d.version}  {d.processed_at}  {d.main_lang:<5} {langs:<12} {d.origin:<10} {d.source['path']}"
                )
    except KeyError:
        return _fail(f"no finished run {args.run!r} in {args.store} (unknown, or still running)")
    except ValueError as exc:
        return _fail(f"--since/--until must be ISO 8601 times (2026-11-29 or 2026-11-29T08:00:00+01:00): {exc}")
    return 0


def cmd_cat(args: argparse.Namespace) -> int:
    reader = _reader(args)
    try:
        if args.original:
            sys.stdout.buffer.write(reader.original(args.doc_id, args.version))
        elif args.json:
            print(json.dumps(reader.record(args.doc_id, args.version), ensure_ascii=False, indent=1))
        else:
            sys.stdout.write(reader.cleaned_text(args.doc_id, args.version))
    except KeyError:
        what = f"version {args.version} of " if args.version else ""
        return _fail(f"no {what}document {args.doc_id} in {args.store}")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    for run in _reader(args).runs(args.limit):
        counts = ", ".join(f"{k} {v}" for k, v in run.counts.items()) or "no documents"
        print(
            f"{run.run_id}  {counts}"
            + ("" if run.finished else "  (unfinished: running, or killed and not yet resumed)")
        )
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    _prefect_defaults(False)
    from flows.api import create_app, load_settings, serve

    try:
        settings = load_settings(args.config)
        if args.store:
            from dataclasses import replace as _replace

            settings = _replace(settings, store_url=args.store)
        if not settings.tokens:
            return _fail(
                f"{args.config}: no tokens configured (set the environment variables it names); without one nobody can use the service"
            )
        app = create_app(settings)
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    serve(app, args.host, args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="transnorm", description="Find, repair and translate foreign fragments in mostly-English text."
    )
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("detect", help="print findings (nothing is stored)")
    d.add_argument("paths", nargs="+", metavar="PATH")
    d.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    d.add_argument("--encoding", help="decode input with this encoding instead of detecting it")
    d.add_argument(
        "--max-bytes", type=int, default=None, help="refuse files larger than this many bytes (default: 50,000,000)"
    )
    d.add_argument("--source-lang", default=None, help="the documents' main language (BCP-47) instead of detecting it")
    d.set_defaults(func=cmd_detect)

    n = sub.add_parser("normalize", help="normalize files and folders, store the results")
    n.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders (every file inside, recursively)")
    n.add_argument(
        "--store",
        default=DEFAULT_STORE,
        help="local folder or s3://bucket/prefix (default: %(default)s, or $TRANSNORM_STORE)",
    )
    n.add_argument("--target-lang", default="en", help="BCP-47 tag (default: %(default)s)")
    n.add_argument("--source-lang", default=None, help="the document's main language (BCP-47) instead of detecting it")
    n.add_argument("--s3-endpoint", default=None, help="S3-compatible endpoint URL (default: $AWS_ENDPOINT_URL or AWS)")
    n.add_argument(
        "--models-dir", default=None, help="argos packages folder (default: $ARGOS_PACKAGES_DIR or argostranslate's)"
    )
    n.add_argument("--encoding", help="decode input with this encoding instead of detecting it")
    n.add_argument(
        "--max-bytes", type=int, default=None, help="refuse files larger than this many bytes (default: 50,000,000)"
    )
    n.add_argument("--glossary", default=None, metavar="FILE", help="TSV or YAML glossary applied before the model")
    n.add_argument(
        "--mode",
        choices=("replace", "annotate", "keep"),
        default="replace",
        help="replace fragments with translations (default), annotate them, or keep them and only record",
    )
    n.add_argument("--no-cache", dest="cache", action="store_false", help="do not use the store's translation cache")
    n.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="documents normalized at once, one process each (default: %(default)s)",
    )
    n.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="time budget per document; a document over it is stopped and fails (default: %(default)s)",
    )
    n.add_argument(
        "-v", "--verbose", action="store_true", help="say how the job runs, show Prefect's run log and tracebacks"
    )
    n.set_defaults(func=cmd_normalize)

    m = sub.add_parser("models", help="list, install or remove translation models")
    msub = m.add_subparsers(dest="action", required=True)
    dirs = argparse.ArgumentParser(add_help=False)
    dirs.add_argument(
        "--models-dir", default=None, help="models folder (default: $ARGOS_PACKAGES_DIR or argostranslate's)"
    )
    ml = msub.add_parser("list", parents=[dirs], help="installed models: pair, version, size, folder")
    ml.add_argument("--format", choices=("table", "jsonl"), default="table")
    mi = msub.add_parser(
        "install", parents=[dirs], help="install .argosmodel files, every one in a folder, or --from-index PAIR"
    )
    mi.add_argument(
        "paths", nargs="+", metavar="PATH", help=".argosmodel file or folder; with --from-index, a pair like ru-en"
    )
    mi.add_argument("--from-index", action="store_true", help="download from the argos package index (needs network)")
    mr = msub.add_parser("remove", parents=[dirs], help="remove a model by pair (ru-en) or name (translate-ru_en)")
    mr.add_argument("spec", metavar="SPEC")
    mr.add_argument("--version", default=None)
    m.set_defaults(func=cmd_models)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("sources", metavar="SOURCES.yaml")
    common.add_argument(
        "--store", default=DEFAULT_STORE, help="local folder or s3://bucket/prefix (default: %(default)s)"
    )
    common.add_argument("--s3-endpoint", default=None)
    common.add_argument("--models-dir", default=None)
    common.add_argument("-v", "--verbose", action="store_true", help="show Prefect's run log")
    c = sub.add_parser("crawl", parents=[common], help="crawl the sources once (all, or --source NAME)")
    c.add_argument("--source", default=None, metavar="NAME")
    c.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="run the batches on a Dask cluster: 'local' starts one on this machine, else the scheduler's address (tcp://host:8786)",
    )
    c.add_argument(
        "--dask-workers",
        type=int,
        default=2,
        metavar="N",
        help="worker processes of a local Dask cluster (default: %(default)s)",
    )
    c.add_argument("--batch-size", type=int, default=20, metavar="N", help="URLs per batch (default: %(default)s)")
    c.add_argument(
        "--fresh",
        action="store_true",
        help="start a new run even if the source's last run was cut short (default: resume it)",
    )
    c.set_defaults(func=cmd_crawl)
    sv = sub.add_parser("serve", parents=[common], help="serve the sources' scheduled crawls (Prefect serve)")
    sv.set_defaults(func=cmd_serve)

    store = argparse.ArgumentParser(add_help=False)
    store.add_argument(
        "--store", default=DEFAULT_STORE, help="local folder or s3://bucket/prefix (default: %(default)s)"
    )
    store.add_argument("--s3-endpoint", default=None)
    store.add_argument("-v", "--verbose", action="store_true", help="show the traceback of a failure")
    ls = sub.add_parser("ls", parents=[store], help="list stored documents (latest versions)")
    ls.add_argument("--source", default=None, help="upload, or a crawl source's name")
    ls.add_argument("--lang", default=None, help="main or fragment language (BCP-47; zh matches zh-Hant)")
    ls.add_argument("--since", default=None, help="processed at or after (ISO 8601, UTC if no zone)")
    ls.add_argument("--until", default=None, help="processed before (ISO 8601)")
    ls.add_argument("--run", default=None, help="documents written by this run")
    ls.add_argument("--format", choices=("table", "jsonl"), default="table")
    ls.set_defaults(func=cmd_ls)
    ct = sub.add_parser("cat", parents=[store], help="print a document's cleaned text, record or original")
    ct.add_argument("doc_id", metavar="DOC_ID")
    how = ct.add_mutually_exclusive_group()
    how.add_argument("--json", action="store_true", help="the JSON record")
    how.add_argument("--original", action="store_true", help="the input bytes as received")
    ct.add_argument("--version", default=None, help="a stored version (default: the latest)")
    ct.set_defaults(func=cmd_cat)
    rn = sub.add_parser("runs", parents=[store], help="recent finished runs with their counts")
    rn.add_argument("--limit", type=int, default=20)
    rn.set_defaults(func=cmd_runs)

    ap = sub.add_parser("api", help="serve the HTTP upload API (FastAPI on uvicorn)")
    ap.add_argument("--config", required=True, help="YAML settings: tokens, store, limits (see deploy/api.yaml)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--store", default=None, help="store URL, overriding the configuration's store_url")
    ap.set_defaults(func=cmd_api)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `transnorm ls | head`: the reader left, nothing went wrong
        # Python's recipe: point stdout at devnull so the flush at exit cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a store or network failure: one line; -v shows where
        if getattr(args, "verbose", False):
            import traceback

            traceback.print_exc()
        return _fail(
            f"{_describe(exc)} (-v shows the traceback)" if not getattr(args, "verbose", False) else _describe(exc)
        )


def _describe(exc: BaseException) -> str:
    """One line for an unexpected failure, in the user's terms where we know them."""
    from botocore.exceptions import BotoCoreError, ClientError  # boto3 is a dependency

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"the store answered {error.get('Code', '?')}: {error.get('Message', exc)}"
    if isinstance(exc, BotoCoreError):
        return f"the store is unreachable: {exc}"
    return f"{type(exc).__name__}: {exc}"


if __name__ == "__main__":
    sys.exit(main())
