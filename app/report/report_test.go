package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"pairwise/app/mentoring"
)

func TestPDFHoldsTheRecordAndParsesBack(t *testing.T) {
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	p := &mentoring.Pair{
		Title:   "Ana & Ben — لقاء",
		Members: []mentoring.Member{{ID: "a", Name: "Ana", Role: mentoring.Mentor}, {ID: "b", Name: "Ben", Role: mentoring.Mentee}},
		Agreement: mentoring.Agreement{CadenceDays: 14, Expectations: "Come prepared.",
			Signatures: []mentoring.Signature{{Member: "a", Name: "Ana", At: at}}},
		Goals: []mentoring.Goal{{Title: "Give a talk", Status: mentoring.Achieved,
			Milestones: []mentoring.Milestone{{Title: "Submit abstract", Done: true}}}},
		Wins: []mentoring.Win{{Text: "Talk accepted", Date: "2026-11-10", By: "b"}},
	}
	for i := 0; i < 60; i++ { // enough to need several pages
		p.Checkins = append(p.Checkins, mentoring.Checkin{Date: "2026-11-20", Channel: "video", Notes: strings.Repeat("We talked about the talk. ", 5),
			Feedback: []mentoring.Feedback{{Member: "b", Rating: 5, Comment: "great"}}})
	}
	var b bytes.Buffer
	if err := PDF(&b, p, at); err != nil {
		t.Fatal(err)
	}
	r, err := pdf.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatalf("parse back: %v", err)
	}
	if r.NumPage() < 3 {
		t.Errorf("pages: got %d, want several", r.NumPage())
	}
	var text strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		s, err := r.Page(i).GetPlainText(nil)
		if err != nil {
			t.Fatal(err)
		}
		text.WriteString(s)
	}
	all := strings.ReplaceAll(text.String(), "\n", " ")
	for _, want := range []string{"Agreement", "every 14 days", "Come prepared.", "Give a talk", "Submit abstract", "Check-ins", "Ben rated it 5/5", "Talk accepted", "Ana"} {
		if !strings.Contains(all, want) {
			t.Errorf("the PDF text lacks %q", want)
		}
	}
}
