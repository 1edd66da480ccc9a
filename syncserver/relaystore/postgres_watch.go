package relaystore

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"pairwise/shared/wire"
)

// Notices are short texts on notifyChannel, sent by the transaction that
// made the change and delivered when it commits:
//
//	h:<doc hex>:<head>   records up to head are stored
//	s:<doc hex>          the snapshot or the waiting one changed
//	c:<doc hex>          writer certificates were added
//	d:<doc hex>          the document was deleted
//	t                    a token was issued or revoked

// Watch timings: the connection is checked when quiet this long, and a
// lost one is dialled again after backoffMin, doubling to backoffMax.
var (
	watchIdle  = 15 * time.Second
	backoffMin = 100 * time.Millisecond
	backoffMax = 5 * time.Second
)

// Watch implements Shared on a connection of its own that LISTENs. When
// that connection is lost it dials again (backing off while the database
// is away), then calls w.Gap and w.Ready. It returns nil when the store
// closes, ctx.Err() when ctx ends.
func (p *Postgres) Watch(ctx context.Context, w Watcher) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.watches.Add(1)
	p.mu.Unlock()
	defer p.watches.Done()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(p.ctx, cancel)
	defer stop()

	lost := false
	delay := backoffMin
	for {
		conn, err := p.listen(wctx)
		if err == nil {
			delay = backoffMin
			if lost && w.Gap != nil {
				w.Gap()
			}
			if w.Ready != nil {
				w.Ready()
			}
			err = p.dispatch(wctx, conn, w)
			conn.Close(context.Background())
			lost = true
		}
		if wctx.Err() != nil {
			if p.ctx.Err() != nil {
				return nil
			}
			return ctx.Err()
		}
		p.log.Warn("lost the database connection that brings other relay instances' changes; dialling again",
			"err", p.fail("listening", err), "in", delay)
		select {
		case <-time.After(delay):
		case <-wctx.Done():
		}
		delay = min(2*delay, backoffMax)
	}
}

func (p *Postgres) listen(ctx context.Context) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, p.opTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, p.conn.Copy())
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(cctx, "LISTEN "+notifyChannel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

// dispatch hands notices to w until the connection fails or ctx ends. A
// quiet connection is pinged now and then, so one that died without a
// word is noticed.
func (p *Postgres) dispatch(ctx context.Context, conn *pgx.Conn, w Watcher) error {
	for {
		nctx, cancel := context.WithTimeout(ctx, watchIdle)
		n, err := conn.WaitForNotification(nctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !pgconn.Timeout(err) {
				return err
			}
			pctx, cancel := context.WithTimeout(ctx, p.opTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
			continue
		}
		if !deliver(n.Payload, w) {
			p.log.Warn("a notice from another relay instance does not read; reading everything again", "notice", n.Payload)
			if w.Gap != nil {
				w.Gap()
			}
		}
	}
}

// deliver calls w for one notice. Kinds it does not know (from a newer
// relay) are skipped; it returns false for a known kind that does not
// parse.
func deliver(payload string, w Watcher) bool {
	kind, rest, _ := strings.Cut(payload, ":")
	switch kind {
	case "t":
		if w.Tokens != nil {
			w.Tokens()
		}
		return true
	case "h", "s", "c", "d":
	default:
		return true
	}
	hexID, arg, _ := strings.Cut(rest, ":")
	var id wire.DocID
	if b, err := hex.DecodeString(hexID); err != nil || len(b) != len(id) {
		return false
	} else {
		copy(id[:], b)
	}
	switch kind {
	case "h":
		head, err := strconv.ParseUint(arg, 10, 64)
		if err != nil {
			return false
		}
		if w.Head != nil {
			w.Head(id, head)
		}
	case "s":
		if w.Snapshot != nil {
			w.Snapshot(id)
		}
	case "c":
		if w.Certs != nil {
			w.Certs(id)
		}
	case "d":
		if w.Deleted != nil {
			w.Deleted(id)
		}
	}
	return true
}
