"""The reason codes the HTTP face uses where the CLI's spec names the same refusal differently.

The Cargo client knows a few refusals of tools, plays and releases by its own codes (api.md §2.2,
§2.3): a read-only tool is `toolIsReadOnly` (the CLI's `toolReadOnly`), enabling a never-deployed
play is `playNotDeployed` (`noDeployedRelease`), an invalid graph on deploy is
`draftReleaseNodesAreInvalid` (`nodesInvalid`, with `invalidNodes` also in `details`)… The service
raises one error; the route renames it with `for_http`, and the remote CLI renames the server's
answer back with `for_cli`, so each face keeps its documented words and the remote CLI prints what
the embedded one does. Each table holds the renames of one route (`"<reason>@<field>"` keys narrow
a rename to errors whose `details.field` names that field).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from lading.domain.errors import LadingError

Renames = Mapping[str, str]

TOOL_WRITE: Renames = {"toolReadOnly": "toolIsReadOnly"}
PLAY_UPDATE: Renames = {"noDeployedRelease": "playNotDeployed"}
RELEASE_DEPLOYED: Renames = {"noDeployedRelease": "releaseNotFound"}
DRAFT: Renames = {"releaseNotFound": "draftReleaseNotFound"}
DRAFT_DEPLOY: Renames = {**DRAFT, "nodesInvalid": "draftReleaseNodesAreInvalid",
                         "invalidData@version": "invalidReleaseVersion"}


def _retitled(message: str, old: str | None, new: str) -> str:
    """The message under its new reason (messages start with their reason code)."""
    if old and message.startswith(old):
        return new + message[len(old):]
    return message


def for_http(error: LadingError, renames: Renames) -> LadingError:
    """`error` under the HTTP reason of this route, if it has one; `invalidNodes` also in `details`."""
    field = error.details.get("field") if isinstance(error.details, dict) else None
    new = renames.get(f"{error.reason}@{field}") or renames.get(error.reason or "")
    if new is None:
        return error
    details = dict(error.details)
    if "invalidNodes" in error.extra:
        details["invalidNodes"] = error.extra["invalidNodes"]
    return LadingError(_retitled(error.message, error.reason, new), reason=new, status_code=error.status_code,
                       details=details, extra=dict(error.extra))


@contextmanager
def http_reasons(renames: Renames) -> Iterator[None]:
    """Run a route's service call, refusals renamed for HTTP."""
    try:
        yield
    except LadingError as exc:
        renamed = for_http(exc, renames)
        if renamed is exc:
            raise
        raise renamed from None


def for_cli(document: dict[str, Any], renames: Renames) -> dict[str, Any]:
    """A server's error document in the CLI's words (the inverse of `for_http`)."""
    back = {http: cli.partition("@")[0] for cli, http in renames.items()}
    old = document.get("reason")
    new = back.get(old) if isinstance(old, str) else None
    if new is None:
        return document
    out = {**document, "reason": new,
           "errorMessage": _retitled(str(document.get("errorMessage") or ""), old, new)}
    details = out.get("details")
    if isinstance(details, dict) and "invalidNodes" in details and "invalidNodes" in out:
        out["details"] = {k: v for k, v in details.items() if k != "invalidNodes"}
    return out
