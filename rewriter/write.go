package rewriter

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The write protocol. Every change is checked before anything is written:
// the file resolves (through symbolic links, which are kept) to a regular
// file inside a main module, it is writable, and it still holds exactly
// the content the plan was made from. Then a journal is created in the
// module root (the go.work directory in a workspace) naming every target
// with the hashes of its old and new content, its temporary file (new
// content) and its backup (a hard link to the old content); the temporary
// files are written and synced, and a commit line is appended to the
// journal and synced. Only then are the temporary files renamed over the
// targets. A rename that fails is undone by renaming the backups back. The
// backups and the journal are removed at the end.
//
// recoverWrites, run first by every traceinject command, finishes what a
// crash left: a journal without its commit line means no target was
// touched, and its temporary files are removed; a committed journal is
// rolled forward (the renames are completed, since the new contents were
// all durable and verified before the commit); a journal that records an
// abort is rolled back from the backups.

// journalName is the journal's file name in the module root.
const journalName = ".traceinject-journal"

// tempInfix marks the temporary and backup files the writer creates next
// to a target: .NAME.go.traceinject-RANDOM-new and -old.
const tempInfix = ".traceinject-"

// writeDelayEnv names a test hook: a duration slept before each rename, so
// that a crash test can kill the command in the middle of the renames.
const writeDelayEnv = "TRACEINJECT_TEST_WRITE_DELAY"

// fsys is the part of the file system the write protocol changes, so that
// tests can fail any step.
type fsys interface {
	// CreateFile creates name (it must not exist) with data and mode
	// perm, and syncs it.
	CreateFile(name string, data []byte, perm fs.FileMode) error
	Link(oldname, newname string) error
	Rename(oldname, newname string) error
	Remove(name string) error
}

type osFS struct{}

func (osFS) CreateFile(name string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm) // not subject to the umask, unlike OpenFile's mode
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}

func (osFS) Link(oldname, newname string) error   { return os.Link(oldname, newname) }
func (osFS) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }
func (osFS) Remove(name string) error             { return os.Remove(name) }

// writeError is a refusal to write, or a write that failed and was undone.
type writeError struct {
	Files []fileError // what is wrong, per file, sorted by path
}

// fileError is a problem with one file.
type fileError struct {
	Path string // absolute; as the change named it
	Msg  string
}

func (e *writeError) Error() string {
	var b strings.Builder
	for i, f := range e.Files {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s: %s", f.Path, f.Msg)
	}
	return b.String()
}

// Write replaces every changed file, all or nothing (see the write
// protocol above).
func (r *runResult) Write() error {
	w := &writer{fs: osFS{}, journalDir: r.journalDir, roots: r.roots}
	if d, err := time.ParseDuration(os.Getenv(writeDelayEnv)); err == nil {
		w.delay = d
	}
	return w.write(r.Changes)
}

type writer struct {
	fs         fsys
	journalDir string   // where the journal goes; "" = no journal
	roots      []string // directories of the main modules; nil = no check
	delay      time.Duration
}

// target is one file about to be replaced.
type writeTarget struct {
	change *FileChange
	real   string // c.Path with symbolic links resolved
	mode   fs.FileMode
	size   int64
	mtime  time.Time
	uid    int
	gid    int
	entry  journalEntry
}

type journalEntry struct {
	Target string `json:"target"`
	Tmp    string `json:"tmp"`
	Bak    string `json:"bak"`
	Old    string `json:"old"`
	New    string `json:"new"`
}

func hashOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (w *writer) write(changes []FileChange) error {
	if len(changes) == 0 {
		return nil
	}
	targets, werr := w.preflight(changes)
	if werr != nil {
		return werr
	}
	j, err := createJournal(w.journalDir, targets)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		w.discard(targets)
		j.remove()
		return err
	}
	dirs := map[string]bool{}
	for _, t := range targets {
		dirs[filepath.Dir(t.real)] = true
	}
	for dir := range dirs {
		removeStrays(dir, targets)
	}
	for _, t := range targets {
		if err := w.fs.CreateFile(t.entry.Tmp, t.change.New, t.mode); err != nil {
			return fail(&writeError{Files: []fileError{{t.change.Path, fmt.Sprintf("cannot write the new content: %v; nothing written", err)}}})
		}
		os.Lchown(t.entry.Tmp, t.uid, t.gid) // best effort, as root for another user's file
		if err := w.fs.Link(t.real, t.entry.Bak); err != nil {
			return fail(&writeError{Files: []fileError{{t.change.Path, fmt.Sprintf("cannot keep the old content: %v; nothing written", err)}}})
		}
	}
	if err := syncDirs(dirs); err != nil {
		return fail(err)
	}
	if err := j.commit(); err != nil {
		return fail(err)
	}
	for i, t := range targets {
		w.sleep()
		err := unchanged(t)
		if err == nil {
			err = w.fs.Rename(t.entry.Tmp, t.real)
		}
		if err != nil {
			msg := fmt.Sprintf("cannot replace: %v; every file is left as it was", err)
			if uerr := w.undo(j, targets[:i]); uerr != nil {
				msg = fmt.Sprintf("cannot replace: %v; undoing the files already replaced failed too (%v): the next run of traceinject restores them from %s", err, uerr, j.path)
				return &writeError{Files: []fileError{{t.change.Path, msg}}}
			}
			return fail(&writeError{Files: []fileError{{t.change.Path, msg}}})
		}
	}
	if err := syncDirs(dirs); err != nil {
		return err // the journal stays: the next run finishes
	}
	for _, t := range targets {
		if err := w.fs.Remove(t.entry.Bak); err != nil {
			return err // the journal stays: the next run removes them
		}
	}
	return j.remove()
}

