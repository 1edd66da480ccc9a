package ui

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
)

// pairView is the workspace of one pair: a header and its tabs.
type pairView struct {
	u       *UI
	id      string
	p       *mentoring.Pair
	me      string
	content fyne.CanvasObject
	tabs    *container.AppTabs

	title    *widget.Label
	partner  *widget.Label
	overview *fyne.Container
	agree    *agreementForm
	goals    *goalsView
	checkins *checkinsView
	messages *messagesView
	growth   *growthView
	private  *privateView
	closed   *widget.Label

	shown      uint64 // the workspace's revision of the pair shown (Workspace.Revision)
	refreshing bool
}

// Tab positions, also used by the Ctrl+1…7 shortcuts.
const (
	tabOverview = iota
	tabAgreement
	tabGoals
	tabCheckins
	tabMessages
	tabGrowth
	tabPrivate
)

func newPairView(u *UI, id string) *pairView {
	v := &pairView{u: u, id: id}
	v.me, _ = u.ws.Me(id)
	p, err := u.ws.Pair(id)
	if errors.Is(err, mentoring.ErrNotReady) {
		v.content = container.NewCenter(widget.NewCard("Waiting for the pair to arrive",
			"It syncs from the relay as soon as this computer is online, or arrives in a file from your partner.",
			container.NewVBox(
				widget.NewLabel("You joined with an invite code. Your partner's agreement, goals\nand check-ins will appear here after the first sync, or once you\nopen the first file of changes your partner saves for you."),
				container.NewCenter(widget.NewButtonWithIcon("Open changes from a file…", theme.FolderOpenIcon(), u.openBundleDialog)))))
		return v
	}
	if err != nil {
		v.content = container.NewCenter(widget.NewLabel(explain(err)))
		return v
	}
	v.p = p
	v.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.title.SizeName = theme.SizeNameSubHeadingText
	v.partner = widget.NewLabel("")
	invite := widget.NewButtonWithIcon("Invite", theme.MailSendIcon(), func() { u.inviteDialog(id) })
	export := widget.NewButtonWithIcon("Export", theme.DocumentSaveIcon(), func() { u.exportDialog(id) })
	history := widget.NewButtonWithIcon("History", theme.HistoryIcon(), func() { u.historyWindow(id) })
	remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { u.removeDialog(id, "pair") })
	header := container.NewBorder(nil, nil, nil, container.NewVBox(container.NewHBox(invite, u.filesButton(id), export, history, remove)), container.NewVBox(v.title, v.partner))

	v.overview = container.NewVBox()
	v.agree = newAgreementForm(v)
	v.goals = newGoalsView(v)
	v.checkins = newCheckinsView(v)
	v.messages = newMessagesView(v)
	v.growth = newGrowthView(v)
	v.private = newPrivateView(v)
	v.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Overview", theme.HomeIcon(), container.NewVScroll(container.NewPadded(v.overview))),
		container.NewTabItemWithIcon("Agreement", theme.DocumentIcon(), v.agree.content),
		container.NewTabItemWithIcon("Goals", theme.ConfirmIcon(), v.goals.content),
		container.NewTabItemWithIcon("Check-ins", theme.HistoryIcon(), v.checkins.content),
		container.NewTabItemWithIcon("Messages", theme.MailComposeIcon(), v.messages.content),
		container.NewTabItemWithIcon("Growth", theme.GridIcon(), v.growth.content),
		container.NewTabItemWithIcon("Private", theme.VisibilityOffIcon(), v.private.content),
	)
	v.tabs.OnSelected = func(t *container.TabItem) {
		if t == v.tabs.Items[tabMessages] {
			v.markRead()
		}
	}
	v.closed = widget.NewLabel("")
	v.closed.Importance = widget.WarningImportance
	v.closed.Hide()
	v.content = container.NewBorder(container.NewVBox(container.NewPadded(header), v.closed), nil, nil, nil, v.tabs)
	v.refresh()
	return v
}

// refresh re-reads the pair and updates every tab that has no unsaved edits.
func (v *pairView) refresh() {
	v.u.counts.pairViewRefreshes++
	v.shown = v.u.ws.Revision(v.id)
	v.refreshing = true
	defer func() { v.refreshing = false }()
	if v.p == nil {
		if _, err := v.u.ws.Pair(v.id); err == nil {
			v.u.open(v.id) // the pair arrived: build the real view
		}
		return
	}
	p, err := v.u.ws.Pair(v.id)
	if err != nil {
		v.u.showError(err)
		return
	}
	v.p = p
	v.title.SetText(p.Title)
	v.partner.SetText(v.partnerLine())
	v.buildOverview()
	v.agree.refresh()
	v.goals.refresh()
	v.checkins.refresh()
	v.messages.refresh()
	v.growth.refresh()
	v.private.refresh()
	v.tabs.Items[tabMessages].Text = "Messages"
	if v.tabs.SelectedIndex() == tabMessages {
		v.markRead()
	} else if meta, err := v.u.ws.Meta(v.id); err == nil {
		if n := unreadCount(p, meta.Actor, meta.Seen); n > 0 {
			v.tabs.Items[tabMessages].Text = fmt.Sprintf("Messages (%d)", n)
		}
	}
	v.tabs.Refresh()
	if p.IsClosed() {
		v.closed.SetText(fmt.Sprintf("  This relationship was closed on %s. It is kept as a read-only record: you can read and export it, and add your closing reflection.",
			p.Closed.At.In(v.u.now().Location()).Format(mentoring.DateLayout)))
		v.closed.Show()
	} else {
		v.closed.Hide()
	}
}

func (v *pairView) markRead() {
	before := v.u.ws.Revision(v.id)
	if err := v.u.ws.MarkRead(v.id); err != nil {
		v.u.showError(err)
	}
	// Marking read during a refresh is part of what it shows, unless
	// something else changed meanwhile.
	if v.refreshing && v.shown == before && v.u.ws.Revision(v.id) == before+1 {
		v.shown = before + 1
	}
}

func unreadCount(p *mentoring.Pair, me string, seen time.Time) int {
	n := 0
	for _, m := range p.Messages {
		if m.By != me && m.At.After(seen) {
			n++
		}
	}
	return n
}

func (v *pairView) save() {
	switch v.tabs.SelectedIndex() {
	case 1:
		v.agree.save()
	case 2:
		v.goals.save()
	case 3:
		v.checkins.save()
	case tabMessages:
		v.messages.send()
	}
}

// partnerLine names the partner with their local time, which the agreement's
// time zones make possible.
func (v *pairView) partnerLine() string {
	for _, m := range v.p.Members {
		if m.ID == v.me {
			continue
		}
		line := fmt.Sprintf("With %s (%s)", m.Name, m.Role)
		if loc, err := time.LoadLocation(m.TimeZone); err == nil && m.TimeZone != "" {
			line += fmt.Sprintf(" · their time %s", v.u.now().In(loc).Format("Mon 15:04"))
		}
		return line
	}
	return "Your partner has not joined yet: send them an invite"
}

func (v *pairView) name(member string) string {
	if m, ok := v.p.Member(member); ok {
		if member == v.me {
			return m.Name + " (you)"
		}
		return m.Name
	}
	return "someone"
}

// ago says how long ago t was, in words.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	case d < 48*time.Hour:
		return "yesterday"
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}
