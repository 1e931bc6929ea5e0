// Deploy a flow, run it with inputs, follow it until it ends and read its logs, over
// flowmesh's gRPC api with @grpc/grpc-js and the client that `make sdk` generates.
//
//   node dist/examples/run_flow.js API_ADDRESS FLOW.yaml [name=value ...]
//
// Each step prints one JSON line on stdout, so that a program (the end-to-end test) can
// read what happened. Exits 1 on a gRPC error, printing its code and details.
import { readFileSync } from "node:fs";

import { credentials, Metadata, ServiceError, status } from "@grpc/grpc-js";

import { stateTypeToJSON } from "../src/gen/flowmesh/common/v1/state";
import { Execution } from "../src/gen/flowmesh/execution/v1/execution";
import { CreateExecutionRequest, FollowExecutionRequest } from "../src/gen/flowmesh/execution/v1/execution_messages";
import { ExecutionServiceClient } from "../src/gen/flowmesh/execution/v1/execution_service";
import { Flow } from "../src/gen/flowmesh/flow/v1/flow";
import { CreateFlowRequest } from "../src/gen/flowmesh/flow/v1/flow_messages";
import { FlowServiceClient } from "../src/gen/flowmesh/flow/v1/flow_service";
import { levelToJSON } from "../src/gen/flowmesh/log/v1/log";
import { FollowLogsRequest } from "../src/gen/flowmesh/log/v1/log_messages";
import { LogServiceClient } from "../src/gen/flowmesh/log/v1/log_service";

const TENANT = "main";
// Every unary call gets a deadline; streams run until the execution ends.
const CALL_SECONDS = 30;
const TERMINAL = new Set(["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED"]);

function print(event: string, fields: object): void {
  console.log(JSON.stringify({ event, ...fields }));
}

function deadline(): Date {
  return new Date(Date.now() + CALL_SECONDS * 1000);
}

// The generated unary methods take a callback: make one a promise.
function call<Req, Res>(
  method: (request: Req, metadata: Metadata, options: { deadline: Date }, done: (e: ServiceError | null, r: Res) => void) => unknown,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, new Metadata(), { deadline: deadline() }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

function stateOf(execution: Execution): string {
  return stateTypeToJSON(execution.state?.current ?? 0).replace(/^STATE_TYPE_/, "");
}

async function followUntilEnded(executions: ExecutionServiceClient, executionId: string): Promise<Execution> {
  const stream = executions.followExecution(FollowExecutionRequest.fromPartial({ tenant: TENANT, executionId }));
  let last: Execution | undefined;
  let lastState = "";
  for await (const execution of stream as AsyncIterable<Execution>) {
    last = execution;
    const state = stateOf(execution);
    if (state !== lastState) {
      print("state", { state });
      lastState = state;
    }
    if (TERMINAL.has(state)) {
      stream.cancel();
      break;
    }
  }
  if (last === undefined) {
    throw new Error(`the follow stream of ${executionId} ended before any update`);
  }
  return last;
}

async function main(argv: string[]): Promise<void> {
  const [address, flowPath, ...pairs] = argv;
  if (!address || !flowPath) {
    throw new Error("usage: run_flow API_ADDRESS FLOW.yaml [name=value ...]");
  }
  const inputs = Object.fromEntries(pairs.map((pair) => [pair.split("=", 1)[0], pair.slice(pair.indexOf("=") + 1)]));
  const insecure = credentials.createInsecure();
  const flows = new FlowServiceClient(address, insecure);
  const executions = new ExecutionServiceClient(address, insecure);
  const logs = new LogServiceClient(address, insecure);
  try {
    const flow = await call<CreateFlowRequest, Flow>(
      flows.createFlow.bind(flows),
      CreateFlowRequest.fromPartial({ tenant: TENANT, source: readFileSync(flowPath, "utf8") }),
    );
    print("deployed", { namespace: flow.namespace, id: flow.id, revision: flow.revision });

    const created = await call<CreateExecutionRequest, Execution>(
      executions.createExecution.bind(executions),
      CreateExecutionRequest.fromPartial({ tenant: TENANT, namespace: flow.namespace, flowId: flow.id, inputs }),
    );
    print("created", { id: created.id, state: stateOf(created) });

    const ended = await followUntilEnded(executions, created.id);
    const outputs = Object.fromEntries(ended.taskRuns.map((run) => [run.taskId, run.outputs ?? {}]));
    print("ended", { id: ended.id, state: stateOf(ended), outputs });

    // Once the execution has ended, following its logs gives them all, then ends.
    const entries = logs.followLogs(FollowLogsRequest.fromPartial({ tenant: TENANT, executionId: ended.id }));
    for await (const entry of entries) {
      print("log", { level: levelToJSON(entry.level).replace(/^LEVEL_/, ""), taskId: entry.taskId, message: entry.message });
    }
  } finally {
    flows.close();
    executions.close();
    logs.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const failure = error as Partial<ServiceError>;
  if (typeof failure.code === "number") {
    print("error", { code: status[failure.code], details: failure.details });
  } else {
    print("error", { message: String(error) });
  }
  process.exit(1);
});
