# The project's everyday commands. `make test` is what CI runs.

GO ?= go
BENCH_COUNT ?= 10

.PHONY: all build test check crashtest regenerate bench demo e2e

all: build test

build:
	$(GO) build ./...
	$(GO) build -o bin/ ./cmd/traceinject ./cmd/protoc-gen-go-trace

test:
	$(GO) vet ./...
	$(GO) test ./...
	cd bench/otel && $(GO) vet ./... && $(GO) test ./...

# regenerate rewrites every generated and golden file from the sources.
regenerate:
	$(GO) generate ./...
	$(GO) test ./rewriter -run Golden -update
	$(GO) test ./cmd/protoc-gen-go-trace/internal/gentrace -run Golden -update

# check fails when regenerating changes anything, when gofmt -s would change a
# file, when vet or the race-enabled tests fail, or when a rewrite killed in
# its write phase leaves a tree that the next run cannot make whole.
check: regenerate
	@status=$$(git status --porcelain); if [ -n "$$status" ]; then \
		echo "regenerating changed the tree:"; echo "$$status"; git --no-pager diff --stat; exit 1; fi
	@unformatted=$$(gofmt -s -l $$(git ls-files '*.go' | grep -v '/testdata/')); if [ -n "$$unformatted" ]; then \
		echo "gofmt -s would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -race ./...
	$(MAKE) crashtest

# crashtest kills traceinject with SIGKILL at 50 random points of its write
# phase on a generated module of 300 files and checks what the next run
# makes of the tree (internal/crashtest).
crashtest:
	$(GO) run ./internal/crashtest -kills 50

# bench runs every benchmark BENCH_COUNT times and summarises with benchstat;
# BENCHMARKS.md shows the numbers and how each was produced.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) ./runtime/... ./cmd/... | tee bench.out
	cd bench/otel && $(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) ./... | tee -a ../../bench.out
	$(GO) tool benchstat bench.out

demo:
	bash examples/demo.sh

e2e:
	bash examples/e2e.sh
