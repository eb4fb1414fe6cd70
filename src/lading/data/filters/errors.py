"""Filter and sort validation errors: one message that names the offending part, plus `issues`."""

from __future__ import annotations

from collections.abc import Sequence

from lading.domain.errors import ValidationError

Path = Sequence[str | int]


def path_text(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class FilterError(ValidationError):
    """A filter or sort that cannot be accepted; `path` locates the offending part (e.g. groups[0].conditions[1])."""

    def __init__(self, path: Path, message: str) -> None:
        where = path_text(path)
        super().__init__(f"{where}: {message}" if where else message, reason="invalidFilter",
                         extra={"status": 400, "issues": [{"path": list(path), "message": message}]})
        self.path = list(path)
