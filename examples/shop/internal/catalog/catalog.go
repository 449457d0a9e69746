// Package catalog is the example shop's gRPC service: an in-memory product
// catalog that serves products and takes orders. Its methods carry
// //trace:span directives; traceinject turns them into spans, and
// protoc-gen-go-trace's server wrapper (see Register) gives every RPC its
// server span.
package catalog

//go:generate go tool traceinject .

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/traceinject/traceinject/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	shoppb "github.com/traceinject/traceinject/examples/shop/proto"
)

// Service implements shoppb.CatalogServer over a fixed set of products.
type Service struct {
	shoppb.UnimplementedCatalogServer

	products map[string]*shoppb.Product

	mu     sync.Mutex
	orders int
}

// New returns a Service holding the demo products. Product "p-broken" has a
// corrupt record, so every request that touches it fails with Internal: the
// demo's error trace.
func New() *Service {
	s := &Service{products: make(map[string]*shoppb.Product)}
	for _, p := range []*shoppb.Product{
		{Id: "p-1", Name: "Gopher plush", Category: "toys", PriceCents: 1599},
		{Id: "p-2", Name: "Trace mug", Category: "kitchen", PriceCents: 899},
		{Id: "p-3", Name: "Span sticker pack", Category: "toys", PriceCents: 299},
		{Id: "p-broken", Name: "", Category: "kitchen", PriceCents: -1},
	} {
		s.products[p.Id] = p
	}
	return s
}

// GetProduct returns the product req.Id names.
//
//trace:span tag.product_id=req.Id
func (s *Service) GetProduct(ctx context.Context, req *shoppb.GetProductRequest) (_ *shoppb.Product, err error) {
	//trace:begin v=1 results="(*shoppb.Product, error)"
	ctx, span := runtime.Start(ctx, "catalog.Service.GetProduct")
	runtime.SetTag(span, "product_id", req.Id)
	defer span.End(&err)
	//trace:end
	p, ok := s.products[req.Id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "product %q not found", req.Id)
	}
	if err := validate(ctx, p); err != nil {
		return nil, status.Errorf(codes.Internal, "product %q: %v", req.Id, err)
	}
	return p, nil
}

// ListProducts streams the valid products of req.Category in id order. It has
// no context parameter of its own (its signature is fixed by the generated
// interface), so the work it traces lives in matching, which takes the
// stream's context: that context carries the RPC's server span.
func (s *Service) ListProducts(req *shoppb.ListProductsRequest, stream shoppb.Catalog_ListProductsServer) error {
	products, err := s.matching(stream.Context(), req.Category)
	if err != nil {
		return err
	}
	for _, p := range products {
		if err := stream.Send(p); err != nil {
			return err
		}
	}
	return nil
}

// matching returns the valid products of category (all when it is empty),
// sorted by id. Corrupt records are left out of listings.
//
//trace:span tag.category=category
func (s *Service) matching(ctx context.Context, category string) (_ []*shoppb.Product, err error) {
	//trace:begin v=1 results="([]*shoppb.Product, error)"
	ctx, span := runtime.Start(ctx, "catalog.Service.matching")
	runtime.SetTag(span, "category", category)
	defer span.End(&err)
	//trace:end
	if err := ctx.Err(); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	var out []*shoppb.Product
	for _, p := range s.products {
		if category != "" && p.Category != category {
			continue
		}
		if validate(ctx, p) != nil {
			continue
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *shoppb.Product) int { return strings.Compare(a.Id, b.Id) })
	return out, nil
}

// PlaceOrder prices an order for req.Quantity units of req.ProductId.
//
//trace:span tag.product_id=req.ProductId tag.quantity=req.Quantity
func (s *Service) PlaceOrder(ctx context.Context, req *shoppb.PlaceOrderRequest) (_ *shoppb.Order, err error) {
	//trace:begin v=1 results="(*shoppb.Order, error)"
	ctx, span := runtime.Start(ctx, "catalog.Service.PlaceOrder")
	runtime.SetTag(span, "product_id", req.ProductId)
	runtime.SetTag(span, "quantity", req.Quantity)
	defer span.End(&err)
	//trace:end
	if req.Quantity <= 0 {
		return nil, status.Errorf(codes.InvalidArgument, "quantity must be positive, got %d", req.Quantity)
	}
	p, ok := s.products[req.ProductId]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "product %q not found", req.ProductId)
	}
	if err := validate(ctx, p); err != nil {
		return nil, status.Errorf(codes.Internal, "product %q: %v", req.ProductId, err)
	}
	s.mu.Lock()
	s.orders++
	id := fmt.Sprintf("o-%d", s.orders)
	s.mu.Unlock()
	return &shoppb.Order{
		Id:         id,
		ProductId:  p.Id,
		Quantity:   req.Quantity,
		TotalCents: p.PriceCents * int64(req.Quantity),
	}, nil
}

var errCorrupt = errors.New("corrupt record")

// validate checks a stored product record. It takes no context: traceinject
// adds one when it instruments it, and passes each caller's own context.
//
//trace:span
func validate(ctx context.Context, p *shoppb.Product) (err error) {
	//trace:begin v=1 results="error"
	ctx, span := runtime.Start(ctx, "catalog.validate")
	defer span.End(&err)
	//trace:end
	switch {
	case p.Name == "":
		return fmt.Errorf("%w: empty name", errCorrupt)
	case p.PriceCents < 0:
		return fmt.Errorf("%w: negative price %d", errCorrupt, p.PriceCents)
	}
	return nil
}
