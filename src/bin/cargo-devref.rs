//! `cargo devref`: lints the current package's sources.

use std::path::{Path, PathBuf};

use clap::Parser;

fn main() {
    // cargo runs `cargo-devref devref ARGS...`.
    let mut argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("devref") {
        argv.remove(1);
    }
    let mut args = devref::cli::Args::parse_from(&argv);
    let explicit_paths = argv.iter().skip(1).any(|a| !a.starts_with('-'));
    if !explicit_paths {
        match package_root(Path::new(".")) {
            Some(root) => args.paths = vec![root],
            None => {
                eprintln!(
                    "error: could not find `Cargo.toml` in the current directory or any parent"
                );
                std::process::exit(devref::driver::EXIT_USAGE);
            }
        }
    }
    std::process::exit(devref::driver::run(&args));
}

/// The nearest directory upwards that holds a `Cargo.toml`.
fn package_root(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    let root = start
        .ancestors()
        .find(|dir| dir.join("Cargo.toml").is_file())?;
    // Show paths relative to where the user stands, as cargo does.
    Some(match root.strip_prefix(&start) {
        Ok(relative) if relative.as_os_str().is_empty() => PathBuf::from("."),
        Ok(relative) => relative.to_path_buf(),
        Err(_) => root.to_path_buf(),
    })
}
