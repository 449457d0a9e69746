package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/traceinject/traceinject/internal/testexec"
)

// The integration tests drive the real protoc and buf with the plugins
// built as binaries, and compare what they write with the golden files
// under testdata/proto (which TestGolden in internal/gentrace keeps in step
// with in-process generation, and TestGoldenBuild compiles).

const moduleRoot = "../.."

var protoDir = filepath.Join(moduleRoot, "testdata", "proto")

const keywordsM = "Mkeywords/keywords.proto=github.com/traceinject/traceinject/testdata/proto/keywords;keywords"

// plugins are built once per test run, into binDir.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "protoc-gen-go-trace")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildPlugins(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(binDir, "protoc-gen-go-trace")); err == nil {
		return
	}
	cmd := testexec.Command(t, "go", "build", "-o", binDir+string(filepath.Separator),
		"./cmd/protoc-gen-go-trace", "google.golang.org/protobuf/cmd/protoc-gen-go", "google.golang.org/grpc/cmd/protoc-gen-go-grpc")
	cmd.Dir = moduleRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building plugins: %v\n%s", err, out)
	}
}

func TestVersion(t *testing.T) {
	buildPlugins(t)
	out, err := testexec.Command(t, filepath.Join(binDir, "protoc-gen-go-trace"), "--version").Output()
	if err != nil || !regexp.MustCompile(`^protoc-gen-go-trace v\d+\.\d+\.\d+\n$`).Match(out) {
		t.Errorf("--version: %q, %v", out, err)
	}
}

// versionLine matches the header lines that name tool versions, which differ
// between protoc, buf and the pinned golden files.
var versionLine = regexp.MustCompile(`(?m)^//( -|\t)? *protoc(-gen-go(-grpc|-trace)?)? +(v\S+|\(unknown\))\n`)

// compareWithGolden checks every generated file under out against its
// golden file (version lines aside) and returns how many it compared.
func compareWithGolden(t *testing.T, out string, want []string) {
	t.Helper()
	for _, name := range want {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Errorf("not written: %v", err)
			continue
		}
		golden, err := os.ReadFile(filepath.Join(protoDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if g, w := versionLine.ReplaceAll(got, nil), versionLine.ReplaceAll(golden, nil); !bytes.Equal(g, w) {
			t.Errorf("%s differs from testdata/proto/%s:\n%s", name, name, got)
		}
	}
	// Files without services get no _trace.pb.go; nothing else is written.
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, "_trace.pb.go") {
			rel, _ := filepath.Rel(out, path)
			found := false
			for _, name := range want {
				found = found || filepath.ToSlash(rel) == name
			}
			if !found {
				t.Errorf("unexpected %s", rel)
			}
		}
		return nil
	})
}

func TestProtoc(t *testing.T) {
	protoc, err := exec.LookPath("protoc")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("protoc is not installed; .ci/run installs Debian's protobuf-compiler")
		}
		t.Skip("protoc is not installed (apt-get install protobuf-compiler); under CI=true this fails")
	}
	buildPlugins(t)
	t.Parallel()
	out := t.TempDir()
	// Debian's protoc 3.21 predates editions: proto2 and proto3 inputs only.
	args := []string{"-I", protoDir}
	for _, p := range []string{"go", "go-grpc", "go-trace"} {
		args = append(args,
			"--plugin=protoc-gen-"+p+"="+filepath.Join(binDir, "protoc-gen-"+p),
			"--"+p+"_out="+out,
			"--"+p+"_opt=paths=source_relative,"+keywordsM)
	}
	args = append(args, "echo/echo.proto", "legacy/legacy.proto", "keywords/keywords.proto", "nothing/nothing.proto")
	cmd := testexec.Command(t, protoc, args...)
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, o)
	}
	compareWithGolden(t, out, []string{
		"echo/echo_trace.pb.go", "echo/echo_grpc.pb.go",
		"legacy/legacy_trace.pb.go", "legacy/legacy_grpc.pb.go",
		"keywords/keywords_trace.pb.go", "keywords/keywords_grpc.pb.go",
	})
}

// TestBufGenerate runs `buf generate` with local plugins over every input,
// edition 2023 included. buf is not a dependency of this module (building it
// from source takes ~10 minutes on a fresh 2-core machine), so the test runs
// when buf is on PATH and is skipped otherwise; `make check` and `make e2e`
// build buf from the examples module and set TRACEINJECT_BUF=require, which
// turns a missing buf into a failure.
func TestBufGenerate(t *testing.T) {
	buf, err := exec.LookPath("buf")
	if err != nil {
		if os.Getenv("TRACEINJECT_BUF") == "require" {
			t.Fatalf("TRACEINJECT_BUF=require but buf is not on PATH: %v", err)
		}
		t.Skip("buf is not on PATH (make check and make e2e build it); protoc and protocompile cover the plugin meanwhile")
	}
	buildPlugins(t)
	t.Parallel()
	work := t.TempDir()
	in := filepath.Join(work, "proto")
	for _, f := range []string{"echo/echo.proto", "legacy/legacy.proto", "routeguide/route_guide.proto", "keywords/keywords.proto", "nothing/nothing.proto"} {
		src, err := os.ReadFile(filepath.Join(protoDir, f))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(in, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(in, "buf.yaml"), []byte("version: v2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var gen strings.Builder
	gen.WriteString("version: v2\nplugins:\n")
	for _, p := range []string{"go", "go-grpc", "go-trace"} {
		gen.WriteString("  - local: " + filepath.Join(binDir, "protoc-gen-"+p) + "\n    out: gen\n    opt:\n      - paths=source_relative\n      - " + keywordsM + "\n")
	}
	template := filepath.Join(work, "buf.gen.yaml")
	if err := os.WriteFile(template, []byte(gen.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := testexec.Command(t, buf, "generate", in, "--template", template, "--output", work)
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(), "BUF_CACHE_DIR="+filepath.Join(work, "cache"))
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("buf generate: %v\n%s", err, o)
	}
	compareWithGolden(t, filepath.Join(work, "gen"), []string{
		"echo/echo_trace.pb.go", "echo/echo_grpc.pb.go",
		"legacy/legacy_trace.pb.go", "legacy/legacy_grpc.pb.go",
		"routeguide/route_guide_trace.pb.go", "routeguide/route_guide_grpc.pb.go",
		"keywords/keywords_trace.pb.go", "keywords/keywords_grpc.pb.go",
	})
}
