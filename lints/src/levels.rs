//! Lint levels from configuration and the command line, applied in order like rustc's
//! `-A/-W/-D/-F` flags, then capped by `--cap-lints`.

use crate::lint::{Group, Level, Lint};
use crate::lints;

/// What a level setting applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selector {
    Lint(&'static Lint),
    Group(Group),
    /// rustc's `warnings`: every lint whose level is `warn` once the other settings are applied.
    Warnings,
}

impl Selector {
    /// `raw_device_ptr_field`, `devref::raw_device_ptr_field`, a group name, or `warnings`.
    pub fn parse(name: &str) -> Option<Selector> {
        let name = name.strip_prefix("devref::").unwrap_or(name);
        if name == "warnings" {
            return Some(Selector::Warnings);
        }
        if let Some(group) = Group::from_name(name) {
            return Some(Selector::Group(group));
        }
        lints::find(name).map(Selector::Lint)
    }
}

#[derive(Clone, Debug, Default)]
pub struct LevelSpec {
    /// In order: configuration first, then the command line.
    pub settings: Vec<(Selector, Level)>,
    pub cap: Option<Level>,
}

impl LevelSpec {
    pub fn level_of(&self, lint: &Lint) -> Level {
        let mut level = lint.default_level;
        for (selector, setting) in &self.settings {
            let applies = match selector {
                Selector::Lint(target) => target.name == lint.name,
                Selector::Group(group) => *group == lint.group,
                Selector::Warnings => false,
            };
            // Like rustc, nothing lowers a `forbid`.
            if applies && level != Level::Forbid {
                level = *setting;
            }
        }
        for (selector, setting) in &self.settings {
            if *selector == Selector::Warnings && level == Level::Warn {
                level = *setting;
            }
        }
        match self.cap {
            Some(cap) if level > cap => cap,
            _ => level,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lints::raw_device_ptr_field::RAW_DEVICE_PTR_FIELD;
    use crate::lints::static_device_ref::STATIC_DEVICE_REF;

    fn spec(settings: &[(&str, Level)], cap: Option<Level>) -> LevelSpec {
        LevelSpec {
            settings: settings
                .iter()
                .map(|(name, level)| (Selector::parse(name).expect("known selector"), *level))
                .collect(),
            cap,
        }
    }

    #[test]
    fn defaults_come_from_the_group() {
        let levels = LevelSpec::default();
        assert_eq!(levels.level_of(&RAW_DEVICE_PTR_FIELD), Level::Warn);
        assert_eq!(levels.level_of(&STATIC_DEVICE_REF), Level::Deny);
    }

    #[test]
    fn later_settings_win_and_groups_apply() {
        let levels = spec(
            &[
                ("suspicious", Level::Deny),
                ("raw_device_ptr_field", Level::Allow),
            ],
            None,
        );
        assert_eq!(levels.level_of(&RAW_DEVICE_PTR_FIELD), Level::Allow);
        let levels = spec(
            &[
                ("raw_device_ptr_field", Level::Allow),
                ("devref::suspicious", Level::Deny),
            ],
            None,
        );
        assert_eq!(levels.level_of(&RAW_DEVICE_PTR_FIELD), Level::Deny);
    }

    #[test]
    fn warnings_turns_only_warnings_into_errors() {
        let levels = spec(&[("warnings", Level::Deny)], None);
        assert_eq!(levels.level_of(&RAW_DEVICE_PTR_FIELD), Level::Deny);
        let levels = spec(
            &[
                ("warnings", Level::Deny),
                ("raw_device_ptr_field", Level::Allow),
            ],
            None,
        );
        assert_eq!(levels.level_of(&RAW_DEVICE_PTR_FIELD), Level::Allow);
    }

    #[test]
    fn forbid_is_not_lowered_and_cap_limits() {
        let levels = spec(
            &[
                ("raw_device_ptr_field", Level::Forbid),
                ("suspicious", Level::Allow),
            ],
            None,
        );
        assert_eq!(levels.level_of(&RAW_DEVICE_PTR_FIELD), Level::Forbid);
        let levels = spec(&[], Some(Level::Warn));
        assert_eq!(levels.level_of(&STATIC_DEVICE_REF), Level::Warn);
    }

    #[test]
    fn unknown_names_do_not_parse() {
        assert_eq!(Selector::parse("no_such_lint"), None);
        assert_eq!(Selector::parse("devref::"), None);
    }
}
