// Command traceinject instruments Go functions annotated with //trace:span
// directives with OpenTracing spans, in place and idempotently.
//
// Usage:
//
//	traceinject [-d | -l | -check] [-remove] [packages]
//
// -remove may be combined with -d or -l to preview a removal.
//
// See the project README for the directives and what the injected code does.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/traceinject/traceinject/rewriter"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("traceinject: ")
	diff := flag.Bool("d", false, "print unified diffs of what would change; write nothing")
	list := flag.Bool("l", false, "print the files that would change; write nothing")
	check := flag.Bool("check", false, "report missing or stale instrumentation and bad directives; write nothing")
	remove := flag.Bool("remove", false, "remove all injected instrumentation (directives stay)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: traceinject [-d | -l | -check] [-remove] [packages]\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	action, n := rewriter.ActionWrite, 0
	for _, f := range []struct {
		set bool
		a   rewriter.Action
	}{{*diff, rewriter.ActionDiff}, {*list, rewriter.ActionList}, {*check, rewriter.ActionCheck}} {
		if f.set {
			action, n = f.a, n+1
		}
	}
	if n > 1 || *check && *remove {
		log.Print("-d, -l and -check are mutually exclusive, and -check does not combine with -remove")
		flag.Usage()
		os.Exit(rewriter.ExitError)
	}
	os.Exit(rewriter.Execute(action, *remove, flag.Args(), os.Stdout, os.Stderr))
}
