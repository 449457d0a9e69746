// Command demo runs the example shop in one process with an in-memory tracer,
// sends a few requests and prints the traces they left as waterfalls. It
// needs nothing installed: `make demo` runs it.
package main

import (
	"context"
	"log"
	"os"

	"github.com/gin-gonic/gin"

	"github.com/traceinject/traceinject/examples/shop/internal/demo"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("demo: ")
	gin.SetMode(gin.ReleaseMode)
	if _, _, err := demo.Run(context.Background(), os.Stdout, demo.Requests); err != nil {
		log.Fatal(err)
	}
}
