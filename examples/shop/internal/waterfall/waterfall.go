// Package waterfall prints traces to a terminal as waterfall diagrams, the
// way a tracing UI draws them: one line per span, indented under its parent,
// with a bar showing when the span ran on a time axis scaled to its trace,
// its duration, and its tags.
//
//	trace 5b8e  GET /users/:id  4.00ms  2 spans  ERROR
//	                0             4.00ms
//	                |––––––––––––––––––|
//	GET /users/:id  [xxxxxxxxxxxxxxxxxx]  4.00ms  http.status_code=500
//	  users.Get         [····]            1.25ms
//
// The package knows nothing about any tracer: callers convert their finished
// spans to Span values.
package waterfall

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Span is one finished span.
type Span struct {
	TraceID, SpanID string
	// ParentID is the span this one is a child of (or follows from); empty
	// for a root. A span whose parent is not among the spans printed is
	// drawn as a root too.
	ParentID string
	// Follows marks a FollowsFrom reference to the parent, drawn as "↳".
	Follows  bool
	Name     string
	Start    time.Time
	Duration time.Duration
	// Error draws the bar with "x" instead of "·" and flags the trace.
	Error bool
	// Tags are printed after the duration, in order.
	Tags []Tag
}

// Tag is a key and its value, already formatted.
type Tag struct{ Key, Value string }

// DefaultWidth is the width of the time axis, in columns, when Options.Width
// is zero.
const DefaultWidth = 48

// maxName bounds the name column so one long operation name cannot push the
// bars off the screen.
const maxName = 56

// Options tunes the drawing.
type Options struct {
	// Width is the width of the time axis in columns.
	Width int
}

// Write prints one waterfall per trace found in spans, the earliest trace
// first. The output depends only on spans and opts.
func Write(w io.Writer, spans []Span, opts Options) error {
	width := opts.Width
	if width <= 0 {
		width = DefaultWidth
	}
	byTrace := map[string][]Span{}
	for _, s := range spans {
		byTrace[s.TraceID] = append(byTrace[s.TraceID], s)
	}
	traces := make([][]Span, 0, len(byTrace))
	for _, t := range byTrace {
		slices.SortFunc(t, compareSpans)
		traces = append(traces, t)
	}
	slices.SortFunc(traces, func(a, b []Span) int { return compareSpans(a[0], b[0]) })

	var sb strings.Builder
	for i, t := range traces {
		if i > 0 {
			sb.WriteByte('\n')
		}
		writeTrace(&sb, t, width)
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// compareSpans orders spans by start time; ties by name, then id, keep the
// output stable.
func compareSpans(a, b Span) int {
	return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Name, b.Name), cmp.Compare(a.SpanID, b.SpanID))
}

// line is one span in drawing order.
type line struct {
	span  Span
	depth int
}

func writeTrace(sb *strings.Builder, spans []Span, width int) {
	// spans is sorted by start, so children come out in start order.
	ids := make(map[string]bool, len(spans))
	for _, s := range spans {
		ids[s.SpanID] = true
	}
	children := map[string][]Span{}
	var roots []Span
	for _, s := range spans {
		if s.ParentID == "" || !ids[s.ParentID] || s.ParentID == s.SpanID {
			roots = append(roots, s)
			continue
		}
		children[s.ParentID] = append(children[s.ParentID], s)
	}
	var lines []line
	seen := map[string]bool{}
	var walk func(s Span, depth int)
	walk = func(s Span, depth int) {
		if seen[s.SpanID] { // a reference cycle: draw each span once
			return
		}
		seen[s.SpanID] = true
		lines = append(lines, line{s, depth})
		for _, c := range children[s.SpanID] {
			walk(c, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	for _, s := range spans { // spans only reachable through a cycle
		if !seen[s.SpanID] {
			walk(s, 0)
		}
	}

	start, end := spans[0].Start, spans[0].Start
	failed := false
	for _, s := range spans {
		if s.Start.Before(start) {
			start = s.Start
		}
		if e := s.Start.Add(s.Duration); e.After(end) {
			end = e
		}
		failed = failed || s.Error
	}
	total := end.Sub(start)

	labels := make([]string, len(lines))
	nameWidth := 0
	for i, l := range lines {
		label := strings.Repeat("  ", l.depth)
		if l.span.Follows {
			label += "↳ "
		}
		label = truncate(label+l.span.Name, maxName)
		labels[i] = label
		nameWidth = max(nameWidth, utf8.RuneCountInString(label))
	}

	fmt.Fprintf(sb, "trace %s  %s  %s  %d span", spans[0].TraceID, lines[0].span.Name, formatDuration(total), len(spans))
	if len(spans) != 1 {
		sb.WriteByte('s')
	}
	if failed {
		sb.WriteString("  ERROR")
	}
	sb.WriteByte('\n')
	pad := strings.Repeat(" ", nameWidth+2)
	totalLabel := formatDuration(total)
	fmt.Fprintf(sb, "%s0%s%s\n", pad, strings.Repeat(" ", max(1, width-1-len(totalLabel))), totalLabel)
	fmt.Fprintf(sb, "%s|%s|\n", pad, strings.Repeat("–", width-2))
	durations := make([]string, len(lines))
	durWidth := 0
	for i, l := range lines {
		durations[i] = formatDuration(l.span.Duration)
		durWidth = max(durWidth, utf8.RuneCountInString(durations[i]))
	}
	for i, l := range lines {
		sb.WriteString(labels[i])
		sb.WriteString(strings.Repeat(" ", nameWidth-utf8.RuneCountInString(labels[i])+2))
		sb.WriteString(bar(l.span, start, total, width))
		sb.WriteString("  ")
		// Durations are right-aligned so the tags after them line up.
		sb.WriteString(strings.Repeat(" ", durWidth-utf8.RuneCountInString(durations[i])))
		sb.WriteString(durations[i])
		if len(l.span.Tags) == 0 {
			sb.WriteByte('\n')
			continue
		}
		for _, t := range l.span.Tags {
			fmt.Fprintf(sb, "  %s=%s", t.Key, t.Value)
		}
		sb.WriteByte('\n')
	}
}

// bar draws s on a time axis of width columns covering total from start.
func bar(s Span, start time.Time, total time.Duration, width int) string {
	from, to := 0, width
	if total > 0 {
		from = column(s.Start.Sub(start), total, width)
		to = column(s.Start.Sub(start)+s.Duration, total, width)
	}
	from = min(from, width-1)
	to = max(to, from+1)
	fill := "·"
	if s.Error {
		fill = "x"
	}
	var b string
	switch n := to - from; n {
	case 1:
		b = "|"
	default:
		b = "[" + strings.Repeat(fill, n-2) + "]"
	}
	return strings.Repeat(" ", from) + b + strings.Repeat(" ", width-to)
}

// column is the column of offset d on an axis of width columns covering
// total, rounded to the nearest column.
func column(d, total time.Duration, width int) int {
	c := int((int64(d)*int64(width) + int64(total)/2) / int64(total))
	return min(max(c, 0), width)
}

// formatDuration prints d with three significant digits or so: 850µs,
// 4.21ms, 1.50s.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Round(time.Microsecond)/time.Microsecond)
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
