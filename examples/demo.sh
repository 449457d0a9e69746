#!/usr/bin/env bash
# make demo: show what traceinject does to the example shop, then run the shop
# in one process with an in-memory tracer and print its traces as waterfalls.
# Works on a copy in a temporary directory; the checkout is never modified.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

tmp=$(mktemp -d "${TMPDIR:-/tmp}/traceinject-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The copy is a whole module: the example imports the runtime by its module path.
mkdir -p "$tmp/src"
tar -C "$root" --exclude=./.git --exclude=./.cache --exclude=./bin -cf - . | tar -C "$tmp/src" -xf -

section() { printf '\n== %s\n\n' "$*"; }

# The example is a module of its own (examples/go.mod) whose replace directives
# point at the runtime in this checkout, so the copy keeps the whole tree.
section "go build ./cmd/traceinject   (module downloads are shown as they happen)"
if [ -d cmd/traceinject ] && go build -o "$tmp/bin/traceinject" ./cmd/traceinject 2> >(tee "$tmp/build.log" >&2); then
	cd "$tmp/src/examples"
	# go prints a "go: downloading" line per module it fetches (first run only).
	go list -deps ./shop/... >/dev/null
	# Start from the annotated, uninstrumented source, so the diff shows everything
	# traceinject adds (context parameters it added once stay: they are ordinary code).
	"$tmp/bin/traceinject" -remove ./shop/... ||
		echo "(traceinject -remove failed; showing the diff against the committed code)"
	section "traceinject -d ./shop/...   (what the tool changes)"
	if "$tmp/bin/traceinject" -d ./shop/...; then
		section "traceinject ./shop/...      (rewriting in place)"
		"$tmp/bin/traceinject" ./shop/... && echo "done."
	else
		# Writes are all-or-nothing: the copy is still the committed code.
		echo
		echo "traceinject refused the example (above): running the demo on the committed code."
	fi
else
	section "traceinject is not available"
	echo "cmd/traceinject does not build in this checkout yet: skipping the rewrite and"
	echo "running the demo on the committed code as it is."
	cd "$tmp/src/examples"
fi

section "go run ./shop/cmd/demo   (in examples/)"
go run ./shop/cmd/demo
