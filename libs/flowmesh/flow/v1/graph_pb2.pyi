from flowmesh.execution.v1 import execution_pb2 as _execution_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RelationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RELATION_TYPE_UNSPECIFIED: _ClassVar[RelationType]
    RELATION_TYPE_SEQUENTIAL: _ClassVar[RelationType]
    RELATION_TYPE_CHOICE: _ClassVar[RelationType]
    RELATION_TYPE_ERROR: _ClassVar[RelationType]
    RELATION_TYPE_FINALLY: _ClassVar[RelationType]
    RELATION_TYPE_AFTER_EXECUTION: _ClassVar[RelationType]
    RELATION_TYPE_PARALLEL: _ClassVar[RelationType]
    RELATION_TYPE_DYNAMIC: _ClassVar[RelationType]

class BranchType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BRANCH_TYPE_UNSPECIFIED: _ClassVar[BranchType]
    BRANCH_TYPE_ERROR: _ClassVar[BranchType]
    BRANCH_TYPE_FINALLY: _ClassVar[BranchType]
    BRANCH_TYPE_AFTER_EXECUTION: _ClassVar[BranchType]
RELATION_TYPE_UNSPECIFIED: RelationType
RELATION_TYPE_SEQUENTIAL: RelationType
RELATION_TYPE_CHOICE: RelationType
RELATION_TYPE_ERROR: RelationType
RELATION_TYPE_FINALLY: RelationType
RELATION_TYPE_AFTER_EXECUTION: RelationType
RELATION_TYPE_PARALLEL: RelationType
RELATION_TYPE_DYNAMIC: RelationType
BRANCH_TYPE_UNSPECIFIED: BranchType
BRANCH_TYPE_ERROR: BranchType
BRANCH_TYPE_FINALLY: BranchType
BRANCH_TYPE_AFTER_EXECUTION: BranchType

class GraphNode(_message.Message):
    __slots__ = ("uid", "type", "task", "trigger", "relation_type", "branch_type", "task_runs", "execution_id")
    UID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    RELATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    BRANCH_TYPE_FIELD_NUMBER: _ClassVar[int]
    TASK_RUNS_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    uid: str
    type: str
    task: _struct_pb2.Struct
    trigger: _struct_pb2.Struct
    relation_type: RelationType
    branch_type: BranchType
    task_runs: _containers.RepeatedCompositeFieldContainer[_execution_pb2.TaskRun]
    execution_id: str
    def __init__(self, uid: _Optional[str] = ..., type: _Optional[str] = ..., task: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., trigger: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., relation_type: _Optional[_Union[RelationType, str]] = ..., branch_type: _Optional[_Union[BranchType, str]] = ..., task_runs: _Optional[_Iterable[_Union[_execution_pb2.TaskRun, _Mapping]]] = ..., execution_id: _Optional[str] = ...) -> None: ...

class GraphRelation(_message.Message):
    __slots__ = ("relation_type", "value")
    RELATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    relation_type: RelationType
    value: str
    def __init__(self, relation_type: _Optional[_Union[RelationType, str]] = ..., value: _Optional[str] = ...) -> None: ...

class GraphEdge(_message.Message):
    __slots__ = ("source", "target", "relation")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    source: str
    target: str
    relation: GraphRelation
    def __init__(self, source: _Optional[str] = ..., target: _Optional[str] = ..., relation: _Optional[_Union[GraphRelation, _Mapping]] = ...) -> None: ...

class GraphCluster(_message.Message):
    __slots__ = ("cluster", "nodes", "parents", "start", "end")
    CLUSTER_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    PARENTS_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    cluster: GraphNode
    nodes: _containers.RepeatedScalarFieldContainer[str]
    parents: _containers.RepeatedScalarFieldContainer[str]
    start: str
    end: str
    def __init__(self, cluster: _Optional[_Union[GraphNode, _Mapping]] = ..., nodes: _Optional[_Iterable[str]] = ..., parents: _Optional[_Iterable[str]] = ..., start: _Optional[str] = ..., end: _Optional[str] = ...) -> None: ...

class FlowGraph(_message.Message):
    __slots__ = ("nodes", "edges", "clusters", "flowables")
    NODES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    FLOWABLES_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[GraphNode]
    edges: _containers.RepeatedCompositeFieldContainer[GraphEdge]
    clusters: _containers.RepeatedCompositeFieldContainer[GraphCluster]
    flowables: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, nodes: _Optional[_Iterable[_Union[GraphNode, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[GraphEdge, _Mapping]]] = ..., clusters: _Optional[_Iterable[_Union[GraphCluster, _Mapping]]] = ..., flowables: _Optional[_Iterable[str]] = ...) -> None: ...
