// Package gentrace is the generator behind protoc-gen-go-trace: for each
// .proto file with services it writes <name>_trace.pb.go, holding
// NewTraced<S>Client and NewTraced<S>Server for every service S. Those wrap
// the stubs protoc-gen-go-grpc writes into the same package and record one
// OpenTracing span per RPC through runtime/tracegrpc. The code shapes live
// in templates/grpc; this package decides what goes into them.
package gentrace

import (
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"

	tmpl "github.com/traceinject/traceinject/templates/grpc"
)

// Version is the plugin's version, written into every generated file.
const Version = "0.1.0"

// Generator generates the traced stubs of a protoc request.
type Generator struct {
	// Version is written into the header of generated files; tests pin it so
	// that golden files do not change with releases. Empty means Version.
	Version string
}

// Run is the protogen entry point: it declares what the plugin supports and
// generates every file protoc asked for.
func (gt Generator) Run(gen *protogen.Plugin) error {
	// The plugin reads only services and methods, which mean the same in
	// every syntax and edition; declaring editions lets protoc and buf pass
	// edition files at all.
	gen.SupportedFeatures = uint64(pluginpb.CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL | pluginpb.CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS)
	gen.SupportedEditionsMinimum = descriptorpb.Edition_EDITION_PROTO2
	gen.SupportedEditionsMaximum = descriptorpb.Edition_EDITION_2024
	for _, f := range gen.Files {
		if !f.Generate || len(f.Services) == 0 {
			continue
		}
		if err := gt.GenerateFile(gen, f); err != nil {
			return err
		}
	}
	return nil
}

// File is the data of the "file" template.
type File struct {
	Version, ProtocVersion, Source string
	GoPackageName                  protogen.GoPackageName
	Services                       []Service
}

// Service is the data of the "service" template.
type Service struct {
	GoName     string // as protogen (and so protoc-gen-go-grpc) names it
	FullName   string // pkg.Service
	Deprecated bool
	Methods    []Method
}

// Method is the data of the "client-method" and "server-method" templates.
type Method struct {
	Service       string // the service's GoName
	GoName        string
	FullMethod    string // /pkg.Service/Method
	Index         int    // in the service's methods
	Input, Output protogen.GoIdent
	Deprecated    bool

	ClientStreams, ServerStreams bool
}

// Unary reports whether neither side streams.
func (m Method) Unary() bool { return !m.ClientStreams && !m.ServerStreams }

// Kind is the stem of grpc-go's generic stream types and of tracegrpc's
// stream wrappers: ServerStreaming, ClientStreaming or BidiStreaming.
func (m Method) Kind() string {
	switch {
	case m.ClientStreams && m.ServerStreams:
		return "BidiStreaming"
	case m.ClientStreams:
		return "ClientStreaming"
	case m.ServerStreams:
		return "ServerStreaming"
	}
	return "Unary"
}

// GenerateFile writes <name>_trace.pb.go for f, which has services.
func (gt Generator) GenerateFile(gen *protogen.Plugin, f *protogen.File) error {
	if err := checkNames(f); err != nil {
		return err
	}
	version := gt.Version
	if version == "" {
		version = Version
	}
	data := File{
		Version:       version,
		ProtocVersion: protocVersion(gen),
		Source:        f.Desc.Path(),
		GoPackageName: f.GoPackageName,
	}
	for _, s := range f.Services {
		svc := Service{
			GoName:     s.GoName,
			FullName:   string(s.Desc.FullName()),
			Deprecated: s.Desc.Options().(*descriptorpb.ServiceOptions).GetDeprecated(),
		}
		for i, m := range s.Methods {
			svc.Methods = append(svc.Methods, Method{
				Service:       s.GoName,
				GoName:        m.GoName,
				FullMethod:    fmt.Sprintf("/%s/%s", s.Desc.FullName(), m.Desc.Name()),
				Index:         i,
				Input:         m.Input.GoIdent,
				Output:        m.Output.GoIdent,
				Deprecated:    m.Desc.Options().(*descriptorpb.MethodOptions).GetDeprecated(),
				ClientStreams: m.Desc.IsStreamingClient(),
				ServerStreams: m.Desc.IsStreamingServer(),
			})
		}
		data.Services = append(data.Services, svc)
	}
	g := gen.NewGeneratedFile(f.GeneratedFilenamePrefix+"_trace.pb.go", f.GoImportPath)
	if err := tmpl.Execute(g, "file", data); err != nil {
		return fmt.Errorf("%s: %v", f.Desc.Path(), err)
	}
	return nil
}

// checkNames refuses a file in which a constructor this plugin would write
// has the name of an identifier protoc-gen-go or protoc-gen-go-grpc writes
// for the same file: the package would not compile, and the message says
// which proto names to change.
func checkNames(f *protogen.File) error {
	taken := map[string]string{}
	var messages func([]*protogen.Message)
	enums := func(es []*protogen.Enum) {
		for _, e := range es {
			taken[e.GoIdent.GoName] = "enum " + string(e.Desc.FullName())
			for _, v := range e.Values {
				taken[v.GoIdent.GoName] = "enum value " + string(v.Desc.FullName())
			}
		}
	}
	messages = func(ms []*protogen.Message) {
		for _, m := range ms {
			taken[m.GoIdent.GoName] = "message " + string(m.Desc.FullName())
			enums(m.Enums)
			messages(m.Messages)
		}
	}
	enums(f.Enums)
	messages(f.Messages)
	for _, s := range f.Services {
		what := "protoc-gen-go-grpc's code for service " + string(s.Desc.FullName())
		for _, name := range []string{"New" + s.GoName + "Client", "Register" + s.GoName + "Server", s.GoName + "Client", s.GoName + "Server", "Unimplemented" + s.GoName + "Server", "Unsafe" + s.GoName + "Server"} {
			taken[name] = what
		}
	}
	var clashes []string
	for _, s := range f.Services {
		for _, name := range []string{"NewTraced" + s.GoName + "Client", "NewTraced" + s.GoName + "Server"} {
			if other, ok := taken[name]; ok {
				clashes = append(clashes, fmt.Sprintf("%s: service %s: %s is also declared by %s; rename one of them", f.Desc.Path(), s.Desc.FullName(), name, other))
			}
		}
	}
	if len(clashes) > 0 {
		sort.Strings(clashes)
		return fmt.Errorf("%s", strings.Join(clashes, "\n"))
	}
	return nil
}

func protocVersion(gen *protogen.Plugin) string {
	v := gen.Request.GetCompilerVersion()
	if v == nil {
		return "(unknown)"
	}
	s := fmt.Sprintf("v%d.%d.%d", v.GetMajor(), v.GetMinor(), v.GetPatch())
	if suffix := v.GetSuffix(); suffix != "" {
		s += "-" + suffix
	}
	return s
}
