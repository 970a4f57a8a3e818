//! Giving memory back to the operating system after a large request.
//!
//! glibc's allocator keeps freed memory in per-thread arenas for reuse. An import of 100,000
//! plots allocates some hundred MiB for its records, on the blocking threads and the workers,
//! and frees it all at the end; without a trim that memory stays resident, so each later large
//! import starts from the last one's peak (bench/RESULTS.md, 2026-11-27: 514 → 950 → 1,320 MiB
//! over three 100,000-plot runs before this, flat after). `malloc_trim(0)` returns free pages
//! of every arena at a cost of a few milliseconds, which only imports and exports pay.

/// Returns freed heap memory to the operating system (a no-op off glibc).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers and
    // is thread-safe in glibc.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// `release_free_memory` on a blocking thread, after a response is built: trimming a large heap
/// walks every arena, which an async worker should not wait for.
pub fn release_free_memory_soon() {
    drop(actix_web::rt::task::spawn_blocking(release_free_memory));
}
