//! Exit codes, as documented in the README, and the one way a command reports a usage error.

/// No error-level finding.
pub const EXIT_CLEAN: i32 = 0;
/// An error-level finding (or, for `devref review`, a patch that does not apply).
pub const EXIT_ERRORS: i32 = 1;
/// A bad invocation, or input that cannot be used at all.
pub const EXIT_USAGE: i32 = 2;

/// Prints `error: MESSAGE` on stderr, as rustc and cargo do, and returns [`EXIT_USAGE`].
pub fn usage_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

/// The exit code of a run that did or did not find errors.
pub fn for_findings(has_errors: bool) -> i32 {
    if has_errors {
        EXIT_ERRORS
    } else {
        EXIT_CLEAN
    }
}
