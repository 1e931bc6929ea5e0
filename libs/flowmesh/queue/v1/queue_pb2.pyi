import datetime

from flowmesh.common.v1 import state_pb2 as _state_pb2
from flowmesh.execution.v1 import execution_pb2 as _execution_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ExecutorMessage(_message.Message):
    __slots__ = ("start_execution", "task_run_update", "kill_execution", "restart_execution", "wake", "set_execution_labels", "change_task_run_state", "resume_execution", "start_subflow", "subflow_ended", "unqueue_execution", "change_execution_status", "pause_execution")
    START_EXECUTION_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_UPDATE_FIELD_NUMBER: _ClassVar[int]
    KILL_EXECUTION_FIELD_NUMBER: _ClassVar[int]
    RESTART_EXECUTION_FIELD_NUMBER: _ClassVar[int]
    WAKE_FIELD_NUMBER: _ClassVar[int]
    SET_EXECUTION_LABELS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TASK_RUN_STATE_FIELD_NUMBER: _ClassVar[int]
    RESUME_EXECUTION_FIELD_NUMBER: _ClassVar[int]
    START_SUBFLOW_FIELD_NUMBER: _ClassVar[int]
    SUBFLOW_ENDED_FIELD_NUMBER: _ClassVar[int]
    UNQUEUE_EXECUTION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_EXECUTION_STATUS_FIELD_NUMBER: _ClassVar[int]
    PAUSE_EXECUTION_FIELD_NUMBER: _ClassVar[int]
    start_execution: StartExecution
    task_run_update: TaskRunUpdate
    kill_execution: KillExecution
    restart_execution: RestartExecution
    wake: Wake
    set_execution_labels: SetExecutionLabels
    change_task_run_state: ChangeTaskRunState
    resume_execution: ResumeExecution
    start_subflow: StartSubflow
    subflow_ended: SubflowEnded
    unqueue_execution: UnqueueExecution
    change_execution_status: ChangeExecutionStatus
    pause_execution: PauseExecution
    def __init__(self, start_execution: _Optional[_Union[StartExecution, _Mapping]] = ..., task_run_update: _Optional[_Union[TaskRunUpdate, _Mapping]] = ..., kill_execution: _Optional[_Union[KillExecution, _Mapping]] = ..., restart_execution: _Optional[_Union[RestartExecution, _Mapping]] = ..., wake: _Optional[_Union[Wake, _Mapping]] = ..., set_execution_labels: _Optional[_Union[SetExecutionLabels, _Mapping]] = ..., change_task_run_state: _Optional[_Union[ChangeTaskRunState, _Mapping]] = ..., resume_execution: _Optional[_Union[ResumeExecution, _Mapping]] = ..., start_subflow: _Optional[_Union[StartSubflow, _Mapping]] = ..., subflow_ended: _Optional[_Union[SubflowEnded, _Mapping]] = ..., unqueue_execution: _Optional[_Union[UnqueueExecution, _Mapping]] = ..., change_execution_status: _Optional[_Union[ChangeExecutionStatus, _Mapping]] = ..., pause_execution: _Optional[_Union[PauseExecution, _Mapping]] = ...) -> None: ...

class StartExecution(_message.Message):
    __slots__ = ("execution",)
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    execution: _execution_pb2.Execution
    def __init__(self, execution: _Optional[_Union[_execution_pb2.Execution, _Mapping]] = ...) -> None: ...

