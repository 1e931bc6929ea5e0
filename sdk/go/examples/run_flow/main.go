// Command run_flow deploys a flow, runs it with inputs, follows it until it ends and reads
// its logs, over flowmesh's gRPC api with the client that `make sdk` generates.
//
//	run_flow API_ADDRESS FLOW.yaml [name=value ...]
//
// Each step prints one JSON line on stdout, as sdk/typescript/examples/run_flow.ts does.
// Exits 1 on an error, printing a gRPC error's code and message.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	commonv1 "flowmesh/sdk/go/flowmesh/common/v1"
	executionv1 "flowmesh/sdk/go/flowmesh/execution/v1"
	flowv1 "flowmesh/sdk/go/flowmesh/flow/v1"
	logv1 "flowmesh/sdk/go/flowmesh/log/v1"
)

const tenant = "main"

// Every unary call gets a deadline; streams run until the execution ends.
const callTimeout = 30 * time.Second

var terminal = map[commonv1.StateType]bool{
	commonv1.StateType_STATE_TYPE_SUCCESS:   true,
	commonv1.StateType_STATE_TYPE_WARNING:   true,
	commonv1.StateType_STATE_TYPE_FAILED:    true,
	commonv1.StateType_STATE_TYPE_KILLED:    true,
	commonv1.StateType_STATE_TYPE_CANCELLED: true,
}

func emit(event string, fields map[string]interface{}) {
	fields["event"] = event
	line, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(line))
}

func stateName(state commonv1.StateType) string {
	return strings.TrimPrefix(state.String(), "STATE_TYPE_")
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		if failure, ok := status.FromError(err); ok {
			emit("error", map[string]interface{}{"code": code.Code_name[int32(failure.Code())], "details": failure.Message()})
		} else {
			emit("error", map[string]interface{}{"message": err.Error()})
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: run_flow API_ADDRESS FLOW.yaml [name=value ...]")
	}
	source, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	values := map[string]interface{}{}
	for _, pair := range args[2:] {
		name, value, _ := strings.Cut(pair, "=")
		values[name] = value
	}
	inputs, err := structpb.NewStruct(values)
	if err != nil {
		return err
	}
	conn, err := grpc.Dial(args[0], grpc.WithInsecure())
	if err != nil {
		return err
	}
	defer conn.Close()
	flows := flowv1.NewFlowServiceClient(conn)
	executions := executionv1.NewExecutionServiceClient(conn)
	logs := logv1.NewLogServiceClient(conn)

	call, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	flow, err := flows.CreateFlow(call, &flowv1.CreateFlowRequest{Tenant: tenant, Source: string(source)})
	if err != nil {
		return err
	}
	emit("deployed", map[string]interface{}{"namespace": flow.Namespace, "id": flow.Id, "revision": flow.Revision})

	created, err := executions.CreateExecution(call, &executionv1.CreateExecutionRequest{
		Tenant: tenant, Namespace: flow.Namespace, FlowId: flow.Id, Inputs: inputs,
	})
	if err != nil {
		return err
	}
	emit("created", map[string]interface{}{"id": created.Id, "state": stateName(created.GetState().GetCurrent())})

	ended, err := followUntilEnded(executions, created.Id)
	if err != nil {
		return err
	}
	outputs := map[string]interface{}{}
	for _, run := range ended.TaskRuns {
		outputs[run.TaskId] = run.GetOutputs().AsMap()
	}
	emit("ended", map[string]interface{}{"id": ended.Id, "state": stateName(ended.GetState().GetCurrent()), "outputs": outputs})

	// Once the execution has ended, following its logs gives them all, then ends.
	stream, err := logs.FollowLogs(context.Background(), &logv1.FollowLogsRequest{Tenant: tenant, ExecutionId: ended.Id})
	if err != nil {
		return err
	}
	for {
		entry, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		level := strings.TrimPrefix(entry.Level.String(), "LEVEL_")
		emit("log", map[string]interface{}{"level": level, "taskId": entry.TaskId, "message": entry.Message})
	}
}

func followUntilEnded(executions executionv1.ExecutionServiceClient, id string) (*executionv1.Execution, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := executions.FollowExecution(ctx, &executionv1.FollowExecutionRequest{Tenant: tenant, ExecutionId: id})
	if err != nil {
		return nil, err
	}
	last := commonv1.StateType_STATE_TYPE_UNSPECIFIED
	for {
		execution, err := stream.Recv()
		if err == io.EOF {
			return nil, fmt.Errorf("the follow stream of %s ended before the execution did", id)
		}
		if err != nil {
			return nil, err
		}
		state := execution.GetState().GetCurrent()
		if state != last {
			emit("state", map[string]interface{}{"state": stateName(state)})
			last = state
		}
		if terminal[state] {
			return execution, nil
		}
	}
}
