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
    /// `file:line:col: level: message [devref::lint]`, one line per finding, on stdout.
    Short,
    /// One SARIF 2.1.0 document on stdout.
    Sarif,
    /// GitHub Actions workflow commands (`::warning file=…::…`) on stdout.
    Github,
    /// The layout of the kernel's `scripts/checkpatch.pl`, on stdout.
    Checkpatch,
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
    /// Install a git `pre-commit` hook that runs `devref --staged` (respects `core.hooksPath`).
    InstallHook {
        /// Replace an existing `pre-commit` hook, keeping it as `pre-commit.devref-backup`.
        #[arg(long)]
        force: bool,
    },
    /// Review patch mail and write a reply about the lines the patches add.
    Review(Box<ReviewArgs>),
    /// Review each new patch series of a public-inbox archive or a Maildir, once, and write the
    /// replies to an outbox Maildir.
    Bot(Box<BotArgs>),
}

/// What `devref bot` writes for each series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum BotFormat {
    /// Reply mails in the outbox's `new/`.
    Email,
    /// `review --format json` lines, in the outbox's `json/`.
    Json,
    /// Patchwork check lines, in the outbox's `patchwork/`.
    Patchwork,
}

/// `devref bot --inbox DIR | --maildir DIR --repo KERNEL_GIT --outbox DIR [OPTIONS]`
#[derive(Debug, Clone, clap::Args)]
pub struct BotArgs {
    /// A public-inbox v2 archive (its `git/N.git` epochs are read, one message per commit).
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "maildir",
        conflicts_with = "maildir"
    )]
    pub inbox: Option<PathBuf>,

    /// A Maildir fed by a list subscription (its `new/` and `cur/` are read, never changed).
    #[arg(long, value_name = "DIR")]
    pub maildir: Option<PathBuf>,

    /// The kernel's git repository: a series' `base-commit:` is read from its objects (no
    /// checkout, no change to it).
    #[arg(long, value_name = "KERNEL_GIT")]
    pub repo: PathBuf,

    /// The base of a series without a `base-commit:`, or whose base is not in `--repo`
    /// (default: the repository's `HEAD`).
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// The Maildir replies are written to (`new/`; made if missing), with `json/` and
    /// `patchwork/` beside.
    #[arg(long, value_name = "DIR")]
    pub outbox: PathBuf,

    /// What was read and answered (default: `OUTBOX/.devref-bot-state.json`).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// What to write for each series, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "email",
        value_name = "FMT"
    )]
    pub format: Vec<BotFormat>,

    /// Review an incomplete series once this many seconds have passed since the bot first saw
    /// its last patch.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub settle: u64,

    /// Process what is there and exit (for cron or a systemd timer); without it the bot looks
    /// again every `--interval` seconds.
    #[arg(long)]
    pub once: bool,

    /// Seconds between two looks at the input without `--once` (at least 1).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub interval: u64,

    /// The `From:` of the reply mails.
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,

    /// No reply mail for a series without findings.
    #[arg(long)]
    pub quiet_clean: bool,

    #[command(flatten)]
    pub run: ReviewRunArgs,
}

/// What `devref review` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormat {
    /// A reply mail per patch with findings, ready to send (an mbox on stdout).
    Email,
    /// One JSON object per patch, one per line.
    Json,
    /// One Patchwork check per patch, as a JSON line: `{"msgid", "subject", "check": {…}}`.
    Patchwork,
    /// The layout of the kernel's `scripts/checkpatch.pl`, per patch.
    Checkpatch,
    /// `file:line:col: level: message [devref::lint]`, post-image lines.
    Short,
}

/// `devref review [OPTIONS] [FILE]...`
#[derive(Debug, Clone, clap::Args)]
pub struct ReviewArgs {
    /// Patch mail to review: an mbox (one patch or a series), `git format-patch` output, one
    /// RFC 822 message, or a plain unified diff. `-` (the default) reads stdin.
    #[arg(value_name = "FILE", default_value = "-")]
    pub files: Vec<PathBuf>,

    /// A checkout of the series' base: modified files are patched from it, and its other `.rs`
    /// files complete the model. It is only read.
    #[arg(long, value_name = "DIR")]
    pub tree: Option<PathBuf>,

    #[arg(long, value_enum, default_value_t = ReviewFormat::Email, value_name = "FMT")]
    pub format: ReviewFormat,

    /// With `--format email`, print nothing for a series without findings.
    #[arg(long)]
    pub quiet_clean: bool,

    /// The `From:` of the reply mails (default: none, for the mailer to fill in).
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,

    /// With `--format email`, write each reply to its own file in DIR (made if missing), for
    /// `git send-email DIR`, instead of an mbox on stdout; prints the files' paths.
    #[arg(long, value_name = "DIR")]
    pub outdir: Option<PathBuf>,

    #[command(flatten)]
    pub run: ReviewRunArgs,
}

