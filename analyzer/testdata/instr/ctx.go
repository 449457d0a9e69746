package instr

import (
	"context"
	"errors"
)

// Fetch returns the item id.
//
/* want "Fetch: not instrumented" */                      //trace:span tag.id=id
func Fetch(ctx context.Context, id int) (string, error) { // want Fetch:"traced"
	if id < 0 {
		return "", errors.New("negative id")
	}
	_ = twice(id) // want "call of instr.twice must pass a context"
	return "item", nil
}

// store is not traced.
func store(ctx context.Context, key string) error { return nil }

/* want "save: not instrumented" */              //trace:span
func save(_ context.Context, key string) error { // want save:"traced"
	return store(context.Background(), key)
}

// Save saves.
//
/* want "Save: not instrumented" */              //trace:span follows
func Save(ctx context.Context, key string) error { return save(ctx, key) } // want Save:"traced"
