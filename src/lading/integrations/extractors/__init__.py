"""Extractors: how a connector model is filled from its provider (data spec §2.3, issue 18 item 5).

An extractor lists the model's columns from the provider's schema (object properties → columns with
types) and fetches the records one page at a time from a page token, optionally only those changed
since a cursor (the high-water mark of the previous sync). It speaks through the integration's
`ActionCall` (rate limit, `Retry-After`, secret scrubbing, allowed hosts); the sync itself — runs,
checkpoints, transactions — is `services/storage/_sync.py`.
"""

from __future__ import annotations

from lading.integrations.extractors._files import (
    FileExtractor,
    FilePage,
    RemoteFile,
    all_file_extractors,
    get_file_extractor,
)
from lading.integrations.extractors._sdk import Extractor, ExtractorColumn, Page, all_extractors, get_extractor

__all__ = ["Extractor", "ExtractorColumn", "FileExtractor", "FilePage", "Page", "RemoteFile", "all_extractors",
           "all_file_extractors", "get_extractor", "get_file_extractor"]
