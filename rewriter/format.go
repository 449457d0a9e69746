package rewriter

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/traceinject/traceinject/internal/policy"
)

// Format is how the command prints diagnostics (-format).
type Format int

const (
	FormatText   Format = iota // file:line:col: message, on standard error
	FormatJSON                 // a JSON array of Report, on standard output
	FormatGitHub               // GitHub workflow commands, on standard output
)

// ParseFormat reads -format's value.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "text", "":
		return FormatText, nil
	case "json":
		return FormatJSON, nil
	case "github":
		return FormatGitHub, nil
	}
	return FormatText, fmt.Errorf("-format: unknown format %q (want text, json or github)", s)
}

// Report is one diagnostic as -format=json prints it. The field names and
// the kinds are a stable interface: they do not change in a patch release.
type Report struct {
	File     string `json:"file"` // relative to the current directory when inside it
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Kind     string `json:"kind"`
	Message  string `json:"message"`
	Function string `json:"function"` // "" when the diagnostic is not about one function
	Route    string `json:"route"`    // gin findings: "GET /user/:id"; else ""

	text string // the text format's line
}

// The kinds of reports besides the policy's (gin, grpc, ctx, ignore).
const (
	ReportError     = "error"     // load, type or directive error, refusal: exit 2
	ReportWarning   = "warning"   // informational (a context.TODO() passed)
	ReportMisplaced = "misplaced" // a directive where it does nothing
	ReportMissing   = "missing"   // an annotated function without instrumentation
	ReportStale     = "stale"     // instrumentation out of date, or left without a directive
)

// reportKind names d's kind.
func reportKind(d Diagnostic) string {
	switch d.Kind {
	case Error:
		return ReportError
	case Misplaced:
		return ReportMisplaced
	case Stale:
		if strings.HasSuffix(d.Msg, ": not instrumented (run traceinject)") {
			return ReportMissing
		}
		return ReportStale
	}
	return ReportWarning
}

func diagnosticReport(d Diagnostic) Report {
	return Report{File: d.Pos.Filename, Line: d.Pos.Line, Col: d.Pos.Column, Kind: reportKind(d), Message: d.Msg, text: d.String()}
}

func findingReport(f policy.Finding) Report {
	return Report{File: f.Pos.Filename, Line: f.Pos.Line, Col: f.Pos.Column, Kind: f.Kind, Message: f.Message,
		Function: f.Function, Route: f.Route, text: f.String()}
}

// printReports prints reports, sorted by position, in format: text to
// stderr, json and github to stdout.
func printReports(reports []Report, format Format, stdout, stderr io.Writer) {
	sort.SliceStable(reports, func(i, j int) bool {
		a, b := reports[i], reports[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	switch format {
	case FormatText:
		for _, r := range reports {
			fmt.Fprintln(stderr, r.text)
		}
	case FormatJSON:
		if reports == nil {
			reports = []Report{}
		}
		b, _ := json.MarshalIndent(reports, "", "\t")
		stdout.Write(append(b, '\n'))
	case FormatGitHub:
		for _, r := range reports {
			level := "error"
			if r.Kind == ReportWarning {
				level = "warning"
			}
			var props []string
			if r.File != "" {
				props = append(props, "file="+ghProperty(strings.TrimPrefix(r.File, "./")))
			}
			if r.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", r.Line))
			}
			if r.Col > 0 {
				props = append(props, fmt.Sprintf("col=%d", r.Col))
			}
			p := ""
			if len(props) > 0 {
				p = " " + strings.Join(props, ",")
			}
			fmt.Fprintf(stdout, "::%s%s::%s\n", level, p, ghData(r.Message))
		}
	}
}

// ghData escapes a workflow command's message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
