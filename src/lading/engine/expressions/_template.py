"""Split a `templateExpression` string into literal text and `{{ … }}` JavaScript segments.

A segment ends at the first `}}` that is not inside its code, so `{{ {a: {b: 1}} }}` and
`{{ "}}" }}` are whole segments. When the code never balances (an unterminated string, say) the
plain first `}}` ends it instead, and V8 then decides. A `{{` that never closes is literal text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from lading.engine.expressions._lexer import expression_end


class Segment(NamedTuple):
    source: str  # the JavaScript between the braces, trimmed
    raw: str  # `{{ … }}` exactly as written, kept when the code does not parse


Part = str | Segment


class Template(NamedTuple):
    parts: tuple[Part, ...]
    whole: bool  # exactly one segment, with only whitespace around it: keeps the JS type


@lru_cache(maxsize=8192)
def split_template(text: str) -> Template:
    parts: list[Part] = []
    pos = 0
    while True:
        open_at = text.find("{{", pos)
        if open_at < 0:
            break
        close = expression_end(text, open_at + 2, double_brace=True)
        if close < 0:
            close = text.find("}}", open_at + 2)
        if close < 0:
            break
        if open_at > pos:
            parts.append(text[pos:open_at])
        parts.append(Segment(text[open_at + 2 : close].strip(), text[open_at : close + 2]))
        pos = close + 2
    if pos < len(text):
        parts.append(text[pos:])
    segments = [part for part in parts if isinstance(part, Segment)]
    whole = len(segments) == 1 and all(isinstance(part, Segment) or not part.strip() for part in parts)
    return Template(tuple(parts), whole)


def single_segment(expression: str) -> Template:
    """A `jsExpression`: the whole string is one segment (its type is kept)."""
    return Template((Segment(expression.strip(), expression),), True)