/// How `devref review` and `devref bot` run a review: what they skip, their threads, their
/// configuration and lint levels.
#[derive(Debug, Clone, clap::Args)]
pub struct ReviewRunArgs {
    /// Skip tree files and patched files matching this glob (repeatable; relative to the tree).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Worker threads (default: the number of CPUs).
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(usize))]
    pub jobs: Option<usize>,

    /// Read this configuration file instead of searching for one from the series' tree (or the
    /// current directory) upwards.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub levels: LevelArgs,

    /// Do not read or write the summaries of the tree's files in devref's cache (without them,
    /// every file of the tree is parsed for every state of the series).
    #[arg(long)]
    pub no_cache: bool,
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

    /// Take crate roots and names from this `rust-project.json` (`make LLVM=1 rust-analyzer` writes
    /// one); by default one in a linted folder is used.
    #[arg(long, value_name = "FILE")]
    pub project: Option<PathBuf>,

    #[command(flatten)]
    pub levels: LevelArgs,

    /// With `--message-format sarif`: the address where `docs/lints.md` is published; each
    /// rule's `helpUri` is `URL#<lint>` (overrides `docs_url` of the config; default: none).
    #[arg(long, value_name = "URL")]
    pub docs_url: Option<String>,

    /// Do not read or write the result cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Apply the machine-applicable suggestions to the files, then report what remains.
    #[arg(long)]
    pub fix: bool,

    /// With `--fix`, also change files that git cannot restore (uncommitted changes, untracked,
    /// or outside a git work tree).
    #[arg(long, requires = "fix")]
    pub allow_dirty: bool,

    /// Build the model over every PATH but report only the findings in FILE (an editor's check
    /// of the saved file). FILE may be absolute or relative; one not among the PATHs is linted too.
    #[arg(long, value_name = "FILE")]
    pub report_only: Option<PathBuf>,

    /// Lint the `.rs` files changed in the work tree against REV (default `HEAD`), reporting only
    /// the findings on added or changed lines. With PATHs, the model is built over them too.
    #[arg(
        long,
        value_name = "REV",
        num_args = 0..=1,
        default_missing_value = "HEAD",
        conflicts_with_all = ["staged", "fix", "report_only"]
    )]
    pub diff: Option<String>,

    /// Like `--diff`, for what is staged: lints the index's contents, not the work tree, and
    /// reports only the findings on the lines staged changes add or change.
    #[arg(long, conflicts_with_all = ["fix", "report_only"])]
    pub staged: bool,

    /// Run as a commit hook: when findings stop the commit, end with how to keep an intended
    /// finding and how to skip the hook.
    #[arg(long)]
    pub commit_hook: bool,

    /// Whether PATHs were given on the command line (filled by [`parse_from`]): `--diff` and
    /// `--staged` without them lint only the changed files.
    #[arg(skip)]
    pub paths_given: bool,
}

/// `-A/-W/-D/-F` and `--cap-lints`, shared by a lint run and `devref review`.
#[derive(Debug, Clone, Default, ClapArgs)]
pub struct LevelArgs {
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

impl LevelArgs {
    /// The `-A/-W/-D/-F` settings as selectors, in command-line order, or the first unknown name.
    pub fn selectors(&self) -> Result<Vec<(Selector, Level)>, String> {
        self.ordered()
            .iter()
            .map(|(name, level)| {
                Selector::parse(name)
                    .map(|selector| (selector, *level))
                    .ok_or_else(|| format!("unknown lint or group `{name}` (see `devref lints`)"))
            })
            .collect()
    }

    /// The level flags in command-line order; in flag-kind order when the order is not known.
    pub fn ordered(&self) -> Vec<(String, Level)> {
        if !self.level_flags.is_empty() {
            return self.level_flags.clone();
        }
        let given = |names: &[String], level: Level| {
            names
                .iter()
                .map(move |name| (name.clone(), level))
                .collect::<Vec<_>>()
        };
        [
            given(&self.allow, Level::Allow),
            given(&self.warn, Level::Warn),
            given(&self.deny, Level::Deny),
            given(&self.forbid, Level::Forbid),
        ]
        .concat()
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
    cli.check.levels.level_flags = ordered_level_flags(&matches);
    if let (Some(Command::Review(review)), Some(sub)) =
        (&mut cli.command, matches.subcommand_matches("review"))
    {
        review.run.levels.level_flags = ordered_level_flags(sub);
    }
    if let (Some(Command::Bot(bot)), Some(sub)) =
        (&mut cli.command, matches.subcommand_matches("bot"))
    {
        bot.run.levels.level_flags = ordered_level_flags(sub);
    }
    cli.check.paths_given =
        matches.value_source("paths") == Some(clap::parser::ValueSource::CommandLine);
    (cli, matches)
}

/// The `-A/-W/-D/-F` settings of parsed arguments in command-line order.
pub fn ordered_level_flags(matches: &ArgMatches) -> Vec<(String, Level)> {
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

/// Worker threads: `-j N`, else one per CPU.
pub fn threads(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
