-- The PingID SDK server emulator's state in PostgreSQL (schema pingid_sdk), migration 1: schema.sql
-- as it stood when PostgreSQL came (integers and booleans as bigint, blobs as bytea). Released:
-- never changed; a change is migration 2. Times are Unix milliseconds (UTC).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE application_settings (
    application_id       TEXT PRIMARY KEY,
    enabled              BIGINT NOT NULL,
    pairing_mode         TEXT NOT NULL,
    device_selection     TEXT NOT NULL,
    max_devices_per_user BIGINT NOT NULL,
    otp_lifetime_minutes BIGINT NOT NULL,
    number_matching      BIGINT NOT NULL DEFAULT 0,
    otp_max_failures     BIGINT NOT NULL DEFAULT 3,
    otp_lock_minutes     BIGINT NOT NULL DEFAULT 15
);

-- status holds only what an administrator set (SUSPENDED or BYPASS); ACTIVE and NOT_ACTIVE are
-- derived from the user's devices when read.
CREATE TABLE users (
    username          TEXT PRIMARY KEY,
    first_name        TEXT NOT NULL,
    last_name         TEXT NOT NULL,
    status            TEXT,
    bypass_expiration BIGINT,
    last_login        BIGINT,
    otp_blocked_until BIGINT,
    created           BIGINT NOT NULL
);

CREATE TABLE devices (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL REFERENCES users(username),
    application_id TEXT NOT NULL,
    fingerprint    TEXT NOT NULL UNIQUE,
    public_key     TEXT NOT NULL,
    device_type    TEXT NOT NULL,
    name           TEXT NOT NULL,
    nickname       TEXT NOT NULL,
    role           TEXT NOT NULL,
    enrolled       BIGINT NOT NULL,
    os_version     TEXT NOT NULL,
    rooted         BIGINT NOT NULL,
    last_totp_step BIGINT,
    last_seen      BIGINT,
    last_used      BIGINT
);
CREATE INDEX devices_by_user ON devices(username, application_id);
CREATE UNIQUE INDEX one_primary_per_user
    ON devices(username, application_id) WHERE role = 'PRIMARY';

-- Every fingerprint ever paired with a user, so a second pairing answers RE_PAIR_SUCCESS.
CREATE TABLE pairing_history (
    username       TEXT NOT NULL,
    application_id TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    PRIMARY KEY (username, application_id, fingerprint)
);

CREATE TABLE registration_tokens (
    id             TEXT PRIMARY KEY,
    secret_hash    TEXT NOT NULL,
    username       TEXT NOT NULL,
    application_id TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    device_type    TEXT NOT NULL,
    device_name    TEXT NOT NULL,
    os_version     TEXT NOT NULL,
    trust_levels   TEXT NOT NULL,
    status         TEXT NOT NULL,
    created        BIGINT NOT NULL,
    expires        BIGINT NOT NULL
);

CREATE TABLE pairing_keys (
    reference      TEXT PRIMARY KEY,
    key_hash       TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL,
    pairing_data   TEXT NOT NULL,
    status         TEXT NOT NULL,
    created        BIGINT NOT NULL,
    expires        BIGINT NOT NULL,
    claimed_by     TEXT,
    claimed_at     BIGINT
);
CREATE INDEX pairing_keys_by_data ON pairing_keys(application_id, pairing_data, status);

CREATE TABLE pairing_key_failures (
    username       TEXT NOT NULL,
    application_id TEXT NOT NULL,
    at             BIGINT NOT NULL
);
CREATE INDEX pairing_key_failures_by_user ON pairing_key_failures(username, application_id, at);

-- until NULL: ignored forever.
CREATE TABLE ignored_devices (
    username       TEXT NOT NULL,
    application_id TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    until          BIGINT,
    PRIMARY KEY (username, application_id, fingerprint)
);

CREATE TABLE blocked_devices (
    username       TEXT NOT NULL,
    application_id TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    blocked_at     BIGINT NOT NULL,
    PRIMARY KEY (username, application_id, fingerprint)
);

CREATE TABLE authentications (
    id                    TEXT PRIMARY KEY,
    username              TEXT NOT NULL,
    application_id        TEXT NOT NULL,
    requesting_fp         TEXT,
    requesting_name       TEXT,
    requesting_type       TEXT,
    requesting_os         TEXT,
    approving_device_id   TEXT,
    status                TEXT NOT NULL,
    reason                TEXT,
    level                 TEXT NOT NULL,
    otp_failures          BIGINT NOT NULL DEFAULT 0,
    otp_any_device        BIGINT NOT NULL DEFAULT 0,
    push_title            TEXT,
    push_body             TEXT,
    client_context        TEXT,
    ip_address            TEXT,
    created               BIGINT NOT NULL,
    push_expires          BIGINT,
    session_expires       BIGINT NOT NULL,
    decided_at            BIGINT,
    match_number          BIGINT,
    number_choices        TEXT,
    requesting_key        TEXT,
    approval              TEXT,
    pairing_token_id      TEXT,
    ignored_until         BIGINT,
    user_agent            TEXT
);
CREATE INDEX authentications_by_approver ON authentications(approving_device_id, status);
CREATE INDEX authentications_by_requester ON authentications(username, application_id, requesting_fp, status);

-- Mobile-payload nonces, device-signature nonces and PINGID-HMAC request ids, until they expire.
-- binding: for payload nonces, the user and application the payload was first used for.
CREATE TABLE seen_nonces (
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    binding TEXT NOT NULL,
    expires BIGINT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX seen_nonces_by_expiry ON seen_nonces(expires);

-- Told to a user's other devices when a device is added or removed; delivered once to device_id
-- (the recipient), purged 30 days after `at`.
CREATE TABLE device_notices (
    id          TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    device_name TEXT NOT NULL,
    device_type TEXT NOT NULL,
    device_role TEXT,
    at          BIGINT NOT NULL,
    delivered   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX device_notices_by_recipient ON device_notices(device_id, delivered, at);
CREATE INDEX device_notices_by_age ON device_notices(at);
