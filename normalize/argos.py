"""The real translation engine: installed argostranslate packages, run strictly offline.

:class:`ArgosTranslator` implements the :class:`normalize.translate.Translator` protocol
on top of argostranslate packages (``.argosmodel`` archives already extracted into a
packages directory). It never downloads anything: a pair without an installed package is
answered ``untranslated``.

argostranslate itself is imported lazily: importing ``argostranslate.translate`` pulls in
stanza and torch (seconds), and importing ``argostranslate.settings`` creates directories
under ``$HOME`` and freezes the environment variables it reads. Importing this module does
neither.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .types import Translation

if TYPE_CHECKING:
    from argostranslate.package import Package

ENGINE = "argostranslate"

# BCP-47 tags (lowercased) whose argos code is not their primary subtag. argos names
# Traditional Chinese "zt" and Brazilian Portuguese "pb"; everything else uses the
# ISO 639 primary subtag.
BCP47_TO_ARGOS: dict[str, str] = {
    "zh": "zh",
    "zh-hans": "zh",
    "zh-hant": "zt",
    "pt-br": "pb",
}


def to_argos_code(tag: str) -> str:
    """Map a BCP-47 tag to the language code argostranslate packages use.

    ``zh-Hans`` -> ``zh``, ``zh-Hant`` -> ``zt``, ``pt-BR`` -> ``pb``; any other tag maps
    to its primary subtag, lowercased (``en-GB`` -> ``en``). Longer tags fall back to
    their first two subtags when those are in :data:`BCP47_TO_ARGOS`
    (``zh-Hant-TW`` -> ``zt``). ``_`` is accepted as a separator.

    Raises ``ValueError`` for an empty tag.
    """
    parts = [p for p in tag.strip().replace("_", "-").lower().split("-") if p]
    if not parts:
        raise ValueError(f"not a language tag: {tag!r}")
    for n in (len(parts), 2):
        key = "-".join(parts[:n])
        if key in BCP47_TO_ARGOS:
            return BCP47_TO_ARGOS[key]
    return parts[0]


# --- guards -------------------------------------------------------------------------

# Words, or runs of punctuation: "..." stays one token so an ellipsis is not a repetition.
_TOKEN_RE = re.compile(r"\w+|[^\w\s]+")
# Loops inside one word, which word tokens cannot see: "ПтоПтоПто", "hahaha", "的的的的".
# A unit of 2+ characters three times, or one character four times ("www", "III" pass).
_INWORD_LOOP_RE = re.compile(r"(\S{2,}?)\1{2,}|(\S)\2{3,}")


def has_repetition(text: str, times: int = 3) -> bool:
    """True if ``text`` loops: some token sequence occurs ``times`` or more times in a row.

    Tokens are words or runs of punctuation, compared case-insensitively:
    ``"the cat the cat the cat"`` and ``"no no no"`` are repetitions, ``"no no"`` is not.
    Loops inside a word also count (``"ПтоПтоПто"``, ``"的的的的"``); see
    ``_INWORD_LOOP_RE``.
    """
    folded = text.casefold()
    if _INWORD_LOOP_RE.search(folded):
        return True
    tokens = _TOKEN_RE.findall(folded)
    n = len(tokens)
    for period in range(1, n // times + 1):
        run = 0
        for i in range(n - period):
            if tokens[i] == tokens[i + period]:
                run += 1
                # run matching positions in a row = run + period tokens of periodic text
                if run >= (times - 1) * period:
                    return True
            else:
                run = 0
    return False


def guard_output(source: str, output: str) -> str | None:
    """Return why ``output`` is not an acceptable translation of ``source``, or ``None``.

    Reasons: ``"rejected: empty output"`` (nothing but whitespace) and
    ``"rejected: repetition"`` (a token sequence repeated 3+ times in a row while the
    source has no such repetition: the usual degenerate-decoder loop).
    """
    if not output.strip():
        return "rejected: empty output"
    if has_repetition(output) and not has_repetition(source):
        return "rejected: repetition"
    return None


# --- engine -------------------------------------------------------------------------

_sentencizer_class: type | None = None


def _single_sentence_sentencizer() -> Any:
    """An argos sentence splitter that returns its input whole.

    argostranslate 1.11's default splitters (MiniSBD, stanza, spaCy) fetch models from
    the network on first use. Fragments are short and the caller splits text itself, so
    no splitting is needed here. The class is built on first use because
    ``argostranslate.sbd`` imports stanza (slow).
    """
    global _sentencizer_class
    if _sentencizer_class is None:
        from argostranslate.sbd import ISentenceBoundaryDetectionModel

        class _WholeText(ISentenceBoundaryDetectionModel):
            def split_sentences(self, text: str) -> list[str]:
                return [text]

            def __str__(self) -> str:
                return "whole text, no sentence splitting"

        _sentencizer_class = _WholeText
    return _sentencizer_class()


def _version_key(pkg: Package) -> tuple:
    import packaging.version

    try:
        return (1, packaging.version.parse(pkg.package_version or "0"))
    except packaging.version.InvalidVersion:
        return (0, pkg.package_version or "")


class ArgosTranslator:
    """Translate with installed argostranslate packages; no network call is ever made.

    ``packages_dir`` is a directory of extracted packages (one sub-directory per package,
    each with ``metadata.json``, ``model/`` and ``sentencepiece.model``). It defaults to
    argostranslate's configured directory, ``argostranslate.settings.package_data_dir``
    (``$ARGOS_PACKAGES_DIR`` as read when argostranslate was first imported, else
    ``~/.local/share/argos-translate/packages``). A missing directory means no packages.

    Packages are discovered on first use and cached; call :meth:`refresh` after
    installing more. CTranslate2 models are loaded on first use per package and kept.
    ``intra_threads`` is CTranslate2's per-translation thread count (``0``: its default).

    Safe to share between threads: discovery and model loading are locked, and a
    ``ctranslate2.Translator`` queues concurrent calls itself (one at a time per package,
    since ``inter_threads=1``).
    """

    name = ENGINE

    def __init__(self, packages_dir: str | Path | None = None, *, intra_threads: int = 1) -> None:
        if packages_dir is None:
            from argostranslate import settings

            packages_dir = settings.package_data_dir
        self.packages_dir = Path(packages_dir)
        self.intra_threads = intra_threads
        self._lock = threading.Lock()
        self._packages: list[Package] | None = None
        self._models: dict[Path, Any] = {}

    # -- discovery --

    def installed_packages(self) -> list[Package]:
        """The translation packages in ``packages_dir`` (argostranslate ``Package`` objects).

        Raises ``FileNotFoundError`` if a sub-directory has no ``metadata.json`` (not a
        package: argostranslate refuses the whole directory then).
        """
        with self._lock:
            if self._packages is None:
                self._packages = self._discover()
            return list(self._packages)

    def _discover(self) -> list[Package]:
        from argostranslate import package

        # get_installed_packages iterates the directory unconditionally and would raise.
        if not self.packages_dir.is_dir():
            return []
        found = package.get_installed_packages(path=[self.packages_dir])
        # sbd packages (sentence splitters) share the directory but do not translate.
        return [p for p in found if p.type == "translate"]

    def refresh(self) -> None:
        """Forget discovered packages and loaded models; the next call rediscovers."""
        with self._lock:
            self._packages = None
            self._models.clear()

    def identity(self) -> str:
        """Engine and installed models as one string, e.g. ``argostranslate[ru-en@1.9]``.

        Part of a record's fingerprint: installing or upgrading a model changes it, so a
        document is re-processed instead of being skipped as unchanged.
        """
        pairs = sorted(f"{p.from_code}-{p.to_code}@{p.package_version}" for p in self.installed_packages())
        return f"{ENGINE}[{','.join(pairs)}]"

    def find_package(self, source: str, target: str) -> Package | None:
        """The installed package for BCP-47 ``source -> target``, newest version first."""
        src, tgt = to_argos_code(source), to_argos_code(target)
        matches = [p for p in self.installed_packages() if p.from_code == src and p.to_code == tgt]
        return max(matches, key=_version_key) if matches else None

    # -- translation --

    def _model(self, pkg: Package) -> Any:
        with self._lock:
            model = self._models.get(pkg.package_path)
            if model is None:
                import ctranslate2

                model = ctranslate2.Translator(
                    str(pkg.package_path / "model"),
                    device="cpu",
                    compute_type="auto",
                    inter_threads=1,
                    intra_threads=self.intra_threads,
                )
                self._models[pkg.package_path] = model
            return model

    def translate(self, text: str, source: str, target: str) -> Translation:
        """Translate ``text`` from BCP-47 ``source`` to ``target``.

        Returns a :class:`Translation` with ``engine="argostranslate"``:

        * ``untranslated``, reason ``"no installed model <source>-><target>"`` when no
          package serves the pair (no pivoting through a third language);
        * ``rejected`` with ``text=None`` when the output fails :func:`guard_output` (or
          the input is blank: ``"rejected: empty input"``);
        * ``translated`` otherwise, with ``model`` (argos package name, e.g.
          ``translate-ru_en``) and ``model_version`` (the package's ``package_version``).

        Makes no network call. Raises ``ValueError`` for an empty language tag,
        ``FileNotFoundError`` when a sub-directory of ``packages_dir`` is not a package
        (see :meth:`installed_packages`), and lets CTranslate2's ``RuntimeError`` through
        when a package's model is corrupt.
        """
        pkg = self.find_package(source, target)
        if pkg is None:
            return Translation(
                status="untranslated",
                text=None,
                engine=ENGINE,
                reason=f"no installed model {source}->{target}",
            )

        from argostranslate.package import argospm_package_name

        model_name = argospm_package_name(pkg)
        meta = {"engine": ENGINE, "model": model_name, "model_version": pkg.package_version or None}

        if not text.strip():
            return Translation(status="rejected", text=None, reason="rejected: empty input", **meta)

        # Not argostranslate.translate.translate() / PackageTranslation: both construct a
        # MiniSBD or stanza splitter that downloads a model on first use.
        from argostranslate.translate import apply_packaged_translation

        hypotheses = apply_packaged_translation(
            pkg, text, self._model(pkg), _single_sentence_sentencizer(), num_hypotheses=1
        )
        output = hypotheses[0].value.strip()

        reason = guard_output(text, output)
        if reason is not None:
            return Translation(status="rejected", text=None, reason=reason, **meta)
        return Translation(status="translated", text=output, **meta)
