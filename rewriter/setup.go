package rewriter

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
	"golang.org/x/tools/go/packages"

	"github.com/traceinject/traceinject/templates/inject"
)

// toolModule is the module of the traceinject command. The runtime modules
// are released with it, at the same versions.
const toolModule = "github.com/traceinject/traceinject"

// The module setup a rewrite needs: the injected code imports the runtime
// (and, for Gin handlers, runtime/tracegin), so the user's module must
// require those modules and have their go.sum lines before the rewritten
// packages can build. traceinject does not edit go.mod itself (no Go source
// tool does: gofmt, goimports, stringer and protoc-gen-go leave requirements to
// the go command). When the setup is missing it stops before writing, under
// -d and -l too, with one line that names the command to run.

// setupDiagnostics reports, as errors, the runtime packages that the changed
// files import and that the main module cannot build yet. It runs one go list
// over those packages.
func setupDiagnostics(cfg config, res *runResult, listed []*packages.Package) []Diagnostic {
	var paths []string
	for _, c := range res.Changes {
		f, err := parser.ParseFile(token.NewFileSet(), c.Path, c.New, parser.ImportsOnly)
		if err != nil {
			continue // verification reports it
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err == nil && (p == inject.RuntimePath || strings.HasPrefix(p, inject.RuntimePath+"/")) && !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
		}
	}
	if len(paths) == 0 {
		return nil
	}
	slices.Sort(paths)
	// With their dependencies: the runtime's own requirements
	// (opentracing-go, gin, ...) need go.mod and go.sum lines too.
	lc := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedModule | packages.NeedImports | packages.NeedDeps, Dir: cfg.Dir, Env: cfg.Env}
	pkgs, err := packages.Load(lc, paths...)
	var reason string
	if err != nil {
		reason = err.Error()
	} else {
		packages.Visit(pkgs, nil, func(p *packages.Package) {
			for _, e := range p.Errors {
				if reason == "" {
					reason = e.Msg
				}
			}
			if reason == "" && len(p.GoFiles) == 0 && len(p.CompiledGoFiles) == 0 {
				reason = "no Go files in " + p.PkgPath
			}
		})
	}
	if reason == "" {
		return nil
	}
	if missing := unrequired(listed, paths); len(missing) > 0 {
		reason = "go.mod does not require " + strings.Join(missing, ", ")
	}
	// Whatever go list says (no requirement, a missing go.sum line, go.mod
	// updates needed because the runtime is in the module graph through
	// the tool's own requirements but not listed), go get is the fix: the
	// code does not import the runtime yet, so go mod tidy would not add it.
	version := runtimeVersion(listed)
	args := make([]string, len(paths))
	for i, p := range paths {
		args[i] = p
		if version != "" {
			args[i] += "@" + version
		}
	}
	mod := "this module"
	if m := mainModule(listed); m != nil {
		mod = "module " + m.Path
	}
	return []Diagnostic{{Kind: Error, Msg: fmt.Sprintf(
		"traceinject: nothing written: the injected code imports %s, which %s cannot build yet (%s); run: go get %s",
		strings.Join(paths, ", "), mod, firstLine(reason), strings.Join(args, " "))}}
}

// runtimeVersion is the version to ask go get for: the version of
// traceinject that the module requires (go get -tool), else the command's
// own version, else none (go get then takes the latest).
func runtimeVersion(listed []*packages.Package) string {
	if m := mainModule(listed); m != nil && m.GoMod != "" {
		if b, err := os.ReadFile(m.GoMod); err == nil {
			if f, err := modfile.ParseLax(m.GoMod, b, nil); err == nil {
				for _, r := range f.Require {
					if r.Mod.Path == toolModule {
						return r.Mod.Version
					}
				}
			}
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == toolModule && semver.IsValid(bi.Main.Version) {
		return bi.Main.Version
	}
	return ""
}

// unrequired returns the runtime modules that provide paths and that the
// main module's go.mod does not list.
func unrequired(listed []*packages.Package, paths []string) []string {
	m := mainModule(listed)
	if m == nil || m.GoMod == "" {
		return nil
	}
	b, err := os.ReadFile(m.GoMod)
	if err != nil {
		return nil
	}
	f, err := modfile.ParseLax(m.GoMod, b, nil)
	if err != nil {
		return nil
	}
	var missing []string
	for _, p := range paths {
		mod := inject.RuntimePath
		for _, sub := range []string{"tracegin", "tracegrpc", "traceotel"} {
			if q := inject.RuntimePath + "/" + sub; p == q || strings.HasPrefix(p, q+"/") {
				mod = q
			}
		}
		if !slices.ContainsFunc(f.Require, func(r *modfile.Require) bool { return r.Mod.Path == mod }) && !slices.Contains(missing, mod) {
			missing = append(missing, mod)
		}
	}
	return missing
}

func mainModule(listed []*packages.Package) *packages.Module {
	for _, p := range listed {
		if p.Module != nil && p.Module.Main {
			return p.Module
		}
	}
	return nil
}

// oneLine turns the go command's advice ("...; to add it:\n\tgo get X") into
// a single line that ends with the command: "...; run: go get X". fallback is
// the command when the message names none.
func oneLine(msg, fallback string) string {
	first := firstLine(msg)
	cmd := fallback
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "go get ") || strings.HasPrefix(l, "go mod ") {
			cmd = l
			break
		}
	}
	if cmd == "" {
		return first
	}
	return first + "; run: " + cmd
}

// firstLine is msg's first line without the go command's prefixes and
// without the "; to add it:" that introduces its advice.
func firstLine(msg string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	for _, p := range []string{"err: exit status 1: stderr: ", "go: "} {
		line = strings.TrimPrefix(line, p)
	}
	for _, s := range []string{"; to add it:", "; to add:", "; to update it:", ":"} {
		if strings.HasSuffix(line, s) {
			line = strings.TrimSuffix(line, s)
			break
		}
	}
	return strings.TrimSpace(line)
}

// goError is the one-line form of an error from the go command that go
// list reported while loading (a go.mod that needs updates, a missing
// go.sum line): what is wrong, and the command the go command advises.
func goError(err error) string {
	msg := err.Error()
	if !strings.Contains(msg, "\n") {
		return msg
	}
	return oneLine(msg, "")
}
