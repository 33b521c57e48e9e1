//! The run, top-down: a subcommand, or a lint run: plan (arguments → options and the sources,
//! read) → analyze → filter (the findings to report) → emit (the output, and the exit code).

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use codespan_reporting::term::termcolor::{ColorChoice as TermColor, StandardStream};
use devref_lints::analysis::InputError;
use devref_lints::options::Options;
use devref_lints::{Diagnostic, Input, SourceFile};

use crate::cli::{Args, Cli, ColorChoice, Command, MessageFormat};
use crate::config;
use crate::discover::{discover, is_excluded, Found};
use crate::exit::{for_findings, usage_error, EXIT_CLEAN};
use crate::formats;
use crate::input::{read_source, read_stdin};
use crate::render::{self, RustcMessage};

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
                None => usage_error(format!("no lint named `{lint}` (see `devref lints`)")),
            }
        }
        Some(Command::InstallHook { force }) => crate::hook::install(force),
        Some(Command::Review(review)) => crate::review::run(&review),
        Some(Command::Bot(bot)) => crate::bot::run(&bot),
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

/// A lint run, shaped by `hooks`: plan → analyze → filter → emit.
pub fn run_with(args: &Args, hooks: Hooks<'_>) -> i32 {
    let plan = match plan(args, hooks.files) {
        Ok(plan) => plan,
        Err(message) => return usage_error(message),
    };
    let Plan {
        options,
        docs_url,
        inputs,
        fix_paths,
        reported,
        changes,
    } = plan;
    let threads = crate::cli::threads(args.jobs);
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
            reported.as_ref(),
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
    emit(
        args,
        hooks.wrap_json,
        &diagnostics,
        &analysis.files,
        reported.as_ref(),
        docs_url.as_deref(),
    );
    let stopped = diagnostics.iter().any(|d| d.level.is_error());
    if stopped && args.commit_hook {
        eprint!("{}", crate::hook::STOPPED_COMMIT_HELP);
    }
    for_findings(stopped)
}

/// What a lint run analyses and reports, worked out before any analysis.
struct Plan {
    options: Options,
    /// Where `docs/lints.md` is published (`--docs-url`, else the config's `docs_url`).
    docs_url: Option<String>,
    /// The sources, read (with `--staged`, from the index).
    inputs: Vec<Input>,
    /// `--fix`: the path of each input that may be rewritten.
    fix_paths: Option<Vec<Option<PathBuf>>>,
    /// The indices of the inputs whose findings are reported (`None`: all).
    reported: Option<HashSet<usize>>,
    /// `--diff`/`--staged`: the changed lines.
    changes: Option<crate::diff::Changes>,
}

/// The options and the sources of a run, read; an error is a bad invocation.
fn plan(args: &Args, files: Option<Vec<(String, PathBuf)>>) -> Result<Plan, String> {
    let config::Setup {
        mut options,
        exclude,
        docs_url,
    } = config::setup(args.config.as_deref(), &args.levels, &args.exclude)?;
    let docs_url = match &args.docs_url {
        Some(url) => Some(config::check_docs_url(url).map_err(|why| format!("--docs-url: {why}"))?),
        None => docs_url,
    };
    if args.paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err("`-` (stdin) can be given only once".to_string());
    }
    if args.fix && args.paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(
            "`--fix` cannot fix input read from stdin (`-`): it rewrites files in place"
                .to_string(),
        );
    }
    let stdin_name = args.stdin_filename.as_deref().unwrap_or("<stdin>");
    // `--diff`/`--staged` (src/diff.rs): git names the changed files, and their changed lines.
    let changed = crate::diff::changed(args, &exclude)?;
    let add_missing = files.is_none();
    let mut sources: Vec<(String, Found)> = match files {
        Some(files) => files
            .into_iter()
            .filter(|(name, _)| !is_excluded(Path::new(name), &exclude))
            .map(|(name, path)| (name, Found::File(path)))
            .collect(),
        // `--diff`/`--staged` without PATHs lint only the changed files.
        None if changed.is_some() && !args.paths_given => Vec::new(),
        None => discover(&args.paths, &exclude)
            .into_iter()
            .map(|found| match &found {
                Found::File(path) | Found::Error { path, .. } => {
                    (path.to_string_lossy().into_owned(), found)
                }
                Found::Stdin => (stdin_name.to_string(), found),
            })
            .collect(),
    };
    let mut changes = changed
        .map(|c| c.fit(&mut sources, add_missing))
        .transpose()?;
    // `--report-only FILE`: the indices of the sources whose findings are reported.
    let reported = match &args.report_only {
        Some(file) => Some(crate::report_only::select(
            file,
            &mut sources,
            add_missing,
            &exclude,
        )?),
        None => changes.as_ref().map(crate::diff::Changes::reported),
    };
    // A `rust-project.json` names the crates: their roots and names.
    options.crate_roots =
        crate::project::crate_roots(args.project.as_deref(), &args.paths, &sources)?;
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
    Ok(Plan {
        options,
        docs_url,
        inputs,
        fix_paths,
        reported,
        changes,
    })
}

/// Writes the diagnostics in the chosen format; a closed pipe (`devref | head`) is not reported.
fn emit(
    args: &Args,
    wrap_json: Option<WrapJson<'_>>,
    diagnostics: &[Diagnostic],
    files: &[SourceFile],
    reported: Option<&HashSet<usize>>,
    docs_url: Option<&str>,
) {
    let written = match args.message_format {
        MessageFormat::Human => {
            let mut stderr = StandardStream::stderr(color_choice(args.color));
            render::human(diagnostics, files, &mut stderr)
        }
        MessageFormat::Json => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            diagnostics.iter().try_for_each(|diagnostic| {
                let json = render::rustc_json(diagnostic, files);
                match (&wrap_json, files.get(diagnostic.primary.file.0 as usize)) {
                    (Some(wrap), Some(file)) => writeln!(out, "{}", wrap(file, json)),
                    _ => writeln!(out, "{}", json.to_json()),
                }
            })
        }
        MessageFormat::Short => formats::to_stdout(&formats::short(diagnostics, files)),
        MessageFormat::Sarif => {
            formats::to_stdout(&formats::sarif_text(diagnostics, files, docs_url))
        }
        MessageFormat::Github => formats::to_stdout(&formats::github(diagnostics, files)),
        MessageFormat::Checkpatch => {
            formats::to_stdout(&formats::checkpatch(diagnostics, files, |file| {
                reported.is_none_or(|reported| reported.contains(&(file.id.0 as usize)))
            }))
        }
    };
    if let Err(error) = written {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {error}");
        }
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
