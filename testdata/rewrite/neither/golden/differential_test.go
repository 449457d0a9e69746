package neither

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/traceinject/traceinject/internal/difftest"
)

func observe(t *testing.T) map[string]string {
	gin.SetMode(gin.TestMode)
	ctx := context.Background()
	out := map[string]string{}
	get := func(r http.Handler, path string) string {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return fmt.Sprint(w.Code, " ", w.Body.String())
	}
	r := gin.New()
	Routes(r)
	out["GET /greet/bob"] = get(r, "/greet/bob")
	got, err := Use(ctx, &Wrapped{Counter: &Counter{}, Label: "ab"})
	out["Use"] = fmt.Sprint(got, err)
	out["fact"] = fmt.Sprint(fact(ctx, 5))
	out["Spawn"] = fmt.Sprint(Spawn(ctx, 3))
	n, nctx := Nearest(ctx)
	out["Nearest"] = fmt.Sprint(n, nctx.Err())
	out["Instantiate"] = fmt.Sprint(Instantiate(ctx))
	out["localCtx"] = fmt.Sprint(localCtx(ctx, 2))
	out["bothTaken"] = fmt.Sprint(bothTaken(ctx, 7))
	out["usesGlobal is the package's ctx"] = fmt.Sprint(usesGlobal(ctx) == ctx)
	cctx, a, b := Callers()
	out["Callers"] = fmt.Sprint(cctx, a, b)
	out["Serve"] = get(http.HandlerFunc(Serve), "/")
	rctx, rn := Results()
	out["Results"] = fmt.Sprint(rctx, rn)
	nested := gin.New()
	Nested(ctx, nested)
	out["GET /nested"] = get(nested, "/nested")
	out["Derived"] = fmt.Sprint(Derived(ctx))
	out["Unrelated"] = fmt.Sprint(Unrelated())
	out["Bare"] = fmt.Sprint(Bare())
	_, g := Global()
	out["Global"] = fmt.Sprint(g)
	return out
}

func TestSameBehaviour(t *testing.T) {
	got := difftest.Same(t, observe)
	if got["GET /greet/bob"] != "200 hello world!" || got["Use"] != "AB=5<nil>" {
		t.Errorf("unexpected results: %v", got)
	}
}
