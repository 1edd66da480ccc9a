package wsserve

// stackReserve is stack that keepStack holds in use above the function it
// runs. At each collection Go halves the stack of a goroutine that uses
// less than a quarter of it. A reader waiting for its next connection uses
// little, while decoding and handling a message takes several KiB: so
// every reader's stack was halved at every collection and grown again, by
// copying, on its next message (9% of the relay's CPU in W2; the relay
// collects often to stay small). A stack of up to four times the reserve
// is never shrunk while keepStack's function waits.
const stackReserve = 4 << 10

// keepStack runs fn with stackReserve bytes of this goroutine's stack in
// use above it.
func keepStack(fn func()) {
	var reserve [stackReserve]byte
	below(&reserve, fn)
}

//go:noinline
func below(reserve *[stackReserve]byte, fn func()) {
	_ = reserve[0] // the reserve stays in keepStack's frame, above this one
	fn()
}
