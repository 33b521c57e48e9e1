//! Rendering a [`Review`]: a reply mail per patch (`email`), JSON lines (`json`), Patchwork
//! checks (`patchwork`), checkpatch's layout (`checkpatch`) and `short` lines.
//!
//! Every renderer is a pure function of the review, so output never depends on the machine or
//! the thread count. Line numbers are those of the patch's post-image.

use std::collections::HashSet;
use std::fmt::Write as _;

use devref_lints::text::one_line;
use serde::Serialize;

use super::findings::{Finding, PatchReview, Review};
use super::mail::{Address, Message};
use crate::cli::ReviewFormat;
use crate::render::level_word;
use crate::unified_diff::clip;

/// What the renderers need besides the review.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The command that reproduces the review, shown in replies.
    pub command: String,
    /// The `From:` of replies.
    pub from: Option<String>,
    /// No reply for a series without findings.
    pub quiet_clean: bool,
    /// What makes each reply's `Date` and `Message-ID`.
    pub stamp: Stamp,
    /// Paragraphs every reply carries before its footer (the bot's: the base used, missing
    /// patches).
    pub notes: Vec<String>,
}

/// The `Date` of replies and what makes their `Message-ID`s unique: `<devref.UNIQUE.HASH@DOMAIN>`,
/// HASH being of the reply's text, DOMAIN the `--from` address's (else `devref.invalid`).
#[derive(Clone, Debug, Default)]
pub struct Stamp {
    /// Seconds since the Unix epoch, UTC.
    pub time: i64,
    /// A token no other run shares (the time and process), or a fixed one for reproducible output.
    pub unique: String,
}

impl Stamp {
    /// Now, or `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention: the same input
    /// then gives the same replies, Date and Message-ID included).
    pub fn now() -> Stamp {
        if let Some(epoch) = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
        {
            return Stamp {
                time: epoch,
                unique: epoch.to_string(),
            };
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Stamp {
            time: i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
            unique: format!(
                "{}{:09}.{}",
                now.as_secs(),
                now.subsec_nanos(),
                std::process::id()
            ),
        }
    }
}

/// One reply mail: a complete RFC 5322 message (LF line ends), and its Message-ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyMail {
    pub message_id: String,
    /// The message replied to, with angle brackets (none when it has no Message-ID).
    pub in_reply_to: Option<String>,
    /// `Re: …`, decoded, for file names.
    pub subject: String,
    pub text: String,
}

pub fn render(review: &Review, format: ReviewFormat, cx: &Context) -> String {
    match format {
        ReviewFormat::Email => email(review, cx),
        ReviewFormat::Json => json_lines(review),
        ReviewFormat::Patchwork => patchwork(review),
        ReviewFormat::Checkpatch => checkpatch(review),
        ReviewFormat::Short => short(review),
    }
}

// --- Shared --------------------------------------------------------------------------------------

