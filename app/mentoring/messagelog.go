package mentoring

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"pairwise/app/crdt"
)

// The message log. Pairs made since schema 2 keep messages in a list, one
// string per message, appended by its author; earlier pairs keep them in
// the messages map under random IDs, and go on doing so.
//
// Why a list of strings: a catching-up partner loads the whole document,
// and the random 64-bit key of every message was most of its bytes, as
// random text does not compress. A list element needs no key: its identity
// is Automerge's own operation ID, which the document format stores as
// small deltas. Concurrent appends by both members both stay, so neither
// member can pick a key that hides or overwrites the other's next message
// (with map keys, anyone who can predict a key can claim it first). A
// message is never edited, so it is one value, not a map of three: one
// operation instead of four is what Automerge's load spends its time on.
//
// An entry reads "<Unix milliseconds>\x1f<author ID>\x1f<text>"; the text
// is last, so it may hold anything. Entries that do not parse are skipped.

const logSep = "\x1f"

func logEntry(by string, at time.Time, text string) string {
	return strconv.FormatInt(at.UnixMilli(), 10) + logSep + by + logSep + text
}

// readLogEntry reads entry i of the log. Its ID is its position, which
// every replica agrees on once they have the same changes.
func readLogEntry(i int, v any) (Message, bool) {
	s, ok := v.(string)
	if !ok {
		return Message{}, false
	}
	ms, rest, ok1 := strings.Cut(s, logSep)
	by, text, ok2 := strings.Cut(rest, logSep)
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok1 || !ok2 || err != nil {
		return Message{}, false
	}
	return Message{ID: logID(i), Text: text, By: by, At: time.UnixMilli(n).UTC()}, true
}

// logID is a log message's ID: it cannot clash with a map message's hex ID.
func logID(i int) string { return "log." + strconv.Itoa(i) }

// readAllMessages reads the messages of both the map and the log, sorted.
func readAllMessages(t map[string]any) ([]Message, map[string]time.Time) {
	msgs, idx := readMessages(obj(t[kMessages]))
	log, _ := t[kMessageLog].([]any)
	if len(log) == 0 {
		return msgs, idx
	}
	for i, v := range log {
		if m, ok := readLogEntry(i, v); ok {
			msgs = append(msgs, m)
			idx[m.ID] = m.At
		}
	}
	sort.Slice(msgs, func(i, j int) bool { return messageBefore(msgs[i], msgs[j]) })
	return msgs, idx
}

// appendLogMessage adds the log's last entry, just appended, to old (see
// upsertMessage for how the result may share memory with old).
func appendLogMessage(old []Message, idx map[string]time.Time, t map[string]any) ([]Message, map[string]time.Time, bool) {
	log, _ := t[kMessageLog].([]any)
	if len(log) == 0 {
		return old, idx, false
	}
	m, ok := readLogEntry(len(log)-1, log[len(log)-1])
	if !ok {
		return old, idx, true
	}
	if idx == nil {
		idx = make(map[string]time.Time, len(old)+1)
		for _, m := range old {
			idx[m.ID] = m.At
		}
	}
	if _, dup := idx[m.ID]; dup {
		return old, idx, false // not the append it claims to be: read them all
	}
	idx[m.ID] = m.At
	if len(old) == 0 || messageBefore(old[len(old)-1], m) {
		return append(old, m), idx, true
	}
	out := slices.Clone(old)
	i := sort.Search(len(out), func(i int) bool { return messageBefore(m, out[i]) })
	return slices.Insert(out, i, m), idx, true
}

// appendMessage is the operation that appends a message to the log.
func appendMessage(by string, at time.Time, text string) op {
	p := path(kMessageLog, crdt.Last)
	e := logEntry(by, at, text)
	return op{p, func(d *crdt.Doc) error { return d.Append(p[:1], e) }}
}
