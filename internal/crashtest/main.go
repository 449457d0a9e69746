// Command crashtest kills traceinject with SIGKILL at random points of its
// write phase and checks what the next run makes of the tree: every file
// entirely old or entirely new (all of them the same), no temporary file or
// journal left, the tree builds, and after a rewrite -check passes.
//
// It generates a module of -packages packages of -files files each, in
// which every file has an annotated function without a context (which
// gets a context parameter) called from the next package, so that every
// file changes. The write phase is widened with traceinject's test hook
// TRACEINJECT_TEST_WRITE_DELAY (a sleep before each rename; writing and
// syncing the temporary files takes its own time). `make check` runs it.
//
//	go run ./internal/crashtest -kills 50
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("crashtest: ")
	kills := flag.Int("kills", 50, "number of runs to kill in the write phase")
	packages := flag.Int("packages", 30, "packages in the generated module")
	files := flag.Int("files", 10, "files per package")
	delay := flag.Duration("delay", 4*time.Millisecond, "TRACEINJECT_TEST_WRITE_DELAY for the killed runs")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "random seed for the kill points")
	keep := flag.Bool("keep", false, "keep the work directory")
	flag.Parse()
	if err := run(*kills, *packages, *files, *delay, *seed, *keep); err != nil {
		log.Fatal(err)
	}
}

type tree map[string][]byte // relative path -> content of the .go files

func run(kills, packages, files int, delay time.Duration, seed uint64, keep bool) error {
	start := time.Now()
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(repo, "cmd", "traceinject")); err != nil {
		return fmt.Errorf("run from the repository root: %v", err)
	}
	work, err := os.MkdirTemp("", "crashtest-")
	if err != nil {
		return err
	}
	if keep {
		log.Printf("work directory: %s", work)
	} else {
		defer os.RemoveAll(work)
	}
	bin := filepath.Join(work, "traceinject")
	if err := command(repo, nil, "go", "build", "-o", bin, "./cmd/traceinject"); err != nil {
		return err
	}
	template := filepath.Join(work, "template")
	if err := generate(template, repo, packages, files); err != nil {
		return err
	}
	env := []string{"GOFLAGS=-mod=mod"}
	if err := command(template, env, "go", "build", "./..."); err != nil {
		return err
	}
	old, err := readTree(template)
	if err != nil {
		return err
	}

	// The uninterrupted rewrite gives the new contents and the length of
	// the write phase.
	ref := filepath.Join(work, "ref")
	if err := copyTree(template, ref); err != nil {
		return err
	}
	phase, _, err := runWatched(bin, ref, env, delay, -1)
	if err != nil {
		return fmt.Errorf("the uninterrupted rewrite: %v", err)
	}
	newTree, err := readTree(ref)
	if err != nil {
		return err
	}
	changed := 0
	for name := range old {
		if !bytes.Equal(old[name], newTree[name]) {
			changed++
		}
	}
	if changed < len(old)*9/10 {
		return fmt.Errorf("the rewrite changed only %d of %d files", changed, len(old))
	}
	if err := command(ref, env, bin, "-check", "./..."); err != nil {
		return fmt.Errorf("-check after the uninterrupted rewrite: %v", err)
	}
	log.Printf("module: %d packages, %d files, %d changed by the rewrite; write phase %v with a %v delay per step",
		packages, len(old), changed, phase.Round(time.Millisecond), delay)

	rng := rand.New(rand.NewPCG(seed, 1))
	outcomes := map[string]int{}
	killed, finished := 0, 0
	dir := filepath.Join(work, "run")
	for attempt := 0; killed < kills; attempt++ {
		if attempt > 3*kills {
			return fmt.Errorf("only %d of %d attempts were killed in the write phase", killed, attempt)
		}
		os.RemoveAll(dir)
		if err := copyTree(template, dir); err != nil {
			return err
		}
		at := time.Duration(rng.Int64N(int64(phase)))
		_, wasKilled, err := runWatched(bin, dir, env, delay, at)
		if err != nil {
			return fmt.Errorf("attempt %d: %v", attempt, err)
		}
		if !wasKilled {
			finished++
			continue
		}
		killed++
		outcome, err := verifyAfterKill(bin, dir, env, old, newTree)
		if err != nil {
			return fmt.Errorf("kill %d (%v into the write phase): %v", killed, at.Round(time.Millisecond), err)
		}
		outcomes[outcome]++
		log.Printf("kill %d/%d, %v into the write phase: %s", killed, kills, at.Round(time.Millisecond), outcome)
	}
	var keys []string
	for k := range outcomes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Printf("crashtest: %d kills with SIGKILL in the write phase (%d more runs finished first), seed %d, %v in all\n",
		killed, finished, seed, time.Since(start).Round(time.Second))
	for _, k := range keys {
		fmt.Printf("crashtest:   %3d  %s\n", outcomes[k], k)
	}
	fmt.Println("crashtest: after every kill the next run left each file entirely old or entirely new, all alike, no temporary file, a tree that builds, and -check passing after the rewrite")
	return nil
}

// runWatched runs traceinject ./... in dir; with killAfter >= 0 it sends
// SIGKILL that long after the write phase starts (the first journal file
// appears). It returns how long the write phase lasted.
func runWatched(bin, dir string, env []string, delay, killAfter time.Duration) (time.Duration, bool, error) {
	cmd := exec.Command(bin, "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if delay > 0 {
		cmd.Env = append(cmd.Env, "TRACEINJECT_TEST_WRITE_DELAY="+delay.String())
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return 0, false, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var began time.Time
	tick := time.NewTicker(200 * time.Microsecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				return 0, false, fmt.Errorf("traceinject: %v\n%s", err, stderr.String())
			}
			if began.IsZero() {
				return 0, false, fmt.Errorf("no write phase seen (nothing changed?)\n%s", stderr.String())
			}
			return time.Since(began), false, nil
		case <-tick.C:
		}
		if began.IsZero() {
			if journalSeen(dir) {
				began = time.Now()
			}
			continue
		}
		if killAfter >= 0 && time.Since(began) >= killAfter {
			cmd.Process.Signal(syscall.SIGKILL)
			err := <-done
			var ee *exec.ExitError
			if errors.As(err, &ee) && ee.ProcessState.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
				return 0, true, nil
			}
			return 0, false, nil // it finished first
		}
	}
}

