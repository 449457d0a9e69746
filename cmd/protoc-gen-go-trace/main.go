// protoc-gen-go-trace is a protoc plugin that writes traced gRPC client and
// server constructors, NewTraced<S>Client and NewTraced<S>Server, next to
// protoc-gen-go-grpc's stubs:
//
//	protoc --go_out=. --go-grpc_out=. --go-trace_out=. x.proto
//
// It accepts protoc-gen-go's paths= and M options. Generated code imports
// github.com/traceinject/traceinject/runtime/tracegrpc.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"google.golang.org/protobuf/compiler/protogen"

	"github.com/traceinject/traceinject/cmd/protoc-gen-go-trace/internal/gentrace"
)

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Printf("%s v%s\n", filepath.Base(os.Args[0]), gentrace.Version)
		return
	}
	var flags flag.FlagSet // no options of its own beyond protogen's paths=, module= and M
	protogen.Options{ParamFunc: flags.Set}.Run(gentrace.Generator{}.Run)
}
