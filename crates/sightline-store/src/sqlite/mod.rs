//! Embedded metadata store on a SQLite file (WAL mode, one connection behind a mutex: metadata is small).

use std::path::Path;
use std::sync::Mutex;

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::{
    LoginSession, MAX_SAVED_VIEWS, Member, MetaStore, NewSite, NewToken, Result, Role, SavedView,
    Site, SiteUpdate, StoreError, TokenInfo, User,
};
use sightline_model::now_ms;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_sites.sql")),
    (2, include_str!("../../migrations/sqlite/0002_accounts.sql")),
    (3, include_str!("../../migrations/sqlite/0003_replay.sql")),
    (
        4,
        include_str!("../../migrations/sqlite/0004_detection.sql"),
    ),
    (
        5,
        include_str!("../../migrations/sqlite/0005_saved_views.sql"),
    ),
    (6, include_str!("../../migrations/sqlite/0006_leases.sql")),
];
/// Random bytes in a site key (hex encoded, so twice as many characters).
const SITE_KEY_BYTES: usize = 12;
/// How long SQLite waits for a lock held by another process (e.g. the CLI while the server runs).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct SqliteMetaStore {
    conn: Mutex<Connection>,
}

impl SqliteMetaStore {
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Self::from_connection(conn)
    }

    pub fn open_in_memory() -> Result<Self> {
        Self::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(mut conn: Connection) -> Result<Self> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
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
        mask_selectors: json_list(r.get(7)?)?,
        persistent_ids: r.get(8)?,
        respect_dnt: r.get(9)?,
        retention_days: r.get(10)?,
        replay_sample_rate: r.get(11)?,
        block_selectors: json_list(r.get(12)?)?,
        replay_quota_mb: r.get(13)?,
        detection: {
            let text: String = r.get(14)?;
            serde_json::from_str(&text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    14,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?
        },
    })
}

const SITE_COLUMNS: &str = "id, key, name, domains, allowed_origins, page_groups, created_at, mask_selectors, persistent_ids, respect_dnt, retention_days, replay_sample_rate, block_selectors, replay_quota_mb, detection";

fn role_from(raw: String) -> rusqlite::Result<Role> {
    Role::parse(&raw)
        .ok_or_else(|| rusqlite::Error::InvalidColumnType(0, raw, rusqlite::types::Type::Text))
}

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        role: role_from(r.get(2)?)?,
        created_at: r.get(3)?,
    })
}

fn token_from_row(r: &Row<'_>) -> rusqlite::Result<TokenInfo> {
    Ok(TokenInfo {
        id: r.get(0)?,
        name: r.get(1)?,
        user_id: r.get(2)?,
        site_id: r.get(3)?,
        role: role_from(r.get(4)?)?,
        created_at: r.get(5)?,
        last_used_at: r.get(6)?,
    })
}

const TOKEN_COLUMNS: &str = "id, name, user_id, site_id, role, created_at, last_used_at";

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::engine("sqlite", e)
    }
}

/// Unique-constraint violations become `Conflict` with `what` named.
fn conflict(e: rusqlite::Error, what: &str) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict(what.to_string())
        }
        other => other.into(),
    }
}

fn validate_name(name: &str) -> Result<()> {
    if name.trim().is_empty() || name.len() > 200 {
        return Err(StoreError::Invalid(
            "site name must be 1-200 characters".into(),
        ));
    }
    Ok(())
}

fn current_role(conn: &Connection, user_id: i64) -> Result<Role> {
    conn.query_row(
        "SELECT role FROM users WHERE id = ?",
        params![user_id],
        |r| role_from(r.get(0)?),
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))
}

