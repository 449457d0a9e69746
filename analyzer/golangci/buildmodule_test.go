package golangci

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildModuleTidy does what golangci-lint custom does with a plugin
// given by path: a module that imports the plugin, with a replace directive
// for this module only, and go mod tidy, which loads the tests of every
// package the plugin depends on. The runtime modules are required here at
// versions only this module's replace directives resolve, so if such a test
// imported a runtime package, tidy would go to the network for it and fail
// (as golangci-lint custom did). GOVCS makes that a failure here too.
func TestBuildModuleTidy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod tidy")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// This module's own requirements, as golangci-lint custom would have
	// them.
	download := exec.Command("go", "mod", "download")
	download.Dir = root
	if out, err := download.CombinedOutput(); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	dir := t.TempDir()
	gomod := "module example.com/gcl\n\ngo 1.22\n\nrequire github.com/traceinject/traceinject v0.0.0\n\nreplace github.com/traceinject/traceinject => " + root + "\n"
	main := "package main\n\nimport _ \"github.com/traceinject/traceinject/analyzer/golangci\"\n\nfunc main() {}\n"
	for name, src := range map[string]string{"go.mod": gomod, "main.go": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dir
	// The runtime modules may not be looked up anywhere (GOVCS refuses the
	// direct fetch GOPRIVATE asks for), everything else comes from the
	// module proxy as in golangci-lint custom: tidy also fetches the modules
	// that the tests of dependencies such as dst and x/tools import.
	tidy.Env = append(os.Environ(), "GOPRIVATE=github.com/traceinject/traceinject/runtime", "GOVCS=github.com/traceinject:off",
		"GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	out, err := tidy.CombinedOutput()
	if err != nil {
		t.Fatalf("go mod tidy in a module that imports the plugin: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "traceinject/runtime") {
		t.Errorf("go mod tidy looked for a runtime module:\n%s", out)
	}
}
