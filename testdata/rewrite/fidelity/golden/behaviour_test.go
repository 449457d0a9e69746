package fidelity

import (
	"context"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

func TestSpansAndResults(t *testing.T) {
	tr := mocktracer.New()
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(tr)
	t.Cleanup(func() { opentracing.SetGlobalTracer(old) })
	ctx := context.Background()

	if err := Lookup(ctx, ""); err == nil {
		t.Fatal("Lookup(\"\") returned no error")
	}
	if err := Lookup(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if got := Blank(ctx); got != 3 {
		t.Fatalf("Blank = %d, want 3", got)
	}
	Commented(ctx)
	OnlyComment(ctx)
	Empty(ctx)
	Literal(ctx)()
	want := []string{"fidelity.Lookup", "fidelity.Lookup", "fidelity.Blank", "fidelity.Commented", "fidelity.OnlyComment", "fidelity.Empty", "fidelity.Literal.func1"}
	spans := tr.FinishedSpans()
	if len(spans) != len(want) {
		t.Fatalf("got %d spans, want %d", len(spans), len(want))
	}
	for i, s := range spans {
		if s.OperationName != want[i] {
			t.Errorf("span %d is %q, want %q", i, s.OperationName, want[i])
		}
	}
	if spans[0].Tag("error") != true || spans[1].Tag("error") != nil {
		t.Errorf("error tags: %v, %v", spans[0].Tag("error"), spans[1].Tag("error"))
	}
}
