package syncclient

import (
	"pairwise/app/workspace"
	"pairwise/shared/seal"
)

// Replicas is all the engine needs of the client core: which documents to
// sync and how, their outboxes and cursors, and a way to merge what
// arrives. The workspace implements it; the engine never reaches past it
// into the store.
type Replicas interface {
	IDs() ([]string, error)
	Meta(id string) (workspace.Meta, error)
	SetMeta(id string, fn func(*workspace.Meta)) error
	AddCerts(id string, certs [][]byte) error

	SyncState(id string) (workspace.SyncState, error)
	PendingIn(id string) uint64 // changes waiting for the relay, kept in memory
	Outbox(id string, from uint64, max int) ([]workspace.Outgoing, error)
	Acked(id string, dseq uint64) // written in the background
	RenumberUnsure(id string, last uint64) error
	WatchOutbox(fn func(id string) bool)
	Sent(id string, dseq uint64) // a change is on its way: see WatchOutbox
	RelaySnapshotAt(id string, seq uint64) error

	ApplyRemote(id string, items []workspace.Remote, cursor uint64) error
	ApplyEarly(id string, items []workspace.Remote, upto uint64) error
	Stored(id string, cursor uint64, hashes []string)
	CompleteJoin(id string) (bool, error)
	Snapshot(id string) ([]byte, error)
	SnapshotHeads(id string, snapshot []byte) ([]string, error)
	OwnMissingSince(id string, heads []string) ([]string, bool, error)
	Present(id string) (bool, error)

	Settings() workspace.Settings
	Token() (string, error)
	DeviceKey() (seal.DeviceKey, error)
	Watch(fn func(id string))
	// Pending counts the changes made here that the relay has not
	// acknowledged, in every document; WatchPending tells of each change
	// to a document's count.
	Pending() uint64
	WatchPending(fn func(id string))
	SettleReports()
	SettleSaves()
	SavesFailing() error
	// DiskFailed is the disk failure that stopped the store saving
	// anything until Pairwise is restarted, or nil; DiskFailedC is closed
	// when it happens.
	DiskFailed() error
	DiskFailedC() <-chan struct{}
}

var _ Replicas = (*workspace.Workspace)(nil)
