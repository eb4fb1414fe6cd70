"""An agent's icon (spec §2.1): one of six colours and an emoji face; shared by agents and templates."""

from __future__ import annotations

from typing import Any

from lading.domain.errors import ValidationError, shown

ICON_COLORS = ("grey", "green", "purple", "yellow", "blue", "red")
DEFAULT_COLOR = "grey"
DEFAULT_FACE = "🤖"
MAX_FACE_LENGTH = 16


def check_color(value: Any) -> str:
    if value not in ICON_COLORS:
        raise ValidationError(f"--icon-color must be one of {', '.join(ICON_COLORS)} (got {shown(value)})",
                              reason="invalidData")
    return str(value)


def check_face(value: Any) -> str:
    """An emoji: a short non-blank string without letters or digits (it is drawn, not read)."""
    if (not isinstance(value, str) or not value.strip() or len(value) > MAX_FACE_LENGTH
            or any(ch.isalnum() for ch in value)):
        raise ValidationError(f"--icon-face must be an emoji (got {shown(value)})", reason="invalidData")
    return value.strip()
