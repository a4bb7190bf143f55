"""The ``crawl-source`` flow against a real HTTP server on 127.0.0.1 (tests/http_site.py)
serving pages from ../shared/corpus/html, under Prefect's test harness. No internet:
every host name is mapped to an address with the source's ``resolve`` setting, and the
private addresses it maps to are refused before any connection is made."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from prefect.settings import PREFECT_API_URL
from prefect.testing.utilities import prefect_test_harness

from flows.crawl import crawl_source, deployments
from ingest.crawl import state_key
from ingest.fetch import Fetcher, FetchError, Policy, check_address
from ingest.resume import run_pointer_key
from ingest.runs import part_ids, part_key
from ingest.sources import SourcesError, load_sources
from ingest.store import LocalStore
from tests.http_site import Route, Site, corpus_copies, sitemap_source

from .conftest import CORPUS, REPO

PAGES = [
    "en-bbc.com",
    "en-fouryears.eu",
    "ru-football.ua",
    "zh-Hans-xinhuanet.com",
    "ja-nhk.or.jp",
    "de-die-partei.net",
]
GBK_TEXT = "中国人民银行今天发布公告，决定下调金融机构存款准备金率。此次调整旨在保持流动性合理充裕，支持实体经济发展。"


def slug(name: str) -> str:
    return name.replace(".", "-")


@pytest.fixture(scope="module", autouse=True)
def harness():
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def site():
    s = Site().start()
    base = f"http://corpus.example:{s.port}"
    for name in PAGES:
        s.routes[f"/pages/{slug(name)}"] = Route((CORPUS / "html" / f"{name}.html").read_bytes())
    s.routes["/robots.txt"] = Route(
        f"User-agent: *\nDisallow: /private-area/\nSitemap: {base}/sitemap.xml\n".encode(), "text/plain"
    )
    pages = (
        [f"{base}/pages/{slug(n)}" for n in PAGES]
        + [f"{base}/{p}" for p in ("flaky", "slow", "loop", "big", "logo", "gbk", "private-area/secret", "to-metadata")]
        + ["https://elsewhere.example.org/page"]
    )
    s.routes["/sitemap.xml"] = Route(_sitemap_index([f"{base}/sitemap-pages.xml"]), "application/xml")
    s.routes["/sitemap-pages.xml"] = Route(_urlset(pages), "application/xml")
    s.routes["/feed.xml"] = Route(_rss([f"{base}/posts/one"]), "application/rss+xml")
    s.routes["/posts/one"] = Route(
        b"<html><head><title>One</title></head><body><article><p>"
        + b"A post that only the feed links to, long enough to be extracted as the main text of the page. " * 3
        + b"</p></article></body></html>"
    )
    html = (CORPUS / "html" / "en-expapp.com.html").read_bytes()
    s.routes["/flaky"] = Route(html, statuses=[500, 503])
    # Slower than the sources' 2 s read timeout. The timeout is not shorter because this
    # server shares a GIL with the crawl's extraction threads, which can hold up an answer.
    s.routes["/slow"] = Route((CORPUS / "html" / "en-sciencealert.com.html").read_bytes(), delay=3.0)
    s.routes["/loop"] = Route(status=302, headers={"Location": "/loop2"})
    s.routes["/loop2"] = Route(status=301, headers={"Location": f"{base}/loop"})
    s.routes["/big"] = Route(b"<html><body><p>" + b"x" * 600_000 + b"</p></body></html>")
    s.routes["/logo"] = Route(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
    s.routes["/private-area/secret"] = Route(html)
    s.routes["/to-metadata"] = Route(status=302, headers={"Location": "http://metadata.example/latest/meta-data/"})
    gbk = f'<html><head><meta charset="gb2312"><title>公告</title></head><body><article><p>{GBK_TEXT}</p><p>{GBK_TEXT}</p></article></body></html>'
    s.routes["/gbk"] = Route(gbk.encode("gbk"), "text/html; charset=gb2312")
    yield s
    s.stop()


def _urlset(urls):
    items = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'.encode()


def _sitemap_index(urls):
    items = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'.encode()


def _rss(urls):
    items = "".join(f"<item><title>t</title><link>{u}</link></item>" for u in urls)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>feed</title>{items}</channel></rss>'.encode()


def sources_file(tmp_path, site, **settings) -> str:
    base = f"http://corpus.example:{site.port}"
    extra = "".join(f"        {k}: {json.dumps(v)}\n" for k, v in settings.items())
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"""sources:
  - name: corpus
    start:
      - {base}/
      - {{url: "{base}/feed.xml", kind: feed}}
      - http://intranet.example:{site.port}/pages/{slug(PAGES[0])}
    limits:
      max_pages: 50
      allowed_hosts: [corpus.example, intranet.example]
      exclude: ['/never/']
    schedule: {{cron: "0 6 * * *", timezone: Europe/Berlin}}
    settings:
        delay: 0
        timeout: 2.0
        retries: 2
        backoff: 0.05
        max_bytes: 500000
        resolve: {{corpus.example: 127.0.0.1, intranet.example: 10.0.0.1, metadata.example: 169.254.169.254}}
        allow_private: ["corpus.example:{site.port}"]
{extra}""",
        encoding="utf-8",
    )
    return str(path)


def records(store: LocalStore) -> dict[str, dict]:
    """Latest records by the URL they were fetched from, found as readers find them."""
    out = {}
    for key in store.list("latest/"):
        r = json.loads(store.get(json.loads(store.get(key))["keys"]["record"]))
        out[r["source"]["path"]] = r
    return out


@pytest.mark.corpus
def test_first_run_fetches_stores_and_reports_every_failure(tmp_path, site):
    store_dir = str(tmp_path / "store")
    report = crawl_source(sources_file(tmp_path, site), "corpus", store_dir)
    base = f"http://corpus.example:{site.port}"
    failed = {f["url"]: f["reason"].split(":")[0] for f in report["failed"]}
    assert failed == {
        f"{base}/slow": "timeout",
        f"{base}/loop": "redirect-loop",
        f"{base}/big": "too-large",
        f"{base}/logo": "not-html",
        f"{base}/to-metadata": "refused-address",
        f"http://intranet.example:{site.port}/pages/{slug(PAGES[0])}": "refused-address",
    }
    assert {s["url"]: s["reason"] for s in report["skipped"]} == {
        f"{base}/private-area/secret": "disallowed by robots.txt"
    }
    # trafilatura's sitemap parser already drops links to other domains; none get further.
    assert report["refused"] == []
    assert report["pages"] == {"failed": 6, "skipped": 1, "written": len(PAGES) + 3}  # + flaky, gbk, the feed's post

    assert site.hits["/private-area/secret"] == 0  # robots.txt obeyed: never fetched
    assert site.hits["/flaky"] == 3  # 500, 503, then 200
    assert site.hits["/slow"] == 3  # a timeout is retried, then given up
    assert site.hits["/robots.txt"] == 1  # once per host and run, whatever the threads

    store = LocalStore(store_dir)
    by_url = records(store)
    assert len(by_url) == len(PAGES) + 3
    assert by_url[f"{base}/flaky"]["source"]["content_type"] == "text/html"
    # Decoding respects the declared charset: GBK declared gb2312 is read as GB18030.
    gbk = by_url[f"{base}/gbk"]
    assert gbk["source"]["charset"] == "gb18030" and GBK_TEXT in gbk["original_text"]
    assert gbk["source"]["metadata"]["title"] == "公告"


@pytest.mark.corpus
def test_extraction_matches_the_corpus_expectations(tmp_path, site):
    store_dir = str(tmp_path / "store")
    crawl_source(sources_file(tmp_path, site), "corpus", store_dir)
    by_url = records(LocalStore(store_dir))
    base = f"http://corpus.example:{site.port}"
    for name in PAGES:
        expected = json.loads((CORPUS / "html" / f"{name}.expected.json").read_text(encoding="utf-8"))["expected"]
        text = by_url[f"{base}/pages/{slug(name)}"]["original_text"]
        if expected["type"] == "full_text":
            first = next(p for p in expected["text"].split("\n") if p.strip())
            assert first in text, name
        else:
            for snippet in expected["with"]:
                assert snippet.strip() in text, (name, snippet)
            for snippet in expected["without"]:
                assert snippet.strip() not in text, (name, snippet)
    meta = by_url[f"{base}/pages/{slug('ru-football.ua')}"]["source"]["metadata"]
    assert meta["fetched_url"] == f"{base}/pages/{slug('ru-football.ua')}" and meta.get("title")


@pytest.mark.corpus
def test_rerun_fetches_nothing_new(tmp_path, site):
    path = sources_file(tmp_path, site)
    store_dir = tmp_path / "store"
    crawl_source(path, "corpus", str(store_dir))
    before = {p: p.stat().st_mtime_ns for p in store_dir.rglob("*") if p.is_file()}
    hits = dict(site.hits)
    report = crawl_source(path, "corpus", str(store_dir))
    assert report["pages"].get("written", 0) == 0 and "unchanged" not in report["pages"]
    reasons = {s["reason"] for s in report["skipped"]}
    assert reasons == {"not modified (HTTP 304)", "disallowed by robots.txt"}
    # Nothing in the store changed but the new run's own objects (its batches, parts and
    # manifest) and the source's run pointer, and no page was downloaded again in full.
    after = {p: p.stat().st_mtime_ns for p in store_dir.rglob("*") if p.is_file()}
    new = sorted(p.relative_to(store_dir).as_posix() for p in after if p not in before)
    run = f"runs/{report['run_id']}/"
    assert run + "manifest.jsonl" in new and all(
        k.startswith((run + "batches/", run + "parts/")) for k in new if not k.endswith("manifest.jsonl")
    ), new
    changed = [p.relative_to(store_dir).as_posix() for p, t in after.items() if p in before and t != before[p]]
    assert changed == ["crawl/corpus/run.json"]
    assert site.hits[f"/pages/{slug(PAGES[0])}"] == hits[f"/pages/{slug(PAGES[0])}"] + 1  # one conditional GET


@pytest.mark.corpus
def test_crashed_run_is_finished_without_duplicates(tmp_path, site):
    path = sources_file(tmp_path, site)
    store = LocalStore(tmp_path / "store")
    crawl_source(path, "corpus", str(tmp_path / "store"))
    n_records = len(records(store))
    # A crash after two documents were stored but before their crawl state was saved.
    base = f"http://corpus.example:{site.port}"
    lost = [f"{base}/pages/{slug(PAGES[0])}", f"{base}/pages/{slug(PAGES[1])}"]
    for url in lost:
        (tmp_path / "store" / state_key("corpus", url)).unlink()
    report = crawl_source(path, "corpus", str(tmp_path / "store"))
    assert report["pages"]["unchanged"] == 2  # fetched again, recognised, not rewritten
    assert len(records(store)) == n_records
    assert all(store.exists(state_key("corpus", url)) for url in lost)


@pytest.mark.corpus
def test_one_source_of_several_and_unknown_source(tmp_path, site):
    path = sources_file(tmp_path, site)
    with pytest.raises(KeyError, match="no source named 'nope'"):
        crawl_source(path, "nope", str(tmp_path / "store"))


@pytest.mark.corpus
def test_deployments_follow_the_schedules(tmp_path, site):
    [d] = deployments(sources_file(tmp_path, site), "s3://bucket/prefix")
    assert d.name == "corpus"
    [schedule] = d.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 6 * * *", "Europe/Berlin")
    assert d.parameters["source_name"] == "corpus" and d.parameters["store_url"] == "s3://bucket/prefix"


# --- fetch rules on their own --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "resolve", "reason"),
    [
        ("ftp://corpus.example/x", {}, "bad-scheme"),
        ("http://a.example/", {"a.example": "127.0.0.1"}, "refused-address"),
        ("http://a.example/", {"a.example": "10.1.2.3"}, "refused-address"),
        ("http://a.example/", {"a.example": "169.254.169.254"}, "refused-address"),
        ("http://a.example/", {"a.example": "::1"}, "refused-address"),
        ("http://a.example/", {"a.example": "100.64.0.1"}, "refused-address"),
        # Loopback and private IPv4 hidden in IPv6 forms a router translates.
        ("http://a.example/", {"a.example": "64:ff9b::7f00:1"}, "refused-address"),  # NAT64
        ("http://a.example/", {"a.example": "64:ff9b::a01:203"}, "refused-address"),
        ("http://a.example/", {"a.example": "2002:7f00:1::1"}, "refused-address"),  # 6to4
        ("http://a.example/", {"a.example": "2002:c0a8:101::1"}, "refused-address"),
        ("http://a.example/", {"a.example": "::ffff:127.0.0.1"}, "refused-address"),  # IPv4-mapped
        ("http://a.example/", {"a.example": "2001:0:4136:e378:8000:63bf:80ff:fffe"}, "refused-address"),  # Teredo
    ],
)
def test_non_public_addresses_are_refused(url, resolve, reason):
    with pytest.raises(FetchError) as err:
        check_address(url, frozenset(), resolve)
    assert err.value.reason == reason


def test_public_and_explicitly_allowed_addresses_pass():
    assert check_address("http://a.example/", frozenset(), {"a.example": "93.184.216.34"}) == "93.184.216.34"
    assert check_address("http://a.example/", frozenset(), {"a.example": "2606:4700::1111"}) == "2606:4700::1111"
    assert (
        check_address("http://a.example/", frozenset(), {"a.example": "64:ff9b::5db8:d822"}) == "64:ff9b::5db8:d822"
    )  # NAT64 of a public IPv4
    assert (
        check_address("http://a.example:8080/", frozenset({"a.example:8080"}), {"a.example": "127.0.0.1"})
        == "127.0.0.1"
    )


@pytest.mark.corpus
def test_4xx_is_final_and_not_retried(site):
    site.routes["/gone"] = Route(status=404)
    fetcher = Fetcher(
        Policy(
            delay=0,
            retries=3,
            backoff=0,
            resolve=(("corpus.example", "127.0.0.1"),),
            allow_private=frozenset({f"corpus.example:{site.port}"}),
        )
    )
    with pytest.raises(FetchError) as err:
        fetcher.get(f"http://corpus.example:{site.port}/gone")
    assert err.value.reason == "http-404" and site.hits["/gone"] == 1


@pytest.mark.corpus
def test_per_host_delay_spaces_requests(site):
    import time

    site.routes["/a"] = Route(b"<html><body>a</body></html>")
    fetcher = Fetcher(
        Policy(
            delay=0.3,
            resolve=(("corpus.example", "127.0.0.1"),),
            allow_private=frozenset({f"corpus.example:{site.port}"}),
        )
    )
    start = time.monotonic()
    for _ in range(3):
        fetcher.get(f"http://corpus.example:{site.port}/a")
    assert time.monotonic() - start >= 0.6


def test_sources_file_mistakes_are_listed(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "sources:\n  - name: Bad\n    start: [ftp://x.example/]\n    schedule: {cron: '61 * * * *'}\n    limits: {max_pages: 0}\n    settings: {colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    message = str(err.value)
    for expected in (
        "sources[0].name: 'Bad'",
        "sources[0].start[0].url: not an http(s) URL",
        "sources[0].schedule: Invalid cron string",
        "sources[0].limits.max_pages",
        "sources[0].settings.colour: Extra inputs are not permitted",
    ):
        assert expected in message


@pytest.mark.corpus
def test_crawl_command_prints_the_report(tmp_path, site):
    from .test_cli import run

    proc = run("crawl", sources_file(tmp_path, site), "--source", "corpus", "--store", str(tmp_path / "store"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "corpus: failed 6, skipped 1, written 9"
    assert any(
        line.startswith("  failed ") and line.endswith("/big: too-large: " + line.split("too-large: ")[-1])
        for line in lines
    )


def test_deploy_files_are_valid():
    import yaml

    from .conftest import REPO

    [source] = load_sources(REPO / "deploy" / "sources.yaml")
    spec = yaml.safe_load((REPO / "deploy" / "prefect.yaml").read_text())
    assert source.settings.glossary == str(REPO / "deploy" / "glossary.tsv")  # next to the sources file
    crawl = next(d for d in spec["deployments"] if d["entrypoint"] == "flows/crawl.py:crawl_source")
    assert crawl["parameters"]["source_name"] == source.name
    assert crawl["schedules"][0] == {
        "cron": source.schedule.cron,
        "timezone": source.schedule.timezone,
        "active": False,
    }
    assert crawl["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}


@pytest.mark.corpus
def test_state_in_a_bucket_lets_another_worker_resume(tmp_path, site, moto_server, s3_bucket):
    import boto3

    path = sources_file(tmp_path, site)
    url = f"s3://{s3_bucket}/transnorm"
    first = crawl_source(path, "corpus", url, s3_endpoint=moto_server)
    # "Another worker": nothing shared but the bucket.
    second = crawl_source(path, "corpus", url, s3_endpoint=moto_server)
    assert first["pages"]["written"] == len(PAGES) + 3
    assert second["pages"].get("written", 0) == 0 and second["pages"]["skipped"] == len(PAGES) + 4
    keys = [
        o["Key"]
        for o in boto3.client("s3", endpoint_url=moto_server).list_objects_v2(
            Bucket=s3_bucket, Prefix="transnorm/crawl/corpus/pages/"
        )["Contents"]
    ]
    assert len(keys) == len(PAGES) + 3


@pytest.mark.corpus
def test_crawl_with_a_missing_glossary_fails_before_any_work(tmp_path, site):
    from .test_cli import run

    path = sources_file(tmp_path, site, glossary="missing.tsv")
    proc = run("crawl", path, "--store", str(tmp_path / "store"))
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"transnorm: error: no such glossary file: {tmp_path / 'missing.tsv'}"
    assert site.hits == {}


def test_a_crawl_where_every_page_failed_exits_1_with_the_reasons(tmp_path):
    from .test_cli import run

    path = tmp_path / "down.yaml"
    # Port 9 of 127.0.0.1: nothing listens, every request is refused.
    path.write_text(
        """sources:
  - name: down
    start: ["http://down.example:9/a", "http://down.example:9/b"]
    settings:
        delay: 0
        timeout: 1.0
        retries: 0
        resolve: {down.example: 127.0.0.1}
        allow_private: ["down.example:9"]
