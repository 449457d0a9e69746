package rewriter

import (
	"bytes"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"github.com/traceinject/traceinject/internal/recv"
)

// Refusals: uses of a function without a context that could not change
// with its signature (see addctx.go). Interfaces that are only spelled as
// literal types (x.(interface{ M() })) are not seen: a conversion the type
// checker sees is caught when the rewritten packages are type-checked
// before writing, a dynamic assertion is not.

// wellKnown are methods whose signature interfaces of the standard library
// (and database drivers) rely on, whether or not the loaded packages import
// the interface's package: fmt prints through Stringer and error, sort and
// encoding/json call back through them, and so on.
var wellKnown = map[string][]string{
	"String":          {"func() string", "fmt.Stringer"},
	"GoString":        {"func() string", "fmt.GoStringer"},
	"Error":           {"func() string", "error"},
	"Format":          {"func(fmt.State, int32)", "fmt.Formatter"},
	"Read":            {"func([]byte) (int, error)", "io.Reader"},
	"Write":           {"func([]byte) (int, error)", "io.Writer"},
	"Close":           {"func() error", "io.Closer"},
	"Len":             {"func() int", "sort.Interface"},
	"Less":            {"func(int, int) bool", "sort.Interface"},
	"Swap":            {"func(int, int)", "sort.Interface"},
	"ServeHTTP":       {"func(net/http.ResponseWriter, *net/http.Request)", "net/http.Handler"},
	"MarshalJSON":     {"func() ([]byte, error)", "encoding/json.Marshaler"},
	"UnmarshalJSON":   {"func([]byte) error", "encoding/json.Unmarshaler"},
	"MarshalText":     {"func() ([]byte, error)", "encoding.TextMarshaler"},
	"UnmarshalText":   {"func([]byte) error", "encoding.TextUnmarshaler"},
	"MarshalBinary":   {"func() ([]byte, error)", "encoding.BinaryMarshaler"},
	"UnmarshalBinary": {"func([]byte) error", "encoding.BinaryUnmarshaler"},
	"Unwrap":          {"func() error", "the errors package's interface{ Unwrap() error }"},
	"Is":              {"func(error) bool", "the errors package's interface{ Is(error) bool }"},
	"As":              {"func(any) bool", "the errors package's interface{ As(any) bool }"},
}

// sigString spells a signature without its receiver and parameter names,
// packages by path, rune and byte as int32 and byte, interface{} as any.
func sigString(sig *types.Signature) string {
	qual := func(p *types.Package) string { return p.Path() }
	list := func(t *types.Tuple) []string {
		var out []string
		for i := 0; i < t.Len(); i++ {
			s := types.TypeString(t.At(i).Type(), qual)
			if sig.Variadic() && t == sig.Params() && i == t.Len()-1 {
				s = "..." + strings.TrimPrefix(s, "[]")
			}
			out = append(out, s)
		}
		return out
	}
	s := "func(" + strings.Join(list(sig.Params()), ", ") + ")"
	switch res := list(sig.Results()); len(res) {
	case 0:
	case 1:
		s += " " + res[0]
	default:
		s += " (" + strings.Join(res, ", ") + ")"
	}
	r := strings.NewReplacer("rune", "int32", "uint8", "byte", "interface{}", "any")
	return r.Replace(s)
}

