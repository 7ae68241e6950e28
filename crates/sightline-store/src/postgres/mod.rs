//! Metadata store on PostgreSQL, shared by several nodes: the same tables and behaviour as the SQLite store.
//!
//! The synchronous `postgres::Client` drives a tokio runtime of its own and panics when used on a thread that
//! already drives one, and callers of [`MetaStore`] may be on any thread. So every connection lives on a worker
//! thread owned by the store; a call sends a job (a closure over a `Client`) to whichever worker is free and
//! waits for its reply.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, Config, NoTls, Row};
use rand::RngCore;

use crate::{
    LoginSession, MAX_SAVED_VIEWS, Member, MetaStore, NewSite, NewToken, Result, Role, SavedView,
    Site, SiteUpdate, StoreError, TokenInfo, User,
};
use sightline_model::now_ms;

const ENGINE: &str = "postgres";
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_sites.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_accounts.sql"),
    ),
    (3, include_str!("../../migrations/postgres/0003_replay.sql")),
    (
        4,
        include_str!("../../migrations/postgres/0004_detection.sql"),
    ),
    (
        5,
        include_str!("../../migrations/postgres/0005_saved_views.sql"),
    ),
    (6, include_str!("../../migrations/postgres/0006_leases.sql")),
];
/// Connections (and worker threads) per store: metadata calls are short, a few serve a node.
const POOL_SIZE: usize = 3;
/// How long opening a connection may take before the call fails as `Unavailable` (unless the URL sets one).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Random bytes in a site key (hex encoded, so twice as many characters).
const SITE_KEY_BYTES: usize = 12;
/// Advisory lock keys (`pg_advisory_xact_lock`), so nodes sharing the database take turns.
const MIGRATION_LOCK: i64 = 0x5349_474c_0000_0001;
/// Held while a role change or deletion checks that an admin remains.
const ADMIN_LOCK: i64 = 0x5349_474c_0000_0002;

type Job = Box<dyn FnOnce(&mut Link) + Send>;

pub struct PostgresMetaStore {
    /// Dropping the store drops this sender, which ends the workers (and closes their connections).
    jobs: mpsc::Sender<Job>,
}

/// One worker's connection, opened on first use and again after it broke.
struct Link {
    config: Arc<Config>,
    client: Option<Client>,
}

impl Link {
    fn client(&mut self) -> Result<&mut Client> {
        match self.client.take() {
            Some(client) if !client.is_closed() => Ok(self.client.insert(client)),
            _ => {
                let client = self.config.connect(NoTls).map_err(unavailable)?;
                Ok(self.client.insert(client))
            }
        }
    }
}

impl PostgresMetaStore {
    /// Connects to `url` (`postgres://user:pass@host:5432/db` or `key=value` pairs; without a password in it,
    /// `PGPASSWORD` is used) and applies pending migrations.
    pub fn connect(url: &str) -> Result<Self> {
        let config = Arc::new(config(url, std::env::var("PGPASSWORD").ok())?);
        let (jobs, queue) = mpsc::channel::<Job>();
        // std's Receiver is not shared by itself: the idle worker holding the lock takes the next job.
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..POOL_SIZE {
            let queue = queue.clone();
            let mut link = Link {
                config: config.clone(),
                client: None,
            };
            std::thread::Builder::new()
                .name(format!("sightline-pg-{n}"))
                .spawn(move || work(&queue, &mut link))
                .map_err(|e| StoreError::engine(ENGINE, format!("worker thread: {e}")))?;
        }
        let store = Self { jobs };
        store.run(migrate)?;
        Ok(store)
    }

    /// Runs `f` on a worker's connection and waits for its result.
    fn run<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Client) -> Result<R> + Send + 'static,
    {
        let (reply, result) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |link: &mut Link| {
            let outcome = link.client().and_then(f);
            // The server may have said why before closing (57P01 ...), so the client may not know it is closed
            // yet: a lost connection is not used again.
            if matches!(outcome, Err(StoreError::Unavailable { .. })) {
                link.client = None;
            }
            // The caller waits for the reply, so a failed send only means it is gone.
            let _ = reply.send(outcome);
        });
        self.jobs.send(job).map_err(|_| workers_gone())?;
        result.recv().map_err(|_| workers_gone())?
    }
}

