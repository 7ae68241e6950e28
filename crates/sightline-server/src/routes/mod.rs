pub mod account;
pub mod assets;
pub mod dashboard;
pub mod health;
pub mod ingest;
pub mod overview;
pub mod sessions;
pub mod settings;
