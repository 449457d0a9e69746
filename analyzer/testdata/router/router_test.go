package router

import (
	"context"
	"testing"

	"github.com/gin-gonic/gin"
)

// Test files are not the policy's (the command does not load them): no
// finding for the handlers registered here, nor for exported functions
// with a context.
func TestRoutes(t *testing.T) {
	r := gin.New()
	r.GET("/t", func(c *gin.Context) {})
	r.GET("/h", testHandler)
}

func testHandler(c *gin.Context) {}

func Helper(ctx context.Context) {}
