"""Translation models on disk: list, install and remove argostranslate packages.

The models folder is one directory of extracted packages, shared by the CLI, flows and
workers: ``--models-dir`` where a command takes it, else ``$ARGOS_PACKAGES_DIR``, else
argostranslate's default (``~/.local/share/argos-translate/packages``). Installing uses
argostranslate's own ``install_from_path``; an archive is checked first, so a bad file
is refused before anything is extracted.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from normalize.argos import ArgosEngine, from_argos_code, to_argos_code, version_key


class ModelError(Exception):
    """A model that cannot be installed or removed; the message says why."""


@dataclass(frozen=True)
class InstalledModel:
    """One installed package: argos name (``translate-ru_en``), pair, version, folder,
    size on disk in bytes."""

    name: str
    from_code: str
    to_code: str
    version: str
    path: Path
    bytes: int

    @property
    def source(self) -> str:
        """BCP-47 tag of the source language (argos ``zt`` is ``zh-Hant``)."""
        return from_argos_code(self.from_code)

    @property
    def target(self) -> str:
        return from_argos_code(self.to_code)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "source": self.source,
            "target": self.target,
            "argos_pair": f"{self.from_code}-{self.to_code}",
            "version": self.version,
            "path": str(self.path),
            "bytes": self.bytes,
        }


def models_dir(path: str | Path | None = None) -> Path:
    """The models folder: ``path``, else argostranslate's configured package folder."""
    if path is not None:
        return Path(path)
    from argostranslate import settings

    return Path(settings.package_data_dir)


