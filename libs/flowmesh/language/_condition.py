"""A trigger's condition as written: its `type` and its own properties, read by whoever evaluates it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# A Java class name, as Kestra's plugin types are.
CLASS_NAME_PATTERN = r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$"


class Condition(BaseModel):
    """A condition that limits when a trigger starts an execution (`type` and its own properties).

    Kept as written: the scheduler evaluates conditions, and knows their types.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = Field(pattern=CLASS_NAME_PATTERN)

    @property
    def kind(self) -> str:
        """Return the short name: ExecutionStatus for both of Kestra's spellings of its type.

        Kestra's older names end in Condition (ExecutionStatusCondition), but for MultipleCondition.
        """
        name = self.type.rsplit(".", 1)[-1]
        return name if name == "MultipleCondition" else name.removesuffix("Condition")
