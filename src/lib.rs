//! The devref driver: command line, file discovery, running the analysis, and rendering.

pub mod bot;
pub mod cache;
pub mod cargo;
pub mod cli;
pub mod config;
pub mod diff;
pub mod discover;
pub mod driver;
pub mod exit;
pub mod findings;
pub mod fix;
pub mod formats;
pub mod hook;
pub mod input;
pub mod project;
pub mod render;
pub mod report_only;
pub mod review;
pub mod store;
pub mod summaries;
pub mod unified_diff;

/// Turns transparent huge pages off for this process and the processes it starts (git).
/// mimalloc asks for them, and a 2 MiB page is resident in full however little of it is used, and
/// cleared by the kernel when it is first touched. On Linux 7.3 (3.4 MB) they made a full run's
/// peak 92 MiB against 66 without, for 3 % less time at the median but not steadily: 110 to 190 ms
/// of wall time and 200 to 320 ms of CPU from run to run, against 115 to 125 ms and 205 to 210 ms
/// without (the kernel clearing huge pages took up to 44 % of the CPU); on larger inputs they made
/// runs slower and larger still. Figures in `bench/RESULTS.md`. Call it first thing in `main`.
pub fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: `PR_SET_THP_DISABLE` takes integers only and changes how this process's memory is
    // paged, nothing else; a kernel without it returns an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// This process's `THP_enabled` (Linux 5.0 and later; `None` before).
    fn huge_pages_enabled() -> Option<String> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("THP_enabled:"))
            .map(|value| value.trim().to_string())
    }

    #[test]
    fn huge_pages_are_turned_off() {
        if huge_pages_enabled().is_none() {
            return;
        }
        super::without_huge_pages();
        assert_eq!(huge_pages_enabled().as_deref(), Some("0"));
    }
}
