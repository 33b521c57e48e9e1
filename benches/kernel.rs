//! Times devref on a real kernel tree against a bare `syn::parse_file` of the same files on the same
//! number of threads, so the overhead of the model and the lints is measured in one run.
//!
//! `cargo bench --bench kernel` fetches Linux 7.3's Rust sources through
//! `../shared/corpus/fetch-kernel.sh` (or uses `DEVREF_KERNEL=/path/to/tree`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use devref_lints::options::Options;
use devref_lints::{analyze_with, Input, Teardown};

const RUNS: usize = 15;

fn main() {
    let tree = kernel_tree();
    let files = rust_files(&tree);
    // `--once read|parse|full`: read the tree, then nothing, one bare parse or one analysis, on one
    // thread, for instruction counts (bench/instructions.sh).
    let args: Vec<String> = std::env::args().collect();
    if let Some(which) = args
        .iter()
        .position(|a| a == "--once")
        .map(|i| args.get(i + 1))
    {
        match which.map(String::as_str) {
            Some("read") => {}
            Some("parse") => parse_only(&files, 1),
            Some("full") => {
                let analysis = analyze_with(inputs(&files), &Options::default(), 1, Teardown::Exit);
                std::hint::black_box(analysis.diagnostics.len());
            }
            _ => panic!("--once takes `read`, `parse` or `full`"),
        }
        return;
    }
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "tree: {} ({} files, {:.1} MB), {threads} threads, median of {RUNS} runs",
        tree.display(),
        files.len(),
        bytes as f64 / 1e6
    );

    // `devref PATHS` analyses once and exits, leaving its trees and model to the OS
    // (`Teardown::Exit`); a library caller frees them (`Teardown::Free`). Both are timed.
    let full = |teardown: Teardown| {
        let analysis = analyze_with(inputs(&files), &Options::default(), threads, teardown);
        std::hint::black_box(analysis.diagnostics.len());
    };
    // Warm-up, then the runs alternate, so that a busy moment of the machine hits all alike. The
    // runs that leave their memory to the OS come last, so that the heap they leave behind does
    // not slow the others.
    parse_only(&files, threads);
    full(Teardown::Free);
    let mut parse_times = Vec::with_capacity(2 * RUNS);
    // The bare parses paired with each kind of full run, for the fastest-of-each ratios: the
    // fastest of all 30 parses would be compared with the fastest of only 15 full runs.
    let mut freed_pairs = Vec::with_capacity(RUNS);
    let mut full_pairs = Vec::with_capacity(RUNS);
    let mut kept_times = Vec::with_capacity(RUNS);
    let mut full_times = Vec::with_capacity(RUNS);
    let mut freed_times = Vec::with_capacity(RUNS);
    let mut ratios = Vec::with_capacity(RUNS);
    let mut freed_ratios = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let parse = time(|| parse_only(&files, threads));
        kept_times.push(time(|| parse_keeping_trees(&files, threads)));
        let freed = time(|| full(Teardown::Free));
        freed_ratios.push(freed.as_secs_f64() / parse.as_secs_f64());
        parse_times.push(parse);
        freed_pairs.push(parse);
        freed_times.push(freed);
    }
    for _ in 0..RUNS {
        let parse = time(|| parse_only(&files, threads));
        let analysed = time(|| full(Teardown::Exit));
        ratios.push(analysed.as_secs_f64() / parse.as_secs_f64());
        parse_times.push(parse);
        full_pairs.push(parse);
        full_times.push(analysed);
    }
    parse_times.sort();
    freed_pairs.sort();
    full_pairs.sort();
    kept_times.sort();
    full_times.sort();
    freed_times.sort();
    ratios.sort_by(f64::total_cmp);
    freed_ratios.sort_by(f64::total_cmp);
    println!("syn::parse_file only: {:>8.1} ms", ms(parse_times[RUNS]));
    println!(
        "syn::parse_file, every tree kept to the end (as a model of all files needs): {:>8.1} ms",
        ms(kept_times[RUNS / 2])
    );
    println!(
        "devref full analysis, as `devref PATHS` runs it: {:>8.1} ms",
        ms(full_times[RUNS / 2])
    );
    println!(
        "devref full analysis, freeing everything: {:>8.1} ms",
        ms(freed_times[RUNS / 2])
    );
    println!(
        "ratio full / parse:   {:>8.2} (median of the {RUNS} paired runs; fastest of each: {:.2})",
        ratios[RUNS / 2],
        full_times[0].as_secs_f64() / full_pairs[0].as_secs_f64()
    );
    println!(
        "ratio freeing / parse: {:>7.2} (median of the {RUNS} paired runs; fastest of each: {:.2})",
        freed_ratios[RUNS / 2],
        freed_times[0].as_secs_f64() / freed_pairs[0].as_secs_f64()
    );
}

/// The files as devref's inputs (copied, as devref reads them anew).
fn inputs(files: &[(String, String)]) -> Vec<Input> {
    files
        .iter()
        .map(|(name, text)| Input {
            name: name.clone(),
            content: Ok(text.clone()),
        })
        .collect()
}

fn time(run: impl FnOnce()) -> Duration {
    let start = Instant::now();
    run();
    start.elapsed()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Parses every file on `threads` threads, dropping the trees, as devref's workers do.
fn parse_only(files: &[(String, String)], threads: usize) {
    std::thread::scope(|scope| {
        for share in 0..threads {
            scope.spawn(move || {
                for (_, text) in files.iter().skip(share).step_by(threads) {
                    let _ = std::hint::black_box(syn::parse_file(text).is_ok());
                }
            });
        }
    });
}

/// The same parse, but each thread keeps its trees until it has parsed all its files: what an
/// analysis pays just to have every file's syntax at hand at once (memory is not reused).
fn parse_keeping_trees(files: &[(String, String)], threads: usize) {
    std::thread::scope(|scope| {
        for share in 0..threads {
            scope.spawn(move || {
                let trees: Vec<_> = files
                    .iter()
                    .skip(share)
                    .step_by(threads)
                    .map(|(_, text)| syn::parse_file(text))
                    .collect();
                std::hint::black_box(trees.len());
            });
        }
    });
}

fn kernel_tree() -> PathBuf {
    if let Some(tree) = std::env::var_os("DEVREF_KERNEL") {
        return PathBuf::from(tree);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/fetch-kernel.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg("7.3")
        .output()
        .expect("running fetch-kernel.sh");
    assert!(
        output.status.success(),
        "fetch-kernel.sh failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    PathBuf::from(
        stdout
            .lines()
            .last()
            .expect("the script prints the tree")
            .trim(),
    )
}

fn rust_files(tree: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = walkdir::WalkDir::new(tree)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "rs"))
        .filter_map(|entry| {
            let text = std::fs::read_to_string(entry.path()).ok()?;
            let name = entry.path().strip_prefix(tree).ok()?.display().to_string();
            Some((name, text))
        })
        .collect();
    files.sort();
    files
}
