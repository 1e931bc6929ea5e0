"""One settings object for every component, read from FLOWMESH_* variables and a YAML file."""

from __future__ import annotations

from flowmesh.config._settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
