// Package ui is the Fyne desktop app. It is the only package that imports
// Fyne; everything it shows comes from the workspace.
package ui

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/workspace"
)

// AppID keys the app's preferences and matches FyneApp.toml.
const AppID = "org.pairwise.app"

// Run opens the desktop window on the data folder dir and blocks until it
// closes. With demo set it uses a throwaway folder instead.
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
	a := app.NewWithID(AppID)
	w := a.NewWindow("Pairwise")
	Create(a, w, ws)
	w.Resize(fyne.NewSize(1000, 700))
	w.ShowAndRun()
	return nil
}

// Create builds the main screen into w.
func Create(a fyne.App, w fyne.Window, ws *workspace.Workspace) {
	list, _ := ws.List()
	items := widget.NewList(
		func() int { return len(list) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(list[i].Title) },
	)
	w.SetContent(container.NewBorder(widget.NewLabel("Your pairs"), nil, nil, nil, items))
}
