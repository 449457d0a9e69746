//go:build e2e

// Package e2e checks the example shop against a real Jaeger: examples/e2e.sh
// starts Jaeger all-in-one, the Catalog service and the gateway as separate
// processes reporting to it, then runs this test, which sends requests to the
// gateway and reads the traces back through Jaeger's HTTP query API.
//
// Environment (set by e2e.sh):
//
//	SHOP_E2E_QUERY    Jaeger query base URL, e.g. http://127.0.0.1:16686
//	SHOP_E2E_GATEWAY  gateway base URL
//	SHOP_E2E_GATEWAY_SERVICE, SHOP_E2E_CATALOG_SERVICE  reported service names
//	SHOP_E2E_TRACER   jaeger, otel-bridge or otel: the tracer both processes
//	                  use (otel records native OpenTelemetry spans, whose names
//	                  and attributes follow OpenTelemetry's conventions)
package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(t *testing.T, key string) string {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		t.Fatalf("%s is not set: run examples/e2e.sh", key)
	}
	return v
}

// Jaeger's /api/traces answer, reduced to what the test reads.
type traceList struct {
	Data []jTrace `json:"data"`
}

type jTrace struct {
	TraceID   string              `json:"traceID"`
	Spans     []jSpan             `json:"spans"`
	Processes map[string]jProcess `json:"processes"`
}

type jProcess struct {
	ServiceName string `json:"serviceName"`
}

