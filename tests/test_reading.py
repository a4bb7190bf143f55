"""ingest.reading: decoding real multilingual inputs, HTML extraction, and rejected inputs."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

import pytest

from ingest.reading import Document, InputError, read_bytes, read_file

from .conftest import CORPUS

# A real PNG header: signature, then an IHDR chunk (1x1, 8-bit RGBA) with its CRC.
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def sentence(lang: str, min_len: int = 60) -> str:
    """The first corpus sentence of ``lang`` with at least ``min_len`` code points.

    Long enough that an encoding guess has evidence to work with.
    """
    lines = (CORPUS / "sentences" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if len(line) >= min_len)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- decoding -------------------------------------------------------------------------


@pytest.mark.corpus
def test_cp1251_russian_decodes(tmp_path):
    text = sentence("ru")
    doc = read_file(write(tmp_path, "ru.txt", text.encode("cp1251")))
    assert doc.text == text
    assert doc.charset == "windows-1251"
    assert doc.content_type == "text/plain"
    assert doc.metadata == {}


@pytest.mark.corpus
def test_gb18030_chinese_decodes(tmp_path):
    text = sentence("zh")
    doc = read_file(write(tmp_path, "zh.txt", text.encode("gb18030")))
    assert doc.text == text
    assert doc.charset == "gb18030"


@pytest.mark.corpus
def test_html_declared_gb2312_but_gbk_decodes_as_gb18030(tmp_path):
    lines = (CORPUS / "sentences" / "zh.txt").read_text(encoding="utf-8").splitlines()[:6]
    # 喆 is in GBK but not in GB2312: the page is really GBK, as most "gb2312" pages are.
    extra = "张喆在会上发言，介绍了今年的工作。"
    paragraphs = "".join(f"<p>{line}</p>\n" for line in [*lines, extra])
    html = (
        "<!DOCTYPE html>\n<html><head>"
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"<title>测试页面</title></head><body><article>{paragraphs}</article></body></html>"
    )
    raw = html.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gb2312")

    doc = read_file(write(tmp_path, "page.html", raw))
    assert doc.charset == "gb18030"
    assert doc.content_type == "text/html"
    assert extra in doc.text
    assert lines[0] in doc.text


def test_utf8_bom_is_not_part_of_text(tmp_path):
    text = "Привет, world.\n"
    doc = read_file(write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + text.encode("utf-8")))
    assert doc.text == text
    assert doc.charset == "utf-8"


@pytest.mark.corpus
def test_utf16_with_bom_decodes(tmp_path):
    text = sentence("ru") + "\n"
    doc = read_file(write(tmp_path, "u16.txt", text.encode("utf-16")))
    assert doc.text == text
    assert doc.charset in ("utf-16le", "utf-16be")


@pytest.mark.corpus
def test_explicit_encoding_wins(tmp_path):
    text = sentence("ru")
    path = write(tmp_path, "ru.txt", text.encode("koi8-r"))
    doc = read_file(path, encoding="koi8-r")
    assert doc.text == text
    assert doc.charset == "koi8-r"


def test_plain_and_markdown_text_is_unchanged(tmp_path):
    text = "  # Title\r\n\r\nSome text with trailing spaces   \n\n\u00a0\n"
    doc = read_file(write(tmp_path, "notes.md", text.encode("utf-8")))
    assert doc.text == text
    assert doc.content_type == "text/markdown"
    assert read_bytes(text.encode("utf-8"), "notes.txt").text == text


def test_html_is_sniffed_whatever_the_extension():
    html = (
        "\n  <!DOCTYPE html><html lang='en'><head><title>Sniffed</title></head><body><article>"
        + "<p>This page is saved with a .txt name but it is an HTML page with some real text.</p>" * 3
        + "</article></body></html>"
    )
    doc = read_bytes(html.encode("utf-8"), "saved.txt")
    assert doc.content_type == "text/html"
    assert "<p>" not in doc.text
    assert "saved with a .txt name" in doc.text
    assert doc.metadata.get("language") == "en"


@pytest.mark.corpus
def test_corpus_html_main_text_and_metadata():
    page = CORPUS / "html" / "en-bbc.com.html"
    expected = json.loads(page.with_name("en-bbc.com.expected.json").read_text(encoding="utf-8"))
    assert expected["expected"]["type"] == "full_text"
    paragraphs = [p for p in expected["expected"]["text"].split("\n") if p.strip()]

    doc = read_file(page)

    assert doc.content_type == "text/html"
    assert doc.charset == "utf-8"
    assert paragraphs[0] in doc.text
    assert paragraphs[-1] in doc.text
    assert "<div" not in doc.text
    assert "Assange" in doc.metadata["title"]
    assert doc.metadata["language"] == "en"
    assert set(doc.metadata) <= {"title", "author", "date", "sitename", "url", "language"}


# --- identity and names -----------------------------------------------------------------


@pytest.mark.corpus
def test_same_bytes_same_doc_id(tmp_path):
    raw = sentence("ru").encode("utf-8")
    a = read_file(write(tmp_path, "a.txt", raw))
    b = read_bytes(raw, "elsewhere/b.txt")
    c = read_bytes(raw + b"!", "a.txt")
    assert a.doc_id == b.doc_id != c.doc_id
    assert a.sha256 == hashlib.sha256(raw).hexdigest()
    assert a.doc_id == a.sha256[:32]
    assert isinstance(a, Document) and a.raw == raw


def test_name_is_a_safe_basename():
    doc = read_bytes(b"root:x:0:0\n", "../../etc/passwd")
    assert doc.name == "passwd"
    assert doc.source == "../../etc/passwd"
    assert read_bytes(b"x", "..\\..\\windows\\win.ini").name == "win.ini"
    assert read_bytes(b"x", "..").name not in ("", ".", "..")
    assert read_bytes(b"x", "bad\x1b[31mname\x00.txt").name == "bad[31mname.txt"


def test_name_is_nfc():
    nfd = unicodedata.normalize("NFD", "résumé.txt")
    assert nfd != "résumé.txt"
    assert read_bytes(b"x", nfd).name == "résumé.txt"


# --- rejected inputs ----------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope.txt"
    with pytest.raises(InputError, match="no such file") as err:
        read_file(path)
    assert str(path) in str(err.value)


def test_directory(tmp_path):
    with pytest.raises(InputError, match="is a directory, not a file") as err:
        read_file(tmp_path)
    assert str(tmp_path) in str(err.value)


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n "], ids=["zero-bytes", "whitespace"])
def test_empty(tmp_path, data):
    path = write(tmp_path, "empty.txt", data)
    with pytest.raises(InputError, match="is empty") as err:
        read_file(path)
    assert str(err.value) == f"{path} is empty"


def test_png_is_binary(tmp_path):
    path = write(tmp_path, "picture.txt", PNG_BYTES)
    with pytest.raises(InputError) as err:
        read_file(path)
    assert str(err.value) == f"{path} is binary (image/png), not text"


def test_nul_bytes_are_binary(tmp_path):
    path = write(tmp_path, "data.txt", b"abc\x00def" * 10)
    with pytest.raises(InputError, match=r"is binary .*NUL"):
        read_file(path)


@pytest.mark.corpus
def test_invalid_utf8_is_not_guessed(tmp_path):
    good = sentence("ru").encode("utf-8")
    cut = good.index(b" ", 20)  # between two characters, not inside one
    raw = good[:cut] + b"\xff" + good[cut:]
    path = write(tmp_path, "broken.txt", raw)
    with pytest.raises(InputError) as err:
        read_file(path)
    message = str(err.value)
    assert message.startswith(f"{path} is not valid UTF-8")
    assert f"invalid byte 0xff at byte offset {cut}" in message
    assert "--encoding" in message
    assert "\n" not in message


def test_html_without_main_text(tmp_path):
    path = write(tmp_path, "blank.html", b"<html><head><title>x</title></head><body><nav></nav></body></html>")
    with pytest.raises(InputError, match="no main text") as err:
        read_file(path)
    assert str(path) in str(err.value)


def test_unknown_explicit_encoding(tmp_path):
    path = write(tmp_path, "a.txt", b"hello")
    with pytest.raises(InputError, match="unknown encoding"):
        read_file(path, encoding="no-such-codec")


@pytest.mark.corpus
def test_html_extraction_is_serialised_across_threads(monkeypatch):
    """trafilatura shares one lxml parser, and two threads extracting at once died with
    MemoryError in a crawl under load. The race is rare, so this checks the guard itself:
    every extraction runs holding the lock, and concurrent readers get the same text."""
    from concurrent.futures import ThreadPoolExecutor

    import trafilatura

    from ingest import reading

    held: list[bool] = []
    real = trafilatura.bare_extraction

    def watched(*args, **kwargs):
        held.append(reading._TRAFILATURA.locked())
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", watched)
    pages = [
        CORPUS / "html" / f"{n}.html" for n in ("en-bbc.com", "ru-football.ua", "zh-Hans-xinhuanet.com", "ja-nhk.or.jp")
    ]
    expected = {p: read_file(p).text for p in pages}
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda p: (p, read_file(p).text), pages * 4))
    assert all(text == expected[p] for p, text in results)
    assert len(held) == 20 and all(held)


# --- legacy encodings: the text back exactly, or a clear refusal; never garbage ------------

_FOREIGN = {
    "cp1251": "Мы обязательно встретимся завтра утром в библиотеке.",
    "koi8-r": "Мы обязательно встретимся завтра утром в библиотеке.",
    "cp1252": "Nous avons déjà réservé une table près de la fenêtre.",
    "latin-1": "Wir müssen übermorgen früh nach München fahren.",
    "gb18030": "我们明天早上在图书馆见面，然后一起去吃午饭。",
    "big5": "我們明天早上在圖書館見面，然後一起去吃午飯。",
    "shift_jis": "私たちは明日の朝、図書館で会って、それから一緒に昼ご飯を食べます。",
    "euc-kr": "우리는 내일 아침 도서관에서 만나고 같이 점심을 먹습니다.",
    "cp1256": "سنلتقي غدا صباحا في المكتبة ثم نتناول الغداء معا.",
    "iso-8859-7": "Θα συναντηθούμε αύριο το πρωί στη βιβλιοθήκη.",
}
_ENGLISH = "The committee met on Tuesday to review the plans for the new library wing.\n"


@pytest.mark.parametrize("length", ["short", "long"])
@pytest.mark.parametrize("encoding", sorted(_FOREIGN))
def test_legacy_encodings_decode_exactly_or_are_refused(encoding, length):
    english = _ENGLISH * (1 if length == "short" else 30)
    text = f"{english}One of them wrote: {_FOREIGN[encoding]}\n{english}"
    raw = text.encode(encoding)
    try:
        doc = read_bytes(raw, "notes.txt")
    except InputError as err:
        assert "--encoding" in str(err)
        return
    assert doc.text == text, (doc.charset, doc.text[len(english) : len(english) + 80])
    assert 0.5 <= doc.charset_confidence <= 1.0


def test_cesu8_surrogates_are_refused():
    raw = b"A note with a lone surrogate \xed\xa0\x80 in it, otherwise plain English text."
    with pytest.raises(InputError, match="surrogates"):
        read_bytes(raw, "notes.txt")


def test_short_western_european_text_is_read_as_windows_1252():
    doc = read_bytes("A naïve façade.".encode("cp1252"), "notes.txt")
    assert doc.text == "A naïve façade." and doc.charset in ("windows-1252", "iso-8859-1")


def test_a_page_of_very_many_elements_is_read_in_one_linear_pass():
    paragraphs = [f"Paragraph number {k} of a very long page." for k in range(25_000)]
    html = "<html><head><title>Long</title><script>var hidden = 1;</script></head><body><article>"
    html += "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>"
    doc = read_bytes(html.encode(), "long.html")
    assert doc.text.split("\n\n") == paragraphs
    assert doc.metadata["title"] == "Long" and "hidden" not in doc.text
