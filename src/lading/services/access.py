"""What a caller may do: the rights of a token (or of direct store access) as one value on the session.

Why here and not in the API: the same rules hold on every face. A command run in embedded mode has
direct access to the store, which is the workspace administrator (spec C §3.1), so its session carries
no `Access` at all; a request to `lading serve` carries the `Access` of its token, and the services that
are admin-only (token, user and role writes, billing) refuse a non-admin caller themselves.

Rules (C §3.3): a token with `permissions: null` has exactly its owner's current role; its rules only
narrow it — a matching `deny` beats any `allow`, and an action no rule allows is denied. A user's own
rules (`workspaceManagement/users/permissions`) can only deny. Actions are `domain[:resource]:verb`
with `*` at any level (`orchestration:*`, `orchestration:workflow:read`, `ai:agent:*`, `*`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lading.domain.errors import AuthError

ROLES = ("admin", "member")
FORBIDDEN = "forbidden"


def forbidden() -> AuthError:
    return AuthError(FORBIDDEN, reason=FORBIDDEN, status_code=403)


def _matches(pattern: str, action: str) -> bool:
    """Does a rule's action pattern cover a required action? A pattern of two parts (`domain:verb`)
    covers every resource of its domain; `*` covers whatever follows it."""
    want = action.split(":")
    have = pattern.split(":")
    if len(have) == 2 and have[1] not in ("*",) and len(want) == 3:
        have = [have[0], "*", have[1]] if have[1] in ("read", "write") else have
    for index, part in enumerate(have):
        if part == "*":
            return True
        if index >= len(want) or want[index] != part:
            return False
    return len(have) == len(want)


def _rule_applies(rule: dict[str, Any], action: str, resource_uuid: str | None) -> bool:
    actions = rule.get("actions") or []
    if not any(isinstance(a, str) and _matches(a, action) for a in actions):
        return False
    resources = rule.get("resources")
    if resources is None:
        return True
    return resource_uuid is not None and resource_uuid in resources


@dataclass(frozen=True)
class Access:
    """A token's rights in its workspace: its owner's role, the token's rules, the owner's own rules.
    A console session signed in with a password acts as a token with `permissions: null` would: the
    user's role narrowed by their own rules."""

    role: str
    token_uuid: str | None  # None: a console session signed in with the user's own password
    token_rules: Sequence[dict[str, Any]] | None = None
    user_rules: Sequence[dict[str, Any]] = field(default_factory=tuple)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def allows(self, action: str, resource_uuid: str | None = None) -> bool:
        """May the caller perform `action` (on `resource_uuid` when it names one)?"""
        if self.role not in ROLES:
            return False
        for rule in self.user_rules:
            if rule.get("effect") == "deny" and _rule_applies(rule, action, resource_uuid):
                return False
        if self.token_rules is None:
            return True
        matching = [rule for rule in self.token_rules if _rule_applies(rule, action, resource_uuid)]
        if any(rule.get("effect") == "deny" for rule in matching):
            return False
        return any(rule.get("effect") == "allow" for rule in matching)


def require(access: Access | None, action: str, resource_uuid: str | None = None) -> None:
    """Refuse (403 `forbidden`, exit 3) an action the caller's rights do not allow."""
    if access is not None and not access.allows(action, resource_uuid):
        raise forbidden()


def require_admin(access: Access | None) -> None:
    """Refuse a caller who is not a workspace administrator (direct store access always is one)."""
    if access is not None and not access.is_admin:
        raise forbidden()


def check_rules(value: Any, *, field_name: str = "permissions") -> list[dict[str, Any]] | None:
    """Permission rules as given (`null`, or `[{effect, resources, actions}]`), checked; ValidationError
    names the first bad part."""
    from lading.domain.errors import ValidationError, shown

    if value is None:
        return None
    if not isinstance(value, list):
        raise ValidationError(f"{field_name} must be null or an array of rules, got {shown(value)}",
                              reason="invalidPermissions")
    rules: list[dict[str, Any]] = []
    for index, rule in enumerate(value):
        where = f"{field_name}[{index}]"
        if not isinstance(rule, dict):
            raise ValidationError(f"{where} must be an object {{effect, resources, actions}}",
                                  reason="invalidPermissions")
        unknown = set(rule) - {"effect", "resources", "actions"}
        if unknown:
            raise ValidationError(f"{where} has unknown field {shown(sorted(unknown)[0])}", reason="invalidPermissions")
        if rule.get("effect") not in ("allow", "deny"):
            raise ValidationError(f"{where}.effect must be \"allow\" or \"deny\"", reason="invalidPermissions")
        actions = rule.get("actions")
        if not isinstance(actions, list) or not actions or not all(
                isinstance(a, str) and a and len(a) <= 200 for a in actions):
            raise ValidationError(f"{where}.actions must be a non-empty array of action names "
                                  "(e.g. \"orchestration:*\")", reason="invalidPermissions")
        resources = rule.get("resources")
        if resources is not None and (not isinstance(resources, list)
                                      or not all(isinstance(r, str) for r in resources)):
            raise ValidationError(f"{where}.resources must be null or an array of uuids", reason="invalidPermissions")
        rules.append({"effect": rule["effect"], "resources": resources, "actions": list(actions)})
    return rules
