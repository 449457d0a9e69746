// Package svc exercises the context-function shape.
package svc

import (
	"context"
	"errors"

	"github.com/traceinject/traceinject/runtime"
)

// User is a user.
type User struct{ ID string }

// Service serves users.
type Service struct{ name string }

var errNotFound = errors.New("not found")

// Get returns a user.
//
//trace:span tag.account_id=id tag.service=s.name tag.kind="lookup"
func (s *Service) Get(ctx context.Context, id string) (_ *User, err error) {
	//trace:begin v=1 results="(*User, error)"
	ctx, span := runtime.Start(ctx, "svc.Service.Get")
	runtime.SetTag(span, "account_id", id)
	runtime.SetTag(span, "service", s.name)
	runtime.SetTag(span, "kind", "lookup")
	defer span.End(&err)
	//trace:end
	if id == "" {
		return nil, errNotFound
	}
	return &User{ID: id}, nil
}

// Put has a value receiver and a named error result with a bare return.
//
//trace:span
func (s Service) Put(ctx context.Context, u *User) (err error) {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "svc.Service.Put")
	defer span.End(&err)
	//trace:end
	if u == nil {
		err = errNotFound
	}
	return
}

//trace:span svc.unnamed
func unnamed(ctx context.Context, _ string) (err error) {
	//trace:begin v=1 params="(context.Context, string)" results="error"
	ctx, span := runtime.Start(ctx, "svc.unnamed")
	defer span.End(&err)
	//trace:end
	return nil
}

//trace:span "blank ctx" follows
func blank(ctx context.Context, n int) int {
	//trace:begin v=1 params="(_ context.Context, n int)"
	ctx, span := runtime.StartFollowsFrom(ctx, "blank ctx")
	defer span.End(nil)
	//trace:end
	return n * 2
}

// List is generic.
type List[T any] struct{ items []T }

// Push appends.
//
//trace:span tag.len=len(l.items)
func (l *List[T]) Push(ctx context.Context, v T) {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "svc.List.Push")
	runtime.SetTag(span, "len", len(l.items))
	defer span.End(nil)
	//trace:end
	l.items = append(l.items, v)
}

//trace:span
func empty(ctx context.Context) {
	//trace:begin v=1 body="oneline"
	ctx, span := runtime.Start(ctx, "svc.empty")
	defer span.End(nil)
	//trace:end
}

//trace:span
func explode(ctx context.Context, msg string) (err error) {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "svc.explode")
	defer span.End(&err)
	//trace:end
	panic(msg)
}

// notAnnotated stays as it is.
func notAnnotated(ctx context.Context) error { return nil }

//trace:span
func multiline(
	ctx context.Context,
	_ string,
) (
	_ int,
	err error,
) {
	//trace:begin v=1 params="(\n\tcontext.Context,\n\tstring,\n)" results="(\n\tint,\n\terror,\n)"
	ctx, span := runtime.Start(ctx, "svc.multiline")
	defer span.End(&err)
	//trace:end
	return 0, nil
}

//trace:span
func commented(ctx context.Context) {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "svc.commented")
	defer span.End(nil)
	//trace:end
	// A leading comment stays with its statement.
	_ = ctx // and a trailing one

	// After an empty line.
	_ = 1
	// At the end.
}

//trace:span
func onlyComment(ctx context.Context) {
	// Nothing to do.
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "svc.onlyComment")
	defer span.End(nil)
	//trace:end
}

//trace:span
func literal(ctx context.Context) func(context.Context) error {
	//trace:begin v=1
	ctx, span := runtime.Start(ctx, "svc.literal")
	defer span.End(nil)
	//trace:end
	//trace:span tag.where="literal"
	f := func(ctx context.Context) (err error) {
		//trace:begin v=1 results="error" body="oneline"
		ctx, span := runtime.Start(ctx, "svc.literal.func1")
		runtime.SetTag(span, "where", "literal")
		defer span.End(&err)
		//trace:end
		return nil
	}
	return f
}
