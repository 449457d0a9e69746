// Command traceinject instruments Go functions annotated with //trace:span
// directives with OpenTracing spans, in place and idempotently.
//
// Usage:
//
//	traceinject [-d] [-l] [-check] [-remove] [-require=KINDS [-annotate]] [-format=F] [packages]
//
// -d and -l combine (as in gofmt); -remove may be combined with -d or -l to
// preview a removal. traceinject -h lists the flags and exit statuses.
//
// See the project README for the directives and what the injected code does.
package main

import (
	"os"

	"github.com/traceinject/traceinject/rewriter"
)

func main() {
	os.Exit(rewriter.Main(os.Args[1:], os.Stdout, os.Stderr))
}
