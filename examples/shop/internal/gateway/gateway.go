// Package gateway is the example shop's HTTP front end: a Gin engine that
// turns JSON requests into calls of the Catalog gRPC service. Its handlers
// carry //trace:span directives; traceinject turns each into a server span
// named after the route template, continuing a trace the HTTP client started.
package gateway

//go:generate go tool traceinject .

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	shoppb "github.com/traceinject/traceinject/examples/shop/proto"
)

// Handler serves the shop's HTTP API from a Catalog client.
type Handler struct {
	catalog shoppb.CatalogClient
}

// New returns the gateway's Gin engine:
//
//	GET  /api/v1/products?category=C  list products (a server-streaming RPC)
//	GET  /api/v1/products/:id         one product; 404 when unknown
//	POST /api/v1/orders               place an order {"product_id", "quantity"}
//	GET  /healthz                     liveness, not traced
func New(catalog shoppb.CatalogClient) *gin.Engine {
	r := gin.New()
	// Handlers pass the *gin.Context itself as a context.Context; with the
	// fallback, its Value reads c.Request.Context(), which carries the span.
	r.ContextWithFallback = true
	r.Use(gin.Recovery())
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })

	h := &Handler{catalog: catalog}
	api := r.Group("/api/v1")
	products := api.Group("/products")
	products.GET("", h.ListProducts)
	products.GET("/:id", h.GetProduct)

	orders := api.Group("/orders")
	//trace:span
	orders.POST("", func(c *gin.Context) {
		//trace:begin v=1
		span := tracegin.Start(c, "gateway.New.func2")
		defer tracegin.End(c, span, nil)
		//trace:end
		var req struct {
			ProductID string `json:"product_id"`
			Quantity  int32  `json:"quantity"`
		}
		if err := c.ShouldBindJSON(&req); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		order, err := h.catalog.PlaceOrder(c.Request.Context(), &shoppb.PlaceOrderRequest{
			ProductId: req.ProductID,
			Quantity:  req.Quantity,
		})
		if err != nil {
			abort(c, err)
			return
		}
		c.JSON(http.StatusCreated, order)
	})
	return r
}

// GetProduct answers GET /api/v1/products/:id. It passes the *gin.Context
// itself as the call's context, as much Gin code does; traceinject leaves it
// as it is, and the span reaches the call through gin's ContextWithFallback.
//
//trace:span
func (h *Handler) GetProduct(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(c, "gateway.Handler.GetProduct")
	defer tracegin.End(c, span, nil)
	//trace:end
	p, err := h.catalog.GetProduct(c, &shoppb.GetProductRequest{Id: c.Param("id")})
	if err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// ListProducts answers GET /api/v1/products, collecting the stream of
// products into one JSON array. Its *gin.Context parameter is named ctx.
//
//trace:span tag.category=ctx.Query("category")
func (h *Handler) ListProducts(ctx *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(ctx, "gateway.Handler.ListProducts")
	runtime.SetTag(span, "category", ctx.Query("category"))
	defer tracegin.End(ctx, span, nil)
	//trace:end
	stream, err := h.catalog.ListProducts(ctx, &shoppb.ListProductsRequest{Category: ctx.Query("category")})
	if err != nil {
		abort(ctx, err)
		return
	}
	products := []*shoppb.Product{}
	for {
		p, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			abort(ctx, err)
			return
		}
		products = append(products, p)
	}
	ctx.JSON(http.StatusOK, products)
}

// abort answers with the HTTP status that matches err's gRPC code and records
// err on the Gin context, where the handler's span finds it.
func abort(c *gin.Context, err error) {
	_ = c.Error(err)
	c.AbortWithStatusJSON(httpStatus(status.Code(err)), gin.H{"error": status.Convert(err).Message()})
}

// httpStatus maps a gRPC status code to the HTTP status the gateway answers.
func httpStatus(code codes.Code) int {
	switch code {
	case codes.OK:
		return http.StatusOK
	case codes.InvalidArgument:
		return http.StatusBadRequest
	case codes.NotFound:
		return http.StatusNotFound
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	default:
		return http.StatusInternalServerError
	}
}
