//! `cargo devref`: lints the targets of cargo packages.
//!
//! `cargo metadata --no-deps` names the packages of the workspace and each target's root module
//! (`src_path`). From each root, devref follows the out-of-line `mod` declarations (`mod x;`,
//! `#[path = "…"] mod x;`, also inside inline modules) with the def map's own rules
//! ([`devref_lints::analysis::declared_modules`]), so it lints exactly the files the crates are
//! built from, and the def map then links them into the same module trees. A `.rs` file that no
//! module tree reaches is not linted; a `mod x;` whose file does not exist is skipped, as rustc
//! would reject it anyway (E0583) and there is nothing in it to lint.
//!
//! With `--message-format json`, every diagnostic is wrapped in cargo's `compiler-message`, naming
//! the package and target whose module tree reached the file, and the run ends with cargo's
//! `build-finished` message, so that tools that read `cargo check --message-format json` (such as
//! rust-analyzer's `check.overrideCommand`) read devref's findings.

use std::collections::{HashMap, HashSet, VecDeque};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use cargo_metadata::camino::{Utf8Path, Utf8PathBuf};
use cargo_metadata::{Metadata, MetadataCommand, Package, PackageId, Target};
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser};
use devref_lints::analysis::declared_modules;
use devref_lints::SourceFile;
use serde::Serialize;

use crate::cli::{ordered_level_flags, Args, Cli, Command, MessageFormat};
use crate::driver::{self, Hooks};
use crate::exit::{usage_error, EXIT_CLEAN, EXIT_USAGE};
use crate::render::RustcMessage;

/// Finds Linux kernel device references in Rust code that can outlive the driver's unbind, in
/// cargo packages: the files that the module trees of the selected targets reach.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-devref",
    bin_name = "cargo devref",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "Without PATHs, lints the selected packages (found through `cargo metadata`). \
                  With `--message-format json`, prints cargo's JSON messages: a \
                  `compiler-message` per finding, then `build-finished`."
)]
pub struct CargoCli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub selection: Selection,

    #[command(flatten)]
    pub check: Args,
}

/// Which packages and targets to lint, as cargo selects them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Selection {
    /// Path to the `Cargo.toml` of the package or workspace (default: the nearest one upwards from
    /// the current directory).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,

    /// Lint this package of the workspace (repeatable): a name, `name@version`, or a package ID.
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    pub packages: Vec<String>,

    /// Lint every package of the workspace.
    #[arg(long, conflicts_with = "packages")]
    pub workspace: bool,

    /// Lint tests, examples and benches too, not only libraries and binaries.
    #[arg(long)]
    pub all_targets: bool,
}

impl Selection {
    fn is_given(&self) -> bool {
        self.manifest_path.is_some()
            || !self.packages.is_empty()
            || self.workspace
            || self.all_targets
    }
}

/// Runs `cargo-devref` with its command line (`argv[1]` is `devref` when cargo runs it) and
/// returns the exit code.
pub fn main(mut argv: Vec<OsString>) -> i32 {
    if argv.get(1).is_some_and(|arg| arg == "devref") {
        argv.remove(1);
    }
    let matches = CargoCli::command().get_matches_from(argv);
    let mut cli = CargoCli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    cli.check.levels.level_flags = ordered_level_flags(&matches);
    if cli.command.is_some() {
        return driver::dispatch(Cli {
            command: cli.command,
            check: cli.check,
        });
    }
    // Paths on the command line are linted as `devref PATHS` lints them.
    if matches.value_source("paths") == Some(ValueSource::CommandLine) {
        if cli.selection.is_given() {
            return usage_error(
                "PATHs cannot be combined with `--manifest-path`, `--package`, `--workspace` or \
                 `--all-targets`",
            );
        }
        return driver::run(&cli.check);
    }
    let plan = match Plan::load(&cli.selection) {
        Ok(plan) => plan,
        Err(message) => return usage_error(message),
    };
    let json = cli.check.message_format == MessageFormat::Json;
    let wrap =
        |file: &SourceFile, message: RustcMessage| plan.compiler_message(&file.name, message);
    let code = driver::run_with(
        &cli.check,
        Hooks {
            files: Some(plan.files()),
            wrap_json: if json { Some(&wrap) } else { None },
        },
    );
    if json && code != EXIT_USAGE {
        let finished = CargoMessage::BuildFinished {
            success: code == EXIT_CLEAN,
        };
        let mut out = std::io::stdout().lock();
        // A closed pipe was already reported, or is not worth reporting.
        let _ = writeln!(out, "{}", finished.to_json()).and_then(|()| out.flush());
    }
    code
}

