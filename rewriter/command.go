package rewriter

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/traceinject/traceinject/internal/policy"
)

// Main runs the traceinject command with args (the arguments after the
// command's name) and returns its exit status. It is the package's entry
// point for cmd/traceinject; the package has no other API for programs.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("traceinject", flag.ContinueOnError)
	fs.SetOutput(stderr)
	diff := fs.Bool("d", false, "print unified diffs of what would change; write nothing")
	list := fs.Bool("l", false, "print the files that would change; write nothing")
	check := fs.Bool("check", false, "report missing or stale instrumentation and bad directives; write nothing")
	remove := fs.Bool("remove", false, "remove all injected instrumentation (directives stay)")
	require := fs.String("require", "", "with -check or -annotate: the tracing policy, a comma list of gin, grpc, ctx")
	annotate := fs.Bool("annotate", false, "insert //trace:span into the doc comment of everything -require reports; write nothing else")
	format := fs.String("format", "text", "diagnostics as text (file:line:col: message), json or github (workflow commands)")
	version := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
		fmt.Fprint(stderr, exitText)
	}
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "traceinject: %s\n", msg)
		fs.Usage()
		return exitError
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitError
	}
	if *version {
		fmt.Fprintf(stdout, "traceinject %s\n", moduleVersion())
		return exitOK
	}

	act := actionWrite
	switch {
	case *check && (*diff || *list || *remove):
		return usage("-check does not combine with -d, -l or -remove")
	case *check:
		act = actionCheck
	case *diff && *list:
		act = actionListDiff
	case *diff:
		act = actionDiff
	case *list:
		act = actionList
	}
	opts := options{Annotate: *annotate}
	var err error
	if opts.Format, err = parseFormat(*format); err != nil {
		return usage(err.Error())
	}
	if *require != "" {
		if opts.Require, err = policy.ParseKinds(*require); err != nil {
			return usage(err.Error())
		}
	}
	switch {
	case *require != "" && !*check && !*annotate:
		return usage("-require needs -check or -annotate")
	case *annotate && *require == "":
		return usage("-annotate needs -require")
	case *annotate && (*check || *remove):
		return usage("-annotate does not combine with -check or -remove")
	case opts.Format != formatText && (*diff || *list):
		return usage("-format=" + *format + " prints to standard output, as do -d and -l")
	}
	return executeOptions(act, *remove, opts, fs.Args(), stdout, stderr)
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
