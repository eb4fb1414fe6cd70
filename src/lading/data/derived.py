"""Derived column definitions — `computed`, `metric`, `lookup` (data spec §3.1): shape checks and the
reading of `record.<slug>` references in computed expressions.

Why here and not in the evaluator: the data layer must know which columns a computed column reads
(`columnsUsed`, recompute on write) without importing the engine. The scanner below understands just
enough JavaScript (strings, template literals, comments, `{{ … }}` segments) to find the free
identifier `record` and what follows it; it also rebinds `record` to a path the project's expression
evaluator resolves (`nodes.<key>`), so plain `record.x` reads stay on the evaluator's fast path.
Checks that need the catalog (relationships, related models, column types) live in `derived_sql`.
"""

from __future__ import annotations

import re
from typing import Any

from lading.domain.errors import ValidationError, shown

EXPRESSION_KINDS = ("jsExpression", "templateExpression")
AGGREGATIONS = ("count", "countDistinct", "sum", "avg", "min", "max")
# The HTTP client's spelling of each function (api.md §3: sent and answered upper case); stored
# definitions keep the CLI spec's names.
AGGREGATION_NAMES = {"count": "COUNT", "countDistinct": "COUNT_DISTINCT", "sum": "SUM", "avg": "AVG",
                     "min": "MIN", "max": "MAX"}
_BY_NAME = {name.lower(): function for function, name in AGGREGATION_NAMES.items()}
RECORD = "record"
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_MEMBER = re.compile(r"\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)|\s*(?:\?\.)?\[\s*(?:\"([^\"\\]*)\"|'([^'\\]*)')\s*\]")


def _invalid(slug: str, message: str, path: list[str]) -> ValidationError:
    return ValidationError(f"column {slug}: {message}", reason="invalidColumn",
                           extra={"issues": [{"path": path, "message": message}]})


def _filter_value(slug: str, column: dict[str, Any]) -> Any:
    flt = column.get("filter")
    if flt is not None and not isinstance(flt, dict):
        raise _invalid(slug, "filter must be a filter object or null", ["filter"])
    return flt


