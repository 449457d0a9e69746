package rewriter

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"sort"
	"sync"
	"time"

	"golang.org/x/tools/go/packages"
)

// The result cache: what a package-at-a-time run (stream.go) made of a
// package, kept by the command between runs as go vet keeps its results,
// so that -check on a tree that did not change costs a go list.
//
// A result is found again by a key that hashes everything it was made
// from: the tool's own build ID, the mode, the package's path, Go version
// and sizes, the name and content of each of its files, the content-addressed
// export data of each of its imports (which changes with any change to an
// import's API, and with the toolchain), and the directive and marker lines
// of every package of the main modules that it imports, directly or not.
// Only results without errors are kept. Results of runs that add context
// parameters, plan across packages, or load with an overlay never come from
// nor go to the cache.
//
// Location: $TRACEINJECT_CACHE, or the traceinject directory of the user's
// cache directory ($XDG_CACHE_HOME or ~/.cache on Linux);
// TRACEINJECT_CACHE=off turns it off. Entries unused for five days are
// deleted, at most once a day.

// cacheEnv names the variable that locates (or, set to "off", disables)
// the result cache.
const cacheEnv = "TRACEINJECT_CACHE"

// cacheDir returns where the command keeps its result cache ("" = off).
func cacheDir() string {
	switch d := os.Getenv(cacheEnv); {
	case d == "off":
		return ""
	case d != "":
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "traceinject")
}

type resultCache struct {
	dir  string
	tool string // the build ID of this executable

	mu     sync.Mutex
	marks  map[string]string // main-module package path -> digest of its directive lines
	trimed sync.Once
}

// openCache returns the cache cfg uses, or nil.
func openCache(cfg config) *resultCache {
	if cfg.cache == "" || cfg.Overlay != nil {
		return nil
	}
	tool := toolID()
	if tool == "" {
		return nil
	}
	return &resultCache{dir: cfg.cache, tool: tool, marks: map[string]string{}}
}

var (
	toolOnce sync.Once
	toolBuID string
)

// toolID identifies this executable: its Go build ID, which changes with
// any change to its code or the toolchain that built it (or, without one,
// the hash of the whole file).
func toolID() string {
	toolOnce.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			return
		}
		f, err := os.Open(exe)
		if err != nil {
			return
		}
		defer f.Close()
		if id := elfBuildID(f); id != "" {
			toolBuID = goruntime.Version() + " " + id
			return
		}
		head := make([]byte, 64<<10)
		n, _ := f.ReadAt(head, 0)
		if id := goBuildID(head[:n]); id != "" {
			toolBuID = goruntime.Version() + " " + id
			return
		}
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62)); err != nil {
			return
		}
		toolBuID = goruntime.Version() + " " + hex.EncodeToString(h.Sum(nil))
	})
	return toolBuID
}

// elfBuildID reads the Go build ID note of an ELF executable.
func elfBuildID(r io.ReaderAt) string {
	f, err := elf.NewFile(r)
	if err != nil {
		return ""
	}
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return ""
	}
	b, err := sec.Data()
	// namesz, descsz, type, "Go\x00\x00", desc
	if err != nil || len(b) < 16 || string(b[12:16]) != "Go\x00\x00" {
		return ""
	}
	n := int(f.ByteOrder.Uint32(b[4:8]))
	if 16+n > len(b) {
		return ""
	}
	return string(b[16 : 16+n])
}

// goBuildID finds the build ID the Go linker writes at the start of the
// text of every executable (what `go tool buildid` prints).
func goBuildID(head []byte) string {
	const prefix, suffix = "\xff Go build ID: \"", "\"\n \xff"
	i := bytes.Index(head, []byte(prefix))
	if i < 0 {
		return ""
	}
	rest := head[i+len(prefix):]
	j := bytes.Index(rest, []byte(suffix))
	if j <= 0 {
		return ""
	}
	return string(rest[:j])
}

// exportName is the name the build cache gives an output: the hash of its
// content.
var exportName = regexp.MustCompile(`^[0-9a-f]{64}-d$`)

