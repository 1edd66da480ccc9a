package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pairwise/app/mentoring"
)

// rasaButton opens the listening guide offered beside check-in notes.
func rasaButton(u *UI) *widget.Button {
	return widget.NewButtonWithIcon("How to listen (RASA)", theme.HelpIcon(), func() {
		box := container.NewVBox(wrapLabel("Four small habits that make a conversation feel heard:"))
		for _, s := range mentoring.RASA {
			box.Add(widget.NewRichTextFromMarkdown("**" + s.Step + "** — " + s.Hint))
		}
		d := dialog.NewCustom("Receive · Appreciate · Summarise · Ask", "Close", box, u.win)
		d.Resize(fyne.NewSize(520, 300))
		d.Show()
	})
}

// messagesView is the pair's quick check-ins between meetings.
type messagesView struct {
	v       *pairView
	content fyne.CanvasObject
	list    *fyne.Container
	scroll  *container.Scroll
	entry   *widget.Entry
	warning *widget.Label
}

func newMessagesView(v *pairView) *messagesView {
	m := &messagesView{v: v}
	m.list = container.NewVBox()
	m.scroll = container.NewVScroll(container.NewPadded(m.list))
	m.entry = widget.NewMultiLineEntry()
	m.entry.SetPlaceHolder("A quick note for your partner: it waits for them if they are offline")
	m.entry.SetMinRowsVisible(2)
	m.entry.Wrapping = fyne.TextWrapWord
	send := widget.NewButtonWithIcon("Send", theme.MailSendIcon(), m.send)
	send.Importance = widget.HighImportance
	m.warning = wrapLabel("")
	m.warning.Importance = widget.WarningImportance
	m.warning.Hide()
	m.entry.OnChanged = func(string) { m.checkHours() }
	m.content = container.NewBorder(nil, container.NewVBox(m.warning, container.NewBorder(nil, nil, nil, container.NewVBox(send), m.entry)), nil, nil, m.scroll)
	return m
}

func (m *messagesView) refresh() {
	p := m.v.p
	m.list.Objects = nil
	if len(p.Messages) == 0 {
		m.list.Add(wrapLabel("No messages yet. Messages are for the small things between meetings: a link, a quick question, a well done."))
	}
	for _, msg := range p.Messages {
		head := widget.NewLabelWithStyle(fmt.Sprintf("%s · %s", m.v.name(msg.By), msg.At.In(m.v.u.now().Location()).Format("Mon 2 Jan 15:04")), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		head.SizeName = theme.SizeNameCaptionText
		m.list.Add(container.NewVBox(head, wrapLabel(msg.Text)))
	}
	m.list.Refresh()
	m.scroll.ScrollToBottom()
	m.checkHours()
}

// checkHours gently warns when the partner is outside their stated hours.
func (m *messagesView) checkHours() {
	for _, mem := range m.v.p.Members {
		if mem.ID == m.v.me {
			continue
		}
		if msg, outside := mentoring.OutsideHours(m.v.p, mem.ID, m.v.u.now()); outside && strings.TrimSpace(m.entry.Text) != "" {
			m.warning.SetText(msg)
			m.warning.Show()
			return
		}
	}
	m.warning.Hide()
}

func (m *messagesView) send() {
	text := m.entry.Text
	if _, ok := m.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.SendMessage(p, me, text, m.v.u.now())
	}); ok {
		m.entry.SetText("")
		m.v.refresh()
	}
}

// growthView holds what builds the relationship over time: wins, the
// feedback trend, conversation prompts and the reflections.
type growthView struct {
	v       *pairView
	content fyne.CanvasObject
	box     *fyne.Container

	winText *widget.Entry
	answer  *widget.Entry
	prompt  mentoring.Prompt
}

func newGrowthView(v *pairView) *growthView {
	g := &growthView{v: v, box: container.NewVBox()}
	g.winText = widget.NewEntry()
	g.winText.SetPlaceHolder("Something worth celebrating, big or small")
	g.answer = widget.NewMultiLineEntry()
	g.answer.Wrapping = fyne.TextWrapWord
	g.answer.SetPlaceHolder("Your answer; your partner answers too, and you talk it through at your next check-in")
	g.content = container.NewVScroll(container.NewPadded(g.box))
	return g
}

