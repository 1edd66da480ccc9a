package syncclient

import (
	"encoding/hex"
	"strings"
	"testing"

	"pairwise/app/mentoring"
	"pairwise/shared/seal"
	"pairwise/shared/wire"
)

// A writer's device, on a version 3 session, gets the relay to store a
// record under its own ID with a bad signature (the relay checks the tag,
// not the signature). Its partner's replica, and a new member's, skip it
// and sync on.
func TestAWritersBadlySignedRecordIsSkippedByEveryReplica(t *testing.T) {
	r := startRelay(t)
	ana, ben := newReplica(t, r), newReplica(t, r)
	pair := pairOf(t, ana, ben, false)
	ana.mustSync()
	ben.mustSync()

	change := winChange(t, ana, pair, "badly signed by a writer")
	meta, _ := ana.ws.Meta(pair)
	var did wire.DocID
	raw, _ := hex.DecodeString(pair)
	copy(did[:], raw)
	var key seal.Key
	copy(key[:], meta.Key)
	dev, _ := ana.ws.DeviceKey()

	s := dialAsDevice(t, r, dev)
	tags := s.tags
	s.send(&wire.Subscribe{Req: 1, Doc: did, Cap: meta.Write, From: 1 << 40})
	if _, ok := s.answer(1).(*wire.Ack); !ok {
		t.Fatal("subscribe refused")
	}
	// The device's last number, from the answer to a retry of its first.
	sig1 := make([]byte, seal.SigSize)
	s.send(&wire.Push{Req: 2, Doc: did, DSeq: 1, Body: []byte("x"), Sig: sig1, Tag: tags.PushTag(did, 1, []byte("x"), sig1)})
	a, ok := s.answer(2).(*wire.Ack)
	if !ok || a.Last == 0 {
		t.Fatalf("retry: %#v", a)
	}
	dseq := a.Last + 1
	body := seal.SealRecord(key, did, dev.ID(), dseq, change)
	bad := dev.SignRecord(did, dseq, []byte("other bytes"))
	s.send(&wire.Push{Req: 3, Doc: did, DSeq: dseq, Body: body, Sig: bad, Tag: tags.PushTag(did, dseq, body, bad)})
	ack, ok := s.answer(3).(*wire.Ack)
	if !ok {
		t.Fatalf("the relay refused the badly signed push: %#v", ack)
	}
	t.Logf("the relay stored a record with a bad signature at %d", ack.Seq)

	ben.mustSync()
	carol := newReplica(t, r)
	code, _ := ana.ws.Invite(pair, true)
	if _, err := carol.ws.Join(code, "Carol", mentoring.Mentee); err != nil {
		t.Fatal(err)
	}
	carol.mustSync()
	for name, x := range map[string]*replica{"the partner": ben, "a new member": carol} {
		if strings.Contains(x.json(pair), "badly signed by a writer") {
			t.Errorf("%s applied the badly signed record", name)
		}
		if st, _ := x.ws.SyncState(pair); st.Cursor < ack.Seq {
			t.Errorf("%s stopped at %d, before the bad record (%d)", name, st.Cursor, ack.Seq)
		}
	}
	ben.addGoal(pair, "after")
	ben.mustSync()
	carol.mustSync()
	if !strings.Contains(carol.json(pair), "after") {
		t.Error("the partner's next change did not arrive")
	}
}
