package mentoring

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// FieldChange is one field that differs between two versions of a part.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
	// Diff shows a long or multi-line text's difference: line by line
	// ("- " removed, "+ " added, "  " kept) or, for one long line, word by
	// word ([-removed-] {+added+}). Empty for short values: Old and New
	// say it all.
	Diff string `json:"diff,omitempty"`
}

// DiffAgreement lists, field by field, what changed from old to new.
// Signatures are not content and are left out.
func DiffAgreement(old, new Agreement) []FieldChange {
	var out []FieldChange
	add := func(field, o, n string) {
		if o != n {
			out = append(out, FieldChange{Field: field, Old: o, New: n, Diff: TextDiff(o, n)})
		}
	}
	add("meeting every (days)", cadence(old.CadenceDays), cadence(new.CadenceDays))
	for _, kind := range Channels {
		o, _ := channel(old, kind)
		n, _ := channel(new, kind)
		add("channel "+kind, describeChannel(o), describeChannel(n))
	}
	add("availability", old.Availability, new.Availability)
	add("boundaries", old.Boundaries, new.Boundaries)
	add("confidentiality", old.Confidentiality, new.Confidentiality)
	add("expectations", old.Expectations, new.Expectations)
	add("start date", old.Start, new.Start)
	add("end date", old.End, new.End)
	add("review date", old.Review, new.Review)
	return out
}

func cadence(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

func describeChannel(c Channel) string {
	if c.Kind == "" {
		return ""
	}
	if c.ResponseHours > 0 {
		return fmt.Sprintf("%s (answer within %d h)", c.Purpose, c.ResponseHours)
	}
	return c.Purpose
}

// longText is the length past which a one-line text is compared word by
// word rather than shown whole twice.
const longText = 80

// maxDiffCells bounds the work of a difference: the product of the two
// sides' token counts, after their common start and end are set aside.
// Past it the middle is shown as removed, then added, which is still
// correct, only coarser.
const maxDiffCells = 1 << 20

// TextDiff returns a readable difference between two texts, or "" when
// they are short single lines (or equal) and need none.
func TextDiff(a, b string) string {
	if a == b {
		return ""
	}
	if strings.Contains(a, "\n") || strings.Contains(b, "\n") {
		var sb strings.Builder
		for _, s := range diffTokens(strings.Split(a, "\n"), strings.Split(b, "\n")) {
			sb.WriteString(string(s.op) + " " + s.text + "\n")
		}
		return sb.String()
	}
	if utf8.RuneCountInString(a) <= longText && utf8.RuneCountInString(b) <= longText {
		return ""
	}
	var parts []string
	for _, s := range diffTokens(strings.Fields(a), strings.Fields(b)) {
		switch s.op {
		case '-':
			parts = append(parts, "[-"+s.text+"-]")
		case '+':
			parts = append(parts, "{+"+s.text+"+}")
		default:
			parts = append(parts, s.text)
		}
	}
	return strings.Join(parts, " ")
}

type diffSpan struct {
	op   byte // ' ', '-' or '+'
	text string
}

// diffTokens lines up a and b by their longest common subsequence and
// returns the kept, removed and added runs in order.
func diffTokens(a, b []string) []diffSpan {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []diffSpan
	emit := func(op byte, toks []string) {
		for _, t := range toks {
			out = append(out, diffSpan{op, t})
		}
	}
	emit(' ', a[:pre])
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma)*len(mb) > maxDiffCells {
		emit('-', ma)
		emit('+', mb)
	} else {
		out = append(out, lcsSpans(ma, mb)...)
	}
	emit(' ', a[len(a)-suf:])
	return out
}

func lcsSpans(a, b []string) []diffSpan {
	n, m := len(a), len(b)
	// l[i][j] is the LCS length of a[i:] and b[j:], in one slice.
	l := make([]int32, (n+1)*(m+1))
	at := func(i, j int) int32 { return l[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			v := max(at(i+1, j), at(i, j+1))
			if a[i] == b[j] {
				v = at(i+1, j+1) + 1
			}
			l[i*(m+1)+j] = v
		}
	}
	var out []diffSpan
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, diffSpan{' ', a[i]})
			i, j = i+1, j+1
		case at(i+1, j) >= at(i, j+1):
			out = append(out, diffSpan{'-', a[i]})
			i++
		default:
			out = append(out, diffSpan{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, diffSpan{'-', a[i]})
	}
	for ; j < m; j++ {
		out = append(out, diffSpan{'+', b[j]})
	}
	return out
}

// FormatChanges writes field changes as readable text: "field: old → new"
// for short values, the field's difference indented below it otherwise.
func FormatChanges(cs []FieldChange) string {
	var b strings.Builder
	for _, c := range cs {
		if c.Diff != "" {
			fmt.Fprintf(&b, "%s:\n    %s\n", c.Field, strings.TrimRight(strings.ReplaceAll(strings.TrimRight(c.Diff, "\n"), "\n", "\n    "), " "))
			continue
		}
		fmt.Fprintf(&b, "%s: %s → %s\n", c.Field, noneShown(c.Old), noneShown(c.New))
	}
	return b.String()
}

func noneShown(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
