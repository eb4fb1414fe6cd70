"""A small JavaScript tokenizer: just enough to find where `{{ … }}` segments end and to rewrite
member access as optional chaining without touching strings, templates, regexes or comments.

It is deliberately forgiving: it never decides whether code is valid (V8 does that); it only has
to tokenise valid code correctly. Whether `/` starts a regex is the caller's call (`regex_ok`),
because that depends on the previous token.
"""

from __future__ import annotations

import re
from typing import NamedTuple

WS, COMMENT, IDENT, NUM, STR, TMPL, REGEX, PUNCT, ERROR = (
    "ws",
    "comment",
    "ident",
    "num",
    "str",
    "tmpl",
    "regex",
    "punct",
    "error",
)

# Words after which an expression (hence a regex, an array literal or an object literal) starts.
EXPR_KEYWORDS = frozenset(
    [
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "export",
        "extends",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "let",
        "new",
        "of",
        "return",
        "static",
        "switch",
        "throw",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
    ]
)
# Words that are values: `this[0]` and `true / 2` are operands, not expression starts.
VALUE_KEYWORDS = frozenset({"this", "super", "null", "true", "false"})

_WS_RE = re.compile(r"[\s\ufeff]+")
_IDENT_RE = re.compile(r"(?:[^\W\d]|[$#]|\\u[0-9a-fA-F{])(?:[\w$]|\\u[0-9a-fA-F{}]+)*")
_NUM_RE = re.compile(
    r"0[xX][\da-fA-F_]+n?|0[oO][0-7_]+n?|0[bB][01_]+n?"
    r"|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?n?"
)
_PUNCTS = sorted(
    [
        ">>>=",
        "...",
        "===",
        "!==",
        "**=",
        "<<=",
        ">>=",
        ">>>",
        "&&=",
        "||=",
        "??=",
        "=>",
        "==",
        "!=",
        "<=",
        ">=",
        "&&",
        "||",
        "??",
        "?.",
        "++",
        "--",
        "+=",
        "-=",
        "*=",
        "/=",
        "%=",
        "&=",
        "|=",
        "^=",
        "**",
        "<<",
        ">>",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ";",
        ",",
        "<",
        ">",
        "+",
        "-",
        "*",
        "/",
        "%",
        "&",
        "|",
        "^",
        "!",
        "~",
        "?",
        ":",
        "=",
        ".",
        "@",
    ],
    key=len,
    reverse=True,
)
_PUNCT_RE = re.compile("|".join(re.escape(p) for p in _PUNCTS))


class Token(NamedTuple):
    kind: str
    start: int
    end: int


def lex(src: str, pos: int, regex_ok: bool) -> Token:
    """The token starting at `pos` (< len(src)). Unterminated literals come back as ERROR."""
    char = src[pos]
    match = _WS_RE.match(src, pos)
    if match:
        return Token(WS, pos, match.end())
    if src.startswith("//", pos):
        end = _line_end(src, pos)
        return Token(COMMENT, pos, end)
    if src.startswith("/*", pos):
        end = src.find("*/", pos + 2)
        return Token(ERROR, pos, len(src)) if end < 0 else Token(COMMENT, pos, end + 2)
    if char in "'\"":
        return _string(src, pos)
    if char == "`":
        end = template_end(src, pos)
        return Token(ERROR, pos, len(src)) if end < 0 else Token(TMPL, pos, end)
    if char.isdigit() or (char == "." and pos + 1 < len(src) and src[pos + 1].isdigit()):
        match = _NUM_RE.match(src, pos)
        if match:
            return Token(NUM, pos, match.end())
    if char == "/" and regex_ok:
        end = _regex_end(src, pos)
        return Token(ERROR, pos, len(src)) if end < 0 else Token(REGEX, pos, end)
    match = _IDENT_RE.match(src, pos)
    if match:
        return Token(IDENT, pos, match.end())
    match = _PUNCT_RE.match(src, pos)
    if match:
        end = match.end()
        # `a?.5:1` is a conditional, not optional chaining.
        if src[pos:end] == "?." and end < len(src) and src[end].isdigit():
            end = pos + 1
        return Token(PUNCT, pos, end)
    return Token(PUNCT, pos, pos + 1)


_LINE_END_RE = re.compile(r"[\n\r\u2028\u2029]")


def _line_end(src: str, pos: int) -> int:
    match = _LINE_END_RE.search(src, pos)
    return match.start() if match else len(src)


def _unescaped(src: str, i: int, stops: str) -> int:
    """Index of the first character of `stops` at or after `i` that no backslash escapes (len(src) when
    there is none): strings, regular expressions and template literals all pass over `\\x` the same way."""
    while i < len(src):
        char = src[i]
        if char == "\\":
            i += 2
        elif char in stops:
            return i
        else:
            i += 1
    return len(src)


def _string(src: str, pos: int) -> Token:
    quote = src[pos]
    i = _unescaped(src, pos + 1, quote + "\n\r")
    if i < len(src) and src[i] == quote:
        return Token(STR, pos, i + 1)
    return Token(ERROR, pos, len(src))


def _regex_end(src: str, pos: int) -> int:
    i = pos + 1
    in_class = False
    while (i := _unescaped(src, i, "\n\r[]/")) < len(src):
        char = src[i]
        if char in "\n\r":
            return -1
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "/":
            i += 1
            while i < len(src) and (src[i].isalnum() or src[i] in "_$"):
                i += 1
            return i
        i += 1
    return -1


def template_end(src: str, pos: int) -> int:
    """Index just past the template literal opening at `pos`, or -1 when it never closes."""
    i = pos + 1
    while (i := _unescaped(src, i, "`$")) < len(src):
        if src[i] == "`":
            return i + 1
        if src.startswith("${", i):
            close = expression_end(src, i + 2)
            if close < 0:
                return -1
            i = close + 1
            continue
        i += 1
    return -1


def regex_allowed_after(src: str, token: Token | None) -> bool:
    """The usual heuristic: `/` after an operand divides, anywhere else it starts a regex."""
    if token is None:
        return True
    if token.kind in (NUM, STR, TMPL, REGEX):
        return False
    text = src[token.start : token.end]
    if token.kind == IDENT:
        return text in EXPR_KEYWORDS
    return text not in (")", "]", "}")


def expression_end(src: str, pos: int, *, double_brace: bool = False) -> int:
    """Index of the `}` closing the code starting at `pos` (an unmatched `}` at depth 0).

    With `double_brace`, only a `}` followed by another `}` closes (a `{{ … }}` segment); a stray
    single `}` is skipped. Returns -1 when nothing closes or a literal is unterminated.
    """
    depth = 0
    prev: Token | None = None
    i = pos
    while i < len(src):
        token = lex(src, i, regex_allowed_after(src, prev))
        if token.kind == ERROR:
            return -1
        if token.kind == PUNCT:
            text = src[token.start : token.end]
            if text == "{":
                depth += 1
            elif text == "}":
                if depth == 0:
                    if not double_brace or src.startswith("}}", token.start):
                        return token.start
                else:
                    depth -= 1
        if token.kind not in (WS, COMMENT):
            prev = token
        i = token.end
    return -1
