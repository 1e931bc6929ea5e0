"""Pebble expressions ({{ inputs.name }}) rendered by a sandboxed Jinja2 environment."""

from __future__ import annotations

from flowmesh.expressions._render import ExpressionError, render, render_value

__all__ = ["ExpressionError", "render", "render_value"]
