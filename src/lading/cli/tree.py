"""The command tree, loaded one branch at a time: `lading orchestration tool list` imports the module of
`tool` (`cli/orchestration/tools.py`) and nothing of the other nouns or groups.

A group names its members by where they live (`".tools:tool_app"`, per the lookup rule) instead of
importing them. Its Click group (`LazyGroup`) keeps them in `LazyCommands`, a mapping that knows every
name at once (for the parser, suggestions and completion) and imports and converts a member the first
time it is looked up; `--help` looks up every member of the group it lists, so it shows the same page as
a tree built whole. Code that walks the whole tree (`commands.items()`) loads it whole, as before.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperGroup

# A member: ("module:attribute" of its Typer app — a leading dot is relative to the group's package —,
# the name it is mounted under, add_typer keywords such as {"hidden": True}).
Member = tuple[str, str] | tuple[str, str, dict[str, Any]]

# What every branch gets when it is loaded (the entry point's treatment of the tree: bounded integers,
# the plain help layout); the same functions run on the root, so a branch is as if built with it.
_when_loaded: list[Callable[[Any], None]] = []


def when_loaded(treat: Callable[[Any], None]) -> None:
    """Apply `treat` to every branch loaded from now on (once per function)."""
    if treat not in _when_loaded:
        _when_loaded.append(treat)


def loaded(command: Any) -> list[Any]:
    """The sub-commands of `command` already built (all of them for an ordinary group): what a walker
    that must not load the tree visits."""
    commands = getattr(command, "commands", None)
    if commands is None:
        return []
    if isinstance(commands, LazyCommands):
        return commands.built()
    return list(commands.values())


class LazyCommands(MutableMapping[str, Any]):
    """Sub-commands by name: the ones built when the group was, then the members, built on first lookup."""

    def __init__(self, group: LazyGroup, built: MutableMapping[str, Any], members: dict[str, Member]) -> None:
        self._group = group
        self._built = dict(built)
        self._members = {name: member for name, member in members.items() if name not in self._built}

    def built(self) -> list[Any]:
        return list(self._built.values())

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            member = self._members.pop(name)  # KeyError: no such command
            self._built[name] = self._group.build(member)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._members.pop(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if name in self._members:
            del self._members[name]
        else:
            del self._built[name]

    def __contains__(self, name: object) -> bool:
        return name in self._built or name in self._members

    def __iter__(self) -> Iterator[str]:
        return iter([*self._built, *self._members])

    def __len__(self) -> int:
        return len(self._built) + len(self._members)


class LazyGroup(TyperGroup):
    """A Typer group whose members (`members`, set per group by `lazy_group`) load when looked up."""

    package: str = ""
    members: tuple[Member, ...] = ()

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        table = {member[1]: member for member in self.members}
        self.commands = LazyCommands(self, self.commands, table)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names, in order, without building the members

    def build(self, member: Member) -> Any:
        """The Click command of one member, as `add_typer(app, name=…, **keywords)` would have built it."""
        from typer.models import TyperInfo

        where, name, *keywords = member
        module, _, attribute = where.partition(":")
        app = getattr(importlib.import_module(module, self.package or None), attribute)
        info = TyperInfo(app, name=name, **(keywords[0] if keywords else {}))
        command = typer.main.get_group_from_info(info, pretty_exceptions_short=True,
                                                 rich_markup_mode=self.rich_markup_mode,
                                                 suggest_commands=self.suggest_commands)
        for treat in _when_loaded:
            treat(command)
        return command


def lazy_group(package: str, *members: Member) -> type[LazyGroup]:
    """The `cls` of a Typer app whose sub-apps are `members`, listed in the order `--help` shows them."""
    return type("LazyGroup", (LazyGroup,), {"package": package, "members": members})
