package relay

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"pairwise/shared/seal"
	"pairwise/syncserver/relaystore"
)

// TokenFileName is the file in the relay's data folder that lists
// organisation tokens. It holds only their hashes.
const TokenFileName = "tokens.json"

// Token is one organisation token as the relay keeps it.
type Token struct {
	Name    string     `json:"name"`
	Hash    string     `json:"sha256"`
	Created time.Time  `json:"created"`
	Revoked *time.Time `json:"revoked,omitempty"`
}

type tokenFile struct {
	Tokens []Token `json:"tokens"`
}

// Tokens reads the token file, and reads it again whenever it changes on
// disk, so `pairwise-relay token revoke` takes effect on a serving relay at
// its next check, on connections already open too. Over a shared store
// (OpenStoreTokens) it reads the store's tokens again when the store says
// they changed (Changed) and at most storeTokensFor after it last did, so
// a revocation holds on every instance within moments, and a stream of
// made-up tokens costs the database nothing.
type Tokens struct {
	path  string
	store relaystore.TokenStore

	mu     sync.Mutex
	mtime  time.Time
	size   int64
	loaded time.Time // when the store's tokens were read; zero: read again
	list   []Token
}

// storeTokensFor bounds how long a revocation can go unnoticed should the
// store's notice of it be lost.
const storeTokensFor = time.Second

// Changed makes the next check read the store's tokens again.
func (t *Tokens) Changed() {
	t.mu.Lock()
	t.loaded = time.Time{}
	t.mu.Unlock()
}

// OpenTokens watches the token file in dir (it may not exist yet).
func OpenTokens(dir string) *Tokens {
	return &Tokens{path: filepath.Join(dir, TokenFileName)}
}

// OpenStoreTokens reads the tokens a shared store keeps.
func OpenStoreTokens(st relaystore.TokenStore) *Tokens {
	return &Tokens{store: st}
}

// ErrTokenRevoked and ErrTokenUnknown are what Check returns for a token
// that may not create documents.
var (
	ErrTokenUnknown = errors.New("this organisation token is not valid on this relay; check it was copied whole, or ask the relay's admin for a new one")
	ErrTokenRevoked = errors.New("this organisation token was revoked by the relay's admin; ask them for a new one")
	ErrNoToken      = errors.New("creating a pair on this relay needs an organisation token; ask the relay's admin for one and add it to Pairwise's relay settings")
)

// Check reports which token tok is, or why it may not be used.
func (t *Tokens) Check(tok string) (name string, err error) {
	k, err := t.Identify(tok)
	return k.Name, err
}