func (w *writer) sleep() {
	if w.delay > 0 {
		time.Sleep(w.delay)
	}
}

// preflight checks every change before anything is written.
func (w *writer) preflight(changes []FileChange) ([]*writeTarget, error) {
	var problems []fileError
	bad := func(c *FileChange, format string, args ...any) {
		problems = append(problems, fileError{c.Path, fmt.Sprintf(format, args...)})
	}
	roots := make([]string, 0, len(w.roots))
	for _, r := range w.roots {
		if real, err := filepath.EvalSymlinks(r); err == nil {
			roots = append(roots, real)
		}
	}
	var targets []*writeTarget
	seen := map[string]string{}
	for i := range changes {
		c := &changes[i]
		real, err := filepath.EvalSymlinks(c.Path)
		if err == nil {
			real, err = filepath.Abs(real)
		}
		if err != nil {
			bad(c, "%v", err)
			continue
		}
		if len(w.roots) > 0 && !within(real, roots) {
			bad(c, "resolves to %s, outside the main module (%s): traceinject does not write outside it (is a directory a symbolic link?); nothing written", real, strings.Join(w.roots, ", "))
			continue
		}
		if prev, ok := seen[real]; ok {
			bad(c, "is the same file as %s (a symbolic link); nothing written", prev)
			continue
		}
		seen[real] = c.Path
		fi, err := os.Stat(real)
		if err != nil {
			bad(c, "%v", err)
			continue
		}
		if !fi.Mode().IsRegular() {
			bad(c, "not a regular file; nothing written")
			continue
		}
		// Like gofmt -w, a file without write permission is not
		// replaced; the mode bits are checked too, for a run as root.
		if fi.Mode().Perm()&0o222 == 0 {
			bad(c, "permission denied (the file is read-only); nothing written")
			continue
		}
		if f, err := os.OpenFile(real, os.O_WRONLY, 0); err != nil {
			if errors.Is(err, fs.ErrPermission) {
				bad(c, "permission denied; nothing written")
			} else {
				bad(c, "%v; nothing written", err)
			}
			continue
		} else {
			f.Close()
		}
		cur, err := os.ReadFile(real)
		if err != nil {
			bad(c, "%v", err)
			continue
		}
		if !bytes.Equal(cur, c.Old) {
			bad(c, "changed while traceinject was running; nothing written (run traceinject again)")
			continue
		}
		t := &writeTarget{change: c, real: real, mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky),
			size: fi.Size(), mtime: fi.ModTime(), uid: -1, gid: -1}
		t.uid, t.gid = owner(fi)
		// The file was read after its stat: a write in between shows
		// in the next stat's size or time.
		if err := unchanged(t); err != nil {
			bad(c, "changed while traceinject was running; nothing written (run traceinject again)")
			continue
		}
		suffix := randomSuffix()
		base := filepath.Join(filepath.Dir(real), "."+filepath.Base(real)+tempInfix+suffix)
		t.entry = journalEntry{Target: real, Tmp: base + "-new", Bak: base + "-old", Old: hashOf(c.Old), New: hashOf(c.New)}
		targets = append(targets, t)
	}
	if len(problems) > 0 {
		sort.Slice(problems, func(i, j int) bool { return problems[i].Path < problems[j].Path })
		return nil, &writeError{Files: problems}
	}
	return targets, nil
}

// unchanged reports an error when t's file no longer has the size and
// modification time it had when its content was checked.
func unchanged(t *writeTarget) error {
	fi, err := os.Stat(t.real)
	if err != nil {
		return err
	}
	if fi.Size() != t.size || !fi.ModTime().Equal(t.mtime) {
		return fmt.Errorf("%s changed while traceinject was running (run traceinject again)", t.change.Path)
	}
	return nil
}

