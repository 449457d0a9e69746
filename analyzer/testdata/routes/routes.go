package routes

import "github.com/gin-gonic/gin"

func List(c *gin.Context) {} // want `handler routes.List \(GET /api/v1/user/list\) has no`

func Stats(c *gin.Context) {} // want `handler routes.Stats \(GET /api/admin/stats, GET /internal/admin/stats\) has no`

func Orphan(c *gin.Context) {} // want `handler routes.Orphan \(GET orphan\) has no`

func Deep(c *gin.Context) {} // want `handler routes.Deep \(GET /api/v2/deep\) has no`

type UserRouter struct{}

// Init's group comes from its one caller, Setup.
func (UserRouter) Init(rg *gin.RouterGroup) {
	g := rg.Group("user")
	g.GET("list", List)
}

// initAdmin is called twice: its handler has two routes.
func initAdmin(rg *gin.RouterGroup) {
	rg.Group("admin").GET("/stats", Stats)
}

// Unused is never called here: its paths stay relative.
func Unused(rg *gin.RouterGroup) { rg.GET("orphan", Orphan) }

// A chain of two calls, and a recursion that ends.
func outer(rg *gin.RouterGroup) { inner(rg.Group("v2"), 1) }

func inner(rg *gin.RouterGroup, n int) {
	if n > 1 {
		inner(rg, n-1)
	}
	rg.GET("deep", Deep)
}

func Setup() *gin.Engine {
	r := gin.New()
	api := r.Group("/api")
	var u UserRouter
	u.Init(api.Group("v1"))
	initAdmin(api)
	initAdmin(r.Group("/internal"))
	outer(api)
	return r
}
