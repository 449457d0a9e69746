// Package grpcbehaviour tests runtime/tracegrpc through stubs that
// protoc-gen-go-trace generated (testdata/proto/echo), over real gRPC on
// bufconn. The tests live in the tool's module rather than in the tracegrpc
// module so that the generated code's protobuf requirement never reaches the
// modules of programs that import the runtime.
package grpcbehaviour