func within(path string, roots []string) bool {
	for _, r := range roots {
		if rel, err := filepath.Rel(r, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// discard removes the temporary files and backups of targets (none of
// which has been renamed).
func (w *writer) discard(targets []*writeTarget) {
	for _, t := range targets {
		w.fs.Remove(t.entry.Tmp)
		w.fs.Remove(t.entry.Bak)
	}
}

// undo puts the old content of the renamed targets back.
func (w *writer) undo(j *journal, renamed []*writeTarget) error {
	if err := j.abort(); err != nil {
		return err
	}
	for i := len(renamed) - 1; i >= 0; i-- {
		t := renamed[i]
		if err := w.fs.Rename(t.entry.Bak, t.real); err != nil {
			return err
		}
	}
	return nil
}

// removeStrays removes temporary files that a crashed run of an earlier
// version, which kept no journal, left in dir.
func removeStrays(dir string, ours []*writeTarget) {
	mine := map[string]bool{}
	for _, t := range ours {
		mine[t.entry.Tmp], mine[t.entry.Bak] = true, true
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		if isTempName(name) && !mine[filepath.Join(dir, name)] {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

// isTempName reports whether name is one of the writer's temporary files.
func isTempName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempInfix) && !strings.HasPrefix(name, journalName)
}

func syncDirs(dirs map[string]bool) error {
	for dir := range dirs {
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some systems cannot sync a directory; the renames are then as
	// durable as the system makes them.
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) && !isEINVAL(err) {
		return err
	}
	return nil
}

// journal is the open, locked journal of one write.
type journal struct {
	path string
	f    *os.File // nil when there is no journal directory
	sum  []byte   // the bytes written so far, which the commit line hashes
}

type journalHeader struct {
	Version int `json:"traceinject-journal"`
	PID     int `json:"pid"`
}

type journalMark struct {
	Commit string `json:"commit,omitempty"`
	Abort  bool   `json:"abort,omitempty"`
}

// createJournal writes the journal of targets under a temporary name,
// locks and syncs it, and links it into place; it fails when another run
// holds a journal in dir.
func createJournal(dir string, targets []*writeTarget) (*journal, error) {
	if dir == "" {
		return &journal{}, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.Encode(journalHeader{Version: 1, PID: os.Getpid()})
	for _, t := range targets {
		enc.Encode(t.entry)
	}
	path := filepath.Join(dir, journalName)
	tmp := path + "." + randomSuffix() + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot create the write journal: %v; nothing written", err)
	}
	lockFile(f, false)
	_, err = f.Write(buf.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Link(tmp, path)
		if errors.Is(err, fs.ErrExist) {
			err = fmt.Errorf("another traceinject is writing in %s (%s exists)", dir, journalName)
		}
	}
	os.Remove(tmp)
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot create the write journal: %v; nothing written", err)
	}
	return &journal{path: path, f: f, sum: buf.Bytes()}, nil
}

func (j *journal) appendMark(m journalMark) error {
	if j.f == nil {
		return nil
	}
	b, _ := json.Marshal(m)
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return err
	}
	return j.f.Sync()
}

// commit appends the commit line: from here on, a crash is rolled forward.
func (j *journal) commit() error {
	return j.appendMark(journalMark{Commit: hashOf(j.sum)})
}

// abort appends the abort line: from here on, a crash is rolled back.
func (j *journal) abort() error { return j.appendMark(journalMark{Abort: true}) }

func (j *journal) remove() error {
	if j.f == nil {
		return nil
	}
	err := os.Remove(j.path)
	if err == nil {
		err = syncDir(filepath.Dir(j.path))
	}
	j.f.Close()
	return err
}

// journalDir returns where the write journal of a run in cfg.Dir lives:
// the directory of go.work in a workspace, else the main module's root;
// "" outside a module.
func journalDir(cfg config) (string, error) {
	cmd := exec.Command("go", "env", "GOWORK", "GOMOD")
	cmd.Dir, cmd.Env = cfg.Dir, cfg.Env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l != "" && l != "off" && l != os.DevNull && filepath.IsAbs(l) {
			return filepath.Dir(l), nil
		}
	}
	return "", nil
}

// recovered says what recoverWrites did.
type recovered struct {
	journal string
	action  string // "removed", "completed", "rolled back"
	files   int
}

func (r *recovered) String() string {
	switch r.action {
	case "discarded":
		return fmt.Sprintf("removed the temporary files of a write that was interrupted before it changed any file (%d files)", r.files)
	case "completed":
		return fmt.Sprintf("completed a write that was interrupted (%d files)", r.files)
	}
	return fmt.Sprintf("rolled back a write that was interrupted (%d files)", r.files)
}

// recoverWrites finishes a write that a crash interrupted, whose journal
// is in dir (see the write protocol). It waits for a live writer to end.
func recoverWrites(dir string) (*recovered, error) {
	if dir == "" {
		return nil, nil
	}
	path := filepath.Join(dir, journalName)
	// Journals never linked into place: their writer died before it
	// created any temporary file.
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if n := e.Name(); strings.HasPrefix(n, journalName+".") && strings.HasSuffix(n, ".tmp") {
				removeIfUnlocked(filepath.Join(dir, n))
			}
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	defer f.Close()
	lockFile(f, true) // a live writer holds it until it is done
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if cur, err := os.Stat(path); err != nil || !os.SameFile(fi, cur) {
		return nil, nil // the writer finished and removed it
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	entries, committed, aborted, err := parseJournal(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v; remove it once every file it names is as it should be", path, err)
	}
	rec := &recovered{journal: path, files: len(entries)}
	done := func() (*recovered, error) {
		dirs := map[string]bool{}
		for _, e := range entries {
			os.Remove(e.Tmp)
			os.Remove(e.Bak)
			dirs[filepath.Dir(e.Target)] = true
		}
		if err := syncDirs(dirs); err != nil {
			return nil, err
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
		return rec, syncDir(dir)
	}
	if !committed {
		rec.action = "discarded"
		return done()
	}
	forward := !aborted
	// Every target must be entirely old or entirely new, with what is
	// needed to go the chosen way.
	var conflicts []string
	state := make([]string, len(entries))
	for i, e := range entries {
		cur, err := os.ReadFile(e.Target)
		switch {
		case err != nil:
			conflicts = append(conflicts, fmt.Sprintf("%s: %v", e.Target, err))
		case hashOf(cur) == e.New:
			state[i] = "new"
		case hashOf(cur) == e.Old:
			state[i] = "old"
		default:
			conflicts = append(conflicts, fmt.Sprintf("%s: changed since the interrupted run (its new content is in %s, its old content in %s)", e.Target, e.Tmp, e.Bak))
		}
	}
	if forward {
		for i, e := range entries {
			if state[i] == "old" && !holds(e.Tmp, e.New) {
				forward = false // cannot complete: roll back instead
				_ = i
			}
		}
	}
	if !forward {
		for i, e := range entries {
			if state[i] == "new" && !holds(e.Bak, e.Old) {
				conflicts = append(conflicts, fmt.Sprintf("%s: neither the new content nor the backup of the old one is complete", e.Target))
			}
		}
	}
	if len(conflicts) > 0 {
		return nil, fmt.Errorf("an interrupted traceinject write cannot be finished:\n\t%s\nfix these files, then remove %s", strings.Join(conflicts, "\n\t"), path)
	}
	if forward {
		rec.action = "completed"
	} else {
		rec.action = "rolled back"
		if !aborted {
			f.Seek(0, 2)
			b, _ := json.Marshal(journalMark{Abort: true})
			f.Write(append(b, '\n'))
			f.Sync()
		}
	}
	for i, e := range entries {
		switch {
		case forward && state[i] == "old":
			err = os.Rename(e.Tmp, e.Target)
		case !forward && state[i] == "new":
			err = os.Rename(e.Bak, e.Target)
		}
		if err != nil {
			return nil, fmt.Errorf("finishing an interrupted traceinject write: %v (run traceinject again, or restore the files and remove %s)", err, path)
		}
	}
	return done()
}

// holds reports whether the file name has the content of hash h.
func holds(name, h string) bool {
	b, err := os.ReadFile(name)
	return err == nil && hashOf(b) == h
}

func parseJournal(data []byte) (entries []journalEntry, committed, aborted bool, err error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	off := 0
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		start := off
		off += len(line) + 1
		if first {
			var h journalHeader
			if json.Unmarshal(line, &h) != nil || h.Version != 1 {
				return nil, false, false, fmt.Errorf("not a traceinject journal of a version this one reads")
			}
			first = false
			continue
		}
		var m journalMark
		if json.Unmarshal(line, &m) == nil && (m.Commit != "" || m.Abort) {
			if m.Commit != "" {
				// A torn or foreign commit line does not commit.
				committed = m.Commit == hashOf(data[:start])
			}
			aborted = aborted || m.Abort
			continue
		}
		if committed {
			continue
		}
		var e journalEntry
		if err := json.Unmarshal(line, &e); err != nil || e.Target == "" {
			// A torn last entry: the writer died while writing the
			// journal, before creating any file.
			continue
		}
		entries = append(entries, e)
	}
	return entries, committed, aborted, nil
}

// removeIfUnlocked removes a journal left under its temporary name by a
// writer that is no longer running.
func removeIfUnlocked(name string) {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if lockFile(f, false) {
		os.Remove(name)
	}
}
