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

	"github.com/traceinject/traceinject/internal/policy"
	"github.com/traceinject/traceinject/rewriter"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("traceinject: ")
	diff := flag.Bool("d", false, "print unified diffs of what would change; write nothing")
	list := flag.Bool("l", false, "print the files that would change; write nothing")
	check := flag.Bool("check", false, "report missing or stale instrumentation and bad directives; write nothing")
	remove := flag.Bool("remove", false, "remove all injected instrumentation (directives stay)")
	require := flag.String("require", "", "with -check or -annotate: the tracing policy, a comma list of gin, grpc, ctx")
	annotate := flag.Bool("annotate", false, "insert //trace:span into the doc comment of everything -require reports; write nothing else")
	format := flag.String("format", "text", "diagnostics as text (file:line:col: message), json or github (workflow commands)")
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
	opts := rewriter.Options{Annotate: *annotate}
	var err error
	if opts.Format, err = rewriter.ParseFormat(*format); err != nil {
		usage(err.Error())
	}
	if *require != "" {
		if opts.Require, err = policy.ParseKinds(*require); err != nil {
			usage(err.Error())
		}
	}
	switch {
	case *require != "" && !*check && !*annotate:
		usage("-require needs -check or -annotate")
	case *annotate && *require == "":
		usage("-annotate needs -require")
	case *annotate && (*check || *remove):
		usage("-annotate does not combine with -check or -remove")
	case opts.Format != rewriter.FormatText && (*diff || *list):
		usage("-format=" + *format + " prints to standard output, as do -d and -l")
	}
	os.Exit(rewriter.ExecuteOptions(action, *remove, opts, flag.Args(), os.Stdout, os.Stderr))
}

func usage(msg string) {
	log.Print(msg)
	flag.Usage()
	os.Exit(rewriter.ExitError)
}
