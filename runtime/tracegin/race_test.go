//go:build race

package tracegin_test

// raceEnabled reports whether the race detector is on: it makes sync.Pool drop
// items at random, so Gin's pooled contexts make allocation counts noisy.
const raceEnabled = true
