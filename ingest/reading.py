"""Reading one input file into a decoded :class:`Document`.

Entry points: :func:`read_file` (a path on disk) and :func:`read_bytes` (bytes already in
memory). Both return a :class:`Document` or raise :class:`InputError` with a one-line
message naming the input.

Decoding order (the first step that applies wins):

1. the explicit ``encoding`` argument (GB2312/GBK are read as their superset GB18030);
2. a byte order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); the BOM is not part of ``text``;
3. for HTML, the charset declared in ``<meta charset>`` / ``http-equiv`` (or an XML
   declaration) within the first 4 KB, with the label mapped as browsers do (WHATWG
   Encoding spec: gb2312/gbk -> gb18030, iso-8859-1/ascii -> windows-1252, ...). A
   declaration under which the bytes do not decode is ignored. Exception: bytes that are
   valid UTF-8 *and* contain multi-byte sequences are read as UTF-8 whatever the page
   declares, because legacy-encoded text is practically never valid UTF-8 by accident,
   while pages mislabelled ``iso-8859-1`` that are really UTF-8 are common;
4. strict UTF-8;
5. bytes that are mostly UTF-8 but not entirely are rejected (see :data:`MOSTLY_UTF8`)
   rather than guessed, since a legacy codec would silently turn them into mojibake;
6. UTF-8-encoded surrogates (CESU-8, WTF-8) are rejected;
7. a guess, checked by what the text becomes: every candidate of charset-normalizer and
   the common legacy code pages (:data:`LEGACY_CHARSETS`) that decodes the bytes is
   scored by the share of its non-ASCII letters that form known words
   (:mod:`normalize.plausibility`), and the best wins. When none reaches
   :data:`MIN_PLAUSIBILITY`, the input is refused with a message naming ``--encoding``:
   mac-cyrillic ``Ђћы`` or Hangul from GB18030 bytes is garbage, not text.
   ``Document.charset_confidence`` is that share (1.0 when nothing was guessed).

``Document.charset`` is a lowercase name that Python's ``codecs`` accepts and that is the
WHATWG name where Python knows one (``utf-8``, ``windows-1251``, ``gb18030``,
``iso-8859-5``); otherwise the Python codec name (``cp932``, ``mac-cyrillic``). So
``raw[len(bom):].decode(doc.charset)`` gives the decoded text back.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

from .store import TMP_PREFIX

TEXT_PLAIN = "text/plain"
TEXT_HTML = "text/html"
TEXT_MARKDOWN = "text/markdown"
CONTENT_TYPES = (TEXT_PLAIN, TEXT_HTML, TEXT_MARKDOWN)

_EXTENSION_TYPES = {
    ".html": TEXT_HTML,
    ".htm": TEXT_HTML,
    ".xhtml": TEXT_HTML,
    ".md": TEXT_MARKDOWN,
    ".markdown": TEXT_MARKDOWN,
}

# Share of the non-ASCII bytes that must sit in well-formed UTF-8 sequences for an input
# that fails strict UTF-8 to count as "UTF-8 with a few bad bytes". Measured on the
# corpus sentences encoded in legacy codecs (GB18030, Big5, Shift_JIS, EUC-JP, EUC-KR,
# windows-874 ...): one-line texts reach up to 0.67 by accident, so 0.5 would reject
# real legacy files; damaged UTF-8 (one stray byte) sits near 1.0.
MOSTLY_UTF8 = 0.8

# How far into an HTML file the declared charset is looked for (the WHATWG prescan
# reads 1024 bytes; real pages put long <script>/<style> blocks first, so allow more).
_PRESCAN_BYTES = 4096

# Known binary formats by leading bytes, as (magic, offset, MIME type).
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"PK\x05\x06", 0, "application/zip"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"BZh", 0, "application/x-bzip2"),
    (b"\xfd7zXZ\x00", 0, "application/x-xz"),
    (b"7z\xbc\xaf\x27\x1c", 0, "application/x-7z-compressed"),
    (b"\x28\xb5\x2f\xfd", 0, "application/zstd"),
    (b"\x7fELF", 0, "application/x-elf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "application/x-ole-storage"),
)

# UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# WHATWG labels that Python's codecs registry does not know.
_WHATWG_LABELS = {
    "x-gbk": "gbk",
    "x-sjis": "shift_jis",
    "windows-31j": "cp932",
    "windows-874": "cp874",
    "dos-874": "cp874",
    "windows-949": "cp949",
    "x-euc-jp": "euc_jp",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-ukrainian": "mac-cyrillic",
    "x-mac-roman": "mac-roman",
    "iso-8859-8-i": "iso8859-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
}

# Labels that browsers decode with a superset codec (WHATWG Encoding spec, keyed by the
# Python codec name of the label): a page labelled gb2312 is really GBK/GB18030, one
# labelled iso-8859-1 is really windows-1252, and so on.
_WHATWG_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
}

# An explicit --encoding is honoured as given, except GB2312/GBK: GB18030 decodes every
# byte sequence they do, identically, and also the characters real "GB2312" files contain.
_EXPLICIT_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030"}

_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_HTML_START = re.compile(r"\A[\s\ufeff]*<(?:!doctype\s+html|html)[\s>/]", re.I)
_HTML_START_BYTES = re.compile(rb"\A\s*<(?:!doctype\s+html|html)[\s>/]", re.I)

# Non-ASCII bytes that form well-formed UTF-8 multi-byte sequences (RFC 3629 table 3-7).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)

# Bidi embedding/override/isolate marks can make "gpj.exe" display as "exe.jpg".
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAME_MAX_BYTES = 255  # NAME_MAX on common filesystems, in UTF-8 bytes
_FALLBACK_NAME = "untitled"


class InputError(Exception):
    """An input that cannot be read as text; ``str(err)`` is a one-line message for the user."""


@dataclass(frozen=True)
class Document:
    """One decoded input.

    ``doc_id``: first 32 hex digits of ``sha256`` (same bytes => same id).
    ``name``: a safe file name (basename only, NFC, no control characters, never empty,
    ``.`` or ``..``, at most 255 UTF-8 bytes). ``source``: the path or name as given.
    ``raw``: the bytes as read. ``text``: the decoded text (BOM removed); for HTML, the
    main text extracted by trafilatura; for plain text and Markdown, the decoded text
    unchanged, so code point offsets into it are stable. ``content_type``: one of
    ``text/plain``, ``text/html``, ``text/markdown``. ``charset``: see the module
    docstring. ``sha256``: hex digest of ``raw``. ``metadata``: for HTML, the keys
    ``title``, ``author``, ``date`` (``YYYY-MM-DD``), ``sitename``, ``url`` and
    ``language`` (as the page declares it) where found; ``{}`` otherwise.
    """

    doc_id: str
    name: str
    source: str
    raw: bytes = field(repr=False)
    text: str = field(repr=False)
    content_type: str
    charset: str
    sha256: str
    metadata: dict = field(default_factory=dict)
    charset_confidence: float = 1.0  # 1.0 unless the charset was guessed


# The largest document read by default (bytes): detection is linear in size, but a
# document's record holds its text several times over.
MAX_DOCUMENT_BYTES = 50_000_000


def read_file(
    path: str | os.PathLike[str], encoding: str | None = None, max_bytes: int = MAX_DOCUMENT_BYTES
) -> Document:
    """Read the file at ``path`` and decode it (see :func:`read_bytes`).

    Raises :class:`InputError` when the path is missing, is a directory or another
    non-regular file, cannot be read, or its content is rejected by :func:`read_bytes`.
    """
    source = os.fspath(path)
    try:
        st = os.stat(source)
    except FileNotFoundError:
        raise InputError(f"no such file: {source}") from None
    except NotADirectoryError:
        raise InputError(f"no such file: {source} (a parent is not a directory)") from None
    except OSError as err:
        raise InputError(f"cannot read {source}: {err.strerror or err}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{source} is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        # FIFOs and devices would block or never end.
        raise InputError(f"{source} is not a regular file")
    if st.st_size > max_bytes:
        raise InputError(
            f"{source} is {st.st_size:,} bytes, over the {max_bytes:,}-byte document limit (--max-bytes raises it)"
        )
    try:
        raw = Path(source).read_bytes()
    except PermissionError:
        raise InputError(f"cannot read {source}: permission denied") from None
    except OSError as err:
        raise InputError(f"cannot read {source}: {err.strerror or err}") from None
    return read_bytes(raw, source, encoding=encoding, max_bytes=max_bytes)


def read_bytes(
    raw: bytes,
    name: str,
    encoding: str | None = None,
    content_type: str | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Document:
    """Decode ``raw`` into a :class:`Document`.

    ``name`` is the path or file name the bytes came from: it becomes ``Document.source``,
    names the input in error messages, and its extension gives the content type unless
    ``content_type`` (one of :data:`CONTENT_TYPES`) is given. Whatever the extension,
    text that starts with ``<!doctype html`` or ``<html`` is HTML. ``encoding`` forces a
    codec (any Python codec name or WHATWG label).

    Raises :class:`InputError` for empty or whitespace-only input, binary input (NUL
    bytes or a known binary signature), an unknown ``encoding`` or bytes it cannot
    decode, mostly-but-not-entirely valid UTF-8, undecodable bytes, and HTML with no
    extractable main text. Raises ``ValueError`` for an unknown ``content_type``.
    """
    if content_type is not None and content_type not in CONTENT_TYPES:
        raise ValueError(f"content_type must be one of {', '.join(CONTENT_TYPES)}, not {content_type!r}")
    raw = bytes(raw)
    source = str(name)
    safe = safe_name(source)
    if len(raw) > max_bytes:
        raise InputError(f"{source} is {len(raw):,} bytes, over the {max_bytes:,}-byte document limit")

    if not raw.strip():
        raise InputError(f"{source} is empty")
    mime = _binary_type(raw)
    if mime is not None:
        raise InputError(f"{source} is binary ({mime}), not text")

    looks_html = content_type == TEXT_HTML or (
        content_type is None
        and (_type_from_extension(safe) == TEXT_HTML or bool(_HTML_START_BYTES.match(_strip_bom(raw))))
    )
    text, charset, charset_confidence = _decode(raw, source, encoding, looks_html)
    if not text.strip():
        raise InputError(f"{source} is empty")

    if content_type is None:
        content_type = TEXT_HTML if _HTML_START.match(text) else _type_from_extension(safe)

    metadata: dict = {}
    if content_type == TEXT_HTML:
        text, metadata = _extract_html(text, source)

    digest = hashlib.sha256(raw).hexdigest()
    return Document(
        doc_id=digest[:32],
        name=safe,
        source=source,
        raw=raw,
        text=text,
        content_type=content_type,
        charset=charset,
        sha256=digest,
        metadata=metadata,
        charset_confidence=round(charset_confidence, 3),
    )


def safe_name(name: str) -> str:
    """A safe file name from a path or name (``../../etc/passwd`` -> ``passwd``).

    Keeps the last ``/`` or ``\\`` separated component, NFC-normalises it, removes
    control and bidi-override characters and surrounding whitespace, replaces lone
    surrogates with U+FFFD, and truncates it to
    255 UTF-8 bytes keeping the extension. Never returns ``""``, ``.`` or ``..``
    (``untitled`` instead).
    """
    base = re.split(r"[/\\]", name.rstrip("/\\"))[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)
    # Lone surrogates come from undecodable bytes in OS file names (surrogateescape).
    base = "".join("\ufffd" if unicodedata.category(ch) == "Cs" else ch for ch in base)
    base = base.strip()
    if base in ("", ".", ".."):
        return _FALLBACK_NAME
    if base.startswith(TMP_PREFIX):  # the store's temporary files: never a document's name
        base = "_" + base
    if len(base.encode("utf-8")) > _NAME_MAX_BYTES:
        stem, dot, ext = base.rpartition(".")
        if not dot or not stem or len(ext.encode("utf-8")) > 16:
            stem, ext = base, ""
        suffix = f".{ext}" if ext else ""
        budget = _NAME_MAX_BYTES - len(suffix.encode("utf-8"))
        stem = stem.encode("utf-8")[:budget].decode("utf-8", "ignore")
        base = stem + suffix
    return base


def _type_from_extension(name: str) -> str:
    return _EXTENSION_TYPES.get(os.path.splitext(name)[1].lower(), TEXT_PLAIN)


def _binary_type(raw: bytes) -> str | None:
    """The MIME type of a known binary signature at the start of ``raw``, else None."""
    for magic, offset, mime in _MAGIC:
        if raw[offset : offset + len(magic)] == magic:
            if mime == "image/webp" and not raw.startswith(b"RIFF"):
                continue
            return mime
    return None


def _strip_bom(raw: bytes) -> bytes:
    return raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw


def _decode(raw: bytes, source: str, encoding: str | None, looks_html: bool) -> tuple[str, str, float]:
    """Decode ``raw`` per the module docstring's order; return ``(text, charset,
    confidence)``, the confidence 1.0 unless the charset was guessed."""
    if encoding is not None:
        codec = _codec_for_label(encoding)
        if codec is None:
            raise InputError(f"unknown encoding {encoding!r} for {source}")
        codec = _EXPLICIT_SUPERSETS.get(codec, codec)
        if not codec.startswith(("utf-16", "utf-32")):
            _reject_nul(raw, source)
        try:
            return _strip_leading_bom(raw.decode(codec)), _charset_name(codec), 1.0
        except UnicodeDecodeError as err:
            raise InputError(
                f"{source} cannot be decoded as {_charset_name(codec)} "
                f"(invalid byte 0x{raw[err.start]:02x} at byte offset {err.start})"
            ) from None

    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(codec), _charset_name(codec), 1.0
            except UnicodeDecodeError as err:
                offset = len(bom) + err.start
                raise InputError(
                    f"{source} starts with a {_charset_name(codec)} byte order mark but is not "
                    f"valid {_charset_name(codec)} (invalid byte 0x{raw[offset]:02x} at byte offset "
                    f"{offset}); pass --encoding to force one"
                ) from None

    _reject_nul(raw, source)

    utf8_error: UnicodeDecodeError | None = None
    try:
        utf8_text: str | None = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        utf8_text, utf8_error = None, err

    if looks_html:
        declared = _declared_charset(raw)
        if declared is not None and not (utf8_text is not None and not raw.isascii()):
            try:
                return raw.decode(declared), _charset_name(declared), 1.0
            except UnicodeDecodeError:
                pass  # a wrong declaration: fall through to UTF-8 and guessing

    if utf8_text is not None:
        return utf8_text, "utf-8", 1.0

    assert utf8_error is not None
    if _utf8_share(raw) >= MOSTLY_UTF8:
        pos = utf8_error.start
        raise InputError(
            f"{source} is not valid UTF-8 (invalid byte 0x{raw[pos]:02x} at byte offset {pos}); "
            "pass --encoding to force one"
        )

    if _SURROGATE_UTF8.search(raw) and _decodes(raw, "utf-8", "surrogatepass"):
        raise InputError(
            f"{source} holds UTF-8-encoded surrogates (CESU-8 or WTF-8), which are not text; "
            "re-encode it as UTF-8, or pass --encoding to force one"
        )
    return _guess(raw, source)


def _decodes(raw: bytes, codec: str, errors: str = "strict") -> bool:
    try:
        raw.decode(codec, errors)
    except UnicodeDecodeError:
        return False
    return True


# Legacy charsets tried besides charset-normalizer's candidates: the common code page of
# each script family, so the right one is in the running even when its guesses miss it.
LEGACY_CHARSETS = (
    "cp1252",
    "latin-1",
    "cp1250",
    "cp1251",
    "koi8-r",
    "iso8859-7",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "gb18030",
    "big5",
    "shift_jis",
    "euc_jp",
    "euc_kr",
)
# Below this share of non-ASCII letters in known words, no decoding is taken as text.
MIN_PLAUSIBILITY = 0.5


def _guess(raw: bytes, source: str) -> tuple[str, str, float]:
    """The candidate decoding whose letters make the most known words
    (:func:`normalize.plausibility.plausibility`); charset-normalizer's order breaks ties.
    Refused when no candidate reaches ``MIN_PLAUSIBILITY``: stored garbage is worse than
    a clear error."""
    from normalize.plausibility import plausibility

    names = [m.encoding for m in charset_normalizer.from_bytes(raw)] + list(LEGACY_CHARSETS)
    seen: set[str] = set()
    scored: list[tuple[float, int, str, str]] = []
    for rank, name in enumerate(names):
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            continue
        if codec in seen:
            continue
        seen.add(codec)
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        scored.append((plausibility(text), -rank, codec, text))
    if not scored:
        raise InputError(f"{source} is binary or in an unknown encoding, not text; pass --encoding to force one")
    score, _, codec, text = max(scored)
    if score < MIN_PLAUSIBILITY:
        raise InputError(
            f"{source} is not UTF-8, and no legacy charset turns it into plausible text "
            f"(best: {_charset_name(codec)}, {score:.0%} of its non-ASCII letters in known words); pass --encoding"
        )
    return text, _charset_name(codec), score


# UTF-8 forms of U+D800..U+DFFF: invalid in UTF-8, made by CESU-8 and WTF-8 writers.
_SURROGATE_UTF8 = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")


def _reject_nul(raw: bytes, source: str) -> None:
    # NUL never occurs in text outside UTF-16/32, and would pass most 8-bit codecs.
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"{source} is binary (NUL byte at byte offset {nul}), not text; "
            "if it is UTF-16 or UTF-32 without a byte order mark, pass --encoding"
        )


def _strip_leading_bom(text: str) -> str:
    # A BOM is an encoding artefact, not text; an explicit utf-8 or utf-16-le keeps it.
    return text[1:] if text.startswith("\ufeff") else text


def _declared_charset(raw: bytes) -> str | None:
    """The Python codec for the charset an HTML page declares in its first 4 KB, or None.

    The label is mapped as browsers map it (WHATWG); a UTF-16/32 label in a page that
    this prescan can read is necessarily wrong, and browsers read it as UTF-8.
    """
    head = raw[:_PRESCAN_BYTES]
    match = _META_CHARSET.search(head) or _XML_DECL_ENCODING.match(head)
    if match is None:
        return None
    codec = _codec_for_label(match.group(1).decode("ascii"))
    if codec is None:
        return None
    if codec.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return _WHATWG_SUPERSETS.get(codec, codec)


def _codec_for_label(label: str) -> str | None:
    """Python's canonical codec name for an encoding label, or None when unknown or not text."""
    label = label.strip().lower()
    label = _WHATWG_LABELS.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    # Reject bytes-to-bytes codecs (base64, zlib...) and rot13: not character encodings.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _charset_name(codec: str) -> str:
    """A lowercase WHATWG-style name for a Python codec, kept only if Python accepts it."""
    canonical = codecs.lookup(codec).name
    if canonical == "utf-8-sig":
        canonical = "utf-8"
    name = canonical
    if m := re.fullmatch(r"cp(125\d|874)", canonical):
        name = f"windows-{m.group(1)}"
    elif m := re.fullmatch(r"iso8859-(\d+)", canonical):
        name = f"iso-8859-{m.group(1)}"
    elif m := re.fullmatch(r"utf-(16|32)-(le|be)", canonical):
        name = f"utf-{m.group(1)}{m.group(2)}"
    elif canonical not in ("shift_jis", "euc_jp"):
        name = canonical.replace("_", "-")
    try:
        if codecs.lookup(name).name == canonical:
            return name
    except LookupError:
        pass
    return canonical