def list_models(folder: str | Path | None = None) -> list[InstalledModel]:
    """The translation packages installed in ``folder``, sorted by pair and version."""
    from argostranslate.package import argospm_package_name

    engine = ArgosEngine(models_dir(folder))
    out = [
        InstalledModel(
            argospm_package_name(p),
            p.from_code,
            p.to_code,
            p.package_version or "",
            p.package_path,
            _size(p.package_path),
        )
        for p in engine.installed_packages()
    ]
    return sorted(out, key=lambda m: (m.from_code, m.to_code, m.version))


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def check_archive(path: str | Path) -> dict:
    """The ``metadata.json`` of the ``.argosmodel`` at ``path`` after checking its layout.

    Raises :class:`ModelError` when it is not a zip, has not exactly one top-level
    folder, or lacks ``metadata.json``, ``model/`` or a tokenizer, or its metadata is
    not a translate package with ``from_code``/``to_code``.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise ModelError(f"{path}: not an argos model (not a zip archive)")
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if n.strip("/")]
        tops = {n.split("/")[0] for n in names}
        if len(tops) != 1 or all("/" not in n for n in names):
            raise ModelError(
                f"{path}: not an argos model: expected one top-level folder holding metadata.json, model/ and the tokenizer"
            )
        top = tops.pop()
        if any(".." in n.split("/") or n.startswith("/") for n in names):
            raise ModelError(f"{path}: unsafe path in archive")
        try:
            meta = json.loads(zf.read(f"{top}/metadata.json"))
        except KeyError:
            raise ModelError(f"{path}: no {top}/metadata.json") from None
        except ValueError as exc:
            raise ModelError(f"{path}: metadata.json is not JSON: {exc}") from None
        if not any(n.startswith(f"{top}/model/") for n in names):
            raise ModelError(f"{path}: no {top}/model/ folder")
        if not ({f"{top}/sentencepiece.model", f"{top}/bpe.model"} & set(names)):
            raise ModelError(f"{path}: no tokenizer (sentencepiece.model or bpe.model)")
    if meta.get("type", "translate") != "translate" or not meta.get("from_code") or not meta.get("to_code"):
        raise ModelError(f"{path}: metadata.json does not describe a translate package with from_code and to_code")
    return {**meta, "_folder": top}


@contextlib.contextmanager
def _argos_package_dir(folder: Path) -> Iterator[None]:
    # install_from_path always extracts into settings.package_data_dir, fixed when
    # argostranslate was imported; pointing it elsewhere for the call is the only way.
    from argostranslate import settings

    before = settings.package_data_dir
    settings.package_data_dir = folder
    try:
        yield
    finally:
        settings.package_data_dir = before


def install_archive(path: str | Path, folder: str | Path | None = None) -> InstalledModel:
    """Install the ``.argosmodel`` at ``path`` into the models folder.

    A package already installed under the same folder name is replaced (same pair and
    version: a re-install). Raises :class:`ModelError` for a bad archive (nothing is
    extracted then).
    """
    from argostranslate import package

    meta = check_archive(path)
    target = models_dir(folder)
    target.mkdir(parents=True, exist_ok=True)
    dest = target / meta["_folder"]
    if dest.exists():
        shutil.rmtree(dest)
    with _argos_package_dir(target):
        package.install_from_path(Path(path))
    return next(m for m in list_models(target) if m.path == dest)


def install_folder(
    source: str | Path, folder: str | Path | None = None
) -> tuple[list[InstalledModel], list[tuple[Path, str]]]:
    """Install every ``*.argosmodel`` in ``source`` (air-gapped machines).

    Returns ``(installed, failures)``; a bad archive is listed in ``failures`` with the
    reason and does not stop the others. Raises :class:`ModelError` when ``source``
    holds no archive at all.
    """
    archives = sorted(Path(source).glob("*.argosmodel"))
    if not archives:
        raise ModelError(f"{source}: no .argosmodel files")
    installed, failures = [], []
    for archive in archives:
        try:
            installed.append(install_archive(archive, folder))
        except ModelError as exc:
            failures.append((archive, str(exc)))
    return installed, failures


def install_from_index(pair: str, folder: str | Path | None = None, timeout: float = 30.0) -> InstalledModel:
    """Download the package for ``pair`` (``ru-en``, BCP-47 tags) from the argos package
    index and install it.

    Raises :class:`ModelError` when the index cannot be reached (offline: the message
    says to install from a file instead), lists no such pair, or the download fails.
    """
    import urllib.error
    import urllib.request

    from argostranslate import package, settings

    source, target = _pair(pair)
    url = settings.remote_package_index
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            index = json.loads(response.read())
    except (OSError, urllib.error.URLError, ValueError) as exc:
        raise ModelError(
            f"cannot reach the argos package index {url}: {exc}; on a machine without network, "
            "copy the .argosmodel file here and run `transnorm models install FILE`"
        ) from None
    matches = [
        package.AvailablePackage(m) for m in index if m.get("from_code") == source and m.get("to_code") == target
    ]
    if not matches:
        raise ModelError(f"the argos package index has no {source}->{target} package")
    best = max(matches, key=lambda p: version_key(p.package_version))
    try:
        archive = best.download()
    except Exception as exc:  # argostranslate raises bare Exception on a failed download
        raise ModelError(f"download of {source}->{target} failed: {exc}") from None
    return install_archive(archive, folder)


def remove_model(spec: str, folder: str | Path | None = None, version: str | None = None) -> list[InstalledModel]:
    """Remove installed packages matching ``spec``: a pair (``ru-en``, BCP-47 tags) or an
    argos package name (``translate-ru_en``); only ``version`` when given.

    Returns what was removed. Raises :class:`ModelError` when nothing matches.
    """
    installed = list_models(folder)
    if spec.startswith("translate-"):
        hits = [m for m in installed if m.name == spec]
    else:
        source, target = _pair(spec)
        hits = [m for m in installed if (m.from_code, m.to_code) == (source, target)]
    if version is not None:
        hits = [m for m in hits if m.version == version]
    if not hits:
        raise ModelError(
            f"no installed model matches {spec}"
            + (f" version {version}" if version else "")
            + f" in {models_dir(folder)}"
        )
    for m in hits:
        shutil.rmtree(m.path)
    return hits


def _pair(spec: str) -> tuple[str, str]:
    """``"ru-en"`` or ``"zh-Hant:en"`` -> argos codes; ``:`` separates tags that hold ``-``."""
    if ":" in spec:
        source, _, target = spec.partition(":")
    else:
        source, _, target = spec.rpartition("-")
    if not source or not target:
        raise ModelError(f"{spec!r} is not a language pair; write ru-en, or zh-Hant:en for tags with subtags")
    return to_argos_code(source), to_argos_code(target)
