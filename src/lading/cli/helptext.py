"""How `--help` is laid out: plain text that wraps at the terminal width without ever cutting a JSON example,
a flag's description or a command's summary.

Typer's Rich layout draws boxes that truncate a long value with `…`, and Click's own formatter breaks a long
word (a compact JSON example) in the middle. A user copies those examples into a command, so every page of the
tree is set once, where the tree is built (`prepare`), to the plain layout below: lines break only at spaces
outside brackets, so `{"conjonction":"and","groups":[]}` stays on one line even when it is wider than the
terminal, and a command's summary in its group's list is its whole first paragraph.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

_OPEN, _CLOSE = "{[", "}]"


def tokens(text: str) -> list[str]:
    """The words of a paragraph, where a bracketed span (a JSON example) is one word, spaces included.

    An opening bracket that is never closed does not glue the rest of the paragraph together: its text
    falls back to ordinary words.
    """
    words: list[str] = []
    current: list[str] = []
    depth = 0
    start = 0  # index in `words` where an unclosed span would have begun
    for char in text:
        if char in _OPEN:
            if depth == 0:
                start = len(words)
            depth += 1
        elif char in _CLOSE and depth:
            depth -= 1
        if char.isspace() and depth == 0:
            if current:
                words.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        words.append("".join(current))
    if depth:  # unbalanced: split the tail at its spaces after all
        tail = " ".join(words[start:]).split()
        words = words[:start] + tail
    return words


def fill(paragraph: str, width: int) -> list[str]:
    """Greedy fill of one paragraph to `width`; a word wider than the line gets a line of its own, whole."""
    lines: list[str] = []
    line = ""
    for word in tokens(paragraph):
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line = f"{line} {word}"
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _paragraphs(text: str) -> Iterator[tuple[int, bool, str]]:
    """(indent, raw, text) per paragraph, as Click reads them: blank lines separate paragraphs, a paragraph
    opened by a `\\b` line is kept as written."""
    block: list[str] = []
    for line in [*text.expandtabs().splitlines(), ""]:
        if line.strip():
            block.append(line)
            continue
        if not block:
            continue
        if block[0].strip() == "\b":
            yield 0, True, "\n".join(block[1:])
        else:
            indent = len(block[0]) - len(block[0].lstrip())
            yield indent, False, " ".join(part.strip() for part in block)
        block = []


def wrap(text: str, width: int, indent: str = "") -> str:
    """`text` wrapped to `width` columns (counting `indent`), paragraphs kept, nothing cut."""
    out: list[str] = []
    for extra, raw, paragraph in _paragraphs(text):
        prefix = indent + " " * extra
        if raw:
            out.append("\n".join(prefix + line for line in paragraph.splitlines()))
        else:
            out.append("\n".join(prefix + line for line in fill(paragraph, max(width - len(prefix), 20))))
    return "\n\n".join(out)


def _formatter_class() -> type[Any]:
    from typer._click.formatting import HelpFormatter, iter_rows, measure_table, term_len

    class WholeWordsHelpFormatter(HelpFormatter):
        """Click's formatter with `wrap` in place of its word-breaking wrapper."""

        def write_text(self, text: str) -> None:
            self.write(wrap(text, self.width, " " * self.current_indent))
            self.write("\n")

        def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
            rows = list(rows)
            widths = measure_table(rows)
            first_col = min(widths[0], col_max) + col_spacing if widths else col_spacing
            for first, second in iter_rows(rows, 2):
                self.write(f"{'':>{self.current_indent}}{first}")
                if not second:
                    self.write("\n")
                    continue
                if term_len(first) <= first_col - col_spacing:
                    self.write(" " * (first_col - term_len(first)))
                else:
                    self.write("\n")
                    self.write(" " * (first_col + self.current_indent))
                lines = wrap(second, max(self.width - first_col - 2, 20)).splitlines() or [""]
                self.write(f"{lines[0]}\n")
                for line in lines[1:]:
                    self.write(f"{'':>{first_col + self.current_indent}}{line}\n" if line else "\n")

    return WholeWordsHelpFormatter


@functools.cache  # one class per process, whichever branches load
def _context_class() -> type[Any]:
    from typer._click.core import Context

    class PlainHelpContext(Context):
        formatter_class = _formatter_class()

    return PlainHelpContext


def _summary(help_text: str) -> str:
    """A command's whole first paragraph, for its line in the group's list (Click cuts it at 45 characters)."""
    import inspect

    first = inspect.cleandoc(help_text).partition("\f")[0].split("\n\n")[0]
    return " ".join(first.split())


def prepare(command: Any) -> None:
    """Give every command of the tree the plain help layout (once; the tree is built per process)."""
    from lading.cli.tree import loaded

    context_class = _context_class()
    pending = [command]
    while pending:
        current = pending.pop()
        if getattr(current, "_lading_help", False):
            continue
        current._lading_help = True
        current.context_class = context_class
        if hasattr(current, "rich_markup_mode"):
            current.rich_markup_mode = None
        if not getattr(current, "short_help", None) and getattr(current, "help", None):
            current.short_help = _summary(current.help)
        pending.extend(loaded(current))  # the branches built so far; the others when they load
