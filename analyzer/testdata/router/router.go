package router

import (
	"github.com/gin-gonic/gin"

	"example.com/t/api"
	"example.com/t/pb"
)

// Health answers.
func Health(c *gin.Context) {} // want `handler router.Health \(GET /healthz\) has no //trace:span`

func ping(c *gin.Context) {} // want `handler router.ping \(GET /v1/ping\)`

func Routes() *gin.Engine {
	r := gin.New()
	var a api.UserApi
	r.GET("/healthz", Health)
	v1 := r.Group("/v1")
	v1.GET("/ping", ping)
	v1.POST("/user", a.Create)
	v1.GET("/user/:id", a.GetUser) // want `handler api.\(\*UserApi\).GetUser \(GET /v1/user/:id\)`
	v1.GET("/version", api.Version)
	v1.GET("/inline", func(c *gin.Context) {}) // want `handler router.Routes.func1 \(GET /v1/inline\)`
	return r
}

type server struct{ pb.UnimplementedCatalogServer }

func Serve(s pb.Registrar) {
	pb.RegisterCatalogServer(s, &server{}) // want `gRPC server registered with pb.RegisterCatalogServer without pb.NewTracedCatalogServer`
	_ = pb.NewCatalogClient(nil)           // want `gRPC client created with pb.NewCatalogClient: use pb.NewTracedCatalogClient`
}