def normalise(column: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    """`out` (the base fields) completed with the kind's own fields, shape-checked (spec §3.1)."""
    slug, kind = out["slug"], out["kind"]
    if kind == "computed":
        out["expression"] = _expression(slug, column.get("expression"))
        used = column.get("columnsUsed")
        if used is None:
            out["columnsUsed"] = expression_references(out["expression"])
        elif isinstance(used, list) and all(isinstance(u, str) for u in used):
            out["columnsUsed"] = list(dict.fromkeys(used))
        else:
            raise _invalid(slug, "columnsUsed must be an array of column slugs", ["columnsUsed"])
    elif kind == "metric":
        rel = column.get("relationshipUuid")
        if not isinstance(rel, str) or not rel:
            raise _invalid(slug, "metric columns need relationshipUuid", ["relationshipUuid"])
        agg = column.get("aggregation")
        if not isinstance(agg, dict):
            raise _invalid(slug, "metric columns need aggregation: {function, columnSlug}", ["aggregation"])
        function, target = agg.get("function"), agg.get("columnSlug")
        if isinstance(function, str) and function not in AGGREGATIONS:
            function = _BY_NAME.get(function.lower(), function)
        if function not in AGGREGATIONS:
            raise _invalid(slug, f"aggregation.function must be one of {', '.join(AGGREGATIONS)}, "
                                 f"not {shown(function)}",
                           ["aggregation", "function"])
        if target is None and function == "count":
            pass
        elif not isinstance(target, str) or not target:
            raise _invalid(slug, f"aggregation.columnSlug is required for {function}", ["aggregation", "columnSlug"])
        out["relationshipUuid"] = rel
        out["aggregation"] = {"function": function, "columnSlug": target}
        out["filter"] = _filter_value(slug, column)
    elif kind == "lookup":
        join = column.get("join")
        if not isinstance(join, dict):
            raise _invalid(slug, "lookup columns need join: {toModelUuid, fromColumnSlug, toColumnSlug}", ["join"])
        for key in ("toModelUuid", "fromColumnSlug", "toColumnSlug"):
            if not isinstance(join.get(key), str) or not join.get(key):
                raise _invalid(slug, f"join.{key} is required", ["join", key])
        extract = column.get("extractColumnSlug")
        if not isinstance(extract, str) or not extract:
            raise _invalid(slug, "lookup columns need extractColumnSlug", ["extractColumnSlug"])
        out["join"] = {k: join[k] for k in ("toModelUuid", "fromColumnSlug", "toColumnSlug")}
        out["extractColumnSlug"] = extract
        out["filter"] = _filter_value(slug, column)
    return out


def _expression(slug: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _invalid(slug, 'computed columns need expression: {"kind": "jsExpression"|"templateExpression", '
                             '"expression": "..."}', ["expression"])
    kind = raw.get("kind")
    if kind not in EXPRESSION_KINDS:
        raise _invalid(slug, f"expression.kind must be jsExpression or templateExpression, not {shown(kind)}",
                       ["expression", "kind"])
    code = raw.get("expression", raw.get("value"))
    if not isinstance(code, str) or not code.strip():
        raise _invalid(slug, "expression.expression (or value) must be a non-empty string",
                       ["expression", "expression"])
    instruct = raw.get("instructTo", "none")
    if instruct != "none":
        raise _invalid(slug, 'expression.instructTo must be "none" (a computed column is evaluated, not asked of '
                             "a language model)", ["expression", "instructTo"])
    return {"kind": kind, "expression": code, "instructTo": "none", "fromRecipe": bool(raw.get("fromRecipe", False))}


# --- reading `record.<slug>` ---------------------------------------------------------------------


def is_template(expression: dict[str, Any]) -> bool:
    """As the evaluator decides: a templateExpression, or a jsExpression written as `{{ … }}`."""
    code = str(expression["expression"])
    return expression["kind"] == "templateExpression" or code.lstrip().startswith("{{")


def _code_spans(expression: dict[str, Any]) -> list[tuple[int, int]]:
    """(start, end) of the JavaScript parts: the whole text, or each `{{ … }}` segment of a template."""
    code = str(expression["expression"])
    if not is_template(expression):
        return [(0, len(code))]
    spans, pos = [], 0
    while (start := code.find("{{", pos)) >= 0:
        end = _scan(code, start + 2, len(code), None, template=True)
        spans.append((start + 2, end))
        pos = end + 2
    return spans


def _scan(code: str, pos: int, stop: int, found: list[tuple[int, int]] | None, *, template: bool = False) -> int:
    """Walk JavaScript from `pos`; record (start, end) of each free `record` identifier in `found`.
    Returns where it stopped: `stop`, or a `}}` at depth 0 when `template`."""
    depth = 0
    previous = ""
    while pos < stop:
        ch = code[pos]
        if template and depth == 0 and code.startswith("}}", pos):
            return pos
        if ch in "\"'":
            pos = _string_end(code, pos, stop)
            previous = "v"
            continue
        if ch == "`":
            pos = _template_literal(code, pos + 1, stop, found)
            previous = "v"
            continue
        if code.startswith("//", pos):
            newline = code.find("\n", pos)
            pos = stop if newline < 0 else newline
            continue
        if code.startswith("/*", pos):
            close = code.find("*/", pos + 2)
            pos = stop if close < 0 else close + 2
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        match = _IDENT.match(code, pos)
        if match is not None and (pos == 0 or not (code[pos - 1].isalnum() or code[pos - 1] in "_$")):
            if match.group() == RECORD and previous != "." and found is not None:
                found.append((match.start(), match.end()))
            pos = match.end()
            previous = "v"
            continue
        if not ch.isspace():
            previous = ch
        pos += 1
    return pos


def _string_end(code: str, pos: int, stop: int) -> int:
    quote = code[pos]
    pos += 1
    while pos < stop and code[pos] != quote:
        pos += 2 if code[pos] == "\\" else 1
    return pos + 1


def _template_literal(code: str, pos: int, stop: int, found: list[tuple[int, int]] | None) -> int:
    while pos < stop and code[pos] != "`":
        if code[pos] == "\\":
            pos += 2
        elif code.startswith("${", pos):
            pos = _scan_until_brace(code, pos + 2, stop, found)
        else:
            pos += 1
    return pos + 1


def _scan_until_brace(code: str, pos: int, stop: int, found: list[tuple[int, int]] | None) -> int:
    """The `${ … }` of a template literal: scan to its closing brace."""
    depth = 0
    end = pos
    while end < stop:
        ch = code[end]
        if ch in "\"'`":
            end = _string_end(code, end, stop) if ch != "`" else _template_literal(code, end + 1, stop, found)
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                break
            depth -= 1
        end += 1
    _scan(code, pos, end, found)
    return end + 1


def record_positions(expression: dict[str, Any]) -> list[tuple[int, int]]:
    """(start, end) of every free `record` identifier in the expression's code."""
    code = str(expression["expression"])
    found: list[tuple[int, int]] = []
    for start, end in _code_spans(expression):
        _scan(code, start, end, found)
    return found


def expression_references(expression: dict[str, Any]) -> list[str]:
    """Column slugs read as `record.<slug>`, `record?.<slug>` or `record["<slug>"]`, in order."""
    code = str(expression["expression"])
    slugs: list[str] = []
    for _, end in record_positions(expression):
        member = _MEMBER.match(code, end)
        if member is not None:
            slugs.append(next(g for g in member.groups() if g is not None))
    return list(dict.fromkeys(slugs))


def reads_whole_record(expression: dict[str, Any]) -> bool:
    """Whether `record` is used other than through a member (e.g. `JSON.stringify(record)`)."""
    code = str(expression["expression"])
    return any(_MEMBER.match(code, end) is None for _, end in record_positions(expression))


def bind_record(expression: dict[str, Any], replacement: str) -> dict[str, Any]:
    """The expression with each free `record` replaced by `replacement` (e.g. `nodes.r0`)."""
    code = str(expression["expression"])
    pieces, last = [], 0
    for start, end in record_positions(expression):
        pieces += [code[last:start], replacement]
        last = end
    pieces.append(code[last:])
    return {"kind": expression["kind"], "expression": "".join(pieces)}


def syntax_probe(expression: dict[str, Any]) -> list[dict[str, Any]]:
    """jsExpressions that compile each code part of `expression` without running it: evaluating one
    yields 1, or fails with the part's SyntaxError. (Runtime errors, e.g. `JSON.parse(undefined)` on a
    null value, are a record's business: that record's value is null.)"""
    code = str(expression["expression"])
    return [{"kind": "jsExpression", "expression": f"(() => {{ const f = () => ({code[s:e]}\n); return 1; }})()"}
            for s, e in _code_spans(expression) if code[s:e].strip()]