fn work(queue: &Mutex<mpsc::Receiver<Job>>, link: &mut Link) {
    loop {
        let job = match queue.lock().unwrap_or_else(|p| p.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return, // the store was dropped
        };
        // A panicking job must not shrink the pool; its connection may be mid-statement, so it is dropped.
        if catch_unwind(AssertUnwindSafe(|| job(link))).is_err() {
            link.client = None;
        }
        if link.client.as_ref().is_some_and(Client::is_closed) {
            link.client = None;
        }
    }
}

fn workers_gone() -> StoreError {
    StoreError::Unavailable {
        engine: ENGINE,
        message: "connection worker stopped".into(),
    }
}

fn config(url: &str, env_password: Option<String>) -> Result<Config> {
    // The error would not name the URL (it may hold a password), nor should ours.
    let mut config: Config = url
        .parse()
        .map_err(|e| StoreError::Invalid(format!("postgres connection url: {e}")))?;
    if config.get_password().is_none()
        && let Some(password) = env_password
    {
        config.password(password);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("sightline");
    }
    // The server's notices ("relation already exists, skipping" at every start) are not ours to log.
    config.notice_callback(|notice| tracing::debug!(notice = %notice.message(), "postgres notice"));
    Ok(config)
}

fn unavailable(e: postgres::Error) -> StoreError {
    StoreError::Unavailable {
        engine: ENGINE,
        message: error_text(&e),
    }
}

/// The server's message where there is one (the crate's own Display says only "db error").
fn error_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        let lost = match e.code() {
            // Connection exceptions, server shutting down or not accepting connections, too many of them.
            Some(code) => {
                code.code().starts_with("08")
                    || code.code().starts_with("57P")
                    || *code == SqlState::TOO_MANY_CONNECTIONS
            }
            None => {
                e.is_closed()
                    || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>())
            }
        };
        if lost {
            unavailable(e)
        } else if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            StoreError::Conflict(error_text(&e))
        } else {
            StoreError::engine(ENGINE, error_text(&e))
        }
    }
}

/// Integrity-constraint violations (unique, foreign key, check) become `Conflict` with `what` named, as in
/// the SQLite store.
fn conflict(what: impl Into<String>) -> impl FnOnce(postgres::Error) -> StoreError {
    move |e| match e.code() {
        Some(code) if code.code().starts_with("23") => StoreError::Conflict(what.into()),
        _ => e.into(),
    }
}

fn migrate(client: &mut Client) -> Result<()> {
    for (version, sql) in MIGRATIONS {
        let mut tx = client.transaction()?;
        // Two nodes starting at once: the second waits here, then finds the version applied.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )?;
        let applied = tx
            .query_opt(
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[version],
            )?
            .is_some();
        if !applied {
            tx.batch_execute(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[version, &now_ms()],
            )?;
            tracing::info!(version, "applied metadata schema migration");
        }
        tx.commit()?;
    }
    Ok(())
}

fn json_list(raw: &str) -> Result<Vec<String>> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("site list column: {e}")))
}

fn to_json(list: &[String]) -> String {
    serde_json::Value::from(list.to_vec()).to_string()
}

fn unsigned(r: &Row, idx: usize) -> Result<u32> {
    let value: i64 = r.try_get(idx)?;
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("site column {idx} is {value}")))
}

const SITE_COLUMNS: &str = "id, key, name, domains, allowed_origins, page_groups, created_at, mask_selectors, persistent_ids, respect_dnt, retention_days, replay_sample_rate, block_selectors, replay_quota_mb, detection";

fn site_from_row(r: &Row) -> Result<Site> {
    Ok(Site {
        id: r.try_get(0)?,
        key: r.try_get(1)?,
        name: r.try_get(2)?,
        domains: json_list(r.try_get(3)?)?,
        allowed_origins: json_list(r.try_get(4)?)?,
        page_groups: json_list(r.try_get(5)?)?,
        created_at: r.try_get(6)?,
        mask_selectors: json_list(r.try_get(7)?)?,
        persistent_ids: r.try_get(8)?,
        respect_dnt: r.try_get(9)?,
        retention_days: unsigned(r, 10)?,
        replay_sample_rate: r.try_get(11)?,
        block_selectors: json_list(r.try_get(12)?)?,
        replay_quota_mb: unsigned(r, 13)?,
        detection: serde_json::from_str(r.try_get(14)?)
            .map_err(|e| StoreError::Corrupt(format!("site detection: {e}")))?,
    })
}

