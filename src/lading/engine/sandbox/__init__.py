"""engine/sandbox package."""