// interfaceRefusals refuses methods whose signature an interface needs: a
// named interface of the loaded packages or of any package they import
// (and the standard ones in wellKnown) that the receiver type, or a type
// embedding it, implements through this method.
func (ai addctxInput) interfaceRefusals(order []*addctxFunc, refuse func(token.Position, *addctxFunc, string, ...any)) {
	var methods []*addctxFunc
	for _, nf := range order {
		if nf.decl.Recv != nil {
			methods = append(methods, nf)
		}
	}
	if len(methods) == 0 {
		return
	}
	// Every package reachable from the loaded ones, once.
	seen := map[*types.Package]bool{}
	var pkgs []*types.Package
	var walk func(p *types.Package)
	walk = func(p *types.Package) {
		if p == nil || seen[p] {
			return
		}
		seen[p] = true
		pkgs = append(pkgs, p)
		for _, imp := range p.Imports() {
			walk(imp)
		}
	}
	var roots []*types.Package
	paths := make([]string, 0, len(ai.stripped))
	for path := range ai.stripped {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		roots = append(roots, ai.stripped[path].Types)
		walk(ai.stripped[path].Types)
	}
	type iface struct {
		name string
		t    *types.Interface
	}
	var ifaces []iface
	for _, p := range pkgs {
		for _, name := range p.Scope().Names() {
			tn, ok := p.Scope().Lookup(name).(*types.TypeName)
			if !ok {
				continue
			}
			if n, ok := tn.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
				continue
			}
			if it, ok := tn.Type().Underlying().(*types.Interface); ok && it.NumMethods() > 0 {
				ifaces = append(ifaces, iface{p.Path() + "." + name, it})
			}
		}
	}
	ifaces = append(ifaces, iface{"error", types.Universe.Lookup("error").Type().Underlying().(*types.Interface)})
	sort.SliceStable(ifaces, func(i, j int) bool { return ifaces[i].name < ifaces[j].name })

	for _, nf := range methods {
		name := nf.fn.Name()
		if wk, ok := wellKnown[name]; ok && sigString(nf.fn.Type().(*types.Signature)) == wk[0] {
			refuse(nf.pos, nf, "it must keep its signature to satisfy %s", wk[1])
			continue
		}
		// Types whose method set has this very method: the receiver's and
		// any type of the loaded packages that embeds it.
		var holders []types.Type
		for _, r := range roots {
			for _, tn := range r.Scope().Names() {
				obj, ok := r.Scope().Lookup(tn).(*types.TypeName)
				if !ok || obj.IsAlias() {
					continue
				}
				n, ok := obj.Type().(*types.Named)
				if !ok || n.TypeParams().Len() > 0 {
					continue
				}
				m, _, _ := types.LookupFieldOrMethod(types.NewPointer(n), true, nf.fn.Pkg(), name)
				if mf, ok := m.(*types.Func); ok && funcKey(mf) == nf.key {
					holders = append(holders, n, types.NewPointer(n))
				}
			}
		}
	found:
		for _, it := range ifaces {
			has := false
			for i := 0; i < it.t.NumMethods(); i++ {
				m := it.t.Method(i)
				has = has || m.Name() == name && (m.Exported() || m.Pkg() == nf.fn.Pkg())
			}
			if !has {
				continue
			}
			for _, h := range holders {
				if types.Implements(h, it.t) {
					refuse(nf.pos, nf, "it must keep its signature for %s to satisfy %s", types.TypeString(h, types.RelativeTo(nf.fn.Pkg())), it.name)
					break found
				}
			}
		}
	}
}

