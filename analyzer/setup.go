package analyzer

import (
	"bufio"
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/traceinject/traceinject/templates/inject"
)

// The module setup a fix needs. A fix that instruments a package's first
// annotated function imports the runtime (and, for a Gin function,
// runtime/tracegin), which the user's go.mod may not require yet. A
// suggested fix edits Go source only: go.mod and go.sum are the go
// command's, and go.sum needs checksums that only a download gives. So the
// fix stays as the command would write it (go vet -fix applies it, and the
// build then names the go get to run), and the diagnostic says beforehand
// what is missing and which command adds it, as traceinject does when it
// refuses to write.

// setupNote returns, for the runtime packages that newSrc imports and the
// package does not import yet, what the main module lacks to build them and
// the command that adds it, to be appended to a diagnostic; "" when nothing
// is missing or the module cannot be read.
func setupNote(imported map[string]bool, dir string, newSrc []byte) string {
	f, err := parser.ParseFile(token.NewFileSet(), "", newSrc, parser.ImportsOnly)
	if err != nil {
		return ""
	}
	var paths []string
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err == nil && (p == inject.RuntimePath || strings.HasPrefix(p, inject.RuntimePath+"/")) && !imported[p] && !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return ""
	}
	gomod := findGoMod(dir)
	if gomod == "" {
		return ""
	}
	src, err := os.ReadFile(gomod)
	if err != nil {
		return ""
	}
	mf, err := modfile.Parse(gomod, src, nil) // ParseLax would drop replace directives
	if err != nil {
		return ""
	}
	sums := goSumLines(filepath.Join(filepath.Dir(gomod), "go.sum"))
	var unrequired, unsummed []string
	for _, p := range paths {
		mod := runtimeModule(p)
		version := ""
		for _, r := range mf.Require {
			if r.Mod.Path == mod {
				version = r.Mod.Version
			}
		}
		switch {
		case version == "":
			unrequired = append(unrequired, p)
		case !replacedByDir(mf, mod, version) && !sums[mod+" "+version]:
			unsummed = append(unsummed, p)
		}
	}
	if len(unrequired) == 0 && len(unsummed) == 0 {
		return ""
	}
	var why []string
	if len(unrequired) > 0 {
		why = append(why, "go.mod does not require "+strings.Join(unrequired, ", "))
	}
	if len(unsummed) > 0 {
		why = append(why, "go.sum has no checksum for "+strings.Join(unsummed, ", "))
	}
	args := slices.Concat(unrequired, unsummed)
	slices.Sort(args)
	if v := toolVersion(mf); v != "" {
		for i := range args {
			args[i] += "@" + v
		}
	}
	return "; the fix imports " + strings.Join(paths, ", ") + ", which this module cannot build yet (" + strings.Join(why, "; ") + "): run go get " + strings.Join(args, " ")
}

// runtimeModule is the module that provides the runtime package p: the
// runtime's Gin, gRPC and OpenTelemetry parts are modules of their own.
func runtimeModule(p string) string {
	for _, sub := range []string{"tracegin", "tracegrpc", "traceotel"} {
		if q := inject.RuntimePath + "/" + sub; p == q || strings.HasPrefix(p, q+"/") {
			return q
		}
	}
	return inject.RuntimePath
}

// toolVersion is the version of the traceinject module that go.mod
// requires (go get -tool), whose runtime modules are released with it.
func toolVersion(mf *modfile.File) string {
	for _, r := range mf.Require {
		if r.Mod.Path == "github.com/traceinject/traceinject" {
			return r.Mod.Version
		}
	}
	return ""
}

// replacedByDir reports whether go.mod replaces mod@version by a directory,
// which needs no checksum.
func replacedByDir(mf *modfile.File, mod, version string) bool {
	for _, r := range mf.Replace {
		if r.Old.Path == mod && (r.Old.Version == "" || r.Old.Version == version) {
			return r.New.Version == ""
		}
	}
	return false
}

// goSumLines returns the "module version" pairs go.sum has a checksum of
// the module's content for (not only its go.mod).
func goSumLines(path string) map[string]bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	m := map[string]bool{}
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		if f := strings.Fields(s.Text()); len(f) == 3 && !strings.HasSuffix(f[1], "/go.mod") {
			m[f[0]+" "+f[1]] = true
		}
	}
	return m
}

// findGoMod returns the go.mod of the module dir is in, "" for none.
func findGoMod(dir string) string {
	for {
		p := filepath.Join(dir, "go.mod")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
