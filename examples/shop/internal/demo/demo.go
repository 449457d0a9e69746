// Package demo is the example shop's self-contained tour: it runs the Catalog
// service and the gateway in one process on loopback with an in-memory
// Jaeger tracer, sends a few requests (two of them failing), and prints each
// trace the requests left as a waterfall.
package demo

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"
	"github.com/uber/jaeger-client-go"

	"github.com/traceinject/traceinject/examples/shop/internal/app"
	"github.com/traceinject/traceinject/examples/shop/internal/tracing"
	"github.com/traceinject/traceinject/examples/shop/internal/waterfall"
)

// Request is one call the demo makes to the gateway.
type Request struct {
	Method, Path, Body string
}

// Requests are the calls Run makes: a product, a streamed listing, an order,
// an unknown product (404) and a corrupt one (500).
var Requests = []Request{
	{"GET", "/api/v1/products/p-1", ""},
	{"GET", "/api/v1/products?category=toys", ""},
	{"POST", "/api/v1/orders", `{"product_id":"p-2","quantity":3}`},
	{"GET", "/api/v1/products/p-404", ""},
	{"GET", "/api/v1/products/p-broken", ""},
}

// Result is the answer to one Request.
type Result struct {
	Request
	Status int
	Body   string
}

// Run installs an in-memory tracer as opentracing's global tracer, starts the
// service and the gateway on loopback, sends reqs and writes what they
// answered and the traces they left to w. It returns the results and the
// finished spans.
func Run(ctx context.Context, w io.Writer, reqs []Request) ([]Result, []*jaeger.Span, error) {
	tr, err := tracing.Install(ctx, "memory", "shop")
	if err != nil {
		return nil, nil, err
	}
	defer opentracing.SetGlobalTracer(opentracing.NoopTracer{})

	grpcLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := app.ServeCatalog(grpcLis)
	defer srv.Stop()
	httpLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	gw, err := app.StartGateway(httpLis, grpcLis.Addr().String())
	if err != nil {
		return nil, nil, err
	}
	base := "http://" + httpLis.Addr().String()

	fmt.Fprintf(w, "Requests to the gateway (Gin) → Catalog service (gRPC), both on loopback:\n\n")
	var results []Result
	for _, r := range reqs {
		res, err := send(ctx, tr, base, r)
		if err != nil {
			gw.Shutdown(ctx)
			return nil, nil, err
		}
		results = append(results, res)
		fmt.Fprintf(w, "  %-4s %-34s %d  %s\n", r.Method, r.Path, res.Status, clip(res.Body, 72))
	}
	if err := gw.Shutdown(ctx); err != nil {
		return nil, nil, err
	}
	srv.GracefulStop()

	var spans []*jaeger.Span
	for _, s := range tr.Memory.GetSpans() {
		spans = append(spans, s.(*jaeger.Span))
	}
	fmt.Fprintf(w, "\nTraces (%d spans, jaeger-client-go with an in-memory reporter):\n\n", len(spans))
	if err := waterfall.Write(w, Waterfall(spans), waterfall.Options{}); err != nil {
		return nil, nil, err
	}
	if !instrumented(spans) {
		fmt.Fprintf(w, "\nOnly the demo's own client spans were recorded: this copy of the example is not\n"+
			"instrumented. Run traceinject and protoc-gen-go-trace on it (see examples/shop/README.md).\n")
	}
	return results, spans, nil
}

// send makes one request inside a client span of its own, injected into the
// request headers the way any traced HTTP client does, so the gateway's span
// has a parent to continue.
func send(ctx context.Context, tr *tracing.Tracer, base string, r Request) (Result, error) {
	// Query strings stay out of names and tags: tokens live there.
	path, _, _ := strings.Cut(r.Path, "?")
	span := tr.StartSpan("client "+r.Method+" "+path, ext.SpanKindRPCClient)
	defer span.Finish()
	ext.HTTPMethod.Set(span, r.Method)
	ext.HTTPUrl.Set(span, path)

	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(opentracing.ContextWithSpan(ctx, span), r.Method, base+r.Path, body)
	if err != nil {
		return Result{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := tr.Inject(span.Context(), opentracing.HTTPHeaders, opentracing.HTTPHeadersCarrier(req.Header)); err != nil {
		return Result{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ext.LogError(span, err)
		return Result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Result{}, err
	}
	ext.HTTPStatusCode.Set(span, uint16(resp.StatusCode))
	if resp.StatusCode >= 500 {
		ext.Error.Set(span, true)
	}
	return Result{Request: r, Status: resp.StatusCode, Body: strings.TrimSpace(string(b))}, nil
}

// instrumented reports whether any span other than the demo's client spans
// was recorded.
func instrumented(spans []*jaeger.Span) bool {
	return slices.ContainsFunc(spans, func(s *jaeger.Span) bool {
		return !strings.HasPrefix(s.OperationName(), "client ")
	})
}

// hiddenTags are left out of the waterfall: they repeat what the span's name
// and position already say, or are the tracer's own bookkeeping.
var hiddenTags = map[string]bool{
	"component": true, "span.kind": true, "sampler.type": true, "sampler.param": true,
	"http.method": true, "http.url": true, "rpc.system": true, "rpc.service": true, "rpc.method": true,
}

// Waterfall converts finished jaeger-client-go spans for the waterfall
// printer. Shown tags are sorted by key; the message of an error log is
// shown as error.object.
func Waterfall(spans []*jaeger.Span) []waterfall.Span {
	out := make([]waterfall.Span, 0, len(spans))
	for _, s := range spans {
		sc := s.SpanContext()
		ws := waterfall.Span{
			TraceID:  sc.TraceID().String(),
			SpanID:   sc.SpanID().String(),
			Name:     s.OperationName(),
			Start:    s.StartTime(),
			Duration: s.Duration(),
		}
		if sc.ParentID() != 0 {
			ws.ParentID = sc.ParentID().String()
		}
		for _, ref := range s.References() {
			if ref.Type == opentracing.FollowsFromRef {
				ws.Follows = true
			}
		}
		tags := s.Tags()
		keys := make([]string, 0, len(tags))
		for k := range tags {
			if !hiddenTags[k] {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			if k == "error" {
				ws.Error = tags[k] == true
			}
			ws.Tags = append(ws.Tags, waterfall.Tag{Key: k, Value: formatValue(tags[k])})
		}
		for _, rec := range s.Logs() {
			for _, f := range rec.Fields {
				if f.Key() == "error.object" {
					ws.Tags = append(ws.Tags, waterfall.Tag{Key: "error.object", Value: formatValue(clip(fmt.Sprint(f.Value()), 60))})
				}
			}
		}
		out = append(out, ws)
	}
	return out
}

func formatValue(v any) string {
	s := fmt.Sprint(v)
	if strings.ContainsAny(s, " \t\n\"") {
		return strconv.Quote(s)
	}
	return s
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
