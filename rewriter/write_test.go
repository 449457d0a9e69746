package rewriter

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// faultFS fails the n-th operation of kind op ("" = any kind), counting
// from 1, and ends the process at the crashAt-th operation of any kind.
type faultFS struct {
	osFS
	op      string
	n       int
	crashAt int
	count   int // of kind op
	all     int
	hook    func(op, name string) // runs before each operation
}

var errInjected = errors.New("injected fault")

func (f *faultFS) step(op, name string) error {
	if f.hook != nil {
		f.hook(op, name)
	}
	if f.all++; f.all == f.crashAt {
		os.Exit(3)
	}
	if f.op != "" && f.op != op {
		return nil
	}
	if f.count++; f.count == f.n {
		return errInjected
	}
	return nil
}

func (f *faultFS) CreateFile(name string, data []byte, perm fs.FileMode) error {
	if err := f.step("create", name); err != nil {
		return err
	}
	return f.osFS.CreateFile(name, data, perm)
}

func (f *faultFS) Link(oldname, newname string) error {
	if err := f.step("link", newname); err != nil {
		return err
	}
	return f.osFS.Link(oldname, newname)
}

func (f *faultFS) Rename(oldname, newname string) error {
	if err := f.step("rename", newname); err != nil {
		return err
	}
	return f.osFS.Rename(oldname, newname)
}

func (f *faultFS) Remove(name string) error {
	if err := f.step("remove", name); err != nil {
		return err
	}
	return f.osFS.Remove(name)
}

// writeFixture is a module root with files whose changes a test writes.
type writeFixture struct {
	root    string
	changes []FileChange
}

func newWriteFixture(t *testing.T, n int) *writeFixture {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fx := &writeFixture{root: root}
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("p%d", i%2))
		os.MkdirAll(dir, 0o755)
		path := filepath.Join(dir, fmt.Sprintf("f%d.go", i))
		old := fmt.Appendf(nil, "package p%d\n\n// old %d\n", i%2, i)
		if err := os.WriteFile(path, old, 0o640); err != nil {
			t.Fatal(err)
		}
		fx.changes = append(fx.changes, FileChange{Path: path, Old: old, New: fmt.Appendf(nil, "package p%d\n\n// new %d\n", i%2, i)})
	}
	return fx
}

func (fx *writeFixture) writer(fs fsys) *writer {
	return &writer{fs: fs, journalDir: fx.root, roots: []string{fx.root}}
}

// state returns "old", "new" or what else each file holds, and fails on
// any file the writer left behind.
func (fx *writeFixture) state(t *testing.T) []string {
	t.Helper()
	var got []string
	for _, c := range fx.changes {
		b, err := os.ReadFile(c.Path)
		switch {
		case err != nil:
			got = append(got, err.Error())
		case string(b) == string(c.Old):
			got = append(got, "old")
		case string(b) == string(c.New):
			got = append(got, "new")
		default:
			got = append(got, strconv.Quote(string(b)))
		}
	}
	fx.noLeftovers(t)
	return got
}

