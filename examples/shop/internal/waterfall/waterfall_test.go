package waterfall

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func at(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

func TestWrite(t *testing.T) {
	t.Parallel()
	spans := []Span{
		// Given out of order, and with a second trace that starts later.
		{TraceID: "b", SpanID: "b1", Name: "GET /healthz", Start: at(10), Duration: 850 * time.Microsecond},
		{TraceID: "a", SpanID: "3", ParentID: "2", Name: "/shop.v1.Catalog/GetProduct", Start: at(1), Duration: ms(2),
			Error: true, Tags: []Tag{{"rpc.grpc.status_code", "13"}, {"error", "true"}}},
		{TraceID: "a", SpanID: "1", Name: "GET /products/:id", Start: at(0), Duration: ms(4),
			Tags: []Tag{{"http.status_code", "500"}}},
		{TraceID: "a", SpanID: "4", ParentID: "1", Follows: true, Name: "audit", Start: at(3.5), Duration: ms(0.5)},
		{TraceID: "a", SpanID: "2", ParentID: "1", Name: "catalog.GetProduct", Start: at(0.5), Duration: ms(3)},
	}
	var sb strings.Builder
	if err := Write(&sb, spans, Options{Width: 16}); err != nil {
		t.Fatal(err)
	}
	want := `trace a  GET /products/:id  4.00ms  4 spans  ERROR
                                 0         4.00ms
                                 |––––––––––––––|
GET /products/:id                [··············]  4.00ms  http.status_code=500
  catalog.GetProduct               [··········]    3.00ms
    /shop.v1.Catalog/GetProduct      [xxxxxx]      2.00ms  rpc.grpc.status_code=13  error=true
  ↳ audit                                      []   500µs

trace b  GET /healthz  850µs  1 span
              0         850µs
              |––––––––––––––|
GET /healthz  [··············]  850µs
`
	if got := sb.String(); got != want {
		t.Errorf("Write:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteOrphansAndTinySpans(t *testing.T) {
	t.Parallel()
	spans := []Span{
		// The parent of "2" was never reported: "2" is drawn as a root.
		{TraceID: "t", SpanID: "1", Name: "root", Start: at(0), Duration: ms(100)},
		{TraceID: "t", SpanID: "2", ParentID: "gone", Name: "orphan", Start: at(50), Duration: ms(50)},
		// Far shorter than a column: still one mark where it ran.
		{TraceID: "t", SpanID: "3", ParentID: "1", Name: "tiny", Start: at(99.99), Duration: time.Microsecond},
		// Zero-length trace: no division by zero.
		{TraceID: "z", SpanID: "1", Name: "instant", Start: at(200)},
	}
	var sb strings.Builder
	if err := Write(&sb, spans, Options{Width: 10}); err != nil {
		t.Fatal(err)
	}
	want := `trace t  root  100.00ms  3 spans
        0 100.00ms
        |––––––––|
root    [········]  100.00ms
  tiny           |       1µs
orphan       [···]   50.00ms

trace z  instant  0µs  1 span
         0     0µs
         |––––––––|
instant  [········]  0µs
`
	if got := sb.String(); got != want {
		t.Errorf("Write:\n%s\nwant:\n%s", got, want)
	}
}

func TestTruncateLongNames(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("n", 80)
	var sb strings.Builder
	if err := Write(&sb, []Span{{TraceID: "t", SpanID: "1", Name: long, Start: t0, Duration: ms(1)}}, Options{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(sb.String(), "\n")
	if got := lines[3]; !strings.HasPrefix(got, strings.Repeat("n", maxName-1)+"…  [") {
		t.Errorf("span line = %q, want the name cut to %d runes", got, maxName)
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0:                         "0µs",
		1499 * time.Nanosecond:    "1µs",
		999 * time.Microsecond:    "999µs",
		time.Millisecond:          "1.00ms",
		1234567 * time.Nanosecond: "1.23ms",
		1500 * time.Millisecond:   "1.50s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
