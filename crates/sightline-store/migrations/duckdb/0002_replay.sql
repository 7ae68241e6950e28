-- Index of replay chunks; the rrweb events themselves are zstd blobs in the BlobStore under `blob_key`.
CREATE TABLE replay_chunks (
    site_id     BIGINT  NOT NULL,
    session     VARCHAR NOT NULL,
    pageview    VARCHAR NOT NULL,
    chunk       INTEGER NOT NULL,
    first_ts    BIGINT  NOT NULL,
    last_ts     BIGINT  NOT NULL,
    events      INTEGER NOT NULL,
    bytes       BIGINT  NOT NULL, -- compressed, as stored
    raw_bytes   BIGINT  NOT NULL, -- rrweb JSON before compression
    blob_key    VARCHAR NOT NULL
);
