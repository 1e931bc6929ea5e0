from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from flowmesh.plugins._base import Task

ENTRY_POINT_GROUP = "flowmesh.tasks"


@lru_cache(maxsize=1)
def task_types() -> dict[str, type[Task]]:
    """Return every installed task class by each of its type names."""
    found: dict[str, type[Task]] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        for cls in entry_point.load():
            for name in cls.type_names:
                found[name] = cls
    return found


def task_class(type_name: str) -> type[Task] | None:
    """Return the task class registered under type_name, if any."""
    return task_types().get(type_name)
