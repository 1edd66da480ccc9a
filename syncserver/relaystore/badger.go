package relaystore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"pairwise/shared/badgertidy"
	"pairwise/shared/diskfree"
	"pairwise/shared/wire"
)

// Key layout. Every key starts with a one-byte kind, then the document ID.
const (
	kMeta   = 'm' // doc → write hash, read hash, head, snapshot seq
	kDevice = 'v' // doc, device → highest device sequence
	kIndex  = 'i' // doc, device, dseq → log sequence
	kRecord = 'r' // doc, seq → device, dseq, body
	kSnap   = 's' // doc → seq, device, signature, body
	kCand   = 'k' // doc → a snapshot waiting for confirmation, as kSnap
	kCert   = 'c' // doc, certificate hash → writer certificate
)

var keyFormat = []byte("format")

const (
	formatVersion = "pairwise-relay/2"
	formatV1      = "pairwise-relay/1"
)

// ErrDiskFull wraps a write that failed because the disk is full.
var ErrDiskFull = errors.New("relaystore: disk full")

// ErrDiskFailed wraps every write after the disk failed a write or sync of
// the store (see diskHealth).
var ErrDiskFailed = errors.New("relaystore: disk failed")

// Badger is the embedded Store.
type Badger struct {
	db  *badger.DB
	dir string
	log *slog.Logger

	disk *diskHealth

	docs, records, bytes atomic.Int64
	acct                 acct       // per-document and per-owner usage (usage.go)
	maint                sync.Mutex // orders Prune against DeleteDoc
	stop                 chan struct{}
	done                 chan struct{}
}

// Memory. Badger's memtables are the relay's largest buffers: each is an
// arena of 1.3 times memTableSize on the Go heap, the one being written and
// the one being flushed live side by side, and a flush adds a table
// builder of 2 times baseTableSize. As the Go heap grows to a multiple of
// what is live before it collects, every MiB here costs about two of
// resident memory under load. Small memtables mean more frequent flushes
// and compactions (more disk writes per record), which a relay of many
// small documents can afford.
//
// Records stay in the tree (valueThreshold above a record's usual size),
// although that makes the table builders of flushes and compactions most
// of the relay's peak heap under load (W2: 20 of 33 MiB; records in the
// value log brought the peak down by about 10 MiB). With SyncWrites,
// Badger 4.9 syncs the value log in a deferred call that only logs a
// failure, where a failed sync of the memtable's log is returned from the
// write; the store now sees that log line and stops writing
// (diskhealth.go), which would stop the relay on every value-log failure if
// all records went there. And a record pruned from the value log takes
// disk space until its file is half garbage and collected (which rewrites
// the rest into a memory-mapped file, fatal on a full disk). Snapshots,
// far over the threshold, and the odd large record still go to the value
// log.
//
// Tables are not compressed: a record is sealed, and ciphertext does not
// compress, so Snappy cost CPU for nothing and a compressed copy of every
// block in each builder. And up to five flushed tables wait in level 0
// before they are merged into the level below: keys of many documents
// interleave, so every merge rewrites most of that level, and waiting for
// five instead of two rewrites it less often. W2 relay only, taking turns
// (7 Dec): peak 51-61 MiB before, 47-52 with no compression, 42-43 with
// both; in a W2 four times as long (80 edits per document), 91-97, 79-82
// and 74-77 MiB. W2 with full engines stayed at 54-62 MiB: there half the
// peak is files mapped into memory (the relay's own binary, 13 MiB, and
// the tables, 12), which Badger writes and reads through mappings.
const (
	memTableSize  = 2 << 20
	baseTableSize = 1 << 20
	// valueThreshold: values this large go to the value log, and count
	// in a transaction as a pointer of a few bytes.
	valueThreshold   = 1 << 10
	valueLogFileSize = 64 << 20
	// levelZeroTables: flushed tables that wait before a merge;
	// levelZeroStall: writes wait while there are this many.
	levelZeroTables = 5
	levelZeroStall  = 12
)

