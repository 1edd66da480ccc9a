package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
)

// goalsView lists the goals and edits the selected one.
type goalsView struct {
	v       *pairView
	content fyne.CanvasObject
	list    *widget.List
	sel     string
	dirty   bool

	detail                  *fyne.Container
	title, target           *field
	why, measure, obstacles *field
	status                  *widget.Select
	statusBase              string
	milestones              *fyne.Container
	msTitle, msDue          *widget.Entry
	empty                   fyne.CanvasObject
}

func statusNames() []string {
	out := make([]string, len(mentoring.Statuses))
	for i, s := range mentoring.Statuses {
		out[i] = string(s)
	}
	return out
}

func newGoalsView(v *pairView) *goalsView {
	g := &goalsView{v: v}
	g.list = widget.NewList(
		func() int { return len(g.v.p.Goals) },
		func() fyne.CanvasObject {
			t := widget.NewLabel("")
			t.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(t, widget.NewProgressBar())
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			goal := g.v.p.Goals[i]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%s  ·  %s", goal.Title, goal.Status))
			box.Objects[1].(*widget.ProgressBar).SetValue(goal.Progress())
		},
	)
	g.list.OnSelected = func(i widget.ListItemID) {
		if i < len(g.v.p.Goals) && g.v.p.Goals[i].ID != g.sel {
			if g.dirty {
				g.save()
			}
			g.sel = g.v.p.Goals[i].ID
			g.dirty = false
			g.refresh()
		}
	}
	d := &g.dirty
	g.title, g.target = newField(false, "What do you want to achieve?", d), newField(false, "YYYY-MM-DD", d)
	g.why = newField(true, "Why it matters to you", d)
	g.measure = newField(true, "How you will know you got there", d)
	g.obstacles = newField(true, "What could get in the way", d)
	g.status = widget.NewSelect(statusNames(), func(s string) {
		if s != g.statusBase {
			g.dirty = true
		}
	})
	g.milestones = container.NewVBox()
	g.msTitle, g.msDue = widget.NewEntry(), widget.NewEntry()
	g.msTitle.SetPlaceHolder("Next step")
	g.msDue.SetPlaceHolder("due YYYY-MM-DD")
	addMs := widget.NewButtonWithIcon("Add step", theme.ContentAddIcon(), g.addMilestone)
	save := widget.NewButtonWithIcon("Save goal", theme.DocumentSaveIcon(), g.save)
	save.Importance = widget.HighImportance
	remove := widget.NewButtonWithIcon("Remove goal", theme.DeleteIcon(), g.remove)
	form := widget.NewForm(
		widget.NewFormItem("Goal", g.title.entry),
		widget.NewFormItem("Status", g.status),
		widget.NewFormItem("Target date", g.target.entry),
		widget.NewFormItem("Why", g.why.entry),
		widget.NewFormItem("Success looks like", g.measure.entry),
		widget.NewFormItem("Obstacles", g.obstacles.entry),
	)
	steps := widget.NewCard("Milestones", "Tick a step when it is done; progress follows.",
		container.NewVBox(g.milestones, container.NewBorder(nil, nil, nil, container.NewHBox(dateBox(g.msDue), addMs), g.msTitle)))
	g.detail = container.NewVBox(form, container.NewHBox(save, remove), steps)
	g.empty = container.NewCenter(widget.NewLabel("Pick a goal on the left, or add one."))
	add := widget.NewButtonWithIcon("Add goal", theme.ContentAddIcon(), g.add)
	right := container.NewStack(container.NewVScroll(container.NewPadded(g.detail)), g.empty)
	split := container.NewHSplit(container.NewBorder(nil, add, nil, nil, g.list), right)
	split.Offset = 0.33
	g.content = split
	return g
}

func (g *goalsView) goal() (mentoring.Goal, bool) { return g.v.p.Goal(g.sel) }

