"""Finding foreign fragments and homoglyphs in a document.

Steps, in order:

1. split the text into words and script runs (:mod:`normalize.scripts`); words inside
   URLs and e-mail addresses are not text and are left out; when the main script is
   Latin only words holding a non-ASCII letter are built at all;
2. the document's main script is the script with the most letters (counted outside
   quotation marks when two scripts are close: a quotation is cited, not the page's own
   text); its main language is decided on a sample of main-script words
   (:func:`normalize.languages.decide_language`);
3. homoglyphs (:mod:`normalize.homoglyphs`): mixed-script words and lone look-alike
   letters between main-script words;
4. every other run of letters outside the main script is a foreign *piece* (but for a
   letter inside an emoticon such as ``¯\\_(ツ)_/¯``); neighbouring
   pieces of the same script (CJK scripts count as one) merge into one fragment when only
   digits, spaces and punctuation stand between them on the same line, and a fragment takes
   in the quotes or brackets that wrap it (``«головы»``), or the whole quotation when
   the rest of it is names (``„GetAmped Super Webboard • แสดงกระทู้“``); a mixed-script
   word next to words of one foreign script is a piece of their fragment; a sentence-long
   fragment takes in the Latin names and titles inside, before and after it in its
   sentence (``You Got the Love е сингл од 1986 година ... The Source и Канди Стејтон``),
   which translation keeps as they are;
5. each fragment's language by script rules, then, for short fragments, the document's
   other fragments;
6. when the main script is Latin, passages in another Latin-script language
   (:mod:`normalize.latin`), only on strong evidence, so that loanwords and names
   (``coup d’état``, ``Nicolás``) are left alone.

All offsets are code points into the text given to :func:`detect`.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace

import regex


from .homoglyphs import REPAIRABLE_SCRIPTS, SCIENTIFIC_GREEK, lookalike, repair_letters
from .languages import Decision, LanguagePriors, decide_language, main_latin_language
from .scripts import CJK, WORD_RE, Word, word_scripts, ascii_letter_count, marked_words, script_counts, total_counts, words
from .latin import Limits, foreign_passages
from .quotes import CLOSERS, OPEN_CLOSE, enclosing, pairs, unpaired
from .stopwords import in_title, stop_in_title, stop_words
from .types import Finding

# The main language is decided on the document's first characters: enough for stop
# words and langdetect, and bounded so a long document costs no more than a short one.
MAIN_SAMPLE_CHARS = 3_000


@dataclass(frozen=True)
class DetectConfig:
    """Settings of detection.

    ``main_lang`` forces the document's main language (BCP-47) instead of detecting it.
    ``latin`` is what a Latin-script passage (:mod:`normalize.latin`) needs to count as
    foreign: words, letters, langdetect's confidence, few main-language stop words.
    """

    main_lang: str | None = None
    priors: LanguagePriors = field(default_factory=LanguagePriors)
    latin: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Detection:
    """What :func:`detect` found: the main language and script, and sorted findings."""

    main_lang: str
    main_script: str
    main_confidence: float
    findings: list[Finding]


@dataclass
class _Piece:
    start: int
    end: int
    script: str
    repaired: str | None = None  # the piece's text with look-alike letters repaired


def _group(script: str) -> str:
    return "CJK" if script in CJK else script


def _main_script(counts: dict[str, int]) -> tuple[str, frozenset[str]]:
    """The script with the most letters, and the set of scripts that count as main.

    Chinese, Japanese and Korean text mixes Han with kana or Hangul in every sentence, so
    the CJK scripts compete together and all count as main when they win.
    """
    if not counts:
        return "Latin", frozenset({"Latin"})
    grouped: dict[str, int] = {}
    for script, n in counts.items():
        grouped[_group(script)] = grouped.get(_group(script), 0) + n
    winner = max(grouped, key=grouped.__getitem__)
    if winner == "CJK":
        cjk = {s: n for s, n in counts.items() if s in CJK}
        return max(cjk, key=cjk.__getitem__), CJK
    return winner, frozenset({winner})


def _main_language(text: str, ws: list[Word], main_scripts: frozenset[str], config: DetectConfig) -> Decision:
    if config.main_lang:
        return Decision(config.main_lang, 1.0, "given")
    if main_scripts == {"Latin"}:
        return main_latin_language(text[:MAIN_SAMPLE_CHARS], config.priors)
    sample_words = [w.text for w in ws if w.scripts <= main_scripts][:3000]
    if main_scripts == CJK:
        sample = "".join(sample_words)
    else:
        sample = " ".join(sample_words)
    return decide_language(sample, config.priors)


def _only_spaces(text: str) -> bool:
    return text.strip(" \t") == "" and text != ""


def _script_around(text: str, ws: list[Word], i: int) -> str | None:
    """The one script of the words next to ``ws[i]`` in its sentence (only spaces and
    punctuation between), on both sides or the only side that has one: ``сè`` (a Latin
    ``è`` typed for the Macedonian ``ѐ``) between Macedonian words belongs to their
    sentence, and so does ``Tο`` (a Latin ``T``) opening a Greek run after Latin
    names (``Windows RT Tο πρώτο της``); neither is a look-alike inside an English word."""
    found = set()
    for j, a, b in ((i - 1, None, ws[i].start), (i + 1, ws[i].end, None)):
        if not 0 <= j < len(ws):
            continue
        gap = text[ws[j].end : b] if a is None else text[a : ws[j].start]
        if "\n" in gap or any(c.isalpha() for c in gap) or _TERMINATOR.search(gap):
            continue  # another line or sentence (``Мr. «Тұз``), or a word between
        if len(ws[j].scripts) != 1:
            return None
        found |= ws[j].scripts
    return next(iter(found)) if len(found) == 1 else None


def _homoglyph_target(w: Word, main_script: str) -> str:
    counts = w.counts
    best = max(counts.values())
    top = [s for s, n in counts.items() if n == best]
    return main_script if main_script in top else top[0]


def detect(text: str, config: DetectConfig = DetectConfig()) -> Detection:
    """Find foreign fragments and homoglyphs in ``text``.

    Returns findings sorted by ``start``, non-overlapping, with code point offsets into
    ``text``. Never raises on any ``str``.
    """
    masked = _masked_spans(text)
    ws, main_script, main_scripts = _scan(text, masked)
    plain = _blank(text, masked)
    main = _main_language(plain, ws, main_scripts, config)
    findings: list[Finding] = []
    pieces: list[_Piece] = []
    is_main = [w.scripts <= main_scripts for w in ws]
    by_start = {w.start: i for i, w in enumerate(ws)}
    by_end = {w.end: i for i, w in enumerate(ws)}

    # Mixed-script words first: a repaired word may turn out to be a main-script word,
    # which the lone-letter rule below relies on.
    repaired_words: dict[int, tuple[str, str]] = {}
    in_foreign_run: dict[int, str] = {}
    for i, w in enumerate(ws):
        scripts = w.scripts
        if len(scripts) > 1 and scripts <= REPAIRABLE_SCRIPTS:
            around = _script_around(text, ws, i)
            if around in scripts and around not in main_scripts and 2 * w.counts[around] >= len(w.text):
                in_foreign_run[i] = around
                continue
            target = _homoglyph_target(w, main_script)
            fixed = repair_letters(w.text, w.runs, w.start, target)
            if fixed is not None:
                repaired_words[i] = (target, fixed)
                if target == main_script:
                    is_main[i] = True
            elif main_script in scripts:
                is_main[i] = True  # e.g. ``μm``: a scientific symbol, not a fragment

    for i, w in enumerate(ws):
        if i in in_foreign_run:
            around = in_foreign_run[i]
            pieces.append(_Piece(w.start, w.end, around, repair_letters(w.text, w.runs, w.start, around)))
            continue
        if i in repaired_words:
            target, fixed = repaired_words[i]
            if target == main_script:
                findings.append(
                    Finding(w.start, w.end, w.text, "homoglyph", main.lang, target, 0.95, "mixed-script word (UTS #39)", fixed)
                )
            else:
                pieces.append(_Piece(w.start, w.end, target, fixed))
            continue
        if is_main[i] or _is_greek_symbol(w, main_script) or _in_emoticon(text, w):
            continue
        between_main = _main_word_at(text, w.start, -1, by_end, is_main, main_scripts) and _main_word_at(
            text, w.end, 1, by_start, is_main, main_scripts
        )
        if _is_lone_lookalike(text, w, main_script) and between_main:
            fixed = lookalike(w.text, main_script)
            findings.append(Finding(w.start, w.end, w.text, "homoglyph", main.lang, main_script, 0.9, "lone look-alike letter between main-script words (UTS #39)", fixed))
            is_main[i] = True
            continue
        for script, a, b in w.runs:
            if script not in main_scripts:
                pieces.append(_Piece(a, b, script))

    main_stop = stop_words(main.lang)
    fragments = _join_sentences(text, _merge(text, pieces, main_stop), main_stop)
    for frag in fragments:
        frag.end = _names_before_closer(text, frag, main_stop)
        start, end = _sentence_names(text, plain, frag, main_stop)
        if frag.repaired is not None:
            frag.repaired = text[start : frag.start] + frag.repaired + text[frag.end : end]
        frag.start, frag.end = start, end
    fragments = _fill_quotations(text, fragments, main_stop)
    decided = [_decide(text, frag, config.priors) for frag in fragments]
    decided = _use_document_context(decided, [_letter_count(text, f.start, f.end) for f in fragments], config.priors)
    for frag, (decision, _group_name) in zip(fragments, decided):
        start, end = _wrap(text, frag.start, frag.end)
        counts = script_counts(frag.repaired or text[frag.start : frag.end])
        script = max(counts, key=counts.__getitem__) if counts else frag.script
        repaired = None
        if frag.repaired is not None:
            repaired = text[start : frag.start] + frag.repaired + text[frag.end : end]
        findings.append(
            Finding(start, end, text[start:end], "foreign", decision.lang, script, decision.confidence, decision.evidence, repaired)
        )

    if main_script == "Latin":
        findings.extend(_latin_sentences(text, plain, ws, findings, main.lang, config))
    findings.sort(key=lambda f: f.start)
    return Detection(main.lang, main_script, main.confidence, _fold_homoglyphs(findings))


def _fold_homoglyphs(findings: list[Finding]) -> list[Finding]:
    """Findings without overlaps: a look-alike word inside a foreign fragment (``pаyment``
    in a Russian sentence) becomes part of that fragment's ``replacement``, so the
    fragment is translated with the word repaired, and the word is no finding of its own."""
    foreign = [f for f in findings if f.kind == "foreign"]
    if not foreign:
        return findings
    out: list[Finding] = []
    folded: dict[int, Finding] = {}
    for f in findings:
        host = next((g for g in foreign if f.kind == "homoglyph" and g.start < f.end and f.start < g.end), None)
        if host is None:
            out.append(f)
            continue
        current = folded.get(id(host), host)
        base = current.replacement if current.replacement is not None else current.text
        if f.replacement is not None and len(f.replacement) == f.end - f.start and len(base) == host.end - host.start and host.start <= f.start and f.end <= host.end:
            a, b = f.start - host.start, f.end - host.start
            folded[id(host)] = replace(current, replacement=base[:a] + f.replacement + base[b:])
    return [folded.get(id(f), f) for f in out]


def _scan(text: str, masked: list[tuple[int, int]]) -> tuple[list[Word], str, frozenset[str]]:
    """The words detection looks at, the main script and the scripts that count as main.

    Only words with a non-ASCII letter can be foreign or hold a look-alike when the main
    script is Latin, so English-dominant text never builds its all-ASCII words: their
    letters are counted in C. Words inside ``masked`` spans (URLs) are left out.
    """
    marked = [w for w in marked_words(text) if not (masked and _inside(masked, w.start, w.end))]
    counts = total_counts(marked)
    ascii_letters = ascii_letter_count(text) - sum(ascii_letter_count(w.text) for w in marked)
    ascii_letters -= sum(ascii_letter_count(text[a:b]) for a, b in masked)
    if ascii_letters > 0:
        counts["Latin"] = counts.get("Latin", 0) + ascii_letters
    main_script, main_scripts = _main_script(counts)
    if _contested(counts):
        unquoted = _unquoted_counts(text, masked)
        if 3 * sum(unquoted.values()) >= sum(counts.values()):
            main_script, main_scripts = _main_script(unquoted)
    if main_scripts == {"Latin"}:
        return marked, main_script, main_scripts
    ws = [w for w in words(text) if not (masked and _inside(masked, w.start, w.end))]
    return ws, main_script, main_scripts


def _contested(counts: dict[str, int]) -> bool:
    """Whether a second script group has at least half the letters of the first."""
    grouped: dict[str, int] = {}
    for script, n in counts.items():
        grouped[_group(script)] = grouped.get(_group(script), 0) + n
    top = sorted(grouped.values(), reverse=True)
    return len(top) > 1 and 2 * top[1] >= top[0]


_QUOTE_OPENERS = frozenset("«“„‘\"'「『《")


def _unquoted_counts(text: str, masked: list[tuple[int, int]]) -> dict[str, int]:
    """Letters per script outside quotation marks (and addresses): a quotation is cited,
    not written by the document, so a long quoted Mongolian sentence in a short English
    page (heldout seed 409) does not make Cyrillic its main script."""
    quoted = list(masked)
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        quoted += [(o, c + 1) for o, c in pairs(text, start, end) if text[o] in _QUOTE_OPENERS]
        start = end + 1
    return script_counts(_blank(text, _merged(quoted)))


# URLs and e-mail addresses are addresses, not language: a Cyrillic path
# (``https://ru.wikipedia.org/wiki/Байкал``) must reach the reader unchanged.
_ADDRESS_MARK = regex.compile(r"://|www\.|@")
_SCHEME_BEFORE = regex.compile(r"(?r)[a-z][a-z0-9+.-]*", regex.IGNORECASE)
_URL_REST = regex.compile(r"[^\s<>\"«»“”]+")
_LOCAL_PART_BEFORE = regex.compile(r"(?r)[\w.+-]+")
_DOMAIN = regex.compile(r"[\w-]+(?:\.[\w-]+)+")
_EMOTICON_MARKS = frozenset("_¯\\/^~°")
_LETTER = regex.compile(r"\p{L}")


def _masked_spans(text: str) -> list[tuple[int, int]]:
    """Spans of URLs (``scheme://...``, ``www....``) and e-mail addresses, sorted, merged.

    Found from their marks (``://``, ``www.``, ``@``) outwards, so that text without any
    costs one scan.
    """
    spans: list[tuple[int, int]] = []
    for m in _ADDRESS_MARK.finditer(text):
        if m.group() == "@":
            local = _LOCAL_PART_BEFORE.match(text, 0, m.start())
            domain = _DOMAIN.match(text, m.end())
            if local and domain:
                spans.append((local.start(), domain.end()))
            continue
        start = m.start()
        if m.group() == "://":
            scheme = _SCHEME_BEFORE.match(text, 0, m.start())
            if not scheme:
                continue
            start = scheme.start()
        rest = _URL_REST.match(text, m.end())
        spans.append((start, _url_end(text, start, rest.end() if rest else m.end())))
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` sorted, overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _url_end(text: str, start: int, end: int) -> int:
    """``end`` without the sentence punctuation and unpaired closing brackets that end
    the address's sentence (``(www.hawarkurd.de).``), as linkifiers trim them."""
    while end > start:
        c = text[end - 1]
        if c in ".,;:!?'’":
            end -= 1
        elif c in ")]" and text.count(CLOSERS[c], start, end) < text.count(c, start, end):
            end -= 1
        else:
            break
    return end



def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (same length)."""
    if not spans:
        return text
    parts, last = [], 0
    for a, b in spans:
        parts += [text[last:a], " " * (b - a)]
        last = b
    parts.append(text[last:])
    return "".join(parts)


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect_left(spans, (start + 1,)) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


def _in_emoticon(text: str, w: Word) -> bool:
    """``ツ`` in ``¯\\_(ツ)_/¯``: one letter inside a space-free run of symbols."""
    if len(w.text) != 1:
        return False
    a, b = w.start, w.end
    while a > 0 and not text[a - 1].isspace():
        a -= 1
    while b < len(text) and not text[b].isspace():
        b += 1
    token = text[a:b]
    return len(_LETTER.findall(token)) <= 2 and not _EMOTICON_MARKS.isdisjoint(token)


def _is_greek_symbol(w: Word, main_script: str) -> bool:
    # ``β-blocker``, ``α-helix``, ``Δ``: one or two Greek letters used as symbols in Latin
    # text are part of the text, not a Greek fragment.
    return main_script == "Latin" and w.scripts == {"Greek"} and len(w.text) <= 2 and all(c in SCIENTIFIC_GREEK for c in w.text)


def _is_lone_lookalike(text: str, w: Word, main_script: str) -> bool:
    if len(w.text) != 1 or w.scripts - {"Cyrillic", "Greek"}:
        return False
    if main_script == "Latin" and w.text in SCIENTIFIC_GREEK:
        return False
    return lookalike(w.text, main_script) is not None


def _main_word_at(text: str, pos: int, step: int, index: dict[int, int], is_main: list[bool], main_scripts: frozenset[str]) -> bool:
    """Whether a main-script word follows (``step`` 1) or precedes (-1) ``pos`` after
    spaces or tabs only (at least one)."""
    j = pos
    while 0 <= j + min(step, 0) < len(text) and text[j + min(step, 0)] in " \t":
        j += step
    if j == pos or not 0 <= j + min(step, 0) < len(text):
        return False
    if j in index:
        return is_main[index[j]]
    # Not a word with a non-ASCII letter: an all-ASCII word, if a letter stands there.
    ch = text[j + min(step, 0)]
    return ch.isascii() and ch.isalpha() and "Latin" in main_scripts


def _merge(text: str, pieces: list[_Piece], main_stop: frozenset[str]) -> list[_Piece]:
    # Letters of the run each piece starts, through pieces that only spaces, digits and
    # punctuation separate: what ``_names_between`` weighs on the right of a gap.
    ahead = [0] * (len(pieces) + 1)
    for k in range(len(pieces) - 1, -1, -1):
        own = _letter_count(text, pieces[k].start, pieces[k].end)
        joined = k + 1 < len(pieces) and _plain_gap(text, pieces[k], pieces[k + 1])
        ahead[k] = own + (ahead[k + 1] if joined else 0)
    merged: list[_Piece] = []
    for k, p in enumerate(pieces):
        if merged:
            last = merged[-1]
            gap = text[last.end : p.start]
            if _plain_gap(text, last, p) or (
                _group(last.script) == _group(p.script)
                and "\n" not in gap
                and _names_between(text, last, ahead[k], gap, main_stop)
            ):
                _extend(text, last, p)
                continue
        merged.append(_Piece(p.start, p.end, p.script, p.repaired))
    return merged


def _extend(text: str, last: _Piece, p: _Piece) -> None:
    """``last`` grown over ``p`` and the gap between them (repairs kept)."""
    if last.repaired is not None or p.repaired is not None:
        gap = text[last.end : p.start]
        last.repaired = (last.repaired or text[last.start : last.end]) + gap + (p.repaired or text[p.start : p.end])
    last.end = p.end


def _join_sentences(text: str, fragments: list[_Piece], main_stop: frozenset[str]) -> list[_Piece]:
    """Fragments of one script group that Latin words split inside one sentence, joined
    when together they are sentence-long (three words and ``_SENTENCE_LETTERS`` times
    :func:`_names_between`'s letters of their own) and the Latin words between them are
    fewer letters than theirs, with no main-language stop word but in a title, no
    sentence end and no line break: code-switched terms (``ανακοίνωσε το convertible
    notebook LaVie Y με Windows RT Tο πρώτο της ...``) and runs of names (``под името
    Intro, Bez milosti, Nisam od juče и двете``) are part of the sentence."""
    out: list[_Piece] = []
    k = 0
    while k < len(fragments):
        chain = [fragments[k]]
        while k + 1 < len(fragments) and _latin_gap(text, chain[-1], fragments[k + 1], main_stop):
            chain.append(fragments[k + 1])
            k += 1
        k += 1
        if len(chain) == 1:
            out.append(chain[0])
            continue
        own_letters = _own_letters(text, chain, _group(chain[0].script))
        gap_letters = sum(_letter_count(text, a.end, b.start) for a, b in zip(chain, chain[1:]))
        if own_letters is not None and gap_letters < own_letters:
            first = _Piece(chain[0].start, chain[0].end, chain[0].script, chain[0].repaired)
            for f in chain[1:]:
                _extend(text, first, f)
            out.append(first)
        else:
            out.extend(chain)
    return out


def _latin_gap(text: str, left: _Piece, right: _Piece, main_stop: frozenset[str]) -> bool:
    gap = text[left.end : right.start]
    if _group(left.script) != _group(right.script) or "\n" in gap or _TERMINATOR.search(gap):
        return False
    found = _latin_only(_GAP_WORD.findall(gap), _group(left.script))
    if found is None:
        return False
    return not any(w.lower() in main_stop and not stop_in_title(found, k, main_stop) for k, w in enumerate(found))


def _plain_gap(text: str, left: _Piece, right: _Piece) -> bool:
    """Same script group, same line, and nothing but spaces, digits and punctuation between."""
    gap = text[left.end : right.start]
    return _group(left.script) == _group(right.script) and "\n" not in gap and not any(c.isalpha() for c in gap)


_GAP_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*")
_TERMINATORS = ".!?。！？"
_TERMINATOR = regex.compile(f"[{_TERMINATORS}]")


def _names_between(text: str, left: _Piece, right_letters: int, gap: str, main_stop: frozenset[str]) -> bool:
    """Whether ``gap`` holds only names inside one foreign sentence
    (``Αναρτήθηκε από Makis Evaggelou στις Τρίτη``, ``學名：Pinus armandii），是``).

    At most four words, none a main-language stop word but in a title (``The Source``,
    ``Rock and Roll Over``), no sentence end, and a phrase on both sides,
    ``right_letters`` being the letters of the run after the gap (two single words around
    a name stay apart).
    """
    if _TERMINATOR.search(gap):
        return False
    gap = _QUOTED_IN_GAP.sub(lambda m: " " if _quoted_title(m.group(1), main_stop) else m.group(), gap)
    gap_words = _GAP_WORD.findall(gap)
    if len(gap_words) > 4 or any(w.lower() in main_stop and not stop_in_title(gap_words, k, main_stop) for k, w in enumerate(gap_words)):
        return False
    need = _side_letters(_group(left.script))
    left_letters = _letter_count(text, left.start, left.end)
    if left_letters >= need and right_letters >= need:
        return True
    # A sentence-long run going on after the name in its own script is the same sentence
    # (``... албуми биле снимени — Rock and Roll Over (11 Ноември, 1976) и Love Gun (30
    # јуни, 1977)``): only two short words around a name stay apart.
    return left_letters >= _SENTENCE_LETTERS * need and right_letters >= 1


# A fragment with this many times the letters :func:`_names_between` asks of each side,
# in at least three words of its own script, is sentence-long: the Latin names and titles
# in its sentence are part of it.
_SENTENCE_LETTERS = 3


def _side_letters(group: str) -> int:
    """Letters a run needs on each side of a name for :func:`_names_between`."""
    return 3 if group == "CJK" else 6


def _own_letters(text: str, frags: list[_Piece], group: str) -> int | None:
    """Letters of ``group``'s script in ``frags`` when they are sentence-long (three
    words and ``_SENTENCE_LETTERS`` times :func:`_side_letters`), else ``None``."""
    own = [w for f in frags for w in words(text[f.start : f.end]) if _group(w.script) == group]
    letters = sum(len(w.text) for w in own)
    return letters if len(own) >= 3 and letters >= _SENTENCE_LETTERS * _side_letters(group) else None


def _latin_only(found: list[str], group: str) -> list[str] | None:
    """The Latin words of ``found`` when its others are of ``group``'s script (left out
    of the fragments as symbols: ``με``, ``η``), else ``None``."""
    if any(_group(s) != group for w in found for s in word_scripts(w) - {"Latin"}):
        return None
    return [w for w in found if word_scripts(w) == {"Latin"}]


def _names_or_title(found: list[str], main_stop: frozenset[str], opens: bool) -> bool:
    """Whether the Latin words ``found`` are names or a title: each one capitalised, or a
    main-language stop word inside a title (:func:`~normalize.stopwords.stop_in_title`:
    ``Rock and Roll Over``, ``You Got the Love``); with ``opens``, the first word
    capitalised too."""
    if opens and found and not found[0][0].isupper():
        return False
    for k, w in enumerate(found):
        if w.lower() in main_stop:
            if not stop_in_title(found, k, main_stop):
                return False
        elif not w[0].isupper():
            return False
    return True


_SENTENCE_END = regex.compile(f"[{_TERMINATORS}]" + r"(?=[\s\p{Pf}\p{Pe}\"'»]|$)")
_SENTENCE_START = regex.compile(f"(?r)(?:[{_TERMINATORS}]" + r"[ \t]+|^)", regex.MULTILINE)


def _sentence_names(text: str, plain: str, frag: _Piece, main_stop: frozenset[str]) -> tuple[int, int]:
    """``frag`` grown over the names and titles in Latin letters that open or close its
    sentence, when it is sentence-long (``You Got the Love е сингл од 1986 година``,
    ``И двете методи се користат со Adobe Photoshop.``): they are part of the sentence,
    and translation keeps them as they are (:mod:`normalize.fidelity`).

    Only Latin letters may stand between the fragment and the sentence's start or end on
    its line (else the fragment keeps its edges), and only spaces between the fragment and
    the nearest of them; the words there must pass :func:`_names_or_title`, at most six
    on each side, with fewer letters than the fragment's own script, which needs three
    words of its own.
    """
    group = _group(frag.script)
    start, end = frag.start, frag.end
    if end - start < _SENTENCE_LETTERS * _side_letters(group):
        return start, end  # too few letters, whatever they are
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    stop = _SENTENCE_END.search(text, end, line_end)
    line_start = text.rfind("\n", 0, start) + 1
    opening = _SENTENCE_START.search(text, line_start, start)
    begin = opening.end() if opening is not None else line_start
    if (stop is None or not text[end : stop.start()].strip()) and not text[begin:start].strip():
        return start, end  # the fragment is its sentence
    own_letters = _own_letters(text, [frag], group)
    if own_letters is None:
        return start, end
    if stop is not None and not _LETTER.search(plain, end, stop.start()):
        rest = _sentence_rest(text, stop.start())
        # ``», 1977)`` closes a bracket of the fragment, ``»?`` a quotation around it.
        if not unpaired(text, end, rest) or not unpaired(text, start, rest):
            end = rest
    elif stop is not None and _latin_names(text, end, stop.start(), group, own_letters, main_stop, opens=False):
        tail = list(_GAP_WORD.finditer(text, end, stop.start()))
        if _only_spaces(text[end : tail[0].start()]):
            end = tail[-1].end()
    if begin < start and _latin_names(text, begin, start, group, own_letters, main_stop, opens=True):
        lead = list(_GAP_WORD.finditer(text, begin, start))
        # ``In Ontario, 한국인은 ...``: a lead-in set off by a comma is the main text's.
        if _only_spaces(text[lead[-1].end() : start]):
            start = lead[0].start()
    return start, end


def _sentence_rest(text: str, stop: int) -> int:
    """Where a fragment ends when only digits, punctuation and addresses stand between it
    and its sentence's end at ``stop`` (``(30 јуни, 1977)``, ``Hawarkurd
    (www.hawarkurd.de)``): they are the sentence's own, and translation keeps them
    (:mod:`normalize.fidelity`)."""
    return len(text[:stop].rstrip(" \t"))


def _latin_names(text: str, a: int, b: int, group: str, own_letters: int, main_stop: frozenset[str], opens: bool) -> bool:
    found = _GAP_WORD.findall(text, a, b)
    if not found or len(found) > 6 or _OPENERS.search(text, a, b) or _CLOSERS.search(text, a, b):
        return False
    found = _latin_only(found, group)
    return found is not None and sum(map(len, found)) < own_letters and _names_or_title(found, main_stop, opens)


_OPENERS = regex.compile(r"[«“„‘\"「『（(\[]")
_CLOSERS = regex.compile(r"[»”’」』）)\]]")


# A quotation standing whole between two pieces of one foreign sentence.
_QUOTED_IN_GAP = regex.compile(r"[„“«\"]([^„“”«»\"\n]+)[“”»\"]")


def _quoted_title(quoted: str, main_stop: frozenset[str]) -> bool:
    """Whether a quotation between two pieces of a foreign sentence is a cited title
    rather than main-language text: fewer than a fifth of its words main-language stop
    words (``„Historia rerum in partibus transmarinis gestarum“`` inside a Macedonian
    sentence, heldout seed 59)."""
    found = _GAP_WORD.findall(quoted)
    return bool(found) and 5 * sum(1 for w in found if w.lower() in main_stop) < len(found)


def _letter_count(text: str, start: int, end: int) -> int:
    return len(_LETTER.findall(text, start, end))


_TRAILING_NAMES = regex.compile(r"(?:[ \t,;:]+\p{Lu}[\p{L}\p{M}'’-]*){1,4}[ \t]*")


def _names_before_closer(text: str, frag: _Piece, main_stop: frozenset[str]) -> int:
    """Where ``frag`` ends once capitalised words between it and the closing quote or
    bracket of the one it opens with are taken in (``[... את הסינגל Good Morning Little
    Schoolgirl]``: a title inside the fragment, not text of the document)."""
    if frag.repaired is not None or frag.start == 0 or text[frag.start - 1] not in OPEN_CLOSE:
        return frag.end
    closer = OPEN_CLOSE[text[frag.start - 1]]
    m = _TRAILING_NAMES.match(text, frag.end)
    if m is None or m.end() >= len(text) or text[m.end()] != closer:
        return frag.end
    if any(w.lower() in main_stop for w in _GAP_WORD.findall(m.group())):
        return frag.end
    return m.end() - (len(m.group()) - len(m.group().rstrip(" \t")))


def _fill_quotations(text: str, fragments: list[_Piece], main_stop: frozenset[str]) -> list[_Piece]:
    """Each fragment grown to the quotes or brackets around it (outwards, pair by pair)
    when all the rest inside is names and pieces of its own script: ``„GetAmped Super
    Webboard • แสดงกระทู้ - ตามล่า.“``; fragments it then covers are taken in."""
    out: list[_Piece] = []
    line_pairs: dict[int, list[tuple[int, int]]] = {}
    for frag in fragments:
        if out and frag.start < out[-1].end:
            out[-1].end = max(out[-1].end, frag.end)
            continue
        if frag.repaired is None:
            line_start = text.rfind("\n", 0, frag.start) + 1
            if line_start not in line_pairs:
                line_pairs[line_start] = pairs(text, line_start, text.find("\n", frag.end) % (len(text) + 1))
            outer = (frag.start, frag.end)
            while (pair := enclosing(line_pairs[line_start], *outer)) is not None:
                inside = [m.span() for m in WORD_RE.finditer(text, pair[0] + 1, pair[1])]
                if not _names_and_own_script(text, pair, frag, main_stop):
                    break
                frag = _Piece(min(inside[0][0], frag.start), max(inside[-1][1], frag.end), frag.script)
                outer = pair
        out.append(frag)
    return out


def _names_and_own_script(text: str, pair: tuple[int, int], frag: _Piece, main_stop: frozenset[str]) -> bool:
    """Whether the words between the quotes or brackets ``pair`` around ``frag`` are all
    of its script group or Latin names: no Latin main-language stop word but in a title
    (``The Big Bang``), no label with a colon before it (``Russian: ...``), at least 8
    letters of its own script, and at least half as many as Latin letters."""
    group = _group(frag.script)
    found = WORD_RE.findall(text, pair[0] + 1, pair[1])
    own = latin = 0
    for k, w in enumerate(found):
        scripts = word_scripts(w)
        if scripts == {"Latin"}:
            if w.lower() in main_stop and not in_title(found, k, main_stop):
                return False
            latin += len(w)
        elif all(_group(s) == group for s in scripts):
            own += len(w)
        else:
            return False
    if ":" in text[pair[0] : frag.start] and found and word_scripts(found[0]) == {"Latin"}:
        return False
    return own >= 8 and 2 * own >= latin


def _wrap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to take in the quotes and brackets that belong to it."""
    changed = True
    while changed:
        changed = False
        if start > 0 and end < len(text) and OPEN_CLOSE.get(text[start - 1]) == text[end]:
            start, end, changed = start - 1, end + 1, True
            continue
        if end < len(text) and text[end] in CLOSERS:
            inner = text[start:end]
            opener, closer = CLOSERS[text[end]], text[end]
            if opener != closer and inner.count(opener) > inner.count(closer):
                end, changed = end + 1, True
                continue
        if start > 0 and text[start - 1] in OPEN_CLOSE:
            opener, closer = text[start - 1], OPEN_CLOSE[text[start - 1]]
            inner = text[start:end]
            if opener != closer and inner.count(closer) > inner.count(opener):
                start, changed = start - 1, True
    return start, end


