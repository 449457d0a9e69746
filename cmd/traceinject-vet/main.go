// Command traceinject-vet runs traceinject's tracing policy as a vet tool:
//
//	go vet -vettool=$(which traceinject-vet) ./...
//	go vet -vettool=$(which traceinject-vet) -traceinject.require=gin ./...
//
// It reports what traceinject -check -require=gin,grpc,ctx reports (see
// package analyzer for the differences), with fixes that insert
// //trace:span; traceinject itself instruments.
package main

import (
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/traceinject/traceinject/analyzer"
)

func main() { unitchecker.Main(analyzer.Analyzer) }