type jSpan struct {
	TraceID       string `json:"traceID"`
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	References    []struct {
		RefType string `json:"refType"`
		TraceID string `json:"traceID"`
		SpanID  string `json:"spanID"`
	} `json:"references"`
	Tags []struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	} `json:"tags"`
	Logs []struct {
		Fields []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"fields"`
	} `json:"logs"`
	ProcessID string `json:"processID"`
}

// span is a Jaeger span placed in its trace's tree.
type span struct {
	jSpan
	service  string
	parent   *span
	refType  string
	children []*span
}

func (s *span) tag(key string) (string, bool) {
	for _, t := range s.Tags {
		if t.Key == key {
			return fmt.Sprint(t.Value), true
		}
	}
	return "", false
}

func (s *span) String() string { return fmt.Sprintf("%s %q", s.service, s.OperationName) }

// tree links the spans of t by their CHILD_OF/FOLLOWS_FROM references and
// returns its roots.
func tree(t jTrace) []*span {
	byID := map[string]*span{}
	for _, js := range t.Spans {
		byID[js.SpanID] = &span{jSpan: js, service: t.Processes[js.ProcessID].ServiceName}
	}
	var roots []*span
	for _, js := range t.Spans {
		s := byID[js.SpanID]
		if len(js.References) > 0 {
			if p := byID[js.References[0].SpanID]; p != nil {
				s.parent, s.refType = p, js.References[0].RefType
				p.children = append(p.children, s)
				continue
			}
		}
		roots = append(roots, s)
	}
	return roots
}

// request is one call to the gateway and the tree it must leave.
type request struct {
	method, path, body string
	status             int
	want               *node
}

// node is an expected span: its service (gateway or catalog), operation,
// tags, whether error=true, and children (in any order; extra spans fail).
type node struct {
	catalog  bool
	op       string
	tags     map[string]string
	err      bool
	children []*node
}

func TestShopTracesInJaeger(t *testing.T) {
	query := env(t, "SHOP_E2E_QUERY")
	gateway := env(t, "SHOP_E2E_GATEWAY")
	gwService := env(t, "SHOP_E2E_GATEWAY_SERVICE")
	catService := env(t, "SHOP_E2E_CATALOG_SERVICE")
	tracer := env(t, "SHOP_E2E_TRACER")

	rpc := func(method string, server bool, code int, err bool, children ...*node) *node {
		kind := "client"
		if server {
			kind = "server"
		}
		return &node{
			catalog: server,
			op:      "/shop.v1.Catalog/" + method,
			tags: map[string]string{
				"span.kind": kind, "component": "gRPC", "rpc.system": "grpc",
				"rpc.service": "shop.v1.Catalog", "rpc.method": method,
				"rpc.grpc.status_code": fmt.Sprint(code),
			},
			err:      err,
			children: children,
		}
	}
	gin := func(route, path string, status int, err bool, children ...*node) *node {
		method, _, _ := strings.Cut(route, " ")
		return &node{op: route, tags: map[string]string{
			"span.kind": "server", "component": "gin", "http.method": method,
			"http.url": path, "http.status_code": fmt.Sprint(status),
		}, err: err, children: children}
	}
	fn := func(op string, tags map[string]string, err bool, children ...*node) *node {
		return &node{catalog: true, op: op, tags: tags, err: err, children: children}
	}
	validate := func(err bool) *node { return fn("catalog.validate", nil, err) }

	requests := []request{
		{"GET", "/api/v1/products/p-1", "", 200,
			gin("GET /api/v1/products/:id", "/api/v1/products/p-1", 200, false,
				rpc("GetProduct", false, 0, false,
					rpc("GetProduct", true, 0, false,
						fn("catalog.Service.GetProduct", map[string]string{"product_id": "p-1"}, false,
							validate(false)))))},
		{"GET", "/api/v1/products?category=kitchen", "", 200,
			gin("GET /api/v1/products", "/api/v1/products", 200, false,
				rpc("ListProducts", false, 0, false,
					rpc("ListProducts", true, 0, false,
						fn("catalog.Service.matching", map[string]string{"category": "kitchen"}, false,
							// Both kitchen records are checked; the corrupt one is left out.
							validate(false), validate(true)))))},
		{"POST", "/api/v1/orders", `{"product_id":"p-3","quantity":2}`, 201,
			gin("POST /api/v1/orders", "/api/v1/orders", 201, false,
				rpc("PlaceOrder", false, 0, false,
					rpc("PlaceOrder", true, 0, false,
						fn("catalog.Service.PlaceOrder", map[string]string{"product_id": "p-3", "quantity": "2"}, false,
							validate(false)))))},
		// NotFound: an error for the client, not for the server (OpenTelemetry's table).
		{"GET", "/api/v1/products/p-404", "", 404,
			gin("GET /api/v1/products/:id", "/api/v1/products/p-404", 404, false,
				rpc("GetProduct", false, 5, true,
					rpc("GetProduct", true, 5, false,
						fn("catalog.Service.GetProduct", map[string]string{"product_id": "p-404"}, true))))},
		{"GET", "/api/v1/products/p-broken", "", 500,
			gin("GET /api/v1/products/:id", "/api/v1/products/p-broken", 500, true,
				rpc("GetProduct", false, 13, true,
					rpc("GetProduct", true, 13, true,
						fn("catalog.Service.GetProduct", map[string]string{"product_id": "p-broken"}, true,
							validate(true)))))},
	}

	pathKey := "http.url"
	if tracer == "otel" {
		pathKey = "url.path"
		for i := range requests {
			requests[i].want = native(requests[i].want)
		}
	}

	for _, r := range requests {
		var body io.Reader
		if r.body != "" {
			body = strings.NewReader(r.body)
		}
		req, err := http.NewRequest(r.method, gateway+r.path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != r.status {
			t.Errorf("%s %s: status %d, want %d", r.method, r.path, resp.StatusCode, r.status)
		}
	}

	// The reporters flush on their own schedule: poll until every request's
	// trace is complete, or give up and report what is there.
	var traces []jTrace
	deadline := time.Now().Add(45 * time.Second)
	for {
		traces = fetch(t, query, gwService)
		if complete(traces, requests) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}

	if len(traces) != len(requests) {
		t.Errorf("Jaeger holds %d traces for service %s, want %d (one per request)", len(traces), gwService, len(requests))
	}
	services := map[bool]string{false: gwService, true: catService}
	sawError := false
	for _, r := range requests {
		root := findRoot(traces, pathKey, r.want.tags[pathKey], r.want.op)
		if root == nil {
			t.Errorf("%s %s: no trace whose root is %q with %s=%s", r.method, r.path, r.want.op, pathKey, r.want.tags[pathKey])
			continue
		}
		check(t, r.method+" "+r.path, tracer, services, root, r.want)
		if e, _ := root.tag("error"); e == "true" {
			sawError = true
		}
	}
	if !sawError {
		t.Error("no trace has a root span marked error=true")
	}
}

func fetch(t *testing.T, query, service string) []jTrace {
	t.Helper()
	u := query + "/api/traces?" + url.Values{"service": {service}, "limit": {"100"}, "lookback": {"1h"}}.Encode()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list traceList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return list.Data
}

// complete reports whether traces hold as many spans as requests expect.
func complete(traces []jTrace, requests []request) bool {
	want, got := 0, 0
	var count func(n *node)
	count = func(n *node) {
		want++
		for _, c := range n.children {
			count(c)
		}
	}
	for _, r := range requests {
		count(r.want)
	}
	for _, tr := range traces {
		got += len(tr.Spans)
	}
	return len(traces) >= len(requests) && got >= want
}

func findRoot(traces []jTrace, pathKey, path, op string) *span {
	for _, tr := range traces {
		for _, root := range tree(tr) {
			if u, _ := root.tag(pathKey); u == path && root.OperationName == op {
				return root
			}
		}
	}
	return nil
}

// check compares the tree under got with want and reports every difference.
func check(t *testing.T, req, tracer string, services map[bool]string, got *span, want *node) {
	t.Helper()
	where := fmt.Sprintf("%s: %s", req, got)
	if got.OperationName != want.op {
		t.Errorf("%s: operation %q, want %q", where, got.OperationName, want.op)
	}
	if svc := services[want.catalog]; got.service != svc {
		t.Errorf("%s: reported by %s, want %s", where, got.service, svc)
	}
	if got.parent != nil {
		if got.refType != "CHILD_OF" {
			t.Errorf("%s: reference %s to its parent, want CHILD_OF", where, got.refType)
		}
		// The gRPC server span's parent lives in the other process: the
		// reference crossed the wire in the call's metadata.
		if crossing := got.parent.service != got.service; crossing != (want.tags["span.kind"] == "server" && want.catalog) {
			t.Errorf("%s: parent %s, reference crosses processes: %v", where, got.parent, crossing)
		}
	}
	for k, v := range want.tags {
		have, ok := got.tag(k)
		if !ok && tracer == "otel-bridge" && k == "component" {
			continue
		}
		if !ok || have != v {
			t.Errorf("%s: tag %s=%q (present %v), want %q", where, k, have, ok, v)
		}
	}
	if e, _ := got.tag("error"); (e == "true") != want.err {
		t.Errorf("%s: error tag %q, want error=%v", where, e, want.err)
	}
	var kids []*span
	kids = append(kids, got.children...)
	slices.SortFunc(kids, func(a, b *span) int { return strings.Compare(a.OperationName, b.OperationName) })
	unmatched := slices.Clone(want.children)
	for _, k := range kids {
		i := slices.IndexFunc(unmatched, func(n *node) bool {
			return n.op == k.OperationName && n.err == hasError(k)
		})
		if i < 0 {
			i = slices.IndexFunc(unmatched, func(n *node) bool { return n.op == k.OperationName })
		}
		if i < 0 {
			t.Errorf("%s: unexpected child %s", where, k)
			continue
		}
		check(t, req, tracer, services, k, unmatched[i])
		unmatched = slices.Delete(unmatched, i, i+1)
	}
	for _, n := range unmatched {
		t.Errorf("%s: missing child %q", where, n.op)
	}
}

func hasError(s *span) bool {
	e, _ := s.tag("error")
	return e == "true"
}

// native returns the tree n expects, as traceotel records it: gRPC spans
// named pkg.Service/Method without component; Gin server spans with
// http.request.method, http.route, url.path and http.response.status_code.
// Jaeger shows an OpenTelemetry span kind as span.kind and status Error as
// error=true.
func native(n *node) *node {
	c := *n
	switch n.tags["component"] {
	case "gRPC":
		c.op = strings.TrimPrefix(n.op, "/")
		c.tags = map[string]string{}
		for k, v := range n.tags {
			if k != "component" {
				c.tags[k] = v
			}
		}
	case "gin":
		_, route, _ := strings.Cut(n.op, " ")
		c.tags = map[string]string{
			"span.kind":                 "server",
			"http.request.method":       n.tags["http.method"],
			"http.route":                route,
			"url.path":                  n.tags["http.url"],
			"http.response.status_code": n.tags["http.status_code"],
		}
	}
	c.children = nil
	for _, k := range n.children {
		c.children = append(c.children, native(k))
	}
	return &c
}
