// Package oteltree checks the shop's span trees when it records natively to
// OpenTelemetry (traceotel.Use): the same tree as under OpenTracing
// (app.TestTraceTree), with OpenTelemetry's names, kinds and attributes. A
// package of its own because traceotel.Use holds for the whole test binary.
package oteltree

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/test/bufconn"

	"github.com/traceinject/traceinject/examples/shop/internal/app"
	"github.com/traceinject/traceinject/examples/shop/internal/gateway"
	"github.com/traceinject/traceinject/runtime/traceotel"
)

func TestTraceTree(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	traceotel.Use(tp, prop)

	gin.SetMode(gin.TestMode)
	lis := bufconn.Listen(1 << 20)
	srv := app.ServeCatalog(lis)
	t.Cleanup(srv.Stop)
	client, conn, err := gateway.Dial("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	hs := httptest.NewServer(gateway.New(client))
	t.Cleanup(hs.Close)

	type step struct {
		name string
		kind trace.SpanKind
		err  bool
	}
	chain := func(errs ...bool) []step {
		return []step{
			{"GET /api/v1/products/:id", trace.SpanKindServer, errs[0]},
			{"shop.v1.Catalog/GetProduct", trace.SpanKindClient, errs[1]},
			{"shop.v1.Catalog/GetProduct", trace.SpanKindServer, errs[2]},
			{"catalog.Service.GetProduct", trace.SpanKindInternal, errs[3]},
			{"catalog.validate", trace.SpanKindInternal, errs[4]},
		}
	}
	for _, c := range []struct {
		path   string
		status int
		chain  []step
	}{
		{"/api/v1/products/p-1", 200, chain(false, false, false, false, false)},
		{"/api/v1/products/p-broken", 500, chain(true, true, true, true, true)},
	} {
		sr.Reset()
		ctx, root := tp.Tracer("test").Start(context.Background(), "test client")
		req, _ := http.NewRequest("GET", hs.URL+c.path+"?debug=1", nil)
		prop.Inject(ctx, propagation.HeaderCarrier(req.Header))
		resp, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		root.End()
		if resp.StatusCode != c.status {
			t.Errorf("GET %s: status %d, want %d", c.path, resp.StatusCode, c.status)
		}
		spans := sr.Ended()
		if len(spans) != len(c.chain)+1 {
			var names []string
			for _, s := range spans {
				names = append(names, s.Name())
			}
			t.Errorf("GET %s: %d spans %q, want %d", c.path, len(spans), names, len(c.chain)+1)
		}
		parent := root.SpanContext()
		for _, st := range c.chain {
			var child sdktrace.ReadOnlySpan
			for _, s := range spans {
				if s.Parent().SpanID() == parent.SpanID() && s.Name() == st.name && s.SpanKind() == st.kind {
					child = s
				}
			}
			if child == nil {
				t.Errorf("GET %s: no %s span %q under %s", c.path, st.kind, st.name, parent.SpanID())
				break
			}
			if child.SpanContext().TraceID() != root.SpanContext().TraceID() {
				t.Errorf("GET %s: %q is in another trace", c.path, st.name)
			}
			if got := child.Status().Code == codes.Error; got != st.err {
				t.Errorf("GET %s: %s %q status %v, want Error=%v", c.path, st.kind, st.name, child.Status(), st.err)
			}
			if st.kind == trace.SpanKindServer && st.name[0] == 'G' {
				for _, kv := range child.Attributes() {
					if kv.Key == "url.path" && kv.Value.AsString() != c.path {
						t.Errorf("GET %s: url.path=%q", c.path, kv.Value.AsString())
					}
				}
			}
			parent = child.SpanContext()
		}
	}
}
