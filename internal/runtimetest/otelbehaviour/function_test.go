package otelbehaviour

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceinject/traceinject/internal/behaviourtest"
	"github.com/traceinject/traceinject/runtime"
)

// A function without a span in its context starts a root span, and its body
// sees a context carrying its span.
func TestContextFunctionRoot(t *testing.T) {
	r := behaviourtest.Record(t)
	var inner trace.Span
	f := func(ctx context.Context) (err error) {
		//trace:begin
		ctx, span := runtime.Start(ctx, "p.F")
		defer span.End(&err)
		//trace:end
		inner = trace.SpanFromContext(ctx)
		return nil
	}
	if err := f(context.Background()); err != nil {
		t.Fatal(err)
	}
	span := r.Span(t, "p.F")
	behaviourtest.WantRoot(t, span)
	if !inner.SpanContext().Equal(span.SpanContext()) {
		t.Errorf("the body's context carries %s, want the function's span %s", inner.SpanContext().SpanID(), span.SpanContext().SpanID())
	}
}

type color int

func (c color) String() string { return [...]string{"red", "green"}[c] }

type userID string

type count uint16

type point struct{ X, Y int }

// Tags become attributes of the matching type.
func TestTagTypes(t *testing.T) {
	r := behaviourtest.Record(t)
	f := func(ctx context.Context) {
		//trace:begin
		ctx, span := runtime.Start(ctx, "p.tags")
		runtime.SetTag(span, "string", "s")
		runtime.SetTag(span, "int", 7)
		runtime.SetTag(span, "int32", int32(-3))
		runtime.SetTag(span, "int64", int64(1)<<40)
		runtime.SetTag(span, "uint8", uint8(200))
		runtime.SetTag(span, "uint64.big", uint64(1)<<63)
		runtime.SetTag(span, "bool", true)
		runtime.SetTag(span, "float64", 1.5)
		runtime.SetTag(span, "float32", float32(0.25))
		runtime.SetTag(span, "named.string", userID("u-1"))
		runtime.SetTag(span, "named.uint", count(9))
		runtime.SetTag(span, "stringer", color(1))
		runtime.SetTag(span, "duration", 1500*time.Millisecond)
		runtime.SetTag(span, "error", errors.New("bad"))
		runtime.SetTag(span, "struct", point{1, 2})
		runtime.SetTag(span, "pointer.nil", (*point)(nil))
		runtime.SetTag(span, "any.nil", any(nil))
		defer span.End(nil)
		//trace:end
		_ = ctx
	}
	f(context.Background())
	behaviourtest.WantAttrs(t, r.Span(t, "p.tags"),
		attribute.String("string", "s"),
		attribute.Int64("int", 7),
		attribute.Int64("int32", -3),
		attribute.Int64("int64", 1<<40),
		attribute.Int64("uint8", 200),
		attribute.String("uint64.big", "9223372036854775808"),
		attribute.Bool("bool", true),
		attribute.Float64("float64", 1.5),
		attribute.Float64("float32", 0.25),
		attribute.String("named.string", "u-1"),
		attribute.Int64("named.uint", 9),
		attribute.String("stringer", "green"),
		attribute.String("duration", "1.5s"),
		attribute.String("error", "bad"),
		attribute.String("struct", "{1 2}"),
		attribute.String("pointer.nil", "<nil>"),
		attribute.String("any.nil", "<nil>"))
}

// A panic is recorded with its stack, the span ends with status Error, and
// the panic goes on with the same value.
func TestContextFunctionPanic(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value any
		desc  string
	}{
		{"string", "boom", "panic: boom"},
		{"error", errors.New("broken"), "panic: broken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := behaviourtest.Record(t)
			ctx, parent := r.Parent(t)
			f := func(ctx context.Context) (err error) {
				//trace:begin
				ctx, span := runtime.Start(ctx, "p.explode")
				defer span.End(&err)
				//trace:end
				panic(tc.value)
			}
			var got any
			func() {
				defer func() { got = recover() }()
				f(ctx)
			}()
			if got != tc.value {
				t.Fatalf("recovered %v, want the panic value %v", got, tc.value)
			}
			span := r.Span(t, "p.explode")
			behaviourtest.WantParent(t, span, parent.SpanContext())
			behaviourtest.WantStatus(t, span, codes.Error, tc.desc)
			if ex := behaviourtest.Exceptions(span); len(ex) != 1 || "panic: "+ex[0] != tc.desc {
				t.Errorf("exceptions %q", ex)
			}
			if !behaviourtest.HasStacktrace(span) {
				t.Error("no exception.stacktrace")
			}
		})
	}
}

// follows: a child in the same trace that also links to the caller's span.
func TestFollows(t *testing.T) {
	r := behaviourtest.Record(t)
	ctx, parent := r.Parent(t)
	f := func(ctx context.Context) {
		//trace:begin
		ctx, span := runtime.StartFollowsFrom(ctx, "p.async")
		defer span.End(nil)
		//trace:end
		_ = ctx
	}
	f(ctx)
	span := r.Span(t, "p.async")
	behaviourtest.WantParent(t, span, parent.SpanContext())
	if links := span.Links(); len(links) != 1 || links[0].SpanContext.SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("links %v, want one to the caller's span", links)
	}
}

// runtime.WithSpan, which threading inside annotated bodies writes, gives
// a context carrying the function's span and keeps the context's values.
func TestWithSpan(t *testing.T) {
	r := behaviourtest.Record(t)
	type key struct{}
	var got context.Context
	f := func(ctx context.Context) {
		//trace:begin
		ctx, span := runtime.Start(ctx, "p.thread")
		defer span.End(nil)
		//trace:end
		got = runtime.WithSpan(context.WithValue(context.Background(), key{}, "v"), span)
		_ = ctx
	}
	f(context.Background())
	span := r.Span(t, "p.thread")
	if sc := trace.SpanContextFromContext(got); !sc.Equal(span.SpanContext()) {
		t.Errorf("WithSpan's context carries %s, want %s", sc.SpanID(), span.SpanContext().SpanID())
	}
	if got.Value(key{}) != "v" {
		t.Error("WithSpan lost a value")
	}
}

// TestContextFunctionNilContext: after traceotel.Use, a function that accepts
// a nil context (and checks for it) still sees nil; its span is a root.
func TestContextFunctionNilContext(t *testing.T) {
	r := behaviourtest.Record(t)
	f := func(ctx context.Context) (sawNil bool) {
		//trace:begin
		ctx, span := runtime.Start(ctx, "p.F")
		defer span.End(nil)
		//trace:end
		return ctx == nil
	}
	var nilCtx context.Context
	if !f(nilCtx) {
		t.Error("the body of a function given a nil context saw a context")
	}
	behaviourtest.WantRoot(t, r.Span(t, "p.F"))
}
