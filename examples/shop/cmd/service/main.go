// Command service runs the example shop's Catalog gRPC service on its own,
// reporting spans to the backend TRACER names (see examples/shop/README.md).
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/traceinject/traceinject/examples/shop/internal/app"
	"github.com/traceinject/traceinject/examples/shop/internal/tracing"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("service: ")
	listen := flag.String("listen", "127.0.0.1:50051", "gRPC listen `address`")
	kind := flag.String("tracer", tracing.FromEnv("jaeger"), "tracer: memory, jaeger, otel, otel-bridge or none (default $TRACER)")
	name := flag.String("name", "shop-catalog", "service `name` reported to the tracing backend")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tr, err := tracing.Install(ctx, *kind, *name)
	if err != nil {
		log.Fatal(err)
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	srv := app.ServeCatalog(lis)
	log.Printf("serving Catalog on %s (tracer %s)", lis.Addr(), *kind)
	<-ctx.Done()
	srv.GracefulStop()

	// Spans still buffered are flushed before exiting.
	flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tr.Close(flushCtx); err != nil {
		log.Fatal(err)
	}
}
