package relaystore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Organisation tokens live in the tokens table, so that every instance
// checks the same ones; issuing or revoking one notifies every instance.

// Tokens implements TokenStore.
func (p *Postgres) Tokens() ([]TokenRow, error) {
	var out []TokenRow
	err := p.read(func(ctx context.Context, q *pgxpool.Pool) error {
		out = out[:0]
		rows, err := q.Query(ctx, "SELECT name, hash, created, revoked FROM tokens ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t TokenRow
			var revoked pgtype.Timestamptz
			if err := rows.Scan(&t.Name, &t.Hash, &t.Created, &revoked); err != nil {
				return err
			}
			if err := checkTokenRow(t); err != nil {
				return fmt.Errorf("%w: %v", ErrCorrupt, err)
			}
			t.Created = t.Created.UTC()
			if revoked.Valid {
				at := revoked.Time.UTC()
				t.Revoked = &at
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, p.fail("reading the tokens", err)
	}
	return out, nil
}

func checkTokenRow(t TokenRow) error {
	if t.Name == "" {
		return errors.New("a token has no name")
	}
	if b, err := hex.DecodeString(t.Hash); err != nil || len(b) != 32 {
		return fmt.Errorf("token %q has a hash that is not hex SHA-256", t.Name)
	}
	return nil
}

// AddToken implements TokenStore.
func (p *Postgres) AddToken(t TokenRow) error {
	if err := checkTokenRow(t); err != nil {
		return fmt.Errorf("relaystore: %v", err)
	}
	err := p.tx(func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO tokens (name, hash, created, revoked) VALUES ($1, $2, $3, $4)",
			t.Name, t.Hash, t.Created, t.Revoked)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation: a live token has the name
			return fmt.Errorf("%w: %q", ErrTokenExists, t.Name)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "SELECT pg_notify($1, 't')", notifyChannel)
		return err
	})
	return p.fail("issuing a token", err)
}

// RevokeToken implements TokenStore.
func (p *Postgres) RevokeToken(name string, at time.Time) error {
	err := p.tx(func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE tokens SET revoked = $2 WHERE name = $1 AND revoked IS NULL", name, at)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: no live token is named %q", ErrNotFound, name)
		}
		_, err = tx.Exec(ctx, "SELECT pg_notify($1, 't')", notifyChannel)
		return err
	})
	return p.fail("revoking a token", err)
}
