package relaystore

import (
	"context"
	"embed"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The schema, one file per version: pgschema/NNNN_what.sql takes a
// database from version NNNN-1 to NNNN. Files are never edited once
// released; a change is a new file.
//
//go:embed pgschema/*.sql
var schemaFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded schema files in order, checking that
// their numbers run 1, 2, 3… with none missing.
func migrations() ([]migration, error) {
	entries, err := schemaFiles.ReadDir("pgschema")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("relaystore: schema file %s is not named NNNN_what.sql", e.Name())
		}
		b, err := schemaFiles.ReadFile(path.Join("pgschema", e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("relaystore: schema file %s should be version %d", m.name, i+1)
		}
	}
	return out, nil
}

// schemaLock is the advisory lock that lets one relay instance at a time
// set up or migrate the schema ("pairwise" in ASCII).
const schemaLock = 0x7061697277697365

// SchemaVersion is the newest schema this relay knows.
func SchemaVersion() int {
	m, _ := migrations()
	return len(m)
}

// migrate brings the database to the newest schema in one transaction, so
// an instance that dies half-way leaves it as it was. Instances starting
// together queue on an advisory lock; the later ones find nothing to do.
func (p *Postgres) migrate(ctx context.Context) error {
	all, err := migrations()
	if err != nil {
		return err
	}
	var refuse error // a refusal to pass on as it is
	var applied []string
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(schemaLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)"); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&have); err != nil {
			return err
		}
		if have > len(all) {
			refuse = fmt.Errorf("this database was set up by a newer pairwise-relay (schema %d; this relay knows schema %d at most); run that version or newer", have, len(all))
			return refuse
		}
		if have < 0 {
			refuse = fmt.Errorf("%w: the schema_version table holds %d; restore the database from a backup", ErrCorrupt, have)
			return refuse
		}
		for _, m := range all[have:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("applying %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, "DELETE FROM schema_version"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_version (version) VALUES ($1)", m.version); err != nil {
				return err
			}
			applied = append(applied, m.name)
		}
		return nil
	})
	if refuse != nil {
		return refuse
	}
	if err != nil {
		return fmt.Errorf("cannot set up the relay's tables in the PostgreSQL database at %s (%v); the relay's user needs the right to create tables there", p.where, err)
	}
	if len(applied) > 0 {
		p.log.Info("set up the relay's tables in PostgreSQL", "schema", len(all), "applied", applied)
	}
	return nil
}
