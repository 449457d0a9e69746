// Package upgrade is instrumented by an earlier version of traceinject in
// old/: -remove must restore this input from it, and a run must bring it to
// golden/.
package upgrade

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

func use(ctx context.Context) {}

// Handler passes its *gin.Context on and builds a request.
//
//trace:span
func Handler(c *gin.Context) {
	use(c)
	req, err := http.NewRequest(http.MethodGet, "http://example.invalid/", nil)
	if err != nil {
		return
	}
	use(req.Context())
}

// Named has a name of its own.
//
//trace:span named
func Named(c *gin.Context) {
	use(context.Background())
}

// Fetch builds a request.
//
//trace:span
func Fetch(ctx context.Context, url string) (*http.Request, error) {
	return http.NewRequest(http.MethodGet, url, nil)
}
