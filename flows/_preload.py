"""Imported once by the worker pool's fork server (flows/pool.py): detection's models and
word lists are loaded here, and every worker forked from the server shares their pages.
lingua's models live in Rust memory and the lexicons in numpy buffers; Python's reference
counting never writes to them, so they stay shared instead of one copy per worker."""

from flows.pool import WARM_UP
from normalize.pipeline import normalize_text

normalize_text(WARM_UP, None, mode="keep")
