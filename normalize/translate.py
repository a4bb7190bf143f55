"""Translating fragments: engines, routes, the cache, the glossary, and batching.

An :class:`Engine` knows two things: which :class:`Hop` s (one model, one language pair)
it can run, and how to run one hop over a list of texts in one call. Everything else is
here and engine-independent:

1. a fragment is cut into what the engine sees and what it must keep
   (:func:`normalize.fidelity.split_fragment`);
2. the glossary answers first (exact match, engine ``glossary``);
3. a route is chosen: the direct model, else a pivot through English (``ru -> en -> de``);
4. every text of a batch that needs the same hop goes to the engine in **one** call,
   identical texts once, after the cache has answered what it knows;
5. each output passes the guards (:func:`normalize.fidelity.guard_output`), and a whole
   fragment whose numbers, URLs or names did not survive is translated again piece by
   piece between them.

:meth:`FragmentTranslator.translate_all` does this for all fragments of a batch of
documents at once and returns one :class:`~normalize.types.Translation` per request, in
order. An engine that raises fails only the texts of that call: their fragments stay
``untranslated`` with the reason, the other fragments of the batch are unaffected.

No I/O here: the cache is any object with ``get_many``/``put_many`` (the persistent one,
shared across runs and workers, lives in :mod:`ingest.translation_cache`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import regex

from .fidelity import QUOTES, Piece, guard_output, split_fragment, to_quotes
from .glossary import Glossary
from .tags import primary_subtag
from .types import Translation

PIVOT = "en"  # argos publishes nearly every pair to and from English, few others


@dataclass(frozen=True, slots=True)
class Hop:
    """One model translating ``source -> target`` (BCP-47 tags as the caller asked,
    or ``en`` for a pivot). ``model``/``model_version`` identify it in provenance and
    in cache keys."""

    source: str
    target: str
    model: str
    model_version: str | None = None


class Engine(Protocol):
    """What :class:`FragmentTranslator` needs from a translation engine."""

    name: str

    def hop(self, source: str, target: str) -> Hop | None:
        """The model for ``source -> target`` (BCP-47), or ``None`` if none is installed."""
        ...

    def run(self, hop: Hop, texts: list[str]) -> list[str]:
        """Translate ``texts`` with ``hop``'s model in one call; one raw output per text."""
        ...


CacheKey = tuple[str, str, str]  # (model, model version or "", source text)


class TranslationCache(Protocol):
    def get_many(self, keys: list[CacheKey]) -> dict[CacheKey, str]: ...

    def put_many(self, items: dict[CacheKey, str]) -> None: ...


class MemoryCache:
    """A cache that lives as long as the object: for tests and one-off runs."""

    def __init__(self) -> None:
        self.data: dict[CacheKey, str] = {}

    def get_many(self, keys: list[CacheKey]) -> dict[CacheKey, str]:
        return {k: self.data[k] for k in keys if k in self.data}

    def put_many(self, items: dict[CacheKey, str]) -> None:
        self.data.update(items)


def find_route(
    hop: Callable[[str, str], Hop | None], source: str, target: str, pivot: str = PIVOT
) -> tuple[Hop, ...] | None:
    """The hops from ``source`` to ``target``: the direct model, else ``source -> pivot
    -> target`` when both models exist, else ``None``."""
    direct = hop(source, target)
    if direct is not None:
        return (direct,)
    if primary_subtag(source) == primary_subtag(pivot) or primary_subtag(target) == primary_subtag(pivot):
        return None
    first, second = hop(source, pivot), hop(pivot, target)
    if first is None or second is None:
        return None
    return (first, second)


@dataclass(frozen=True, slots=True)
class Request:
    """One fragment to translate: its text, BCP-47 language, UAX #24 script and target."""

    text: str
    lang: str
    script: str
    target: str = "en"


@dataclass(slots=True)
class Stats:
    """Counts for one or more :meth:`FragmentTranslator.translate_all` calls.

    ``engine_calls`` is the number of :meth:`Engine.run` calls, ``engine_texts`` the
    texts sent in them; ``cache_hits``/``cache_misses`` count distinct (hop, text)
    lookups; ``glossary_hits`` text units answered by the glossary.
    """

    fragments: int = 0
    units: int = 0
    engine_calls: int = 0
    engine_texts: int = 0
    engine_errors: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    glossary_hits: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class _Unit:
    """A text the engine must translate along a route, and what came back."""

    text: str
    route: tuple[Hop, ...]
    output: str | None = None
    error: str | None = None
    cached: bool = True


