//! The run, top-down: arguments → files → analysis → levels → rendering → exit code.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use codespan_reporting::term::termcolor::{ColorChoice as TermColor, StandardStream};
use devref_lints::analysis::InputError;
use devref_lints::levels::LevelSpec;
use devref_lints::options::Options;
use devref_lints::{Diagnostic, Input, SourceFile};

use crate::cli::{Args, Cli, ColorChoice, Command, MessageFormat};
use crate::config;
use crate::discover::{discover, exclude_set, not_regular, Found};
use crate::formats;
use crate::render::{self, RustcMessage};

/// Exit codes, as documented in the README.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_ERRORS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// Runs a parsed command line: a subcommand, or a lint run.
pub fn dispatch(cli: Cli) -> i32 {
    match cli.command {
        None => run(&cli.check),
        Some(Command::Lints { markdown }) => {
            let text = if markdown {
                devref_lints::docs::markdown()
            } else {
                devref_lints::docs::table()
            };
            print_stdout(&text);
            EXIT_CLEAN
        }
        Some(Command::Explain { lint }) => {
            let name = lint.strip_prefix("devref::").unwrap_or(&lint);
            match devref_lints::lints::find(name) {
                Some(found) => {
                    print_stdout(&format!("{}\n", devref_lints::docs::explain(found)));
                    EXIT_CLEAN
                }
                None => {
                    eprintln!("error: no lint named `{lint}` (see `devref lints`)");
                    EXIT_USAGE
                }
            }
        }
        Some(Command::InstallHook { force }) => crate::hook::install(force),
        Some(Command::Review(review)) => crate::review::run(&review),
    }
}

/// Prints to stdout; a closed pipe (`devref lints | head`) is not an error.
fn print_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {error}");
        }
    }
}

pub fn run(args: &Args) -> i32 {
    run_with(args, Hooks::default())
}

/// What a caller changes in a lint run: `cargo devref` names the files to lint (those its targets'
/// module trees reach) and wraps each JSON diagnostic in cargo's `compiler-message`.
#[derive(Default)]
pub struct Hooks<'a> {
    /// Lint these files, as `(name shown, path to read)`, instead of searching `args.paths`.
    pub files: Option<Vec<(String, PathBuf)>>,
    /// With `--message-format json`: turns the rustc JSON diagnostic of a file into the line
    /// printed.
    pub wrap_json: Option<WrapJson<'a>>,
}

/// Turns the rustc JSON diagnostic of a file into the line printed for it.
pub type WrapJson<'a> = &'a dyn Fn(&SourceFile, RustcMessage) -> String;

