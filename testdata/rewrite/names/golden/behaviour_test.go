package names

import (
	"context"
	"errors"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

func setup(t *testing.T) (*mocktracer.MockTracer, context.Context) {
	tr := mocktracer.New()
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(tr)
	t.Cleanup(func() { opentracing.SetGlobalTracer(old) })
	return tr, context.Background()
}

// errorTagged reports whether the single finished span is marked as an error.
func errorTagged(t *testing.T, tr *mocktracer.MockTracer) bool {
	t.Helper()
	spans := tr.FinishedSpans()
	if len(spans) != 1 {
		t.Fatalf("got %d finished spans, want 1", len(spans))
	}
	return spans[0].Tag("error") == true
}

// The nested err declarations shadow the result named err: what the body
// returns is what the caller and the span see.
func TestNestedErrResult(t *testing.T) {
	tr, ctx := setup(t)
	if n, got := NestedErr(ctx, "42"); n != 42 || got != nil {
		t.Fatalf("NestedErr(42) = %d, %v", n, got)
	}
	if errorTagged(t, tr) {
		t.Error("span of a successful call is marked as an error")
	}

	tr, ctx = setup(t)
	if _, got := NestedErr(ctx, "x"); got != ErrNotNumber {
		t.Fatalf("NestedErr(x) = %v, want ErrNotNumber", got)
	}
	if !errorTagged(t, tr) {
		t.Error("span of a failed call is not marked as an error")
	}

	tr, ctx = setup(t)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, got := NestedErr(cancelled, "42"); !errors.Is(got, context.Canceled) {
		t.Fatalf("NestedErr on a cancelled context = %v", got)
	}
	if !errorTagged(t, tr) {
		t.Error("span of a cancelled call is not marked as an error")
	}
}

// Functions that refer to an err declared outside them still return it.
func TestOuterErrKept(t *testing.T) {
	tr, ctx := setup(t)
	if got := PackageErr(ctx); got == nil || got.Error() != "package-level err" {
		t.Fatalf("PackageErr = %v", got)
	}
	if !errorTagged(t, tr) {
		t.Error("PackageErr's span is not marked as an error")
	}

	tr, ctx = setup(t)
	if got := Enclosed()(ctx); got == nil || got.Error() != "enclosing err" {
		t.Fatalf("Enclosed()() = %v", got)
	}
	if !errorTagged(t, tr) {
		t.Error("the literal's span is not marked as an error")
	}
}
