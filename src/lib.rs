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

/// Inputs larger than this are analysed without transparent huge pages (see [`pages_for`]).
pub const HUGE_PAGES_UP_TO: usize = 16 << 20;

/// Chooses how this process pages its memory for an analysis of `inputs`.
/// mimalloc asks for transparent huge pages, and a 2 MiB page is resident in full however little
/// of it is used. On Linux 7.3 (3.4 MB) they make a full run 12 % faster and its peak 35 % larger
/// (105 against 78 MiB); from about ten times that size they make it no faster, or slower (the
/// kernel clears each huge page it gives), and still larger. Figures in `bench/RESULTS.md`. So
/// they are turned off, for this process and the git it runs, past [`HUGE_PAGES_UP_TO`].
pub fn pages_for(inputs: &[devref_lints::Input]) {
    let text: usize = inputs
        .iter()
        .map(|input| input.content.as_ref().map_or(0, String::len))
        .sum();
    if text > HUGE_PAGES_UP_TO {
        without_huge_pages();
    }
}

fn without_huge_pages() {
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
    fn only_large_inputs_turn_huge_pages_off() {
        let Some(before) = huge_pages_enabled() else {
            return;
        };
        let text = |bytes: usize| {
            vec![devref_lints::Input {
                name: "a.rs".to_string(),
                content: Ok(" ".repeat(bytes)),
            }]
        };
        super::pages_for(&text(super::HUGE_PAGES_UP_TO));
        assert_eq!(huge_pages_enabled(), Some(before));
        super::pages_for(&text(super::HUGE_PAGES_UP_TO + 1));
        assert_eq!(huge_pages_enabled().as_deref(), Some("0"));
    }
}
