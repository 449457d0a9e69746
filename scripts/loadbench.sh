#!/usr/bin/env bash
# Measures traceinject over a generated module of 500 packages and 5,000 files
# (1% of functions annotated) beside gofmt -l, go list and go vet on the same
# tree: wall time and peak resident memory, each the best of $RUNS runs.
# Usage: bash scripts/loadbench.sh   (results on stdout, as a Markdown table)
#        ANNOTATE=0.001 bash scripts/loadbench.sh   (a sparser share of annotated functions)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
RUNS=${RUNS:-3}
ANNOTATE=${ANNOTATE:-0.01}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/traceinject" ./cmd/traceinject
go run ./internal/genmodule -dir "$work/big" -runtime "$root" -packages 500 -files 10 -funcs 10 -annotate "$ANNOTATE" >&2
cd "$work/big"
GOFLAGS=-mod=mod go list ./... >/dev/null # records go.sum entries once
# Warm the build cache, as on a developer's machine: go vet and the typed load
# both use the compiled export data of the packages and their dependencies.
go build ./... && go vet ./... >/dev/null

# best runs a command $RUNS times and prints "seconds KiB" of its fastest run.
best() {
	local bestt= bestm=
	for _ in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
		read -r t m < <(tail -n 1 "$work/time")
		if [ -z "$bestt" ] || awk "BEGIN{exit !($t < $bestt)}"; then bestt=$t bestm=$m; fi
	done
	echo "$bestt $bestm"
}

row() {
	local label=$1; shift
	read -r t m < <(best "$@")
	printf '| %s | %s s | %d MiB |\n' "$label" "$t" $((m / 1024))
}

echo '| command | wall time | peak RSS |'
echo '|---|---|---|'
row '`gofmt -l .`' gofmt -l .
row '`go list ./...`' go list ./...
row '`go vet ./...` (warm cache)' go vet ./...
row '`traceinject -l ./...`' "$work/traceinject" -l ./...
row '`traceinject -check ./...` (before rewriting)' "$work/traceinject" -check ./...
cp -r "$work/big" "$work/big2"
cd "$work/big2"
# The build cache keys include the directory, so the copy starts cold; build
# it first, as a developer's tree would be, and show what that costs.
RUNS=1 row '`go build ./...` on the copy (cold cache)' go build ./...
RUNS=1 row '`traceinject ./...` (rewrites every annotated function; one run)' "$work/traceinject" ./...
# The rewrite must have succeeded for the next row to mean anything.
"$work/traceinject" -check ./... >&2 || { echo "loadbench: traceinject -check fails after rewriting" >&2; exit 1; }
row '`traceinject -check ./...` (after rewriting)' "$work/traceinject" -check ./...
