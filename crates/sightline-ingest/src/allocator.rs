//! Allocator settings for the binaries, which use mimalloc.

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (libmimalloc-sys 0.1.49 names no constant for it;
/// the version is pinned in the workspace's Cargo.toml).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Gives freed memory back to the OS at once instead of after mimalloc's default 10 ms (and 100 ms for
/// arenas). A write in the batch writer frees tens of MB at a time; kept for reuse, that memory stayed
/// resident and put the server at ~800 MiB after a 180 k events/s burst, given back it is ~470 MiB, for no
/// measurable throughput (`sightline-bench`, throughput phase). Call first thing in `main`, before any thread.
///
/// glibc's malloc (DuckDB's C++ code) gets at most [`C_HEAP_ARENAS`] arenas: by default every thread that
/// allocates may get its own (up to 8 per core), each keeping its freed memory.
pub fn return_freed_memory_promptly() {
    // SAFETY: mi_option_set only stores the value; mimalloc reads options on each purge decision.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, C_HEAP_ARENAS);
    }
}

/// glibc malloc arenas: one per core of the 2-core machine Sightline is sized for.
pub const C_HEAP_ARENAS: i32 = 2;

/// What glibc's malloc holds, in bytes. Sightline's own code allocates through mimalloc, but DuckDB's C++ code
/// (everything outside its buffer manager) allocates through glibc, whose arenas keep freed memory resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CHeap {
    /// Allocated and not freed (arena chunks and large mmapped blocks).
    pub in_use: u64,
    /// Freed and kept by the arenas for reuse; pages of it that `malloc_trim` gave back still count here.
    pub free: u64,
}

/// glibc's own accounting (`mallinfo2`, every arena); `None` where the C library is not glibc.
pub fn c_heap() -> Option<CHeap> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 takes the arenas' locks and only reads their counters.
        let info = unsafe { libc::mallinfo2() };
        Some(CHeap {
            in_use: (info.uordblks + info.hblkhd) as u64,
            free: info.fordblks as u64,
        })
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

/// How often [`spawn_c_heap_trimmer`] gives glibc's freed memory back.
pub const C_HEAP_TRIM_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// Gives glibc's freed memory back to the OS every [`C_HEAP_TRIM_INTERVAL`] (`malloc_trim`), on a thread of its
/// own: glibc returns only the top of each arena by itself, and DuckDB's C++ code frees tens of MB at a time
/// (−30 MiB RSS over a 5-minute soak at 20 k events/s, `sightline-bench --soak-secs 300`).
pub fn spawn_c_heap_trimmer() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let spawned = std::thread::Builder::new()
            .name("c-heap-trim".into())
            .spawn(|| {
                loop {
                    std::thread::sleep(C_HEAP_TRIM_INTERVAL);
                    // SAFETY: malloc_trim only releases free pages of the arenas, under their locks.
                    unsafe { libc::malloc_trim(0) };
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start the C heap trimmer");
        }
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    #[test]
    fn c_heap_counts_what_glibc_malloc_holds() {
        // Far larger than anything the tests running beside this one allocate or free between two readings.
        const BLOCK: usize = 256 << 20;
        let before = c_heap().expect("glibc").in_use;
        // SAFETY: a plain malloc/free pair; the block is touched only through memset.
        let block = unsafe { libc::malloc(BLOCK) };
        assert!(!block.is_null());
        unsafe { libc::memset(block, 1, BLOCK) };
        let held = c_heap().expect("glibc").in_use;
        unsafe { libc::free(block) };
        let after = c_heap().expect("glibc").in_use;
        let half = (BLOCK / 2) as u64;
        assert!(held >= before + half, "{before} → {held}");
        assert!(after + half <= held, "{held} → {after}");
    }
}