@dataclass(slots=True)
class _Job:
    request: Request
    prefix: str
    core: str
    pieces: list[Piece]
    suffix: str
    route: tuple[Hop, ...] | None
    whole: _Unit | None = None
    parts: list[_Unit | _Gloss | str] = field(default_factory=list)


class FragmentTranslator:
    """Translates fragments with an engine, a cache and a glossary; see the module docstring.

    ``engine`` may be ``None`` (only the glossary translates; everything else is
    ``untranslated``, reason ``"no translation engine"``). ``cache`` defaults to none.
    ``stats`` accumulates over calls.
    """

    def __init__(
        self, engine: Engine | None = None, cache: TranslationCache | None = None, glossary: Glossary | None = None
    ) -> None:
        self.engine = engine
        self.cache = cache
        self.glossary = glossary or Glossary()
        self.stats = Stats()
        self.name = engine.name if engine is not None else "none"

    def translate_all(self, requests: list[Request]) -> list[Translation]:
        """One :class:`Translation` per request, in order; see the module docstring."""
        self.stats.fragments += len(requests)
        results: list[Translation | None] = [None] * len(requests)
        jobs: dict[int, _Job] = {}
        for i, r in enumerate(requests):
            early, job = self._start(r)
            if early is not None:
                results[i] = early
            elif job is not None:
                jobs[i] = job

        # Round 1: whole fragments the glossary did not settle.
        whole = [j.whole for j in jobs.values() if j.whole is not None]
        self._run(whole)
        for i, job in list(jobs.items()):
            if job.whole is None:
                continue
            outcome = self._judge_whole(job)
            if outcome is not None:
                results[i] = outcome
                del jobs[i]
            else:
                job.parts = self._piece_units(job)

        # Round 2: piece by piece between protected tokens.
        self._run([u for j in jobs.values() for u in j.parts if isinstance(u, _Unit)])
        for i, job in jobs.items():
            results[i] = self._judge_pieces(job)
        return results  # type: ignore[return-value]

    # -- planning ---------------------------------------------------------------------

    def _start(self, r: Request) -> tuple[Translation | None, _Job | None]:
        if r.lang == "und":
            return self._untranslated("language undetermined"), None
        if primary_subtag(r.lang) == primary_subtag(r.target):
            return self._untranslated(f"already in target language {r.target}"), None
        text = to_quotes(r.text, r.target)
        prefix, pieces, suffix = split_fragment(text, r.script)
        prefix, pieces, suffix = _keep_quotes_paired(prefix, pieces, suffix, r.target)
        core = "".join(p.text for p in pieces)
        if not any(p.translate for p in pieces):
            return self._untranslated("nothing to translate"), None
        route = self._route(r.lang, r.target)
        job = _Job(r, prefix, core, pieces, suffix, route)
        self.stats.units += 1

        hit = self._gloss(core, r)
        if hit is not None:
            self.stats.glossary_hits += 1
            return self._done(job, hit, engine="glossary", route=None, cached=None), None
        glossed = [p.translate and self._gloss(p.text, r) is not None for p in pieces]
        if any(glossed) or route is None:
            # The glossary was asked to win over the model; with no model, it is all we have.
            job.parts = self._piece_units(job)
        else:
            job.whole = _Unit(core, route)
        return None, job

    def _gloss(self, text: str, r: Request) -> str | None:
        """The glossary's translation of ``text``; in scripts written without spaces
        between words (Han, kana), spaces separate fields of a template (``作者 編輯部``),
        so the fields may match one by one."""
        hit = self.glossary.lookup(text, r.lang, r.target)
        if hit is not None or r.script not in _UNSPACED or not any(ch.isspace() for ch in text):
            return hit
        fields = [self.glossary.lookup(f, r.lang, r.target) for f in text.split()]
        found = [f for f in fields if f is not None]
        return " ".join(found) if len(found) == len(fields) else None

    def _route(self, source: str, target: str) -> tuple[Hop, ...] | None:
        if self.engine is None:
            return None
        return find_route(self.engine.hop, source, target)

    def _piece_units(self, job: _Job) -> list[_Unit | _Gloss | str]:
        parts: list[_Unit | _Gloss | str] = []
        r = job.request
        for p in job.pieces:
            if not p.translate:
                parts.append(p.text)
                continue
            hit = self._gloss(p.text, r)
            if hit is not None:
                self.stats.glossary_hits += 1
                parts.append(_Gloss(hit, p.text))
            elif job.route is None:
                parts.append(_Unit(p.text, (), error=self._no_model(r)))
            else:
                self.stats.units += 1
                parts.append(_Unit(p.text, job.route))
        return parts

    # -- running ----------------------------------------------------------------------

    def _run(self, units: list[_Unit]) -> None:
        """Run ``units`` along their routes: per hop, one engine call for all texts."""
        pending = [u for u in units if u.error is None and u.route]
        current = {id(u): u.text for u in pending}
        depth = 0
        while pending:
            by_hop: dict[Hop, list[_Unit]] = {}
            for u in pending:  # every pending unit has a route longer than depth
                by_hop.setdefault(u.route[depth], []).append(u)
            for hop, group in by_hop.items():
                outputs = self._run_hop(hop, sorted({current[id(u)] for u in group}))
                for u in group:
                    out = outputs[current[id(u)]]
                    if isinstance(out, _Failure):
                        u.error = out.reason
                    else:
                        text, cached = out
                        current[id(u)] = text
                        u.cached = u.cached and cached
            depth += 1
            pending = [u for u in pending if u.error is None and len(u.route) > depth]
        for u in units:
            if u.error is None and u.route:
                u.output = current[id(u)]

    def _run_hop(self, hop: Hop, texts: list[str]) -> dict[str, tuple[str, bool] | _Failure]:
        keys = [(hop.model, hop.model_version or "", t) for t in texts]
        known = self.cache.get_many(keys) if self.cache is not None else {}
        self.stats.cache_hits += len(known)
        out: dict[str, tuple[str, bool] | _Failure] = {k[2]: (v, True) for k, v in known.items()}
        missing = [t for t in texts if t not in out]
        if not missing:
            return out
        self.stats.cache_misses += len(missing)
        self.stats.engine_calls += 1
        self.stats.engine_texts += len(missing)
        try:
            if self.engine is None:  # a hop exists only on an engine's route
                raise RuntimeError("no engine")
            produced = self.engine.run(hop, missing)
            if len(produced) != len(missing):
                raise RuntimeError(f"engine returned {len(produced)} outputs for {len(missing)} inputs")
        except Exception as exc:  # one failed call must not fail the batch's other hops
            self.stats.engine_errors += 1
            failure = _Failure(f"engine failed: {type(exc).__name__}: {exc}")
            return {**out, **{t: failure for t in missing}}
        fresh = dict(zip(missing, (p.strip() for p in produced)))
        if self.cache is not None:
            self.cache.put_many({(hop.model, hop.model_version or "", t): o for t, o in fresh.items()})
        out.update({t: (o, False) for t, o in fresh.items()})
        return out

    # -- judging ----------------------------------------------------------------------

    def _judge_whole(self, job: _Job) -> Translation | None:
        """The whole fragment's outcome, or ``None`` to retry it piece by piece."""
        u = job.whole
        assert u is not None and job.route is not None, "judged only after a whole-fragment run"
        splittable = sum(p.translate for p in job.pieces) > 1 or any(not p.translate for p in job.pieces)
        if u.error is not None:
            return self._untranslated(u.error, job)
        assert u.output is not None, "a unit without an error has an output"
        reason = guard_output(job.core, u.output)
        if reason is None and _lost_tokens(job.pieces, u.output):
            reason = "rejected: lost numbers, links or names"
        if reason is None:
            return self._done(job, u.output, engine=self.name, route=job.route, cached=u.cached)
        if splittable:
            return None
        return self._rejected(reason, job)

    def _judge_pieces(self, job: _Job) -> Translation:
        out: list[str] = []
        engines: set[str] = set()
        cached: list[bool] = []
        for part, piece in zip(job.parts, job.pieces):
            if isinstance(part, str):
                out.append(part)
                continue
            if isinstance(part, _Gloss):
                out.append(part.text)
                engines.add("glossary")
                continue
            if part.error is not None:
                return self._untranslated(part.error, job)
            assert part.output is not None, "a unit without an error has an output"
            reason = guard_output(piece.text, part.output)
            if reason is not None:
                return self._rejected(reason, job)
            out.append(part.output)
            engines.add(self.name)
            cached.append(part.cached)
        engine = "glossary" if engines == {"glossary"} else "+".join(sorted(engines, key=lambda e: e != "glossary"))
        route = job.route if self.name in engines else None
        return self._done(job, _join(out), engine=engine, route=route, cached=all(cached) if cached else None)

    # -- outcomes ---------------------------------------------------------------------

    def _done(
        self, job: _Job, text: str, *, engine: str, route: tuple[Hop, ...] | None, cached: bool | None
    ) -> Translation:
        full = job.prefix + to_quotes(text.strip(), job.request.target) + job.suffix
        return Translation(
            status="translated",
            text=full,
            engine=engine,
            model=_models(route),
            model_version=_versions(route),
            route=_langs(job.request, route),
            cache=None if cached is None else ("hit" if cached else "miss"),
        )

    def _untranslated(self, reason: str, job: _Job | None = None) -> Translation:
        route = job.route if job is not None else None
        return Translation(
            "untranslated",
            None,
            self.name,
            _models(route),
            _versions(route),
            reason,
            _langs(job.request, route) if job else None,
        )

    def _rejected(self, reason: str, job: _Job) -> Translation:
        return Translation(
            "rejected",
            None,
            self.name,
            _models(job.route),
            _versions(job.route),
            reason,
            _langs(job.request, job.route),
        )

    def _no_model(self, r: Request) -> str:
        if self.engine is None:
            return "no translation engine"
        if PIVOT in (primary_subtag(r.lang), primary_subtag(r.target)):
            return f"no installed model {r.lang}->{r.target}"
        return f"no installed model {r.lang}->{r.target}, nor {r.lang}->{PIVOT}->{r.target}"


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str