// Identify is Check, returning the whole token.
func (t *Tokens) Identify(tok string) (Token, error) {
	if tok == "" {
		return Token{}, ErrNoToken
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.refresh(); err != nil {
		return Token{}, err
	}
	for _, k := range t.list {
		want, err := hex.DecodeString(k.Hash)
		if err != nil || len(want) != 32 {
			continue
		}
		if seal.TokenMatches(tok, [32]byte(want)) {
			if k.Revoked != nil {
				return k, ErrTokenRevoked
			}
			return k, nil
		}
	}
	return Token{}, ErrTokenUnknown
}

// ID is how the relay records which token created a document: the token's
// hash, which no other token shares, even one given the same name later.
func (k Token) ID() string { return k.Hash }

func (t *Tokens) refresh() error {
	if t.store != nil {
		if !t.loaded.IsZero() && time.Since(t.loaded) < storeTokensFor {
			return nil
		}
		rows, err := t.store.Tokens()
		if err != nil {
			return fmt.Errorf("cannot read the tokens from the store: %w", err)
		}
		t.list, t.loaded = tokensFromRows(rows), time.Now()
		return nil
	}
	fi, err := os.Stat(t.path)
	if errors.Is(err, os.ErrNotExist) {
		t.list, t.mtime, t.size = nil, time.Time{}, 0
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read the token file %s: %w", t.path, err)
	}
	if fi.ModTime().Equal(t.mtime) && fi.Size() == t.size {
		return nil
	}
	f, err := readTokenFile(t.path)
	if err != nil {
		return err
	}
	t.list, t.mtime, t.size = f.Tokens, fi.ModTime(), fi.Size()
	return nil
}

func tokensFromRows(rows []relaystore.TokenRow) []Token {
	out := make([]Token, len(rows))
	for i, r := range rows {
		out[i] = Token{Name: r.Name, Hash: r.Hash, Created: r.Created, Revoked: r.Revoked}
	}
	return out
}

func readTokenFile(path string) (tokenFile, error) {
	var f tokenFile
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("cannot read the token file %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("the token file %s is damaged (%v); restore it from a backup or move it aside and issue new tokens", path, err)
	}
	return f, nil
}

// editTokens changes the token file under an exclusive lock, writing it
// atomically (a temporary file renamed over the old one).
func editTokens(dir string, edit func(*tokenFile) error) error {
	return editLocked(dir, "tokens.lock", TokenFileName, func() (tokenFile, error) { return readTokenFile(filepath.Join(dir, TokenFileName)) }, edit)
}

// TokenAdmin issues, lists and revokes tokens, in a data folder's token
// file or in a shared store.
type TokenAdmin struct {
	dir   string
	store relaystore.TokenStore
}

// FileTokenAdmin manages the token file in dir.
func FileTokenAdmin(dir string) TokenAdmin { return TokenAdmin{dir: dir} }

// StoreTokenAdmin manages the tokens a shared store keeps.
func StoreTokenAdmin(st relaystore.TokenStore) TokenAdmin { return TokenAdmin{store: st} }

// New issues a token named name and returns it. Only its hash is kept,
// so the token is shown once.
func (a TokenAdmin) New(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errors.New("give the token a name that says who it is for, with --name (for example --name mentoring-2027)")
	}
	tok := seal.NewToken()
	h := seal.TokenHash(tok)
	k := Token{Name: name, Hash: hex.EncodeToString(h[:]), Created: time.Now().UTC().Truncate(time.Second)}
	exists := fmt.Errorf("a token named %q already exists; revoke it first or choose another name", name)
	if a.store != nil {
		err := a.store.AddToken(relaystore.TokenRow{Name: k.Name, Hash: k.Hash, Created: k.Created})
		if errors.Is(err, relaystore.ErrTokenExists) {
			return "", exists
		}
		return tok, err
	}
	err := editTokens(a.dir, func(f *tokenFile) error {
		for _, old := range f.Tokens {
			if old.Name == name && old.Revoked == nil {
				return exists
			}
		}
		f.Tokens = append(f.Tokens, k)
		return nil
	})
	if err != nil {
		return "", err
	}
	return tok, nil
}

// List returns the tokens in the order they were issued.
func (a TokenAdmin) List() ([]Token, error) {
	if a.store != nil {
		rows, err := a.store.Tokens()
		return tokensFromRows(rows), err
	}
	f, err := readTokenFile(filepath.Join(a.dir, TokenFileName))
	return f.Tokens, err
}

// Revoke revokes the live token named name.
func (a TokenAdmin) Revoke(name string) error {
	none := fmt.Errorf("no live token is named %q; `pairwise-relay token list` shows them", name)
	now := time.Now().UTC().Truncate(time.Second)
	if a.store != nil {
		err := a.store.RevokeToken(name, now)
		if errors.Is(err, relaystore.ErrNotFound) {
			return none
		}
		return err
	}
	return editTokens(a.dir, func(f *tokenFile) error {
		i := slices.IndexFunc(f.Tokens, func(k Token) bool { return k.Name == name && k.Revoked == nil })
		if i < 0 {
			return none
		}
		f.Tokens[i].Revoked = &now
		return nil
	})
}

// NewToken issues a token in the token file in dir (see TokenAdmin.New).
func NewToken(dir, name string) (string, error) { return FileTokenAdmin(dir).New(name) }

// ListTokens lists the token file in dir (see TokenAdmin.List).
func ListTokens(dir string) ([]Token, error) { return FileTokenAdmin(dir).List() }

// RevokeToken revokes a token in the token file in dir.
func RevokeToken(dir, name string) error { return FileTokenAdmin(dir).Revoke(name) }
