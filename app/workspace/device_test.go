package workspace

import (
	"bytes"
	"testing"

	"pairwise/app/mentoring"
)

// A data folder from before signed devices gets a device key on its first
// start, and the changes waiting in its outboxes are numbered afresh for
// the new device, in order and whole, so the relay takes them from 1.
func TestFolderFromBeforeSignedDevicesIsMigrated(t *testing.T) {
	dir := t.TempDir()
	ws, err := Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ws.NewPair("Old pair", "Ana", mentoring.Mentor)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"one", "two", "three"} {
		if _, err := ws.Edit(pair, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &g}, ws.Now())
		}); err != nil {
			t.Fatal(err)
		}
	}
	// As the old version left it: some changes acknowledged, the device
	// key not there yet, and the pair without write authority.
	if _, err := ws.st.Ack(pair, 2); err != nil {
		t.Fatal(err)
	}
	before, _ := ws.st.Outbox(pair, 3, 100)
	oldKey, _ := ws.DeviceKey()
	if err := ws.UpdateSettings(func(s *Settings) { s.DeviceKey, s.SealedDeviceKey = nil, nil }); err != nil {
		t.Fatal(err)
	}
	if err := ws.SetMeta(pair, func(m *Meta) { m.Root, m.Certs = nil, nil }); err != nil {
		t.Fatal(err)
	}
	ws.Close()

	ws, err = Open(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ws.DeviceKey()
	if err != nil || !key.Valid() || key.ID() == oldKey.ID() {
		t.Fatalf("after migration the device key is %v (valid %v), err %v", key.ID(), key.Valid(), err)
	}
	st, _ := ws.st.State(pair)
	after, _ := ws.st.Outbox(pair, 1, 100)
	if st.Acked != 0 || st.NextDSeq != uint64(len(before))+1 || len(after) != len(before) {
		t.Fatalf("state %+v with %d waiting, want %d renumbered from 1", st, len(after), len(before))
	}
	for i := range after {
		if after[i].DSeq != uint64(i+1) || !bytes.Equal(after[i].Data, before[i].Data) {
			t.Fatalf("waiting change %d: dseq %d, same bytes %v", i, after[i].DSeq, bytes.Equal(after[i].Data, before[i].Data))
		}
	}
	meta, _ := ws.Meta(pair)
	if meta.Writers() != nil {
		t.Error("a pair from before signed devices got a root it never had")
	}
	// The key stays: a second start renumbers nothing.
	ws.Close()
	if ws, err = Open(dir, t.Logf); err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	again, _ := ws.DeviceKey()
	if again.ID() != key.ID() {
		t.Fatal("the device key changed on the next start")
	}
}