// key returns p's cache key and the contents of its files (read once, for
// the key and for the changes of a hit); "" when there is no cache or a
// file cannot be read.
func (c *resultCache) key(cfg config, p *packages.Package) (string, map[string][]byte) {
	if c == nil {
		return "", nil
	}
	h := sha256.New()
	fmt.Fprintf(h, "traceinject result cache 1\ntool %s\nmode %d\npackage %s %s\n", c.tool, cfg.Mode, p.PkgPath, p.Name)
	if p.Module != nil {
		fmt.Fprintf(h, "module %s %s %s\n", p.Module.Path, p.Module.Dir, p.Module.GoVersion)
	}
	fmt.Fprintf(h, "sizes %#v\n", p.TypesSizes)
	src := map[string][]byte{}
	for _, list := range [][]string{p.GoFiles, p.CompiledGoFiles, p.OtherFiles} {
		fmt.Fprintf(h, "files %d\n", len(list))
		for _, name := range list {
			b, err := os.ReadFile(name)
			if err != nil {
				return "", nil
			}
			src[name] = b
			fmt.Fprintf(h, "%s %x\n", name, sha256.Sum256(b))
		}
	}
	var imports []string
	for k := range p.Imports {
		imports = append(imports, k)
	}
	sort.Strings(imports)
	for _, k := range imports {
		q := p.Imports[k]
		id := filepath.Base(q.ExportFile)
		if q.ExportFile != "" && !exportName.MatchString(id) {
			b, err := os.ReadFile(q.ExportFile)
			if err != nil {
				return "", nil
			}
			id = fmt.Sprintf("%x", sha256.Sum256(b))
		}
		fmt.Fprintf(h, "import %s %s %s\n", k, q.PkgPath, id)
	}
	// Belt and braces: the directives of the packages it imports reach
	// p only through their export data (without context parameters to
	// add, no directive changes an API), but they are cheap to include.
	seen := map[string]bool{}
	var marks []string
	var visit func(q *packages.Package)
	visit = func(q *packages.Package) {
		for _, r := range q.Imports {
			if seen[r.PkgPath] || r.Module == nil || !r.Module.Main {
				continue
			}
			seen[r.PkgPath] = true
			marks = append(marks, r.PkgPath+" "+c.marksOf(r))
			visit(r)
		}
	}
	visit(p)
	sort.Strings(marks)
	for _, m := range marks {
		fmt.Fprintf(h, "imported %s\n", m)
	}
	return hex.EncodeToString(h.Sum(nil)), src
}

// marksOf digests the lines of q's files that mention a directive or
// marker.
func (c *resultCache) marksOf(q *packages.Package) string {
	c.mu.Lock()
	d, ok := c.marks[q.PkgPath]
	c.mu.Unlock()
	if ok {
		return d
	}
	h := sha256.New()
	for _, name := range q.GoFiles {
		b, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(h, "%s unreadable\n", name)
			continue
		}
		for i, line := range bytes.Split(b, []byte("\n")) {
			if bytes.Contains(line, []byte(tracePrefix)) {
				fmt.Fprintf(h, "%s:%d %s\n", name, i+1, bytes.TrimSpace(line))
			}
		}
	}
	d = hex.EncodeToString(h.Sum(nil))
	c.mu.Lock()
	c.marks[q.PkgPath] = d
	c.mu.Unlock()
	return d
}

// cacheEntry is what the cache keeps of a package's result.
type cacheEntry struct {
	Diagnostics []Diagnostic
	Changes     []cachedChange
}

type cachedChange struct {
	Path string
	New  []byte
}

func (c *resultCache) path(key string) string {
	return filepath.Join(c.dir, key[:2], key)
}

// get fills part with the result kept under key, and reports whether there
// was one.
func (c *resultCache) get(key string, src map[string][]byte, part *runResult) bool {
	if c == nil || key == "" {
		return false
	}
	name := c.path(key)
	b, err := os.ReadFile(name)
	if err != nil {
		return false
	}
	var e cacheEntry
	if err := json.Unmarshal(b, &e); err != nil {
		return false
	}
	var changes []FileChange
	for _, ch := range e.Changes {
		old, ok := src[ch.Path]
		if !ok {
			return false
		}
		changes = append(changes, FileChange{Path: ch.Path, Old: old, New: ch.New})
	}
	part.Diagnostics = append(part.Diagnostics, e.Diagnostics...)
	part.Changes = append(part.Changes, changes...)
	// Used: keep it from the trim.
	if fi, err := os.Stat(name); err == nil && time.Since(fi.ModTime()) > time.Hour {
		now := time.Now()
		os.Chtimes(name, now, now)
	}
	return true
}

// put keeps part under key, unless it has errors. Failures to write are
// not the user's problem: the next run computes the result again.
func (c *resultCache) put(key string, part *runResult) {
	if c == nil || key == "" || part.HasKind(Error) {
		return
	}
	e := cacheEntry{Diagnostics: part.Diagnostics}
	for _, ch := range part.Changes {
		e.Changes = append(e.Changes, cachedChange{Path: ch.Path, New: ch.New})
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	name := c.path(key)
	if err := os.MkdirAll(filepath.Dir(name), 0o777); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), key+".tmp*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	if cerr := tmp.Close(); werr != nil || cerr != nil || os.Rename(tmp.Name(), name) != nil {
		os.Remove(tmp.Name())
		return
	}
	c.trimed.Do(c.trim)
}

// trim deletes the entries unused for five days, at most once a day.
func (c *resultCache) trim() {
	mark := filepath.Join(c.dir, "trim.txt")
	if fi, err := os.Stat(mark); err == nil && time.Since(fi.ModTime()) < 24*time.Hour {
		return
	}
	if err := os.WriteFile(mark, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o666); err != nil {
		return
	}
	cutoff := time.Now().Add(-5 * 24 * time.Hour)
	subs, _ := os.ReadDir(c.dir)
	for _, s := range subs {
		if !s.IsDir() || len(s.Name()) != 2 {
			continue
		}
		ents, _ := os.ReadDir(filepath.Join(c.dir, s.Name()))
		for _, e := range ents {
			if fi, err := e.Info(); err == nil && fi.ModTime().Before(cutoff) {
				os.Remove(filepath.Join(c.dir, s.Name(), e.Name()))
			}
		}
	}
}
