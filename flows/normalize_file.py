"""Prefect flows ``normalize-files`` (:func:`flows.files.normalize_files` as a tracked
flow run, with a Markdown artifact listing every file) and ``normalize-job`` (one API
job, :func:`flows.files.run_job`, when the API has a Prefect server to send jobs to)."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.files import DEFAULT_TIMEOUT_S, normalize_files, run_job
from ingest.reading import MAX_DOCUMENT_BYTES


def _markdown(out: dict) -> str:
    lines = [f"# Run {out['run_id']}", ""]
    lines += [f"- {status}: {n}" for status, n in out["counts"].items()]
    lines += [
        "",
        "| file | status | main language | fragments | homoglyphs | reason |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for d in out["documents"]:
        s = d.get("summary") or {}
        langs = ", ".join(f"{k}: {v}" for k, v in s.get("fragments_per_lang", {}).items())
        reason = (d.get("reason") or "").replace("|", "/")
        lines.append(
            f"| {d['path']} | {d['status']} | {s.get('main_lang', '')} | {langs} | {s.get('homoglyphs_repaired', '')} | {reason} |"
        )
    return "\n".join(lines) + "\n"


@flow(name="normalize-files", log_prints=False)
def normalize_files_flow(
    paths: list[str],
    store_url: str,
    target_lang: str = "en",
    s3_endpoint: str | None = None,
    models_dir: str | None = None,
    encoding: str | None = None,
    glossary: str | None = None,
    mode: str = "replace",
    cache: bool = True,
    source_lang: str | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    workers: int = 2,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> dict:
    """:func:`flows.files.normalize_files` as a flow run; the artifact
    ``normalize-files-summary`` lists every file."""
    out = normalize_files(
        paths,
        store_url,
        target_lang,
        s3_endpoint,
        models_dir,
        encoding,
        glossary,
        mode,
        cache,
        source_lang,
        max_bytes,
        workers,
        timeout_s,
    )
    create_markdown_artifact(
        markdown=_markdown(out), key="normalize-files-summary", description=f"{len(out['documents'])} files"
    )
    get_run_logger().info("run %s: %s", out["run_id"], out["counts"])
    return out


@flow(name="normalize-job", log_prints=False)
def normalize_job_flow(
    job_id: str,
    store_url: str,
    s3_endpoint: str | None = None,
    models_dir: str | None = None,
    glossaries: dict[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> dict:
    """The API job ``job_id``, whose input and options the API stored (:mod:`ingest.jobs`),
    as a flow run; writes and returns the job's final status."""
    from prefect.runtime import flow_run

    out = run_job(job_id, store_url, s3_endpoint, models_dir, glossaries, timeout_s, flow_run_id=flow_run.id)
    get_run_logger().info("job %s: %s", job_id, out.get("status"))
    return out