def _utf8_share(raw: bytes) -> float:
    """Share of the non-ASCII bytes of ``raw`` that form well-formed UTF-8 sequences."""
    non_ascii = sum(1 for byte in raw if byte >= 0x80)
    if non_ascii == 0:
        return 0.0
    well_formed = sum(len(m.group()) for m in _UTF8_MULTIBYTE.finditer(raw))
    return well_formed / non_ascii


def _extract_html(html: str, source: str) -> tuple[str, dict]:
    """Main text and metadata of an HTML page, via trafilatura.

    Takes the decoded string so that our charset decision holds (trafilatura would
    otherwise guess from bytes). Raises :class:`InputError` when no main text is found.
    """
    # trafilatura parses with one module-level lxml parser, which two threads must not
    # use at once (an API job thread and a request, say); one extraction at a time.
    with _TRAFILATURA:
        return _extract_locked(html, source)


_TRAFILATURA = threading.Lock()


def _extract_locked(html: str, source: str) -> tuple[str, dict]:
    import trafilatura  # a quarter second to import, paid by HTML input only
    from trafilatura.utils import load_html

    # trafilatura rejects a bare fragment ("<p>x</p>") as not-quite-HTML; a wrapper
    # makes it a document.
    tree = load_html(html)
    if tree is None:
        tree = load_html(f"<html><body>{html}</body></html>")
    if tree is None:
        raise InputError(f"{source} is not parseable HTML")
    lang = _declared_language(tree)
    if sum(1 for _ in tree.iter()) > FULL_EXTRACTION_MAX_ELEMENTS:
        return _extract_baseline(tree, source, lang)
    result = trafilatura.bare_extraction(
        tree,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
    )
    text = getattr(result, "text", None)
    if not text or not text.strip():
        raise InputError(f"{source}: no main text found in the HTML")
    metadata = {
        key: value
        for key in ("title", "author", "date", "sitename", "url")
        if isinstance(value := getattr(result, key, None), str) and value
    }
    if lang:
        metadata["language"] = lang
    return text, metadata