func journalSeen(dir string) bool {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".traceinject-journal") {
			return true
		}
	}
	return false
}

// verifyAfterKill runs traceinject -check (recovery happens in every
// mode first), checks the tree, and when it is old rewrites it and runs
// -check again.
func verifyAfterKill(bin, dir string, env []string, old, newTree tree) (string, error) {
	cmd := exec.Command(bin, "-check", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	checkErr := cmd.Run()
	recovery := "no journal left"
	for _, line := range strings.Split(stderr.String(), "\n") {
		switch {
		case strings.Contains(line, "removed the temporary files"):
			recovery = "journal not committed: temporary files removed"
		case strings.Contains(line, "completed a write"):
			recovery = "journal committed: rolled forward"
		case strings.Contains(line, "rolled back"):
			recovery = "journal aborted: rolled back"
		}
	}
	cur, err := readTree(dir)
	if err != nil {
		return "", err
	}
	state := ""
	for name, b := range cur {
		if bytes.Equal(old[name], newTree[name]) {
			continue
		}
		s := "mixed"
		switch {
		case bytes.Equal(b, newTree[name]):
			s = "new"
		case bytes.Equal(b, old[name]):
			s = "old"
		}
		if s == "mixed" {
			return "", fmt.Errorf("%s is neither its old nor its new content", name)
		}
		if state != "" && s != state {
			return "", fmt.Errorf("some files are old, others new (%s is %s)", name, s)
		}
		state = s
	}
	if len(cur) != len(old) {
		return "", fmt.Errorf("%d .go files, want %d", len(cur), len(old))
	}
	if left := leftovers(dir); len(left) > 0 {
		return "", fmt.Errorf("left behind: %s", strings.Join(left, ", "))
	}
	// -check reports missing instrumentation in an old tree, nothing in
	// a new one.
	want := 0
	if state == "old" {
		want = 1
	}
	if got := exitCode(checkErr); got != want {
		return "", fmt.Errorf("traceinject -check exited %d on a tree of %s files, want %d\n%s", got, state, want, stderr.String())
	}
	if err := command(dir, env, "go", "build", "./..."); err != nil {
		return "", err
	}
	if state == "old" {
		if err := command(dir, env, bin, "./..."); err != nil {
			return "", err
		}
		if err := command(dir, env, bin, "-check", "./..."); err != nil {
			return "", fmt.Errorf("-check after the rewrite: %v", err)
		}
	}
	return fmt.Sprintf("%s; every file %s", recovery, state), nil
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func leftovers(dir string) []string {
	var left []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".traceinject-") {
			left = append(left, path)
		}
		return nil
	})
	return left
}

func readTree(dir string) (tree, error) {
	t := tree{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		t[rel] = b
		return err
	})
	return t, err
}

func copyTree(from, to string) error {
	return exec.Command("cp", "-a", from, to).Run()
}

func command(dir string, env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// generate writes the module: package pK's file fNN has an annotated
// function HNN without a context, and a function CNN with one that calls
// HNN of package pK-1 (of pK itself for K = 0).
func generate(dir, repo string, packages, files int) error {
	// The runtime is a module of its own, inside the tool's directory.
	gomod := fmt.Sprintf("module example.com/crash\n\ngo 1.24\n\nrequire (\n\tgithub.com/traceinject/traceinject v0.0.0\n\tgithub.com/traceinject/traceinject/runtime v0.0.0\n)\n\nreplace (\n\tgithub.com/traceinject/traceinject => %s\n\tgithub.com/traceinject/traceinject/runtime => %s\n)\n", repo, filepath.Join(repo, "runtime"))
	if err := write(filepath.Join(dir, "go.mod"), gomod); err != nil {
		return err
	}
	// Importing the runtime from the start records its requirements.
	if err := write(filepath.Join(dir, "deps.go"), "package crash\n\nimport _ \"github.com/traceinject/traceinject/runtime\"\n"); err != nil {
		return err
	}
	for k := range packages {
		name := fmt.Sprintf("p%03d", k)
		for f := range files {
			var b strings.Builder
			fmt.Fprintf(&b, "package %s\n\nimport (\n\t\"context\"\n", name)
			callee := fmt.Sprintf("H%02d", f)
			if k > 0 {
				prev := fmt.Sprintf("p%03d", k-1)
				fmt.Fprintf(&b, "\n\t\"example.com/crash/%s\"\n", prev)
				callee = prev + "." + callee
			}
			b.WriteString(")\n\n")
			fmt.Fprintf(&b, "// H%02d doubles n.\n//\n//trace:span\nfunc H%02d(n int) int {\n\treturn n * 2\n}\n\n", f, f)
			fmt.Fprintf(&b, "// C%02d calls H%02d of the package before.\nfunc C%02d(ctx context.Context, n int) int {\n\tif ctx.Err() != nil {\n\t\treturn 0\n\t}\n\treturn %s(n) + 1\n}\n", f, f, f, callee)
			if err := write(filepath.Join(dir, name, fmt.Sprintf("f%02d.go", f)), b.String()); err != nil {
				return err
			}
		}
	}
	return nil
}

func write(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}
