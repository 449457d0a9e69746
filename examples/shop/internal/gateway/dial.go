package gateway

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	shoppb "github.com/traceinject/traceinject/examples/shop/proto"
)

// Dial connects to the Catalog service at target (plaintext: the example runs
// on loopback) and returns the traced client that protoc-gen-go-trace
// generates, so every call gets a client span injected into its metadata.
func Dial(target string, opts ...grpc.DialOption) (shoppb.CatalogClient, *grpc.ClientConn, error) {
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	cc, err := grpc.NewClient(target, opts...)
	if err != nil {
		return nil, nil, err
	}
	return NewClient(cc), cc, nil
}

// NewClient returns the Catalog client the gateway uses over cc.
func NewClient(cc grpc.ClientConnInterface) shoppb.CatalogClient {
	return shoppb.NewTracedCatalogClient(cc)
}