/// Inside the transaction that demotes or deletes an admin: refuses when it is the only one.
fn refuse_removing_last_admin(conn: &Connection) -> Result<()> {
    let admins: i64 =
        conn.query_row("SELECT count(*) FROM users WHERE role = 'admin'", [], |r| {
            r.get(0)
        })?;
    if admins <= 1 {
        return Err(StoreError::Conflict(
            "this is the last admin; make another user admin first".into(),
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
            "UPDATE sites SET name = ?, domains = ?, allowed_origins = ?, page_groups = ?, mask_selectors = ?,
                    persistent_ids = ?, respect_dnt = ?, retention_days = ?, replay_sample_rate = ?, block_selectors = ?,
                    replay_quota_mb = ?, detection = ? WHERE id = ?",
            params![
                update.name.trim(),
                to_json(&update.domains),
                to_json(&update.allowed_origins),
                to_json(&update.page_groups),
                to_json(&update.mask_selectors),
                update.persistent_ids,
                update.respect_dnt,
                update.retention_days,
                update.replay_sample_rate,
                to_json(&update.block_selectors),
                update.replay_quota_mb,
                serde_json::Value::Object(update.detection.clone()).to_string(),
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

    fn create_user(&self, email: &str, password_hash: &str, role: Role) -> Result<User> {
        let email = email.trim();
        let conn = self.conn();
        conn.execute(
            "INSERT INTO users (email, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
            params![email, password_hash, role.as_str(), now_ms()],
        )
        .map_err(|e| conflict(e, &format!("a user with email {email:?} exists")))?;
        let id = conn.last_insert_rowid();
        drop(conn);
        self.user_by_id(id)?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    fn count_users(&self) -> Result<u64> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    fn list_users(&self) -> Result<Vec<User>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, email, role, created_at FROM users ORDER BY id")?;
        let users = stmt
            .query_map([], user_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(users)
    }

    fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, email, role, created_at FROM users WHERE id = ?",
                params![id],
                user_from_row,
            )
            .optional()?)
    }

    fn user_by_email(&self, email: &str) -> Result<Option<(User, String)>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, email, role, created_at, password_hash FROM users WHERE email = ?",
                params![email.trim()],
                |r| Ok((user_from_row(r)?, r.get(4)?)),
            )
            .optional()?)
    }

    fn set_user_role(&self, id: i64, role: Role) -> Result<User> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current = current_role(&tx, id)?;
        if current == Role::Admin && role != Role::Admin {
            refuse_removing_last_admin(&tx)?;
        }
        tx.execute(
            "UPDATE users SET role = ? WHERE id = ?",
            params![role.as_str(), id],
        )?;
        let user = tx.query_row(
            "SELECT id, email, role, created_at FROM users WHERE id = ?",
            params![id],
            user_from_row,
        )?;
        tx.commit()?;
        Ok(user)
    }

    fn delete_user(&self, id: i64) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if current_role(&tx, id)? == Role::Admin {
            refuse_removing_last_admin(&tx)?;
        }
        // Memberships, logins and tokens go with the user (ON DELETE CASCADE).
        tx.execute("DELETE FROM users WHERE id = ?", params![id])?;
        tx.commit()?;
        Ok(())
    }

    fn add_member(&self, site_id: i64, user_id: i64) -> Result<()> {
        self.conn()
            .execute(
                "INSERT OR IGNORE INTO memberships (user_id, site_id) VALUES (?, ?)",
                params![user_id, site_id],
            )
            .map_err(|e| conflict(e, "unknown user or site"))?;
        Ok(())
    }

    fn remove_member(&self, site_id: i64, user_id: i64) -> Result<()> {
        let removed = self.conn().execute(
            "DELETE FROM memberships WHERE user_id = ? AND site_id = ?",
            params![user_id, site_id],
        )?;
        if removed == 0 {
            return Err(StoreError::NotFound(format!(
                "member {user_id} of site {site_id}"
            )));
        }
        Ok(())
    }

    fn members(&self, site_id: i64) -> Result<Vec<Member>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT u.id, u.email, u.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.site_id = ? ORDER BY u.email",
        )?;
        let members = stmt
            .query_map(params![site_id], |r| {
                Ok(Member {
                    user_id: r.get(0)?,
                    email: r.get(1)?,
                    role: role_from(r.get(2)?)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(members)
    }

    fn member_sites(&self, user_id: i64) -> Result<Vec<i64>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT site_id FROM memberships WHERE user_id = ? ORDER BY site_id")?;
        let sites = stmt
            .query_map(params![user_id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(sites)
    }

    fn create_login_session(&self, id_hash: &str, session: &LoginSession) -> Result<()> {
        self.conn().execute(
            "INSERT INTO login_sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            params![id_hash, session.user_id, session.csrf_token, now_ms(), session.expires_at],
        )?;
        Ok(())
    }

    fn login_session(&self, id_hash: &str, now: i64) -> Result<Option<LoginSession>> {
        let conn = self.conn();
        conn.execute(
            "DELETE FROM login_sessions WHERE expires_at <= ?",
            params![now],
        )?;
        Ok(conn
            .query_row(
                "SELECT user_id, csrf_token, expires_at FROM login_sessions WHERE id_hash = ?",
                params![id_hash],
                |r| {
                    Ok(LoginSession {
                        user_id: r.get(0)?,
                        csrf_token: r.get(1)?,
                        expires_at: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn delete_login_session(&self, id_hash: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM login_sessions WHERE id_hash = ?",
            params![id_hash],
        )?;
        Ok(())
    }

    fn delete_user_sessions(&self, user_id: i64) -> Result<usize> {
        Ok(self.conn().execute(
            "DELETE FROM login_sessions WHERE user_id = ?",
            params![user_id],
        )?)
    }

    fn create_token(&self, token: &NewToken) -> Result<TokenInfo> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO api_tokens (name, token_hash, user_id, site_id, role, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            params![token.name.trim(), token.token_hash, token.user_id, token.site_id, token.role.as_str(), now_ms()],
        )
        .map_err(|e| conflict(e, "token"))?;
        let id = conn.last_insert_rowid();
        Ok(conn.query_row(
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?"),
            params![id],
            token_from_row,
        )?)
    }

    fn use_token(&self, token_hash: &str, now: i64) -> Result<Option<TokenInfo>> {
        let conn = self.conn();
        conn.execute(
            "UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?",
            params![now, token_hash],
        )?;
        Ok(conn
            .query_row(
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?"),
                params![token_hash],
                token_from_row,
            )
            .optional()?)
    }

    fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenInfo>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE ?1 IS NULL OR user_id = ?1 ORDER BY id"
        ))?;
        let tokens = stmt
            .query_map(params![user_id], token_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(tokens)
    }

    fn create_saved_view(
        &self,
        site_id: i64,
        kind: &str,
        name: &str,
        body: &str,
    ) -> Result<SavedView> {
        let conn = self.conn();
        let count: i64 = conn.query_row(
            "SELECT count(*) FROM saved_views WHERE site_id = ? AND kind = ?",
            params![site_id, kind],
            |r| r.get(0),
        )?;
        if count as usize >= MAX_SAVED_VIEWS {
            return Err(StoreError::Conflict(format!(
                "the site already keeps {MAX_SAVED_VIEWS} saved {kind}s; delete one first"
            )));
        }
        let created_at = now_ms();
        conn.execute(
            "INSERT INTO saved_views (site_id, kind, name, body, created_at) VALUES (?, ?, ?, ?, ?)",
            params![site_id, kind, name.trim(), body, created_at],
        )
        .map_err(|e| conflict(e, &format!("a saved {kind} named {:?} exists", name.trim())))?;
        Ok(SavedView {
            id: conn.last_insert_rowid(),
            site_id,
            name: name.trim().to_string(),
            body: body.to_string(),
            created_at,
        })
    }

    fn saved_views(&self, site_id: i64, kind: &str) -> Result<Vec<SavedView>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, site_id, name, body, created_at FROM saved_views WHERE site_id = ? AND kind = ?
             ORDER BY name, id",
        )?;
        let views = stmt
            .query_map(params![site_id, kind], |r| {
                Ok(SavedView {
                    id: r.get(0)?,
                    site_id: r.get(1)?,
                    name: r.get(2)?,
                    body: r.get(3)?,
                    created_at: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(views)
    }

    fn delete_saved_view(&self, site_id: i64, kind: &str, id: i64) -> Result<()> {
        let deleted = self.conn().execute(
            "DELETE FROM saved_views WHERE site_id = ? AND kind = ? AND id = ?",
            params![site_id, kind, id],
        )?;
        if deleted == 0 {
            return Err(StoreError::NotFound(format!("saved {kind} {id}")));
        }
        Ok(())
    }

    fn acquire_lease(&self, job: &str, holder: &str, now: i64, ttl_ms: i64) -> Result<bool> {
        let conn = self.conn();
        // One statement: taken when free, expired or ours; another holder's unexpired lease stays.
        conn.execute(
            "INSERT INTO leases (job, holder, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4",
            params![job, holder, now.saturating_add(ttl_ms), now],
        )?;
        let current: String = conn.query_row(
            "SELECT holder FROM leases WHERE job = ?",
            params![job],
            |r| r.get(0),
        )?;
        Ok(current == holder)
    }

    fn delete_token(&self, id: i64) -> Result<()> {
        if self
            .conn()
            .execute("DELETE FROM api_tokens WHERE id = ?", params![id])?
            == 0
        {
            return Err(StoreError::NotFound(format!("token {id}")));
        }
        Ok(())
    }
}
