from __future__ import annotations

from typing import Any

import grpc

from flowmesh.api._support import unary
from flowmesh.expression.v1 import expression_messages_pb2 as messages
from flowmesh.expression.v1.expression_service_pb2_grpc import ExpressionServiceServicer
from flowmesh.expressions import ERROR_LOGS, ExpressionError, render, uses_error_logs
from flowmesh.log.v1.log_pb2 import Level
from flowmesh.repository import RepositoryBackend
from flowmesh.values import error_logs, from_struct


class ExpressionServicer(ExpressionServiceServicer):
    """The expression playground: a template rendered against the variables given.

    errorLogs() reads the ERROR lines of the execution `execution.id` names.
    """

    def __init__(self, repository: RepositoryBackend) -> None:
        self._repository = repository

    @unary
    async def EvaluateExpression(
        self, request: messages.EvaluateExpressionRequest, context: grpc.aio.ServicerContext
    ) -> messages.EvaluateExpressionResponse:
        variables = from_struct(request.variables)
        if uses_error_logs(request.template):
            variables[ERROR_LOGS] = await self._error_logs(request.tenant, variables)
        try:
            result = render(request.template, variables, recursive=request.recursive)
        except ExpressionError as error:
            return messages.EvaluateExpressionResponse(error=str(error))
        return messages.EvaluateExpressionResponse(result=result)

    async def _error_logs(self, tenant: str, variables: dict[str, Any]) -> list[dict[str, Any]]:
        execution = variables.get("execution")
        execution_id = execution.get("id") if isinstance(execution, dict) else None
        if not isinstance(execution_id, str):
            return []
        return await error_logs_of(self._repository, tenant, execution_id)


async def error_logs_of(
    repository: RepositoryBackend, tenant: str, execution_id: str
) -> list[dict[str, Any]]:
    """Return what errorLogs() gives in an execution: its ERROR lines, from the repository."""
    return error_logs(await repository.list_logs(tenant, execution_id, min_level=Level.LEVEL_ERROR))
