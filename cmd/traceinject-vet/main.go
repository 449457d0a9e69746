// Command traceinject-vet runs traceinject's tracing policy as a vet tool:
//
//	go vet -vettool=$(which traceinject-vet) ./...
//	go vet -vettool=$(which traceinject-vet) -traceinject.require=gin ./...
//
// It reports what traceinject -check -require=gin,grpc,ctx reports (see
// package analyzer for the differences), with fixes that insert
// //trace:span and fixes that instrument annotated functions exactly as
// traceinject does (go vet -fix applies them; run it twice to annotate,
// then instrument). An exported function that gets a context parameter,
// or one a test calls, is left to traceinject, which also updates its
// callers in other packages and in tests.
package main

import (
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/traceinject/traceinject/analyzer"
)

func main() { unitchecker.Main(analyzer.Analyzer) }
