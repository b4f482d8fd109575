INSERT INTO account(owner, balance) VALUES ('ada', 100), ('grace', 250);
CREATE TABLE note (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES account(id),
    body       TEXT,
    tag        BLOB DEFAULT (randomblob(4))
);
