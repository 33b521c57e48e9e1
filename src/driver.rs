//! The run, top-down: arguments → files → analysis → levels → rendering → exit code.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use codespan_reporting::term::termcolor::{ColorChoice as TermColor, StandardStream};
use devref_lints::{analyze, Diagnostic, Input, Level};

use crate::cli::{Args, ColorChoice, MessageFormat};
use crate::discover::{discover, exclude_set, Found};
use crate::render;

/// Exit codes, as documented in the README.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_ERRORS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

pub fn run(args: &Args) -> i32 {
    let exclude = match exclude_set(&args.exclude) {
        Ok(set) => set,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let found = discover(&args.paths, &exclude);
    let stdin_count = found.iter().filter(|f| **f == Found::Stdin).count();
    if stdin_count > 1 {
        eprintln!("error: `-` (stdin) can be given only once");
        return EXIT_USAGE;
    }
    let inputs: Vec<Input> = found
        .into_iter()
        .map(|found| match found {
            Found::File(path) => Input {
                name: display_name(&path),
                content: read_source(&path),
            },
            Found::Stdin => Input {
                name: args
                    .stdin_filename
                    .clone()
                    .unwrap_or_else(|| "<stdin>".to_string()),
                content: read_stdin(),
            },
            Found::Error { path, reason } => Input {
                name: display_name(&path),
                content: Err(format!("cannot read `{}`: {reason}", display_name(&path))),
            },
        })
        .collect();
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let analysis = analyze(inputs, threads);
    let diagnostics: Vec<Diagnostic> = analysis
        .diagnostics
        .into_iter()
        .filter(|d| d.level != Level::Allow)
        .collect();

    let written = match args.message_format {
        MessageFormat::Human => {
            let mut stderr = StandardStream::stderr(color_choice(args.color));
            render::human(&diagnostics, &analysis.files, &mut stderr)
        }
        MessageFormat::Json => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            diagnostics.iter().try_for_each(|diagnostic| {
                writeln!(out, "{}", render::rustc_json(diagnostic, &analysis.files))
            })
        }
    };
    if let Err(error) = written {
        // A closed pipe (`devref | head`) is not worth a second error.
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {error}");
        }
    }
    if diagnostics.iter().any(|d| d.level.is_error()) {
        EXIT_ERRORS
    } else {
        EXIT_CLEAN
    }
}

fn color_choice(choice: ColorChoice) -> TermColor {
    match choice {
        ColorChoice::Always => TermColor::Always,
        ColorChoice::Never => TermColor::Never,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            if no_color || !std::io::stderr().is_terminal() {
                TermColor::Never
            } else {
                TermColor::Auto
            }
        }
    }
}

fn display_name(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Reads a source file, refusing what is not UTF-8 text.
pub fn read_source(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path)
        .map_err(|error| format!("cannot read `{}`: {error}", display_name(path)))?;
    decode(&display_name(path), bytes)
}

fn read_stdin() -> Result<String, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read stdin: {error}"))?;
    decode("<stdin>", bytes)
}

fn decode(name: &str, bytes: Vec<u8>) -> Result<String, String> {
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(format!("`{name}` is a binary file, not Rust source"));
    }
    String::from_utf8(bytes).map_err(|error| {
        format!(
            "`{name}` is not valid UTF-8 (invalid byte at offset {})",
            error.utf8_error().valid_up_to()
        )
    })
}
