package runtime_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/mocktracer"

	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracehttp"
)

// Options go to the constructors protoc-gen-go-trace generates
// (pb.NewTracedCatalogClient(cc, runtime.WithTracer(t))) and to
// tracehttp.NewTransport, used here. Without WithTracer, spans start on
// opentracing.GlobalTracer().
func ExampleWithTracer() {
	tracer := mocktracer.New() // stands for a tracer of the program's own
	server := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer server.Close()

	client := &http.Client{Transport: tracehttp.NewTransport(nil, runtime.WithTracer(tracer))}
	resp, err := client.Get(server.URL + "/stock")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close() // the client span ends here

	for _, s := range tracer.FinishedSpans() {
		fmt.Println(s.OperationName, s.Tag("http.status_code"))
	}
	// Output:
	// HTTP GET 200
}

// WithSkip sees each operation's name: the full method
// ("/pkg.Service/Method") for generated clients and servers, "HTTP <METHOD>"
// for tracehttp.
func ExampleWithSkip() {
	tracer := mocktracer.New()
	server := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer server.Close()

	noHead := runtime.WithSkip(func(operation string) bool { return operation == "HTTP HEAD" })
	client := &http.Client{Transport: tracehttp.NewTransport(nil, runtime.WithTracer(tracer), noHead)}
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		req, err := http.NewRequest(method, server.URL+"/stock", nil)
		if err != nil {
			log.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
	}

	for _, s := range tracer.FinishedSpans() {
		fmt.Println(s.OperationName)
	}
	// Output:
	// HTTP GET
}

// Injected code reaches the function's span through the context it started
// the span into: that is also how a function adds to its own span, here
// with OpenTracing (after traceotel.Use, trace.SpanFromContext(ctx)).
func ExampleStart() {
	tracer := mocktracer.New()
	opentracing.SetGlobalTracer(tracer)
	defer opentracing.SetGlobalTracer(opentracing.NoopTracer{})

	reserve := func(ctx context.Context, item int) (err error) {
		// What traceinject injects for //trace:span tag.item=item:
		ctx, span := runtime.Start(ctx, "shop.reserve")
		runtime.SetTag(span, "item", item)
		defer span.End(&err)

		// The function's own code.
		if s := opentracing.SpanFromContext(ctx); s != nil {
			s.LogKV("event", "reserved")
		}
		return nil
	}
	if err := reserve(context.Background(), 42); err != nil {
		log.Fatal(err)
	}

	for _, s := range tracer.FinishedSpans() {
		fmt.Println(s.OperationName, s.Tag("item"), s.Logs()[0].Fields[0].ValueString)
	}
	// Output:
	// shop.reserve 42 reserved
}
