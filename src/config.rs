//! `devref.toml` / `.devref.toml`: lint levels, extra device types, refcount vocabulary, excludes.
//!
//! ```toml
//! exclude = ["drivers/staging/**"]
//! lint_cfg_test = false            # items under #[cfg(test)]: not part of the build
//! docs_url = "https://example.org/devref/docs/lints.md"   # SARIF rules' helpUri: URL#<lint>
//!
//! [lints]
//! raw_device_ptr_field = "deny"
//! safety_docs = "allow"
//!
//! [devices]
//! "kernel::widget::Device" = "widget_device"
//!
//! [refcount]
//! functions = ["widget_from_raw"]
//! vocabulary = ["holds a kref"]
//! get_put = ["widget_get", "widget_put"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use devref_lints::levels::{LevelSpec, Selector};
use devref_lints::options::Options;
use devref_lints::Level;
use globset::GlobSet;
use serde::Deserialize;
use toml::Spanned;

use crate::cli::LevelArgs;
use crate::discover::exclude_set;

pub const FILE_NAMES: [&str; 2] = ["devref.toml", ".devref.toml"];

#[derive(Debug, Default)]
pub struct Config {
    /// Where it was read from; `None` when no file was found.
    pub path: Option<PathBuf>,
    pub levels: Vec<(Selector, Level)>,
    /// `(Rust path, C type)` pairs for the device catalogue.
    pub devices: Vec<(String, String)>,
    pub refcount_functions: Vec<String>,
    pub refcount_vocabulary: Vec<String>,
    pub get_put: Vec<String>,
    pub exclude: Vec<String>,
    /// Lint items under `#[cfg(test)]` too.
    pub lint_cfg_test: bool,
    /// Where `docs/lints.md` is published, for SARIF's `helpUri`.
    pub docs_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    lints: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    devices: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    refcount: RawRefcount,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    lint_cfg_test: bool,
    docs_url: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRefcount {
    #[serde(default)]
    functions: Vec<String>,
    #[serde(default)]
    vocabulary: Vec<String>,
    #[serde(default)]
    get_put: Vec<String>,
}

/// What a lint run is set up with, from the config file and the command line.
pub struct Setup {
    pub options: Options,
    pub exclude: GlobSet,
    /// `docs_url` of the config file.
    pub docs_url: Option<String>,
}

/// What a run is set up with: the analysis options and the exclude globs, from the config file
/// (`config`, or the nearest one upwards from the current directory), then the command line's
/// levels and `--exclude` globs.
pub fn options(
    config: Option<&Path>,
    levels: &LevelArgs,
    excludes: &[String],
) -> Result<(Options, GlobSet), String> {
    setup(config, levels, excludes).map(|setup| (setup.options, setup.exclude))
}

/// [`options`], and the rest of the config file that a lint run uses.
pub fn setup(
    config: Option<&Path>,
    levels: &LevelArgs,
    excludes: &[String],
) -> Result<Setup, String> {
    let path = match config {
        Some(path) => Some(path.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|cwd| find(&cwd)),
    };
    let config = match &path {
        Some(path) => load(path)?,
        None => Config::default(),
    };
    let mut level_spec = LevelSpec {
        settings: config.levels,
        cap: levels.cap_lints.map(|cap| cap.level()),
    };
    level_spec.settings.extend(levels.selectors()?);
    let globs: Vec<String> = config
        .exclude
        .into_iter()
        .chain(excludes.iter().cloned())
        .collect();
    let options = Options {
        levels: level_spec,
        devices: config.devices,
        get_put: config.get_put,
        refcount_functions: config.refcount_functions,
        refcount_vocabulary: config.refcount_vocabulary,
        lint_cfg_test: config.lint_cfg_test,
        crate_roots: Vec::new(),
        parse_everything: false,
        tree_budget: None,
    };
    Ok(Setup {
        options,
        exclude: exclude_set(&globs)?,
        docs_url: config.docs_url,
    })
}

/// Checks a docs address for SARIF's `helpUri`: an absolute `http(s)` URL without a fragment
/// (each rule's is `URL#<lint>`), with nothing a URI cannot hold.
pub fn check_docs_url(url: &str) -> Result<String, String> {
    let absolute = ["https://", "http://"].iter().any(|scheme| {
        url.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty())
    });
    let plain = url.chars().all(|c| {
        c.is_ascii_graphic()
            && !matches!(
                c,
                '#' | '"' | '<' | '>' | '\\' | '`' | '{' | '}' | '|' | '^'
            )
    });
    if absolute && plain {
        Ok(url.to_string())
    } else {
        Err(format!(
            "`{}` is not an absolute http(s) URL without a fragment (the address of \
             docs/lints.md, e.g. `https://example.org/devref/docs/lints.md`)",
            url.escape_debug()
        ))
    }
}

/// The nearest config file from `start` upwards.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    start.ancestors().find_map(|dir| {
        FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Reads and checks a config file. Errors name the file, the line and the key.
pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read `{}`: {error}", path.display()))?;
    parse(path, &text)
}

