package seal

import (
	"crypto/hkdf"
	"crypto/sha256"
)

// A cohort is two documents on the relay, both sealed with the cohort's
// key. The programme (events, resources, roster) is written by the
// programme's managers and read by every member; the board, where each
// pair reports its health, is written by everyone in the cohort. The
// programme's read capability and both of the board's capabilities derive
// from the cohort key, so a member's invite code carries the key alone;
// the programme's write capability is a separate random secret that only a
// manager's invite code carries. Deriving capabilities from the key gives
// nothing away: the relay sees only their hashes, and whoever holds the
// key can read the documents anyway.

// BoardID returns the ID of the board document of the cohort whose
// programme document is programme. IDs are not secret, so a hash suffices.
func BoardID(programme [16]byte) [16]byte {
	h := sha256.New()
	h.Write([]byte("pairwise cohort board id v1\x00"))
	h.Write(programme[:])
	var id [16]byte
	copy(id[:], h.Sum(nil))
	return id
}

// CohortCaps are the capabilities every member of a cohort derives from
// its key.
type CohortCaps struct {
	ProgrammeRead Secret
	BoardWrite    Secret
	BoardRead     Secret
}

// DeriveCohortCaps derives a cohort's member capabilities from its key.
func DeriveCohortCaps(key Key) CohortCaps {
	return CohortCaps{
		ProgrammeRead: derive(key, "pairwise cohort programme read v1"),
		BoardWrite:    derive(key, "pairwise cohort board write v1"),
		BoardRead:     derive(key, "pairwise cohort board read v1"),
	}
}

func derive(from Key, info string) Secret {
	b, err := hkdf.Key(sha256.New, from[:], nil, info, SecretSize)
	if err != nil {
		panic("seal: HKDF refused a 32-byte key: " + err.Error()) // cannot happen at this length
	}
	var s Secret
	copy(s[:], b)
	return s
}

// BoardAuthority returns the root key of a cohort's board, derived from the
// cohort key: every member may write the board, so every member can make
// their own devices its writers, and nobody without the key can.
func BoardAuthority(key Key) DeviceKey {
	seed := derive(key, "pairwise cohort board authority v2")
	return DeviceKeyFromSeed(seed[:])
}