func (g *growthView) refresh() {
	p, now := g.v.p, g.v.u.now()
	g.box.Objects = nil

	// Wins, newest first.
	wins := container.NewVBox()
	for _, w := range slices.Backward(p.Wins) {
		wins.Add(wrapLabel(fmt.Sprintf("🎉 %s — %s (%s)", w.Date, w.Text, g.v.name(w.By))))
	}
	if len(p.Wins) == 0 {
		wins.Add(wrapLabel("No wins recorded yet. Progress is easier to see when you write it down."))
	}
	addWin := widget.NewButtonWithIcon("Celebrate", theme.ContentAddIcon(), g.addWin)
	wins.Add(container.NewBorder(nil, nil, nil, addWin, g.winText))
	g.box.Add(widget.NewCard("Wins", "", wins))

	// Feedback trend, both members'.
	trend := container.NewVBox()
	for _, t := range mentoring.Trends(p) {
		line := g.v.name(t.Member) + ": "
		if len(t.Ratings) == 0 {
			line += "no ratings yet"
		} else {
			parts := make([]string, len(t.Ratings))
			for i, r := range t.Ratings {
				parts[i] = fmt.Sprint(r)
			}
			line += strings.Join(parts, " → ") + " (" + t.Direction() + ")"
		}
		trend.Add(wrapLabel(line))
	}
	g.box.Add(widget.NewCard("How check-ins feel", "Each rating out of 5, oldest first", trend))

	// Conversation prompts.
	prompts := container.NewVBox()
	depth := mentoring.SuggestedDepth(p, now)
	prompts.Add(wrapLabel("Where you are: " + depth.String() + ". Deeper prompts open as you meet and answer together."))
	if pr, ok := mentoring.NextPrompt(p, now); ok {
		if pr.ID != g.prompt.ID {
			g.answer.SetText("")
			if a, ok := p.AnswerOf(pr.ID, g.v.me); ok {
				g.answer.SetText(a.Text)
			}
		}
		g.prompt = pr
		q := widget.NewLabelWithStyle(pr.Text, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
		q.Wrapping = fyne.TextWrapWord
		save := widget.NewButtonWithIcon("Save my answer", theme.DocumentSaveIcon(), g.saveAnswer)
		prompts.Add(q)
		prompts.Add(g.answer)
		prompts.Add(container.NewHBox(save))
	} else {
		prompts.Add(wrapLabel("You have both answered every prompt. Your own questions are the best ones now."))
	}
	for _, pr := range mentoring.Prompts {
		var lines []string
		for _, m := range p.Members {
			if a, ok := p.AnswerOf(pr.ID, m.ID); ok {
				lines = append(lines, g.v.name(m.ID)+": "+a.Text)
			}
		}
		if len(lines) > 0 {
			prompts.Add(widget.NewRichTextFromMarkdown("**" + escapeMD(pr.Text) + "**"))
			prompts.Add(wrapLabel(strings.Join(lines, "\n")))
		}
	}
	g.box.Add(widget.NewCard("Conversation prompts", "", prompts))

	// Reflections and closure.
	refl := container.NewVBox()
	for _, r := range p.Reflections {
		head := "Mid-point review"
		if r.Kind == mentoring.Closing {
			head = "Closing reflection"
		}
		txt := fmt.Sprintf("%s by %s", head, g.v.name(r.Member))
		if r.Rating > 0 {
			txt += fmt.Sprintf(" · %d/5", r.Rating)
		}
		var body []string
		for _, q := range mentoring.ReflectionQuestions[r.Kind] {
			if a := r.Answers[q.ID]; a != "" {
				body = append(body, q.Text+"\n    "+a)
			}
		}
		refl.Add(widget.NewLabelWithStyle(txt, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		refl.Add(wrapLabel(strings.Join(body, "\n")))
	}
	mid := widget.NewButtonWithIcon("Mid-point review", theme.DocumentCreateIcon(), func() { g.reflect(mentoring.Midpoint) })
	closing := widget.NewButtonWithIcon("Closing reflection", theme.DocumentCreateIcon(), func() { g.reflect(mentoring.Closing) })
	closeBtn := widget.NewButtonWithIcon("Close the relationship…", theme.CancelIcon(), g.close)
	closeBtn.Importance = widget.DangerImportance
	if p.IsClosed() {
		mid.Disable()
		closeBtn.Disable()
		refl.Add(wrapLabel(fmt.Sprintf("Closed by %s on %s. The pair is kept as a read-only record; export it as a PDF any time.",
			g.v.name(p.Closed.By), p.Closed.At.In(now.Location()).Format(mentoring.DateLayout))))
	}
	refl.Add(container.NewHBox(mid, closing, closeBtn))
	g.box.Add(widget.NewCard("Reflections", "Look back together half-way, and again at the end", refl))
	g.box.Refresh()
	g.content.Refresh() // the scroll must learn the new height
}

func escapeMD(s string) string {
	return strings.NewReplacer("*", "\\*", "_", "\\_", "#", "\\#", "[", "\\[").Replace(s)
}

func (g *growthView) addWin() {
	text := g.winText.Text
	if _, ok := g.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AddWin(p, me, text, "", g.v.u.now())
	}); ok {
		g.winText.SetText("")
		g.v.refresh()
	}
}

func (g *growthView) saveAnswer() {
	text, id := g.answer.Text, g.prompt.ID
	if _, ok := g.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
		return mentoring.AnswerPrompt(p, me, id, text, g.v.u.now())
	}); ok {
		g.v.refresh()
	}
}

