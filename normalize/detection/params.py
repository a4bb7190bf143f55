"""The detector's fitted parameters.

Every number here is chosen by ``bench/detect/fit.py`` on the real-text development set
(``../shared/corpus/realtext``), which prints what it tried and what it chose; none is set
by looking at one case. Units are log10 probabilities (one unit: ten times as likely).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from .tokens import Boundary


@dataclass(frozen=True)
class Params:
    # The cost of a change of language between two plain words...
    switch: float = 5.0
    # ...less this at each kind of boundary (indexed by Boundary).
    discount: tuple[float, ...] = field(default_factory=lambda: (2.0, 5.0, 4.5, 5.5, 0.5, 1.0, 5.0, 4.5, 4.0, 5.0))
    # The prior odds against each word of a foreign stretch: a document in one language is
    # in it word after word, so every foreign word must beat the main language by this.
    foreign_prior: float = 1.0
    # Log10 probability of a word a language's list lacks (Zipf 1: once in 10^8 words).
    unseen: float = -8.0
    # No token moves the balance between two languages by more than this.
    clip: float = 4.0
    # How much the character model (an unlisted word's letters) counts against a list.
    char_weight: float = 0.3
    # A capitalised word inside a sentence is most often a name: its scores count this much.
    capital_weight: float = 0.4
    # A Latin-script word inside another script's stretch, below its best Latin-script
    # reading (names and terms stand in foreign sentences; a plain word seldom does).
    latin_in_other: float = 6.0
    # Not fitted: the definition of a Latin-script fragment (a phrase or sentence). A single
    # foreign word in a Latin-script text cannot be told from a loanword or a name by its
    # frequencies, and translating it alone helps no reader.
    min_words: int = 2
    # Confidence: a Latin-script stretch's raw confidence is the softmax of its summed
    # scores over the languages (and so is the main one's); every finding's confidence is
    # then mapped by Platt scaling, sigmoid(a * logit(raw) + b), fitted for calibration.
    calibration: tuple[float, float] = (0.2, 2.0)

    def calibrated(self, raw: float) -> float:
        a, b = self.calibration
        raw = min(max(raw, 1e-6), 1 - 1e-6)
        return 1 / (1 + math.exp(-(a * math.log(raw / (1 - raw)) + b)))

    def switch_cost(self, kind: Boundary) -> float:
        return _switch_costs(self)[kind]


PARAMS = Params()


@lru_cache(maxsize=64)
def _switch_costs(params: Params) -> tuple[float, ...]:
    return tuple(max(0.0, params.switch - d) for d in params.discount)
