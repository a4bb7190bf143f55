"""Shared fixtures. The corpus is read from ../shared next to the checkout, never copied."""

from __future__ import annotations

import os
from pathlib import Path

# No network here: Prefect must not try to send telemetry.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRANSNORM_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
SEED = CORPUS / "seed" / "article-mixed-ru-zh.txt"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    if not SEED.exists():
        pytest.fail(f"reference article missing: {SEED} (set TRANSNORM_SHARED)")
    return SEED


@pytest.fixture(scope="session")
def seed_text(seed_path) -> str:
    return seed_path.read_text(encoding="utf-8")
