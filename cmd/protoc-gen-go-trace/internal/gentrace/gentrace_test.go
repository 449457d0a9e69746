package gentrace_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"

	"github.com/traceinject/traceinject/cmd/protoc-gen-go-trace/internal/gentrace"
)

// fileRequest is a request for one proto3 file with the given services
// (each with one unary method) and messages.
func fileRequest(params string, services []string, messages ...string) *pluginpb.CodeGeneratorRequest {
	fd := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("p/x.proto"),
		Package: proto.String("p"),
		Syntax:  proto.String("proto3"),
		Options: &descriptorpb.FileOptions{GoPackage: proto.String("example.com/p")},
	}
	messages = append(messages, "M")
	for _, m := range messages {
		fd.MessageType = append(fd.MessageType, &descriptorpb.DescriptorProto{Name: proto.String(m)})
	}
	for _, s := range services {
		fd.Service = append(fd.Service, &descriptorpb.ServiceDescriptorProto{
			Name: proto.String(s),
			Method: []*descriptorpb.MethodDescriptorProto{{
				Name: proto.String("Do"), InputType: proto.String(".p.M"), OutputType: proto.String(".p.M"),
			}},
		})
	}
	return &pluginpb.CodeGeneratorRequest{FileToGenerate: []string{"p/x.proto"}, Parameter: proto.String(params), ProtoFile: []*descriptorpb.FileDescriptorProto{fd}}
}

func generate(t *testing.T, req *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorResponse {
	t.Helper()
	gen, err := protogen.Options{}.New(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := (gentrace.Generator{}).Run(gen); err != nil {
		gen.Error(err)
	}
	return gen.Response()
}

func TestOutputPath(t *testing.T) {
	for params, want := range map[string]string{
		"":                           "example.com/p/x_trace.pb.go",
		"paths=import":               "example.com/p/x_trace.pb.go",
		"paths=source_relative":      "p/x_trace.pb.go",
		"module=example.com":         "p/x_trace.pb.go",
		"Mp/x.proto=example.org/q;q": "example.org/q/x_trace.pb.go",
		"paths=source_relative,Mp/x.proto=example.org/q": "p/x_trace.pb.go",
	} {
		resp := generate(t, fileRequest(params, []string{"S"}))
		if resp.Error != nil || len(resp.File) != 1 || resp.File[0].GetName() != want {
			t.Errorf("%q: got %v %v, want %s", params, resp.GetError(), resp.File, want)
		}
	}
}

func TestDeclaresEditions(t *testing.T) {
	resp := generate(t, fileRequest("", []string{"S"}))
	if resp.GetSupportedFeatures()&uint64(pluginpb.CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS) == 0 ||
		resp.GetMinimumEdition() > int32(descriptorpb.Edition_EDITION_PROTO2) ||
		resp.GetMaximumEdition() < int32(descriptorpb.Edition_EDITION_2023) {
		t.Errorf("features %b, editions %d..%d: edition 2023 not declared", resp.GetSupportedFeatures(), resp.GetMinimumEdition(), resp.GetMaximumEdition())
	}
}

func TestNameClash(t *testing.T) {
	for _, tc := range []struct {
		services, messages []string
		want               string
	}{
		{[]string{"Foo", "TracedFoo"}, nil, "p/x.proto: service p.Foo: NewTracedFooClient is also declared by protoc-gen-go-grpc's code for service p.TracedFoo"},
		{[]string{"Foo"}, []string{"NewTracedFooServer"}, "p/x.proto: service p.Foo: NewTracedFooServer is also declared by message p.NewTracedFooServer"},
	} {
		resp := generate(t, fileRequest("", tc.services, tc.messages...))
		if !strings.Contains(resp.GetError(), tc.want) {
			t.Errorf("error %q, want it to contain %q", resp.GetError(), tc.want)
		}
	}
}