fn role_from(raw: &str) -> Result<Role> {
    Role::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("unknown role {raw:?}")))
}

const USER_COLUMNS: &str = "id, email, role, created_at";

fn user_from_row(r: &Row) -> Result<User> {
    Ok(User {
        id: r.try_get(0)?,
        email: r.try_get(1)?,
        role: role_from(r.try_get(2)?)?,
        created_at: r.try_get(3)?,
    })
}

const TOKEN_COLUMNS: &str = "id, name, user_id, site_id, role, created_at, last_used_at";

fn token_from_row(r: &Row) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        user_id: r.try_get(2)?,
        site_id: r.try_get(3)?,
        role: role_from(r.try_get(4)?)?,
        created_at: r.try_get(5)?,
        last_used_at: r.try_get(6)?,
    })
}

fn view_from_row(r: &Row) -> Result<SavedView> {
    Ok(SavedView {
        id: r.try_get(0)?,
        site_id: r.try_get(1)?,
        name: r.try_get(2)?,
        body: r.try_get(3)?,
        created_at: r.try_get(4)?,
    })
}

fn validate_name(name: &str) -> Result<()> {
    if name.trim().is_empty() || name.len() > 200 {
        return Err(StoreError::Invalid(
            "site name must be 1-200 characters".into(),
        ));
    }
    Ok(())
}

/// Inside the transaction that demotes or deletes user `id`: `NotFound` for unknown ids, `Conflict` when it is
/// the only admin. Holds [`ADMIN_LOCK`] until the transaction ends, so two nodes cannot each remove one of the
/// last two admins.
fn check_admin_remains(tx: &mut postgres::Transaction<'_>, id: i64, new_role: Role) -> Result<()> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ADMIN_LOCK])?;
    let role: String = tx
        .query_opt("SELECT role FROM users WHERE id = $1", &[&id])?
        .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?
        .try_get(0)?;
    if role_from(&role)? == Role::Admin && new_role != Role::Admin {
        let admins: i64 = tx
            .query_one("SELECT count(*) FROM users WHERE role = 'admin'", &[])?
            .try_get(0)?;
        if admins <= 1 {
            return Err(StoreError::Conflict(
                "this is the last admin; make another user admin first".into(),
            ));
        }
    }
    Ok(())
}

fn one<T>(rows: Vec<Row>, from: impl Fn(&Row) -> Result<T>) -> Result<Option<T>> {
    rows.first().map(from).transpose()
}

fn all<T>(rows: Vec<Row>, from: impl Fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(from).collect()
}

impl MetaStore for PostgresMetaStore {
    fn create_site(&self, site: &NewSite) -> Result<Site> {
        validate_name(&site.name)?;
        let mut key = [0u8; SITE_KEY_BYTES];
        rand::rng().fill_bytes(&mut key);
        let key = hex::encode(key);
        let name = site.name.trim().to_string();
        let domains = to_json(&site.domains);
        self.run(move |c| {
            let row = c.query_one(
                &format!("INSERT INTO sites (key, name, domains, created_at) VALUES ($1, $2, $3, $4) RETURNING {SITE_COLUMNS}"),
                &[&key, &name, &domains, &now_ms()],
            )?;
            site_from_row(&row)
        })
    }

    fn list_sites(&self) -> Result<Vec<Site>> {
        self.run(|c| {
            let rows = c.query(
                &format!("SELECT {SITE_COLUMNS} FROM sites ORDER BY id"),
                &[],
            )?;
            all(rows, site_from_row)
        })
    }

    fn site_by_key(&self, key: &str) -> Result<Option<Site>> {
        let key = key.to_string();
        self.run(move |c| {
            let rows = c.query(
                &format!("SELECT {SITE_COLUMNS} FROM sites WHERE key = $1"),
                &[&key],
            )?;
            one(rows, site_from_row)
        })
    }

    fn site_by_id(&self, id: i64) -> Result<Option<Site>> {
        self.run(move |c| {
            let rows = c.query(
                &format!("SELECT {SITE_COLUMNS} FROM sites WHERE id = $1"),
                &[&id],
            )?;
            one(rows, site_from_row)
        })
    }

