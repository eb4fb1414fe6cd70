"""The AI side of two native steps, reached through the worker's ports:

- `modelAsk`: a page of a model's records (the same reader as an agent's model resource, so the same
  filter language and column choice) is put in the prompt as JSON, and a language model answers the
  question about them in one turn without tools (`{answer, recordsCount, totalCount}`).
- `fileSearch`: the workspace's content-file passages best matching a query, ranked lexically (BM25)
  exactly as an agent's file resource ranks them (`{results: [...]}`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from lading.domain.errors import LadingError, NodeExecutionError
from lading.services.session import Session

DEFAULT_RECORDS = 100
DEFAULT_PASSAGES = 5
ASK_SYSTEM_PROMPT = ("You answer questions about the records of a data model. The records are given in the "
                     "user's message as JSON; base your answer on them only, and say so when they do not "
                     "hold the answer.")


def _fail(message: str) -> NodeExecutionError:
    return NodeExecutionError(message, retryable=False)


def _text(config: dict[str, Any], key: str) -> str:
    value = config.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"config.{key} must be a non-empty string")
    return value


def _records_page(session: Session, config: dict[str, Any]) -> dict[str, Any]:
    from lading.services.ai._resources import MATCH_ALL, query_model

    limit = config.get("limit", DEFAULT_RECORDS)
    resource = {"modelUuid": _text(config, "modelUuid"), "filter": config.get("filter") or MATCH_ALL,
                "selectedColumnSlugs": config.get("selectedColumnSlugs")}
    try:
        return query_model(session, resource, {"limit": limit})
    except LadingError as exc:
        raise _fail(exc.to_document()["errorMessage"]) from exc


async def ask_model(session: Session, config: dict[str, Any], call_stack: list[str],
                    root_run_uuid: str | None) -> tuple[dict[str, Any], float]:
    """(output, model credits) of a `modelAsk` step."""
    from lading.ai.turn import ChatTurn, TurnError
    from lading.services.ai import _runtime as ai_runtime

    question = _text(config, "prompt")
    page = await asyncio.to_thread(_records_page, session, config)
    records = page["records"]
    listing = orjson.dumps(records, default=str).decode()
    message = (f"{question}\n\nRecords of the model ({len(records)} of {page['count']}, JSON):\n{listing}")
    settings = dict(config.get("advancedSettings") or {}) if isinstance(config.get("advancedSettings"), dict) else {}
    settings.setdefault("systemPrompt", ASK_SYSTEM_PROMPT)
    inline: dict[str, Any] = {"advancedSettings": settings}
    if config.get("output") is not None:
        inline["output"] = config["output"]
    resolved = ai_runtime.ResolvedAgent(ai_runtime.native_agent_config(inline), None, None)
    try:
        result = await ai_runtime.run_turn(session, resolved, [ChatTurn("user", [{"type": "text", "text": message}])],
                                           call_stack=call_stack, root_run_uuid=root_run_uuid)
    except TurnError as exc:
        raise NodeExecutionError(exc.message, retryable=exc.retryable) from exc
    output = {"answer": result.answer, "recordsCount": len(records), "totalCount": page["count"]}
    return output, float(result.credits or 0)


def search_files(session: Session, config: dict[str, Any]) -> dict[str, Any]:
    """`fileSearch`: the best passages of the files `items` reach (default: every content file)."""
    from lading.services.ai._resources import search_files as ranked
    from lading.services.content.files import files_of_items
    from lading.store.repositories import content as repo

    query = _text(config, "query")
    items = config.get("items")
    limit = config.get("limit", DEFAULT_PASSAGES)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 50:
        raise _fail("config.limit must be a whole number between 1 and 50")
    with session.db.read() as conn:
        if items:
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise _fail("config.items must be an array of {kind, fileUuid|folderUuid|libraryUuid}")
            file_uuids, missing = files_of_items(conn, session.workspace_uuid, items)
            if missing:
                reason = {"file": "fileNotFound", "folder": "folderNotFound", "library": "libraryNotFound"}.get(
                    missing[0].split(" ")[0], "invalidData")
                raise _fail(f"{reason}: fileSearch names {', '.join(missing)}, not in this workspace")
        else:
            file_uuids = [row.uuid for row in repo.list_files(conn, session.workspace_uuid)]
    return ranked(session, file_uuids, query, top=limit)
