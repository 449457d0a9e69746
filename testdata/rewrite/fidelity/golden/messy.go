// Package fidelity is not gofmt-clean on purpose: the rewrite must keep
// every byte outside the annotated functions and the import block.
package fidelity

import (
	"context"
	"errors"

	"github.com/traceinject/traceinject/runtime"
)

// Config's fields are not aligned as gofmt aligns them.
type Config struct {
	Name string // the name
	Timeout   int    // seconds
	Retries int // how often
}

var  spaced   =   1

func unannotated( a int,b int ) int {
  if a > b {
      return a
  }
	return b   // trailing
}

//trace:span
func Lookup(ctx context.Context, id string) (err error) {
	//trace:begin v=1 results="error"
	ctx, span := runtime.Start(ctx, "fidelity.Lookup")
	defer span.End(&err)
	//trace:end
	if id == "" {
		return errors.New("empty")
	}
	  
	x := unannotated(1,   2)   // misaligned comment

	_ = x
	return nil
}

// Tail     comment,   kept.
