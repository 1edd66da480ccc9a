package relaystore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"pairwise/shared/wire"
	"pairwise/syncserver/pgtest"
)

// sql runs statements on the test's database directly, as an operator (or
// damage) would.
func sql(t *testing.T, url string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	must(t, err)
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestSchemaFilesRunFromOne(t *testing.T) {
	all, err := migrations()
	must(t, err)
	if len(all) == 0 || SchemaVersion() != len(all) {
		t.Fatalf("%d schema files, SchemaVersion %d", len(all), SchemaVersion())
	}
}

// A relay refuses a database a newer relay set up, with a sentence that
// says what to run.
func TestPostgresRefusesNewerSchema(t *testing.T) {
	url := pgtest.Start(t)
	st, err := OpenPostgres(context.Background(), url, logTo(t))
	must(t, err)
	st.Close()
	sql(t, url, "UPDATE schema_version SET version = 99")
	_, err = OpenPostgres(context.Background(), url, logTo(t))
	if err == nil || !strings.Contains(err.Error(), "this database was set up by a newer pairwise-relay (schema 99") ||
		!strings.Contains(err.Error(), "run that version or newer") {
		t.Fatalf("opening a database of schema 99: %v", err)
	}
}

// Instances started together on an empty database set the schema up once.
func TestPostgresInstancesStartTogether(t *testing.T) {
	url := pgtest.Start(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := OpenPostgres(context.Background(), url, logTo(t))
			if err == nil {
				err = st.Commit(Batch{Creates: map[wire.DocID]Doc{docID(byte(i + 1)): newDoc(1)}})
				st.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	must(t, errors.Join(errs...))
	st := openPG(t, url)
	var rows, version int
	must(t, st.pool.QueryRow(context.Background(), "SELECT count(*), max(version) FROM schema_version").Scan(&rows, &version))
	if rows != 1 || version != SchemaVersion() {
		t.Fatalf("schema_version holds %d rows, version %d; want one row of %d", rows, version, SchemaVersion())
	}
	if s := st.Stats(); s.Docs != 4 {
		t.Fatalf("%d documents, want 4", s.Docs)
	}
}

// Opening fails with a sentence that names the address, without its
// password.
func TestPostgresOpenSaysWhatIsWrong(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"postgres://relay:s3cret@/db?host=/nonexistent&connect_timeout=2", "cannot reach the PostgreSQL database at postgres://relay:xxxxx@/db"},
		{"postgres://relay:s3cret@host:notaport/db", "is not one PostgreSQL understands"},
	} {
		_, err := OpenPostgres(context.Background(), c.url, logTo(t))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("opening %s: %v; want %q and no password", c.url, err, c.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://relay:s3cret@db.example:5432/pairwise", "postgres://relay:xxxxx@db.example:5432/pairwise"},
		{"postgresql://relay@db/pairwise?sslmode=require", "postgresql://relay@db/pairwise?sslmode=require"},
		{"postgres://db/pairwise?password=s3cret&sslmode=require", "postgres://db/pairwise?password=xxxxx&sslmode=require"},
		{"postgres://relay:s3cret@db:notaport/pairwise", "postgres://relay:xxxxx@db:notaport/pairwise"},
		{"host=db user=relay password=s3cret dbname=pairwise", "host=db user=relay password=xxxxx dbname=pairwise"},
		{"host=db password='s3 cret' dbname=pairwise", "host=db password=xxxxx dbname=pairwise"},
	} {
		if got := RedactURL(c.in); got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if !IsPostgresURL("postgres://x/y") || !IsPostgresURL("postgresql://x/y") || IsPostgresURL("/var/lib/pairwise") {
		t.Error("IsPostgresURL tells addresses from folders wrongly")
	}
}

// Tokens live in the database: one instance sees what the other issues and
// revokes, and a name is taken by one live token at a time.
func TestPostgresTokensAreShared(t *testing.T) {
	url := pgtest.Start(t)
	a, b := openPG(t, url), openPG(t, url)
	hash := func(n byte) string { return strings.Repeat(fmt.Sprintf("%02x", n), 32) }
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	must(t, a.AddToken(TokenRow{Name: "mentors", Hash: hash(1), Created: created}))
	got, err := b.Tokens()
	must(t, err)
	if len(got) != 1 || got[0].Name != "mentors" || got[0].Hash != hash(1) || !got[0].Created.Equal(created) || got[0].Revoked != nil {
		t.Fatalf("tokens seen by the other instance: %+v", got)
	}
	if err := b.AddToken(TokenRow{Name: "mentors", Hash: hash(2), Created: created}); !errors.Is(err, ErrTokenExists) {
		t.Fatalf("a second live token of one name: %v, want ErrTokenExists", err)
	}
	revoked := created.Add(time.Hour)
	must(t, b.RevokeToken("mentors", revoked))
	if err := a.RevokeToken("mentors", revoked); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking a revoked token: %v, want ErrNotFound", err)
	}
	must(t, a.AddToken(TokenRow{Name: "mentors", Hash: hash(3), Created: revoked})) // the name is free again
	got, err = a.Tokens()
	must(t, err)
	if len(got) != 2 || got[0].Revoked == nil || !got[0].Revoked.Equal(revoked) || got[1].Hash != hash(3) || got[1].Revoked != nil {
		t.Fatalf("tokens after revoking and issuing again: %+v", got)
	}
	if err := a.AddToken(TokenRow{Name: "bad", Hash: "not hex", Created: created}); err == nil {
		t.Fatal("a token with a hash that is not hex SHA-256 was stored")
	}
}

// Rows that do not read (damage, or a hand edit) are ErrCorrupt, never a
// panic or a wrong answer.
func TestPostgresDamagedRowsAreErrCorrupt(t *testing.T) {
	url := pgtest.Start(t)
	st := openPG(t, url)
	dev := devID(1)
	for n := byte(1); n <= 5; n++ {
		must(t, st.Commit(Batch{Creates: map[wire.DocID]Doc{docID(n): newDoc(n)},
			Entries: entries(docID(n), rec(1, dev, 1, "a", true), rec(2, dev, 2, "b", true))}))
	}
	must(t, st.PutSnapshot(docID(4), Snap{Seq: 1, Body: []byte("s")}))
	must(t, st.AddToken(TokenRow{Name: "t", Hash: strings.Repeat("ab", 32), Created: time.Now()}))
	hexOf := func(n byte) string { id := docID(n); return fmt.Sprintf(`'\x%x'`, id[:]) }
	sql(t, url,
		"UPDATE docs SET root = '\\x01' WHERE id = "+hexOf(1),
		"UPDATE docs SET head = -1 WHERE id = "+hexOf(2),
		"UPDATE records SET device = '\\x0102' WHERE seq = 2 AND doc = "+hexOf(3),
		"UPDATE snapshots SET seq = -5 WHERE doc = "+hexOf(4),
		"UPDATE docs SET snap_seq = 9 WHERE id = "+hexOf(5),
		"UPDATE tokens SET hash = 'zz'")
	for _, c := range []struct {
		what string
		err  error
	}{
		{"a root of one byte", func() error { _, err := st.Doc(docID(1)); return err }()},
		{"a negative head", func() error { _, err := st.Doc(docID(2)); return err }()},
		{"a short device ID, read", func() error { _, err := st.Read(docID(3), 0, 10, 1<<20); return err }()},
		{"a short device ID, one record", func() error { _, err := st.Record(docID(3), 2); return err }()},
		{"a short device ID, authors", func() error { _, err := st.Authors(docID(3), 0, 2); return err }()},
		{"a negative snapshot sequence", func() error { _, err := st.Snapshot(docID(4)); return err }()},
		{"a snapshot beyond the head", func() error { _, err := st.Doc(docID(5)); return err }()},
		{"a token hash that is not hex", func() error { _, err := st.Tokens(); return err }()},
	} {
		if !errors.Is(c.err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", c.what, c.err)
		}
	}
}

// A token's total is counted in the database: one instance's commits
// count at once where it checks quotas, and at the other once its copy is
// older than its cache allows.
func TestPostgresQuotaTotalsAcrossInstances(t *testing.T) {
	url := pgtest.Start(t)
	a, b := openPG(t, url), openPG(t, url)
	if n := b.OwnerBytes("tok"); n != 0 {
		t.Fatalf("an unknown token holds %d bytes", n)
	}
	x, y := docID(1), docID(2) // in different slots of the owners table
	must(t, a.Commit(Batch{Creates: map[wire.DocID]Doc{x: newDoc(1), y: newDoc(2)}, Owners: map[wire.DocID]string{x: "tok", y: "tok"},
		Entries: append(entries(x, rec(1, devID(1), 1, "12345", true)), entries(y, rec(1, devID(1), 1, "678", true))...)}))
	if n := a.OwnerBytes("tok"); n != 8 {
		t.Fatalf("the committing instance sees %d bytes, want 8", n)
	}
	b.cache.ttl = 0 // as once its copy has aged
	if n := b.OwnerBytes("tok"); n != 8 {
		t.Fatalf("the other instance sees %d bytes, want 8", n)
	}
	if u, ok := b.Usage(y); !ok || u.Bytes != 3 || u.Owner != "tok" {
		t.Fatalf("the other instance sees usage %+v", u)
	}
	must(t, b.Commit(Batch{Entries: entries(x, rec(2, devID(1), 2, "1234567890", true)), Heads: map[wire.DocID]uint64{x: 1}}))
	a.cache.ttl = 0
	if n := a.OwnerBytes("tok"); n != 18 {
		t.Fatalf("after the other's commit: %d bytes, want 18", n)
	}
}