// reflect opens the guided questions of a reflection, filled with what the
// member wrote before.
func (g *growthView) reflect(kind mentoring.ReflectionKind) {
	prev, _ := g.v.p.ReflectionOf(kind, g.v.me)
	entries := map[string]*widget.Entry{}
	var items []*widget.FormItem
	for _, q := range mentoring.ReflectionQuestions[kind] {
		e := widget.NewMultiLineEntry()
		e.Wrapping = fyne.TextWrapWord
		e.SetText(prev.Answers[q.ID])
		entries[q.ID] = e
		label := wrapLabel(q.Text)
		items = append(items, widget.NewFormItem("", container.NewVBox(label, e)))
	}
	rating := widget.NewSelect(ratingNames, nil)
	rating.PlaceHolder = "How was the relationship as a whole?"
	if prev.Rating > 0 {
		rating.SetSelectedIndex(prev.Rating - 1)
	}
	items = append(items, widget.NewFormItem("", rating))
	title := "Mid-point review"
	if kind == mentoring.Closing {
		title = "Closing reflection"
	}
	d := dialog.NewForm(title, "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		answers := map[string]string{}
		for id, e := range entries {
			answers[id] = e.Text
		}
		r := rating.SelectedIndex() + 1
		if _, ok := g.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.Reflect(p, me, kind, answers, r, g.v.u.now())
		}); ok {
			g.v.refresh()
		}
	}, g.v.u.win)
	d.Resize(fyne.NewSize(640, 620))
	d.Show()
}

func (g *growthView) close() {
	if _, ok := g.v.p.ReflectionOf(mentoring.Closing, g.v.me); !ok {
		dialog.ShowInformation("First, a closing reflection", "Write your closing reflection before you close the relationship, so the record holds how it ended.", g.v.u.win)
		return
	}
	dialog.ShowConfirm("Close this relationship?", "The pair becomes a read-only record for both of you. Your partner can still add their closing reflection, and you can export it any time. This cannot be undone.", func(ok bool) {
		if !ok {
			return
		}
		if _, done := g.v.u.edit(func(p *mentoring.Pair, me string) (mentoring.Edit, error) {
			return mentoring.Close(p, me, g.v.u.now())
		}); done {
			g.v.refresh()
		}
	}, g.v.u.win)
}

// privateView holds notes only this member sees.
type privateView struct {
	v       *pairView
	content fyne.CanvasObject
	list    *fyne.Container
	entry   *widget.Entry
}

func newPrivateView(v *pairView) *privateView {
	pv := &privateView{v: v, list: container.NewVBox()}
	pv.entry = widget.NewMultiLineEntry()
	pv.entry.Wrapping = fyne.TextWrapWord
	pv.entry.SetMinRowsVisible(3)
	pv.entry.SetPlaceHolder("A thought to keep for yourself: preparation, a worry, something to follow up")
	keep := widget.NewButtonWithIcon("Keep note", theme.DocumentSaveIcon(), pv.add)
	keep.Importance = widget.HighImportance
	note := wrapLabel("🔒 Only on this computer. Private notes are never sent to the relay or your partner, and are not in exports.")
	pv.content = container.NewBorder(note, container.NewBorder(nil, nil, nil, container.NewVBox(keep), pv.entry), nil, nil, container.NewVScroll(container.NewPadded(pv.list)))
	return pv
}

func (pv *privateView) refresh() {
	notes, err := pv.v.u.ws.PrivateNotes(pv.v.id)
	pv.list.Objects = nil
	if err != nil {
		pv.list.Add(wrapLabel(explain(err)))
	}
	for _, n := range slices.Backward(notes) {
		id := n.ID
		del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			dialog.ShowConfirm("Delete this note?", "It is only on this computer, so it cannot be recovered.", func(ok bool) {
				if ok {
					if err := pv.v.u.ws.DeletePrivateNote(pv.v.id, id); err != nil {
						pv.v.u.showError(err)
					}
				}
			}, pv.v.u.win)
		})
		head := widget.NewLabelWithStyle(n.At.In(pv.v.u.now().Location()).Format("Mon 2 Jan 2006 15:04"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		pv.list.Add(container.NewBorder(head, nil, nil, del, wrapLabel(n.Text)))
	}
	if len(notes) == 0 && err == nil {
		pv.list.Add(wrapLabel("No private notes yet."))
	}
	pv.list.Refresh()
}

func (pv *privateView) add() {
	if _, err := pv.v.u.ws.AddPrivateNote(pv.v.id, pv.entry.Text); err != nil {
		pv.v.u.showError(err)
		return
	}
	pv.entry.SetText("")
	pv.v.u.saved.SetText("Private note kept " + pv.v.u.now().Format("15:04:05"))
}
