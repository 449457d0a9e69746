// Command gateway runs the example shop's HTTP gateway on its own, calling
// the Catalog service over gRPC and reporting spans to the backend TRACER
// names (see examples/shop/README.md).
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

	"github.com/gin-gonic/gin"

	"github.com/traceinject/traceinject/examples/shop/internal/app"
	"github.com/traceinject/traceinject/examples/shop/internal/tracing"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gateway: ")
	listen := flag.String("listen", "127.0.0.1:8080", "HTTP listen `address`")
	catalog := flag.String("catalog", "127.0.0.1:50051", "`address` of the Catalog gRPC service")
	kind := flag.String("tracer", tracing.FromEnv("jaeger"), "tracer: memory, jaeger, otel, otel-bridge or none (default $TRACER)")
	name := flag.String("name", "shop-gateway", "service `name` reported to the tracing backend")
	flag.Parse()
	gin.SetMode(gin.ReleaseMode)

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
	gw, err := app.StartGateway(lis, *catalog)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("serving HTTP on %s, Catalog at %s (tracer %s)", lis.Addr(), *catalog, *kind)
	<-ctx.Done()

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := gw.Shutdown(shutdownCtx); err != nil {
		log.Print(err)
	}
	if err := tr.Close(shutdownCtx); err != nil {
		log.Fatal(err)
	}
}
