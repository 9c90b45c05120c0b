-- Items as the seeds' `db.items`: owned by a user, and by an organization
-- when one was active at creation. Queries scope by org_id when the caller
-- has an active organization, else by owner_id among personal items.
CREATE TABLE items (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id     TEXT,
    owner_id   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX items_org ON items (org_id, id);
CREATE INDEX items_owner ON items (owner_id, id) WHERE org_id IS NULL;
