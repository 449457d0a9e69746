package threading

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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

	// A real server, whose request contexts are cancelled when the handler
	// returns; the jobs call a second one.
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer backend.Close()
	r := gin.New()
	r.GET("/h", Handler)
	r.GET("/later", Later)
	r.GET("/schedule", Schedule)
	srv := httptest.NewServer(r)
	defer srv.Close()
	for _, path := range []string{"/h", "/later", "/schedule"} {
		resp, err := http.Get(srv.URL + path + "?url=" + backend.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		out[path] = resp.Status
		if path != "/h" {
			select {
			case job := <-Jobs:
				out[path+": job after the handler returned"] = strings.ReplaceAll(job, backend.URL, "BACKEND")
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: the job did not finish", path)
			}
		}
	}
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
	// What the program does without instrumentation: a request built with
	// http.NewRequest is not cancelled with the handler's request.
	for _, path := range []string{"/later", "/schedule"} {
		if key := path + ": job after the handler returned"; got[key] != "200 OK" {
			t.Errorf("%s: %s, want 200 OK", key, got[key])
		}
	}
	if got["context type seen by gin"] != "*gin.Context" {
		t.Errorf("the callee given c saw a %s, want the *gin.Context itself", got["context type seen by gin"])
	}
}
