module github.com/traceinject/traceinject/runtime

go 1.22

require github.com/opentracing/opentracing-go v1.2.0
