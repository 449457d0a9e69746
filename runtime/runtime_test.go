package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/traceinject/traceinject/runtime"
)

// useTracer installs t as the global tracer for the duration of the test.
// Tests that call it must not run in parallel.
func useTracer(t *testing.T, tracer opentracing.Tracer) {
	t.Helper()
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(tracer)
	t.Cleanup(func() { opentracing.SetGlobalTracer(old) })
}

var errLookup = errors.New("lookup failed")

// lookup is written the way traceinject instruments a context function.
func lookup(ctx context.Context, id string, fail bool) (_ string, err error) {
	//trace:begin
	ctx, span := runtime.Start(ctx, "store.lookup")
	runtime.SetTag(span, "id", id)
	defer span.End(&err)
	//trace:end
	if fail {
		return "", errLookup
	}
	return callee(ctx), nil
}

// callee reports the operation name of the span its context carries.
func callee(ctx context.Context) string {
	if s, ok := opentracing.SpanFromContext(ctx).(*mocktracer.MockSpan); ok {
		return s.OperationName
	}
	return ""
}

func TestStartIsChildOfContextSpan(t *testing.T) {
	tracer := mocktracer.New()
	useTracer(t, tracer)

	parent := tracer.StartSpan("parent")
	ctx := opentracing.ContextWithSpan(context.Background(), parent)
	got, err := lookup(ctx, "42", false)
	parent.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if got != "store.lookup" {
		t.Errorf("callee saw span %q, want store.lookup", got)
	}

	spans := tracer.FinishedSpans()
	if len(spans) != 2 {
		t.Fatalf("finished %d spans, want 2", len(spans))
	}
	child := spans[0]
	if child.OperationName != "store.lookup" {
		t.Errorf("operation %q", child.OperationName)
	}
	if child.ParentID != parent.(*mocktracer.MockSpan).SpanContext.SpanID {
		t.Errorf("parent id %d, want %d", child.ParentID, parent.(*mocktracer.MockSpan).SpanContext.SpanID)
	}
	if child.Tag("id") != "42" {
		t.Errorf("tag id = %v", child.Tag("id"))
	}
	if child.Tag("error") != nil {
		t.Errorf("error tag set on success: %v", child.Tag("error"))
	}
}

func TestStartWithoutParentIsRoot(t *testing.T) {
	tracer := mocktracer.New()
	useTracer(t, tracer)

	if _, err := lookup(context.Background(), "1", false); err != nil {
		t.Fatal(err)
	}
	spans := tracer.FinishedSpans()
	if len(spans) != 1 || spans[0].ParentID != 0 {
		t.Fatalf("spans = %v, want one root span", spans)
	}
}

func TestEndRecordsReturnedError(t *testing.T) {
	tracer := mocktracer.New()
	useTracer(t, tracer)

	_, err := lookup(context.Background(), "7", true)
	if err != errLookup {
		t.Fatalf("err = %v, want the function's own error unchanged", err)
	}
	span := tracer.FinishedSpans()[0]
	if span.Tag("error") != true {
		t.Errorf("error tag = %v, want true", span.Tag("error"))
	}
	logs := span.Logs()
	if len(logs) != 1 {
		t.Fatalf("%d log records, want 1", len(logs))
	}
	fields := map[string]string{}
	for _, f := range logs[0].Fields {
		fields[f.Key] = f.ValueString
	}
	if fields["event"] != "error" || fields["error.object"] != errLookup.Error() {
		t.Errorf("log fields = %v", fields)
	}
}

func TestStartFollowsFrom(t *testing.T) {
	tracer := mocktracer.New()
	useTracer(t, tracer)

	parent := tracer.StartSpan("request")
	ctx := opentracing.ContextWithSpan(context.Background(), parent)
	_, span := runtime.StartFollowsFrom(ctx, "audit")
	span.End(nil)

	finished := tracer.FinishedSpans()
	if len(finished) != 1 {
		t.Fatalf("finished %d spans, want 1", len(finished))
	}
	// mocktracer records the referenced span as parent for both reference
	// kinds, so check the reference type through a recording tracer.
	if finished[0].ParentID != parent.(*mocktracer.MockSpan).SpanContext.SpanID {
		t.Errorf("follows-from span not linked to the request span")
	}
	rec := &refRecorder{Tracer: tracer}
	useTracer(t, rec)
	_, span = runtime.StartFollowsFrom(ctx, "audit")
	span.End(nil)
	if rec.last != opentracing.FollowsFromRef {
		t.Errorf("reference type = %v, want FollowsFrom", rec.last)
	}
	_, span = runtime.Start(ctx, "child")
	span.End(nil)
	if rec.last != opentracing.ChildOfRef {
		t.Errorf("reference type = %v, want ChildOf", rec.last)
	}
}

// refRecorder remembers the reference type of the last span started.
type refRecorder struct {
	opentracing.Tracer
	last opentracing.SpanReferenceType
}

func (r *refRecorder) StartSpan(name string, opts ...opentracing.StartSpanOption) opentracing.Span {
	var so opentracing.StartSpanOptions
	for _, o := range opts {
		o.Apply(&so)
	}
	r.last = -1
	for _, ref := range so.References {
		r.last = ref.Type
	}
	return r.Tracer.StartSpan(name, opts...)
}

func panics(ctx context.Context) (err error) {
	//trace:begin
	_, span := runtime.Start(ctx, "panics")
	defer span.End(&err)
	//trace:end
	panic("boom")
}

