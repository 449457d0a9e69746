package rewriter

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/traceinject/traceinject/internal/policy"
)

// cmdAction is what the traceinject command does with a runResult.
type cmdAction int

const (
	actionWrite    cmdAction = iota // rewrite files in place
	actionDiff                      // -d: print unified diffs
	actionList                      // -l: print the names of files that would change
	actionCheck                     // -check: report missing/stale instrumentation
	actionListDiff                  // -l -d: each file's name, then its diff (as gofmt -l -d)
)

// Exit statuses, as INTERFACE.md defines them.
const (
	exitOK      = 0
	exitProblem = 1 // -check found something
	exitError   = 2 // usage, load, type or directive error, or a refusal
)

// execute runs the traceinject command and returns its exit status: action
// applied to instrumenting (or, with remove, to removing the
// instrumentation, so that -remove -d previews a removal). Errors and
// warnings go to stderr as file:line:col: message, with file names relative
// to the current directory when they are inside it.
func execute(action cmdAction, remove bool, patterns []string, stdout, stderr io.Writer) int {
	return executeOptions(action, remove, options{}, patterns, stdout, stderr)
}

// options are the command's flags besides the action: the policy
// (-require, -annotate) and the output format.
type options struct {
	Require  policy.Kinds
	Annotate bool // -annotate: the action applies to the //trace:span lines the policy asks for
	Format   outputFormat
}

// executeOptions is Execute with Options. Policy findings make -check exit
// 1; -annotate prints the findings it cannot annotate (gRPC, empty
// ignores, a literal that shares its statement) and exits 0.
func executeOptions(action cmdAction, remove bool, opts options, patterns []string, stdout, stderr io.Writer) int {
	cfg := config{Patterns: patterns, Verify: action == actionWrite && !opts.Annotate, Require: opts.Require, Annotate: opts.Annotate,
		Setup: action != actionCheck && !opts.Annotate, cache: cacheDir()}
	if remove {
		cfg.Mode = modeRemove
	}
	if os.Getenv("GOGC") == "" {
		// Syntax and types come and go package by package: a heap
		// target of three times the live heap instead of two saves a
		// third of the collector's work and stays near go vet's
		// memory (BENCHMARKS.md).
		debug.SetGCPercent(200)
	}
	// A write that a crash interrupted is finished before anything
	// else, whatever the mode.
	dir, err := journalDir(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "traceinject: %v\n", err)
		return exitError
	}
	rec, err := recoverWrites(dir)
	if err != nil {
		fmt.Fprintf(stderr, "traceinject: %v\n", err)
		return exitError
	}
	if rec != nil {
		fmt.Fprintf(stderr, "traceinject: %s\n", rec)
	}
	res, err := runPipeline(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "traceinject: %s\n", goError(err))
		return exitError
	}
	wd, _ := os.Getwd()
	rel := func(path string) string {
		if wd == "" || !filepath.IsAbs(path) {
			return path
		}
		if r, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return path
	}
	// Text positions are printed as go vet prints them: relative to the
	// current directory and "./"-prefixed, so that editors and the
	// problem matchers of CI systems (actions/setup-go's) pick them up.
	posName := func(path string) string {
		r := rel(path)
		if opts.Format != formatText {
			return r // json and github carry the file in a field of its own
		}
		if r == "" || filepath.IsAbs(r) || strings.HasPrefix(r, ".") {
			return r
		}
		return "." + string(filepath.Separator) + r
	}
	status := exitOK
	var reports []jsonReport
	for _, f := range res.Findings {
		if opts.Annotate && f.Insert != nil {
			continue
		}
		if action == actionCheck {
			status = max(status, exitProblem)
		}
		f.Pos.Filename = posName(f.Pos.Filename)
		reports = append(reports, findingReport(f))
	}
	for _, d := range res.Diagnostics {
		show := true
		switch d.Kind {
		case Error:
			status = exitError
		case Misplaced:
			if action == actionCheck {
				status = max(status, exitProblem)
			} else if !remove {
				status = exitError
			} else {
				show = false
			}
		case Stale:
			if action == actionCheck {
				status = max(status, exitProblem)
			} else {
				show = false
			}
		}
		if show {
			d.Pos.Filename = posName(d.Pos.Filename)
			reports = append(reports, diagnosticReport(d))
		}
	}
	printReports(reports, opts.Format, stdout, stderr)
	if status == exitError {
		return status
	}
	switch action {
	case actionDiff:
		for _, c := range res.Changes {
			name := filepath.ToSlash(rel(c.Path))
			stdout.Write(diff.Diff("a/"+name, c.Old, "b/"+name, c.New))
		}
	case actionList:
		for _, c := range res.Changes {
			fmt.Fprintln(stdout, rel(c.Path))
		}
	case actionListDiff:
		for _, c := range res.Changes {
			name := filepath.ToSlash(rel(c.Path))
			fmt.Fprintln(stdout, rel(c.Path))
			stdout.Write(diff.Diff("a/"+name, c.Old, "b/"+name, c.New))
		}
	case actionWrite:
		if err := res.Write(); err != nil {
			var we *writeError
			if errors.As(err, &we) {
				for _, f := range we.Files {
					fmt.Fprintf(stderr, "%s: %s\n", posName(f.Path), f.Msg)
				}
			} else {
				fmt.Fprintf(stderr, "traceinject: %v\n", err)
			}
			return exitError
		}
	}
	return status
}
