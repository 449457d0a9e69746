#!/usr/bin/env bash
# make e2e: run the example shop against a real Jaeger, three times (through
# jaeger-client-go; through OpenTracing, the OpenTelemetry bridge and OTLP;
# natively through OpenTelemetry, traceotel.Use, and OTLP), and check the
# traces Jaeger stores (examples/shop/e2e). Jaeger all-in-one is built
# from the Go module proxy once and cached in .cache/. Every listener is bound
# to 127.0.0.1; everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

JAEGER_VERSION=v1.62.0
cache=$root/.cache
jaeger=$cache/jaeger-all-in-one-$JAEGER_VERSION

# Ports: uncommon ones, so a developer's own Jaeger (16686, 4317, ...) is not in the way.
P_QUERY=46686 P_QUERY_GRPC=46685 P_COLLECTOR_HTTP=44268 P_COLLECTOR_GRPC=44250
P_OTLP_GRPC=44317 P_OTLP_HTTP=44318 P_ADMIN=44269 P_SAMPLING=45778
P_UDP_COMPACT=46831 P_UDP_BINARY=46832 P_UDP_ZIPKIN=45775

build_jaeger() {
	echo "e2e: building Jaeger all-in-one $JAEGER_VERSION from the module proxy (a few minutes, once)"
	local mod=$cache/jaeger-build
	mkdir -p "$mod"
	cat >"$mod/go.mod" <<-MOD
	module jaegerbuild

	go 1.26

	require github.com/jaegertracing/jaeger $JAEGER_VERSION

	replace github.com/Shopify/sarama => github.com/Shopify/sarama v1.33.0
	MOD
	(cd "$mod" && GOFLAGS=-mod=mod nice go get "github.com/jaegertracing/jaeger/cmd/all-in-one@$JAEGER_VERSION" &&
		GOFLAGS=-mod=mod nice go build -o "$jaeger.tmp" github.com/jaegertracing/jaeger/cmd/all-in-one)
	mv "$jaeger.tmp" "$jaeger"
}
[ -x "$jaeger" ] || build_jaeger

tmp=$(mktemp -d "${TMPDIR:-/tmp}/traceinject-e2e.XXXXXX")
pids=()
cleanup() {
	local status=$?
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	if [ "$status" -ne 0 ]; then
		for log in "$tmp"/*.log; do [ -s "$log" ] && { echo "--- $(basename "$log")"; tail -20 "$log"; }; done
	fi
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $P_QUERY $P_QUERY_GRPC $P_COLLECTOR_HTTP $P_COLLECTOR_GRPC $P_OTLP_GRPC $P_OTLP_HTTP $P_ADMIN $P_SAMPLING 48080 48081 48082 48051 48052 48053; do
	port_free "$p" || { echo "e2e: port 127.0.0.1:$p is in use"; exit 1; }
done

wait_http() { # url what
	for _ in $(seq 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
	echo "e2e: $2 did not come up at $1"; return 1
}

(cd examples && go build -o "$tmp/service" ./shop/cmd/service)
(cd examples && go build -o "$tmp/gateway" ./shop/cmd/gateway)

SPAN_STORAGE_TYPE=memory OTEL_TRACES_EXPORTER=none "$jaeger" \
	--query.http-server.host-port=127.0.0.1:$P_QUERY \
	--query.grpc-server.host-port=127.0.0.1:$P_QUERY_GRPC \
	--collector.http-server.host-port=127.0.0.1:$P_COLLECTOR_HTTP \
	--collector.grpc-server.host-port=127.0.0.1:$P_COLLECTOR_GRPC \
	--collector.otlp.grpc.host-port=127.0.0.1:$P_OTLP_GRPC \
	--collector.otlp.http.host-port=127.0.0.1:$P_OTLP_HTTP \
	--admin.http.host-port=127.0.0.1:$P_ADMIN \
	--http-server.host-port=127.0.0.1:$P_SAMPLING \
	--processor.jaeger-compact.server-host-port=127.0.0.1:$P_UDP_COMPACT \
	--processor.jaeger-binary.server-host-port=127.0.0.1:$P_UDP_BINARY \
	--processor.zipkin-compact.server-host-port=127.0.0.1:$P_UDP_ZIPKIN \
	--reporter.grpc.host-port=127.0.0.1:$P_COLLECTOR_GRPC \
	>"$tmp/jaeger.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$P_ADMIN/" "Jaeger"
wait_http "http://127.0.0.1:$P_QUERY/api/services" "Jaeger query"

# Every listener Jaeger opened must be on loopback.
if command -v ss >/dev/null; then
	if ss -Hltnup 2>/dev/null | grep "pid=${pids[0]}," | awk '{print $5}' | grep -v '^127\.0\.0\.1:'; then
		echo "e2e: Jaeger listens beyond loopback (above)"; exit 1
	fi
fi

round() { # tracer gateway-port service-port service-suffix, then env for both processes
	local tracer=$1 gport=$2 sport=$3 suffix=$4
	shift 4
	env "$@" "$tmp/service" -tracer "$tracer" -listen "127.0.0.1:$sport" -name "shop-catalog$suffix" >"$tmp/service-$tracer.log" 2>&1 &
	pids+=($!)
	env "$@" "$tmp/gateway" -tracer "$tracer" -listen "127.0.0.1:$gport" -catalog "127.0.0.1:$sport" \
		-name "shop-gateway$suffix" >"$tmp/gateway-$tracer.log" 2>&1 &
	pids+=($!)
	wait_http "http://127.0.0.1:$gport/healthz" "gateway ($tracer)"
	echo "e2e: round $tracer"
	(cd examples && SHOP_E2E_QUERY=http://127.0.0.1:$P_QUERY SHOP_E2E_GATEWAY=http://127.0.0.1:$gport \
		SHOP_E2E_GATEWAY_SERVICE=shop-gateway$suffix SHOP_E2E_CATALOG_SERVICE=shop-catalog$suffix \
		SHOP_E2E_TRACER=$tracer \
		go test -tags e2e -count=1 -v ./shop/e2e)
}

status=0
round jaeger 48080 48051 "" \
	JAEGER_ENDPOINT=http://127.0.0.1:$P_COLLECTOR_HTTP/api/traces JAEGER_REPORTER_FLUSH_INTERVAL=200ms || status=1
round otel-bridge 48081 48052 -otel-bridge \
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$P_OTLP_GRPC OTEL_BSP_SCHEDULE_DELAY=200 || status=1
round otel 48082 48053 -otel \
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$P_OTLP_GRPC OTEL_BSP_SCHEDULE_DELAY=200 || status=1
exit $status
