//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

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

/// Finds Linux kernel device references in Rust code that can outlive the driver's unbind, and
/// checks that safety contracts state the device reference count.
#[derive(Debug, Parser)]
#[command(name = "devref", version, about)]
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
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
}
