"""Live state in KV buckets: the latest revision of every flow, executions in flight, the KV store."""

from __future__ import annotations

from flowmesh.state._executions import ExecutionStore, StaleRevision, Stored
from flowmesh.state._flows import FlowStore, FlowUnavailable
from flowmesh.state._killed import KilledExecutions
from flowmesh.state._kv import (
    KV_TYPES,
    InvalidKey,
    KeyExists,
    KeyValueStore,
    KvEntry,
    check_key,
)
from flowmesh.state._kv_types import InvalidValue, as_type, parse_api_value, type_of
from flowmesh.state._leases import Leases, partition_of, preferred_owner
from flowmesh.state._services import Services
from flowmesh.state._slots import Admission, ConcurrencySlots
from flowmesh.state._triggers import Backfill, Change, TriggerId, TriggerState, TriggerStates, set_disabled
from flowmesh.state._watch import bucket_snapshot, follow_bucket
from flowmesh.state._windows import ConditionWindows

__all__ = [
    "bucket_snapshot",
    "Leases",
    "partition_of",
    "preferred_owner",
    "KV_TYPES",
    "InvalidValue",
    "as_type",
    "parse_api_value",
    "type_of",
    "InvalidKey",
    "KeyExists",
    "KeyValueStore",
    "KvEntry",
    "check_key",
    "Admission",
    "Backfill",
    "Change",
    "TriggerId",
    "TriggerState",
    "TriggerStates",
    "set_disabled",
    "ConcurrencySlots",
    "ConditionWindows",
    "ExecutionStore",
    "FlowStore",
    "FlowUnavailable",
    "KilledExecutions",
    "Services",
    "StaleRevision",
    "Stored",
    "follow_bucket",
]
