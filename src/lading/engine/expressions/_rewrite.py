"""Rewrite a JavaScript expression so that member access never throws (spec 2.8 rule 3).

`a.b` becomes `a?.b` and `a[0]` becomes `a?.[0]`, so `{{nodes.nope.field}}` yields `undefined`
instead of a TypeError. Calls stay as written (`x?.split('@')?.[1]` short-circuits as a whole
when `x` is undefined). Places where `?.` is not allowed are left alone: `new a.B()` callees,
assignment targets (`o.a = 1`, `o.n++`), prefix `++o.n`, tagged templates. V8 compiles the
original text when the rewritten one still does not parse, so a missed case costs the optional
chaining of that one segment, never a wrong syntax error.

The same pass records which slugs are read through `nodes.<slug>` / `parentNodes["<slug>"]`,
so only those outputs need to be sent to V8.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from lading.engine.expressions._lexer import (
    COMMENT,
    ERROR,
    EXPR_KEYWORDS,
    IDENT,
    PUNCT,
    STR,
    TMPL,
    VALUE_KEYWORDS,
    WS,
    Token,
    expression_end,
    lex,
)

ROOTS = ("nodes", "parentNodes")
_ASSIGN = frozenset(
    ["=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=", "&=", "|=", "^=", "&&=", "||=", "??="]
)
_CONTROL = frozenset({"if", "for", "while", "with", "switch", "catch"})
_BLOCK_AFTER = frozenset({")", "=>", "else", "try", "finally", "do", ";", "{", "}"})
_CLOSERS = {")": "(", "]": "[", "}": "{"}


class Rewritten(NamedTuple):
    code: str
    # Slugs the code reads, per root; None when the root object itself is used (send all).
    nodes: frozenset[str] | None
    parent_nodes: frozenset[str] | None


def merge_refs(refs: dict[str, set[str] | None], root: str, slugs: Iterable[str] | None) -> None:
    """Add the slugs one piece of code reads under `root` to those gathered so far. None means the root
    object is used as a whole: it absorbs any slugs, before or after, so the whole root is sent."""
    mine = refs[root]
    if mine is None:
        return
    if slugs is None:
        refs[root] = None
    else:
        mine.update(slugs)


@lru_cache(maxsize=4096)
def rewrite(src: str) -> Rewritten | None:
    """The optional-chained form of `src`, or None when its brackets or literals cannot balance."""
    rewriter = _Rewriter(src)
    code = rewriter.run()
    if code is None:
        return None
    refs = rewriter.refs
    return Rewritten(
        code,
        None if refs["nodes"] is None else frozenset(refs["nodes"]),
        None if refs["parentNodes"] is None else frozenset(refs["parentNodes"]),
    )


class _Frame:
    """One open bracket: what it is, and the `?.` conversions of the postfix chain inside it."""

    __slots__ = ("block", "chain", "control", "new_callee", "no_convert", "opener")

    def __init__(self, opener: str, *, block: bool = False, control: bool = False) -> None:
        self.opener = opener
        self.block = block
        self.control = control
        self.chain: list[int] = []
        self.no_convert = False
        self.new_callee = False


class _Rewriter:
    def __init__(self, src: str) -> None:
        self.src = src
        self.out: list[str] = []
        self.refs: dict[str, set[str] | None] = {"nodes": set(), "parentNodes": set()}
        self.frames = [_Frame("")]
        self.prev: str | None = None  # text of the previous significant token
        self.operand = False  # the previous token ends an operand: `.`, `[`, `(` are postfix
        self.convertible = False  # ... and a `.` after it may become `?.`
        self.prefix: str | None = None  # `new` / `++` / `--` waiting for the operand it applies to

    # -- chain bookkeeping -------------------------------------------------------------------
    def _start_chain(self, frame: _Frame) -> None:
        frame.chain = []
        frame.no_convert = self.prefix in ("++", "--")
        frame.new_callee = self.prefix == "new"
        self.prefix = None

    @staticmethod
    def _end_chain(frame: _Frame) -> None:
        frame.chain = []
        frame.no_convert = frame.new_callee = False

    def _member(self, frame: _Frame, text: str, convertible: bool) -> None:
        if convertible and not frame.no_convert and not frame.new_callee:
            frame.chain.append(len(self.out))
            self.out.append("?." + text if text == "[" else "?.")
        else:
            self.out.append(text)

    def _open(self, frame: _Frame, opener: str, *, chained: bool = False, block: bool = False,
              control: bool = False) -> bool:
        """Write and push the bracket `opener`. A block `{` or a control `(` (`if (`) ends the postfix chain
        before it; a call's `(` (`chained`) continues its callee's chain; any other bracket starts one."""
        if block or control:
            self._end_chain(frame)
        elif not chained:
            self._start_chain(frame)
        self.out.append(opener)
        self.frames.append(_Frame(opener, block=block, control=control))
        return True

    def _revert(self, frame: _Frame) -> None:
        for index in frame.chain:
            self.out[index] = "[" if self.out[index] == "?.[" else "."
        frame.chain = []

    # -- main loop ---------------------------------------------------------------------------
    def run(self) -> str | None:
        src = self.src
        pos = 0
        while pos < len(src):
            token = lex(src, pos, not self.operand)
            pos = token.end
            text = src[token.start : token.end]
            if token.kind in (WS, COMMENT):
                self.out.append(text)
                continue
            if token.kind == ERROR:
                return None
            if token.kind == PUNCT:
                if not self._punct(text):
                    return None
            elif token.kind == IDENT:
                self._ident(text, pos)
            elif token.kind == TMPL:
                if not self._template(text):
                    return None
            else:  # numbers, strings, regexes: operands that are never nullish
                self._start_chain(self.frames[-1])
                self.out.append(text)
                self.operand, self.convertible = True, False
            self.prev = text
        if len(self.frames) != 1:
            return None
        return "".join(self.out)

    def _punct(self, text: str) -> bool:
        frame = self.frames[-1]
        operand, convertible = self.operand, self.convertible
        self.operand = self.convertible = False
        if text == ".":
            if operand:
                self._member(frame, ".", convertible)
            else:
                self.out.append(".")
            return True
        if text == "?.":
            self.out.append(text)
            return True
        if text == "[":
            if operand:
                self._member(frame, "[", convertible)
            else:
                self._start_chain(frame)
                self.out.append("[")
            self.frames.append(_Frame("["))
            return True
        if text == "(":
            if operand:
                frame.new_callee = False  # the callee of `new` ends at its arguments
            return self._open(frame, "(", chained=operand, control=not operand and self.prev in _CONTROL)
        if text == "{":
            return self._open(frame, "{", block=self.prev in _BLOCK_AFTER)
        if text in _CLOSERS:
            closed = self.frames.pop()
            if not self.frames or closed.opener != _CLOSERS[text]:
                return False
            self.out.append(text)
            self.operand = self.convertible = not (closed.control or closed.block)
            return True
        if text in ("++", "--"):
            if operand:  # postfix: the chain is an assignment target
                self._revert(frame)
                self._end_chain(frame)
                self.operand = True
            else:
                self.prefix = text
            self.out.append(text)
            return True
        if text in _ASSIGN and operand:
            self._revert(frame)
        self._end_chain(frame)
        self.prefix = None
        self.out.append(text)
        return True

    def _ident(self, text: str, pos: int) -> None:
        frame = self.frames[-1]
        self.out.append(text)
        if self.prev in (".", "?."):  # a property name continues the chain
            self.operand = self.convertible = True
            return
        if text in VALUE_KEYWORDS:
            self._start_chain(frame)
            self.operand, self.convertible = True, text == "this"
            return
        if text in EXPR_KEYWORDS:
            self._end_chain(frame)
            self.prefix = "new" if text == "new" else None
            self.operand = self.convertible = False
            return
        if text in ROOTS:
            self._note_root(text, pos)
        elif text in ("arguments", "eval"):  # can read the roots without naming them
            self.refs = {"nodes": None, "parentNodes": None}
        self._start_chain(frame)
        self.operand = self.convertible = True

    def _template(self, text: str) -> bool:
        frame = self.frames[-1]
        if self.operand:  # a tagged template: `?.` is not allowed in its tag
            self._revert(frame)
        else:
            self._start_chain(frame)
        code = self._rewrite_template(text)
        if code is None:
            return False
        self.out.append(code)
        self.operand, self.convertible = True, False
        return True

    def _rewrite_template(self, text: str) -> str | None:
        parts: list[str] = []
        start, i = 0, 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text.startswith("${", i):
                close = expression_end(text, i + 2)
                if close < 0:
                    return None
                inner = _Rewriter(text[i + 2 : close])
                code = inner.run()
                if code is None:
                    return None
                for root in ROOTS:
                    merge_refs(self.refs, root, inner.refs[root])
                parts.append(text[start : i + 2])
                parts.append(code)
                start = i = close
                continue
            i += 1
        parts.append(text[start:])
        return "".join(parts)

    # -- which slugs are read ------------------------------------------------------------------
    def _note_root(self, root: str, pos: int) -> None:
        first = self._peek(pos)
        slug: str | None = None
        if first is not None:
            text = self.src[first.start : first.end]
            after = first.end
            if text in (".", "?."):
                second = self._peek(after)
                if second is not None and second.kind == IDENT:
                    name = self.src[second.start : second.end]
                    slug = name if "\\" not in name and not name.startswith("#") else None
                elif second is not None and self.src[second.start : second.end] == "[":
                    slug = self._bracket_slug(second.end)
            elif text == "[":
                slug = self._bracket_slug(after)
        merge_refs(self.refs, root, None if slug is None else {slug})

    def _bracket_slug(self, pos: int) -> str | None:
        key = self._peek(pos)
        if key is None or key.kind != STR:
            return None
        close = self._peek(key.end)
        if close is None or self.src[close.start : close.end] != "]":
            return None
        literal = self.src[key.start : key.end]
        if "\\" in literal:
            return None
        return str(json.loads('"' + literal[1:-1].replace('"', '\\"') + '"'))

    def _peek(self, pos: int) -> Token | None:
        while pos < len(self.src):
            token = lex(self.src, pos, False)
            if token.kind not in (WS, COMMENT):
                return None if token.kind == ERROR else token
            pos = token.end
        return None