// MaxCommitRecords bounds the records of one Commit, and separately the
// documents it creates: Badger refuses a transaction over 15% of a
// memtable (ErrTxnTooBig). The worst case is every record inline (a value
// just under valueThreshold) and of a different document, so each brings
// its record, index and device entries and its document's entry and usage
// (about 1.4 KB), and every creation a document entry, owner and usage
// (about 0.3 KB): 128 of each come to about 214 KB of the 314 KB a 2 MiB
// memtable allows. TestTheLargestCommitFitsOneTransaction commits it.
const MaxCommitRecords = 128

// OpenBadger opens (or creates) the store in dir. Writes are synced to disk
// before Commit and PutSnapshot return. Memory is kept small: the relay
// serves many small documents, not a few hot ones.
func OpenBadger(dir string, log *slog.Logger) (*Badger, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the relay's data folder %s: %w", dir, err)
	}
	existed := hasFiles(dir)
	// A crash can leave empty log files that Badger then refuses to open.
	if removed, err := badgertidy.RemoveEmptyLogs(dir); err != nil {
		return nil, fmt.Errorf("cannot tidy the relay's data folder %s: %w", dir, err)
	} else if len(removed) > 0 {
		log.Warn("removed empty files an earlier crash left behind", "files", removed)
	}
	if err := flushForeignMemtables(dir, log); err != nil {
		return nil, err
	}
	disk := &diskHealth{log: log}
	db, err := badger.Open(badgerOptions(dir, log, memTableSize, disk))
	if err != nil {
		return nil, openErr(dir, err)
	}
	s := &Badger{db: db, dir: dir, log: log, disk: disk, stop: make(chan struct{}), done: make(chan struct{})}
	err = s.checkFormat(existed)
	if errors.Is(err, errMigrate) {
		err = s.migrateV1()
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := s.count(); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: reading %s: %v", ErrCorrupt, dir, err)
	}
	if err := s.loadUsage(); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: reading the usage in %s: %v", ErrCorrupt, dir, err)
	}
	go s.gc()
	return s, nil
}

func hasFiles(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "MANIFEST"))
	return len(m) > 0
}

func badgerOptions(dir string, log *slog.Logger, memtable int64, disk *diskHealth) badger.Options {
	return badger.DefaultOptions(dir).
		WithSyncWrites(true).
		WithMemTableSize(memtable).
		WithNumMemtables(2).
		WithNumLevelZeroTables(levelZeroTables).
		WithNumLevelZeroTablesStall(levelZeroStall).
		WithCompression(options.None). // tables made earlier say how they were compressed, and still read
		WithBaseTableSize(baseTableSize).
		WithValueLogFileSize(valueLogFileSize).
		WithValueThreshold(valueThreshold).
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(4 << 20).
		WithNumCompactors(2).
		WithNumVersionsToKeep(1).
		WithLogger(badgerLog{log, disk}) // which drops Badger's info and debug lines; WithLoggingLevel would replace it
}

