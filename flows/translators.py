"""The translator every entry point uses: argos models, the store's translation cache, a glossary.

A module of its own, without Prefect, so the API's worker processes start quickly.
"""

from __future__ import annotations

from ingest.glossaries import read_glossary
from ingest.translation_cache import StoreTranslationCache
from normalize.argos import ArgosEngine
from normalize.glossary import Glossary
from normalize.translate import FragmentTranslator

from .stores import open_store


def make_translator(
    store_url: str, s3_endpoint: str | None, models_dir: str | None, glossary_path: str | None, cache: bool = True
) -> tuple[FragmentTranslator, ArgosEngine]:
    """The argos engine on ``models_dir``, the store's persistent translation cache
    (unless ``cache`` is false) and the glossary at ``glossary_path`` (if any).

    Raises :class:`~normalize.glossary.GlossaryError` or ``FileNotFoundError`` for a bad
    glossary path.
    """
    engine = ArgosEngine(models_dir)
    glossary = read_glossary(glossary_path) if glossary_path else Glossary()
    store_cache = StoreTranslationCache(open_store(store_url, s3_endpoint=s3_endpoint)) if cache else None
    return FragmentTranslator(engine, store_cache, glossary), engine
