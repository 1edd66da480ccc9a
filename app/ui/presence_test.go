package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"pairwise/app/syncclient"
	"pairwise/app/workspace"
)

// TestOverviewSaysWhenThePartnerLastSynced: the pair's overview says when
// the partner's app was last heard from, and what a long silence may mean.
func TestOverviewSaysWhenThePartnerLastSynced(t *testing.T) {
	u, ws := setup(t)
	pair, err := workspace.SeedDemo(ws) // Ben's app synced three hours before now
	if err != nil {
		t.Fatal(err)
	}
	u.reloadPairs()
	u.open(pair)
	text := strings.Join(labels(u.pv.overview), "\n")
	if !strings.Contains(text, "Ben Okafor's app last synced 3 hours ago.") {
		t.Errorf("overview does not say when Ben's app last synced:\n%s", text)
	}
	later := u.now().Add(4 * 24 * time.Hour)
	u.now = func() time.Time { return later }
	ws.SetNow(u.now)
	u.pv.buildOverview()
	text = strings.Join(labels(u.pv.overview), "\n")
	if !strings.Contains(text, "Ben Okafor's app last synced 4 days ago. If Ben Okafor has used Pairwise since, the relay may be holding back their changes: ask the relay's admin.") {
		t.Errorf("overview after four quiet days:\n%s", text)
	}
}

// TestHeldBackChangesExplainThemselvesOnce: the engine saying the relay
// holds changes back opens one dialog, not one per minute it counts.
func TestHeldBackChangesExplainThemselvesOnce(t *testing.T) {
	u, _ := setup(t)
	held := func(mins int) syncclient.Status {
		return syncclient.Status{State: syncclient.Withheld, Detail: "The relay took 3 changes to pair \"P\" from this computer but has not sent them back for " + strconv.Itoa(mins) + " minutes: it may be holding back your partner's changes too. Ask the relay's admin."}
	}
	u.showStatus(held(2))
	if text := strings.Join(labels(topOverlay(t, u)), " "); !strings.Contains(text, "Ask the relay's admin") {
		t.Fatalf("the dialog does not explain: %q", text)
	}
	if !strings.Contains(u.status.Text, "has not sent them back") {
		t.Errorf("status bar: %q", u.status.Text)
	}
	n := len(u.win.Canvas().Overlays().List())
	u.showStatus(held(5))
	if len(u.win.Canvas().Overlays().List()) != n {
		t.Error("the minutes counting up opened a second dialog")
	}
}
