package neither

// Bare has no imports: context.TODO() brings one.
func Bare() int { return fact(5) }