    fn update_site(&self, id: i64, update: &SiteUpdate) -> Result<Site> {
        validate_name(&update.name)?;
        let update = update.clone();
        self.run(move |c| {
            let rows = c.query(
                &format!(
                    "UPDATE sites SET name = $1, domains = $2, allowed_origins = $3, page_groups = $4, mask_selectors = $5,
                        persistent_ids = $6, respect_dnt = $7, retention_days = $8, replay_sample_rate = $9,
                        block_selectors = $10, replay_quota_mb = $11, detection = $12 WHERE id = $13
                     RETURNING {SITE_COLUMNS}"
                ),
                &[
                    &update.name.trim(),
                    &to_json(&update.domains),
                    &to_json(&update.allowed_origins),
                    &to_json(&update.page_groups),
                    &to_json(&update.mask_selectors),
                    &update.persistent_ids,
                    &update.respect_dnt,
                    &i64::from(update.retention_days),
                    &update.replay_sample_rate,
                    &to_json(&update.block_selectors),
                    &i64::from(update.replay_quota_mb),
                    &serde_json::Value::Object(update.detection).to_string(),
                    &id,
                ],
            )?;
            one(rows, site_from_row)?.ok_or_else(|| StoreError::NotFound(format!("site {id}")))
        })
    }

    fn daily_salt(&self, day: i64) -> Result<[u8; 32]> {
        let mut fresh = [0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        self.run(move |c| {
            let mut tx = c.transaction()?;
            // Another node may create the day's salt at the same moment: the first one stored wins for both.
            tx.execute(
                "INSERT INTO visitor_salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING",
                &[&day, &fresh.as_slice()],
            )?;
            let bytes: Vec<u8> = tx
                .query_one("SELECT salt FROM visitor_salts WHERE day = $1", &[&day])?
                .try_get(0)?;
            let salt = bytes
                .try_into()
                .map_err(|_| StoreError::Corrupt(format!("salt of day {day} is not 32 bytes")))?;
            tx.execute("DELETE FROM visitor_salts WHERE day < $1", &[&(day - 1)])?;
            tx.commit()?;
            Ok(salt)
        })
    }

    fn create_user(&self, email: &str, password_hash: &str, role: Role) -> Result<User> {
        let email = email.trim().to_string();
        let password_hash = password_hash.to_string();
        self.run(move |c| {
            let row = c
                .query_one(
                    &format!("INSERT INTO users (email, password_hash, role, created_at) VALUES ($1, $2, $3, $4) RETURNING {USER_COLUMNS}"),
                    &[&email, &password_hash, &role.as_str(), &now_ms()],
                )
                .map_err(conflict(format!("a user with email {email:?} exists")))?;
            user_from_row(&row)
        })
    }

    fn count_users(&self) -> Result<u64> {
        self.run(|c| {
            let n: i64 = c.query_one("SELECT count(*) FROM users", &[])?.try_get(0)?;
            Ok(n.max(0) as u64)
        })
    }

    fn list_users(&self) -> Result<Vec<User>> {
        self.run(|c| {
            let rows = c.query(
                &format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"),
                &[],
            )?;
            all(rows, user_from_row)
        })
    }

    fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        self.run(move |c| {
            let rows = c.query(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
                &[&id],
            )?;
            one(rows, user_from_row)
        })
    }

    fn user_by_email(&self, email: &str) -> Result<Option<(User, String)>> {
        let email = email.trim().to_string();
        self.run(move |c| {
            // The expression of the unique index, so the lookup uses it.
            let rows = c.query(
                &format!(
                    "SELECT {USER_COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)"
                ),
                &[&email],
            )?;
            one(rows, |r| Ok((user_from_row(r)?, r.try_get(4)?)))
        })
    }

    fn set_user_role(&self, id: i64, role: Role) -> Result<User> {
        self.run(move |c| {
            let mut tx = c.transaction()?;
            check_admin_remains(&mut tx, id, role)?;
            let row = tx.query_one(
                &format!("UPDATE users SET role = $1 WHERE id = $2 RETURNING {USER_COLUMNS}"),
                &[&role.as_str(), &id],
            )?;
            let user = user_from_row(&row)?;
            tx.commit()?;
            Ok(user)
        })
    }

