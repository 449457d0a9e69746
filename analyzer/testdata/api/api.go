package api

import (
	"context"

	"github.com/gin-gonic/gin"
)

type UserApi struct{}

// Create is traced, not instrumented yet.
//
/* want "Create: not instrumented" */    //trace:span
func (a *UserApi) Create(c *gin.Context) {} // want Create:"traced"

// GetUser is registered in package router, which reports it there.
func (a *UserApi) GetUser(c *gin.Context) {}

// Version is exempt (the command's tests cover an ignore without a reason:
// the expectation comment would be its reason here).
//
//trace:ignore not worth a span
func Version(c *gin.Context) {} // want Version:"traced"

// Lookup takes a context.
func Lookup(ctx context.Context) {} // want "api.Lookup has a context.Context parameter"

// Skip is exempt.
//
//trace:ignore cheap
func Skip(ctx context.Context) {} // want Skip:"traced"

func lookup(ctx context.Context) {}
