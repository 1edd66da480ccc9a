package workspace

import (
	"fmt"
	"strings"
	"time"
)

// Arrived says what importing a file brought, for a person: "12 changes
// from Ben, 3 Dec–9 Dec", or "nothing new: you had all 12 changes".
func (s BundleSummary) Arrived() string {
	if s.New == 0 {
		if s.Changes == 0 {
			return "nothing new: the file holds no changes"
		}
		if s.Changes == 1 {
			return "nothing new: you had its one change"
		}
		return fmt.Sprintf("nothing new: you had all %d changes", s.Changes)
	}
	return fmt.Sprintf("%s from %s, %s", plural(s.New, "change"), andList(s.Authors), span(s.From, s.To))
}

// Saved says what a file holds once exported: "3 changes by Ana, 3 Dec".
func (s BundleSummary) Saved() string {
	if s.Changes == 0 {
		return "no changes (your partner is known to have them all; the file tells them what you have)"
	}
	return fmt.Sprintf("%s by %s, %s", plural(s.Changes, "change"), andList(s.Authors), span(s.From, s.To))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func andList(names []string) string {
	switch len(names) {
	case 0:
		return "a partner"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// span names a range of days as "3 Dec–9 Dec" (with the year when it is
// not this one), or one day.
func span(from, to time.Time) string {
	day := func(t time.Time) string {
		t = t.Local()
		if t.Year() != time.Now().Year() {
			return t.Format("2 Jan 2006")
		}
		return t.Format("2 Jan")
	}
	a, b := day(from), day(to)
	if a == b {
		return a
	}
	return a + "–" + b
}