    fn delete_user(&self, id: i64) -> Result<()> {
        self.run(move |c| {
            let mut tx = c.transaction()?;
            // Deleting is losing the role: the same check as a demotion.
            check_admin_remains(&mut tx, id, Role::Viewer)?;
            // Memberships, logins and tokens go with the user (ON DELETE CASCADE).
            tx.execute("DELETE FROM users WHERE id = $1", &[&id])?;
            tx.commit()?;
            Ok(())
        })
    }

    fn add_member(&self, site_id: i64, user_id: i64) -> Result<()> {
        self.run(move |c| {
            c.execute(
                "INSERT INTO memberships (user_id, site_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&user_id, &site_id],
            )
            .map_err(conflict("unknown user or site"))?;
            Ok(())
        })
    }

    fn remove_member(&self, site_id: i64, user_id: i64) -> Result<()> {
        self.run(move |c| {
            let removed = c.execute(
                "DELETE FROM memberships WHERE user_id = $1 AND site_id = $2",
                &[&user_id, &site_id],
            )?;
            if removed == 0 {
                return Err(StoreError::NotFound(format!(
                    "member {user_id} of site {site_id}"
                )));
            }
            Ok(())
        })
    }

    fn members(&self, site_id: i64) -> Result<Vec<Member>> {
        self.run(move |c| {
            // SQLite orders this NOCASE column case-insensitively.
            let rows = c.query(
                "SELECT u.id, u.email, u.role FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE m.site_id = $1 ORDER BY lower(u.email), u.id",
                &[&site_id],
            )?;
            all(rows, |r| {
                Ok(Member {
                    user_id: r.try_get(0)?,
                    email: r.try_get(1)?,
                    role: role_from(r.try_get(2)?)?,
                })
            })
        })
    }

    fn member_sites(&self, user_id: i64) -> Result<Vec<i64>> {
        self.run(move |c| {
            let rows = c.query(
                "SELECT site_id FROM memberships WHERE user_id = $1 ORDER BY site_id",
                &[&user_id],
            )?;
            all(rows, |r| Ok(r.try_get(0)?))
        })
    }

    fn create_login_session(&self, id_hash: &str, session: &LoginSession) -> Result<()> {
        let id_hash = id_hash.to_string();
        let session = session.clone();
        self.run(move |c| {
            c.execute(
                "INSERT INTO login_sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                &[&id_hash, &session.user_id, &session.csrf_token, &now_ms(), &session.expires_at],
            )?;
            Ok(())
        })
    }

    fn login_session(&self, id_hash: &str, now: i64) -> Result<Option<LoginSession>> {
        let id_hash = id_hash.to_string();
        self.run(move |c| {
            c.execute("DELETE FROM login_sessions WHERE expires_at <= $1", &[&now])?;
            let rows = c.query(
                "SELECT user_id, csrf_token, expires_at FROM login_sessions WHERE id_hash = $1",
                &[&id_hash],
            )?;
            one(rows, |r| {
                Ok(LoginSession {
                    user_id: r.try_get(0)?,
                    csrf_token: r.try_get(1)?,
                    expires_at: r.try_get(2)?,
                })
            })
        })
    }

    fn delete_login_session(&self, id_hash: &str) -> Result<()> {
        let id_hash = id_hash.to_string();
        self.run(move |c| {
            c.execute("DELETE FROM login_sessions WHERE id_hash = $1", &[&id_hash])?;
            Ok(())
        })
    }

