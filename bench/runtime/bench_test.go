package runtime_test

import (
	"context"
	"io"
	"testing"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
	jaeger "github.com/uber/jaeger-client-go"

	"github.com/traceinject/traceinject/runtime"
)

// The three functions below do the same work. bare is not traced;
// instrumented is what traceinject injects; handWritten is the seed
// article's pattern (StartSpanFromContext plus a deferred Finish).

//go:noinline
func bare(ctx context.Context, id string) (string, error) {
	return work(ctx, id)
}

//go:noinline
func instrumented(ctx context.Context, id string) (_ string, err error) {
	//trace:begin
	ctx, span := runtime.Start(ctx, "bench.instrumented")
	runtime.SetTag(span, "id", id)
	defer span.End(&err)
	//trace:end
	return work(ctx, id)
}

//go:noinline
func handWritten(ctx context.Context, id string) (string, error) {
	span, ctx := opentracing.StartSpanFromContext(ctx, "bench.handWritten")
	span.SetTag("id", id)
	defer span.Finish()
	return work(ctx, id)
}

//go:noinline
func work(ctx context.Context, id string) (string, error) {
	if ctx == nil {
		return "", io.EOF
	}
	return id, nil
}

func benchTracers() []struct {
	name   string
	tracer func() (opentracing.Tracer, func())
} {
	return []struct {
		name   string
		tracer func() (opentracing.Tracer, func())
	}{
		{"noop", func() (opentracing.Tracer, func()) { return opentracing.NoopTracer{}, func() {} }},
		{"jaeger", func() (opentracing.Tracer, func()) {
			t, closer := jaeger.NewTracer("bench", jaeger.NewConstSampler(true), jaeger.NewNullReporter())
			return t, func() { closer.Close() }
		}},
		{"mock", func() (opentracing.Tracer, func()) {
			m := mocktracer.New()
			return m, func() {}
		}},
	}
}

// BenchmarkContextFunction measures one call of a traced context function,
// whose caller's context carries a span, under each tracer.
func BenchmarkContextFunction(b *testing.B) {
	funcs := []struct {
		name string
		f    func(context.Context, string) (string, error)
	}{
		{"bare", bare},
		{"traceinject", instrumented},
		{"handwritten", handWritten},
	}
	for _, tr := range benchTracers() {
		for _, fn := range funcs {
			b.Run(tr.name+"/"+fn.name, func(b *testing.B) {
				tracer, done := tr.tracer()
				defer done()
				old := opentracing.GlobalTracer()
				opentracing.SetGlobalTracer(tracer)
				defer opentracing.SetGlobalTracer(old)

				parent := tracer.StartSpan("parent")
				ctx := opentracing.ContextWithSpan(context.Background(), parent)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if m, ok := tracer.(*mocktracer.MockTracer); ok && i%1024 == 0 {
						m.Reset() // keep the recorder from growing without bound
					}
					if _, err := fn.f(ctx, "42"); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
