//! Times devref on a real kernel tree against a bare `syn::parse_file` of the same files on the same
//! number of threads, so the overhead of the model and the lints is measured in one run. Each timed
//! run of either is a fresh child process (`--process parse|full`), as `devref PATHS` is; library
//! use, freeing what each analysis built, is timed in this process. Both sides allocate with the
//! `devref` binary's allocator.
//!
//! `cargo bench --bench kernel` fetches Linux 7.3's Rust sources through
//! `../shared/corpus/fetch-kernel.sh` (or uses `DEVREF_KERNEL=/path/to/tree`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use devref_lints::options::Options;
use devref_lints::{analyze_with, Input, Teardown};

const RUNS: usize = 15;

/// The allocator of the `devref` binary (see `src/main.rs`), so that both sides of the ratio
/// allocate as devref does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let tree = kernel_tree();
    let files = rust_files(&tree);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let args: Vec<String> = std::env::args().collect();
    let mode = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args.get(i + 1).map(String::as_str))
    };
    // `--once read|parse|full`: read the tree, then nothing, one bare parse or one analysis, on one
    // thread, for instruction counts (bench/instructions.sh).
    if let Some(which) = mode("--once") {
        match which {
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
    // `--process parse|full`: one bare parse or one analysis on every thread, as the whole work of
    // a fresh process; prints how long it took (reading the tree before it is not counted), then
    // exits without freeing anything, as `devref PATHS` does.
    if let Some(which) = mode("--process") {
        // devref's inputs are the texts, as the bare parse's are: copying them is not timed.
        let full_inputs = (which == Some("full")).then(|| inputs(&files));
        let start = Instant::now();
        let cpu_start = process_cpu_time();
        match (which, full_inputs) {
            (Some("parse"), _) => parse_only(&files, threads),
            (Some("full"), Some(full_inputs)) => {
                let analysis =
                    analyze_with(full_inputs, &Options::default(), threads, Teardown::Exit);
                std::hint::black_box(analysis.diagnostics.len());
            }
            _ => panic!("--process takes `parse` or `full`"),
        }
        let cpu = process_cpu_time().saturating_sub(cpu_start);
        println!("{} {}", start.elapsed().as_nanos(), cpu.as_nanos());
        std::process::exit(0);
    }
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    println!(
        "tree: {} ({} files, {:.1} MB), {threads} threads, median of {RUNS} runs",
        tree.display(),
        files.len(),
        bytes as f64 / 1e6
    );

    // `devref PATHS` is a fresh process that analyses once and exits, leaving its trees and model
    // to the OS: every page it uses is new to it. So each of these runs is a process of its own,
    // and so is each bare parse it is paired with.
    let me = std::env::current_exe().expect("the bench's own executable");
    // Wall time and CPU time (every thread's) of one run.
    let process = |which: &str| -> (Duration, Duration) {
        let output = checked_output(
            Command::new(&me)
                .args(["--process", which])
                .env("DEVREF_KERNEL", &tree),
            &format!("`--process {which}`"),
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let nanos: Vec<u64> = stdout
            .split_whitespace()
            .map(|field| field.parse().expect("`--process` prints nanoseconds"))
            .collect();
        assert_eq!(
            nanos.len(),
            2,
            "`--process` prints wall and CPU nanoseconds"
        );
        (
            Duration::from_nanos(nanos[0]),
            Duration::from_nanos(nanos[1]),
        )
    };
    // Warm-up (the page cache, the executable), then the runs alternate, so that a busy moment of
    // the machine hits both alike.
    process("parse");
    process("full");
    let mut process_parses = Vec::with_capacity(RUNS);
    let mut process_fulls = Vec::with_capacity(RUNS);
    let mut ratios = Vec::with_capacity(RUNS);
    let mut cpu_ratios = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let (parse, parse_cpu) = process("parse");
        let (analysed, analysed_cpu) = process("full");
        ratios.push(analysed.as_secs_f64() / parse.as_secs_f64());
        cpu_ratios.push(analysed_cpu.as_secs_f64() / parse_cpu.as_secs_f64());
        process_parses.push(parse);
        process_fulls.push(analysed);
    }

    // A library caller analyses in a process that goes on, and frees what it built
    // (`Teardown::Free`): these runs share this process, its heap reused from run to run.
    let freeing = |inputs: Vec<Input>| {
        let analysis = analyze_with(inputs, &Options::default(), threads, Teardown::Free);
        std::hint::black_box(analysis.diagnostics.len());
    };
    parse_only(&files, threads);
    freeing(inputs(&files));
    let mut parse_times = Vec::with_capacity(RUNS);
    let mut kept_times = Vec::with_capacity(RUNS);
    let mut freed_times = Vec::with_capacity(RUNS);
    let mut freed_ratios = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let parse = time(|| parse_only(&files, threads));
        kept_times.push(time(|| parse_keeping_trees(&files, threads)));
        let batch = inputs(&files);
        let freed = time(|| freeing(batch));
        freed_ratios.push(freed.as_secs_f64() / parse.as_secs_f64());
        parse_times.push(parse);
        freed_times.push(freed);
    }
    for times in [
        &mut process_parses,
        &mut process_fulls,
        &mut parse_times,
        &mut kept_times,
        &mut freed_times,
    ] {
        times.sort();
    }
    ratios.sort_by(f64::total_cmp);
    cpu_ratios.sort_by(f64::total_cmp);
    freed_ratios.sort_by(f64::total_cmp);
    let median = RUNS / 2;
    println!("each run a process of its own, as `devref PATHS` runs:");
    println!(
        "  syn::parse_file only:             {:>8.1} ms",
        ms(process_parses[median])
    );
    println!(
        "  devref full analysis:             {:>8.1} ms",
        ms(process_fulls[median])
    );
    println!(
        "  ratio full / parse:               {:>8.2} (median of the {RUNS} paired runs; fastest of each: {:.2})",
        ratios[median],
        process_fulls[0].as_secs_f64() / process_parses[0].as_secs_f64()
    );
    // Less sensitive than wall time to other tenants of the machine (not to idle threads).
    println!(
        "  CPU time, full / parse:           {:>8.2} (median of the {RUNS} paired runs)",
        cpu_ratios[median]
    );
    println!("all runs in this process, freeing what they built, as a library caller does:");
    println!(
        "  syn::parse_file only:             {:>8.1} ms",
        ms(parse_times[median])
    );
    println!(
        "  syn::parse_file, every tree kept to the end (as a model of all files needs): {:.1} ms",
        ms(kept_times[median])
    );
    println!(
        "  devref full analysis, freeing:    {:>8.1} ms",
        ms(freed_times[median])
    );
    println!(
        "  ratio freeing / parse:            {:>8.2} (median of the {RUNS} paired runs; fastest of each: {:.2})",
        freed_ratios[median],
        freed_times[0].as_secs_f64() / parse_times[0].as_secs_f64()
    );
}

/// CPU time of every thread of this process so far.
fn process_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; the call writes nothing else.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// The files as devref's inputs (copied, as devref reads them anew; the copy is made before the
/// clock starts).
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
    let output = checked_output(
        Command::new("bash").arg(&script).arg("7.3"),
        "fetch-kernel.sh",
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

/// Runs `command`, which must succeed; `what` names it in the panic.
fn checked_output(command: &mut Command, what: &str) -> std::process::Output {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("running {what}: {error}"));
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
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
