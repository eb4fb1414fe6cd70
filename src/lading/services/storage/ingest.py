"""The ingest endpoint's work (data spec §4.2, api.md §0.6): a JSON body pushed by an outside system,
stored in a model. API only: no CLI command has this face (`record upsert` is its terminal twin).

Decision (issue 14): on a native model each pushed object is upserted by the model's `idColumnSlug`
through `record upsert`'s own service, at most 1,000 objects a request, so a sender that re-sends a
batch (a retry after a timeout) changes nothing, and the write triggers segment change detection
exactly as `record upsert` does. A batch is all or nothing: one object that does not fit the model
(a value that does not coerce to its column's type, a missing id) refuses the whole request with 400,
so the sender sees the failure and nothing is half-stored. Ingest-mode (`listenHook`) models, D §4.2's
insert-only `_ingest_id` form, do not exist in this store yet: models of any other extractor are
refused by the upsert service itself (409 `incompatibleWithRecordAction`).
"""

from __future__ import annotations

from typing import Any

from lading.domain.errors import LadingError, ValidationError, shown
from lading.services.session import Session
from lading.services.storage.records import MAX_UPSERT, upsert_records

MAX_OBJECTS = MAX_UPSERT
INVALID = "invalidPayload"
OK = {"message": "OK"}


def too_many(count: int) -> LadingError:
    return LadingError(f"at most {MAX_OBJECTS} objects per request (got {count}); send the rest in further requests",
                       reason="tooLarge", status_code=413, details={"maximum": MAX_OBJECTS, "count": count})


def parse_body(raw: bytes) -> Any:
    """The request body as JSON (400 `invalidPayload` when it is empty or not JSON)."""
    import json

    import orjson

    if not raw.strip():
        raise ValidationError("the body is empty: send a JSON object or an array of objects", reason=INVALID)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:  # orjson refuses integers beyond 64 bits, which are valid JSON
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise ValidationError("the body is not valid JSON", reason=INVALID) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def objects_of(payload: Any) -> list[dict[str, Any]]:
    """One flat object or an array of them (D §4.2); anything else is a 400 naming the first bad item,
    more than `MAX_OBJECTS` a 413."""
    if isinstance(payload, dict):
        return [payload]
    if not isinstance(payload, list):
        raise ValidationError("the body must be a JSON object or an array of objects", reason=INVALID)
    if len(payload) > MAX_OBJECTS:
        raise too_many(len(payload))
    for index, item in enumerate(payload):
        if not isinstance(item, dict):
            raise ValidationError(f"item {index} of the body is not a JSON object", reason=INVALID,
                                  extra={"issues": [{"path": [str(index)], "message": "must be an object"}]})
    return payload


def ingest_records(session: Session, *, model_uuid: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
    """Upsert the pushed objects into the model, all or nothing; answers `{"message": "OK"}`."""
    if not objects:
        # Still a model lookup: an unknown model is a 404 even for an empty push.
        from lading.services.storage.models import get_model

        get_model(session, model_uuid)
        return dict(OK)
    try:
        upsert_records(session, model_uuid=model_uuid, records=objects, strict=True)
    except ValidationError as exc:
        errors = exc.extra.get("errors") if exc.reason == "invalidRecord" else None
        if not errors:
            raise
        first = errors[0]
        which = f"object {int(first['line']) - 1}" + (f" (id {shown(first['id'])})" if first.get("id") else "")
        raise ValidationError(f"{which}: {first['message']}; nothing was stored", reason="invalidRecord",
                              extra={"errors": [{"index": int(e["line"]) - 1, "id": e.get("id"),
                                                 "message": e["message"]} for e in errors]}) from None
    return dict(OK)