class Wake(_message.Message):
    __slots__ = ("execution_id", "due")
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_FIELD_NUMBER: _ClassVar[int]
    execution_id: str
    due: _timestamp_pb2.Timestamp
    def __init__(self, execution_id: _Optional[str] = ..., due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PauseExecution(_message.Message):
    __slots__ = ("execution_id",)
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    execution_id: str
    def __init__(self, execution_id: _Optional[str] = ...) -> None: ...

class KillExecution(_message.Message):
    __slots__ = ("execution_id",)
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    execution_id: str
    def __init__(self, execution_id: _Optional[str] = ...) -> None: ...

class RestartExecution(_message.Message):
    __slots__ = ("execution",)
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    execution: _execution_pb2.Execution
    def __init__(self, execution: _Optional[_Union[_execution_pb2.Execution, _Mapping]] = ...) -> None: ...

class TaskRunUpdate(_message.Message):
    __slots__ = ("execution_id", "task_run_id", "attempt", "state", "outputs", "worker_id", "date", "error", "started", "log_file", "batch", "group_task_run_id", "task_id")
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    LOG_FILE_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    GROUP_TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    execution_id: str
    task_run_id: str
    attempt: int
    state: _state_pb2.StateType
    outputs: _struct_pb2.Struct
    worker_id: str
    date: _timestamp_pb2.Timestamp
    error: str
    started: _timestamp_pb2.Timestamp
    log_file: str
    batch: int
    group_task_run_id: str
    task_id: str
    def __init__(self, execution_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., attempt: _Optional[int] = ..., state: _Optional[_Union[_state_pb2.StateType, str]] = ..., outputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., worker_id: _Optional[str] = ..., date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[str] = ..., started: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., log_file: _Optional[str] = ..., batch: _Optional[int] = ..., group_task_run_id: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class WorkerJob(_message.Message):
    __slots__ = ("tenant_id", "namespace", "flow_id", "execution_id", "task_run_id", "task_id", "attempt", "task", "variables", "worker_group", "secret_inputs", "children")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    WORKER_GROUP_FIELD_NUMBER: _ClassVar[int]
    SECRET_INPUTS_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    namespace: str
    flow_id: str
    execution_id: str
    task_run_id: str
    task_id: str
    attempt: int
    task: _struct_pb2.Struct
    variables: _struct_pb2.Struct
    worker_group: str
    secret_inputs: _containers.RepeatedScalarFieldContainer[str]
    children: _containers.RepeatedCompositeFieldContainer[WorkerJob]
    def __init__(self, tenant_id: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., execution_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., task_id: _Optional[str] = ..., attempt: _Optional[int] = ..., task: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., worker_group: _Optional[str] = ..., secret_inputs: _Optional[_Iterable[str]] = ..., children: _Optional[_Iterable[_Union[WorkerJob, _Mapping]]] = ...) -> None: ...

class ExecutionEvent(_message.Message):
    __slots__ = ("execution",)
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    execution: _execution_pb2.Execution
    def __init__(self, execution: _Optional[_Union[_execution_pb2.Execution, _Mapping]] = ...) -> None: ...

class SetExecutionLabels(_message.Message):
    __slots__ = ("execution", "labels")
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    execution: _execution_pb2.Execution
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    def __init__(self, execution: _Optional[_Union[_execution_pb2.Execution, _Mapping]] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ...) -> None: ...

class ChangeExecutionStatus(_message.Message):
    __slots__ = ("execution", "state")
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    execution: _execution_pb2.Execution
    state: _state_pb2.StateType
    def __init__(self, execution: _Optional[_Union[_execution_pb2.Execution, _Mapping]] = ..., state: _Optional[_Union[_state_pb2.StateType, str]] = ...) -> None: ...

class ChangeTaskRunState(_message.Message):
    __slots__ = ("execution", "task_run_id", "state")
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    execution: _execution_pb2.Execution
    task_run_id: str
    state: _state_pb2.StateType
    def __init__(self, execution: _Optional[_Union[_execution_pb2.Execution, _Mapping]] = ..., task_run_id: _Optional[str] = ..., state: _Optional[_Union[_state_pb2.StateType, str]] = ...) -> None: ...

class ResumeExecution(_message.Message):
    __slots__ = ("execution_id", "task_run_id", "inputs", "pauses_seen")
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    PAUSES_SEEN_FIELD_NUMBER: _ClassVar[int]
    execution_id: str
    task_run_id: str
    inputs: _struct_pb2.Struct
    pauses_seen: int
    def __init__(self, execution_id: _Optional[str] = ..., task_run_id: _Optional[str] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., pauses_seen: _Optional[int] = ...) -> None: ...

class StartSubflow(_message.Message):
    __slots__ = ("execution_id", "tenant_id", "namespace", "flow_id", "revision", "inputs", "labels", "trigger", "parent", "wait")
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    PARENT_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    execution_id: str
    tenant_id: str
    namespace: str
    flow_id: str
    revision: int
    inputs: _struct_pb2.Struct
    labels: _containers.RepeatedCompositeFieldContainer[_state_pb2.Label]
    trigger: _execution_pb2.ExecutionTrigger
    parent: _execution_pb2.ParentTaskRun
    wait: bool
    def __init__(self, execution_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., revision: _Optional[int] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., labels: _Optional[_Iterable[_Union[_state_pb2.Label, _Mapping]]] = ..., trigger: _Optional[_Union[_execution_pb2.ExecutionTrigger, _Mapping]] = ..., parent: _Optional[_Union[_execution_pb2.ParentTaskRun, _Mapping]] = ..., wait: _Optional[bool] = ...) -> None: ...

class SubflowEnded(_message.Message):
    __slots__ = ("parent", "execution")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    parent: _execution_pb2.ParentTaskRun
    execution: _execution_pb2.Execution
    def __init__(self, parent: _Optional[_Union[_execution_pb2.ParentTaskRun, _Mapping]] = ..., execution: _Optional[_Union[_execution_pb2.Execution, _Mapping]] = ...) -> None: ...

class UnqueueExecution(_message.Message):
    __slots__ = ("execution_id", "state")
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    execution_id: str
    state: _state_pb2.StateType
    def __init__(self, execution_id: _Optional[str] = ..., state: _Optional[_Union[_state_pb2.StateType, str]] = ...) -> None: ...

class PollTrigger(_message.Message):
    __slots__ = ("tenant_id", "namespace", "flow_id", "flow_revision", "trigger_id", "date", "lease_until")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    FLOW_REVISION_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    LEASE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    namespace: str
    flow_id: str
    flow_revision: int
    trigger_id: str
    date: _timestamp_pb2.Timestamp
    lease_until: _timestamp_pb2.Timestamp
    def __init__(self, tenant_id: _Optional[str] = ..., namespace: _Optional[str] = ..., flow_id: _Optional[str] = ..., flow_revision: _Optional[int] = ..., trigger_id: _Optional[str] = ..., date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lease_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