// flushForeignMemtables handles memtable logs (.mem) that a relay with
// larger memtables (an earlier version) left behind when it stopped
// without closing its store: a crash, a kill, a power cut. Badger replays
// such a log into a memtable of the size it is opened with, and exits the
// process when the log holds more than that memtable can: the relay would
// never start. Badger makes each log twice its memtable's size, and
// shrinks it only when replaying it, so a log of another size may hold
// more than a memtable of ours. The folder is then opened once with
// memtables of twice the largest log, which replays the logs with room to
// spare, and closed, which stores them in tables.
func flushForeignMemtables(dir string, log *slog.Logger) error {
	logs, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	var largest int64
	foreign := false
	for _, name := range logs {
		if info, err := os.Stat(name); err == nil && info.Size() != 2*memTableSize {
			foreign = true
			largest = max(largest, info.Size())
		}
	}
	if !foreign {
		return nil
	}
	log.Info("storing the memtables an earlier run left in logs of another size", "largest", largest)
	db, err := badger.Open(badgerOptions(dir, log, 2*max(largest, memTableSize), &diskHealth{log: log}))
	if err != nil {
		return openErr(dir, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("storing the memtables an earlier run left in %s: %w", dir, err)
	}
	return nil
}

func openErr(dir string, err error) error {
	if errors.Is(err, syscall.EWOULDBLOCK) || bytes.Contains([]byte(err.Error()), []byte("Cannot acquire directory lock")) {
		return fmt.Errorf("%w: the relay's data folder %s is in use by another relay process; stop it first, or give this one its own --data folder", ErrLocked, dir)
	}
	return fmt.Errorf("%w: cannot open the relay's data folder %s (%v). Restore it from a backup, or move it aside to start empty", ErrCorrupt, dir, err)
}

func (s *Badger) checkFormat(existed bool) error {
	return s.update(func(txn *badger.Txn) error {
		item, err := txn.Get(keyFormat)
		if errors.Is(err, badger.ErrKeyNotFound) {
			if existed {
				return fmt.Errorf("%w: the relay's data folder %s has lost its format marker, so some of it is missing. Restore it from a backup", ErrCorrupt, s.dir)
			}
			return txn.Set(keyFormat, []byte(formatVersion))
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		if string(v) == formatV1 {
			return errMigrate
		}
		if string(v) != formatVersion {
			return fmt.Errorf("the relay's data folder %s was written by another version (%q); run that version, or a newer relay", s.dir, v)
		}
		return nil
	})
}

// count fills the totals for metrics with one key-only scan.
func (s *Badger) count() error {
	return s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			switch item.Key()[0] {
			case kMeta:
				s.docs.Add(1)
			case kRecord:
				s.records.Add(1)
				s.bytes.Add(item.ValueSize() - recHead)
			case kSnap:
				s.bytes.Add(item.ValueSize() - snapHead)
			}
		}
		return nil
	})
}

// gc reclaims value-log space left by replaced snapshots and pruned records.
func (s *Badger) gc() {
	defer close(s.done)
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if s.disk.err() != nil {
				continue
			}
			err := s.db.RunValueLogGC(0.5)
			for err == nil {
				err = s.db.RunValueLogGC(0.5)
			}
			// It rewrites what it keeps through Badger's write path: a
			// failure there is the disk's, as for any commit.
			if !errors.Is(err, badger.ErrNoRewrite) && !errors.Is(err, badger.ErrRejected) && diskFailure(err) {
				s.disk.failed(err.Error())
			}
		}
	}
}

func key(kind byte, id wire.DocID, rest ...[]byte) []byte {
	k := make([]byte, 0, 1+16+24)
	k = append(k, kind)
	k = append(k, id[:]...)
	for _, r := range rest {
		k = append(k, r...)
	}
	return k
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func getMeta(txn *badger.Txn, id wire.DocID) (Doc, error) {
	item, err := txn.Get(key(kMeta, id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Doc{}, ErrNotFound
	}
	if err != nil {
		return Doc{}, err
	}
	var d Doc
	err = item.Value(func(v []byte) error {
		d, err = decodeMeta(v)
		return err
	})
	return d, err
}

func getU64(txn *badger.Txn, k []byte) (uint64, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var v uint64
	err = item.Value(func(b []byte) error {
		if len(b) != 8 {
			return fmt.Errorf("%w: counter of %d bytes", ErrCorrupt, len(b))
		}
		v = binary.BigEndian.Uint64(b)
		return nil
	})
	return v, err
}

// Doc implements Store.
func (s *Badger) Doc(id wire.DocID) (d Doc, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		d, err = getMeta(txn, id)
		return err
	})
	return d, err
}

// DeviceSeq implements Store.
func (s *Badger) DeviceSeq(id wire.DocID, dev wire.DeviceID) (v uint64, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		v, err = getU64(txn, key(kDevice, id, dev[:]))
		return err
	})
	return v, err
}

// SeqOf implements Store.
func (s *Badger) SeqOf(id wire.DocID, dev wire.DeviceID, dseq uint64) (v uint64, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		v, err = getU64(txn, key(kIndex, id, dev[:], u64(dseq)))
		return err
	})
	return v, err
}

