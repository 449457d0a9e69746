package policy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

func TestParseKinds(t *testing.T) {
	for in, want := range map[string]string{"gin": "gin", "ctx,gin": "gin,ctx", "grpc, ctx": "grpc,ctx", "gin,grpc,ctx": "gin,grpc,ctx"} {
		k, err := ParseKinds(in)
		if err != nil || k.String() != want {
			t.Errorf("ParseKinds(%q) = %v, %v; want %s", in, k, err, want)
		}
	}
	for _, in := range []string{"", ",", "http", "gin,GIN"} {
		if _, err := ParseKinds(in); err == nil {
			t.Errorf("ParseKinds(%q): no error", in)
		}
	}
}

// The example's stubs come from the real protoc-gen-go, protoc-gen-go-grpc
// and protoc-gen-go-trace: up to date, nothing to report. With a method cut
// out of the trace file (as if the .proto gained it after the last
// generation), that method is reported.
func TestGRPCFilesOfRealStubs(t *testing.T) {
	dir, err := filepath.Abs("../../examples/shop/proto")
	if err != nil {
		t.Fatal(err)
	}
	load := func(overlay map[string][]byte) []Finding {
		cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes |
			packages.NeedTypesInfo | packages.NeedImports, Dir: dir, Overlay: overlay}
		pkgs, err := packages.Load(cfg, ".")
		if err != nil || len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
			t.Fatalf("load: %v %v", err, pkgs)
		}
		p := pkgs[0]
		c := &Checker{Kinds: Kinds{GRPC: true}}
		return c.Check([]*Package{{Fset: p.Fset, Files: p.Syntax, Types: p.Types, Info: p.TypesInfo}})
	}
	if got := load(nil); len(got) != 0 {
		t.Fatalf("up-to-date stubs: %v", got)
	}
	trace := filepath.Join(dir, "shop_trace.pb.go")
	src, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	// Rename the traced server's PlaceOrder so that it no longer wraps it.
	re := regexp.MustCompile(`(func \(s \*traced_Catalog_server\) )PlaceOrder\(`)
	if !re.Match(src) {
		t.Fatal("no traced PlaceOrder in shop_trace.pb.go")
	}
	stale := re.ReplaceAll(src, []byte("${1}placeOrderOld("))
	got := load(map[string][]byte{trace: stale})
	if len(got) != 1 || got[0].Kind != KindGRPC || !strings.Contains(got[0].Message, "method Catalog.PlaceOrder is missing from shop_trace.pb.go") ||
		!strings.HasSuffix(got[0].Pos.Filename, "shop_grpc.pb.go") {
		t.Fatalf("stale stubs: %v", got)
	}
}
