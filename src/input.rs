//! Reading Rust source: from a file or stdin, checked to be UTF-8 text. The driver, `--staged`
//! (the index's blobs) and `devref review` (the files of `--tree`) read source this one way.

use std::io::Read;
use std::path::Path;

use devref_lints::analysis::InputError;

use crate::discover::not_regular;

/// Reads a source file, refusing what is not a regular file of UTF-8 text.
pub fn read_source(path: &Path) -> Result<String, InputError> {
    let name = path.to_string_lossy();
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

/// Reads stdin, the source named `name`.
pub fn read_stdin(name: &str) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|error| InputError::new(format!("cannot read `{name}` from stdin: {error}")))?;
    decode(name, bytes)
}

/// The text of a file, or why it is not Rust source: a NUL byte early on marks a binary file; for
/// text that is not UTF-8 the error shows the file decoded lossily and points at the first bad
/// byte.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<String, InputError> {
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
