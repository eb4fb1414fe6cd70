"""engine/expressions package."""
