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
	"fyne.io/fyne/v2/driver/desktop"

	"pairwise/assets"

	"pairwise/app/applog"
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
		defer os.RemoveAll(applog.DirFor(tmp))
		dir = tmp
	}
	c, err := openCore(dir)
	if err != nil {
		return err
	}
	defer c.close()
	ws, eng := c.ws, c.eng
	if demo {
		if _, err := workspace.SeedDemo(ws); err != nil {
			return err
		}
	}
	a := app.NewWithID(AppID)
	w := a.NewWindow("Pairwise")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		eng.Run(ctx)
	}()
	// The engine stops before the workspace closes (c.close, deferred
	// first so run last): what it still hands over would otherwise meet
	// a closed store. A bound, so a quit never hangs on the network.
	defer func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(5 * time.Second):
		}
	}()
	u := create(a, w, ws, eng, c.log)
	u.demo, u.logErr = demo, c.logErr
	w.Resize(fyne.NewSize(float32(a.Preferences().FloatWithFallback(prefWidth, 1100)), float32(a.Preferences().FloatWithFallback(prefHeight, 720))))
	icon := fyne.NewStaticResource("pairwise.png", assets.Icon)
	a.SetIcon(icon)
	tray := setupTray(a, w, icon)
	w.SetCloseIntercept(func() {
		size := w.Canvas().Size()
		a.Preferences().SetFloat(prefWidth, float64(size.Width))
		a.Preferences().SetFloat(prefHeight, float64(size.Height))
		if tray {
			// Keep syncing and reminding from the tray; Quit is in its menu.
			w.Hide()
			return
		}
		w.Close()
	})
	go remind(ctx, a, ws, time.Now, time.After)
	go runAutoBackups(ctx, ws, c.log.Logf, time.After)
	w.ShowAndRun()
	return nil
}

// setupTray puts Pairwise in the system tray where the desktop has one, so
// reminders keep coming while the window is closed.
func setupTray(a fyne.App, w fyne.Window, icon fyne.Resource) bool {
	desk, ok := a.(desktop.App)
	if !ok {
		return false
	}
	desk.SetSystemTrayMenu(fyne.NewMenu("Pairwise", fyne.NewMenuItem("Open Pairwise", func() { w.Show(); w.RequestFocus() })))
	desk.SetSystemTrayIcon(icon)
	return true
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
	return create(a, w, ws, eng, nil)
}

// create is Create with the app's log, which may be nil (no log file).
func create(a fyne.App, w fyne.Window, ws *workspace.Workspace, eng Syncer, log *applog.Log) *UI {
	u := &UI{app: a, win: w, ws: ws, eng: eng, now: time.Now, log: log, logf: log.Logf}
	u.build()
	return u
}

// core is what the window runs on: the data folder's workspace, its sync
// engine, and the log both write to. The log is beside the data folder
// (applog.DirFor); without one (a folder that cannot be written) the app
// runs all the same, and Settings says why there is none.
type core struct {
	ws     *workspace.Workspace
	eng    *syncclient.Engine
	log    *applog.Log
	logErr error
}

func openCore(dir string) (*core, error) {
	c := &core{}
	c.log, c.logErr = applog.Open(applog.DirFor(dir))
	c.log.Logf("pairwise starts on the data folder %s", dir)
	if _, err := workspace.AdoptRestored(dir, c.log.Logf); err != nil {
		c.log.Logf("the restored backup was not moved in: %v", err)
	}
	ws, err := workspace.Open(dir, c.log.Logf)
	if err != nil {
		c.log.Logf("the data folder did not open: %s", syncclient.LogText(err))
		c.closeLog()
		return nil, err
	}
	c.ws = ws
	c.eng = syncclient.New(ws, c.log.Logf)
	return c, nil
}

func (c *core) close() {
	c.ws.Close()
	c.closeLog()
}

func (c *core) closeLog() {
	if c.log != nil {
		c.log.Close()
	}
}
