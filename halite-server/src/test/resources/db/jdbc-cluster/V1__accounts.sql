CREATE TABLE account (
    id      INTEGER PRIMARY KEY,
    owner   TEXT NOT NULL UNIQUE,
    balance INTEGER NOT NULL CHECK (balance >= 0),
    opened  TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX account_owner ON account(owner);