func TestEndFinishesAndRepanics(t *testing.T) {
	tracer := mocktracer.New()
	useTracer(t, tracer)

	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = panics(context.Background())
	}()
	if recovered != "boom" {
		t.Fatalf("recovered %v, want the original panic value", recovered)
	}
	spans := tracer.FinishedSpans()
	if len(spans) != 1 {
		t.Fatalf("finished %d spans, want exactly 1", len(spans))
	}
	if spans[0].Tag("error") != true {
		t.Errorf("error tag = %v, want true", spans[0].Tag("error"))
	}
}

func TestNoopTracerChangesNothing(t *testing.T) {
	useTracer(t, opentracing.NoopTracer{})

	ctx := context.WithValue(context.Background(), struct{}{}, 1)
	got, span := runtime.Start(ctx, "op")
	if got != ctx {
		t.Error("Start replaced the context under the no-op tracer")
	}
	if span != (runtime.Span{}) {
		t.Error("Start returned a recording span under the no-op tracer")
	}
	if runtime.WithSpan(ctx, span) != ctx {
		t.Error("WithSpan replaced the context for a span that does not record")
	}
	if runtime.Background(span) != context.Background() {
		t.Error("Background is not context.Background() for a span that does not record")
	}
	span.End(nil)
}

// TestBackgroundIsNeverCancelled: the context traceinject gives
// http.NewRequest carries the span and, like context.Background(), is
// never done, whatever happens to the function's own context.
func TestBackgroundIsNeverCancelled(t *testing.T) {
	useTracer(t, mocktracer.New())
	base, cancel := context.WithTimeout(context.Background(), time.Hour)
	started, span := runtime.Start(base, "op")
	ctx := runtime.Background(span)
	cancel()
	if want := opentracing.SpanFromContext(started); want == nil || opentracing.SpanFromContext(ctx) != want {
		t.Fatal("Background does not carry the span")
	}
	if _, ok := ctx.Deadline(); ok || ctx.Done() != nil || ctx.Err() != nil {
		t.Errorf("Background has a deadline or can be cancelled")
	}
	span.End(nil)
}

func TestWithSpanKeepsCancellation(t *testing.T) {
	tracer := mocktracer.New()
	useTracer(t, tracer)

	base, cancel := context.WithCancel(context.Background())
	started, span := runtime.Start(base, "op")
	ctx := runtime.WithSpan(base, span)
	if want := opentracing.SpanFromContext(started); want == nil || opentracing.SpanFromContext(ctx) != want {
		t.Fatal("WithSpan did not attach the span")
	}
	cancel()
	if ctx.Err() != context.Canceled {
		t.Errorf("ctx.Err() = %v after cancelling its parent", ctx.Err())
	}
	span.End(nil)
}

func TestOptionsActiveTracer(t *testing.T) {
	useTracer(t, opentracing.NoopTracer{})
	mock := mocktracer.New()

	if tr := runtime.NewOptions().ActiveTracer("op"); tr != nil {
		t.Errorf("no options under the no-op global tracer: got %T, want nil", tr)
	}
	if tr := runtime.NewOptions(runtime.WithTracer(mock)).ActiveTracer("op"); tr != mock {
		t.Errorf("WithTracer: got %T, want the mock tracer", tr)
	}
	skip := runtime.WithSkip(func(op string) bool { return op == "/grpc.health.v1.Health/Check" })
	o := runtime.NewOptions(runtime.WithTracer(mock), skip)
	if o.ActiveTracer("/grpc.health.v1.Health/Check") != nil {
		t.Error("skipped operation still has a tracer")
	}
	if o.ActiveTracer("/shop.v1.Shop/Get") != mock {
		t.Error("operation not skipped lost its tracer")
	}

	// Without WithTracer the global tracer is read when the span starts.
	o = runtime.NewOptions()
	opentracing.SetGlobalTracer(mock)
	if o.ActiveTracer("op") != mock {
		t.Error("options did not follow a global tracer set after they were made")
	}
}

// TestNoopAllocatesNothing: what traceinject injects into a context function
// (Start, SetTag, a deferred End, WithSpan for a threaded context) allocates
// nothing under the no-op tracer.
func TestNoopAllocatesNothing(t *testing.T) {
	useTracer(t, opentracing.NoopTracer{})
	ctx := context.Background()
	id := 42
	f := func() (err error) {
		ctx, span := runtime.Start(ctx, "p.F")
		runtime.SetTag(span, "id", id)
		runtime.SetTag(span, "user", "ann")
		defer span.End(&err)
		_ = runtime.WithSpan(ctx, span)
		_ = runtime.Background(span)
		return nil
	}
	if allocs := testing.AllocsPerRun(100, func() { f() }); allocs != 0 {
		t.Errorf("an instrumented function allocates %v times per call under the no-op tracer, want 0", allocs)
	}
}

// TestStartNilContext: a function that accepts a nil context still sees nil
// after Start, with the no-op tracer and with a recording one, which starts
// a root span.
func TestStartNilContext(t *testing.T) {
	for _, tc := range []struct {
		name string
		tr   opentracing.Tracer
	}{{"noop", opentracing.NoopTracer{}}, {"mocktracer", mocktracer.New()}} {
		t.Run(tc.name, func(t *testing.T) {
			useTracer(t, tc.tr)
			for _, start := range []func(context.Context, string) (context.Context, runtime.Span){runtime.Start, runtime.StartFollowsFrom} {
				func() {
					var nilCtx context.Context
					ctx, span := start(nilCtx, "f")
					defer span.End(nil)
					if ctx != nil {
						t.Errorf("Start(nil) returned %v, want nil", ctx)
					}
				}()
			}
			if mt, ok := tc.tr.(*mocktracer.MockTracer); ok {
				spans := mt.FinishedSpans()
				if len(spans) != 2 || spans[0].ParentID != 0 || spans[1].ParentID != 0 {
					t.Errorf("spans %v, want two roots", spans)
				}
			}
		})
	}
}
