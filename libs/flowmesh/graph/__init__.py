"""Kestra's FlowGraph of a flow: nodes, edges and clusters, with an execution's task runs on them."""

from __future__ import annotations

from flowmesh.graph._build import SUBFLOW, flow_graph, task_properties

__all__ = ["SUBFLOW", "flow_graph", "task_properties"]
