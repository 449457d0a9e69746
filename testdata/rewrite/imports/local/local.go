package local

// Name is a name.
const Name = "local"
