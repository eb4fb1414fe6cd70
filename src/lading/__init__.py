"""Lading: self-hostable workflow orchestration for revenue teams."""

__version__ = "0.1.0"
__all__ = ["__version__"]
