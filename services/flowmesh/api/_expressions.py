from __future__ import annotations

import grpc

from flowmesh.api._support import unary
from flowmesh.expression.v1 import expression_messages_pb2 as messages
from flowmesh.expression.v1.expression_service_pb2_grpc import ExpressionServiceServicer
from flowmesh.expressions import ExpressionError, render
from flowmesh.values import from_struct


class ExpressionServicer(ExpressionServiceServicer):
    """The expression playground: a template rendered against the variables given."""

    @unary
    async def EvaluateExpression(
        self, request: messages.EvaluateExpressionRequest, context: grpc.aio.ServicerContext
    ) -> messages.EvaluateExpressionResponse:
        try:
            result = render(request.template, from_struct(request.variables), recursive=request.recursive)
        except ExpressionError as error:
            return messages.EvaluateExpressionResponse(error=str(error))
        return messages.EvaluateExpressionResponse(result=result)