# trafilatura's full extraction (boilerplate pruning, fallbacks, metadata) takes time that
# grows faster than the page: 50,000 paragraphs took 12 s per MB and 2.4 times as long
# when doubled. Everyday pages hold a few thousand elements; a page with more than this is
# read as all of its body's text instead, in one pass. trafilatura's own baseline is
# linear too, but joins a long article's paragraphs with spaces, and detection reads
# paragraphs.
FULL_EXTRACTION_MAX_ELEMENTS = 20_000
_BLOCKS = frozenset(
    "p div li ul ol h1 h2 h3 h4 h5 h6 br tr table section article blockquote pre dd dt header footer".split()
)
_SKIPPED = frozenset("script style noscript template head".split())


def _extract_baseline(tree, source: str, lang: str | None) -> tuple[str, dict]:
    from lxml import etree

    body = tree.find(".//body")
    parts: list[str] = []
    skipping = 0
    for event, el in etree.iterwalk(body if body is not None else tree, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIPPED:
                skipping += 1
            elif not skipping and el.text:
                parts.append(el.text)
            continue
        if tag in _SKIPPED:
            skipping -= 1
        elif tag in _BLOCKS and not skipping:
            parts.append("\n\n" if tag == "p" else "\n")
        if el.tail and not skipping:
            parts.append(el.tail)
    text = re.sub(r"\n[ \t]*\n\s*", "\n\n", re.sub(r"[ \t]+", " ", "".join(parts))).strip()
    if not text:
        raise InputError(f"{source}: no main text found in the HTML")
    metadata: dict = {}
    title = tree.findtext(".//title")
    if title and title.strip():
        metadata["title"] = title.strip()
    if lang:
        metadata["language"] = lang
    return text, metadata


def _declared_language(tree) -> str | None:
    """The language an HTML tree declares (``<html lang>``, else Content-Language), or None."""
    root = tree.getroottree().getroot()
    meta = tree.xpath(
        '//meta[translate(@http-equiv, "CONTENTLANGUAGE", "contentlanguage")="content-language"]/@content'
    )
    for value in (root.get("lang"), root.get("xml:lang"), *meta):
        if value and value.strip():
            return value.strip()
    return None