// MinFree is the free space the relay keeps in hand. Below it, writes are
// refused (and so not acknowledged) before Badger can touch an unbacked
// page of its memory-mapped value log, which would kill the relay with
// SIGBUS.
const MinFree = 160 << 20

func (s *Badger) roomCheck() error {
	if err := s.disk.err(); err != nil {
		return err
	}
	if err := diskfree.Check(s.dir, MinFree); err != nil {
		return fmt.Errorf("%w: %v; free some space", ErrDiskFull, err)
	}
	return nil
}

// Commit implements Store.
func (s *Badger) Commit(b Batch) error {
	if err := s.roomCheck(); err != nil {
		return err
	}
	var added, addedBytes int64
	var staged map[wire.DocID]docAcct
	heads := map[wire.DocID]uint64{}
	err := s.update(func(txn *badger.Txn) error {
		metas := map[wire.DocID]Doc{}
		for id, d := range b.Creates {
			metas[id] = d
		}
		for _, e := range b.Entries {
			rec := e.Rec
			if err := txn.Set(key(kRecord, e.Doc, u64(rec.Seq)), encodeRecord(rec)); err != nil {
				return err
			}
			if err := txn.Set(key(kIndex, e.Doc, rec.Device[:], u64(rec.DSeq)), u64(rec.Seq)); err != nil {
				return err
			}
			if err := txn.Set(key(kDevice, e.Doc, rec.Device[:]), u64(rec.DSeq)); err != nil {
				return err
			}
			heads[e.Doc] = rec.Seq
			added++
			addedBytes += int64(len(rec.Body) + len(rec.Sig))
		}
		for id, head := range heads {
			d, ok := metas[id]
			if !ok {
				var err error
				if d, err = getMeta(txn, id); err != nil {
					return err
				}
			}
			d.Head = head
			metas[id] = d
		}
		for id, d := range metas {
			if err := txn.Set(key(kMeta, id), encodeMeta(d)); err != nil {
				return err
			}
		}
		var err error
		staged, err = s.stageCommit(txn, b, time.Now())
		return err
	})
	if err := s.writeErr(err); err != nil {
		return err
	}
	s.applyUsage(staged)
	s.docs.Add(int64(len(b.Creates)))
	s.records.Add(added)
	s.bytes.Add(addedBytes)
	return nil
}

// writeErr is the error a write returns after its transaction ended with
// err: also, for a transaction that committed, the value log's failed
// sync (which Badger does not return).
func (s *Badger) writeErr(err error) error {
	if err == nil {
		return s.disk.err()
	}
	if diskFull(err) {
		return fmt.Errorf("%w: the disk holding %s is full; free some space. Nothing unacknowledged was kept: %v", ErrDiskFull, s.dir, err)
	}
	return err
}

// Read implements Store.
func (s *Badger) Read(id wire.DocID, from uint64, max, maxBytes int) ([]wire.Record, error) {
	var out []wire.Record
	err := s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = key(kRecord, id)
		opts.PrefetchSize = min(max, 64)
		it := txn.NewIterator(opts)
		defer it.Close()
		size := 0
		for it.Seek(key(kRecord, id, u64(from+1))); it.Valid() && len(out) < max; it.Next() {
			item := it.Item()
			var rec wire.Record
			err := item.Value(func(v []byte) error {
				var err error
				rec, err = decodeRecord(item.Key(), v)
				return err
			})
			if err != nil {
				return err
			}
			out = append(out, rec)
			size += len(rec.Body)
			if size >= maxBytes {
				break
			}
		}
		return nil
	})
	return out, err
}

// Snapshot implements Store.
func (s *Badger) Snapshot(id wire.DocID) (Snap, error) {
	return s.getSnap(key(kSnap, id))
}

func (s *Badger) getSnap(k []byte) (snap Snap, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(k)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			snap, err = decodeSnap(v)
			return err
		})
	})
	return snap, err
}