/// A lint run, shaped by `hooks`.
pub fn run_with(args: &Args, hooks: Hooks<'_>) -> i32 {
    let (mut options, config_excludes) = match options(args) {
        Ok(found) => found,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let excludes: Vec<String> = config_excludes
        .into_iter()
        .chain(args.exclude.iter().cloned())
        .collect();
    let exclude = match exclude_set(&excludes) {
        Ok(set) => set,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    if args.paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        eprintln!("error: `-` (stdin) can be given only once");
        return EXIT_USAGE;
    }
    if args.fix && args.paths.iter().any(|p| p.as_os_str() == "-") {
        eprintln!(
            "error: `--fix` cannot fix input read from stdin (`-`): it rewrites files in place"
        );
        return EXIT_USAGE;
    }
    let stdin_name = args.stdin_filename.as_deref().unwrap_or("<stdin>");
    // `--diff`/`--staged` (src/diff.rs): git names the changed files, and their changed lines.
    let changed = match crate::diff::changed(args, &exclude) {
        Ok(changed) => changed,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let add_missing = hooks.files.is_none();
    let mut sources: Vec<(String, Found)> = match hooks.files {
        Some(files) => files
            .into_iter()
            .filter(|(name, _)| !crate::cargo::is_excluded(name, &exclude))
            .map(|(name, path)| (name, Found::File(path)))
            .collect(),
        // `--diff`/`--staged` without PATHs lint only the changed files.
        None if changed.is_some() && !args.paths_given => Vec::new(),
        None => discover(&args.paths, &exclude)
            .into_iter()
            .map(|found| match &found {
                Found::File(path) | Found::Error { path, .. } => (display_name(path), found),
                Found::Stdin => (stdin_name.to_string(), found),
            })
            .collect(),
    };
    let mut changes = match changed
        .map(|c| c.fit(&mut sources, add_missing))
        .transpose()
    {
        Ok(changes) => changes,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    // `--report-only FILE`: the indices of the sources whose findings are reported.
    let reported = match &args.report_only {
        Some(file) => match crate::report_only::select(file, &mut sources, add_missing, &exclude) {
            Ok(reported) => Some(reported),
            Err(message) => {
                eprintln!("error: {message}");
                return EXIT_USAGE;
            }
        },
        None => changes.as_ref().map(crate::diff::Changes::reported),
    };
    // A `rust-project.json` names the crates: their roots and names.
    options.crate_roots =
        match crate::project::crate_roots(args.project.as_deref(), &args.paths, &sources) {
            Ok(roots) => roots,
            Err(message) => {
                eprintln!("error: {message}");
                return EXIT_USAGE;
            }
        };
    let fix_paths = args
        .fix
        .then(|| crate::fix::fixable_paths(&sources, reported.as_ref()));
    let inputs: Vec<Input> = sources
        .into_iter()
        .enumerate()
        .map(|(index, (name, found))| {
            // `--staged`: the index's text, not the work tree's.
            if let Some(content) = changes.as_mut().and_then(|c| c.take_text(index)) {
                return Input { name, content };
            }
            let content = match found {
                Found::File(path) => read_source(&path),
                Found::Stdin => read_stdin(&name),
                Found::Error { message, .. } => Err(InputError::new(message)),
            };
            Input { name, content }
        })
        .collect();
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let analysis = match fix_paths {
        Some(paths) => match crate::fix::run(inputs, paths, &options, threads, args.allow_dirty) {
            Ok(analysis) => analysis,
            Err(code) => return code,
        },
        // A lint run is the last thing this process does.
        None => crate::cache::analyze_cached(
            inputs,
            &options,
            threads,
            !args.no_cache,
            devref_lints::Teardown::Exit,
        ),
    };
    let mut diagnostics: Vec<Diagnostic> = analysis.diagnostics;
    if let Some(reported) = &reported {
        diagnostics.retain(|d| {
            d.places()
                .any(|span| reported.contains(&(span.file.0 as usize)))
        });
    }
    if let Some(changes) = &changes {
        changes.retain(&mut diagnostics, &analysis.files);
    }

    let written = match args.message_format {
        MessageFormat::Human => {
            let mut stderr = StandardStream::stderr(color_choice(args.color));
            render::human(&diagnostics, &analysis.files, &mut stderr)
        }
        MessageFormat::Json => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            diagnostics.iter().try_for_each(|diagnostic| {
                let json = render::rustc_json(diagnostic, &analysis.files);
                match (
                    &hooks.wrap_json,
                    analysis.files.get(diagnostic.primary.file.0 as usize),
                ) {
                    (Some(wrap), Some(file)) => writeln!(out, "{}", wrap(file, json)),
                    _ => writeln!(out, "{}", json.to_json()),
                }
            })
        }
        MessageFormat::Short => formats::to_stdout(&formats::short(&diagnostics, &analysis.files)),
        MessageFormat::Sarif => {
            formats::to_stdout(&formats::sarif_text(&diagnostics, &analysis.files))
        }
        MessageFormat::Github => {
            formats::to_stdout(&formats::github(&diagnostics, &analysis.files))
        }
        MessageFormat::Checkpatch => formats::to_stdout(&formats::checkpatch(
            &diagnostics,
            &analysis.files,
            |file| {
                reported
                    .as_ref()
                    .is_none_or(|reported| reported.contains(&(file.id.0 as usize)))
            },
        )),
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

/// The analysis options: the config file (found upwards from the current directory, or
/// `--config`), then the command line. Also returns the config's excludes.
pub fn options(args: &Args) -> Result<(Options, Vec<String>), String> {
    let path = match &args.config {
        Some(path) => Some(path.clone()),
        None => std::env::current_dir()
            .ok()
            .and_then(|cwd| config::find(&cwd)),
    };
    let config = match &path {
        Some(path) => config::load(path)?,
        None => config::Config::default(),
    };
    let mut levels = LevelSpec {
        settings: config.levels,
        cap: args.levels.cap_lints.map(|cap| cap.level()),
    };
    levels.settings.extend(args.level_settings()?);
    let options = Options {
        levels,
        devices: config.devices,
        get_put: config.get_put,
        refcount_functions: config.refcount_functions,
        refcount_vocabulary: config.refcount_vocabulary,
        lint_cfg_test: config.lint_cfg_test,
        crate_roots: Vec::new(),
        parse_everything: false,
    };
    Ok((options, config.exclude))
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

/// Reads a source file, refusing what is not a regular file of UTF-8 text.
pub fn read_source(path: &Path) -> Result<String, InputError> {
    let name = display_name(path);
    let cannot_read =
        |error: std::io::Error| InputError::new(format!("cannot read `{name}`: {error}"));
    // Discovery lists only regular files, but the file may have been replaced since; reading a
    // FIFO would block for ever.
    let metadata = std::fs::metadata(path).map_err(cannot_read)?;
    if let Some(message) = not_regular(path, &metadata) {
        return Err(InputError::new(message));
    }
    let bytes = std::fs::read(path).map_err(cannot_read)?;
    decode(&name, bytes)
}

fn read_stdin(name: &str) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|error| InputError::new(format!("cannot read `{name}` from stdin: {error}")))?;
    decode(name, bytes)
}

/// The text of a file, or why it is not Rust source: a NUL byte early on marks a binary file; for
/// text that is not UTF-8 the error shows the file decoded lossily and points at the first bad
/// byte.
pub(crate) fn decode(name: &str, bytes: Vec<u8>) -> Result<String, InputError> {
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(InputError::new(format!(
            "`{name}` is a binary file, not Rust source"
        )));
    }
    String::from_utf8(bytes).map_err(|error| {
        let utf8 = error.utf8_error();
        let offset = utf8.valid_up_to();
        let bytes = error.as_bytes();
        let bad_len = utf8.error_len().unwrap_or(bytes.len() - offset);
        let bad: Vec<String> = bytes[offset..offset + bad_len]
            .iter()
            .map(|b| format!("0x{b:02x}"))
            .collect();
        InputError {
            message: format!(
                "`{name}` is not valid UTF-8: invalid byte{} {} at byte offset {offset}",
                if bad_len == 1 { "" } else { "s" },
                bad.join(" "),
            ),
            text: String::from_utf8_lossy(bytes).into_owned(),
            // The first bad sequence is one U+FFFD (3 bytes) in the lossy text.
            span: offset..offset + '\u{fffd}'.len_utf8(),
        }
    })
}
