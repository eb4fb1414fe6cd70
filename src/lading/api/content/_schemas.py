"""The documented 200 bodies of the `content` routes (api.md §7): the services' shapes
(`services/content/shapes.py`) in the envelope each route answers. Documentation only: see
`api/_schemas.py` for why the routes' answers never pass through these models."""

from __future__ import annotations

from lading.api._schemas import envelope
from lading.domain.shapes import Shape
from lading.services.content import shapes

FileAnswer = envelope("FileAnswer", file=shapes.File)


class FileList(Shape):
    """`file.all`, and `file.upload` (one file: the client reads `files[0]`)."""

    files: list[shapes.File]


LibraryAnswer = envelope("LibraryAnswer", library=shapes.Library)
LibraryList = envelope("LibraryList", libraries=list[shapes.Library])