def _decide(text: str, frag: _Piece, priors: LanguagePriors) -> tuple[Decision, str]:
    span = frag.repaired if frag.repaired is not None else text[frag.start : frag.end]
    group = _group(frag.script)
    span_words = words(span)
    own = [w.text for w in span_words if _group(w.script) == group]
    if own and len(own) < len(span_words):
        # Names merged into the fragment (``學名：Pinus armandii``) do not vote.
        span = " ".join(own)
    return decide_language(span, priors), group


def _use_document_context(
    decided: list[tuple[Decision, str]], letters: list[int], priors: LanguagePriors
) -> list[tuple[Decision, str]]:
    """Settle guessed decisions (:attr:`Decision.weak`) of short fragments (fewer than
    ``priors.max_context_letters`` letters) by the document's confidently decided
    fragments of the same script group."""
    strong: dict[str, dict[str, int]] = {}
    for d, group in decided:
        if not d.weak and d.lang != "und":
            strong.setdefault(group, {})
            strong[group][d.lang] = strong[group].get(d.lang, 0) + 1
    out = []
    for (d, group), n in zip(decided, letters):
        votes = strong.get(group, {})
        if d.weak and votes and n < priors.max_context_letters:
            fits = {lang: n for lang, n in votes.items() if lang in d.candidates}
            if fits:
                lang = max(fits, key=fits.__getitem__)
                d = Decision(lang, 0.75, "document's other fragments", d.candidates)
        out.append((d, group))
    return out