func (g *goalsView) refresh() {
	g.list.Refresh()
	goal, ok := g.goal()
	if !ok && len(g.v.p.Goals) > 0 {
		g.sel, g.dirty = g.v.p.Goals[0].ID, false
		goal, ok = g.goal()
	}
	if !ok {
		g.detail.Hide()
		g.empty.Show()
		return
	}
	g.empty.Hide()
	g.detail.Show()
	for i, x := range g.v.p.Goals {
		if x.ID == g.sel {
			g.list.Select(i)
		}
	}
	if !g.dirty {
		g.title.load(goal.Title)
		g.target.load(goal.Target)
		g.why.load(goal.Why)
		g.measure.load(goal.Measure)
		g.obstacles.load(goal.Obstacles)
		g.statusBase = string(goal.Status)
		g.status.SetSelected(string(goal.Status))
		g.dirty = false
	}
	g.milestones.Objects = nil
	for _, m := range goal.Milestones {
		m := m
		label := m.Title
		if m.Due != "" {
			label += "  (due " + m.Due + ")"
		}
		check := widget.NewCheck(label, nil)
		check.SetChecked(m.Done)
		check.OnChanged = func(done bool) {
			if _, ok := g.v.u.edit(func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
				return mentoring.SetMilestoneDone(p, g.sel, m.ID, done)
			}); ok {
				g.v.refresh()
			}
		}
		g.milestones.Add(check)
	}
	if len(goal.Milestones) == 0 {
		g.milestones.Add(widget.NewLabel("No steps yet. Break the goal into a few dated steps."))
	}
	g.milestones.Refresh()
}

func (g *goalsView) save() {
	if _, ok := g.goal(); !ok {
		return
	}
	in := mentoring.GoalInput{Title: g.title.changed(), Target: g.target.changed()}
	if g.status.Selected != g.statusBase {
		s := mentoring.Status(g.status.Selected)
		in.Status = &s
	}
	_, ok := g.v.u.edit(func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		cur, _ := p.Goal(g.sel)
		in.Why, in.Measure, in.Obstacles = g.why.rebased(cur.Why), g.measure.rebased(cur.Measure), g.obstacles.rebased(cur.Obstacles)
		if in == (mentoring.GoalInput{}) {
			return mentoring.Edit{}, mentoring.Invalidf("nothing to save: change a field first")
		}
		return mentoring.UpdateGoal(p, g.sel, in)
	})
	if ok {
		g.dirty = false
		g.v.refresh()
	}
}

func (g *goalsView) add() {
	title := widget.NewEntry()
	title.SetPlaceHolder("e.g. Lead my team's quarterly planning")
	due := widget.NewEntry()
	due.SetPlaceHolder("YYYY-MM-DD (optional)")
	dialog.ShowForm("New goal", "Add", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Goal", title), widget.NewFormItem("Target date", due),
	}, func(ok bool) {
		if !ok {
			return
		}
		id, done := g.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.AddGoal(p, me, mentoring.GoalInput{Title: &title.Text, Target: &due.Text}, g.v.u.now())
		})
		if done {
			g.sel, g.dirty = id, false
			g.v.refresh()
		}
	}, g.v.u.win)
}

func (g *goalsView) addMilestone() {
	if _, ok := g.v.u.edit(func(p *mentoring.Pair, _ string) (mentoring.Edit, error) {
		return mentoring.AddMilestone(p, g.sel, g.msTitle.Text, g.msDue.Text, g.v.u.now())
	}); ok {
		g.msTitle.SetText("")
		g.msDue.SetText("")
		g.v.refresh()
	}
}

func (g *goalsView) remove() {
	goal, ok := g.goal()
	if !ok {
		return
	}
	dialog.ShowConfirm("Remove goal?", fmt.Sprintf("Remove %q for both of you? It stays in the history.", goal.Title), func(yes bool) {
		if !yes {
			return
		}
		if _, ok := g.v.u.edit(func(p *mentoring.Pair, _ string) (mentoring.Edit, error) { return mentoring.RemoveGoal(p, g.sel) }); ok {
			g.sel, g.dirty = "", false
			g.v.refresh()
		}
	}, g.v.u.win)
}
