package rewriter

import (
	"os"
	"testing"
)

// BenchmarkLoadbench runs runPipeline over the module in
// $TRACEINJECT_LOADBENCH (scripts/loadbench.sh's generated tree, built
// once), for profiles: "check" as -check does, "rewrite" as the rewrite
// does (type-checking the new contents and the module setup), writing
// nothing. The rewrite costs what it costs on a tree not yet rewritten.
//
//	go test ./rewriter -run '^$' -bench Loadbench -benchmem -cpuprofile cpu.out -memprofile mem.out
func BenchmarkLoadbench(b *testing.B) {
	dir := os.Getenv("TRACEINJECT_LOADBENCH")
	if dir == "" {
		b.Skip("TRACEINJECT_LOADBENCH names no module")
	}
	for _, bc := range []struct {
		name string
		cfg  config
	}{
		{"check", config{Dir: dir, Patterns: []string{"./..."}}},
		{"rewrite", config{Dir: dir, Patterns: []string{"./..."}, Verify: true, Setup: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				res, err := runPipeline(bc.cfg)
				if err != nil {
					b.Fatal(err)
				}
				if res.HasKind(Error) {
					b.Fatalf("errors: %v", res.Diagnostics[0])
				}
			}
		})
	}
}
