//! The config reader: `devref.toml` text → `Config` → the exclude globs, as `config::options`
//! builds them. Errors are fine; panics are not.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = devref::config::parse(Path::new("devref.toml"), text) {
        let _ = devref::discover::exclude_set(&config.exclude);
    }
});
