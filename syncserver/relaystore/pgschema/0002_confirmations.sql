-- Schema 2: confirmations of a waiting snapshot, so that one device
-- confirming through one relay instance and another through a second
-- still add up to a promotion. Rows of a candidate go when it is
-- promoted or replaced.
CREATE TABLE confirmations (
    doc     bytea NOT NULL,
    seq     bigint NOT NULL,  -- the waiting snapshot's sequence
    device  bytea NOT NULL,   -- 32 bytes
    PRIMARY KEY (doc, seq, device)
);