pub fn parse(path: &Path, text: &str) -> Result<Config, String> {
    let at =
        |span: std::ops::Range<usize>| format!("{}:{}", path.display(), line_of(text, span.start));
    let raw: RawConfig = toml::from_str(text).map_err(|error| {
        let place = error.span().map_or_else(|| path.display().to_string(), at);
        format!("{place}: invalid configuration: {}", error.message().trim())
    })?;
    let mut config = Config {
        path: Some(path.to_path_buf()),
        exclude: raw.exclude,
        refcount_functions: raw.refcount.functions,
        refcount_vocabulary: raw.refcount.vocabulary,
        get_put: raw.refcount.get_put,
        lint_cfg_test: raw.lint_cfg_test,
        ..Config::default()
    };
    if let Some(url) = &raw.docs_url {
        let checked = check_docs_url(url.get_ref())
            .map_err(|why| format!("{}: docs_url: {why}", at(url.span())))?;
        config.docs_url = Some(checked);
    }
    for (name, level) in &raw.lints {
        let selector = Selector::parse(name.get_ref()).ok_or_else(|| {
            format!(
                "{}: unknown lint or group `{}` in [lints]",
                at(name.span()),
                name.get_ref()
            )
        })?;
        let parsed = Level::parse(level.get_ref()).ok_or_else(|| {
            format!(
                "{}: invalid level `{}` for `{}` in [lints] (expected \"allow\", \"warn\", \"deny\" or \"forbid\")",
                at(level.span()),
                level.get_ref(),
                name.get_ref()
            )
        })?;
        config.levels.push((selector, parsed));
    }
    for (rust_path, c_type) in &raw.devices {
        let valid_path = rust_path.get_ref().split("::").all(is_identifier);
        if !valid_path {
            return Err(format!(
                "{}: `{}` in [devices] is not a Rust path",
                at(rust_path.span()),
                rust_path.get_ref()
            ));
        }
        let c_name = c_type
            .get_ref()
            .strip_prefix("bindings::")
            .unwrap_or(c_type.get_ref());
        if !is_identifier(c_name) {
            return Err(format!(
                "{}: `{}` in [devices] is not a C type name",
                at(c_type.span()),
                c_type.get_ref()
            ));
        }
        config
            .devices
            .push((rust_path.get_ref().clone(), c_name.to_string()));
    }
    Ok(config)
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Config, String> {
        parse(Path::new("devref.toml"), text)
    }

    #[test]
    fn reads_every_section() {
        let config = parse_str(
            r#"
exclude = ["drivers/staging/**"]

[lints]
raw_device_ptr_field = "deny"
safety_docs = "allow"

[devices]
"kernel::widget::Device" = "bindings::widget_device"

[refcount]
functions = ["widget_from_raw"]
vocabulary = ["holds a kref"]
get_put = ["widget_get", "widget_put"]
"#,
        )
        .expect("valid");
        assert_eq!(config.exclude, ["drivers/staging/**"]);
        assert_eq!(config.levels.len(), 2);
        assert_eq!(
            config.devices,
            [(
                "kernel::widget::Device".to_string(),
                "widget_device".to_string()
            )]
        );
        assert_eq!(config.get_put, ["widget_get", "widget_put"]);
        assert_eq!(config.refcount_vocabulary, ["holds a kref"]);
        assert_eq!(config.refcount_functions, ["widget_from_raw"]);
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let error =
            parse_str("[lints]\nraw_device_ptr_field = \"warn\"\n\n[refcount]\nwords = []\n")
                .unwrap_err();
        assert!(
            error.starts_with("devref.toml:5: invalid configuration: unknown field `words`"),
            "{error}"
        );
        let error = parse_str("colour = true\n").unwrap_err();
        assert!(
            error.starts_with("devref.toml:1: invalid configuration: unknown field `colour`"),
            "{error}"
        );
    }

    #[test]
    fn unknown_lints_and_bad_levels_name_the_key() {
        let error = parse_str("[lints]\n\nno_such_lint = \"warn\"\n").unwrap_err();
        assert_eq!(
            error,
            "devref.toml:3: unknown lint or group `no_such_lint` in [lints]"
        );
        let error = parse_str("[lints]\nsuspicious = \"loud\"\n").unwrap_err();
        assert_eq!(
            error,
            "devref.toml:2: invalid level `loud` for `suspicious` in [lints] (expected \"allow\", \"warn\", \"deny\" or \"forbid\")"
        );
    }

    #[test]
    fn bad_values_and_device_names() {
        let error = parse_str("exclude = \"one\"\n").unwrap_err();
        assert!(
            error.starts_with("devref.toml:1: invalid configuration:"),
            "{error}"
        );
        let error = parse_str("[devices]\n\"kernel::a b\" = \"x\"\n").unwrap_err();
        assert_eq!(
            error,
            "devref.toml:2: `kernel::a b` in [devices] is not a Rust path"
        );
        let error = parse_str("[devices]\n\"kernel::w::Device\" = \"struct w\"\n").unwrap_err();
        assert_eq!(
            error,
            "devref.toml:2: `struct w` in [devices] is not a C type name"
        );
    }
}
