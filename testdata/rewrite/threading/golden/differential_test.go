package threading

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/traceinject/traceinject/internal/difftest"
)

// observe calls every annotated function and records what a user of the
// package can see, including the dynamic type of each context a callee got.
func observe(t *testing.T) map[string]string {
	gin.SetMode(gin.TestMode)
	clear(Seen)
	clear(Contexts)
	out := map[string]string{}

	bg := Background(context.Background())
	out["Background: Err"] = errString(bg.Err())
	req, err := NewRequest(context.Background(), "http://example.invalid/x")
	out["NewRequest"] = errString(err) + " " + req.URL.String()

	r := gin.New()
	r.GET("/h", Handler)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/h", nil))
	out["/h"] = fmt.Sprint(w.Code)
	// Context.Background and TODO gain the span (a value) by design; what
	// must not change is their cancellation and deadline, and the dynamic
	// type of a context that is passed on as it is.
	for name, ctx := range Contexts {
		_, deadline := ctx.Deadline()
		out["context seen by "+name] = fmt.Sprintf("Err=%v deadline=%v cancellable=%v", ctx.Err(), deadline, ctx.Done() != nil)
	}
	out["context type seen by gin"] = fmt.Sprintf("%T", Contexts["gin"])
	return out
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestSameBehaviour(t *testing.T) {
	got := difftest.Same(t, observe)
	if got["context type seen by gin"] != "*gin.Context" {
		t.Errorf("the callee given c saw a %s, want the *gin.Context itself", got["context type seen by gin"])
	}
}