// PutSnapshot implements Store.
func (s *Badger) PutSnapshot(id wire.DocID, snap Snap) error {
	if err := s.roomCheck(); err != nil {
		return err
	}
	var old int64
	var staged map[wire.DocID]docAcct
	err := s.update(func(txn *badger.Txn) error {
		d, err := getMeta(txn, id)
		if err != nil {
			return err
		}
		if item, err := txn.Get(key(kSnap, id)); err == nil {
			old = item.ValueSize() - snapHead
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		d.SnapSeq = snap.Seq
		if err := txn.Set(key(kSnap, id), encodeSnap(snap)); err != nil {
			return err
		}
		if staged, err = s.stageSnapshot(txn, id, len(snap.Body), time.Now()); err != nil {
			return err
		}
		return txn.Set(key(kMeta, id), encodeMeta(d))
	})
	if err := s.writeErr(err); err != nil {
		return err
	}
	s.applyUsage(staged)
	s.bytes.Add(int64(len(snap.Body)+len(snap.Sig)) - old)
	return nil
}

// Prune implements Store. It deletes in small transactions, so a crash
// half-way leaves only records the snapshot already covers; Read skips
// nothing a reader needs because readers start after the snapshot.
func (s *Badger) Prune(id wire.DocID) error {
	s.maint.Lock()
	defer s.maint.Unlock()
	d, err := s.Doc(id)
	if errors.Is(err, ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	for {
		var n int
		var freed, bodies int64 // stored bytes (with signatures), and bodies alone
		var staged map[wire.DocID]docAcct
		err := s.update(func(txn *badger.Txn) error {
			dels, err := pruneKeys(txn, id, d.SnapSeq, &n, &freed, &bodies)
			if err != nil {
				return err
			}
			for _, k := range dels {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			staged, err = s.stagePrune(txn, id, n, bodies)
			return err
		})
		if err != nil {
			return s.writeErr(err)
		}
		s.applyPruned(staged)
		s.records.Add(-int64(n))
		s.bytes.Add(-freed)
		if n == 0 {
			return nil
		}
	}
}

// pruneKeys lists up to 1000 covered records and their index keys, adding
// up their stored bytes (for Stats) and their bodies alone (for usage).
func pruneKeys(txn *badger.Txn, id wire.DocID, upTo uint64, n *int, freed, bodies *int64) ([][]byte, error) {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = key(kRecord, id)
	it := txn.NewIterator(opts)
	defer it.Close()
	var dels [][]byte
	for it.Rewind(); it.Valid() && *n < 1000; it.Next() {
		item := it.Item()
		k := item.KeyCopy(nil)
		if len(k) != 25 || binary.BigEndian.Uint64(k[17:]) > upTo {
			break
		}
		err := item.Value(func(v []byte) error {
			if len(v) >= 24 {
				dels = append(dels, key(kIndex, id, v[:16], v[16:24]))
			}
			*freed += int64(max(len(v)-recHead, 0))
			*bodies += recordBodySize(v)
			return nil
		})
		if err != nil {
			return nil, err
		}
		dels = append(dels, k)
		*n++
	}
	return dels, nil
}

// Stats implements Store.
func (s *Badger) Stats() Stats {
	return Stats{Docs: s.docs.Load(), Records: s.records.Load(), Bytes: s.bytes.Load()}
}

// Close implements Store.
func (s *Badger) Close() error {
	close(s.stop)
	<-s.done
	return s.db.Close()
}

type badgerLog struct {
	l    *slog.Logger
	disk *diskHealth
}

func (b badgerLog) Errorf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	if f == valueLogSyncFailed {
		b.disk.failed(msg) // which says what to do
		return
	}
	b.l.Error(msg, "part", "store")
}
func (b badgerLog) Warningf(f string, a ...any) {
	if !badgertidy.CacheAdvice(f) {
		b.l.Warn(fmt.Sprintf(f, a...), "part", "store")
	}
}
func (b badgerLog) Infof(f string, a ...any)  {}
func (b badgerLog) Debugf(f string, a ...any) {}
