// Package difftest checks, in the behaviour tests of instrumented code, that
// traceinject changes nothing but spans: a program observed with
// opentracing's no-op tracer and with a recording tracer installed as the
// global tracer must give the same results.
//
// The golden tests of the rewriter also run the same tests against the
// uninstrumented input of a case and compare what both observed. Two
// environment variables serve that harness: with OutDirEnv set, Same writes
// each observation to that directory (a file named after the test's case
// directory and the test), and with UninstrumentedEnv set it does not require
// the observation to have started spans.
package difftest

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

// Same runs observe twice, first with opentracing's no-op tracer and then
// with a mocktracer as the global tracer (the previous global tracer is
// restored afterwards), and fails t when the two observations differ
// (reflect.DeepEqual). It returns the observation made under the recording
// tracer, so that a test can also compare it with what the program does
// without instrumentation.
//
// An observation is what the program does that a user can see: responses,
// return values, errors (as strings), what callees saw, including the
// dynamic type of a context passed on (%T). It must not contain spans.
func Same[T any](t *testing.T, observe func(t *testing.T) T) T {
	t.Helper()
	old := opentracing.GlobalTracer()
	defer opentracing.SetGlobalTracer(old)

	opentracing.SetGlobalTracer(opentracing.NoopTracer{})
	untraced := observe(t)
	tr := mocktracer.New()
	opentracing.SetGlobalTracer(tr)
	traced := observe(t)
	if !reflect.DeepEqual(untraced, traced) {
		t.Errorf("behaviour changed with a recording tracer:%s", diff(untraced, traced))
	}
	if len(tr.FinishedSpans()) == 0 && os.Getenv(UninstrumentedEnv) == "" {
		// Not an error of the program, but of the test: the observation
		// did not run any instrumented code.
		t.Errorf("observation ran no instrumented code: the recording tracer finished no span")
	}
	if dir := os.Getenv(OutDirEnv); dir != "" {
		write(t, dir, traced)
	}
	return traced
}

// Environment variables read by Same.
const (
	OutDirEnv         = "TRACEINJECT_DIFFTEST_OUT"
	UninstrumentedEnv = "TRACEINJECT_DIFFTEST_UNINSTRUMENTED"
)

// write saves the observation as <case>.<test>, where <case> is the name of
// the directory above the package's (<case>/golden, where the rewriter's
// tests extract testdata/rewrite/<case>.txtar).
func write(t *testing.T, dir string, v any) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(filepath.Dir(wd)) + "." + strings.ReplaceAll(t.Name(), "/", "_")
	if err := os.WriteFile(filepath.Join(dir, name), []byte(fmt.Sprintf("%#v\n", v)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// diff shows the two observations, or for maps only the entries that differ.
func diff(untraced, traced any) string {
	u, r := reflect.ValueOf(untraced), reflect.ValueOf(traced)
	if u.Kind() != reflect.Map {
		return fmt.Sprintf("\n no-op tracer: %#v\n mocktracer:   %#v", untraced, traced)
	}
	var lines []string
	keys := map[any]reflect.Value{}
	for _, k := range append(u.MapKeys(), r.MapKeys()...) {
		keys[k.Interface()] = k
	}
	for _, k := range keys {
		uv, rv := u.MapIndex(k), r.MapIndex(k)
		if uv.IsValid() && rv.IsValid() && reflect.DeepEqual(uv.Interface(), rv.Interface()) {
			continue
		}
		lines = append(lines, fmt.Sprintf("\n %#v:\n  no-op tracer: %s\n  mocktracer:   %s", k.Interface(), value(uv), value(rv)))
	}
	sort.Strings(lines)
	return strings.Join(lines, "")
}

func value(v reflect.Value) string {
	if !v.IsValid() {
		return "(missing)"
	}
	return fmt.Sprintf("%#v", v.Interface())
}
