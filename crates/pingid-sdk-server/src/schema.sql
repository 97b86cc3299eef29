-- The PingID SDK server emulator's state. Times are Unix milliseconds (UTC).
-- A column added after a release is also listed in db.rs (ADDED_COLUMNS), for older files.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS application_settings (
    application_id       TEXT PRIMARY KEY,
    enabled              INTEGER NOT NULL,
    pairing_mode         TEXT NOT NULL,
    device_selection     TEXT NOT NULL,
    max_devices_per_user INTEGER NOT NULL,
    otp_lifetime_minutes INTEGER NOT NULL,
    number_matching      INTEGER NOT NULL DEFAULT 0,
    otp_max_failures     INTEGER NOT NULL DEFAULT 3,
    otp_lock_minutes     INTEGER NOT NULL DEFAULT 15
);

-- status holds only what an administrator set (SUSPENDED or BYPASS); ACTIVE and NOT_ACTIVE are
-- derived from the user's devices when read.
CREATE TABLE IF NOT EXISTS users (
    username          TEXT PRIMARY KEY,
    first_name        TEXT NOT NULL,
    last_name         TEXT NOT NULL,
    status            TEXT,
    bypass_expiration INTEGER,
    last_login        INTEGER,
    otp_blocked_until INTEGER,
    created           INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS devices (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL REFERENCES users(username),
    application_id TEXT NOT NULL,
    fingerprint    TEXT NOT NULL UNIQUE,
    public_key     TEXT NOT NULL,
    device_type    TEXT NOT NULL,
    name           TEXT NOT NULL,
    nickname       TEXT NOT NULL,
    role           TEXT NOT NULL,
    enrolled       INTEGER NOT NULL,
    os_version     TEXT NOT NULL,
    rooted         INTEGER NOT NULL,
    last_totp_step INTEGER,
    last_seen      INTEGER,
    last_used      INTEGER
);
CREATE INDEX IF NOT EXISTS devices_by_user ON devices(username, application_id);
CREATE UNIQUE INDEX IF NOT EXISTS one_primary_per_user
    ON devices(username, application_id) WHERE role = 'PRIMARY';

-- Every fingerprint ever paired with a user, so a second pairing answers RE_PAIR_SUCCESS.
CREATE TABLE IF NOT EXISTS pairing_history (
    username       TEXT NOT NULL,
    application_id TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    PRIMARY KEY (username, application_id, fingerprint)
);

CREATE TABLE IF NOT EXISTS registration_tokens (
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
    created        INTEGER NOT NULL,
    expires        INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS pairing_keys (
    reference      TEXT PRIMARY KEY,
    key_hash       TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL,
    pairing_data   TEXT NOT NULL,
    status         TEXT NOT NULL,
    created        INTEGER NOT NULL,
    expires        INTEGER NOT NULL,
    claimed_by     TEXT,
    claimed_at     INTEGER
);
CREATE INDEX IF NOT EXISTS pairing_keys_by_data ON pairing_keys(application_id, pairing_data, status);

CREATE TABLE IF NOT EXISTS pairing_key_failures (
    username       TEXT NOT NULL,
    application_id TEXT NOT NULL,
    at             INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pairing_key_failures_by_user ON pairing_key_failures(username, application_id, at);

-- until NULL: ignored forever.
CREATE TABLE IF NOT EXISTS ignored_devices (
    username       TEXT NOT NULL,
    application_id TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    until          INTEGER,
    PRIMARY KEY (username, application_id, fingerprint)
);

CREATE TABLE IF NOT EXISTS blocked_devices (
    username       TEXT NOT NULL,
    application_id TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    blocked_at     INTEGER NOT NULL,
    PRIMARY KEY (username, application_id, fingerprint)
);

CREATE TABLE IF NOT EXISTS authentications (
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
    otp_failures          INTEGER NOT NULL DEFAULT 0,
    otp_any_device        INTEGER NOT NULL DEFAULT 0,
    push_title            TEXT,
    push_body             TEXT,
    client_context        TEXT,
    ip_address            TEXT,
    created               INTEGER NOT NULL,
    push_expires          INTEGER,
    session_expires       INTEGER NOT NULL,
    decided_at            INTEGER,
    match_number          INTEGER,
    number_choices        TEXT,
    requesting_key        TEXT,
    approval              TEXT,
    pairing_token_id      TEXT,
    ignored_until         INTEGER,
    user_agent            TEXT
);
CREATE INDEX IF NOT EXISTS authentications_by_approver ON authentications(approving_device_id, status);
CREATE INDEX IF NOT EXISTS authentications_by_requester ON authentications(username, application_id, requesting_fp, status);

-- Mobile-payload nonces, device-signature nonces and PINGID-HMAC request ids, until they expire.
-- binding: for payload nonces, the user and application the payload was first used for.
CREATE TABLE IF NOT EXISTS seen_nonces (
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    binding TEXT NOT NULL,
    expires INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX IF NOT EXISTS seen_nonces_by_expiry ON seen_nonces(expires);

-- Told to a user's other devices when a device is added or removed; delivered once to device_id
-- (the recipient), purged 30 days after `at`.
CREATE TABLE IF NOT EXISTS device_notices (
    id          TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    device_name TEXT NOT NULL,
    device_type TEXT NOT NULL,
    device_role TEXT,
    at          INTEGER NOT NULL,
    delivered   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS device_notices_by_recipient ON device_notices(device_id, delivered, at);
CREATE INDEX IF NOT EXISTS device_notices_by_age ON device_notices(at);
