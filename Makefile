# The project's everyday commands. `make test` is what CI runs.
#
# The repository holds several modules (README, "Modules"): the tool at the
# root, the runtime that users' programs import (runtime, runtime/tracegin,
# runtime/tracegrpc, runtime/traceotel), the example (examples) and the peer
# benchmarks (bench, bench/otel).
# `go test ./...` does not descend into nested modules, so every target here
# walks MODULES explicitly.

GO ?= go
BENCH_COUNT ?= 10
RUNTIME_MODULES := runtime runtime/tracegin runtime/tracegrpc runtime/traceotel
MODULES := . $(RUNTIME_MODULES) examples bench bench/otel
# The oldest Go the runtime supports (its go.mod says go 1.22); the module
# proxy serves this toolchain.
RUNTIME_TOOLCHAIN ?= go1.22.12
# buf is built from the examples module into .cache/bin for the targets that
# run `buf generate` (a few minutes the first time, then cached).
BUF := $(CURDIR)/.cache/bin/buf

.PHONY: all build test test-runtime-oldest check crashtest roundtrip regenerate bench demo e2e buf

all: build test

build:
	@set -e; for m in $(MODULES); do echo "== $$m"; (cd $$m && $(GO) build ./...); done
	$(GO) build -o bin/ ./cmd/traceinject ./cmd/protoc-gen-go-trace

test:
	@set -e; for m in $(MODULES); do echo "== $$m: go vet, go test"; (cd $$m && $(GO) vet ./... && $(GO) test ./...); done

# test-runtime-oldest builds and tests the runtime modules with the oldest Go
# their go.mod allows.
test-runtime-oldest:
	@set -e; for m in $(RUNTIME_MODULES); do echo "== $$m with $(RUNTIME_TOOLCHAIN)"; \
		(cd $$m && GOTOOLCHAIN=$(RUNTIME_TOOLCHAIN) $(GO) vet ./... && GOTOOLCHAIN=$(RUNTIME_TOOLCHAIN) $(GO) test ./...); done

$(BUF):
	@echo "building buf from the examples module into .cache/bin (a few minutes, once)"
	cd examples && $(GO) build -o $(BUF) github.com/bufbuild/buf/cmd/buf

buf: $(BUF)

# regenerate rewrites every generated and golden file from the sources.
regenerate: $(BUF)
	$(GO) generate ./...
	cd examples && PATH=$(dir $(BUF)):$$PATH $(GO) generate ./...
	$(GO) test ./rewriter -run 'TestGolden$$|TestRemoveRestoresInput|TestRoundTrip' -update
	$(GO) test ./cmd/protoc-gen-go-trace/internal/gentrace -run Golden -update

# check fails when regenerating changes anything, when gofmt -s would change a
# file, when vet or the race-enabled tests fail, or when a rewrite killed in
# its write phase leaves a tree that the next run cannot make whole. It also
# runs the buf round trip (TestBufGenerate), which the default tests skip when
# buf is not on PATH.
check: regenerate
	@status=$$(git status --porcelain); if [ -n "$$status" ]; then \
		echo "regenerating changed the tree:"; echo "$$status"; git --no-pager diff --stat; exit 1; fi
	@unformatted=$$(gofmt -s -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then \
		echo "gofmt -s would change:"; echo "$$unformatted"; exit 1; fi
	@set -e; for m in $(MODULES); do echo "== $$m: go mod tidy -diff, go vet, go test -race"; \
		(cd $$m && $(GO) mod tidy -diff && $(GO) vet ./... && PATH=$(dir $(BUF)):$$PATH TRACEINJECT_BUF=require $(GO) test -race ./...); done
	$(MAKE) crashtest
	$(MAKE) roundtrip

# roundtrip instruments real packages from the module cache (gin, grpc,
# x/net/http2, protobuf's encodings, x/tools' inspector, validator) with a
# directive on every function and checks the whole round trip, tests with
# the no-op and a recording tracer included (scripts/roundtrip.sh; .ci/run
# runs its quick subset).
roundtrip:
	bash scripts/roundtrip.sh full

# crashtest kills traceinject with SIGKILL at 50 random points of its write
# phase on a generated module of 300 files and checks what the next run
# makes of the tree (internal/crashtest).
crashtest:
	$(GO) run ./internal/crashtest -kills 50

# bench runs every benchmark BENCH_COUNT times and summarises with benchstat;
# BENCHMARKS.md shows the numbers and how each was produced.
bench:
	@rm -f bench.out; set -e; for m in $(RUNTIME_MODULES) bench bench/otel; do \
		(cd $$m && $(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) ./...) | tee -a bench.out; done
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) ./cmd/... | tee -a bench.out
	cd bench && $(GO) tool benchstat ../bench.out

demo:
	bash examples/demo.sh

e2e: $(BUF)
	cd cmd/protoc-gen-go-trace && PATH=$(dir $(BUF)):$$PATH TRACEINJECT_BUF=require $(GO) test -run TestBufGenerate -count=1 .
	bash examples/e2e.sh
