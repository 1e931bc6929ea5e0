"""Pebble's and Kestra's functions that need nothing outside the expression."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from flowmesh.expressions._registry import Args, pebble_function, require
from flowmesh.expressions._runtime import HELPERS


@pebble_function("uuid")
def _uuid(args: Args) -> Any:
    return str(uuid.uuid4())


@pebble_function("randomInt", "lower", "upper")
def _random_int(args: Args) -> Any:
    lower, upper = (
        require(args, "lower", "function [randomInt]"),
        require(args, "upper", "function [randomInt]"),
    )
    if not all(isinstance(bound, int) and not isinstance(bound, bool) for bound in (lower, upper)):
        raise TypeError("The function [randomInt] needs integer bounds")
    if upper <= lower:
        raise ValueError("The upper bound of randomInt must be greater than the lower bound")
    return lower + secrets.randbelow(upper - lower)


@pebble_function("range", "start", "end", "increment")
def _range(args: Args) -> Any:
    start, end = require(args, "start", "function [range]"), require(args, "end", "function [range]")
    return HELPERS["__pb_range"](start, end, args.get("increment", 1))


@pebble_function("max", "a", "b", "c", "d", "e", "f", "g", "h")
def _max(args: Args) -> Any:
    return max(args.values())


@pebble_function("min", "a", "b", "c", "d", "e", "f", "g", "h")
def _min(args: Args) -> Any:
    return min(args.values())
