// Package grpc holds the code shapes protoc-gen-go-trace writes for gRPC
// services, as text/template files embedded in the plugin. Templates never
// spell an import path or a package name: they name identifiers through the
// FuncMap, which qualifies them with protogen so that the generated file's
// imports are added, aliased when names clash, by protogen itself.
package grpc

import (
	"embed"
	"strconv"
	"text/template"

	"google.golang.org/protobuf/compiler/protogen"
)

// Import paths of the packages generated code refers to.
const (
	ContextPackage   = protogen.GoImportPath("context")
	GRPCPackage      = protogen.GoImportPath("google.golang.org/grpc")
	RuntimePackage   = protogen.GoImportPath("github.com/traceinject/traceinject/runtime")
	TraceGRPCPackage = protogen.GoImportPath("github.com/traceinject/traceinject/runtime/tracegrpc")
)

//go:embed *.tmpl
var files embed.FS

// parsed holds every template, parsed once; FuncMap(nil) only supplies the
// names of the functions, and Execute binds them to a file.
var parsed = template.Must(template.New("grpc").Funcs(FuncMap(nil)).ParseFS(files, "*.tmpl"))

// FuncMap is the one set of functions the templates use. context, grpc,
// runtime and tracegrpc turn a name into a qualified identifier of that
// package; ident qualifies a protogen.GoIdent (message types); quote quotes a
// Go string literal.
func FuncMap(g *protogen.GeneratedFile) template.FuncMap {
	in := func(p protogen.GoImportPath) func(string) string {
		return func(name string) string { return g.QualifiedGoIdent(p.Ident(name)) }
	}
	return template.FuncMap{
		"context":   in(ContextPackage),
		"grpc":      in(GRPCPackage),
		"runtime":   in(RuntimePackage),
		"tracegrpc": in(TraceGRPCPackage),
		"ident":     func(id protogen.GoIdent) string { return g.QualifiedGoIdent(id) },
		"quote":     strconv.Quote,
	}
}

// Execute writes the template named name, applied to data, into g.
func Execute(g *protogen.GeneratedFile, name string, data any) error {
	t, err := parsed.Clone()
	if err != nil {
		return err
	}
	return t.Funcs(FuncMap(g)).ExecuteTemplate(g, name, data)
}
