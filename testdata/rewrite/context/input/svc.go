// Package svc exercises the context-function shape.
package svc

import (
	"context"
	"errors"
)

// User is a user.
type User struct{ ID string }

// Service serves users.
type Service struct{ name string }

var errNotFound = errors.New("not found")

// Get returns a user.
//
//trace:span tag.account_id=id tag.service=s.name tag.kind="lookup"
func (s *Service) Get(ctx context.Context, id string) (*User, error) {
	if id == "" {
		return nil, errNotFound
	}
	return &User{ID: id}, nil
}

// Put has a value receiver and a named error result with a bare return.
//
//trace:span
func (s Service) Put(ctx context.Context, u *User) (err error) {
	if u == nil {
		err = errNotFound
	}
	return
}

//trace:span svc.unnamed
func unnamed(context.Context, string) error {
	return nil
}

//trace:span "blank ctx" follows
func blank(_ context.Context, n int) int {
	return n * 2
}

// List is generic.
type List[T any] struct{ items []T }

// Push appends.
//
//trace:span tag.len=len(l.items)
func (l *List[T]) Push(ctx context.Context, v T) {
	l.items = append(l.items, v)
}

//trace:span
func empty(ctx context.Context) {}

//trace:span
func explode(ctx context.Context, msg string) (err error) {
	panic(msg)
}

// notAnnotated stays as it is.
func notAnnotated(ctx context.Context) error { return nil }

//trace:span
func multiline(
	context.Context,
	string,
) (
	int,
	error,
) {
	return 0, nil
}

//trace:span
func commented(ctx context.Context) {
	// A leading comment stays with its statement.
	_ = ctx // and a trailing one

	// After an empty line.
	_ = 1
	// At the end.
}

//trace:span
func onlyComment(ctx context.Context) {
	// Nothing to do.
}

//trace:span
func literal(ctx context.Context) func(context.Context) error {
	//trace:span tag.where="literal"
	f := func(ctx context.Context) error { return nil }
	return f
}
