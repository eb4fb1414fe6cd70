"""The pure-Python fast path for simple conditions: comparisons of plain paths and literals,
combined with `&&`, `||`, `!` and parentheses (`nodes.vars.n > 50`,
`nodes.a.x > 1 && nodes.b.y === 'z'`, `!(nodes.a.ok || nodes.b.ok)`).

Why: branch and filter conditions are the most common non-path expressions, and a V8 round
trip costs ~150–300 µs against a few µs here. Like the plain-path fast path, this never
guesses: every operation either gives exactly what JavaScript gives or answers `FALLBACK`, and
the whole segment then goes to V8. Certain answers are:
- numbers (int/float, never bool) compared numerically, as IEEE doubles (an int beyond 2**53 is
  rounded as `JSON.parse` would round it);
- strings compared by equality, or ordered by UTF-16 code units (what JavaScript orders by);
- relational operators with `undefined` against a primitive: always false (NaN);
- `===`/`!==` across different types; `==`/`!=` between same-type primitives and with
  null/undefined on either side;
- JavaScript truthiness for `&&`, `||`, `!`, which return operand values, not booleans.
Everything else (objects compared by identity, relational operators on mixed types, booleans
or null, loose equality with coercion, values that are not JSON-like) goes to V8.

The grammar accepted (anything else, including chained comparisons, is left to V8):
    expr    := and ('||' and)*          and := compare ('&&' compare)*
    compare := unary (op unary)?         unary := '!' unary | primary
    primary := path | literal | '(' expr ')'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lading.engine.expressions._paths import FALLBACK, parse_path, resolve
from lading.engine.expressions._values import UNDEFINED

Node = Callable[[dict[str, Any]], Any]

_stats = {"evaluated": 0}  # private: segments answered here (tests check V8 was not needed)

_PATH = r"""(?:nodes|parentNodes)(?![\w$])(?:(?:\?\.|\.)[A-Za-z_$][\w$]*""" + (
    r"""|(?:\?\.)?\[\s*(?:0|[1-9]\d*|"[^"\\\n\r]*"|'[^'\\\n\r]*')\s*\])*"""
)
_TOKEN_RE = re.compile(
    r"[ \t\r\n]*(?:"
    rf"(?P<path>{_PATH})"
    r"|(?P<num>-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![\w$.])"
    r"""|"(?P<dq>[^"\\\n\r]*)"|'(?P<sq>[^'\\\n\r]*)'"""
    r"|(?P<word>true|false|null|undefined)(?![\w$])"
    r"|(?P<op>===|!==|==|!=|>=|<=|&&|\|\||[<>!()])"
    r")",
    re.ASCII,
)
_TAIL_RE = re.compile(r"[ \t\r\n]*\Z")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_WORDS = {"true": True, "false": False, "null": None, "undefined": UNDEFINED}
_EQUALITY = frozenset({"===", "!==", "==", "!="})
_RELATIONAL = frozenset({">", ">=", "<", "<="})
_MAX_SAFE = 2**53
_UNDEF, _NULL, _BOOL, _NUM, _STR, _OBJ = range(6)


def evaluations() -> int:
    """How many segments the comparison fast path has answered in this process."""
    return _stats["evaluated"]


def evaluate(source: str, roots: dict[str, Any]) -> Any:
    """The value of `source` (a trimmed segment) against `roots`, or FALLBACK when V8 must decide."""
    node = compile_condition(source)
    if node is None:
        return FALLBACK
    value = node(roots)
    if value is not FALLBACK:
        _stats["evaluated"] += 1
    return value


@lru_cache(maxsize=8192)
def compile_condition(source: str) -> Node | None:
    """A function of the roots for a condition this module understands, else None."""
    tokens = _tokenize(source)
    # A path is required, and an operator: `(nodes.a.x)` alone stays with V8 (tests use it as
    # the V8 spelling of a plain path).
    if (
        tokens is None
        or not any(kind == "path" for kind, _ in tokens)
        or not any(kind == "op" and text not in ("(", ")") for kind, text in tokens)
    ):
        return None
    parser = _Parser(tokens)
    try:
        node = parser.expr()
    except _UnsupportedError:
        return None
    return node if parser.pos == len(tokens) else None


# -- parsing -----------------------------------------------------------------------------------


class _UnsupportedError(Exception):
    """The source is outside the grammar (V8 evaluates it)."""


def _tokenize(source: str) -> list[tuple[str, Any]] | None:
    """("path" | "value", node) and ("op", text) tokens, or None outside the lexical subset."""
    tokens: list[tuple[str, Any]] = []
    pos = 0
    while _TAIL_RE.match(source, pos) is None:
        match = _TOKEN_RE.match(source, pos)
        if match is None:
            return None
        kind = match.lastgroup or ""
        text = match.group(kind)
        if kind == "path":
            path = parse_path(text)
            if path is None:
                return None
            tokens.append(("path", _path_node(path)))
        elif kind == "num":
            tokens.append(("value", _const(_number(text))))
        elif kind in ("dq", "sq"):
            tokens.append(("value", _const(text)))
        elif kind == "word":
            tokens.append(("value", _const(_WORDS[text])))
        else:
            tokens.append(("op", text))
        pos = match.end()
    return tokens


def _number(text: str) -> int | float:
    """A JavaScript numeric literal's value: a double, kept as int when it is a safe integer."""
    value = float(text)
    if value.is_integer() and abs(value) <= _MAX_SAFE:
        return int(value)
    return value


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def _peek(self) -> str | None:
        if self.pos < len(self.tokens):
            kind, value = self.tokens[self.pos]
            if kind == "op":
                return value
        return None

    def expr(self) -> Node:
        return self._chain("||", self._and, _or)

    def _and(self) -> Node:
        return self._chain("&&", self._compare, _and)

    def _chain(self, op: str, operand: Callable[[], Node], combine: Callable[[Node, Node], Node]) -> Node:
        """Operands joined by `op`, combined left to right: `||` and `&&` differ only in their operator,
        their tighter-binding operand and how two nodes combine."""
        node = operand()
        while self._peek() == op:
            self.pos += 1
            node = combine(node, operand())
        return node

    def _compare(self) -> Node:
        left = self._unary()
        op = self._peek()
        if op in _EQUALITY or op in _RELATIONAL:
            self.pos += 1
            right = self._unary()
            nxt = self._peek()
            if nxt in _EQUALITY or nxt in _RELATIONAL:
                raise _UnsupportedError  # chained comparisons compare a boolean: V8's business
            return _comparison(op, left, right)
        return left

    def _unary(self) -> Node:
        if self._peek() == "!":
            self.pos += 1
            return _not(self._unary())
        return self._primary()

    def _primary(self) -> Node:
        if self.pos >= len(self.tokens):
            raise _UnsupportedError
        kind, value = self.tokens[self.pos]
        self.pos += 1
        if kind != "op":
            return value
        if value == "(":
            node = self.expr()
            if self._peek() != ")":
                raise _UnsupportedError
            self.pos += 1
            return node
        raise _UnsupportedError


# -- evaluation --------------------------------------------------------------------------------


def _js_type(value: Any) -> int | None:
    """The JavaScript type a context value has once sent to V8; None when not certain."""
    if value is UNDEFINED:
        return _UNDEF
    if value is None:
        return _NULL
    kind = type(value)
    if kind is bool:
        return _BOOL
    if kind is int:
        return _NUM
    if kind is float:
        return _NUM if math.isfinite(value) else None  # NaN/Infinity reach V8 as null
    if kind is str:
        return _STR
    if kind is dict or kind is list:
        return _OBJ
    return None  # dates, decimals, tuples…: V8 decides


def _truthy(value: Any) -> bool | None:
    kind = _js_type(value)
    if kind is None:
        return None
    if kind == _NUM:
        return value != 0
    if kind == _STR:
        return value != ""
    if kind == _BOOL:
        return value
    return kind == _OBJ


def _as_double(value: int | float) -> float | int:
    if type(value) is int and not -_MAX_SAFE <= value <= _MAX_SAFE:
        return float(value)  # OverflowError beyond the double range: caught by the caller
    return value


def _utf16(text: str) -> bytes:
    """A key ordering strings as JavaScript does (by UTF-16 code units), equal iff JS-equal
    (a Python string holding a surrogate pair is the same JS string as the astral character)."""
    return text.encode("utf-16-be", "surrogatepass")


def _strict_equal(a: Any, ta: int, b: Any, tb: int) -> bool | Any:
    if ta != tb:
        return False
    if ta == _NUM:
        return _as_double(a) == _as_double(b)
    if ta == _STR:
        return a == b if a.isascii() and b.isascii() else _utf16(a) == _utf16(b)
    if ta == _OBJ:
        return FALLBACK  # identity of objects parsed by V8
    return a is b  # undefined, null, booleans


def _loose_equal(a: Any, ta: int, b: Any, tb: int) -> bool | Any:
    a_nullish, b_nullish = ta in (_UNDEF, _NULL), tb in (_UNDEF, _NULL)
    if a_nullish or b_nullish:
        return a_nullish and b_nullish
    if ta != tb or ta == _OBJ:
        return FALLBACK  # coercion, or object identity
    return _strict_equal(a, ta, b, tb)


def _compare_values(op: str, a: Any, b: Any) -> Any:
    ta, tb = _js_type(a), _js_type(b)
    if ta is None or tb is None:
        return FALLBACK
    try:
        if op in _RELATIONAL:
            if (ta == _UNDEF and tb != _OBJ) or (tb == _UNDEF and ta != _OBJ):
                return False  # undefined becomes NaN against any primitive
            if ta != tb or ta not in (_NUM, _STR):
                return FALLBACK
            if ta == _NUM:
                a, b = _as_double(a), _as_double(b)
            elif not (a.isascii() and b.isascii()):
                a, b = _utf16(a), _utf16(b)
            if op == ">":
                return a > b
            if op == ">=":
                return a >= b
            if op == "<":
                return a < b
            return a <= b
        result = _strict_equal(a, ta, b, tb) if op in ("===", "!==") else _loose_equal(a, ta, b, tb)
    except OverflowError:
        return FALLBACK
    if result is FALLBACK or op in ("===", "=="):
        return result
    return not result


def _operand(value: Any) -> Any:
    """An operand returned by `&&`/`||`, or FALLBACK where V8's answer has another Python form:
    numbers beyond 2**53 (rounded; int or float depending on size) and strings holding surrogate
    code points (a pair comes back as one astral character)."""
    kind = type(value)
    if (kind is int or kind is float) and not -_MAX_SAFE <= value <= _MAX_SAFE:
        return FALLBACK
    if kind is str and not value.isascii() and _SURROGATE_RE.search(value):
        return FALLBACK
    return value


def _comparison(op: str, left: Node, right: Node) -> Node:
    def node(roots: dict[str, Any]) -> Any:
        a = left(roots)
        if a is FALLBACK:
            return FALLBACK
        b = right(roots)
        if b is FALLBACK:
            return FALLBACK
        return _compare_values(op, a, b)

    return node


def _and(left: Node, right: Node) -> Node:
    return _logical(left, right, right_when_truthy=True)


def _or(left: Node, right: Node) -> Node:
    return _logical(left, right, right_when_truthy=False)


def _logical(left: Node, right: Node, *, right_when_truthy: bool) -> Node:
    """`&&` and `||` short-circuit alike (a fallback left operand, or one without a JavaScript truthiness,
    defers to V8); they differ only in which truthiness of the left operand goes on to the right one."""
    def node(roots: dict[str, Any]) -> Any:
        a = left(roots)
        if a is FALLBACK:
            return FALLBACK
        truthy = _truthy(a)
        if truthy is None:
            return FALLBACK
        return _operand(right(roots)) if truthy == right_when_truthy else _operand(a)

    return node


def _not(operand: Node) -> Node:
    def node(roots: dict[str, Any]) -> Any:
        a = operand(roots)
        if a is FALLBACK:
            return FALLBACK
        truthy = _truthy(a)
        return FALLBACK if truthy is None else not truthy

    return node


def _path_node(path: tuple[str, tuple[str | int, ...]]) -> Node:
    def node(roots: dict[str, Any]) -> Any:
        return resolve(path, roots)

    return node


def _const(value: Any) -> Node:
    def node(roots: dict[str, Any]) -> Any:
        return value

    return node