""",
        encoding="utf-8",
    )
    proc = run("crawl", str(path), "--store", str(tmp_path / "store"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("transnorm: error: down: every page failed (")
    assert "failures by reason:" in proc.stdout


def test_page_over_its_time_budget_fails_alone_and_nothing_of_it_is_stored(tmp_path):
    # Every other word with look-alike letters: the densest work per byte for detection.
    words = "the people about which their there other".split()
    hostile = " ".join(w.replace("e", "\u0435") if i % 2 else w for i, w in enumerate(words * 50_000))
    s = Site().start()
    try:
        base = f"http://budget.example:{s.port}"
        s.routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", "text/plain")
        s.routes["/hostile"] = Route(f"<html><body><article><p>{hostile}</p></article></body></html>".encode())
        for name in ("one", "two"):
            s.routes[f"/{name}"] = Route(
                f"<html><body><article><p>Page {name} is short, and says не только once.</p></article></body></html>".encode()
            )
        path = tmp_path / "sources.yaml"
        path.write_text(
            f"""sources:
  - name: budget
    start: ["{base}/one", "{base}/hostile", "{base}/two"]
    settings:
        delay: 0
        max_bytes: 5000000
        resolve: {{budget.example: 127.0.0.1}}
        allow_private: ["budget.example:{s.port}"]
