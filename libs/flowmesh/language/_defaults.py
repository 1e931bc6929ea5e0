"""`pluginDefaults` (and its deprecated alias `taskDefaults`): default task properties by type.

Each entry is `{type, forced, values}`. It applies to a task whose type is `type` or
starts with it (`io.kestra.plugin.core` covers every core task), aliases included.
Without `forced`, the task's own values win; with it, the entry's values do. Maps are
merged key by key; entries later in the list win over earlier ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

DEFAULTS_KEYS = ("taskDefaults", "pluginDefaults")
ENTRY_PROPERTIES = frozenset({"type", "forced", "values"})

Fail = Callable[[str, str], None]


@dataclass(frozen=True)
class PluginDefault:
    type: str
    values: dict[str, Any]
    forced: bool = False

    def matches(self, type_names: Iterable[str]) -> bool:
        return any(name.startswith(self.type) for name in type_names)


@dataclass(frozen=True)
class PluginDefaults:
    """The defaults of one flow, applied to each of its tasks' raw properties."""

    entries: tuple[PluginDefault, ...] = ()

    def apply(self, type_names: Iterable[str], raw: dict[str, Any]) -> dict[str, Any]:
        """Return the task's properties with the defaults of its type merged in."""
        names = tuple(type_names)
        matching = [entry for entry in self.entries if entry.matches(names)]
        if not matching:
            return raw
        merged: dict[str, Any] = {}
        for entry in matching:
            if not entry.forced:
                merged = merge(merged, entry.values)
        merged = merge(merged, raw)
        for entry in matching:
            if entry.forced:
                merged = merge(merged, entry.values)
        return merged


def parse_plugin_defaults(data: dict[str, Any], fail: Fail) -> PluginDefaults:
    """Return the flow's defaults, from both spellings; call fail(path, message) for each problem."""
    entries: list[PluginDefault] = []
    for key in DEFAULTS_KEYS:
        raw = data.get(key)
        if raw is None:
            continue
        if not isinstance(raw, list):
            fail(key, "must be a list of {type, forced, values}")
            continue
        for index, item in enumerate(raw):
            entry = _entry(item, f"{key}[{index}]", fail)
            if entry is not None:
                entries.append(entry)
    return PluginDefaults(tuple(entries))


def _entry(item: Any, path: str, fail: Fail) -> PluginDefault | None:
    if not isinstance(item, dict):
        fail(path, "must be a map with type, forced and values")
        return None
    unknown = sorted(set(item) - ENTRY_PROPERTIES)
    for key in unknown:
        fail(f"{path}.{key}", f'Unrecognized field "{key}"')
    valid = not unknown
    type_name, forced, values = item.get("type"), item.get("forced", False), item.get("values")
    if not isinstance(type_name, str) or not type_name:
        fail(f"{path}.type", "must not be null")
        valid = False
    if not isinstance(forced, bool):
        fail(f"{path}.forced", "must be true or false")
        valid = False
    if not isinstance(values, dict):
        fail(f"{path}.values", "must not be null" if values is None else "must be a map")
        valid = False
    if not valid:
        return None
    assert isinstance(type_name, str)
    assert isinstance(values, dict)
    return PluginDefault(type_name, values, forced)


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return base with override on top, maps merged key by key (Kestra's MapUtils.merge)."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = merge(current, value)
        else:
            merged[key] = value
    return merged