// unloadedRefusals refuses exported functions whose package is imported by
// packages of the main module that this run did not load: their calls
// would be left without the new argument.
func (ai addctxInput) unloadedRefusals(order []*addctxFunc, refuse func(token.Position, *addctxFunc, string, ...any)) {
	var exported []*addctxFunc
	for _, nf := range order {
		if nf.fn.Exported() {
			exported = append(exported, nf)
		}
	}
	if len(exported) == 0 || ai.importers == nil {
		return
	}
	loaded := map[string]bool{}
	for _, p := range ai.listed {
		loaded[p.PkgPath] = true
	}
	importers := ai.importers
	for _, nf := range exported {
		path := nf.fn.Pkg().Path()
		// Methods can be called through values of types from any package
		// that depends on this one; functions only where it is imported.
		reach := map[string]bool{path: true}
		queue := []string{path}
		for len(queue) > 0 {
			q := queue[0]
			queue = queue[1:]
			for _, imp := range importers[q] {
				if !reach[imp] {
					reach[imp] = true
					if nf.decl.Recv != nil {
						queue = append(queue, imp)
					}
				}
			}
		}
		var missing []string
		for p := range reach {
			if !loaded[p] {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 {
			continue
		}
		sort.Strings(missing)
		refuse(nf.pos, nf, "package %s is imported by %s, which this run did not load (run traceinject on patterns that include them: ./..., and in a go.work workspace the packages of its other modules too)", path, strings.Join(missing, ", "))
	}
}

// lowLevelRefusals refuses functions that assembly, cgo or //go:linkname
// refer to by name, where no type information sees the use.
func (ai addctxInput) lowLevelRefusals(order []*addctxFunc, refuse func(token.Position, *addctxFunc, string, ...any)) {
	for _, nf := range order {
		p := nf.pkg
		name := nf.fn.Name()
		if nf.decl.Recv == nil {
			for _, other := range p.OtherFiles {
				if !strings.HasSuffix(other, ".s") {
					continue
				}
				src, err := readFile(other, ai.cfg.Overlay)
				if err != nil {
					continue
				}
				if pos, ok := asmRef(other, src, name); ok {
					refuse(pos, nf, "it is referenced from assembly here")
				}
			}
		}
		// By bytes, not syntax: the syntax of a cgo package is cgo's output.
		cgo := false
		for _, file := range p.GoFiles {
			src, _ := readFile(file, ai.cfg.Overlay)
			cgo = cgo || bytes.Contains(src, []byte(`import "C"`))
		}
		for _, file := range p.GoFiles {
			src, err := readFile(file, ai.cfg.Overlay)
			if err != nil {
				continue
			}
			for i, line := range strings.Split(string(src), "\n") {
				fields := strings.Fields(line)
				pos := token.Position{Filename: file, Line: i + 1, Column: strings.Index(line, "//") + 1}
				switch {
				case cgo && nf.decl.Recv == nil && len(fields) == 2 && fields[0] == "//export" && fields[1] == name:
					refuse(pos, nf, "it is exported to C here")
				case nf.decl.Recv == nil && len(fields) >= 2 && fields[0] == "//go:linkname" && fields[1] == name:
					refuse(pos, nf, "//go:linkname refers to it here")
				}
			}
		}
		// Any listed package may pull it in by linkname, whether or not it
		// imports this one: a byte scan finds the directives.
		target := nf.fn.Pkg().Path() + "." + name
		if nf.decl.Recv != nil {
			target = nf.fn.Pkg().Path() + "." + recv.TypeName(nf.decl.Recv.List[0].Type) + "." + name
		}
		for _, q := range ai.listed {
			for _, file := range q.GoFiles {
				src, err := readFile(file, ai.cfg.Overlay)
				if err != nil || !bytes.Contains(src, []byte("//go:linkname")) {
					continue
				}
				for i, line := range strings.Split(string(src), "\n") {
					fields := strings.Fields(line)
					if len(fields) != 3 || fields[0] != "//go:linkname" {
						continue
					}
					if fields[2] == target || strings.NewReplacer("(*", "", "(", "", ")", "").Replace(fields[2]) == target {
						col := strings.Index(line, "//go:linkname") + 1
						refuse(token.Position{Filename: file, Line: i + 1, Column: col}, nf, "//go:linkname refers to it here")
					}
				}
			}
		}
	}
}

// asmRef finds ·name as a symbol (not a prefix of a longer one) in an
// assembly file.
func asmRef(file string, src []byte, name string) (token.Position, bool) {
	needle := []byte("·" + name)
	off := 0
	for {
		i := bytes.Index(src[off:], needle)
		if i < 0 {
			return token.Position{}, false
		}
		at := off + i
		end := at + len(needle)
		if end >= len(src) || !isIdentByte(src[end]) {
			line := 1 + bytes.Count(src[:at], []byte("\n"))
			col := at - bytes.LastIndexByte(src[:at], '\n')
			return token.Position{Filename: file, Line: line, Column: col}, true
		}
		off = end
	}
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}
