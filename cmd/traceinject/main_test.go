package main

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/traceinject/traceinject/analyzer"
	"github.com/traceinject/traceinject/internal/usermodule"
)

// TestMain makes this test binary double as the traceinject command inside
// scripts, so the command is built once, with the tests.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"traceinject": main,
		// cmd/traceinject-vet's main: go vet runs it as -vettool=$VETTOOL.
		"traceinject-vet": func() { unitchecker.Main(analyzer.Analyzer) },
	})
}

// -update rewrites, in the scripts' archives, the files that their cmp
// commands compare with what the script produced (testscript's
// UpdateScripts), as the rewriter's -update rewrites its golden cases.
var updateScripts = flag.Bool("update", false, "rewrite the files that cmp compares in testdata/script and testdata/adopt")

func TestScripts(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := usermodule.GoMod(root)
	if err != nil {
		t.Fatal(err)
	}
	// The scripts run with GOPROXY=off on a module that requires what this
	// one requires: make sure the module cache holds all of it (go.mod files
	// included, which loading the runtime's packages reads), also on a fresh
	// machine where no other test has fetched them yet.
	download := exec.Command("go", "mod", "download")
	download.Dir = root
	if out, err := download.CombinedOutput(); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	goenv := map[string]string{}
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		goenv[k] = strings.Split(strings.TrimSpace(string(out)), "\n")[i]
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       *updateScripts,
		Setup: func(env *testscript.Env) error {
			for k, v := range goenv {
				env.Setenv(k, v)
			}
			env.Setenv("GOFLAGS", "-mod=mod")
			env.Setenv("GOPROXY", "off")
			env.Setenv("GOTOOLCHAIN", "local")
			if vet, err := exec.LookPath("traceinject-vet"); err == nil {
				env.Setenv("VETTOOL", vet)
			}
			if _, err := os.Stat(filepath.Join(env.WorkDir, "go.mod")); err == nil {
				return nil
			}
			if err := os.WriteFile(filepath.Join(env.WorkDir, "go.mod"), gomod, 0o644); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(env.WorkDir, "go.sum"), gosum, 0o644)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode":  cmdExitCode,
			"snapshot":  cmdSnapshot,
			"unchanged": cmdUnchanged,
			"filemode":  cmdFileMode,
		},
	})
}

// exitcode N command [args...] runs command and expects exit status N.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// filemode FILE MODE checks a file's permission bits (octal).
func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode FILE MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	if err != nil {
		ts.Fatalf("filemode: %v", err)
	}
	fi, err := os.Stat(ts.MkAbs(args[0]))
	if err != nil {
		ts.Fatalf("filemode: %v", err)
	}
	if got := fi.Mode().Perm(); uint64(got) != want {
		ts.Fatalf("%s has mode %o, want %o", args[0], got, want)
	}
}

// snapshot records the hash of every file in the work directory;
// unchanged checks that none was changed, added or removed since.
func cmdSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	ts.Setenv("SNAPSHOT", treeHash(ts, ts.MkAbs(".")))
}

func cmdUnchanged(ts *testscript.TestScript, neg bool, args []string) {
	if got := treeHash(ts, ts.MkAbs(".")); got != ts.Getenv("SNAPSHOT") {
		ts.Fatalf("files changed since snapshot")
	}
}

func treeHash(ts *testscript.TestScript, dir string) string {
	var lines []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(path)
			lines = append(lines, fmt.Sprintf("%s -> %s", path, target))
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		lines = append(lines, fmt.Sprintf("%s %x %v", path, sha256.Sum256(b), info.Mode()))
		return nil
	})
	if err != nil {
		ts.Fatalf("%v", err)
	}
	sort.Strings(lines)
	return fmt.Sprintf("%x", sha256.Sum256([]byte(strings.Join(lines, "\n"))))
}
