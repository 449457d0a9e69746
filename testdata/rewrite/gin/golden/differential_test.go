package ginsvc

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/traceinject/traceinject/internal/difftest"
)

type response struct {
	Code   int
	Body   string
	Header http.Header
}

// routes serves every route once, with and without gin's
// ContextWithFallback, and records what a client sees.
func routes(t *testing.T) map[string]response {
	gin.SetMode(gin.TestMode)
	out := map[string]response{}
	for _, fallback := range []bool{false, true} {
		r := gin.New()
		r.ContextWithFallback = fallback
		r.Use(gin.RecoveryWithWriter(io.Discard))
		registerRoutes(r, &Handlers{store: &Store{}})
		for _, path := range []string{"/greet?user=ada", "/page", "/user/7", "/chain/3", "/lookup/9", "/lookup/missing", "/value?id=5", "/value", "/ping", "/boom"} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Accept-Language", "zh-CN")
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			key := path
			if fallback {
				key += " (ContextWithFallback)"
			}
			out[key] = response{w.Code, w.Body.String(), w.Header()}
		}
	}
	return out
}

func TestSameBehaviour(t *testing.T) {
	got := difftest.Same(t, routes)
	// What the handlers answer without instrumentation.
	for path, want := range map[string]string{
		"/greet?user=ada": "zh-CN *gin.Context ada",
		"/page":           "page",
	} {
		for _, key := range []string{path, path + " (ContextWithFallback)"} {
			if got[key].Body != want {
				t.Errorf("GET %s answered %q, want %q", key, got[key].Body, want)
			}
		}
	}
}
