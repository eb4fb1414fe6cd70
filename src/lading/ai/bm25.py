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
from collections.abc import Sequence

K1 = 1.2
B = 0.75
_WORD = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """Lower-cased words without accents (`Café` finds `cafe`)."""
    text = text.lower()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _WORD.findall(text)


def index_terms(text: str) -> tuple[str, int]:
    """What a passage is ranked on, computed once at upload: its words as one space-delimited string
    (" word word … ", so a word is found with a plain substring test) and how many there are."""
    words = tokens(text)
    return f" {' '.join(words)} ", len(words)


def rank(query: str, terms: Sequence[str], lengths: Sequence[int], top: int) -> list[tuple[int, float]]:
    """(passage index, score) of the `top` best passages sharing at least one word with the query;
    `terms` and `lengths` come from `index_terms`. Only passages holding a query word are split."""
    wanted = [f" {t} " for t in dict.fromkeys(tokens(query))]
    if not wanted or not terms:
        return []
    holding = {w: [i for i, t in enumerate(terms) if w in t] for w in wanted}
    total = len(terms)
    average = (sum(lengths) / total) or 1.0
    scores: dict[int, float] = {}
    for word, where in holding.items():
        if not where:
            continue
        idf = math.log(1 + (total - len(where) + 0.5) / (len(where) + 0.5))
        for i in where:
            tf = _occurrences(terms[i], word)
            norm = K1 * (1 - B + B * lengths[i] / average)
            scores[i] = scores.get(i, 0.0) + idf * tf * (K1 + 1) / (tf + norm)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:top]


def _occurrences(terms: str, word: str) -> int:
    """Occurrences of " word " in " a b c ", neighbours sharing their separating space."""
    count, at = 0, terms.find(word)
    while at != -1:
        count += 1
        at = terms.find(word, at + len(word) - 1)
    return count
