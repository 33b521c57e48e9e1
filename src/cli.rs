//! Command-line arguments.

use std::path::PathBuf;

use clap::{
    ArgMatches, Args as ClapArgs, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum,
};
use devref_lints::levels::Selector;
use devref_lints::Level;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// rustc-style diagnostics on stderr.
    Human,
    /// One rustc diagnostic JSON object per line on stdout.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CapLevel {
    Allow,
    Warn,
    Deny,
    Forbid,
}

impl CapLevel {
    pub fn level(self) -> Level {
        match self {
            CapLevel::Allow => Level::Allow,
            CapLevel::Warn => Level::Warn,
            CapLevel::Deny => Level::Deny,
            CapLevel::Forbid => Level::Forbid,
        }
    }
}

/// Finds Linux kernel device references in Rust code that can outlive the driver's unbind, and
/// checks that safety contracts state the device reference count.
#[derive(Debug, Parser)]
#[command(
    name = "devref",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub check: Args,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every lint with its group, default level and summary.
    Lints {
        /// Print `docs/lints.md` instead.
        #[arg(long)]
        markdown: bool,
    },
    /// Print the full documentation of a lint.
    Explain {
        /// The lint, with or without `devref::`.
        lint: String,
    },
}

/// Options of a lint run (`devref [OPTIONS] [PATH]...`).
#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    /// Files and directories to lint (`-` reads one file from stdin). Directories are searched for
    /// `*.rs`, skipping `target/` and hidden directories.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Skip files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// The file name to report for input read from stdin.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    #[arg(long, value_enum, default_value_t = MessageFormat::Human, value_name = "FMT")]
    pub message_format: MessageFormat,

    /// When to colour human output (`NO_COLOR` turns `auto` off).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Worker threads (default: the number of CPUs).
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(usize))]
    pub jobs: Option<usize>,

    /// Read this configuration file instead of searching for `devref.toml` / `.devref.toml`.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Set lint, group or `warnings` to allow (repeatable; applied in order after the config).
    #[arg(short = 'A', long = "allow", value_name = "LINT")]
    pub allow: Vec<String>,

    /// Set lint, group or `warnings` to warn.
    #[arg(short = 'W', long = "warn", value_name = "LINT")]
    pub warn: Vec<String>,

    /// Set lint, group or `warnings` to deny.
    #[arg(short = 'D', long = "deny", value_name = "LINT")]
    pub deny: Vec<String>,

    /// Set lint, group or `warnings` to forbid (no later setting lowers it).
    #[arg(short = 'F', long = "forbid", value_name = "LINT")]
    pub forbid: Vec<String>,

    /// Lower every lint's level to at most this one.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub cap_lints: Option<CapLevel>,

    /// `-A/-W/-D/-F` settings in command-line order (filled by [`parse_from`]).
    #[arg(skip)]
    pub level_flags: Vec<(String, Level)>,
}

impl Args {
    /// The `-A/-W/-D/-F` settings as selectors, or the first unknown name.
    pub fn level_settings(&self) -> Result<Vec<(Selector, Level)>, String> {
        self.level_flags
            .iter()
            .map(|(name, level)| {
                Selector::parse(name)
                    .map(|selector| (selector, *level))
                    .ok_or_else(|| format!("unknown lint or group `{name}` (see `devref lints`)"))
            })
            .collect()
    }
}

/// Parses a command line, keeping the relative order of the level flags as rustc does.
pub fn parse_from<I, T>(argv: I, bin_name: &str) -> (Cli, ArgMatches)
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = Cli::command().bin_name(bin_name).get_matches_from(argv);
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    cli.check.level_flags = ordered_level_flags(&matches);
    (cli, matches)
}

fn ordered_level_flags(matches: &ArgMatches) -> Vec<(String, Level)> {
    let mut flags: Vec<(usize, String, Level)> = Vec::new();
    for (id, level) in [
        ("allow", Level::Allow),
        ("warn", Level::Warn),
        ("deny", Level::Deny),
        ("forbid", Level::Forbid),
    ] {
        let (Some(values), Some(indices)) =
            (matches.get_many::<String>(id), matches.indices_of(id))
        else {
            continue;
        };
        for (value, index) in values.zip(indices) {
            flags.push((index, value.clone(), level));
        }
    }
    flags.sort_by_key(|(index, _, _)| *index);
    flags
        .into_iter()
        .map(|(_, name, level)| (name, level))
        .collect()
}
