//! Allocator settings for the binaries, which use mimalloc.

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (libmimalloc-sys 0.1.49 names no constant for it;
/// the version is pinned in the workspace's Cargo.toml).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Gives freed memory back to the OS at once instead of after mimalloc's default 10 ms (and 100 ms for
/// arenas). A write in the batch writer frees tens of MB at a time; kept for reuse, that memory stayed
/// resident and put the server at ~800 MiB after a 180 k events/s burst, given back it is ~470 MiB, for no
/// measurable throughput (`sightline-bench`, throughput phase). Call first thing in `main`.
pub fn return_freed_memory_promptly() {
    // SAFETY: mi_option_set only stores the value; mimalloc reads options on each purge decision.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}
