package crdt

// Rebase carries the edit a person made to a text field (from base to mine)
// over the changes that arrived meanwhile (from base to theirs), and returns
// the text with both. Forms edit a copy of a field; without this, saving it
// would quietly undo whatever the partner typed into the same field since
// the form was opened.
//
// Each side is reduced to one splice. If the splices touch different parts
// of the text, both survive; if they overlap, the person saving wins that
// region, as they would expect from what they see on screen.
func Rebase(base, mine, theirs string) string {
	if theirs == base {
		return mine
	}
	if mine == base {
		return theirs
	}
	b, t := []rune(base), []rune(theirs)
	mp, md, mi := diff(b, []rune(mine))
	tp, td, ti := diff(b, t)
	tn := len([]rune(ti))
	var pos int
	switch {
	case tp+td <= mp:
		// Their change lies wholly before ours: shift ours by its size.
		pos = mp + tn - td
	case mp+md <= tp:
		pos = mp
	default:
		return mine
	}
	out := make([]rune, 0, len(t)+len([]rune(mi)))
	out = append(out, t[:pos]...)
	out = append(out, []rune(mi)...)
	return string(append(out, t[pos+md:]...))
}
