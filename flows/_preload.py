"""Imported once by the worker pool's fork server (flows/pool.py): detection's models and
word lists are loaded here, and every worker forked from the server shares their pages.
lingua's models live in Rust memory and the lexicons in numpy buffers (memory-mapped from
the word list cache); Python's reference counting never writes to them, so they stay
shared instead of one copy per worker."""

from flows.pool import WARM_UP
from ingest import lexicon_cache
from normalize.languages import preload_lingua
from normalize.pipeline import normalize_text

lexicon_cache.install()
preload_lingua()
normalize_text(WARM_UP, None, mode="keep")