/// The messages `cargo check --message-format json` writes that devref writes too, with the keys
/// in cargo's order.
///
/// devref's own type rather than `cargo_metadata::Message`: that one's `CompilerMessage` has no
/// `manifest_path` (which cargo writes), and its types are `#[non_exhaustive]` (constructible only
/// through that crate's optional `builder` feature). The tests read devref's lines back with
/// `cargo_metadata::Message`, as cargo's readers do.
#[derive(Debug, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
enum CargoMessage<'a> {
    /// A diagnostic of a file that the target's module tree reaches.
    CompilerMessage {
        package_id: &'a PackageId,
        manifest_path: &'a Utf8Path,
        target: &'a Target,
        message: &'a RustcMessage,
    },
    /// The last message: whether the run found no errors.
    BuildFinished { success: bool },
}

impl CargoMessage<'_> {
    /// One JSON line.
    fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a cargo message always serializes")
    }
}

/// A selected target and its package, as named in cargo's messages.
#[derive(Debug)]
struct Unit {
    package_id: PackageId,
    manifest_path: Utf8PathBuf,
    target: Target,
}

/// The files to lint, each with the first selected target whose module tree reaches it.
#[derive(Debug)]
pub struct Plan {
    workspace_root: PathBuf,
    units: Vec<Unit>,
    /// `(name, unit)`, sorted by name; names are relative to the workspace root, as cargo names
    /// files in its messages.
    files: Vec<(String, usize)>,
    unit_of: HashMap<String, usize>,
}

impl Plan {
    /// Runs `cargo metadata` and follows the module trees of the selected targets.
    pub fn load(selection: &Selection) -> Result<Plan, String> {
        let manifest = manifest_path(selection)?;
        let metadata = MetadataCommand::new()
            .manifest_path(&manifest)
            .no_deps()
            .exec()
            .map_err(|error| match error {
                cargo_metadata::Error::CargoMetadata { stderr } => {
                    let stderr = stderr.trim();
                    stderr.strip_prefix("error: ").unwrap_or(stderr).to_string()
                }
                other => format!("cannot run `cargo metadata`: {other}"),
            })?;
        let packages = select_packages(&metadata, selection)?;
        let units: Vec<Unit> = packages
            .iter()
            .flat_map(|package| {
                package
                    .targets
                    .iter()
                    .filter(|target| is_selected(target, selection.all_targets))
                    .map(|target| Unit {
                        package_id: package.id.clone(),
                        manifest_path: package.manifest_path.clone(),
                        target: target.clone(),
                    })
            })
            .collect();
        let workspace_root: PathBuf = metadata.workspace_root.clone().into();
        let trees = module_trees(&workspace_root, &units);
        let mut unit_of = HashMap::new();
        let mut files = Vec::new();
        for (unit, tree) in trees.into_iter().enumerate() {
            for name in tree {
                if !unit_of.contains_key(&name) {
                    unit_of.insert(name.clone(), unit);
                    files.push((name, unit));
                }
            }
        }
        files.sort();
        Ok(Plan {
            workspace_root,
            units,
            files,
            unit_of,
        })
    }

    /// The files to lint, as `(name, path to read)`.
    pub fn files(&self) -> Vec<(String, PathBuf)> {
        self.files
            .iter()
            .map(|(name, _)| (name.clone(), self.workspace_root.join(name)))
            .collect()
    }

    /// Cargo's `compiler-message` line for a rustc diagnostic in the file `name`, with the keys in
    /// cargo's order. A file no target reaches (there is none) would keep the bare diagnostic,
    /// which rust-analyzer reads too.
    pub fn compiler_message(&self, name: &str, message: RustcMessage) -> String {
        let Some(unit) = self.unit_of.get(name).map(|unit| &self.units[*unit]) else {
            return message.to_json();
        };
        CargoMessage::CompilerMessage {
            package_id: &unit.package_id,
            manifest_path: &unit.manifest_path,
            target: &unit.target,
            message: &message,
        }
        .to_json()
    }
}

