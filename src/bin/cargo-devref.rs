//! `cargo devref`: lints the current package's sources.

use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use devref::cli::parse_from;
use devref::driver::EXIT_USAGE;

fn main() {
    // cargo runs `cargo-devref devref ARGS...`.
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|arg| arg == "devref") {
        argv.remove(1);
    }
    let (mut cli, matches) = parse_from(&argv, "cargo devref");
    if cli.command.is_some() {
        std::process::exit(devref::driver::dispatch(cli));
    }
    let args = &mut cli.check;
    // Without paths, lint the package: from its root, so that files are named relative to it,
    // as cargo names them.
    if matches.value_source("paths") != Some(ValueSource::CommandLine) {
        let root = std::env::current_dir()
            .ok()
            .and_then(|cwd| package_root(&cwd));
        let Some(root) = root else {
            eprintln!("error: could not find `Cargo.toml` in the current directory or any parent");
            std::process::exit(EXIT_USAGE);
        };
        if let Err(error) = std::env::set_current_dir(&root) {
            eprintln!("error: cannot enter `{}`: {error}", root.display());
            std::process::exit(EXIT_USAGE);
        }
        args.paths = vec![PathBuf::from(".")];
    }
    std::process::exit(devref::driver::run(args));
}

/// The nearest directory upwards from `start` that holds a `Cargo.toml`.
fn package_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}
