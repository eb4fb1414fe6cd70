"""The `waterfall` native: provider actions tried in order until the wanted fields are filled.

Each step is a connector action (called through the executor's ports, exactly as a connector node:
connector credentials, rate limits, answer cache, pricing). The steps and the validator are kept as
written by the executor and evaluated here, one step at a time, because they read what the earlier
steps filled (`fields`, `filledBy`, `missing`) and, for mappings and the validator, the provider's
answer (`result`) and the candidate value (`value`, `field`).

Every provider call is a span of its own (an `ExecutionWrite` handed back in `NativeResult.spans`,
persisted with the node's execution): its status, credits, hit or miss (`node_child_index` 0/1, as a
branch's matched/not matched), its integration and connector on the row. The node's output says which
step filled which field and lists the attempts.
"""

from __future__ import annotations

import re
from typing import Any

from lading.domain.errors import NodeExecutionError
from lading.domain.nodes import EXECUTION_CHARGE
from lading.domain.run_state import ExecutionWrite
from lading.engine.expressions import is_truthy, to_json_value
from lading.store.clock import utcnow

from ._result import Evaluate, NativeCall, NativeResult

STOP_RULES = ("allFilled", "firstHit")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_PLAIN_TEMPLATE = re.compile(r"^\{\{\s*([A-Za-z_$][\w$]*(?:\.[\w$]+|\[\d+\])*)\s*\}\}$")
TITLE_LIMIT = 200


def is_filled(value: Any) -> bool:
    """A wanted field counts as filled by anything but null/undefined, `""`, `[]` and `{}`."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, (list, dict)):
        return bool(value)
    return True


def step_slugs(steps: list[Any]) -> list[str]:
    """Each step's name: its `slug`, else its integration slug (`_2`, `_3`… for repeats)."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, step in enumerate(steps):
        step = step if isinstance(step, dict) else {}
        given = step.get("slug")
        if isinstance(given, str) and given:
            names.append(given)
            continue
        base = str(step.get("integrationSlug") or f"step{index + 1}")
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return names


def _walk(value: Any, path: str) -> Any:
    for name, index in _PATH_PART.findall(path):
        if index:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
        else:
            value = value.get(name) if isinstance(value, dict) else None
        if value is None:
            return None
    return value


async def _mapped(source: Any, variables: dict[str, Any], evaluate: Evaluate) -> Any:
    """One mapping entry: a plain path into `result`, or a template reading the variables."""
    if not isinstance(source, str):
        return None
    text = source.strip()
    plain = _PLAIN_TEMPLATE.match(text)
    if plain is not None:  # `{{result.email}}`: no sandbox round trip needed
        path = plain.group(1)
        root, _, rest = path.partition(".")
        if root in variables:
            return _walk(variables[root], rest) if rest else variables[root]
    if "{{" in text:
        return to_json_value(await evaluate(source, variables))
    path = text[len("result."):] if text.startswith("result.") else text
    return _walk(variables.get("result"), path)


