package rewriter

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/traceinject/traceinject/internal/usermodule"
)

// Diagnostic cases live in testdata/diagnostics/*.txtar. Each archive is a
// module, example.com/m, that uses this module through a replace directive
// (or has a go.mod of its own), and a run over its ./... must report what
// its files expect in // want comments, as analysistest's are written:
//
//	return nosuch // want "undefined: nosuch"
//
// A want comment applies to its own line, or, alone on its line, to the
// next one (a //trace: directive cannot end in a comment). It holds one or
// more Go string literals, each a regular expression that the message of
// one diagnostic reported on that line must match; col:N before a literal
// also requires the diagnostic's column. A diagnostic without a matching
// want, or a want without a diagnostic, fails the test. A line of the
// archive's comment may say "mode: remove" to run -remove instead of a
// rewrite, or "patterns: ./a ./b" to run on other patterns than ./....

func TestDiagnostics(t *testing.T) {
	names, err := filepath.Glob(filepath.Join("testdata", "diagnostics", "*.txtar"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no diagnostic cases: %v", err)
	}
	root := moduleRoot(t)
	gomod, err := usermodule.GoMod(root)
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Run(strings.TrimSuffix(filepath.Base(name), ".txtar"), func(t *testing.T) {
			t.Parallel()
			ar, err := txtar.ParseFile(name)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			files := map[string][]byte{"go.mod": gomod, "go.sum": gosum}
			for _, f := range ar.Files {
				files[f.Name] = f.Data
			}
			for n, b := range files {
				p := filepath.Join(dir, filepath.FromSlash(n))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			mode, patterns := modeInstrument, []string{"./..."}
			for _, l := range strings.Split(string(ar.Comment), "\n") {
				if l == "mode: remove" {
					mode = modeRemove
				}
				if p, ok := strings.CutPrefix(l, "patterns: "); ok {
					patterns = strings.Fields(p)
				}
			}
			res, err := runPipeline(config{Dir: dir, Patterns: patterns, Mode: mode, Verify: mode == modeInstrument,
				Env: append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")})
			if err != nil {
				t.Fatal(err)
			}
			wants := map[string][]*want{} // by "file:line"
			for _, f := range ar.Files {
				for _, w := range parseWants(t, f.Name, f.Data) {
					key := fmt.Sprintf("%s:%d", f.Name, w.line)
					wants[key] = append(wants[key], w)
				}
			}
			for _, d := range res.Diagnostics {
				file := d.Pos.Filename
				if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
					file = filepath.ToSlash(rel)
				}
				if !matchWant(wants[fmt.Sprintf("%s:%d", file, d.Pos.Line)], d) {
					t.Errorf("%s:%d:%d: unexpected diagnostic (%s): %s", file, d.Pos.Line, d.Pos.Column, kindName(d.Kind), d.Msg)
				}
			}
			var missed []string
			for _, ws := range wants {
				for _, w := range ws {
					if !w.matched {
						missed = append(missed, w.String())
					}
				}
			}
			sort.Strings(missed)
			for _, m := range missed {
				t.Errorf("%s: no diagnostic matches this want", m)
			}
		})
	}
}

// want is one expectation of a // want comment.
type want struct {
	file    string
	line    int
	col     int // 0: any
	re      *regexp.Regexp
	matched bool
}

func (w *want) String() string {
	col := ""
	if w.col > 0 {
		col = fmt.Sprintf(" col:%d", w.col)
	}
	return fmt.Sprintf("%s:%d: want%s %q", w.file, w.line, col, w.re)
}

// matchWant marks the first unmatched want of ws that d satisfies.
func matchWant(ws []*want, d Diagnostic) bool {
	for _, w := range ws {
		if !w.matched && (w.col == 0 || w.col == d.Pos.Column) && w.re.MatchString(d.Msg) {
			w.matched = true
			return true
		}
	}
	return false
}

var wantComment = regexp.MustCompile(`//\s*want\s+(.*)$`)

// parseWants reads the // want comments of a file.
func parseWants(t *testing.T, name string, src []byte) []*want {
	t.Helper()
	var ws []*want
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		m := wantComment.FindStringSubmatchIndex(l)
		if m == nil {
			continue
		}
		line := i + 1
		if strings.TrimSpace(l[:m[0]]) == "" {
			line++ // alone on its line: the next line's
		}
		rest := strings.TrimSpace(l[m[2]:m[3]])
		for rest != "" {
			col := 0
			if strings.HasPrefix(rest, "col:") {
				n := strings.IndexFunc(rest[4:], func(r rune) bool { return r < '0' || r > '9' })
				if n <= 0 {
					t.Fatalf("%s:%d: bad want: col:N needs a number", name, i+1)
				}
				col, _ = strconv.Atoi(rest[4 : 4+n])
				rest = strings.TrimSpace(rest[4+n:])
			}
			lit, err := strconv.QuotedPrefix(rest)
			if err != nil {
				t.Fatalf("%s:%d: bad want: %q is not a Go string literal", name, i+1, rest)
			}
			pattern, _ := strconv.Unquote(lit)
			re, err := regexp.Compile(pattern)
			if err != nil {
				t.Fatalf("%s:%d: bad want: %v", name, i+1, err)
			}
			ws = append(ws, &want{file: name, line: line, col: col, re: re})
			rest = strings.TrimSpace(rest[len(lit):])
		}
	}
	return ws
}

func kindName(k Kind) string {
	switch k {
	case Error:
		return "error"
	case Misplaced:
		return "misplaced"
	case Stale:
		return "stale"
	case Warning:
		return "warning"
	}
	return strconv.Itoa(int(k))
}