""",
            encoding="utf-8",
        )
        store_dir = tmp_path / "store"
        report = crawl_source(str(path), "budget", str(store_dir), timeout_s=1.0)
    finally:
        s.stop()
    assert report["pages"] == {"failed": 1, "written": 2}
    [failure] = report["failed"]
    assert failure["url"] == f"{base}/hostile" and failure["reason"].startswith("document_timeout: ")
    entries = [
        json.loads(line) for line in (store_dir / "runs" / report["run_id"] / "manifest.jsonl").read_text().splitlines()
    ]
    assert sorted((e["source"].rsplit("/", 1)[-1], e["action"]) for e in entries) == [
        ("hostile", "failed"),
        ("one", "written"),
        ("two", "written"),
    ]
    stopped = next(e for e in entries if e["action"] == "failed")
    # Nothing partial: no object of the stopped page's document, and no crawl state, so the next run tries it again.
    assert not any(stopped["doc_id"] in p.as_posix() for p in store_dir.rglob("*") if p.is_file())
    assert not (store_dir / state_key("budget", f"{base}/hostile")).exists()


def test_a_start_url_courlan_rejects_is_refused_not_dropped(tmp_path):
    from ingest.crawl import discover, policy_for

    path = tmp_path / "sources.yaml"
    path.write_text(
        'sources:\n  - name: s\n    start: ["http://one.example/p0", "http://pages.example/p1"]\n', encoding="utf-8"
    )
    [source] = load_sources(str(path))
    found = discover(source, Fetcher(policy_for(source)))
    assert found.urls == ["http://pages.example/p1"]
    assert found.refused == [("http://one.example/p0", "invalid-url (courlan)")]


# --- a killed crawl, resumed -------------------------------------------------------------

N_PAGES = 48
BATCH = 6


@pytest.fixture
def many_site():
    s = Site().start()
    html = sorted(p for p in (CORPUS / "html").glob("*.html") if not p.name.endswith(".expected.html"))
    # Slow enough pages that a batch is in flight when the crawl is killed.
    corpus_copies(s, html, N_PAGES, "many.example", latency=0.1)
    yield s
    s.stop()


def _many_sources(tmp_path, site) -> str:
    return sitemap_source(tmp_path / "sources.yaml", "many", site, "many.example", N_PAGES)


def _pointers(store: LocalStore) -> dict[str, dict]:
    return {k: json.loads(store.get(k)) for k in store.list("latest/")}


@pytest.mark.corpus
def test_crawl_killed_mid_batch_is_resumed_without_refetching_or_double_counting(tmp_path, many_site):
    """A crawl killed mid-batch (SIGKILL, its whole process group: the flow, its worker
    processes) and resumed by the source's next run: nothing it stored is fetched again,
    and every stored document is in exactly one manifest part. The killed crawl runs in a
    child process on the test harness's Prefect server."""
    site = many_site
    sources = _many_sources(tmp_path, site)
    store_dir = tmp_path / "store"
    store = LocalStore(store_dir)
    code = (
        "import sys; from flows.crawl import crawl_source; "
        f"crawl_source(sys.argv[1], 'many', sys.argv[2], batch_size={BATCH}, processes=1, workers=2)"
    )
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", code, sources, str(store_dir)],
        cwd=REPO,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 240
        while len(_pointers(store)) < 2 * BATCH + 2:  # two batches done, the next ones part-way
            assert child.poll() is None, child.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the crawl stored too little in time"
            time.sleep(0.05)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    killed = json.loads(store.get(run_pointer_key("many")))
    run_id = killed["run_id"]
    assert not killed["finished"] and not store.exists(f"runs/{run_id}/manifest.jsonl")
    stored_before = {p["source"]["path"] for p in _pointers(store).values()}
    batches = {k.rsplit("/", 1)[1][: -len(".json")] for k in store.list(f"runs/{run_id}/batches/")}
    assert batches - set(part_ids(store, run_id)), "the kill should have cut a batch short"
    hits_before = dict(site.hits)

    report = crawl_source(sources, "many", str(store_dir), batch_size=BATCH, processes=1, workers=2)

    assert report["resumed"] and report["run_id"] == run_id
    assert json.loads(store.get(run_pointer_key("many")))["finished"]
    pointers = _pointers(store)
    assert len(pointers) == N_PAGES and {p["run_id"] for p in pointers.values()} == {run_id}
    # Nothing the killed run stored was fetched again.
    refetched = sorted(
        u
        for u in stored_before
        if site.hits[u.split(str(site.port), 1)[1]] != hits_before.get(u.split(str(site.port), 1)[1], 0)
    )
    assert refetched == []
    # Every batch has its part, and every stored document is in exactly one of them.
    assert set(part_ids(store, run_id)) >= batches
    seen: dict[str, list[str]] = {}
    entries = []
    for part in part_ids(store, run_id):
        for line in store.get(part_key(run_id, part)).decode().splitlines():
            e = json.loads(line)
            entries.append(e)
            if e["doc_id"]:
                seen.setdefault(e["doc_id"], []).append(part)
    assert {d: ps for d, ps in seen.items() if len(ps) != 1} == {}
    assert set(seen) == {p["doc_id"] for p in pointers.values()}
    assert {e["action"] for e in entries} == {"written"}
    # The manifest is the union of the parts, in part order.
    manifest = [json.loads(x) for x in store.get(f"runs/{run_id}/manifest.jsonl").decode().splitlines()]
    assert manifest == entries


