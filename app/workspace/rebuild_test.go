package workspace

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pairwise/app/crdt"
	"pairwise/app/mentoring"
	"pairwise/app/store"
)

// relayPair is a pair whose changes 1 and 2 (its creation and a goal) the
// relay acknowledged, followed on the relay by a partner's message, and
// whose change 3 (a message) is still waiting in the outbox. It returns the
// relay's records, as the relay would send them again from the start.
func relayPair(t *testing.T, dir string) (ws *Workspace, id string, relay [][]byte) {
	t.Helper()
	ws, id = pairWithHistory(t, dir)
	out, err := ws.st.Outbox(id, 1, 10)
	if err != nil || len(out) != 3 {
		t.Fatalf("outbox: %d changes (%v), want 3", len(out), err)
	}
	if err := ws.SetMeta(id, func(m *Meta) { m.Registered = true }); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.st.Ack(id, 2); err != nil {
		t.Fatal(err)
	}
	partner, err := crdt.New(crdt.NewActor())
	if err != nil {
		t.Fatal(err)
	}
	if err := partner.ApplyChanges(append(append([]byte(nil), out[0].Data...), out[1].Data...)); err != nil {
		t.Fatal(err)
	}
	p, err := mentoring.Read(partner)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := mentoring.SendMessage(p, partner.Actor(), "from the partner", time.Now())
	if err := e.Apply(partner); err != nil {
		t.Fatal(err)
	}
	theirs, err := partner.Commit(e.Msg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.ApplyRemote(id, []Remote{{Own: true}, {Own: true}, {Kind: store.Changes, Data: theirs}}, 3); err != nil {
		t.Fatal(err)
	}
	return ws, id, [][]byte{out[0].Data, out[1].Data, theirs, out[2].Data}
}

// TestDamagedCopyIsRebuiltFromTheRelay: a pair whose saved copy no longer
// loads (a malformed chunk stored by an older version, a damaged snapshot)
// is never shown empty. After a restart it says it is being rebuilt, its
// local copy is dropped and its cursor rewound, while the change the relay
// has not acknowledged stays queued; once the relay has sent everything
// again the pair is whole, that change included, and stays so across a
// restart. A pair the relay never had is rebuilt at once from the outbox.
func TestDamagedCopyIsRebuiltFromTheRelay(t *testing.T) {
	damage := map[string]func(t *testing.T, ws *Workspace, id string){
		"malformed chunk stored": func(t *testing.T, ws *Workspace, id string) {
			if _, err := ws.st.AppendRemote(id, []store.Chunk{{Kind: store.Changes, Data: malformedCompressed()}}, 0); err != nil {
				t.Fatal(err)
			}
		},
		"snapshot damaged": func(t *testing.T, ws *Workspace, id string) {
			st, _ := ws.st.State(id)
			if err := ws.st.Compact(id, []byte("not a document"), st.NextChunk); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, spoil := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			ws, id, relay := relayPair(t, dir)
			spoil(t, ws, id)
			ws.Close()

			ws, err := Open(dir, t.Logf)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			_, err = ws.Pair(id)
			if !errors.Is(err, ErrRebuilding) || !strings.Contains(err.Error(), `pair "Strict"'s saved copy on this computer was damaged`) {
				t.Fatalf("reading the damaged pair: got %v, want ErrRebuilding naming the pair", err)
			}
			if _, err := ws.Edit(id, func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
				return mentoring.SendMessage(p, me, "x", ws.Now())
			}); !errors.Is(err, ErrRebuilding) {
				t.Fatalf("editing the damaged pair: got %v, want ErrRebuilding", err)
			}
			list, err := ws.List()
			if err != nil || len(list) != 1 || !list[0].Rebuilding || list[0].Title != "Strict" {
				t.Fatalf("pair list: got %+v (%v), want the pair, titled, marked as rebuilding", list, err)
			}
			st, _ := ws.st.State(id)
			if st.Cursor != 0 || st.Chunks != 0 || st.Reborn != 4 || st.Pending() != 1 {
				t.Fatalf("state: got %+v, want cursor 0, no chunks, reborn 4, 1 change pending", st)
			}

			// The relay sends its records again: this device's own (numbered
			// below Reborn) are applied like the partner's.
			var items []Remote
			for _, r := range relay[:3] {
				items = append(items, Remote{Kind: store.Changes, Data: r})
			}
			if err := ws.ApplyRemote(id, items, 3); err != nil {
				t.Fatal(err)
			}
			if _, err := ws.Pair(id); !errors.Is(err, ErrRebuilding) {
				t.Fatalf("before the relay said it caught up: got %v, want ErrRebuilding", err)
			}
			if made, err := ws.CompleteJoin(id); err != nil || !made {
				t.Fatalf("caught up: got %v, %v; want the rebuild ended", made, err)
			}
			checkRebuilt(t, ws, id)
			ws.Close()
			ws, err = Open(dir, t.Logf)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			checkRebuilt(t, ws, id)
			// The waiting change comes back from the relay once pushed.
			if err := ws.ApplyRemote(id, []Remote{{Kind: store.Changes, Data: relay[3]}}, 4); err != nil {
				t.Fatal(err)
			}
			checkRebuilt(t, ws, id)
		})
	}
	t.Run("never on the relay", func(t *testing.T) {
		dir := t.TempDir()
		ws, id := pairWithHistory(t, dir)
		damage["malformed chunk stored"](t, ws, id)
		ws.Close()
		ws, err := Open(dir, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		checkContent(t, ws, id, "rebuilt from the outbox")
	})
}

// checkRebuilt fails unless the pair reads whole: its goal, its own
// message and the partner's, and is no longer marked.
func checkRebuilt(t *testing.T, ws *Workspace, id string) {
	t.Helper()
	p, err := ws.Pair(id)
	if err != nil {
		t.Fatalf("after the rebuild: %v", err)
	}
	if m, _ := ws.Meta(id); m.Rebuilding {
		t.Fatal("after the rebuild the pair is still marked as rebuilding")
	}
	if len(p.Goals) != 1 || len(p.Messages) != 2 {
		t.Fatalf("after the rebuild: %d goals and %d messages, want 1 and 2 (the one not yet on the relay included)", len(p.Goals), len(p.Messages))
	}
}
