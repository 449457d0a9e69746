package analyzer

import (
	"bytes"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
	"golang.org/x/tools/go/analysis"

	"github.com/traceinject/traceinject/rewriter"
)

// reportInstrumentation reports what traceinject -check reports about the
// annotated functions of the package: missing or stale instrumentation
// (category missing or stale), misplaced directives (misplaced) and bad
// directives (error). Each missing or stale finding in a file that the
// command would rewrite carries the fix that rewrites it: the command's
// edits of the whole file, so that the fixes of several findings in one
// file are identical and apply together.
func reportInstrumentation(pass *analysis.Pass) error {
	if !mentionsTrace(pass) {
		return nil
	}
	changes, diags, err := rewriter.InstrumentChecked(pass.Fset, pass.Files, pass.Pkg, pass.TypesInfo, pass.TypesSizes, pass.ReadFile)
	if err != nil {
		return err
	}
	files := map[string]*token.File{}
	for _, f := range pass.Files {
		tf := pass.Fset.File(f.Pos())
		files[filepath.Clean(tf.Name())] = tf
	}
	imported := map[string]bool{}
	for _, p := range pass.Pkg.Imports() {
		imported[p.Path()] = true
	}
	fixes := map[string][]analysis.TextEdit{}
	notes := map[string]string{}
	for _, c := range changes {
		name := filepath.Clean(c.Path)
		tf := files[name]
		if tf == nil || tf.Size() != len(c.Old) {
			continue
		}
		fixes[name] = textEdits(tf, c.Old, c.New)
		notes[name] = setupNote(imported, filepath.Dir(name), c.New)
	}
	for _, d := range diags {
		name := filepath.Clean(d.Pos.Filename)
		tf := files[name]
		if tf == nil || d.Kind == rewriter.Warning {
			continue
		}
		diag := analysis.Diagnostic{Pos: position(tf, d.Pos), Category: category(d), Message: d.Msg}
		if edits := fixes[name]; d.Kind == rewriter.Stale && len(edits) > 0 {
			diag.Message += notes[name]
			diag.SuggestedFixes = []analysis.SuggestedFix{{
				Message:   "Instrument the annotated functions of " + filepath.Base(name) + " (the edits traceinject makes)",
				TextEdits: edits,
			}}
		}
		pass.Report(diag)
	}
	return nil
}

// mentionsTrace reports whether a file of the package holds a //trace:
// comment: the command's byte scan, which spares the rest the rewriter.
func mentionsTrace(pass *analysis.Pass) bool {
	for _, f := range pass.Files {
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if strings.HasPrefix(c.Text, "//trace:") {
					return true
				}
			}
		}
	}
	return false
}

// category is the kind traceinject -format=json gives d (the contract's
// names, spelled here as the README documents them).
func category(d rewriter.Diagnostic) string {
	switch d.Kind {
	case rewriter.Error:
		return "error"
	case rewriter.Misplaced:
		return "misplaced"
	case rewriter.Stale:
		if strings.HasSuffix(d.Msg, ": not instrumented (run traceinject)") {
			return "missing"
		}
		return "stale"
	}
	return "warning"
}

// position is p in tf: by offset when the rewriter computed one, by line
// and column otherwise (type errors).
func position(tf *token.File, p token.Position) token.Pos {
	if p.Line > 0 && p.Line <= tf.LineCount() {
		off := tf.Offset(tf.LineStart(p.Line)) + max(p.Column, 1) - 1
		return tf.Pos(min(off, tf.Size()))
	}
	return tf.Pos(min(max(p.Offset, 0), tf.Size()))
}

// textEdits turns the change from old to new into one edit per changed
// run of lines, so that a fix touches only what the command changes and
// merges with fixes elsewhere in the file (a //trace:span inserted into
// another doc comment).
func textEdits(tf *token.File, old, new []byte) []analysis.TextEdit {
	whole := func() []analysis.TextEdit {
		p := commonPrefix(old, new)
		s := commonPrefix(reversed(old[p:]), reversed(new[p:]))
		return []analysis.TextEdit{{Pos: tf.Pos(p), End: tf.Pos(len(old) - s), NewText: new[p : len(new)-s]}}
	}
	if !bytes.HasSuffix(old, []byte("\n")) || !bytes.HasSuffix(new, []byte("\n")) {
		return whole()
	}
	starts := []int{0} // offset of each line of old, 0-based
	for i, b := range old {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	var edits []analysis.TextEdit
	u := diff.Diff("old", old, "new", new)
	lines := strings.SplitAfter(string(u), "\n")
	line := 0 // the next line of old, 0-based
	from, pending, inHunk := -1, "", false
	flush := func() {
		if from >= 0 {
			edits = append(edits, analysis.TextEdit{Pos: tf.Pos(starts[from]), End: tf.Pos(starts[line]), NewText: []byte(pending)})
		}
		from, pending = -1, ""
	}
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "@@ "):
			flush()
			inHunk = true
			var a, n int
			f := strings.Fields(l)[1] // -a,n or -a
			a, _ = strconv.Atoi(strings.Split(f[1:], ",")[0])
			n = 1
			if i := strings.IndexByte(f, ','); i >= 0 {
				n, _ = strconv.Atoi(f[i+1:])
			}
			line = a - 1
			if n == 0 {
				line = a
			}
		case !inHunk: // the header
		case strings.HasPrefix(l, " "):
			flush()
			line++
		case strings.HasPrefix(l, "-"):
			if from < 0 {
				from = line
			}
			line++
		case strings.HasPrefix(l, "+"):
			if from < 0 {
				from = line
			}
			pending += l[1:]
		}
	}
	flush()
	// The edits must rebuild new exactly; if not, one edit does.
	var b bytes.Buffer
	at := 0
	for _, e := range edits {
		s, t := tf.Offset(e.Pos), tf.Offset(e.End)
		if s < at || t > len(old) {
			return whole()
		}
		b.Write(old[at:s])
		b.Write(e.NewText)
		at = t
	}
	b.Write(old[at:])
	if !bytes.Equal(b.Bytes(), new) {
		return whole()
	}
	return edits
}

func commonPrefix(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func reversed(b []byte) []byte {
	r := make([]byte, len(b))
	for i, c := range b {
		r[len(b)-1-i] = c
	}
	return r
}
