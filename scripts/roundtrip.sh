#!/usr/bin/env bash
# The round-trip corpus: real packages from the module cache, copied into
# scratch modules, with //trace:span put on every function and method.
# For each module it requires: a run that exits 0 once the functions the
# tool refuses (each refusal names its reason; they are counted) lose their
# directive; output that is gofmt-clean wherever the input was, and go vet
# clean; a second run (-l) that changes nothing; -check exit 0; -remove that
# restores every byte but added context parameters and their arguments; a
# run after -remove that reproduces the first byte for byte; and package
# tests with the same results before instrumentation, after it with the
# no-op tracer, and after it with mocktracer installed as the global tracer
# (a TestMain added to the copy installs it when TRACEINJECT_MOCK is set).
#
# usage: scripts/roundtrip.sh [quick|full]    (make roundtrip runs full)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
set_=${1:-full}

# module | packages to instrument | packages whose tests run [| tests left
# out of every run | tests left out of the mocktracer comparison]
# (regular expressions of test names, as go test -skip takes them). The
# first kind inspects the linked binary, which gains the runtime's imports;
# the second counts allocations, which a recording tracer makes by design:
# they are still compared before instrumentation and with the no-op tracer,
# where instrumented code must allocate nothing either. unicode/norm's tests
# are not run: TestLinking looks for table symbols by name, and the vendored
# copy of norm that net/http (imported by opentracing-go) links matches them;
# and its tests make millions of instrumented calls, whose spans mocktracer
# keeps in memory until the test binary gives out. go-json's own test/cover
# and test/example packages (18,000 results) call the instrumented packages
# through the module's API.
full=(
	"github.com/gin-gonic/gin|. ./binding ./render ./internal/bytesconv|. ./binding ./render"
	"github.com/go-playground/validator/v10|.|."
	"golang.org/x/tools|./go/ast/inspector|./go/ast/inspector"
	"golang.org/x/net|./http2 ./http2/hpack ./html ./html/atom|./http2/hpack ./html ./html/atom"
	"google.golang.org/protobuf|./encoding/protojson ./encoding/prototext ./encoding/protowire ./internal/encoding/text ./internal/encoding/json ./proto ./internal/impl ./internal/filedesc ./reflect/protoreflect|./encoding/protowire ./internal/encoding/json ./internal/encoding/text"
	"google.golang.org/grpc|. ./codes ./status ./metadata ./attributes ./internal/grpcsync ./internal/transport ./keepalive|./metadata ./attributes ./codes"
	"github.com/goccy/go-json|. ./internal/decoder ./internal/encoder ./internal/runtime ./internal/errors|. ./internal/encoder ./test/cover ./test/example"
	"github.com/pelletier/go-toml/v2|. ./unstable ./internal/tracker|. ./unstable ./internal/tracker"
	"golang.org/x/text|./language ./internal/language ./unicode/norm ./transform ./cases ./runes ./width|./language ./internal/language ./transform ./cases ./runes ./width||^(TestAlloc|TestCaseMappings|TestFold|TestMakeString|TestBestMatchAlloc)$"
)
quick=(
	"golang.org/x/tools|./go/ast/inspector|./go/ast/inspector"
	"golang.org/x/net|./http2/hpack|./http2/hpack"
	"google.golang.org/protobuf|./encoding/protowire|./encoding/protowire"
	"google.golang.org/grpc|./codes ./metadata|./metadata"
)
case $set_ in
full) mods=("${full[@]}") ;;
quick) mods=("${quick[@]}") ;;
*) echo "usage: $0 [quick|full]" >&2; exit 2 ;;
esac

work=$(mktemp -d)
if [ -z "${KEEP:-}" ]; then trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT; else echo "work: $work"; fi
cd "$root"
go build -o "$work/bin/traceinject" ./cmd/traceinject
go build -o "$work/bin/roundtrip" ./scripts/roundtrip
ti=$work/bin/traceinject
rt=$work/bin/roundtrip
# The copies resolve their own requirements (the module proxy fills what the
# cache lacks); go.sum entries are taken from the cache as they are.
export GOFLAGS=-mod=mod GOSUMDB=off GOTOOLCHAIN=local GOWORK=off

fail() { echo "FAIL: $*" >&2; exit 1; }
# results prints "package test action" for every test of a go test -json run.
results() { grep -o '"Action":"\(pass\|fail\|skip\)","Package":"[^"]*","Test":"[^"]*"' | sed 's/"Action":"\([a-z]*\)","Package":"\([^"]*\)","Test":"\([^"]*\)"/\2 \3 \1/' | sort; }