/// `--manifest-path`, or the nearest `Cargo.toml` upwards from the current directory.
fn manifest_path(selection: &Selection) -> Result<PathBuf, String> {
    if let Some(path) = &selection.manifest_path {
        if path.file_name().is_none_or(|name| name != "Cargo.toml") {
            return Err(format!(
                "the manifest-path must be a path to a Cargo.toml file: `{}`",
                path.display()
            ));
        }
        if !path.is_file() {
            return Err(format!("manifest path `{}` does not exist", path.display()));
        }
        return Ok(path.clone());
    }
    let cwd = std::env::current_dir()
        .map_err(|error| format!("cannot read the current directory: {error}"))?;
    cwd.ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|manifest| manifest.is_file())
        .ok_or_else(|| {
            "could not find `Cargo.toml` in the current directory or any parent".to_string()
        })
}

/// The packages to lint, in `cargo metadata`'s order: `--workspace`, `-p`, or cargo's default
/// (the package of the manifest, or the default members of a virtual manifest's workspace).
fn select_packages<'m>(
    metadata: &'m Metadata,
    selection: &Selection,
) -> Result<Vec<&'m Package>, String> {
    let members = metadata.workspace_packages();
    if selection.workspace {
        return Ok(members);
    }
    if selection.packages.is_empty() {
        if metadata.workspace_default_members.is_available() {
            return Ok(metadata.workspace_default_packages());
        }
        return Ok(members);
    }
    let matches = |spec: &str, package: &Package| {
        spec == package.name.as_str()
            || spec == format!("{}@{}", package.name, package.version)
            || spec == package.id.repr
    };
    let missing: Vec<&str> = selection
        .packages
        .iter()
        .map(String::as_str)
        .filter(|spec| !members.iter().any(|package| matches(spec, package)))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "package(s) `{}` not found in workspace `{}`",
            missing.join("`, `"),
            metadata.workspace_root
        ));
    }
    Ok(members
        .into_iter()
        .filter(|package| selection.packages.iter().any(|spec| matches(spec, package)))
        .collect())
}

/// Like `cargo check` and `cargo clippy`: libraries and binaries, and with `--all-targets` also
/// tests, examples and benches. Build scripts are not linted: they run on the build host and hold
/// no device references.
fn is_selected(target: &Target, all_targets: bool) -> bool {
    let library = target.is_lib()
        || target.is_rlib()
        || target.is_dylib()
        || target.is_cdylib()
        || target.is_staticlib()
        || target.is_proc_macro();
    library
        || target.is_bin()
        || (all_targets && (target.is_test() || target.is_example() || target.is_bench()))
}

/// Syn recurses once per nesting level of an expression; the analysis' workers have stacks this
/// large too.
const PARSE_STACK: usize = 256 * 1024 * 1024;

/// The files of each unit's module tree, by name relative to `root`, root module first.
fn module_trees(root: &Path, units: &[Unit]) -> Vec<Vec<String>> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("devref-modules".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, || {
                units
                    .iter()
                    .map(|unit| {
                        let src: &Path = unit.target.src_path.as_std_path();
                        module_tree(root, &name_in(root, src))
                    })
                    .collect()
            })
            .expect("spawning a thread")
            .join()
            .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
    })
}

/// The files reached from the root module `root_name` through `mod` declarations. A file that
/// cannot be read is listed (the analysis reports it) but not followed.
fn module_tree(root: &Path, root_name: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut files = Vec::new();
    let mut queue = VecDeque::from([(root_name.to_string(), true)]);
    while let Some((name, is_root)) = queue.pop_front() {
        if !seen.insert(name.clone()) {
            continue;
        }
        files.push(name.clone());
        let Ok(text) = std::fs::read_to_string(root.join(&name)) else {
            continue;
        };
        let modules = declared_modules(&name, &text, is_root);
        // This thread keeps no syntax tree: proc-macro2's copy of the text can go.
        devref_lints::parse::forget_spans();
        for module in modules {
            if let Some(file) = module.candidates.iter().find(|c| root.join(c).is_file()) {
                queue.push_back((file.to_string_lossy().into_owned(), false));
            }
        }
    }
    files
}

/// `path` relative to `root` when it is inside it, as cargo names files; otherwise as it is.
fn name_in(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_relative_to_the_workspace_root() {
        let root = Path::new("/ws");
        assert_eq!(name_in(root, Path::new("/ws/a/src/lib.rs")), "a/src/lib.rs");
        assert_eq!(
            name_in(root, Path::new("/elsewhere/x.rs")),
            "/elsewhere/x.rs"
        );
    }
}
