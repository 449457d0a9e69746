// Package upgrade is instrumented by an earlier version of traceinject in
// old/: -remove must restore this input from it, and a run must bring it to
// golden/.
package upgrade

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/traceinject/traceinject/runtime"
	"github.com/traceinject/traceinject/runtime/tracegin"
)

func use(ctx context.Context) {}

// Handler passes its *gin.Context on and builds a request.
//
//trace:span
func Handler(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.Start(c, "upgrade.Handler")
	defer tracegin.End(c, span, nil)
	//trace:end
	use(c)
	req, err := http.NewRequestWithContext(runtime.Background(span), http.MethodGet, "http://example.invalid/", nil)
	if err != nil {
		return
	}
	use(req.Context())
}

// Named has a name of its own.
//
//trace:span named
func Named(c *gin.Context) {
	//trace:begin v=1
	span := tracegin.StartNamed(c, "named")
	defer tracegin.End(c, span, nil)
	//trace:end
	use(runtime.WithSpan(context.Background(), span))
}

// Fetch builds a request.
//
//trace:span
func Fetch(ctx context.Context, url string) (_ *http.Request, err error) {
	//trace:begin v=1 results="(*http.Request, error)"
	ctx, span := runtime.Start(ctx, "upgrade.Fetch")
	defer span.End(&err)
	//trace:end
	return http.NewRequestWithContext(runtime.Background(span), http.MethodGet, url, nil)
}
