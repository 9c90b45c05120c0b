//! SQLite storage of items, scoped by organization or owner.
//!
//! One connection behind a mutex, used from `spawn_blocking`: SQLite
//! serialises writers anyway, and the example's load is a browser or a test.

use std::path::Path;
use std::sync::{Arc, Mutex};

use clerk_runtime::Auth;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// Migrations in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[(&str, &str)] = &[(
    "0001_create_items",
    include_str!("migrations/0001_create_items.sql"),
)];

/// Where the database file lives when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE: &str = "target/example-app.sqlite";

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database directory could not be created.
    #[error("cannot create the database directory: {0}")]
    Io(#[from] std::io::Error),
    /// The blocking task died (a panic inside a query).
    #[error("database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Whose items a request sees: the active organization's, else the user's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Items of organization `org_id`; new items are owned by `user_id`.
    Org {
        /// The active organization.
        org_id: String,
        /// The caller.
        user_id: String,
    },
    /// Personal items of `user_id` (created without an active organization).
    Owner {
        /// The caller.
        user_id: String,
    },
}

impl Scope {
    /// The scope of a session: its active organization if any.
    pub fn of(auth: &Auth) -> Self {
        match auth.org_id() {
            Some(org_id) => Scope::Org {
                org_id: org_id.to_owned(),
                user_id: auth.user_id().to_owned(),
            },
            None => Scope::Owner {
                user_id: auth.user_id().to_owned(),
            },
        }
    }
}

/// One stored item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Row id.
    pub id: i64,
    /// Organization, for items created inside one.
    pub org_id: Option<String>,
    /// User who created it.
    pub owner_id: String,
    /// Free text.
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// The database handle. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

impl Db {
    /// Opens (creating it and its directory) the database at `location` and
    /// applies pending migrations. `location` is a path, `sqlite:`/`sqlite://`
    /// URL, or `:memory:`.
    pub fn open(location: &str) -> Result<Self, DbError> {
        let path = location
            .strip_prefix("sqlite://")
            .or_else(|| location.strip_prefix("sqlite:"))
            .unwrap_or(location);
        let mut conn = if path == ":memory:" {
            Connection::open_in_memory()?
        } else {
            if let Some(dir) = Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)?;
            }
            Connection::open(path)?
        };
        migrate(&mut conn)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection on the blocking pool.
    pub async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A poisoned lock means a query panicked; the connection itself is still usable.
            let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn)
        })
        .await?
        .map_err(DbError::from)
    }

    /// Items visible in `scope`, newest first.
    pub async fn list_items(&self, scope: Scope) -> Result<Vec<Item>, DbError> {
        self.call(move |conn| {
            let (sql, key) = match &scope {
                Scope::Org { org_id, .. } => (
                    "SELECT id, org_id, owner_id, name, created_at FROM items \
                     WHERE org_id = ?1 ORDER BY id DESC",
                    org_id,
                ),
                Scope::Owner { user_id } => (
                    "SELECT id, org_id, owner_id, name, created_at FROM items \
                     WHERE org_id IS NULL AND owner_id = ?1 ORDER BY id DESC",
                    user_id,
                ),
            };
            let mut stmt = conn.prepare_cached(sql)?;
            let rows = stmt.query_map(params![key], row_to_item)?;
            rows.collect()
        })
        .await
    }

    /// Stores a new item in `scope`.
    pub async fn create_item(&self, scope: Scope, name: String, now: i64) -> Result<Item, DbError> {
        self.call(move |conn| {
            let (org_id, owner_id) = match scope {
                Scope::Org { org_id, user_id } => (Some(org_id), user_id),
                Scope::Owner { user_id } => (None, user_id),
            };
            conn.execute(
                "INSERT INTO items (org_id, owner_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![org_id, owner_id, name, now],
            )?;
            Ok(Item {
                id: conn.last_insert_rowid(),
                org_id,
                owner_id,
                name,
                created_at: now,
            })
        })
        .await
    }

    /// Deletes item `id` if it is visible in `scope`; returns the deleted item.
    pub async fn delete_item(&self, scope: Scope, id: i64) -> Result<Option<Item>, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let item = match &scope {
                Scope::Org { org_id, .. } => tx
                    .query_row(
                        "SELECT id, org_id, owner_id, name, created_at FROM items \
                         WHERE id = ?1 AND org_id = ?2",
                        params![id, org_id],
                        row_to_item,
                    )
                    .optional()?,
                Scope::Owner { user_id } => tx
                    .query_row(
                        "SELECT id, org_id, owner_id, name, created_at FROM items \
                         WHERE id = ?1 AND org_id IS NULL AND owner_id = ?2",
                        params![id, user_id],
                        row_to_item,
                    )
                    .optional()?,
            };
            if item.is_some() {
                tx.execute("DELETE FROM items WHERE id = ?1", params![id])?;
            }
            tx.commit()?;
            Ok(item)
        })
        .await
    }
}

fn row_to_item(row: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item {
        id: row.get(0)?,
        org_id: row.get(1)?,
        owner_id: row.get(2)?,
        name: row.get(3)?,
        created_at: row.get(4)?,
    })
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let applied: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let applied = usize::try_from(applied).unwrap_or(0);
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        // PRAGMA takes no parameters; the value is our own loop index.
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
        tx.commit()?;
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir()
            .join(format!("clerk-example-db-{}-{name}", std::process::id()))
            .join("nested")
            .join("app.sqlite")
    }

    #[tokio::test]
    async fn open_creates_the_file_and_its_directory_and_migrates_once() {
        let path = temp_path("create");
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
        let url = format!("sqlite://{}", path.display());
        let db = Db::open(&url).unwrap();
        assert!(path.is_file());
        let scope = Scope::Owner {
            user_id: "user_1".into(),
        };
        db.create_item(scope.clone(), "kept".into(), 1)
            .await
            .unwrap();
        drop(db);
        let reopened = Db::open(&url).unwrap();
        let version: i64 = reopened
            .call(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(version, i64::try_from(MIGRATIONS.len()).unwrap());
        let items = reopened.list_items(scope).await.unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].name, "kept");
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }

    #[tokio::test]
    async fn owner_scope_excludes_organization_items_of_the_same_user() {
        let db = Db::open(":memory:").unwrap();
        let org = Scope::Org {
            org_id: "org_1".into(),
            user_id: "user_1".into(),
        };
        let own = Scope::Owner {
            user_id: "user_1".into(),
        };
        db.create_item(org.clone(), "team".into(), 1).await.unwrap();
        db.create_item(own.clone(), "mine".into(), 2).await.unwrap();
        let names = |items: Vec<Item>| items.into_iter().map(|i| i.name).collect::<Vec<_>>();
        assert_eq!(names(db.list_items(own).await.unwrap()), ["mine"]);
        assert_eq!(names(db.list_items(org).await.unwrap()), ["team"]);
    }
}
