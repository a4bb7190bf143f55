"""Viterbi decoding of a paragraph's tokens into language states.

State 0 is the document's main language, the others the candidate foreign languages.
Scores are log10 probabilities: a token's emission score in each state, and the cost of a
switch between two states, which depends on the boundary before the token (cheap at a
quote or a sentence end, dear between two plain words). A foreign stretch must pay to
enter and to leave, so the evidence a short fragment needs is a prior, not a special case.
"""

from __future__ import annotations


def viterbi(emissions: list[list[float]], switch: list[float], leave: float) -> list[int]:
    """The best state of each token.

    ``emissions[t][s]``: token ``t``'s score in state ``s``; ``switch[t]``: the cost of a
    change of state just before token ``t`` (``switch[0]``: starting outside the main
    language); ``leave``: the cost of ending the paragraph outside it. A change between
    two foreign states costs the same as one into or out of the main language, so each
    step is O(states): the best predecessor is either the same state or the overall best.
    """
    if not emissions:
        return []
    states = range(len(emissions[0]))
    score = [e - (switch[0] if s else 0.0) for s, e in enumerate(emissions[0])]
    back: list[list[int]] = []
    for t in range(1, len(emissions)):
        best = max(states, key=score.__getitem__)
        reach = score[best] - switch[t]
        row = emissions[t]
        ptr = [s if score[s] >= reach else best for s in states]
        score = [(score[s] if score[s] >= reach else reach) + row[s] for s in states]
        back.append(ptr)
    final = [v - (leave if s else 0.0) for s, v in enumerate(score)]
    state = max(states, key=final.__getitem__)
    path = [state]
    for ptr in reversed(back):
        state = ptr[state]
        path.append(state)
    path.reverse()
    return path
