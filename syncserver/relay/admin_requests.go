package relay

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// RequestsFileName is the file in the relay's data folder where admin
// commands leave work for a serving relay. A serving relay holds the store
// locked, so `pairwise-relay doc delete`, `doc list` and `token revoke
// --purge` queue a request here, under a lock as the token commands edit
// the token file, and the relay carries it out within a second
// (WatchAdmin) and records the outcome. With no relay serving, the command
// opens the store and carries out what is queued itself (RunRequests).
const RequestsFileName = "admin-requests.json"

// Request operations.
const (
	OpDelete = "delete" // delete the document Doc
	OpPurge  = "purge"  // delete every document the token Owner created
	OpReport = "report" // write the usage report (UsageFileName)
)

// Request is one queued admin request.
type Request struct {
	ID    string `json:"id"`
	Op    string `json:"op"`
	Doc   string `json:"doc,omitempty"`   // hex document ID, for OpDelete
	Owner string `json:"owner,omitempty"` // token ID, for OpPurge
}

// Outcome is what became of a request.
type Outcome struct {
	ID      string `json:"id"`
	Deleted int    `json:"deleted"`
	Err     string `json:"error,omitempty"`
}

type requestFile struct {
	Requests []Request `json:"requests"`
	Done     []Outcome `json:"done"` // the latest outcomes, for the commands waiting on them
}

const keepOutcomes = 100

// QueueRequest queues r and returns its ID.
func QueueRequest(dir string, r Request) (string, error) {
	var id [8]byte
	rand.Read(id[:])
	r.ID = hex.EncodeToString(id[:])
	err := editRequests(dir, func(f *requestFile) error {
		f.Requests = append(f.Requests, r)
		return nil
	})
	return r.ID, err
}

// WaitRequest waits up to timeout for a queued request to be carried out,
// and returns its outcome; ok is false if it is still queued.
func WaitRequest(dir, id string, timeout time.Duration) (out Outcome, ok bool, err error) {
	deadline := time.Now().Add(timeout)
	for {
		f, err := readRequests(dir)
		if err != nil {
			return out, false, err
		}
		if i := slices.IndexFunc(f.Done, func(o Outcome) bool { return o.ID == id }); i >= 0 {
			return f.Done[i], true, nil
		}
		if time.Now().After(deadline) {
			return out, false, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func readRequests(dir string) (requestFile, error) {
	var f requestFile
	path := filepath.Join(dir, RequestsFileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("%s is damaged (%v); move it aside and run the command again", path, err)
	}
	return f, nil
}

// editRequests changes the request file under an exclusive lock, writing
// it atomically.
func editRequests(dir string, edit func(*requestFile) error) error {
	return editLocked(dir, "admin-requests.lock", RequestsFileName, func() (requestFile, error) { return readRequests(dir) },
		func(f *requestFile) error {
			if err := edit(f); err != nil {
				return err
			}
			if len(f.Done) > keepOutcomes {
				f.Done = f.Done[len(f.Done)-keepOutcomes:]
			}
			return nil
		})
}
