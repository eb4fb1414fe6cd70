"""Every integration's documentation has one copy, beside its code, and the repository's index links it."""

from __future__ import annotations

from pathlib import Path

from lading.integrations import all_integrations

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DOCS = ROOT / "src" / "lading" / "integrations" / "docs"
INDEX = ROOT / "docs" / "integrations" / "README.md"


def test_every_integration_has_its_documentation_beside_the_code() -> None:
    slugs = set(all_integrations())
    assert {p.stem for p in PACKAGE_DOCS.glob("*.md")} == slugs
    for slug, integration in all_integrations().items():
        assert integration.documentation == (PACKAGE_DOCS / f"{slug}.md").read_text(encoding="utf-8")
        assert integration.documentation.startswith("# ")


def test_docs_folder_links_instead_of_copying() -> None:
    index = INDEX.read_text(encoding="utf-8")
    for slug in all_integrations():
        assert f"../../src/lading/integrations/docs/{slug}.md" in index
    assert sorted(p.name for p in INDEX.parent.iterdir()) == ["README.md"]
