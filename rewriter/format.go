package rewriter

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/traceinject/traceinject/internal/policy"
)

// outputFormat is how the command prints diagnostics (-format).
type outputFormat int

const (
	formatText   outputFormat = iota // file:line:col: message, on standard error
	formatJSON                       // a JSON array of Report, on standard output
	formatGitHub                     // GitHub workflow commands, on standard output
)

// parseFormat reads -format's value.
func parseFormat(s string) (outputFormat, error) {
	switch s {
	case "text", "":
		return formatText, nil
	case "json":
		return formatJSON, nil
	case "github":
		return formatGitHub, nil
	}
	return formatText, fmt.Errorf("-format: unknown format %q (want text, json or github)", s)
}

// jsonReport is one diagnostic as -format=json prints it. The field names and
// the kinds are a stable interface: they do not change in a patch release.
type jsonReport struct {
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
	reportError     = "error"     // load, type or directive error, refusal: exit 2
	reportWarning   = "warning"   // informational (a context.TODO() passed)
	reportMisplaced = "misplaced" // a directive where it does nothing
	reportMissing   = "missing"   // an annotated function without instrumentation
	reportStale     = "stale"     // instrumentation out of date, or left without a directive
)

// reportKind names d's kind.
func reportKind(d Diagnostic) string {
	switch d.Kind {
	case Error:
		return reportError
	case Misplaced:
		return reportMisplaced
	case Stale:
		if strings.HasSuffix(d.Msg, ": not instrumented (run traceinject)") {
			return reportMissing
		}
		return reportStale
	}
	return reportWarning
}

func diagnosticReport(d Diagnostic) jsonReport {
	return jsonReport{File: d.Pos.Filename, Line: d.Pos.Line, Col: d.Pos.Column, Kind: reportKind(d), Message: d.Msg, text: d.String()}
}

func findingReport(f policy.Finding) jsonReport {
	return jsonReport{File: f.Pos.Filename, Line: f.Pos.Line, Col: f.Pos.Column, Kind: f.Kind, Message: f.Message,
		Function: f.Function, Route: f.Route, text: f.String()}
}

// printReports prints reports, sorted by position, in format: text to
// stderr, json and github to stdout.
func printReports(reports []jsonReport, format outputFormat, stdout, stderr io.Writer) {
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
	case formatText:
		for _, r := range reports {
			fmt.Fprintln(stderr, r.text)
		}
	case formatJSON:
		if reports == nil {
			reports = []jsonReport{}
		}
		b, _ := json.MarshalIndent(reports, "", "\t")
		stdout.Write(append(b, '\n'))
	case formatGitHub:
		for _, r := range reports {
			level := "error"
			if r.Kind == reportWarning {
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
