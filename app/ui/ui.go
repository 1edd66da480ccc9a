// Package ui is the Fyne desktop app. It is the only package that imports
// Fyne; everything it shows comes from the workspace, and every change goes
// through it as a durable edit, so the window never waits on the network.
package ui

import (
	"context"
	"fmt"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"pairwise/app/syncclient"
	"pairwise/app/workspace"
)

// AppID keys the app's preferences and matches FyneApp.toml.
const AppID = "org.pairwise.app"

// Preference keys.
const (
	prefWidth    = "window.width"
	prefHeight   = "window.height"
	prefLastPair = "lastPair"
)

// Run opens the desktop window on the data folder dir and blocks until it
// closes. With demo set it uses a throwaway folder seeded with a sample pair.
func Run(dir string, demo bool) error {
	if demo {
		tmp, err := os.MkdirTemp("", "pairwise-demo-")
		if err != nil {
			return fmt.Errorf("create a demo folder: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	ws, err := workspace.Open(dir, nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	if demo {
		if _, err := workspace.SeedDemo(ws); err != nil {
			return err
		}
	}
	a := app.NewWithID(AppID)
	w := a.NewWindow("Pairwise")
	eng := syncclient.New(ws, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go eng.Run(ctx)
	u := Create(a, w, ws, eng)
	u.demo = demo
	w.Resize(fyne.NewSize(float32(a.Preferences().FloatWithFallback(prefWidth, 1100)), float32(a.Preferences().FloatWithFallback(prefHeight, 720))))
	w.SetCloseIntercept(func() {
		size := w.Canvas().Size()
		a.Preferences().SetFloat(prefWidth, float64(size.Width))
		a.Preferences().SetFloat(prefHeight, float64(size.Height))
		w.Close()
	})
	w.ShowAndRun()
	return nil
}

// Syncer is what the window needs from the sync engine.
type Syncer interface {
	Status() syncclient.Status
	OnStatus(func(syncclient.Status))
	Kick()
}

// Create builds the main window's content into w and returns its state.
// eng may be nil (no sync, as in some tests).
func Create(a fyne.App, w fyne.Window, ws *workspace.Workspace, eng Syncer) *UI {
	u := &UI{app: a, win: w, ws: ws, eng: eng, now: time.Now}
	u.build()
	return u
}