# --- on a Dask cluster ----------------------------------------------------------------------


@pytest.mark.corpus
def test_crawl_on_a_dask_cluster_given_by_address_keeps_one_request_per_host(tmp_path, many_site):
    """The same flow on prefect-dask's DaskTaskRunner, pointed at a running cluster of two
    worker processes: every page is stored once, and the host never sees two requests at
    once (host_concurrency 1 is a semaphore held by the scheduler, not by each worker)."""
    import dask
    from distributed import LocalCluster

    from flows.limits import dask_task_runner

    site = many_site
    n = 16
    sources = sitemap_source(tmp_path / "sources.yaml", "many", site, "many.example", n, host_concurrency=1)
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
    ):
        flow = crawl_source.with_options(task_runner=dask_task_runner(cluster.scheduler_address))
        report = flow(sources, "many", str(tmp_path / "store"), batch_size=4, processes=1, workers=2)
    store = LocalStore(tmp_path / "store")
    assert report["pages"] == {"written": n}
    assert site.peak[f"many.example:{site.port}"] == 1
    entries = [json.loads(x) for x in store.get(f"runs/{report['run_id']}/manifest.jsonl").decode().splitlines()]
    assert len(entries) == n and len({e["doc_id"] for e in entries}) == n
    assert len(part_ids(store, report["run_id"])) == n // 4