func (fx *writeFixture) noLeftovers(t *testing.T) {
	t.Helper()
	filepath.WalkDir(fx.root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (isTempName(d.Name()) || strings.HasPrefix(d.Name(), journalName)) {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
}

func all(s string, n int) string { return strings.TrimSpace(strings.Repeat(s+" ", n)) }

func TestWriteFailureLeavesEveryFileOld(t *testing.T) {
	for _, op := range []string{"create", "link", "rename"} {
		for n := 1; n <= 3; n++ {
			t.Run(fmt.Sprintf("%s%d", op, n), func(t *testing.T) {
				fx := newWriteFixture(t, 3)
				err := fx.writer(&faultFS{op: op, n: n}).write(fx.changes)
				if !errors.Is(err, errInjected) && (err == nil || !strings.Contains(err.Error(), errInjected.Error())) {
					t.Fatalf("write: %v, want the injected fault", err)
				}
				var we *writeError
				if !errors.As(err, &we) || len(we.Files) != 1 || we.Files[0].Path != fx.changes[n-1].Path {
					t.Errorf("error %q does not name %s", err, fx.changes[n-1].Path)
				}
				if got := strings.Join(fx.state(t), " "); got != all("old", 3) {
					t.Errorf("files: %s, want all old", got)
				}
			})
		}
	}
}

func TestWriteKeepsModeAndWritesThroughLinks(t *testing.T) {
	fx := newWriteFixture(t, 2)
	// p0/f0.go becomes a link to a file elsewhere in the module.
	real := filepath.Join(fx.root, "shared", "f0.go")
	os.MkdirAll(filepath.Dir(real), 0o755)
	if err := os.Rename(fx.changes[0].Path, real); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../shared/f0.go", fx.changes[0].Path); err != nil {
		t.Fatal(err)
	}
	os.Chmod(fx.changes[1].Path, 0o600)
	if err := fx.writer(osFS{}).write(fx.changes); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fx.state(t), " "); got != "new new" {
		t.Errorf("files: %s", got)
	}
	if fi, err := os.Lstat(fx.changes[0].Path); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the symbolic link was replaced: %v %v", fi.Mode(), err)
	}
	for path, want := range map[string]fs.FileMode{real: 0o640, fx.changes[1].Path: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", path, fi.Mode().Perm(), want, err)
		}
	}
}

func TestWriteRefusals(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, fx *writeFixture)
		want  string
	}{
		{"read-only", func(t *testing.T, fx *writeFixture) { os.Chmod(fx.changes[1].Path, 0o444) }, "permission denied"},
		{"edited", func(t *testing.T, fx *writeFixture) {
			os.WriteFile(fx.changes[1].Path, []byte("package p1\n\n// edited\n"), 0o640)
		}, "changed while traceinject was running"},
		{"outside", func(t *testing.T, fx *writeFixture) {
			outside := filepath.Join(t.TempDir(), "f1.go")
			os.Rename(fx.changes[1].Path, outside)
			os.Symlink(outside, fx.changes[1].Path)
		}, "outside the main module"},
		{"outside-dir", func(t *testing.T, fx *writeFixture) {
			outside := t.TempDir()
			dir := filepath.Dir(fx.changes[1].Path)
			os.Rename(dir, filepath.Join(outside, "p1"))
			os.Symlink(filepath.Join(outside, "p1"), dir)
		}, "outside the main module"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newWriteFixture(t, 2)
			tc.setup(t, fx)
			before := snapshotFiles(t, fx.root)
			err := fx.writer(osFS{}).write(fx.changes)
			var we *writeError
			if !errors.As(err, &we) || len(we.Files) != 1 || we.Files[0].Path != fx.changes[1].Path || !strings.Contains(we.Files[0].Msg, tc.want) {
				t.Fatalf("write: %v, want %q for %s", err, tc.want, fx.changes[1].Path)
			}
			if after := snapshotFiles(t, fx.root); after != before {
				t.Errorf("files changed:\n%s\nwant\n%s", after, before)
			}
		})
	}
}

// An edit between the checks and the renames undoes the renames done.
func TestWriteEditDuringWrite(t *testing.T) {
	fx := newWriteFixture(t, 3)
	renames := 0
	ffs := &faultFS{hook: func(op, name string) {
		if op == "rename" {
			if renames++; renames == 2 {
				os.WriteFile(fx.changes[2].Path, []byte("package p0\n\n// edited meanwhile\n"), 0o640)
			}
		}
	}}
	err := fx.writer(ffs).write(fx.changes)
	if err == nil || !strings.Contains(err.Error(), "changed while traceinject was running") {
		t.Fatalf("write: %v", err)
	}
	if got := strings.Join(fx.state(t), " "); got != `old old "package p0\n\n// edited meanwhile\n"` {
		t.Errorf("files: %s", got)
	}
}