/// `(errors, warnings)` among the findings, with failures counted as errors.
fn counts(patch: &PatchReview) -> (usize, usize) {
    let errors =
        patch.findings.iter().filter(|f| f.level.is_error()).count() + patch.failures.len();
    let warnings =
        patch.findings.len() - patch.findings.iter().filter(|f| f.level.is_error()).count();
    (errors, warnings)
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// `1 error and 2 warnings`, `1 warning`, …
fn count_words(errors: usize, warnings: usize) -> String {
    match (errors, warnings) {
        (0, 0) => "no problem".to_string(),
        (e, 0) => plural(e, "error"),
        (0, w) => plural(w, "warning"),
        (e, w) => format!("{} and {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// ` (fixed later in this series, by patch 3/3)` and the like, for one-line formats.
fn state_suffix(review: &Review, finding: &Finding) -> String {
    if finding.fixed_later {
        match finding.fixed_by.and_then(|i| review.patches.get(i)) {
            Some(fixer) => format!(" (fixed later in this series, by patch {})", fixer.tag()),
            None => " (fixed later in this series)".to_string(),
        }
    } else if finding.later {
        " (with the later patches of this series applied)".to_string()
    } else {
        String::new()
    }
}

fn lint_name(finding: &Finding) -> &str {
    finding.lint.map_or("input", |lint| lint.name)
}

/// The first source line of the finding (the primary span's), as quoted.
fn source_line(finding: &Finding) -> &str {
    finding
        .quoted
        .iter()
        .find(|(line, _)| *line == finding.line)
        .map_or("", |(_, text)| text.as_str())
}

/// Wraps text at `width` columns (words longer than that stay whole), keeping blank lines
/// between paragraphs, each line after `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let room = width.saturating_sub(indent.chars().count());
    let mut out = String::new();
    for (index, paragraph) in text.split("\n\n").enumerate() {
        if index > 0 {
            out.push('\n');
        }
        for line in devref_lints::text::wrap(paragraph, room) {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
    out
}

/// [`wrap`], with the lines after the first indented by two spaces (a list item).
fn hanging(text: &str, width: usize) -> String {
    let wrapped = wrap(text, width - 2, "");
    let mut out = String::new();
    for (index, line) in wrapped.lines().enumerate() {
        if index > 0 && !line.is_empty() {
            out.push_str("  ");
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

// --- email ---------------------------------------------------------------------------------------

/// The line that starts each mail of the mbox written.
const MBOX_FROM: &str = "From devref Mon Sep 17 00:00:00 2001";

/// The replies as one mbox (`From ` lines, bodies mboxrd-escaped).
pub fn email(review: &Review, cx: &Context) -> String {
    let mut out = String::new();
    for reply in email_replies(review, cx) {
        out.push_str(MBOX_FROM);
        out.push('\n');
        let (headers, body) = reply.text.split_once("\n\n").unwrap_or((&reply.text, ""));
        out.push_str(headers);
        out.push_str("\n\n");
        for line in body.lines() {
            let quotes = line.bytes().take_while(|&b| b == b'>').count();
            if line[quotes..].starts_with("From ") {
                out.push('>');
            }
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// A reply per patch with findings or hunks that do not apply; for a clean series one short
/// reply (to the cover letter, else the first patch), or none with `--quiet-clean`.
pub fn email_replies(review: &Review, cx: &Context) -> Vec<ReplyMail> {
    let flagged: Vec<&PatchReview> = review
        .patches
        .iter()
        .filter(|p| !p.findings.is_empty() || !p.failures.is_empty())
        .collect();
    if flagged.is_empty() {
        if cx.quiet_clean {
            return Vec::new();
        }
        let Some(first) = review.patches.first() else {
            return Vec::new();
        };
        let target = review.cover.as_ref().unwrap_or(&first.message);
        let body = clean_body(review, target, cx);
        return vec![reply_mail(target, &body, cx)];
    }
    flagged
        .into_iter()
        .map(|patch| reply_mail(&patch.message, &patch_body(review, patch, cx), cx))
        .collect()
}

/// `Hi Ada Example,`: the author's whole display name, as the kernel test robot greets.
fn greeting(message: &Message) -> String {
    match message.author.as_ref().and_then(|a| a.name.as_deref()) {
        Some(name) if !name.is_empty() => format!("Hi {name},\n\n"),
        _ => "Hi,\n\n".to_string(),
    }
}

const INTRO: &str = "devref, a static analyzer for device references in kernel Rust,";

fn clean_body(review: &Review, target: &Message, cx: &Context) -> String {
    let mut body = greeting(target);
    let added: usize = review.patches.iter().map(|p| p.added).sum();
    let what = if review.patches.len() == 1 {
        "this patch".to_string()
    } else {
        format!("this series ({} patches)", review.patches.len())
    };
    let text = if added == 0 {
        format!("{INTRO} found no Rust lines to review in {what}.")
    } else {
        format!(
            "{INTRO} reviewed the {} {what} adds and found no problem. Thank you!",
            if added == 1 {
                "1 line of Rust".to_string()
            } else {
                format!("{added} lines of Rust")
            },
        )
    };
    body.push_str(&wrap(&text, 72, ""));
    body.push_str(&closing(review, cx, target, &[]));
    body
}

fn patch_body(review: &Review, patch: &PatchReview, cx: &Context) -> String {
    let mut body = greeting(&patch.message);
    let found_errors = patch.findings.iter().filter(|f| f.level.is_error()).count();
    let found = count_words(found_errors, patch.findings.len() - found_errors);
    let intro = if patch.findings.is_empty() {
        format!(
            "{INTRO} could not review all of the lines this patch adds: parts of it do not apply \
             to the tree it reviews against."
        )
    } else {
        format!("{INTRO} reviewed the lines this patch adds and found {found}.")
    };
    body.push_str(&wrap(&intro, 72, ""));
    let mut explained: HashSet<&str> = HashSet::new();
    for (index, finding) in patch.findings.iter().enumerate() {
        body.push('\n');
        let _ = writeln!(body, "[{}] {}:{}:", index + 1, finding.file, finding.line);
        let mut previous: Option<usize> = None;
        for (line, text) in &finding.quoted {
            if previous.is_some_and(|p| p + 1 != *line) {
                body.push_str("> [...]\n");
            }
            let _ = writeln!(body, "> +{text}");
            previous = Some(*line);
        }
        body.push('\n');
        let _ = writeln!(
            body,
            "{}: {} [{}]",
            level_word(finding.level),
            one_line(&finding.message),
            finding.code
        );
        if let Some(label) = finding.label.as_deref().filter(|l| !l.is_empty()) {
            let _ = writeln!(
                body,
                "  --> {}:{}:{}: {label}",
                finding.file, finding.line, finding.column
            );
        }
        if finding.fixed_later {
            let by = finding
                .fixed_by
                .and_then(|i| review.patches.get(i))
                .map(|p| format!(", by patch {}", p.tag()))
                .unwrap_or_default();
            body.push('\n');
            body.push_str(&wrap(
                &format!(
                    "This is fixed later in this series{by}, but this patch still has it: each \
                     patch of a series should be sound on its own (bisection stops at any of \
                     them)."
                ),
                72,
                "",
            ));
        } else if finding.later {
            body.push('\n');
            body.push_str(&wrap(
                "This shows once the later patches of this series are applied; the line comes \
                 from this patch.",
                72,
                "",
            ));
        }
        if let Some(lint) = finding.lint {
            if explained.insert(lint.name) {
                let why = devref_lints::docs::section_text(&lint.docs_text(), "Why is this bad");
                // The first paragraph says why; later ones qualify what is reported.
                let why = why.as_deref().and_then(|w| w.split("\n\n").next());
                if let Some(why) = why {
                    body.push('\n');
                    body.push_str(&wrap(&format!("Why: {why}"), 72, ""));
                }
            } else {
                body.push_str("\nWhy: as above.\n");
            }
        }
        for note in &finding.notes {
            body.push('\n');
            body.push_str(&wrap(&format!("Note: {note}"), 72, ""));
        }
        for help in &finding.helps {
            body.push('\n');
            let replacement = help
                .suggestion
                .as_ref()
                .filter(|s| !s.replacement.is_empty() && !s.replacement.contains('\n'))
                .map(|s| format!(": `{}`", s.replacement))
                .unwrap_or_default();
            body.push_str(&wrap(
                &format!("Suggested fix: {}{replacement}", help.message),
                72,
                "",
            ));
            if let Some(suggestion) = help.suggestion.as_ref().filter(|s| !s.before.is_empty()) {
                body.push('\n');
                body.push_str(&mini_diff(&suggestion.before, &suggestion.after));
            }
        }
    }
    if !patch.failures.is_empty() {
        body.push('\n');
        body.push_str(&wrap(
            "Parts of this patch do not apply to the tree devref reviewed against, so the lines \
             they add were not reviewed:",
            72,
            "",
        ));
        for failure in &patch.failures {
            body.push('\n');
            body.push_str(&hanging(&format!("- {}", failure.describe()), 72));
        }
    }
    let lints: Vec<&str> = patch
        .findings
        .iter()
        .filter_map(|f| f.lint.map(|l| l.name))
        .collect();
    body.push_str(&closing(review, cx, &patch.message, &lints));
    body
}

/// What ends every reply: the context's notes, a word when the patch cannot be replied to in its
/// thread, and the footer.
fn closing(review: &Review, cx: &Context, message: &Message, lints: &[&str]) -> String {
    let mut out = String::new();
    for note in &cx.notes {
        out.push('\n');
        out.push_str(&wrap(note, 72, ""));
    }
    if message.is_mail && message.message_id.is_none() {
        out.push('\n');
        out.push_str(&wrap(
            "This patch has no Message-ID (as `git format-patch` writes without `--thread`), so \
             this reply cannot be threaded under it.",
            72,
            "",
        ));
    }
    out.push_str(&footer(review, cx, lints));
    out
}

/// The lines a suggestion changes, as a small diff: unchanged lines around the change as
/// context, then the removed and the added lines.
fn mini_diff(before: &[String], after: &[String]) -> String {
    let prefix = before.iter().zip(after).take_while(|(a, b)| a == b).count();
    let suffix = before[prefix..]
        .iter()
        .rev()
        .zip(after[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = String::new();
    for line in &before[..prefix] {
        let _ = writeln!(out, "     {line}");
    }
    for line in &before[prefix..before.len() - suffix] {
        let _ = writeln!(out, "    -{line}");
    }
    for line in &after[prefix..after.len() - suffix] {
        let _ = writeln!(out, "    +{line}");
    }
    for line in &before[before.len() - suffix..] {
        let _ = writeln!(out, "     {line}");
    }
    out
}

fn footer(review: &Review, cx: &Context, lints: &[&str]) -> String {
    let mut out = String::from("\n-- \nTo reproduce:\n");
    if let (Some(base), true) = (&review.base_commit, review.with_tree) {
        let _ = writeln!(out, "    git checkout {base}");
    }
    let _ = writeln!(out, "    {}", cx.command);
    if let Some(lint) = lints.first() {
        out.push_str(&wrap(
            "If a finding is intended, say why where it is, and devref stops reporting it:",
            72,
            "",
        ));
        let _ = writeln!(
            out,
            "    // devref: allow({lint}) -- <why the device outlives this reference>"
        );
        out.push_str(&wrap(
            &format!(
                "or put `#[expect(devref::{lint}, reason = \"…\")]` on the item. `devref \
                 explain <lint>` explains each lint."
            ),
            72,
            "",
        ));
    }
    out
}

/// One reply: headers, a blank line, the body.
fn reply_mail(message: &Message, body: &str, cx: &Context) -> ReplyMail {
    let mut out = String::new();
    let out = &mut out;
    let from = cx.from.as_deref().map(one_line).filter(|f| !f.is_empty());
    let from_addr = from.as_deref().map(|f| {
        let parsed = mailparse::addrparse(f)
            .ok()
            .and_then(|list| list.extract_single_info());
        parsed.map_or_else(
            || f.to_ascii_lowercase(),
            |info| info.addr.to_ascii_lowercase(),
        )
    });
    let subject = if !message.is_mail {
        format!("devref review of {}", message.input)
    } else if message.subject.to_ascii_lowercase().starts_with("re:") {
        message.subject.clone()
    } else {
        format!("Re: {}", message.subject)
    };
    let domain = from_addr
        .as_deref()
        .and_then(|addr| addr.rsplit_once('@'))
        .map(|(_, domain)| domain)
        .filter(|d| {
            !d.is_empty()
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
        })
        .unwrap_or("devref.invalid");
    let message_id = format!(
        "<devref.{}.{:016x}@{domain}>",
        cx.stamp.unique,
        fnv1a(format!("{subject}\n{body}").as_bytes())
    );
    if let Some(from) = &from {
        push_header(out, "From", &encode_words(from));
    }
    if message.is_mail {
        let mut seen: HashSet<String> = HashSet::new();
        if let Some(addr) = &from_addr {
            seen.insert(addr.clone());
        }
        let mut to = Vec::new();
        if let Some(author) = &message.author {
            if seen.insert(author.addr.to_ascii_lowercase()) {
                to.push(author);
            }
        }
        let mut cc = Vec::new();
        for addr in message.from.iter().chain(&message.to).chain(&message.cc) {
            if seen.insert(addr.addr.to_ascii_lowercase()) {
                cc.push(addr);
            }
        }
        if !to.is_empty() {
            push_address_list(out, "To", &to);
        }
        if !cc.is_empty() {
            push_address_list(out, "Cc", &cc);
        }
        push_header(out, "Subject", &encode_words(&subject));
        push_header(out, "Date", &rfc5322_date(cx.stamp.time));
        push_header(out, "Message-ID", &message_id);
        if let Some(id) = &message.message_id {
            push_header(out, "In-Reply-To", id);
            let mut references = message.references.clone();
            references.retain(|r| r != id);
            references.push(id.clone());
            push_header(out, "References", &references.join(" "));
        }
    } else {
        push_header(out, "Subject", &encode_words(&subject));
        push_header(out, "Date", &rfc5322_date(cx.stamp.time));
        push_header(out, "Message-ID", &message_id);
    }
    push_header(out, "MIME-Version", "1.0");
    push_header(out, "Content-Type", "text/plain; charset=utf-8");
    push_header(out, "Content-Transfer-Encoding", "8bit");
    out.push('\n');
    out.push_str(body);
    ReplyMail {
        message_id,
        in_reply_to: message.message_id.clone().filter(|_| message.is_mail),
        subject,
        text: std::mem::take(out),
    }
}

/// FNV-1a, 64 bits: a hash that stays the same across Rust releases (reproducible Message-IDs).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// An RFC 5322 date in UTC: `Thu, 01 Jan 1970 00:00:00 +0000`.
pub fn rfc5322_date(time: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = time.div_euclid(86_400);
    let seconds = time.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// `Name: value`, folded at spaces to lines of at most 78 columns where possible.
fn push_header(out: &mut String, name: &str, value: &str) {
    let mut line = format!("{name}:");
    let mut first = true;
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        if !first && line.len() + 1 + word.len() > 78 {
            out.push_str(&line);
            out.push('\n');
            line = String::new();
        }
        line.push(' ');
        line.push_str(word);
        first = false;
    }
    out.push_str(&line);
    out.push('\n');
}

fn push_address_list(out: &mut String, name: &str, addresses: &[&Address]) {
    let formatted: Vec<String> = addresses.iter().map(|a| format_address(a)).collect();
    let mut line = format!("{name}:");
    for (index, address) in formatted.iter().enumerate() {
        let piece = if index + 1 < formatted.len() {
            format!("{address},")
        } else {
            address.clone()
        };
        if index > 0 && line.len() + 1 + piece.len() > 78 {
            out.push_str(&line);
            out.push('\n');
            line = String::new();
        }
        line.push(' ');
        line.push_str(&piece);
    }
    out.push_str(&line);
    out.push('\n');
}

/// An address for a header: the display name quoted or encoded as needed.
fn format_address(address: &Address) -> String {
    let addr: String = address
        .addr
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '<' | '>' | ',' | '"'))
        .collect();
    match address
        .name
        .as_deref()
        .map(one_line)
        .filter(|n| !n.is_empty())
    {
        None => addr,
        Some(name) if !name.is_ascii() => format!("{} <{addr}>", encode_words(&name)),
        Some(name) if name.chars().any(|c| "()<>[]:;@\\,.\"".contains(c)) => {
            format!(
                "\"{}\" <{addr}>",
                name.replace('\\', "\\\\").replace('"', "\\\"")
            )
        }
        Some(name) => format!("{name} <{addr}>"),
    }
}

/// A header value for a header that takes text (`Subject`, a display name): words of printable
/// ASCII stay as they are, and each run of other words becomes RFC 2047 encoded words (UTF-8,
/// base64) of at most 45 bytes each, split at character boundaries.
pub fn encode_words(text: &str) -> String {
    let text = one_line(text);
    let plain = |word: &str| word.bytes().all(|b| (33..127).contains(&b)) && !word.contains("=?");
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let flush = |run: &mut Vec<&str>, out: &mut Vec<String>| {
        if run.is_empty() {
            return;
        }
        let joined = run.join(" ");
        let mut chunk = String::new();
        for c in joined.chars() {
            if chunk.len() + c.len_utf8() > 45 {
                out.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
                chunk.clear();
            }
            chunk.push(c);
        }
        if !chunk.is_empty() {
            out.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
        }
        run.clear();
    };
    for word in text.split(' ') {
        if plain(word) {
            flush(&mut run, &mut out);
            out.push(word.to_string());
        } else {
            run.push(word);
        }
    }
    flush(&mut run, &mut out);
    out.join(" ")
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (index, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if index <= chunk.len() {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// --- json ---------------------------------------------------------------------------------------

/// One object per patch, one per line.
pub fn json_lines(review: &Review) -> String {
    let mut out = String::new();
    for patch in &review.patches {
        let _ = writeln!(out, "{}", to_json(&patch_record(review, patch)));
    }
    out
}

/// A record as one JSON line.
fn to_json(record: &impl Serialize) -> String {
    serde_json::to_string(record).expect("a review record always serializes")
}

// The fields of the records below are in alphabetical order: the order the output has always
// had, which its readers may compare byte for byte.

/// A patch's line of `--format json`.
#[derive(Serialize)]
struct PatchRecord<'a> {
    /// Lines the patch adds to `.rs` files.
    added_lines: usize,
    apply_errors: Vec<FailureRecord<'a>>,
    author: Option<String>,
    findings: Vec<FindingRecord<'a>>,
    /// Where in the input: `series.mbox:1`.
    input: String,
    message_id: Option<&'a str>,
    /// `2/3`, as in `[PATCH 2/3]`.
    patch: String,
    /// `None` for a patch that is not a mail.
    subject: Option<&'a str>,
    title: &'a str,
}

/// A part of the patch that does not apply.
#[derive(Serialize)]
struct FailureRecord<'a> {
    file: &'a str,
    /// `@@ -a,b +c,d @@`; `None` when the whole file could not be patched.
    header: Option<&'a str>,
    hunk: Option<usize>,
    input: &'a str,
    line: usize,
    message: String,
}

#[derive(Serialize)]
struct FindingRecord<'a> {
    code: &'a str,
    column: usize,
    file: &'a str,
    /// The patch after which the finding is gone, as `3/3`.
    fixed_by: Option<String>,
    fixed_later: bool,
    helps: Vec<&'a str>,
    label: Option<&'a str>,
    level: &'static str,
    line: usize,
    lint: &'a str,
    message: &'a str,
    notes: &'a [String],
    only_with_later_patches: bool,
    source: &'a str,
    /// The first help with a suggestion.
    suggestion: Option<SuggestionRecord<'a>>,
}

#[derive(Serialize)]
struct SuggestionRecord<'a> {
    applicability: &'static str,
    message: &'a str,
    replacement: &'a str,
}

fn patch_record<'a>(review: &Review, patch: &'a PatchReview) -> PatchRecord<'a> {
    let message = &patch.message;
    PatchRecord {
        added_lines: patch.added,
        apply_errors: patch
            .failures
            .iter()
            .map(|failure| FailureRecord {
                file: &failure.file,
                header: failure.hunk.as_ref().map(|(_, header)| header.as_str()),
                hunk: failure.hunk.as_ref().map(|(number, _)| *number),
                input: &failure.at,
                line: failure.line,
                message: failure.describe(),
            })
            .collect(),
        author: message.author.as_ref().map(Address::display),
        findings: patch
            .findings
            .iter()
            .map(|finding| finding_record(review, finding))
            .collect(),
        input: message.place(),
        message_id: message.message_id.as_deref(),
        patch: patch.tag(),
        subject: mail_subject(message),
        title: &message.title,
    }
}

fn finding_record<'a>(review: &Review, finding: &'a Finding) -> FindingRecord<'a> {
    let suggestion = finding.helps.iter().find_map(|help| {
        help.suggestion.as_ref().map(|suggestion| SuggestionRecord {
            applicability: suggestion.applicability,
            message: &help.message,
            replacement: &suggestion.replacement,
        })
    });
    FindingRecord {
        code: &finding.code,
        column: finding.column,
        file: &finding.file,
        fixed_by: finding
            .fixed_by
            .and_then(|index| review.patches.get(index))
            .map(PatchReview::tag),
        fixed_later: finding.fixed_later,
        helps: finding
            .helps
            .iter()
            .map(|help| help.message.as_str())
            .collect(),
        label: finding.label.as_deref(),
        level: level_word(finding.level),
        line: finding.line,
        lint: lint_name(finding),
        message: &finding.message,
        notes: &finding.notes,
        only_with_later_patches: finding.later,
        source: source_line(finding),
        suggestion,
    }
}

/// The subject of a message that is a mail; `None` for a plain diff.
fn mail_subject(message: &Message) -> Option<&str> {
    message.is_mail.then_some(message.subject.as_str())
}

// --- patchwork -----------------------------------------------------------------------------------

/// One Patchwork check per patch, as a JSON line: the message it belongs to, and the payload to
/// POST to `/api/patches/{id}/checks/`.
pub fn patchwork(review: &Review) -> String {
    let mut out = String::new();
    for patch in &review.patches {
        let (errors, warnings) = counts(patch);
        let state = if errors > 0 {
            "fail"
        } else if warnings > 0 {
            "warning"
        } else {
            "success"
        };
        let description = if errors + warnings == 0 {
            if patch.added == 0 {
                "no Rust lines to review".to_string()
            } else {
                format!(
                    "no device reference problems in the {} this patch adds",
                    plural(patch.added, "Rust line")
                )
            }
        } else {
            let mut items: Vec<String> = patch
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{} at {}:{}{}",
                        lint_name(f),
                        f.file,
                        f.line,
                        state_suffix(review, f)
                    )
                })
                .chain(patch.failures.iter().map(|f| f.describe()))
                .collect();
            let more = items.len().saturating_sub(5);
            items.truncate(5);
            let mut text = format!("{}: {}", count_words(errors, warnings), items.join("; "));
            if more > 0 {
                let _ = write!(text, "; and {more} more");
            }
            clip(&one_line(&text), 1000)
        };
        let line = PatchworkLine {
            check: PatchworkCheck {
                context: "devref",
                description,
                state,
            },
            msgid: patch.message.message_id.as_deref(),
            note: match (&patch.message.message_id, patch.message.is_mail) {
                (Some(_), _) => None,
                (None, true) => Some(
                    "the patch has no Message-ID (as `git format-patch` writes without \
                     `--thread`), so Patchwork, which finds a patch by its Message-ID, cannot \
                     take this check",
                ),
                (None, false) => Some(
                    "the patch is not a mail, so Patchwork, which finds a patch by its \
                     Message-ID, cannot take this check",
                ),
            },
            subject: mail_subject(&patch.message),
        };
        let _ = writeln!(out, "{}", to_json(&line));
    }
    out
}

/// A line of `--format patchwork` (fields in alphabetical order, as for `--format json`).
#[derive(Serialize)]
struct PatchworkLine<'a> {
    check: PatchworkCheck,
    /// The Message-ID of the patch the check belongs to; left out when it has none, and `note`
    /// says why.
    #[serde(skip_serializing_if = "Option::is_none")]
    msgid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'static str>,
    subject: Option<&'a str>,
}

/// The payload to POST to Patchwork's `/api/patches/{id}/checks/`.
#[derive(Serialize)]
struct PatchworkCheck {
    context: &'static str,
    description: String,
    /// `success`, `warning` or `fail`.
    state: &'static str,
}

// --- checkpatch ----------------------------------------------------------------------------------

/// checkpatch's layout, per patch: findings as `WARNING:DEVREF_<LINT>: message` /
/// `#N: FILE: path:N:` / `+<line>` / blank, `#N` being the post-image line; then `total: …`
/// and the verdict. With several patches each gets checkpatch's header of dashes.
pub fn checkpatch(review: &Review) -> String {
    let mut out = String::new();
    let several = review.patches.len() > 1;
    for (index, patch) in review.patches.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let name = patch.message.label();
        if several {
            let dashes = "-".repeat(name.chars().count().min(100));
            let _ = writeln!(out, "{dashes}\n{name}\n{dashes}");
        }
        let (mut errors, mut warnings) = (0, 0);
        for finding in &patch.findings {
            let level = if finding.level.is_error() {
                errors += 1;
                "ERROR"
            } else if finding.level == devref_lints::Level::Warn {
                warnings += 1;
                "WARNING"
            } else {
                "CHECK"
            };
            let _ = write!(
                out,
                "{level}:DEVREF_{}: {}{}\n#{line}: FILE: {}:{line}:\n+{}\n\n",
                lint_name(finding).to_ascii_uppercase(),
                one_line(&finding.message),
                state_suffix(review, finding),
                finding.file,
                source_line(finding),
                line = finding.line,
            );
        }
        for failure in &patch.failures {
            errors += 1;
            let _ = write!(
                out,
                "ERROR:DEVREF_INPUT: {}\n#{line}: FILE: {}:{line}:\n\n",
                one_line(&failure.describe()),
                failure.file,
                line = failure.line,
            );
        }
        let _ = writeln!(
            out,
            "total: {errors} errors, {warnings} warnings, {} lines checked",
            patch.lines
        );
        out.push('\n');
        if errors + warnings == 0 {
            let _ = writeln!(
                out,
                "{name} has no obvious problems and is ready for submission."
            );
        } else {
            let _ = writeln!(out, "{name} has problems, please review.");
        }
    }
    out
}

// --- short ---------------------------------------------------------------------------------------

/// `file:line:col: level: message [devref::lint]`, one line per finding and per hunk that does
/// not apply.
pub fn short(review: &Review) -> String {
    let mut out = String::new();
    for patch in &review.patches {
        for finding in &patch.findings {
            let _ = writeln!(
                out,
                "{}:{}:{}: {}: {}{} [{}]",
                finding.file,
                finding.line,
                finding.column,
                level_word(finding.level),
                one_line(&finding.message),
                state_suffix(review, finding),
                finding.code
            );
        }
        for failure in &patch.failures {
            let _ = writeln!(
                out,
                "{}:{}:1: error: [PATCH {}] {} [devref::input]",
                failure.file,
                failure.line,
                patch.tag(),
                one_line(&failure.describe())
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn headers_are_encoded_and_flat() {
        assert_eq!(encode_words("plain"), "plain");
        assert_eq!(encode_words("a\r\nBcc: x"), "a Bcc: x");
        assert_eq!(encode_words("Jos\u{e9}"), "=?UTF-8?B?Sm9zw6k=?=");
        assert_eq!(
            encode_words("Re: a (\u{b0}C) b \u{e9} \u{e9}"),
            "Re: a =?UTF-8?B?KMKwQyk=?= b =?UTF-8?B?w6kgw6k=?="
        );
        for text in ["Re: a (\u{b0}C) b \u{e9} \u{e9}", "x =?utf-8?q?y?= z"] {
            let header = format!("Subject: {}", encode_words(text));
            let decoded = mailparse::parse_header(header.as_bytes())
                .unwrap()
                .0
                .get_value();
            assert_eq!(decoded, text);
        }
        let decoded = mailparse::parse_header(
            format!("Subject: {}", encode_words(&"\u{e9}".repeat(40))).as_bytes(),
        )
        .unwrap()
        .0
        .get_value();
        assert_eq!(decoded, "\u{e9}".repeat(40));
    }

    #[test]
    fn addresses_are_quoted() {
        let address = |name: &str| Address {
            name: Some(name.to_string()),
            addr: "a@x".to_string(),
        };
        assert_eq!(format_address(&address("Jane Doe")), "Jane Doe <a@x>");
        assert_eq!(format_address(&address("Doe, Jane")), "\"Doe, Jane\" <a@x>");
        assert_eq!(
            format_address(&address("Ren\u{e9}")),
            "=?UTF-8?B?UmVuw6k=?= <a@x>"
        );
    }

    #[test]
    fn dates_are_rfc5322() {
        assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc5322_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(
            rfc5322_date(1_704_067_199),
            "Sun, 31 Dec 2023 23:59:59 +0000"
        );
        assert_eq!(rfc5322_date(-1), "Wed, 31 Dec 1969 23:59:59 +0000");
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrap("a b c", 3, ""), "a b\nc\n");
        assert_eq!(wrap("a\n\nb", 72, ""), "a\n\nb\n");
    }
}