class _Waterfall:
    def __init__(self, call: NativeCall, evaluate: Evaluate) -> None:
        self.call = call
        self.evaluate = evaluate
        self.node = call.node
        self.slug = str(call.node.get("slug"))
        self.spans: list[ExecutionWrite] = []
        self.attempts: list[dict[str, Any]] = []
        self.credits = 0.0

    def _span(self, name: str, step: dict[str, Any], status: str, started: Any, *, title: str,
              credits: float = 0.0, child_index: int | None = None, error: str | None = None) -> ExecutionWrite:
        now = utcnow()
        connector = step.get("connectorUuid")
        span = ExecutionWrite(
            id=None, node_uuid=str(self.node["uuid"]), node_slug=f"{self.slug}.{name}", node_kind="connector",
            node_action_slug=str(step.get("actionSlug")), status=status, started_at=started, updated_at=now,
            finished_at=now, node_child_index=child_index, title=title[:TITLE_LIMIT], error_message=error,
            credits_used_count=credits, execution_charge=EXECUTION_CHARGE if status in ("success", "error") else 0.0,
            integration_slug=str(step.get("integrationSlug")),
            connector_uuid=connector if isinstance(connector, str) and connector else None,
        )
        self.spans.append(span)
        return span

    async def _call(self, step: dict[str, Any], variables: dict[str, Any]) -> tuple[Any, float]:
        assert self.call.run is not None and self.call.ports is not None
        config = to_json_value(await self.evaluate(step.get("config") or {}, variables))
        if not isinstance(config, dict):
            raise NodeExecutionError("the step's config must be an object", retryable=False)
        target = {"integrationSlug": step.get("integrationSlug"), "actionSlug": step.get("actionSlug"),
                  "connectorUuid": step.get("connectorUuid")}
        called = await self.call.ports.call_connector(self.call.run, target, config)
        return called.output, float(called.credits or 0)

    async def _validate(self, validator: dict[str, Any], field: str, value: Any,
                        base: dict[str, Any]) -> tuple[bool, str]:
        """Whether the validator accepts `value` for `field` (its own span); an error rejects."""
        name = str(validator.get("slug") or "validator")
        started = utcnow()
        variables = {**base, "value": value, "field": field}
        try:
            output, credits = await self._call(validator, variables)
        except NodeExecutionError as exc:
            self._span(name, validator, "error", started, title="❌ " + exc.message, error=exc.message)
            return False, f"validator error: {exc.message}"
        self.credits += credits
        accepted = is_truthy(await self.evaluate(validator.get("accept"), {**variables, "result": output}))
        self._span(name, validator, "success", started, credits=credits, child_index=0 if accepted else 1,
                   title=(f"✅ accepted: {field}" if accepted else f"❌ rejected: {field}"))
        return accepted, "" if accepted else "rejected by the validator"

    async def run(self) -> NativeResult:
        config = self.call.config if isinstance(self.call.config, dict) else {}
        wanted = [f for f in config.get("fields") or [] if isinstance(f, str)]
        steps = config.get("steps")
        if not wanted or not isinstance(steps, list) or not steps:
            raise NodeExecutionError("waterfallInvalid: config.fields and config.steps must be non-empty arrays",
                                     retryable=False)
        stop_rule = config.get("stopRule") or "allFilled"
        if stop_rule not in STOP_RULES:
            raise NodeExecutionError(f"waterfallInvalid: config.stopRule must be one of {', '.join(STOP_RULES)}",
                                     retryable=False)
        validator = config.get("validator") if isinstance(config.get("validator"), dict) else None
        checked = set(validator.get("fields") or wanted) if validator else set()
        filled: dict[str, Any] = {}
        filled_by: dict[str, str] = {}
        errors: list[NodeExecutionError] = []
        answered = False  # some provider answered (hit or miss), so emptiness is a fact, not a failure
        for name, step in zip(step_slugs(steps), steps, strict=True):
            missing = [f for f in wanted if f not in filled]
            if not missing or (stop_rule == "firstHit" and filled):
                break
            step = step if isinstance(step, dict) else {}
            mapping: dict[str, Any] = step["mapping"] if isinstance(step.get("mapping"), dict) else {}
            targets = [f for f in missing if f in mapping]
            attempt: dict[str, Any] = {"step": name, "integrationSlug": step.get("integrationSlug"),
                                       "actionSlug": step.get("actionSlug")}
            self.attempts.append(attempt)
            started = utcnow()
            base = {"fields": dict(filled), "filledBy": dict(filled_by), "missing": missing}
            if not targets:
                attempt.update(status="skipped", reason="it maps none of the missing fields")
                self._span(name, step, "skipped", started, title="⏭ skipped: maps none of the missing fields")
                continue
            if "condition" in step and not is_truthy(await self.evaluate(step["condition"], base)):
                attempt.update(status="skipped", reason="its condition is false")
                self._span(name, step, "skipped", started, title="⏭ skipped: the condition is false")
                continue
            try:
                output, credits = await self._call(step, base)
            except NodeExecutionError as exc:
                attempt.update(status="error", errorMessage=exc.message, creditsUsedCount=0)
                self._span(name, step, "error", started, title="❌ " + exc.message, error=exc.message)
                errors.append(exc)
                continue
            answered = True
            self.credits += credits
            position = len(self.spans)
            variables = {**base, "result": output}
            got: dict[str, Any] = {}
            rejected: dict[str, str] = {}
            for field in targets:
                value = await _mapped(mapping[field], variables, self.evaluate)
                if not is_filled(value):
                    continue
                if validator is not None and field in checked:
                    accepted, why = await self._validate(validator, field, value, base)
                    if not accepted:
                        rejected[field] = why
                        continue
                got[field] = value
            filled.update(got)
            filled_by.update(dict.fromkeys(got, name))
            hit = bool(got)
            attempt.update(status="hit" if hit else "miss", filled=sorted(got), creditsUsedCount=credits)
            if rejected:
                attempt["rejected"] = rejected
            title = ("✅ hit: " + ", ".join(sorted(got))) if hit else "➖ miss" + (
                ": " + ", ".join(f"{f} {why}" for f, why in sorted(rejected.items())) if rejected else "")
            self._span(name, step, "success", started, credits=credits, child_index=0 if hit else 1,
                              title=title)
            self.spans.insert(position, self.spans.pop())  # before its validator's spans
        if errors and not answered:
            # Every provider tried failed: an empty result would read as "nobody has this record" and
            # hide the outage. The node fails (retried by its policy when any failure was transient).
            reasons = "; ".join(f"{a['step']}: {a['errorMessage']}" for a in self.attempts
                                if a.get("status") == "error")
            raise NodeExecutionError(f"waterfallFailed: every provider tried failed ({reasons})"[:2000],
                                     retryable=any(e.retryable for e in errors))
        output = {"fields": {f: filled.get(f) for f in wanted}, "filledBy": filled_by,
                  "attempts": self.attempts, "creditsUsedCount": round(self.credits, 9)}
        done = [f for f in wanted if f in filled]
        title = (f"✅ {len(done)}/{len(wanted)} filled"
                 + (": " + ", ".join(f"{f} ← {filled_by[f]}" for f in done) if done else ""))
        return NativeResult(output, 0, title=title[:TITLE_LIMIT], credits=round(self.credits, 9), spans=self.spans)


async def run_waterfall(call: NativeCall) -> NativeResult:
    if call.run is None or call.ports is None or call.evaluate is None:
        raise NodeExecutionError("'waterfall' nodes cannot be executed on their own; run the workflow instead",
                                 retryable=False)
    return await _Waterfall(call, call.evaluate).run()
