package svc

import (
	"context"
	"fmt"
	"testing"

	"github.com/traceinject/traceinject/internal/difftest"
)

// panicOf runs f and returns what it panicked with, or "".
func panicOf(f func()) (p string) {
	defer func() {
		if r := recover(); r != nil {
			p = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func observe(t *testing.T) map[string]string {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &Service{name: "users"}
	out := map[string]string{}
	u, err := s.Get(ctx, "7")
	out["Get 7"] = fmt.Sprintf("%+v %v", u, err)
	u, err = s.Get(ctx, "")
	out["Get empty"] = fmt.Sprintf("%+v %v", u, err)
	out["Put nil"] = fmt.Sprint(Service{}.Put(ctx, nil))
	out["Put user"] = fmt.Sprint(Service{}.Put(ctx, &User{ID: "1"}))
	out["unnamed"] = fmt.Sprint(unnamed(ctx, "x"))
	out["blank"] = fmt.Sprint(blank(ctx, 21))
	l := &List[int]{}
	l.Push(ctx, 1)
	l.Push(ctx, 2)
	out["Push"] = fmt.Sprint(l.items)
	empty(ctx)
	out["explode"] = panicOf(func() { explode(ctx, "boom") })
	n, err := multiline(ctx, "x")
	out["multiline"] = fmt.Sprint(n, err)
	commented(ctx)
	onlyComment(ctx)
	out["literal"] = fmt.Sprint(literal(ctx)(ctx))
	out["ctx after calls"] = fmt.Sprint(ctx.Err())
	return out
}

func TestSameBehaviour(t *testing.T) {
	got := difftest.Same(t, observe)
	if got["explode"] != "boom" || got["Get empty"] != "<nil> not found" {
		t.Errorf("unexpected results: %v", got)
	}
}
