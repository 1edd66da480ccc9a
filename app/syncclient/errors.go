package syncclient

import (
	"errors"
	"fmt"
	"strings"

	"pairwise/app/mentoring"
)

// DocError is a sync failure that concerns one pair or cohort: the relay
// refused something of it, or sent something of it that could not be used.
// Its text names the document as the person knows it, by its title; ID and
// Kind are for callers that say it in their own words, and for the log,
// which names documents by ID only (titles are pair content).
type DocError struct {
	ID    string
	Kind  string // "" for a pair, or mentoring.KindProgramme or KindBoard
	Title string
	Err   error
}

func (e *DocError) Error() string { return e.Name() + ": " + e.Err.Error() }
func (e *DocError) Unwrap() error { return e.Err }

// Name says which document it is, as the person knows it: a pair by its
// title, a cohort's programme or board by the cohort's title.
func (e *DocError) Name() string { return docName(e.Kind, e.Title, e.ID) }

// IsCohort reports whether the document is a cohort's programme or board.
func (e *DocError) IsCohort() bool { return e.Kind != "" }

func docName(kind string, title, id string) string {
	if title == "" {
		title = id
	}
	switch kind {
	case mentoring.KindProgramme:
		return fmt.Sprintf("cohort %q", title)
	case mentoring.KindBoard:
		return fmt.Sprintf("the board of cohort %q", title)
	}
	return fmt.Sprintf("pair %q", title)
}

// docError says that err concerns d.
func docError(d *docSync, err error) error {
	return &DocError{ID: d.id, Kind: d.meta.Kind, Title: d.meta.Title, Err: err}
}

// logName names d for the log: by kind and ID, never by title.
func logName(d *docSync) string { return logDoc(d.meta.Kind, d.id) }

func logDoc(kind string, id string) string {
	switch kind {
	case mentoring.KindProgramme:
		return "cohort " + id
	case mentoring.KindBoard:
		return "cohort board " + id
	}
	return "pair " + id
}

// LogText is err as the log may hold it: a document named by its kind and
// ID instead of its title, and the relay holding changes back said without
// the sentence that names the pair.
func LogText(err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, ErrWithheld) {
		return ErrWithheld.Error()
	}
	text := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if de, ok := e.(*DocError); ok {
			text = strings.ReplaceAll(text, de.Name(), logDoc(de.Kind, de.ID))
		}
	}
	return text
}