@dataclass(frozen=True, slots=True)
class _Gloss:
    text: str
    source: str


_WORD_CHARS = regex.compile(r"[\p{L}\p{N}]+")
_UNSPACED = frozenset({"Han", "Hiragana", "Katakana", "Thai"})


def _lost_tokens(pieces: list[Piece], output: str) -> bool:
    """True when a word or number of a kept piece is missing from ``output``."""
    for p in pieces:
        if not p.translate:
            for token in _WORD_CHARS.findall(p.text):
                if token not in output:
                    return True
    return False


def _join(parts: Iterable[str]) -> str:
    """Concatenate translated pieces and kept tokens, with a space where words would touch."""
    out = ""
    for part in parts:
        if out and part and out[-1].isalnum() and part[0].isalnum():
            out += " "
        out += part
    return out


def _keep_quotes_paired(prefix: str, pieces: list[Piece], suffix: str, target: str) -> tuple[str, list[Piece], str]:
    """Move a closing (opening) mark from the suffix (prefix) into the text when the
    text opens (closes) a quotation it does not close (open): ``За “головы”`` is sent
    whole, not ``За “головы``."""
    if not pieces:
        return prefix, pieces, suffix
    marks = QUOTES.get(primary_subtag(target), QUOTES["en"])
    core = "".join(p.text for p in pieces)
    for o, c in ((marks[0], marks[1]), (marks[2], marks[3])):
        if o == c:
            continue
        if core.count(o) > core.count(c) and suffix.startswith(c):
            last = pieces[-1]
            pieces = [*pieces[:-1], Piece(last.text + c, last.translate)]
            suffix = suffix[1:]
        elif core.count(c) > core.count(o) and prefix.endswith(o):
            first = pieces[0]
            pieces = [Piece(o + first.text, first.translate), *pieces[1:]]
            prefix = prefix[:-1]
    return prefix, pieces, suffix


def _models(route: tuple[Hop, ...] | None) -> str | None:
    return "+".join(h.model for h in route) if route else None


def _versions(route: tuple[Hop, ...] | None) -> str | None:
    if not route or all(h.model_version is None for h in route):
        return None
    return "+".join(h.model_version or "" for h in route)


def _langs(r: Request, route: tuple[Hop, ...] | None) -> tuple[str, ...] | None:
    if not route:
        return None
    return (r.lang, *(h.target for h in route[:-1]), r.target)