start=$(date +%s)
npkgs=0 nfuncs=0
: > "$work/refusals"
for spec in "${mods[@]}"; do
	IFS='|' read -r mod pkgs tests skip mockskip <<< "$spec"
	skip=${skip:-^\$} mockskip=${mockskip:-^\$}
	dir=$(go list -m -f '{{.Dir}}' "$mod")
	ver=$(go list -m -f '{{.Version}}' "$mod")
	[ -n "$dir" ] || fail "$mod is not in the module cache"
	name=$(echo "$mod" | tr / _)
	copy=$work/m/$name
	mkdir -p "$work/m" && cp -r "$dir" "$copy" && chmod -R u+w "$copy"
	echo "== $mod@$ver: $pkgs"
	(
		cd "$copy"
		go mod edit -require=github.com/traceinject/traceinject/runtime@v0.0.0 -require=github.com/opentracing/opentracing-go@v1.2.0 -replace=github.com/traceinject/traceinject/runtime="$root/runtime"
		go list -deps github.com/traceinject/traceinject/runtime github.com/opentracing/opentracing-go/mocktracer > /dev/null ||
			fail "$mod: cannot resolve the runtime"
		go build $pkgs || fail "$mod does not build before instrumentation"
		# What go vet says of the original (positions aside): the copy must
		# add nothing to it.
		vetted() { go vet $pkgs 2>&1 | grep -v '^#' | sed -E 's/:[0-9]+:[0-9]+:/:/' | sort -u; }
		vetted > "$work/$name.vet.in" || true
		if [ -n "$tests" ]; then
			go test -count=1 -short -skip "$skip" -json $tests 2>/dev/null | results > "$work/$name.base" || true
		fi
		dirs=$(for p in $pkgs; do echo "$p"; done)
		n=$("$rt" annotate $dirs)
		echo "   $n functions annotated"
		echo "$n" >> "$work/nfuncs"
		gofmt -l $dirs | sort > "$work/$name.unformatted.in" || true
		round=0
		while :; do
			round=$((round + 1))
			[ $round -le 10 ] || fail "$mod: still refused after 10 rounds"
			rm -rf "$work/in/$name" && mkdir -p "$work/in/$name" && cp -r . "$work/in/$name/"
			if "$ti" $pkgs 2> "$work/$name.err"; then break; fi
			if grep -q 'go-build.*no such file or directory' "$work/$name.err"; then
				echo "   round $round: the build cache lost a file under us; again"
				continue
			fi
			before=$(cat $(for d in $dirs; do ls "$d"/*.go; done | grep -v _test.go) | grep -c '^//trace:span$' || true)
			"$rt" drop $dirs < "$work/$name.err" > "$work/$name.round"
			cat "$work/$name.round" >> "$work/refusals"
			after=$(cat $(for d in $dirs; do ls "$d"/*.go; done | grep -v _test.go) | grep -c '^//trace:span$' || true)
			echo "   round $round: $(grep -c . "$work/$name.round") errors, $((before - after)) directives taken off"
			[ "$after" -lt "$before" ] || { cut -c1-300 "$work/$name.err" | head -20; fail "$mod: an error that names no function"; }
		done
		grep -v 'has no context; passing context.TODO()' "$work/$name.err" | grep . && fail "$mod: unexpected output of a successful run" || true
		# gofmt-clean wherever the input was; vet clean.
		gofmt -l $dirs | sort > "$work/$name.unformatted.out" || true
		comm -13 "$work/$name.unformatted.in" "$work/$name.unformatted.out" | grep . && fail "$mod: output not gofmt-clean" || true
		vetted > "$work/$name.vet.out" || true
		comm -13 "$work/$name.vet.in" "$work/$name.vet.out" | grep . && fail "$mod: go vet finds what it did not find before" || true
		# A second run changes nothing; -check agrees.
		[ -z "$("$ti" -l $pkgs)" ] || fail "$mod: second run changes files"
		"$ti" -check $pkgs || fail "$mod: -check after a run"
		rm -rf "$work/first/$name" && mkdir -p "$work/first/$name" && cp -r . "$work/first/$name/"
		# -remove restores the input but added context parameters.
		"$ti" -remove $pkgs || fail "$mod: -remove"
		for d in $dirs; do "$rt" same "$work/in/$name/$d" "$d" | sed "s|^|   $d: -remove: |" || fail "$mod: -remove did not restore $d"; done
		# Instrumenting again reproduces the first run.
		"$ti" $pkgs 2>/dev/null || fail "$mod: run after -remove"
		for d in $dirs; do diff -r -x '*_test.go' "$work/first/$name/$d" "$d" > /dev/null || fail "$mod: run after -remove differs in $d"; done
		# Tests: the same results with the no-op and the recording tracer.
		if [ -n "$tests" ]; then
			go test -count=1 -short -skip "$skip" -json $tests 2>/dev/null | results > "$work/$name.noop" || true
			diff "$work/$name.base" "$work/$name.noop" || fail "$mod: tests differ with the no-op tracer"
			for t in $tests; do
				if ! grep -q 'func TestMain(' "$t"/*_test.go 2>/dev/null; then
					pkgname=$(go list -f '{{.Name}}' "$t")
					cat > "$t/zz_traceinject_mock_test.go" <<GO
package $pkgname

import (
	"os"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

func TestMain(m *testing.M) {
	if os.Getenv("TRACEINJECT_MOCK") != "" {
		opentracing.SetGlobalTracer(mocktracer.New())
	}
	os.Exit(m.Run())
}
GO
				fi
			done
			TRACEINJECT_MOCK=1 go test -count=1 -short -skip "$skip" -json $tests 2>/dev/null | results > "$work/$name.mock" || true
			# Allocation counts aside (mockskip): a recording tracer allocates.
			notalloc() { awk -v re="$mockskip" '{ t = $2; sub(/\/.*/, "", t); if (t !~ re) print }' "$1"; }
			diff <(notalloc "$work/$name.base") <(notalloc "$work/$name.mock") || fail "$mod: tests differ with mocktracer"
			echo "   tests: $(wc -l < "$work/$name.base") results, the same before, with the no-op tracer and with mocktracer"
		fi
	)
	npkgs=$((npkgs + $(echo $pkgs | wc -w)))
done
end=$(date +%s)
nfuncs=$(awk '{s+=$1} END {print s}' "$work/nfuncs")
echo
echo "packages: $npkgs  functions annotated: $nfuncs  refused: $(wc -l < "$work/refusals")  time: $((end - start))s"
echo "refusals by reason:"
sort "$work/refusals" | uniq -c | sort -rn | sed 's/^/   /'
