"""Lexical ranking of passages (BM25), what `search_<slug>` tools answer with.

Retrieval is lexical on purpose: an installation must work offline, and embedding models would have
to be downloaded (or called through a paid API) before a single file could be searched. BM25 needs
nothing but the text. The IDF is Lucene's `log(1 + (N − n + 0.5) / (n + 0.5))`, always positive, so
a word found in half the passages of a small library still counts (the classic Okapi IDF is zero
or negative there and would hide the very passage asked for).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

K1 = 1.2
B = 0.75
_WORD = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """Lower-cased words without accents (`Café` finds `cafe`)."""
    folded = unicodedata.normalize("NFKD", text.lower())
    return _WORD.findall("".join(c for c in folded if not unicodedata.combining(c)))


def rank(query: str, passages: Sequence[str], top: int) -> list[tuple[int, float]]:
    """(passage index, score) of the `top` best passages sharing at least one word with the query."""
    terms = set(tokens(query))
    if not terms or not passages:
        return []
    counts = [Counter(tokens(p)) for p in passages]
    lengths = [sum(c.values()) for c in counts]
    average = (sum(lengths) / len(lengths)) or 1.0
    total = len(passages)
    idf = {}
    for term in terms:
        n = sum(1 for c in counts if term in c)
        idf[term] = math.log(1 + (total - n + 0.5) / (n + 0.5))
    scored = []
    for i, (count, length) in enumerate(zip(counts, lengths, strict=True)):
        score = 0.0
        for term in terms:
            tf = count.get(term, 0)
            if tf:
                score += idf[term] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
        if score > 0:
            scored.append((i, score))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:top]
