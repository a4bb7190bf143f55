"""The real translation engine: installed argostranslate packages, run strictly offline.

:class:`ArgosEngine` implements the :class:`normalize.translate.Engine` protocol on top
of argostranslate packages (``.argosmodel`` archives already extracted into a packages
directory): :meth:`~ArgosEngine.hop` finds the package for a pair,
:meth:`~ArgosEngine.run` translates a list of texts in one CTranslate2
``translate_batch`` call. It never downloads anything.

argostranslate itself is imported lazily: importing ``argostranslate.translate`` pulls in
stanza and torch (seconds), and importing ``argostranslate.settings`` creates directories
under ``$HOME`` and freezes the environment variables it reads. Importing this module does
neither.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .translate import Hop

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


# The way back, for showing installed packages in BCP-47: argos "zh" is Simplified.
ARGOS_TO_BCP47: dict[str, str] = {"zh": "zh-Hans", "zt": "zh-Hant", "pb": "pt-BR"}


def from_argos_code(code: str) -> str:
    """The BCP-47 tag for an argos language code: ``zt`` -> ``zh-Hant``, ``zh`` ->
    ``zh-Hans``, ``pb`` -> ``pt-BR``; any other code is already an ISO 639-1 tag."""
    return ARGOS_TO_BCP47.get(code, code)


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


# --- engine -------------------------------------------------------------------------


def version_key(version: str | None) -> tuple[int, object]:
    """Sort key for argos package versions: PEP 440 order, unparsable ones first."""
    import packaging.version

    try:
        return (1, packaging.version.parse(version or "0"))
    except packaging.version.InvalidVersion:
        return (0, version or "")


class ArgosEngine:
    """Run installed argostranslate packages; no network call is ever made.

    ``packages_dir`` is a directory of extracted packages (one sub-directory per package,
    each with ``metadata.json``, ``model/`` and ``sentencepiece.model``). It defaults to
    argostranslate's configured directory, ``argostranslate.settings.package_data_dir``
    (``$ARGOS_PACKAGES_DIR`` as read when argostranslate was first imported, else
    ``~/.local/share/argos-translate/packages``). A missing directory means no packages.

    Packages are discovered on first use and cached; call :meth:`refresh` after
    installing more. CTranslate2 models are loaded on first use per package and kept.
    ``intra_threads`` is CTranslate2's per-translation thread count (``0``: its default);
    ``beam_size`` and ``max_batch_size`` (tokens per CTranslate2 batch) default to
    argostranslate's settings (``ARGOS_BEAM_SIZE``, ``ARGOS_BATCH_SIZE``).

    Safe to share between threads: discovery and model loading are locked, and a
    ``ctranslate2.Translator`` queues concurrent calls itself.
    """

    name = ENGINE

    def __init__(
        self,
        packages_dir: str | Path | None = None,
        *,
        intra_threads: int = 1,
        beam_size: int | None = None,
        max_batch_size: int | None = None,
    ) -> None:
        if packages_dir is None:
            from argostranslate import settings

            packages_dir = settings.package_data_dir
        self.packages_dir = Path(packages_dir)
        self.intra_threads = intra_threads
        self.beam_size = beam_size
        self.max_batch_size = max_batch_size
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
        return max(matches, key=lambda p: version_key(p.package_version)) if matches else None

    def hop(self, source: str, target: str) -> Hop | None:
        """The :class:`~normalize.translate.Hop` for BCP-47 ``source -> target``, or ``None``.

        ``model`` is the argos package name (``translate-ru_en``), ``model_version`` its
        ``package_version``. Raises ``ValueError`` for an empty tag.
        """
        pkg = self.find_package(source, target)
        if pkg is None:
            return None
        from argostranslate.package import argospm_package_name

        return Hop(source, target, argospm_package_name(pkg), pkg.package_version or None)

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

    def run(self, hop: Hop, texts: list[str]) -> list[str]:
        """Translate ``texts`` with ``hop``'s package in one CTranslate2 ``translate_batch``.

        Returns the best hypothesis per text, detokenized, in order. Each text is
        translated as one sentence: the caller splits text itself, and argostranslate's
        own splitters download models on first use. Blank texts come back ``""`` without
        reaching the model. Raises ``LookupError`` when the package is no longer
        installed; CTranslate2's ``RuntimeError`` passes through (a corrupt model).
        """
        pkg = self.find_package(hop.source, hop.target)
        if pkg is None or (pkg.package_version or None) != hop.model_version:
            raise LookupError(f"model {hop.model}@{hop.model_version} is not installed in {self.packages_dir}")
        from argostranslate import settings

        todo = [i for i, t in enumerate(texts) if t.strip()]
        out = [""] * len(texts)
        if not todo:
            return out
        # The steps of argostranslate.translate.apply_packaged_translation, for a list
        # of texts at once: tokenize, one translate_batch, detokenize, strip the prefix.
        tokenized = [pkg.tokenizer.encode(texts[i]) for i in todo]
        target_prefix = [[pkg.target_prefix]] * len(tokenized) if pkg.target_prefix else None
        beam = self.beam_size or settings.beam_size
        results = self._model(pkg).translate_batch(
            tokenized,
            target_prefix=target_prefix,
            replace_unknowns=True,
            max_batch_size=self.max_batch_size or settings.batch_size,
            batch_type="tokens",
            beam_size=beam,
            num_hypotheses=1,
            length_penalty=0.2,
        )
        for i, result in zip(todo, results):
            value = pkg.tokenizer.decode(result.hypotheses[0])
            if pkg.target_prefix and value.startswith(pkg.target_prefix):
                value = value[len(pkg.target_prefix) :]
            out[i] = value.strip()
        return out
