package runtime_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/internal/backend"
)

// fakeBackend logs every call it gets.
type fakeBackend struct{ calls []string }

type fakeSpan struct{ name string }

type fakeKey struct{}

func (f *fakeBackend) log(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeBackend) Start(ctx context.Context, name string, follows bool) (context.Context, any) {
	f.log("Start %s follows=%v", name, follows)
	s := &fakeSpan{name}
	return context.WithValue(ctx, fakeKey{}, s), s
}
func (f *fakeBackend) ContextWithSpan(ctx context.Context, span any) context.Context {
	return context.WithValue(ctx, fakeKey{}, span)
}
func (f *fakeBackend) HasSpan(ctx context.Context) bool         { return ctx.Value(fakeKey{}) != nil }
func (f *fakeBackend) IsActive(ctx context.Context, s any) bool { return ctx.Value(fakeKey{}) == s }
func (f *fakeBackend) Inject(context.Context, backend.Carrier)  {}
func (f *fakeBackend) SetString(_ any, k, v string)             { f.log("SetString %s=%s", k, v) }
func (f *fakeBackend) SetInt(_ any, k string, v int64)          { f.log("SetInt %s=%d", k, v) }
func (f *fakeBackend) SetBool(_ any, k string, v bool)          { f.log("SetBool %s=%v", k, v) }
func (f *fakeBackend) SetFloat(_ any, k string, v float64)      { f.log("SetFloat %s=%v", k, v) }
func (f *fakeBackend) SetValue(_ any, k string, v any)          { f.log("SetValue %s=%v(%T)", k, v, v) }
func (f *fakeBackend) RecordError(_ any, err error)             { f.log("RecordError %v", err) }
func (f *fakeBackend) Fail(_ any, err error)                    { f.log("Fail %v", err) }
func (f *fakeBackend) FailPanic(_ any, r any)                   { f.log("FailPanic %v", r) }
func (f *fakeBackend) Finish(span any)                          { f.log("Finish %s", span.(*fakeSpan).name) }
func (f *fakeBackend) EndHTTPServer(any, int)                   {}
func (f *fakeBackend) EndHTTPClient(any, int)                   {}
func (f *fakeBackend) EndRPC(any, uint32, bool, string)         {}
func (f *fakeBackend) StartRPC(ctx context.Context, _ *backend.RPC, _ bool, _ backend.Carrier) (context.Context, any) {
	return ctx, &fakeSpan{}
}
func (f *fakeBackend) StartHTTPServer(r *http.Request, _, _ string, _ bool) (context.Context, any) {
	return r.Context(), &fakeSpan{}
}
func (f *fakeBackend) StartHTTPClient(r *http.Request, _, _ string) (context.Context, any) {
	return r.Context(), &fakeSpan{}
}

func useFake(t *testing.T) *fakeBackend {
	f := new(fakeBackend)
	backend.Set(f)
	t.Cleanup(func() { backend.Set(nil) })
	return f
}

type level int

// With a backend installed, the injected calls go to it, tags by type.
func TestBackendDispatch(t *testing.T) {
	f := useFake(t)
	run := func(ctx context.Context) (err error) {
		ctx, span := runtime.Start(ctx, "p.F")
		runtime.SetTag(span, "s", "x")
		runtime.SetTag(span, "i", 1)
		runtime.SetTag(span, "i32", int32(2))
		runtime.SetTag(span, "i64", int64(3))
		runtime.SetTag(span, "b", true)
		runtime.SetTag(span, "f", 0.5)
		runtime.SetTag(span, "l", level(4))
		defer span.End(&err)
		if ctx.Value(fakeKey{}) == nil {
			t.Error("the body's context does not carry the span")
		}
		if runtime.WithSpan(context.Background(), span).Value(fakeKey{}) == nil {
			t.Error("WithSpan does not add the span")
		}
		return fmt.Errorf("failed")
	}
	run(context.Background())
	want := "Start p.F follows=false; SetString s=x; SetInt i=1; SetInt i32=2; SetInt i64=3; SetBool b=true; " +
		"SetFloat f=0.5; SetValue l=4(runtime_test.level); Fail failed; Finish p.F"
	if got := strings.Join(f.calls, "; "); got != want {
		t.Errorf("calls\n%s\nwant\n%s", got, want)
	}
}

func TestBackendPanic(t *testing.T) {
	f := useFake(t)
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("recovered %v", r)
		}
		if got := strings.Join(f.calls, "; "); got != "Start p.G follows=true; FailPanic boom; Finish p.G" {
			t.Errorf("calls %s", got)
		}
	}()
	func() {
		_, span := runtime.StartFollowsFrom(context.Background(), "p.G")
		defer span.End(nil)
		panic("boom")
	}()
}

// A span started before a backend is installed stays an OpenTracing span to
// its end; removing the backend brings OpenTracing back.
func TestBackendSwitch(t *testing.T) {
	mock := mocktracer.New()
	old := opentracing.GlobalTracer()
	opentracing.SetGlobalTracer(mock)
	defer opentracing.SetGlobalTracer(old)

	_, before := runtime.Start(context.Background(), "before")
	f := useFake(t)
	duringCtx, during := runtime.Start(context.Background(), "during")
	if opentracing.SpanFromContext(duringCtx) != nil {
		t.Error("a span started under the backend is an OpenTracing span")
	}
	before.End(nil)
	during.End(nil)
	if n := len(mock.FinishedSpans()); n != 1 {
		t.Errorf("%d OpenTracing spans finished, want the one started before", n)
	}
	if got := strings.Join(f.calls, "; "); got != "Start during follows=false; Finish during" {
		t.Errorf("calls %s", got)
	}
	if runtime.NewOptions().ActiveTracer("op") == nil {
		t.Error("ActiveTracer is nil under a backend")
	}
	backend.Set(nil)
	if tr := runtime.NewOptions().ActiveTracer("op"); tr != mock {
		t.Errorf("ActiveTracer %T after the backend is removed, want the global tracer", tr)
	}
}
