package seal

import (
	"crypto/hkdf"
	"crypto/sha256"
)

// A cohort is two documents on the relay. The programme (events,
// resources, roster) is written by the programme's manager and read by every
// member; the board, where each pair reports its health, is written by
// everyone in the cohort. One invite code carries the programme's ID, the
// cohort key that seals both documents, and a member secret. The member
// secret is the programme's read capability, and the board's ID and
// capabilities derive from what the invite carries, so a member can report
// on the board but holds nothing that lets them change the programme: its
// write capability is a separate random secret that only the manager has.

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

// BoardSecrets derives the board's write and read capabilities from a
// cohort's member secret.
func BoardSecrets(member Secret) (write, read Secret) {
	return derive(member, "pairwise cohort board write v1"), derive(member, "pairwise cohort board read v1")
}

func derive(from Secret, info string) Secret {
	b, err := hkdf.Key(sha256.New, from[:], nil, info, SecretSize)
	if err != nil {
		panic("seal: HKDF refused a 32-byte key: " + err.Error()) // cannot happen at this length
	}
	var s Secret
	copy(s[:], b)
	return s
}
