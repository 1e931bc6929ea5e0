import datetime

from flowmesh.common.v1 import state_pb2 as _state_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TaskRunAttempt(_message.Message):
    __slots__ = ("state", "worker_id", "log_file")
    STATE_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    LOG_FILE_FIELD_NUMBER: _ClassVar[int]
    state: _state_pb2.State
    worker_id: str
    log_file: str
    def __init__(self, state: _Optional[_Union[_state_pb2.State, _Mapping]] = ..., worker_id: _Optional[str] = ..., log_file: _Optional[str] = ...) -> None: ...

class TaskRun(_message.Message):
    __slots__ = ("id", "execution_id", "namespace", "flow_id", "task_id", "parent_task_run_id", "value", "attempts", "outputs", "state", "version", "position", "iteration", "ended_batches")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ITERATION_FIELD_NUMBER: _ClassVar[int]
    ENDED_BATCHES_FIELD_NUMBER: _ClassVar[int]
    id: str
    execution_id: str
    namespace: str
    flow_id: str
    task_id: str
    parent_task_run_id: str
    value: str
    attempts: _containers.RepeatedCompositeFieldContainer[TaskRunAttempt]
    outputs: _struct_pb2.Struct
    state: _state_pb2.State
    version: int
    position: int
    iteration: int
    ended_batches: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, id: _Optional[str] = ..., execution_id: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., task_id: _Optional[str] = ..., parent_task_run_id: _Optional[str] = ..., value: _Optional[str] = ..., attempts: _Optional[_Iterable[_Union[TaskRunAttempt, _Mapping]]] = ..., outputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., state: _Optional[_Union[_state_pb2.State, _Mapping]] = ..., version: _Optional[int] = ..., position: _Optional[int] = ..., iteration: _Optional[int] = ..., ended_batches: _Optional[_Iterable[int]] = ...) -> None: ...

class Execution(_message.Message):
    __slots__ = ("tenant_id", "id", "namespace", "flow_id", "flow_revision", "inputs", "outputs", "labels", "state", "task_runs", "parent_id", "original_id", "version", "deleted", "variables", "trigger", "parent_task_run", "retries", "original_created", "schedule_date", "secret_inputs", "manually_paused")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_REVISION_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TASK_RUNS_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    PARENT_TASK_RUN_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_CREATED_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_DATE_FIELD_NUMBER: _ClassVar[int]
    SECRET_INPUTS_FIELD_NUMBER: _ClassVar[int]
    MANUALLY_PAUSED_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    id: str
    namespace: str
    flow_id: str
    flow_revision: int
    inputs: _struct_pb2.Struct
    outputs: _struct_pb2.Struct
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    state: _state_pb2.State
    task_runs: _containers.RepeatedCompositeFieldContainer[TaskRun]
    parent_id: str
    original_id: str
    version: int
    deleted: bool
    variables: _struct_pb2.Struct
    trigger: ExecutionTrigger
    parent_task_run: ParentTaskRun
    retries: int
    original_created: _timestamp_pb2.Timestamp
    schedule_date: _timestamp_pb2.Timestamp
    secret_inputs: _containers.RepeatedScalarFieldContainer[str]
    manually_paused: bool
    def __init__(self, tenant_id: _Optional[str] = ..., id: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., flow_revision: _Optional[int] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., outputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ..., state: _Optional[_Union[_state_pb2.State, _Mapping]] = ..., task_runs: _Optional[_Iterable[_Union[TaskRun, _Mapping]]] = ..., parent_id: _Optional[str] = ..., original_id: _Optional[str] = ..., version: _Optional[int] = ..., deleted: _Optional[bool] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., trigger: _Optional[_Union[ExecutionTrigger, _Mapping]] = ..., parent_task_run: _Optional[_Union[ParentTaskRun, _Mapping]] = ..., retries: _Optional[int] = ..., original_created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., schedule_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., secret_inputs: _Optional[_Iterable[str]] = ..., manually_paused: _Optional[bool] = ...) -> None: ...

class ExecutionTrigger(_message.Message):
    __slots__ = ("id", "type", "variables")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    variables: _struct_pb2.Struct
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ParentTaskRun(_message.Message):
    __slots__ = ("execution_id", "task_run_id", "attempt", "batch")
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    execution_id: str
    task_run_id: str
    attempt: int
    batch: int
    def __init__(self, execution_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., attempt: _Optional[int] = ..., batch: _Optional[int] = ...) -> None: ...
