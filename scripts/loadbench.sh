#!/usr/bin/env bash
# Measures traceinject beside gofmt -l, go list and go vet on generated modules
# of $SIZES packages (10 files of 10 functions each; $ANNOTATE of the functions
# annotated), and on the same trees without a directive: wall time and peak
# resident memory, each the best of $RUNS runs. The commands of a table run
# interleaved, round after round, so that the ratios to go vet in the same
# run hold when other work shares the machine (its load average is printed).
#
# Usage: bash scripts/loadbench.sh                 (500 and 5,000 packages: the whole table)
#        SIZES=500 bash scripts/loadbench.sh       (one size)
#        ANNOTATE=0.001 RUNS=5 bash scripts/loadbench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
RUNS=${RUNS:-3}
ANNOTATE=${ANNOTATE:-0.01}
SIZES=${SIZES:-500 5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/traceinject" ./cmd/traceinject
ti=$work/traceinject

# measure NAME CMD... appends "NAME seconds KiB" of one run to $work/runs.
measure() {
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
	echo "$name $(tail -n 1 "$work/time")" >>"$work/runs"
}

# table prints, for each name given, the best time and that run's memory,
# and both as multiples of the row named by $1; labels come from labels.
table() {
	local base=$1 of='go vet'
	shift
	[ "$base" = list ] && of='go list'
	echo "| command | wall time | peak RSS | time × $of | RSS × $of |"
	echo '|---|---:|---:|---:|---:|'
	awk -v base="$base" -v order="$*" '
		FNR == NR { i = index($0, "\t"); label[substr($0, 1, i - 1)] = substr($0, i + 1); next }
		{ if (!($1 in t) || $2 < t[$1]) { t[$1] = $2; m[$1] = $3 } }
		END { n = split(order, names, " ")
			for (i = 1; i <= n; i++) { k = names[i]
				printf "| %s | %.2f s | %d MiB | %.2f | %.2f |\n", label[k], t[k], m[k] / 1024, t[k] / t[base], m[k] / m[base] } }
	' "$work/labels" "$work/runs"
	: >"$work/runs"
}

# labels names the rows of the next table: pairs of name and Markdown label.
labels() {
	: >"$work/labels"
	while [ $# -gt 0 ]; do
		printf '%s\t%s\n' "$1" "$2" >>"$work/labels"
		shift 2
	done
}

for n in $SIZES; do
	big=$work/big$n none=$work/none$n
	go run ./internal/genmodule -dir "$big" -runtime "$root" -packages "$n" -files 10 -funcs 10 -annotate "$ANNOTATE" >&2
	go run ./internal/genmodule -dir "$none" -runtime "$root" -packages "$n" -files 10 -funcs 10 -annotate 0 >&2 2>/dev/null
	for d in "$big" "$none"; do (cd "$d" && GOFLAGS=-mod=mod go list ./... >/dev/null); done # go.sum entries, once
	# Warm the build cache, as on a developer's machine: go vet and the
	# typed load both use the compiled export data of the packages and
	# their dependencies.
	(cd "$big" && go build ./... && go vet ./... >/dev/null)
	annotated=$(grep -r '^//trace:span' "$big" | wc -l)
	inpkgs=$(grep -rl '^//trace:span' "$big" | xargs -n1 dirname | sort -u | wc -l)
	echo
	echo "### $n packages, $((n * 10)) files, $((n * 100)) functions (share $ANNOTATE annotated: $annotated functions in $inpkgs packages)"
	echo
	echo "load average before: $(uptime | sed 's/.*load average: //')"
	echo

	cd "$big"
	: >"$work/runs"
	for _ in $(seq "$RUNS"); do
		measure vet go vet ./...
		measure gofmt gofmt -l .
		measure list go list ./...
		measure l env TRACEINJECT_CACHE="$work/cache$n" "$ti" -l ./...
		rm -rf "$work/cold"
		measure checkcold env TRACEINJECT_CACHE="$work/cold" "$ti" -check ./...
		measure checkoff env TRACEINJECT_CACHE=off "$ti" -check ./...
		measure check env TRACEINJECT_CACHE="$work/cache$n" "$ti" -check ./...
	done
	labels gofmt '`gofmt -l .`' list '`go list ./...`' vet '`go vet ./...` (warm build cache)' \
		l '`traceinject -l ./...` (warm result cache)' \
		checkcold '`traceinject -check ./...` (empty result cache)' \
		checkoff '`traceinject -check ./...` (TRACEINJECT_CACHE=off)' \
		check '`traceinject -check ./...` (warm result cache)'
	echo "Before rewriting:"
	echo
	table vet gofmt list vet l checkcold checkoff check
	echo

	# The rewrite, once, then the build a developer's tree would have.
	measure vet go vet ./...
	measure write env TRACEINJECT_CACHE="$work/write$n" "$ti" ./...
	labels vet '`go vet ./...` (warm build cache, before)' write '`traceinject ./...` (rewrites every annotated function; one run, empty result cache)'
	table vet vet write
	echo
	"$ti" -check ./... >&2 || {
		echo "loadbench: traceinject -check fails after rewriting" >&2
		exit 1
	}
	go build ./... && go vet ./... >/dev/null
	for _ in $(seq "$RUNS"); do
		measure vet go vet ./...
		rm -rf "$work/cold"
		measure checkcold env TRACEINJECT_CACHE="$work/cold" "$ti" -check ./...
		measure checkoff env TRACEINJECT_CACHE=off "$ti" -check ./...
		measure check env TRACEINJECT_CACHE="$work/cache$n" "$ti" -check ./...
		measure l env TRACEINJECT_CACHE="$work/cache$n" "$ti" -l ./...
	done
	labels vet '`go vet ./...` (warm build cache)' \
		checkcold '`traceinject -check ./...` (empty result cache)' \
		checkoff '`traceinject -check ./...` (TRACEINJECT_CACHE=off)' \
		check '`traceinject -check ./...` (warm result cache)' \
		l '`traceinject -l ./...` (warm result cache)'
	echo "After rewriting:"
	echo
	table vet vet checkcold checkoff check l
	echo

	cd "$none"
	for _ in $(seq "$RUNS"); do
		measure list go list ./...
		measure check "$ti" -check ./...
		measure l "$ti" -l ./...
	done
	labels list '`go list ./...`' check '`traceinject -check ./...`' l '`traceinject -l ./...`'
	echo "The same tree without a directive:"
	echo
	table list list check l
	echo
	echo "load average after: $(uptime | sed 's/.*load average: //')"
	cd "$root"
	rm -rf "$big" "$none"
done
