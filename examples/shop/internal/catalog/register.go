package catalog

import (
	"google.golang.org/grpc"

	shoppb "github.com/traceinject/traceinject/examples/shop/proto"
)

// Register registers svc on s behind the traced server that
// protoc-gen-go-trace generates, so every RPC gets a server span that
// continues the caller's trace.
func Register(s grpc.ServiceRegistrar, svc shoppb.CatalogServer) {
	shoppb.RegisterCatalogServer(s, shoppb.NewTracedCatalogServer(svc))
}
