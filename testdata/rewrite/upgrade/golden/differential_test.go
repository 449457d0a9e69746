package upgrade

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/traceinject/traceinject/internal/difftest"
)

func TestSameBehaviour(t *testing.T) {
	difftest.Same(t, func(t *testing.T) map[string]string {
		gin.SetMode(gin.TestMode)
		r := gin.New()
		r.GET("/h", Handler)
		r.GET("/n", Named)
		out := map[string]string{}
		for _, path := range []string{"/h", "/n"} {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
			out[path] = fmt.Sprint(w.Code)
		}
		ctx, cancel := context.WithCancel(context.Background())
		req, err := Fetch(ctx, "http://example.invalid/")
		cancel()
		out["Fetch"] = fmt.Sprint(err, " ", req.URL, " ", req.Context().Err())
		return out
	})
}
