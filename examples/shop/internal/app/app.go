// Package app assembles the example shop's two processes, the Catalog gRPC
// server and the HTTP gateway, on listeners its caller chooses: separate
// programs (cmd/service, cmd/gateway) and the in-process demo share it.
package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"google.golang.org/grpc"

	"github.com/traceinject/traceinject/examples/shop/internal/catalog"
	"github.com/traceinject/traceinject/examples/shop/internal/gateway"
)

// ServeCatalog serves the Catalog service on lis until the returned server is
// stopped.
func ServeCatalog(lis net.Listener, opts ...grpc.ServerOption) *grpc.Server {
	s := grpc.NewServer(opts...)
	catalog.Register(s, catalog.New())
	go s.Serve(lis) //nolint:errcheck // Serve returns when the server stops.
	return s
}

// Gateway is a running HTTP gateway.
type Gateway struct {
	srv  *http.Server
	conn *grpc.ClientConn
	done chan error
}

// StartGateway serves the gateway's HTTP API on lis, calling the Catalog
// service at catalogTarget (a grpc.NewClient target). dialOpts come after the
// gateway's own (plaintext) options.
func StartGateway(lis net.Listener, catalogTarget string, dialOpts ...grpc.DialOption) (*Gateway, error) {
	client, conn, err := gateway.Dial(catalogTarget, dialOpts...)
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		srv:  &http.Server{Handler: gateway.New(client), ReadHeaderTimeout: 10 * time.Second},
		conn: conn,
		done: make(chan error, 1),
	}
	go func() { g.done <- g.srv.Serve(lis) }()
	return g, nil
}

// Shutdown stops accepting requests, waits for those in flight, and closes
// the connection to the Catalog service.
func (g *Gateway) Shutdown(ctx context.Context) error {
	err := g.srv.Shutdown(ctx)
	if serr := <-g.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return errors.Join(err, g.conn.Close())
}
