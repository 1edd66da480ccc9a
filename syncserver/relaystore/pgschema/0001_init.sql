-- Schema 1 of the relay's PostgreSQL store. IDs, hashes and keys are
-- bytea of fixed sizes; sequence numbers are bigint (never negative).

-- One row per document. records, bytes and stored are kept in step with
-- the records and snapshot rows by the same transactions that change them.
CREATE TABLE docs (
    id          bytea PRIMARY KEY,       -- 16 bytes
    write_hash  bytea NOT NULL,          -- 32 bytes
    read_hash   bytea NOT NULL,          -- 32 bytes
    root        bytea NOT NULL,          -- 32 bytes; zeros before protocol version 2
    head        bigint NOT NULL DEFAULT 0,
    snap_seq    bigint NOT NULL DEFAULT 0,
    owner       text NOT NULL DEFAULT '', -- ID of the token that created it; '' unknown
    records     bigint NOT NULL DEFAULT 0, -- records kept
    bytes       bigint NOT NULL DEFAULT 0, -- sealed bodies of kept records and the snapshot
    stored      bigint NOT NULL DEFAULT 0, -- the same with signatures (for metrics)
    last_write  timestamptz
);

-- Highest device sequence stored per device; it outlives pruned records,
-- so a retried push of a pruned record is still known.
CREATE TABLE devices (
    doc     bytea NOT NULL,
    device  bytea NOT NULL,
    dseq    bigint NOT NULL,
    PRIMARY KEY (doc, device)
);

CREATE TABLE records (
    doc     bytea NOT NULL,
    seq     bigint NOT NULL,
    device  bytea NOT NULL,
    dseq    bigint NOT NULL,
    sig     bytea NOT NULL,  -- empty for records from before version 2
    body    bytea NOT NULL,
    PRIMARY KEY (doc, seq),
    UNIQUE (doc, device, dseq)
);

-- The current snapshot (candidate false) and the one waiting for
-- confirmation (candidate true).
CREATE TABLE snapshots (
    doc        bytea NOT NULL,
    candidate  boolean NOT NULL,
    seq        bigint NOT NULL,
    device     bytea NOT NULL,
    sig        bytea NOT NULL,
    body       bytea NOT NULL,
    PRIMARY KEY (doc, candidate)
);

CREATE TABLE certs (
    doc   bytea NOT NULL,
    hash  bytea NOT NULL,  -- SHA-256 of cert
    cert  bytea NOT NULL,
    PRIMARY KEY (doc, hash)
);

-- What each token's documents hold, spread over a few rows per token (the
-- slot comes from the document ID) so that instances writing different
-- documents of one token do not queue on one row.
CREATE TABLE owners (
    owner  text NOT NULL,
    slot   smallint NOT NULL,
    bytes  bigint NOT NULL,
    PRIMARY KEY (owner, slot)
);

CREATE TABLE tokens (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name     text NOT NULL,
    hash     text NOT NULL,  -- hex SHA-256 of the secret
    created  timestamptz NOT NULL,
    revoked  timestamptz
);
CREATE UNIQUE INDEX tokens_live_name ON tokens (name) WHERE revoked IS NULL;

-- Sealed bodies do not compress: store them out of line without trying.
ALTER TABLE records ALTER COLUMN body SET STORAGE EXTERNAL;
ALTER TABLE snapshots ALTER COLUMN body SET STORAGE EXTERNAL;