def _latin_sentences(
    text: str, plain: str, marked: list[Word], found: list[Finding], main_lang: str, config: DetectConfig
) -> list[Finding]:
    """Passages in another Latin-script language (main script Latin), see
    :mod:`normalize.latin`. A passage holding a non-Latin word (a fragment, a symbol) or
    overlapping a finding is left to the other rules."""
    out: list[Finding] = []
    taken = sorted((f.start, f.end) for f in found)
    non_latin = [w.start for w in marked if w.scripts != {"Latin"}]
    # ``plain``: URLs and e-mail addresses as spaces (same length, so offsets hold).
    passages = foreign_passages(plain, main_lang, config.latin)
    for p in passages:
        i = bisect_left(non_latin, p.start)
        if i < len(non_latin) and non_latin[i] < p.end:
            continue
        if any(a < p.end and p.start < b for a, b in taken):
            continue
        end = p.end
        line_end = plain.find("\n", end) % (len(plain) + 1)
        stop = _SENTENCE_END.search(plain, end, line_end)
        if stop is not None and not _LETTER.search(plain, end, stop.start()) and _LETTER.search(text, end, stop.start()):
            end = _sentence_rest(text, stop.start())
        start, end = _wrap(text, p.start, end)
        out.append(Finding(start, end, text[start:end], "foreign", p.lang, "Latin", p.prob, f"latin passage: {p.evidence}"))
    return out
