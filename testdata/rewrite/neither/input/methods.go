package neither

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
)

// Counter has methods with value and pointer receivers.
type Counter struct {
	mu sync.Mutex
	n  int
}

// Add has a pointer receiver.
//
//trace:span
func (c *Counter) Add(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += n
}

// Value has a value receiver and an error result.
//
//trace:span
func (c *Counter) Value() (int, error) {
	if c.n < 0 {
		return 0, errors.New("negative")
	}
	return c.n, nil
}

// Title has a value receiver.
//
//trace:span
func (l Label) Title() string { return strings.ToTitle(string(l)) }

// Label is a named string.
type Label string

// Wrapped embeds a *Counter and a Label: their methods are promoted.
type Wrapped struct {
	*Counter
	Label
}

// Use calls the methods through a variable and through embedding.
//
//trace:span
func Use(ctx context.Context, w *Wrapped) (string, error) {
	var c Counter
	c.Add(1)
	w.Add(2)
	w.Counter.Add(3)
	if _, err := c.Value(); err != nil {
		return "", err
	}
	n, err := w.Value()
	if err != nil {
		return "", err
	}
	return w.Title() + Label("=").Title() + strconv.Itoa(n), nil
}
