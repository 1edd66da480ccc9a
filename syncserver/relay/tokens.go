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
// its next check, on connections already open too.
type Tokens struct {
	path string

	mu    sync.Mutex
	mtime time.Time
	size  int64
	list  []Token
}

// OpenTokens watches the token file in dir (it may not exist yet).
func OpenTokens(dir string) *Tokens {
	return &Tokens{path: filepath.Join(dir, TokenFileName)}
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

// NewToken issues a token named name and returns it. Only its hash is kept,
// so the token is shown once.
func NewToken(dir, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errors.New("give the token a name that says who it is for, with --name (for example --name mentoring-2027)")
	}
	tok := seal.NewToken()
	err := editTokens(dir, func(f *tokenFile) error {
		for _, k := range f.Tokens {
			if k.Name == name && k.Revoked == nil {
				return fmt.Errorf("a token named %q already exists; revoke it first or choose another name", name)
			}
		}
		h := seal.TokenHash(tok)
		f.Tokens = append(f.Tokens, Token{Name: name, Hash: hex.EncodeToString(h[:]), Created: time.Now().UTC().Truncate(time.Second)})
		return nil
	})
	if err != nil {
		return "", err
	}
	return tok, nil
}

// ListTokens returns the tokens in the order they were issued.
func ListTokens(dir string) ([]Token, error) {
	f, err := readTokenFile(filepath.Join(dir, TokenFileName))
	return f.Tokens, err
}

// RevokeToken revokes the live token named name.
func RevokeToken(dir, name string) error {
	return editTokens(dir, func(f *tokenFile) error {
		i := slices.IndexFunc(f.Tokens, func(k Token) bool { return k.Name == name && k.Revoked == nil })
		if i < 0 {
			return fmt.Errorf("no live token is named %q; `pairwise-relay token list --data DIR` shows them", name)
		}
		now := time.Now().UTC().Truncate(time.Second)
		f.Tokens[i].Revoked = &now
		return nil
	})
}
