package rewriter

import (
	"os"
	"testing"
)

// BenchmarkLoadbench runs runPipeline as -check does over the module in
// $TRACEINJECT_LOADBENCH (scripts/loadbench.sh's generated tree, built
// once), for profiles:
//
//	go test ./rewriter -run '^$' -bench Loadbench -benchmem -cpuprofile cpu.out -memprofile mem.out
func BenchmarkLoadbench(b *testing.B) {
	dir := os.Getenv("TRACEINJECT_LOADBENCH")
	if dir == "" {
		b.Skip("TRACEINJECT_LOADBENCH names no module")
	}
	for b.Loop() {
		res, err := runPipeline(config{Dir: dir, Patterns: []string{"./..."}})
		if err != nil {
			b.Fatal(err)
		}
		if res.HasKind(Error) {
			b.Fatalf("errors: %v", res.Diagnostics[0])
		}
	}
}
