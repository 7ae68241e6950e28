//! `sightline`: the command line. Thin: every command calls into the library crates.

mod cli;
mod demo;

use anyhow::Result;
use clap::Parser;

/// mimalloc instead of glibc's malloc: the writer allocates and frees millions of small strings per second on
/// two threads, and glibc's per-thread arenas kept the freed memory (RSS 1.2 GB after a burst, see README).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    sightline_ingest::allocator::return_freed_memory_promptly();
    let args = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("SIGHTLINE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    sightline_ingest::allocator::spawn_c_heap_trimmer();
    cli::run(args)
}
