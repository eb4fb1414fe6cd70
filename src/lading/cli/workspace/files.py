"""`workspaceManagement file …`: batch input files.

Embedded, `upload` copies the file into the local store. Remote, it sends the file the way the Cargo
client does (api.md §0.5): one multipart `POST …/files/upload` below 50 MiB, else the chunked protocol
(8 MiB parts, up to 4 at a time, each retried, then `complete`; `abort` when a part cannot be sent).
Either way it prints `{s3Filename, contentType, name}`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings, session
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.workspace import files
else:  # imported when a command answers locally: remote mode never loads the store
    files = lazy_module("lading.services.workspace.files")

if TYPE_CHECKING:
    from pathlib import Path

    from lading.cli.remote import Target

file_app = typer.Typer(help="Batch input files (CSV, JSON Lines, JSON arrays).", no_args_is_help=True,
                       context_settings=help_settings())

PARALLEL_PARTS = 4
PART_ATTEMPTS = 3


@file_app.command("upload")
def upload(
    file_path: str = typer.Option(None, "--file-path", help="The file to upload."),
    file: str = typer.Option(None, "--file", hidden=True, help="Alias of --file-path."),
) -> None:
    """Upload a file for `batch create --data '{"kind":"file","s3Filename":…}'`."""
    from lading.cli.remote import target
    from lading.domain.errors import UsageError

    path = file_path or file
    if not path:
        raise UsageError("error: required option '--file-path <file-path>' not specified")
    remote = target()
    if remote is None:
        emit(files.upload(session(), path))
        return
    from lading.domain.user_files import user_file

    source = user_file("--file-path", path)
    size = source.stat().st_size
    if size > files.MAX_FILE_BYTES:
        raise files.too_large(files.MAX_FILE_BYTES)
    if size >= files.MULTIPART_THRESHOLD:
        emit(_upload_in_parts(remote, source, size))
        return
    with source.open("rb") as stream:
        response = remote.raw("POST", "/workspaceManagement/files/upload",
                              files={"file": (source.name, stream, files.content_type_of(source.name))})
    emit(_json(response))


def _json(response: Any) -> Any:
    from lading.cli.remote import parse_answer

    return parse_answer(response)


def _upload_in_parts(remote: Target, source: Path, size: int) -> dict[str, Any]:
    """The chunked protocol: create, sign and PUT each part (a few at a time), complete."""
    from concurrent.futures import ThreadPoolExecutor

    content_type = files.content_type_of(source.name)
    started = remote.call("POST", "/workspaceManagement/files/multipart/create",
                          body={"contentType": content_type, "filename": source.name})
    key = {"s3Filename": started["s3Filename"], "uploadId": started["uploadId"]}
    count = max(1, -(-size // files.PART_BYTES))
    try:
        with ThreadPoolExecutor(max_workers=PARALLEL_PARTS) as pool:
            etags = list(pool.map(lambda number: _send_part(remote, key, source, number), range(1, count + 1)))
        remote.call("POST", "/workspaceManagement/files/multipart/complete",
                    body={**key, "parts": [{"partNumber": n, "etag": e} for n, e in enumerate(etags, start=1)]})
    except BaseException:
        import contextlib

        from lading.domain.errors import LadingError

        with contextlib.suppress(LadingError):  # the first failure is the one to report
            remote.call("POST", "/workspaceManagement/files/multipart/abort", body=key)
        raise
    return {"s3Filename": key["s3Filename"], "contentType": content_type, "name": source.name}


def _send_part(remote: Target, key: dict[str, str], source: Path, number: int) -> str:
    """Sign and PUT one part (at most one part's bytes in memory), retried; its ETag."""
    from lading.cli import _http
    from lading.cli.remote import TIMEOUT_SECONDS, RemoteError, parse_answer, unreachable

    with source.open("rb") as stream:
        stream.seek((number - 1) * files.PART_BYTES)
        data = stream.read(files.PART_BYTES)
    failure: Exception | None = None
    for _attempt in range(PART_ATTEMPTS):
        url = remote.call("POST", "/workspaceManagement/files/multipart/sign",
                          body={**key, "partNumber": number})["url"]
        try:
            response = _http.request("PUT", url, content=data, timeout=TIMEOUT_SECONDS)
        except _http.TransportError as exc:
            failure = unreachable(remote.api_url, exc)
            continue
        try:
            parse_answer(response)
        except RemoteError as exc:
            if response.status_code < 500:
                raise  # a refusal is final: the server's error document, as it wrote it
            failure = exc
            continue
        etag = response.headers.get("etag")
        if not etag:
            from lading.domain.errors import LadingError

            raise LadingError("the server answered a part without an ETag", reason="unknown", status_code=502)
        return str(etag)
    assert failure is not None
    raise failure


@file_app.command("list-columns")
def list_columns(s3_filename: str = typer.Option(..., "--s3-filename")) -> None:
    """The columns of an uploaded file (CSV columns are always strings)."""
    emit(answer("GET", "/workspaceManagement/files/listColumns", query={"s3Filename": s3_filename},
                local=lambda s: files.list_columns(s, s3_filename)))
