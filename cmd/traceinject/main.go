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
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/debug"

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
	version := flag.Bool("version", false, "print the version and exit")
	flag.Usage = func() {
		fmt.Fprint(os.Stderr, usageText)
		flag.PrintDefaults()
		fmt.Fprint(os.Stderr, exitText)
	}
	flag.Parse()
	if *version {
		fmt.Printf("traceinject %s\n", moduleVersion())
		os.Exit(rewriter.ExitOK)
	}

	action := rewriter.ActionWrite
	switch {
	case *check && (*diff || *list || *remove):
		usage("-check does not combine with -d, -l or -remove")
	case *check:
		action = rewriter.ActionCheck
	case *diff && *list:
		action = rewriter.ActionListDiff
	case *diff:
		action = rewriter.ActionDiff
	case *list:
		action = rewriter.ActionList
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

const usageText = `usage: traceinject [flags] [packages]

traceinject instruments every function annotated with //trace:span in the
packages (go list patterns, default ".") in place. -d and -l write nothing and
combine, as in gofmt; -remove takes the instrumentation out again.

Flags:
`

const exitText = `
Exit status:
  0  success (also for -d and -l, whatever they print)
  1  -check found missing or stale instrumentation, a misplaced directive or a
     policy finding
  2  usage error, load or type error, malformed directive, a function the tool
     refuses to instrument, or a module setup problem (the message names the
     command that fixes it)
`

// moduleVersion is the version of the module the command was built from:
// a release for go install pkg@version and go get -tool, "(devel)" for a
// build in a checkout.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
