"""The scheduler's own figures: how long its loop takes, and how late the executions it creates are.

Kept as the latest samples (a bounded window) and logged each minute as percentiles;
a metrics exporter can read the same samples.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field

_WINDOW = 100_000


@dataclass
class Samples:
    """The latest values of one figure, in seconds."""

    values: deque[float] = field(default_factory=lambda: deque(maxlen=_WINDOW))
    count: int = 0

    def add(self, value: float) -> None:
        self.values.append(value)
        self.count += 1

    def summary(self) -> dict[str, float]:
        """Return p50, p99 and max of the samples in milliseconds (empty when there are none)."""
        if not self.values:
            return {}
        ordered = sorted(self.values)
        cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
        return {"p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000, "max_ms": ordered[-1] * 1000}


@dataclass
class SchedulerFigures:
    """loop: one pass over the due triggers (handing their fires out); lag: execution created minus date."""

    loop: Samples = field(default_factory=Samples)
    lag: Samples = field(default_factory=Samples)
    passed_over: int = 0

    def reset(self) -> None:
        self.loop = Samples()
        self.lag = Samples()
        self.passed_over = 0
