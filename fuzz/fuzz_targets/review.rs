//! The mail and patch reader of `devref review`: bytes → messages (mbox, one mail, or a plain
//! diff; MIME decoding) → diffs → paths checked → the series applied in memory and reviewed →
//! every report format. Each hunk is also applied to an image of its own old lines, so hunk
//! application is exercised whatever the paths. Errors are fine; panics are not.
#![no_main]

use devref::review::mail::{read_messages, InputFile};
use devref::review::patch::{self, Ids, Image, Op};
use devref::review::report::{self, Context};
use devref::review::{review, ReviewFormat, Settings};
use devref_lints::options::Options;
use globset::GlobSet;
use libfuzzer_sys::fuzz_target;

const FORMATS: [ReviewFormat; 5] = [
    ReviewFormat::Email,
    ReviewFormat::Json,
    ReviewFormat::Patchwork,
    ReviewFormat::Checkpatch,
    ReviewFormat::Short,
];

fuzz_target!(|data: &[u8]| {
    let input = || InputFile {
        name: "fuzz.mbox".to_string(),
        bytes: data.to_vec(),
    };
    if let Ok(messages) = read_messages(&input(), 0) {
        for message in &messages {
            let Some(text) = &message.patch else {
                continue;
            };
            match patch::parse(&text.text) {
                Err(error) => {
                    let _ = text.locate(message, error.line);
                }
                Ok(files) => {
                    for file in &files {
                        let _ = text.locate(message, file.line);
                        for path in file.old_path.iter().chain(&file.new_path) {
                            let _ = patch::check_path(path);
                        }
                        apply_to_own_lines(&file.hunks);
                    }
                }
            }
        }
    }
    let options = Options::default();
    let exclude = GlobSet::empty();
    let settings = Settings {
        tree: None,
        options: &options,
        exclude: &exclude,
        threads: 1,
        summaries: None,
    };
    if let Ok(reviewed) = review(vec![input()], &settings) {
        let cx = Context {
            command: "devref review fuzz.mbox".to_string(),
            from: Some("Devref <devref@example.org>".to_string()),
            quiet_clean: false,
            stamp: report::Stamp::default(),
            notes: vec!["A note of the bot.".to_string()],
        };
        for format in FORMATS {
            let _ = report::render(&reviewed, format, &cx);
        }
    }
});

/// Applies each hunk to a file made of the hunk's context and removed lines.
fn apply_to_own_lines(hunks: &[patch::Hunk]) {
    let mut ids = Ids::default();
    for hunk in hunks {
        let old: Vec<&str> = hunk
            .lines
            .iter()
            .filter(|l| l.op != Op::Add)
            .map(|l| l.text.as_str())
            .collect();
        let mut image = Image::from_text(&old.join("\n"), &mut ids);
        if image.apply(hunk, 0, &mut ids).is_ok() {
            let _ = image.text();
        }
    }
}
