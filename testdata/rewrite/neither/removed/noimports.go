package neither

import "context"

// Bare has no imports: context.TODO() brings one.
func Bare() int { return fact(context.TODO(), 5) }