    fn delete_user_sessions(&self, user_id: i64) -> Result<usize> {
        self.run(move |c| {
            let n = c.execute("DELETE FROM login_sessions WHERE user_id = $1", &[&user_id])?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }

    fn create_token(&self, token: &NewToken) -> Result<TokenInfo> {
        let token = token.clone();
        self.run(move |c| {
            let row = c
                .query_one(
                    &format!("INSERT INTO api_tokens (name, token_hash, user_id, site_id, role, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TOKEN_COLUMNS}"),
                    &[&token.name.trim(), &token.token_hash, &token.user_id, &token.site_id, &token.role.as_str(), &now_ms()],
                )
                .map_err(conflict("token"))?;
            token_from_row(&row)
        })
    }

    fn use_token(&self, token_hash: &str, now: i64) -> Result<Option<TokenInfo>> {
        let token_hash = token_hash.to_string();
        self.run(move |c| {
            let rows = c.query(
                &format!("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 RETURNING {TOKEN_COLUMNS}"),
                &[&now, &token_hash],
            )?;
            one(rows, token_from_row)
        })
    }

    fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenInfo>> {
        self.run(move |c| {
            let rows = c.query(
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE $1::BIGINT IS NULL OR user_id = $1 ORDER BY id"),
                &[&user_id],
            )?;
            all(rows, token_from_row)
        })
    }

    fn delete_token(&self, id: i64) -> Result<()> {
        self.run(move |c| {
            if c.execute("DELETE FROM api_tokens WHERE id = $1", &[&id])? == 0 {
                return Err(StoreError::NotFound(format!("token {id}")));
            }
            Ok(())
        })
    }

    fn create_saved_view(
        &self,
        site_id: i64,
        kind: &str,
        name: &str,
        body: &str,
    ) -> Result<SavedView> {
        let (kind, name, body) = (kind.to_string(), name.trim().to_string(), body.to_string());
        self.run(move |c| {
            let mut tx = c.transaction()?;
            // Locks the site's row so that nodes saving at once cannot pass the limit together.
            tx.execute("SELECT 1 FROM sites WHERE id = $1 FOR UPDATE", &[&site_id])?;
            let count: i64 = tx
                .query_one(
                    "SELECT count(*) FROM saved_views WHERE site_id = $1 AND kind = $2",
                    &[&site_id, &kind],
                )?
                .try_get(0)?;
            if count as usize >= MAX_SAVED_VIEWS {
                return Err(StoreError::Conflict(format!(
                    "the site already keeps {MAX_SAVED_VIEWS} saved {kind}s; delete one first"
                )));
            }
            let row = tx
                .query_one(
                    "INSERT INTO saved_views (site_id, kind, name, body, created_at) VALUES ($1, $2, $3, $4, $5)
                     RETURNING id, site_id, name, body, created_at",
                    &[&site_id, &kind, &name, &body, &now_ms()],
                )
                .map_err(conflict(format!("a saved {kind} named {name:?} exists")))?;
            let view = view_from_row(&row)?;
            tx.commit()?;
            Ok(view)
        })
    }

    fn saved_views(&self, site_id: i64, kind: &str) -> Result<Vec<SavedView>> {
        let kind = kind.to_string();
        self.run(move |c| {
            // Byte order, as SQLite's default collation, whatever the database's locale.
            let rows = c.query(
                "SELECT id, site_id, name, body, created_at FROM saved_views WHERE site_id = $1 AND kind = $2
                 ORDER BY name COLLATE \"C\", id",
                &[&site_id, &kind],
            )?;
            all(rows, view_from_row)
        })
    }

    fn delete_saved_view(&self, site_id: i64, kind: &str, id: i64) -> Result<()> {
        let kind = kind.to_string();
        self.run(move |c| {
            let deleted = c.execute(
                "DELETE FROM saved_views WHERE site_id = $1 AND kind = $2 AND id = $3",
                &[&site_id, &kind, &id],
            )?;
            if deleted == 0 {
                return Err(StoreError::NotFound(format!("saved {kind} {id}")));
            }
            Ok(())
        })
    }

    fn acquire_lease(&self, job: &str, holder: &str, now: i64, ttl_ms: i64) -> Result<bool> {
        let (job, holder) = (job.to_string(), holder.to_string());
        self.run(move |c| {
            // One statement, atomic across nodes: taken when free, expired or ours.
            let expires = now.saturating_add(ttl_ms);
            let taken = c.query_opt(
                "INSERT INTO leases (job, holder, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                 WHERE leases.holder = excluded.holder OR leases.expires_at <= $4
                 RETURNING holder",
                &[&job, &holder, &expires, &now],
            )?;
            Ok(taken.is_some())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgpassword_fills_in_a_missing_password_only() {
        let from_env = config("postgres://u@127.0.0.1:5432/db", Some("secret".into())).unwrap();
        assert_eq!(from_env.get_password(), Some(&b"secret"[..]));
        assert_eq!(from_env.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        let own = config("postgres://u:mine@127.0.0.1/db", Some("secret".into())).unwrap();
        assert_eq!(own.get_password(), Some(&b"mine"[..]));
        assert!(matches!(
            config("postgres://u@[bad", None),
            Err(StoreError::Invalid(_))
        ));
    }
}
