package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// TestAdoption runs the scripts of testdata/adopt: what a user's module goes
// through when it takes up traceinject (requiring the runtime, go mod tidy,
// go get -tool, the first run). Each script is a module of its own, with real
// third-party requirements (gin, grpc) resolved through the caller's GOPROXY
// and module cache, and this repository's modules through replace directives
// to the local tree ($ROOT), so nothing of traceinject needs publishing.
func TestAdoption(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the adoption scripts resolve real module graphs")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	goenv := map[string]string{}
	keys := []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GOINSECURE"}
	out, err := exec.Command("go", append([]string{"env"}, keys...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		goenv[keys[i]] = v
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/adopt",
		RequireExplicitExec: true,
		UpdateScripts:       *updateScripts,
		Setup: func(env *testscript.Env) error {
			for k, v := range goenv {
				env.Setenv(k, v)
			}
			env.Setenv("GOTOOLCHAIN", "local")
			env.Setenv("GOFLAGS", "")
			env.Setenv("ROOT", root)
			// The first proxy of GOPROXY, for scripts that chain it with
			// "|" (fall through on any error, as a 403 for a module path
			// that was never published).
			first, _, _ := strings.Cut(goenv["GOPROXY"], ",")
			first, _, _ = strings.Cut(first, "|")
			env.Setenv("PUBLICPROXY", first)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
			"kept":     cmdKept,
		},
	})
}

// kept OLD NEW checks that go.mod NEW keeps every requirement of go.mod OLD
// at the same version (direct or indirect as it was) and does not raise the
// go line, and prints the requirements NEW adds, one "path version" a line.
func cmdKept(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: kept OLD_GO_MOD NEW_GO_MOD")
	}
	parse := func(name string) *modfile.File {
		b, err := os.ReadFile(ts.MkAbs(name))
		if err != nil {
			ts.Fatalf("%v", err)
		}
		f, err := modfile.Parse(name, b, nil)
		if err != nil {
			ts.Fatalf("%v", err)
		}
		return f
	}
	old, cur := parse(args[0]), parse(args[1])
	if semver.Compare("v"+cur.Go.Version, "v"+old.Go.Version) > 0 {
		ts.Fatalf("go line raised from %s to %s", old.Go.Version, cur.Go.Version)
	}
	now := map[string]*modfile.Require{}
	for _, r := range cur.Require {
		now[r.Mod.Path] = r
	}
	for _, r := range old.Require {
		n := now[r.Mod.Path]
		switch {
		case n == nil:
			ts.Fatalf("requirement %s %s removed", r.Mod.Path, r.Mod.Version)
		case n.Mod.Version != r.Mod.Version:
			ts.Fatalf("requirement %s changed from %s to %s", r.Mod.Path, r.Mod.Version, n.Mod.Version)
		case n.Indirect != r.Indirect:
			ts.Fatalf("requirement %s changed from indirect=%v to indirect=%v", r.Mod.Path, r.Indirect, n.Indirect)
		}
		delete(now, r.Mod.Path)
	}
	var added []string
	for _, r := range cur.Require {
		if now[r.Mod.Path] != nil {
			line := r.Mod.Path + " " + r.Mod.Version
			if r.Indirect {
				line += " // indirect"
			}
			added = append(added, line+"\n")
		}
	}
	sort.Strings(added)
	for _, line := range added {
		ts.Stdout().Write([]byte(line))
	}
}
