package app

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/test/bufconn"

	"github.com/traceinject/traceinject/examples/shop/internal/gateway"
)

// shop serves the Catalog service over bufconn and the gateway through
// httptest, with tracer as opentracing's global tracer.
func shop(t *testing.T) *httptest.Server {
	t.Helper()
	gin.SetMode(gin.TestMode)
	lis := bufconn.Listen(1 << 20)
	srv := ServeCatalog(lis)
	t.Cleanup(srv.Stop)
	client, conn, err := gateway.Dial("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	hs := httptest.NewServer(gateway.New(client))
	t.Cleanup(hs.Close)
	return hs
}

func do(t *testing.T, hs *httptest.Server, method, path, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, hs.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestAPI checks what the shop answers, traced or not.
func TestAPI(t *testing.T) {
	hs := shop(t)
	for _, c := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/api/v1/products/p-1", "", 200, `{"id":"p-1","name":"Gopher plush","category":"toys","price_cents":1599}`},
		{"GET", "/api/v1/products?category=toys", "", 200,
			`[{"id":"p-1","name":"Gopher plush","category":"toys","price_cents":1599},` +
				`{"id":"p-3","name":"Span sticker pack","category":"toys","price_cents":299}]`},
		{"GET", "/api/v1/products?category=none", "", 200, `[]`},
		{"POST", "/api/v1/orders", `{"product_id":"p-2","quantity":3}`, 201,
			`{"id":"o-1","product_id":"p-2","quantity":3,"total_cents":2697}`},
		{"POST", "/api/v1/orders", `{"product_id":"p-2","quantity":0}`, 400, `{"error":"quantity must be positive, got 0"}`},
		{"POST", "/api/v1/orders", `not json`, 400, ``},
		{"GET", "/api/v1/products/p-404", "", 404, `{"error":"product \"p-404\" not found"}`},
		{"GET", "/api/v1/products/p-broken", "", 500, `{"error":"product \"p-broken\": corrupt record: empty name"}`},
		{"POST", "/api/v1/orders", `{"product_id":"p-broken","quantity":1}`, 500, ``},
		{"GET", "/healthz", "", 200, `ok`},
	} {
		status, body := do(t, hs, c.method, c.path, c.body)
		if status != c.status || (c.want != "" && body != c.want) {
			t.Errorf("%s %s %s: %d %s\nwant %d %s", c.method, c.path, c.body, status, body, c.status, c.want)
		}
	}
}

// TestTraceTree checks the spans one request leaves: the gateway's server
// span continues the caller's trace, and the gRPC client span, the server
// span, the service method and the helper nest under it.
func TestTraceTree(t *testing.T) {
	tracer := mocktracer.New()
	opentracing.SetGlobalTracer(tracer)
	t.Cleanup(func() { opentracing.SetGlobalTracer(opentracing.NoopTracer{}) })
	hs := shop(t)

	for _, c := range []struct {
		path   string
		status int
		chain  []string // operation names from the gateway span down
		errs   []bool   // error=true on each span of chain
	}{
		{"/api/v1/products/p-1", 200,
			[]string{"GET /api/v1/products/:id", "/shop.v1.Catalog/GetProduct", "/shop.v1.Catalog/GetProduct",
				"catalog.Service.GetProduct", "catalog.validate"},
			[]bool{false, false, false, false, false}},
		{"/api/v1/products/p-broken", 500,
			[]string{"GET /api/v1/products/:id", "/shop.v1.Catalog/GetProduct", "/shop.v1.Catalog/GetProduct",
				"catalog.Service.GetProduct", "catalog.validate"},
			[]bool{true, true, true, true, true}},
	} {
		tracer.Reset()
		root := tracer.StartSpan("test client")
		req, _ := http.NewRequest("GET", hs.URL+c.path, nil)
		if err := tracer.Inject(root.Context(), opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(req.Header)); err != nil {
			t.Fatal(err)
		}
		resp, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		root.Finish()
		if resp.StatusCode != c.status {
			t.Errorf("GET %s: status %d, want %d", c.path, resp.StatusCode, c.status)
		}

		spans := tracer.FinishedSpans()
		if len(spans) != len(c.chain)+1 {
			var names []string
			for _, s := range spans {
				names = append(names, s.OperationName)
			}
			t.Errorf("GET %s: %d spans %q, want %d", c.path, len(spans), names, len(c.chain)+1)
		}
		parent := root.(*mocktracer.MockSpan)
		for i, op := range c.chain {
			var child *mocktracer.MockSpan
			for _, s := range spans {
				if s.ParentID == parent.SpanContext.SpanID && s.OperationName == op {
					child = s
				}
			}
			if child == nil {
				t.Errorf("GET %s: no span %q under %q", c.path, op, parent.OperationName)
				break
			}
			if child.SpanContext.TraceID != root.(*mocktracer.MockSpan).SpanContext.TraceID {
				t.Errorf("GET %s: %q is in another trace", c.path, op)
			}
			if got := child.Tag("error") == true; got != c.errs[i] {
				t.Errorf("GET %s: %q error=%v, want %v", c.path, op, got, c.errs[i])
			}
			parent = child
		}
	}
}

// TestOneTraceWithoutHeaders: a request that carries no trace headers starts
// one trace at the gateway, which the gRPC client, the service and its
// helper continue (with mocktracer, a gateway span started from the empty
// span context Extract returns had trace ID 0, and the service started a
// second trace).
func TestOneTraceWithoutHeaders(t *testing.T) {
	tracer := mocktracer.New()
	opentracing.SetGlobalTracer(tracer)
	t.Cleanup(func() { opentracing.SetGlobalTracer(opentracing.NoopTracer{}) })
	hs := shop(t)

	if status, body := do(t, hs, "GET", "/api/v1/products/p-1", ""); status != 200 {
		t.Fatalf("status %d %s", status, body)
	}
	spans := tracer.FinishedSpans()
	var gateway *mocktracer.MockSpan
	for _, s := range spans {
		if s.OperationName == "GET /api/v1/products/:id" {
			gateway = s
		}
	}
	if gateway == nil || gateway.ParentID != 0 || gateway.SpanContext.TraceID == 0 {
		t.Fatalf("want the gateway span as the root of a new trace: %v", spans)
	}
	if len(spans) != 5 {
		t.Errorf("%d spans, want 5: %v", len(spans), spans)
	}
	for _, s := range spans {
		if s.SpanContext.TraceID != gateway.SpanContext.TraceID {
			t.Errorf("%q is in trace %d, the gateway in %d: the trace split", s.OperationName, s.SpanContext.TraceID, gateway.SpanContext.TraceID)
		}
	}
}

// The JSON the gateway answers is the proto's JSON names; a sanity check that
// the listing decodes into products.
func TestListDecodes(t *testing.T) {
	hs := shop(t)
	_, body := do(t, hs, "GET", "/api/v1/products", "")
	var products []map[string]any
	if err := json.Unmarshal([]byte(body), &products); err != nil {
		t.Fatal(err)
	}
	if len(products) != 3 {
		t.Errorf("listing holds %d products, want the 3 valid ones: %s", len(products), body)
	}
}
