// Copyright The OpenTelemetry Authors
// SPDX-License-Identifier: Apache-2.0

// Package internal provides internal functionality for the opentracing package.
package internal // import "go.opentelemetry.io/otel/bridge/opentracing/internal"
