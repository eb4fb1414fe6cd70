"""Packaging a self-hoster can trust: the licence the package declares is the one shipped, no
dependency can jump to a new major version under an install, and both README commands install the
exact versions in constraints.txt (written by scripts/lock.sh)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _declared() -> list[str]:
    """Every requirement pyproject.toml declares: runtime, each extra, and the build system's."""
    project = PYPROJECT["project"]
    extras = [line for lines in project.get("optional-dependencies", {}).values() for line in lines]
    return [*project["dependencies"], *extras, *PYPROJECT["build-system"]["requires"]]


def _installed_requirements() -> list[Requirement]:
    """The requirements an install resolves (runtime and extras; the build system's are pip's own)."""
    project = PYPROJECT["project"]
    extras = [line for lines in project.get("optional-dependencies", {}).values() for line in lines]
    return [Requirement(line) for line in [*project["dependencies"], *extras]]


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)", line)
        assert match, f"constraints.txt: {line!r} is not an exact pin (name==version)"
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"constraints.txt pins {name} twice"
        pins[name] = match.group(2)
    return pins


def test_the_licence_file_is_the_licence_pyproject_declares() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text


@pytest.mark.parametrize("line", _declared())
def test_every_dependency_has_an_upper_bound(line: str) -> None:
    requirement = Requirement(line)
    bounds = [spec for spec in requirement.specifier if spec.operator in ("<", "<=", "==", "~=", "===")]
    assert bounds, f"{line!r} has no upper bound: a new major version could break an install"
    assert any(spec.operator in (">=", ">", "==", "~=", "===") for spec in requirement.specifier), \
        f"{line!r} has no lower bound"


def test_every_dependency_is_pinned_in_constraints_within_its_range() -> None:
    pins = _pins()
    for requirement in _installed_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not pinned in constraints.txt (run scripts/lock.sh)"
        assert requirement.specifier.contains(pins[name], prereleases=True), \
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject's {requirement.specifier}"
    # An extra a dependency is installed with (psycopg[binary]) brings packages that are pinned too.
    assert "psycopg-binary" in pins
    assert "lading" not in pins  # the project itself is installed from the checkout


def test_both_readme_commands_install_through_the_constraints() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = readme.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    first, second = commands[0], commands[1]
    assert "pip install -c constraints.txt -e ." in first
    assert second.strip() == "bash scripts/test.sh"
    script = (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert re.search(r"pip install (-q )?-c constraints\.txt -e '\.\[test\]'", script)
    assert (REPO / "scripts" / "lock.sh").exists()
