// Command genmodule writes a synthetic Go module for measuring how long
// traceinject takes over a large tree: many packages, many files, and a small
// share of functions annotated with //trace:span.
//
//	go run ./internal/genmodule -dir /tmp/big -packages 500 -files 10 -funcs 10 -annotate 0.01
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("genmodule: ")
	dir := flag.String("dir", "", "directory to write the module into (must not exist)")
	packages := flag.Int("packages", 500, "number of packages")
	files := flag.Int("files", 10, "files per package")
	funcs := flag.Int("funcs", 10, "functions per file")
	annotate := flag.Float64("annotate", 0.01, "share of functions annotated with //trace:span")
	runtimeDir := flag.String("runtime", "", "directory of the traceinject module, for a replace directive")
	flag.Parse()
	if *dir == "" || *runtimeDir == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := generate(*dir, *runtimeDir, *packages, *files, *funcs, *annotate); err != nil {
		log.Fatal(err)
	}
}

func generate(dir, traceinject string, packages, files, funcs int, annotate float64) error {
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s exists", dir)
	}
	abs, err := filepath.Abs(traceinject)
	if err != nil {
		return err
	}
	// The runtime is a module of its own, inside the tool's directory.
	gomod := fmt.Sprintf("module example.com/big\n\ngo 1.24\n\nrequire (\n\tgithub.com/traceinject/traceinject v0.0.0\n\tgithub.com/traceinject/traceinject/runtime v0.0.0\n)\n\nreplace (\n\tgithub.com/traceinject/traceinject => %s\n\tgithub.com/traceinject/traceinject/runtime => %s\n)\n", abs, filepath.Join(abs, "runtime"))
	if err := write(filepath.Join(dir, "go.mod"), gomod); err != nil {
		return err
	}
	// The instrumented packages will import the runtime; importing it from the
	// start lets `go list -mod=mod` record its requirements in go.mod and go.sum,
	// as a project that runs traceinject through go run or go tool has them.
	if err := write(filepath.Join(dir, "deps.go"), "package big\n\nimport _ \"github.com/traceinject/traceinject/runtime\"\n"); err != nil {
		return err
	}
	// A fixed seed keeps the tree the same from run to run.
	rng := rand.New(rand.NewPCG(1, 2))
	annotated := 0
	for p := range packages {
		name := fmt.Sprintf("p%03d", p)
		for f := range files {
			var b strings.Builder
			fmt.Fprintf(&b, "package %s\n\nimport (\n\t\"context\"\n\t\"strconv\"\n)\n\n", name)
			fmt.Fprintf(&b, "var _ = strconv.Itoa\n\n")
			for fn := range funcs {
				if rng.Float64() < annotate {
					annotated++
					b.WriteString("//trace:span\n")
				}
				fmt.Fprintf(&b, "// F%d_%d formats n after checking ctx.\nfunc F%d_%d(ctx context.Context, n int) (string, error) {\n", f, fn, f, fn)
				b.WriteString("\tif err := ctx.Err(); err != nil {\n\t\treturn \"\", err\n\t}\n")
				b.WriteString("\treturn strconv.Itoa(n * 2), nil\n}\n\n")
			}
			if err := write(filepath.Join(dir, name, fmt.Sprintf("f%02d.go", f)), b.String()); err != nil {
				return err
			}
		}
	}
	log.Printf("wrote %d packages, %d files, %d functions (%d annotated) to %s",
		packages, packages*files, packages*files*funcs, annotated, dir)
	return nil
}

func write(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}
