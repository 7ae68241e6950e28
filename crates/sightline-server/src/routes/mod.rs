pub mod health;
pub mod ingest;
pub mod overview;
