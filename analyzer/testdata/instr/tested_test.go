package instr

import "testing"

func TestThrice(t *testing.T) {
	if thrice(2) != 6 {
		t.Fatal("thrice(2) != 6")
	}
}
