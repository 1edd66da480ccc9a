package wire

import "fmt"

// Code is a stable error code. The strings are part of the protocol: clients
// branch on them, so they never change meaning.
type Code string

// Error codes.
const (
	CodeBadMessage   Code = "bad_message"     // undecodable or invalid message
	CodeTooLarge     Code = "too_large"       // frame or body over the limit
	CodeVersion      Code = "version"         // unsupported protocol version
	CodeUnauthorized Code = "unauthorized"    // missing or wrong capability
	CodeToken        Code = "token"           // creating needs a valid organisation token
	CodeReadOnly     Code = "read_only"       // push with only the read capability
	CodeNotFound     Code = "not_found"       // no such document
	CodeExists       Code = "exists"          // document exists with other capabilities
	CodeRateLimited  Code = "rate_limited"    // too many messages or bytes
	CodeOutOfOrder   Code = "out_of_order"    // device sequence skipped ahead
	CodeStaleSnap    Code = "stale_snapshot"  // snapshot covers no more than the current one
	CodeRevoked      Code = "revoked"         // organisation token was revoked
	CodeBusy         Code = "busy"            // relay at its connection cap or shutting down
	CodeInternal     Code = "internal"        // relay-side failure; retry later
	CodeDevice       Code = "device"          // hello does not prove its device ID
	CodeNotWriter    Code = "not_writer"      // push from a device that is not a writer
	CodeBadCert      Code = "bad_certificate" // certificate malformed or not chained to the root
	CodeQuota        Code = "quota"           // the pair or its token used its storage on the relay
)

// Temporary reports whether a client should retry later after this code,
// rather than stop and tell the user.
func (c Code) Temporary() bool {
	switch c {
	case CodeRateLimited, CodeBusy, CodeInternal:
		return true
	}
	return false
}

// Error makes a wire error usable as a Go error on the client side.
func (e *Error) Error() string {
	return fmt.Sprintf("relay refused (%s): %s", e.Code, e.Msg)
}
