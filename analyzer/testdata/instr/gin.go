package instr

import "github.com/gin-gonic/gin"

// Hello answers.
//
/* want "Hello: not instrumented" */ //trace:span
func Hello(c *gin.Context) {         // want Hello:"traced"
	c.String(200, "hello")
}
