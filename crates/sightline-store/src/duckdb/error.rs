//! DuckDB's errors as [`StoreError`]s.

use crate::StoreError;

impl From<duckdb::Error> for StoreError {
    fn from(e: duckdb::Error) -> Self {
        // DuckDB reports an exhausted memory budget only in its message
        let message = e.to_string();
        if message.contains("Out of Memory Error") {
            StoreError::OutOfMemory(message)
        } else {
            StoreError::Engine {
                engine: "duckdb",
                message,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exhausted_memory_budget_is_told_apart() {
        let conn = duckdb::Connection::open_in_memory().expect("duckdb");
        conn.execute_batch("SET memory_limit = '2MB'; SET threads = 1;")
            .expect("settings");
        let failed = conn
            .query_row(
                "SELECT count(DISTINCT i::VARCHAR || 'x') FROM range(5000000) t(i)",
                [],
                |r| r.get::<_, i64>(0),
            )
            .expect_err("the query cannot fit in 2 MB");
        assert!(matches!(
            StoreError::from(failed),
            StoreError::OutOfMemory(_)
        ));
        let other = conn
            .execute_batch("SELECT * FROM no_such_table")
            .expect_err("no table");
        assert!(matches!(
            StoreError::from(other),
            StoreError::Engine {
                engine: "duckdb",
                ..
            }
        ));
    }
}
