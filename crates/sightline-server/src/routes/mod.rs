pub mod assets;
pub mod health;
pub mod ingest;
pub mod overview;
pub mod sessions;