func snapshotFiles(t *testing.T, root string) string {
	var lines []string
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, _ := os.Lstat(path)
		b, _ := os.ReadFile(path)
		lines = append(lines, fmt.Sprintf("%s %v %q", path, fi.Mode(), b))
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestWriteCrashHelper is the process TestWriteCrashRecovery kills: it
// writes the fixture in WRITE_CRASH_ROOT and exits at the n-th file system
// operation.
func TestWriteCrashHelper(t *testing.T) {
	root := os.Getenv("WRITE_CRASH_ROOT")
	if root == "" {
		t.Skip("run by TestWriteCrashRecovery")
	}
	n, _ := strconv.Atoi(os.Getenv("WRITE_CRASH_AT"))
	failRename, _ := strconv.Atoi(os.Getenv("WRITE_FAIL_RENAME"))
	fx := &writeFixture{root: root}
	for i := range 3 {
		path := filepath.Join(root, fmt.Sprintf("p%d", i%2), fmt.Sprintf("f%d.go", i))
		fx.changes = append(fx.changes, FileChange{Path: path, Old: fmt.Appendf(nil, "package p%d\n\n// old %d\n", i%2, i), New: fmt.Appendf(nil, "package p%d\n\n// new %d\n", i%2, i)})
	}
	err := fx.writer(&faultFS{op: "rename", n: failRename, crashAt: n}).write(fx.changes)
	fmt.Printf("finished: %v\n", err != nil)
}

// TestWriteCrashRecovery ends a write at every file system operation in
// turn, also while a failed rename is being undone, and checks that
// recovery leaves every file entirely old or entirely new, all of them the
// same, and nothing behind.
func TestWriteCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process per crash point")
	}
	seen := map[string]int{}
	for _, failRename := range []int{0, 3} {
		for n := 1; ; n++ {
			fx := newWriteFixture(t, 3)
			cmd := exec.Command(os.Args[0], "-test.run=^TestWriteCrashHelper$")
			cmd.Env = append(os.Environ(), "WRITE_CRASH_ROOT="+fx.root, "WRITE_CRASH_AT="+strconv.Itoa(n), "WRITE_FAIL_RENAME="+strconv.Itoa(failRename))
			out, err := cmd.CombinedOutput()
			finished := strings.Contains(string(out), "finished: ")
			if !finished {
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 3 {
					t.Fatalf("crash at %d: %v\n%s", n, err, out)
				}
			}
			rec, err := recoverWrites(fx.root)
			if err != nil {
				t.Fatalf("crash at %d: recover: %v", n, err)
			}
			got := strings.Join(fx.state(t), " ")
			if got != all("old", 3) && got != all("new", 3) {
				t.Errorf("crash at %d: files %s", n, got)
			}
			action := "none"
			if rec != nil {
				action = rec.action
			}
			seen[action+" -> "+got]++
			if finished {
				break
			}
		}
	}
	t.Logf("outcomes over every crash point: %v", seen)
	for _, want := range []string{"none -> " + all("old", 3), "none -> " + all("new", 3), "completed -> " + all("new", 3), "rolled back -> " + all("old", 3), "discarded -> " + all("old", 3)} {
		if seen[want] == 0 {
			t.Errorf("no crash point ended as %q", want)
		}
	}
}

// TestExecuteRecoversFirst: a run in any mode, here -l, first completes a
// write that a crash interrupted half-way through its renames.
func TestExecuteRecoversFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	fx := newWriteFixture(t, 3)
	// Three temporary files and three links, then the second rename.
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteCrashHelper$")
	cmd.Env = append(os.Environ(), "WRITE_CRASH_ROOT="+fx.root, "WRITE_CRASH_AT=8", "WRITE_FAIL_RENAME=0")
	if out, err := cmd.CombinedOutput(); exitCodeOf(err) != 3 {
		t.Fatalf("crash helper: %v\n%s", err, out)
	}
	if got := []string{stateOf(fx.changes[0]), stateOf(fx.changes[1])}; got[0] != "new" || got[1] != "old" {
		t.Fatalf("after the crash: %v, want the first file new and the second old", got)
	}
	t.Chdir(fx.root)
	var stdout, stderr strings.Builder
	if code := execute(actionList, false, []string{"./..."}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if want := "traceinject: completed a write that was interrupted (3 files)\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	if got := strings.Join(fx.state(t), " "); got != all("new", 3) {
		t.Errorf("files: %s", got)
	}
}

func stateOf(c FileChange) string {
	b, _ := os.ReadFile(c.Path)
	switch string(b) {
	case string(c.Old):
		return "old"
	case string(c.New):
		return "new"
	}
	return "other"
}

func exitCodeOf(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
