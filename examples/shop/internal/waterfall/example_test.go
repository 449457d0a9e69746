package waterfall_test

import (
	"os"
	"time"

	"github.com/traceinject/traceinject/examples/shop/internal/waterfall"
)

func ExampleWrite() {
	start := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	waterfall.Write(os.Stdout, []waterfall.Span{
		{TraceID: "5b8e", SpanID: "1", Name: "GET /users/:id", Start: start, Duration: 4 * time.Millisecond,
			Error: true, Tags: []waterfall.Tag{{Key: "http.status_code", Value: "500"}}},
		{TraceID: "5b8e", SpanID: "2", ParentID: "1", Name: "users.Get",
			Start: start.Add(800 * time.Microsecond), Duration: 1250 * time.Microsecond},
	}, waterfall.Options{Width: 20})
	// Output:
	// trace 5b8e  GET /users/:id  4.00ms  2 spans  ERROR
	//                 0             4.00ms
	//                 |––––––––––––––––––|
	// GET /users/:id  [xxxxxxxxxxxxxxxxxx]  4.00ms  http.status_code=500
	//   users.Get         [····]            1.25ms
}
