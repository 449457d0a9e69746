package svc

import (
	"context"
	"errors"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
)

// refTracer records the reference type each span was started with, which
// mocktracer does not keep.
type refTracer struct {
	*mocktracer.MockTracer
	refs map[string]opentracing.SpanReferenceType
}

func (t *refTracer) StartSpan(op string, opts ...opentracing.StartSpanOption) opentracing.Span {
	var o opentracing.StartSpanOptions
	for _, opt := range opts {
		opt.Apply(&o)
	}
	for _, r := range o.References {
		t.refs[op] = r.Type
	}
	return t.MockTracer.StartSpan(op, opts...)
}

func setup(t *testing.T) (*refTracer, context.Context, *mocktracer.MockSpan) {
	tr := &refTracer{MockTracer: mocktracer.New(), refs: map[string]opentracing.SpanReferenceType{}}
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(tr)
	t.Cleanup(func() { opentracing.SetGlobalTracer(old) })
	parent := tr.StartSpan("parent").(*mocktracer.MockSpan)
	return tr, opentracing.ContextWithSpan(context.Background(), parent), parent
}

// only returns the single finished span other than the parent.
func only(t *testing.T, tr *refTracer) *mocktracer.MockSpan {
	t.Helper()
	spans := tr.FinishedSpans()
	if len(spans) != 1 {
		t.Fatalf("got %d finished spans, want exactly 1: %v", len(spans), spans)
	}
	return spans[0]
}

func hasErrorLog(s *mocktracer.MockSpan) bool {
	for _, l := range s.Logs() {
		for _, f := range l.Fields {
			if f.Key == "event" && f.ValueString == "error" {
				return true
			}
		}
	}
	return false
}

func TestGetIsChildWithTags(t *testing.T) {
	tr, ctx, parent := setup(t)
	s := &Service{name: "users"}
	u, err := s.Get(ctx, "42")
	if err != nil || u.ID != "42" {
		t.Fatalf("Get = %v, %v", u, err)
	}
	sp := only(t, tr)
	if sp.OperationName != "svc.Service.Get" || sp.ParentID != parent.SpanContext.SpanID {
		t.Errorf("span %q parent %d, want svc.Service.Get under %d", sp.OperationName, sp.ParentID, parent.SpanContext.SpanID)
	}
	if tr.refs["svc.Service.Get"] != opentracing.ChildOfRef {
		t.Errorf("reference %v, want ChildOf", tr.refs["svc.Service.Get"])
	}
	for k, v := range map[string]any{"account_id": "42", "service": "users", "kind": "lookup"} {
		if sp.Tag(k) != v {
			t.Errorf("tag %s = %v, want %v", k, sp.Tag(k), v)
		}
	}
	if sp.Tag("error") != nil || hasErrorLog(sp) {
		t.Errorf("unexpected error on span: %v %v", sp.Tags(), sp.Logs())
	}
}

func TestReturnedErrorIsRecorded(t *testing.T) {
	tr, ctx, _ := setup(t)
	if _, err := (&Service{}).Get(ctx, ""); !errors.Is(err, errNotFound) {
		t.Fatalf("Get error = %v, want errNotFound (the function's behaviour must not change)", err)
	}
	sp := only(t, tr)
	if sp.Tag("error") != true || !hasErrorLog(sp) {
		t.Errorf("want error=true and an event=error log, got %v %v", sp.Tags(), sp.Logs())
	}
}

func TestBareReturnErrorIsRecorded(t *testing.T) {
	tr, ctx, _ := setup(t)
	if err := (Service{}).Put(ctx, nil); !errors.Is(err, errNotFound) {
		t.Fatalf("Put = %v", err)
	}
	sp := only(t, tr)
	if sp.OperationName != "svc.Service.Put" || sp.Tag("error") != true {
		t.Errorf("span %q tags %v", sp.OperationName, sp.Tags())
	}
	tr.Reset()
	if err := (Service{}).Put(ctx, &User{}); err != nil {
		t.Fatal(err)
	}
	if sp := only(t, tr); sp.Tag("error") != nil {
		t.Errorf("nil error recorded as error: %v", sp.Tags())
	}
}

func TestUnnamedAndBlankParameters(t *testing.T) {
	tr, ctx, parent := setup(t)
	if err := unnamed(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if sp := only(t, tr); sp.OperationName != "svc.unnamed" || sp.ParentID != parent.SpanContext.SpanID {
		t.Errorf("got %q parent %d", sp.OperationName, sp.ParentID)
	}
	tr.Reset()
	if n := blank(ctx, 21); n != 42 {
		t.Fatalf("blank = %d", n)
	}
	sp := only(t, tr)
	if sp.OperationName != "blank ctx" || sp.ParentID != parent.SpanContext.SpanID || tr.refs["blank ctx"] != opentracing.FollowsFromRef {
		t.Errorf("got %q parent %d ref %v, want a FollowsFrom span", sp.OperationName, sp.ParentID, tr.refs["blank ctx"])
	}
}

func TestGenericReceiver(t *testing.T) {
	tr, ctx, _ := setup(t)
	l := &List[int]{items: []int{1, 2}}
	l.Push(ctx, 3)
	sp := only(t, tr)
	if sp.OperationName != "svc.List.Push" || sp.Tag("len") != 2 || len(l.items) != 3 {
		t.Errorf("got %q len tag %v items %v", sp.OperationName, sp.Tag("len"), l.items)
	}
}

func TestRootSpanWithoutParent(t *testing.T) {
	tr, _, _ := setup(t)
	empty(context.Background())
	if sp := only(t, tr); sp.OperationName != "svc.empty" || sp.ParentID != 0 {
		t.Errorf("got %q parent %d, want a root span", sp.OperationName, sp.ParentID)
	}
}

func TestPanicFinishesOnceAndRepanics(t *testing.T) {
	tr, ctx, _ := setup(t)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the original panic", r)
			}
		}()
		explode(ctx, "boom")
		t.Error("explode returned")
	}()
	sp := only(t, tr)
	if sp.Tag("error") != true || !hasErrorLog(sp) {
		t.Errorf("panic not recorded: %v %v", sp.Tags(), sp.Logs())
	}
}

func TestNoTracerNoSpans(t *testing.T) {
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(opentracing.NoopTracer{})
	defer opentracing.SetGlobalTracer(old)
	if _, err := (&Service{}).Get(context.Background(), ""); !errors.Is(err, errNotFound) {
		t.Fatalf("Get = %v", err)
	}
}
