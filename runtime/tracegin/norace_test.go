//go:build !race

package tracegin_test

const raceEnabled = false
