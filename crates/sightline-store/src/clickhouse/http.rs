//! ClickHouse's HTTP interface: one statement per request, rows in and out as JSONEachRow. Reads are retried
//! with backoff when the server cannot be reached; writes are not (a write that may have happened is the batch
//! writer's to check, through the stored batch keys).

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::{Result, StoreError};

pub(super) const ENGINE: &str = "clickhouse";
/// A request's time limit (a report over 100 M rows takes a few seconds).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Attempts of a read while the server is unreachable, waiting twice as long after each.
const READ_ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Where the server is and who we are to it.
#[derive(Debug, Clone, Default)]
pub struct ClickHouseOptions {
    /// The HTTP interface, e.g. `http://127.0.0.1:8123`.
    pub url: String,
    pub database: String,
    /// Empty: `default`.
    pub user: String,
    /// From the environment (`SIGHTLINE_CLICKHOUSE_PASSWORD`), never from the config file.
    pub password: Option<String>,
}

pub(super) struct Http {
    agent: ureq::Agent,
    base: url::Url,
    user: String,
    password: String,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable {
        engine: ENGINE,
        message: e.to_string(),
    }
}

impl Http {
    pub(super) fn new(options: &ClickHouseOptions) -> Result<Self> {
        let base = url::Url::parse(&options.url)
            .map_err(|e| StoreError::Invalid(format!("ClickHouse url: {e}")))?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .build()
            .into();
        Ok(Self {
            agent,
            base,
            user: if options.user.is_empty() {
                "default".into()
            } else {
                options.user.clone()
            },
            password: options.password.clone().unwrap_or_default(),
        })
    }

    fn url(&self, database: Option<&str>, query: Option<&str>) -> url::Url {
        let mut url = self.base.clone();
        {
            let mut params = url.query_pairs_mut();
            if let Some(db) = database {
                params.append_pair("database", db);
            }
            if let Some(q) = query {
                params.append_pair("query", q);
            }
            // Numbers as numbers in JSON output (64-bit integers are quoted by default).
            params.append_pair("output_format_json_quote_64bit_integers", "0");
        }
        url
    }

    /// Sends `body` to `url`; the response text, or the server's error.
    fn send(&self, url: &url::Url, body: &[u8]) -> Result<String> {
        let response = self
            .agent
            .post(url.as_str())
            .header("X-ClickHouse-User", &self.user)
            .header("X-ClickHouse-Key", &self.password)
            .send(body);
        let mut response = response.map_err(unavailable)?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_string()
            .map_err(unavailable)?;
        match status {
            200 => Ok(text),
            502..=504 => Err(unavailable(format!("HTTP {status}: {}", text.trim()))),
            _ => Err(StoreError::engine(ENGINE, text.trim())),
        }
    }

    /// A statement that changes something (DDL, ALTER, INSERT ... SELECT): sent once.
    pub(super) fn execute(&self, database: Option<&str>, sql: &str) -> Result<()> {
        let mut url = self.url(database, None);
        // LowCardinality columns need this on 18.x; later releases accept it and ignore it.
        url.query_pairs_mut()
            .append_pair("allow_experimental_low_cardinality_type", "1");
        self.send(&url, sql.as_bytes()).map(drop)
    }

    /// `INSERT INTO table FORMAT JSONEachRow` with `rows` (one JSON object per line): sent once.
    pub(super) fn insert(&self, database: &str, table: &str, rows: &[u8]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let query = format!("INSERT INTO {table} FORMAT JSONEachRow");
        self.send(&self.url(Some(database), Some(&query)), rows)
            .map(drop)
    }

    /// The rows of a SELECT (without a FORMAT clause), decoded; retried while the server is unreachable.
    pub(super) fn select<T: DeserializeOwned>(&self, database: &str, sql: &str) -> Result<Vec<T>> {
        let query = format!("{sql} FORMAT JSONEachRow");
        let url = self.url(Some(database), None);
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        let text = loop {
            match self.send(&url, query.as_bytes()) {
                Err(StoreError::Unavailable { .. }) if attempt < READ_ATTEMPTS => {
                    std::thread::sleep(backoff);
                    backoff *= 2;
                    attempt += 1;
                }
                other => break other?,
            }
        };
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line)
                    .map_err(|e| StoreError::Corrupt(format!("ClickHouse row {line:?}: {e}")))
            })
            .collect()
    }

    pub(super) fn ping(&self) -> Result<()> {
        let mut url = self.base.clone();
        url.set_path("/ping");
        let mut response = self.agent.get(url.as_str()).call().map_err(unavailable)?;
        let text = response.body_mut().read_to_string().map_err(unavailable)?;
        if response.status().as_u16() == 200 && text.trim() == "Ok." {
            Ok(())
        } else {
            Err(unavailable(format!("/ping answered {:?}", text.trim())))
        }
    }
}

/// A text as a ClickHouse string literal.
pub(super) fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for c in text.chars() {
        match c {
            '\'' => quoted.push_str("\\'"),
            '\\' => quoted.push_str("\\\\"),
            '\0' => quoted.push_str("\\0"),
            c => quoted.push(c),
        }
    }
    quoted.push('\'');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_texts_cannot_end_the_literal() {
        assert_eq!(quote("it's"), "'it\\'s'");
        assert_eq!(quote("a\\' OR 1"), "'a\\\\\\' OR 1'");
    }
}
