//! Embedded metadata store on a SQLite file (WAL mode, one connection behind a mutex: metadata is small).

use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::{MetaStore, NewSite, Result, Site, SiteUpdate, StoreError};

const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../../migrations/sqlite/0001_sites.sql"))];
/// Random bytes in a site key (hex encoded, so twice as many characters).
const SITE_KEY_BYTES: usize = 12;
/// How long SQLite waits for a lock held by another process (e.g. the CLI while the server runs).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct SqliteMetaStore {
    conn: Mutex<Connection>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl SqliteMetaStore {
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Self::from_connection(conn)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(mut conn: Connection) -> Result<Self> {
        migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")?;
    let applied: i64 = conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
            params![version, now_ms()],
        )?;
        tx.commit()?;
        tracing::info!(version, "applied metadata schema migration");
    }
    Ok(())
}

fn json_list(raw: String) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(&raw).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn to_json(list: &[String]) -> String {
    serde_json::Value::from(list.to_vec()).to_string()
}

fn site_from_row(r: &Row<'_>) -> rusqlite::Result<Site> {
    Ok(Site {
        id: r.get(0)?,
        key: r.get(1)?,
        name: r.get(2)?,
        domains: json_list(r.get(3)?)?,
        allowed_origins: json_list(r.get(4)?)?,
        page_groups: json_list(r.get(5)?)?,
        created_at: r.get(6)?,
    })
}

const SITE_COLUMNS: &str = "id, key, name, domains, allowed_origins, page_groups, created_at";

fn validate_name(name: &str) -> Result<()> {
    if name.trim().is_empty() || name.len() > 200 {
        return Err(StoreError::Invalid(
            "site name must be 1-200 characters".into(),
        ));
    }
    Ok(())
}

impl MetaStore for SqliteMetaStore {
    fn create_site(&self, site: &NewSite) -> Result<Site> {
        validate_name(&site.name)?;
        let mut key = [0u8; SITE_KEY_BYTES];
        rand::rng().fill_bytes(&mut key);
        let key = hex::encode(key);
        let conn = self.conn();
        conn.execute(
            "INSERT INTO sites (key, name, domains, created_at) VALUES (?, ?, ?, ?)",
            params![key, site.name.trim(), to_json(&site.domains), now_ms()],
        )?;
        let id = conn.last_insert_rowid();
        drop(conn);
        self.site_by_id(id)?
            .ok_or_else(|| StoreError::NotFound(format!("site {id}")))
    }

    fn list_sites(&self) -> Result<Vec<Site>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {SITE_COLUMNS} FROM sites ORDER BY id"))?;
        let sites = stmt
            .query_map([], site_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(sites)
    }

    fn site_by_key(&self, key: &str) -> Result<Option<Site>> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                &format!("SELECT {SITE_COLUMNS} FROM sites WHERE key = ?"),
                params![key],
                site_from_row,
            )
            .optional()?)
    }

    fn site_by_id(&self, id: i64) -> Result<Option<Site>> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                &format!("SELECT {SITE_COLUMNS} FROM sites WHERE id = ?"),
                params![id],
                site_from_row,
            )
            .optional()?)
    }

    fn update_site(&self, id: i64, update: &SiteUpdate) -> Result<Site> {
        validate_name(&update.name)?;
        let changed = self.conn().execute(
            "UPDATE sites SET name = ?, domains = ?, allowed_origins = ?, page_groups = ? WHERE id = ?",
            params![
                update.name.trim(),
                to_json(&update.domains),
                to_json(&update.allowed_origins),
                to_json(&update.page_groups),
                id
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("site {id}")));
        }
        self.site_by_id(id)?
            .ok_or_else(|| StoreError::NotFound(format!("site {id}")))
    }

    fn daily_salt(&self, day: i64) -> Result<[u8; 32]> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let existing: Option<Vec<u8>> = tx
            .query_row(
                "SELECT salt FROM visitor_salts WHERE day = ?",
                params![day],
                |r| r.get(0),
            )
            .optional()?;
        let salt = match existing {
            Some(bytes) => bytes
                .try_into()
                .map_err(|_| StoreError::Corrupt(format!("salt of day {day} is not 32 bytes")))?,
            None => {
                let mut salt = [0u8; 32];
                rand::rng().fill_bytes(&mut salt);
                tx.execute(
                    "INSERT INTO visitor_salts (day, salt) VALUES (?, ?)",
                    params![day, salt.to_vec()],
                )?;
                salt
            }
        };
        tx.execute("DELETE FROM visitor_salts WHERE day < ?", params![day - 1])?;
        tx.commit()?;
        Ok(salt)
    }
}
