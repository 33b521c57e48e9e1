//! Reading patch mail: splitting an mbox, decoding each message with `mailparse` (quoted-printable,
//! base64, `multipart/mixed` with the patch inline or attached, encoded headers), and finding the
//! diff in it. A file that is not mail is taken as a plain unified diff.
//!
//! Everything here reads untrusted bytes: sizes are bounded ([`MAX_LINE`], [`MAX_MESSAGES`],
//! [`MAX_PARTS`]), nothing indexes without a check, and a `mailparse` panic (there should be none)
//! is caught and reported as a message that cannot be used.

use std::panic::{self, AssertUnwindSafe};

use devref_lints::text::one_line;
use mailparse::{MailAddr, MailHeader, MailHeaderMap, ParsedMail};

use crate::unified_diff::clip;

/// The longest line accepted, in bytes (the input's and the decoded patch's).
pub const MAX_LINE: usize = 64 * 1024;
/// The most messages one review reads.
pub const MAX_MESSAGES: usize = 1000;
/// The most MIME parts one message may have.
pub const MAX_PARTS: usize = 64;

/// An input file as read: the name shown in messages and its bytes.
pub struct InputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Input that cannot be used (exit code 2); the text names the input, the message and the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unusable(pub String);

/// A mail address with its display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub name: Option<String>,
    pub addr: String,
}

impl Address {
    /// `Name <addr>`, or `addr` (decoded, for people and JSON; mail headers re-encode it).
    pub fn display(&self) -> String {
        match &self.name {
            Some(name) if !name.is_empty() => format!("{name} <{}>", self.addr),
            _ => self.addr.clone(),
        }
    }
}

/// One message of the input: a mail, or a whole plain diff.
#[derive(Clone, Debug)]
pub struct Message {
    /// The input's name.
    pub input: String,
    /// The 1-based line of the input where the message starts (its first header).
    pub line: usize,
    /// The 1-based position of the message in its input.
    pub position: usize,
    /// False for a plain diff, which has no headers.
    pub is_mail: bool,
    /// The decoded `Subject`, on one line.
    pub subject: String,
    /// The subject without `Re:` and the `[PATCH …]` prefix.
    pub title: String,
    /// `n/m` from `[PATCH n/m]`.
    pub number: Option<(u32, u32)>,
    /// The subject starts with `Re:`: a reply, not a patch.
    pub is_reply: bool,
    pub from: Vec<Address>,
    /// The in-body `From:` of `git format-patch` when the sender is not the author, else the
    /// first `From` address.
    pub author: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// With its angle brackets.
    pub message_id: Option<String>,
    /// `References`, or failing that `In-Reply-To`, with angle brackets.
    pub references: Vec<String>,
    /// The diff part, from the line where `git am` would split the message from the patch.
    pub patch: Option<PatchText>,
    /// `base-commit: <sha>` of `git format-patch --base`.
    pub base_commit: Option<String>,
}

impl Message {
    /// How messages name it: the subject, or the input's name for a plain diff.
    pub fn label(&self) -> String {
        if self.is_mail && !self.subject.is_empty() {
            self.subject.clone()
        } else if self.is_mail {
            format!("message {} of {}", self.position, self.input)
        } else {
            self.input.clone()
        }
    }

    /// `input:line: message N ("subject")`, the prefix of errors about the message as a whole.
    pub fn place(&self) -> String {
        if self.is_mail {
            format!(
                "{}:{}: message {} (\"{}\")",
                self.input,
                self.line,
                self.position,
                clip(&self.subject, 80)
            )
        } else {
            format!("{}:{}", self.input, self.line)
        }
    }
}

/// The text a diff is read from, with what is needed to name an input line for any of its lines.
#[derive(Clone, Debug, Default)]
pub struct PatchText {
    pub text: String,
    pieces: Vec<Piece>,
}

#[derive(Clone, Debug)]
struct Piece {
    /// 0-based line of `text` where the piece starts.
    first_line: usize,
    /// The input line of that line, when the piece's lines are the input's lines (no transfer
    /// encoding).
    input_line: Option<usize>,
    /// `quoted-printable` or `base64` when `input_line` is `None`.
    encoding: String,
    /// The 1-based line of the part's decoded body that the piece starts with.
    body_line: usize,
}

impl PatchText {
    fn plain(text: String, input_line: usize) -> PatchText {
        PatchText {
            text,
            pieces: vec![Piece {
                first_line: 0,
                input_line: Some(input_line),
                encoding: String::new(),
                body_line: 1,
            }],
        }
    }

    /// Where 0-based line `line` of the text is: `input:N` when it maps onto the input, else the
    /// line within the decoded body.
    pub fn locate(&self, message: &Message, line: usize) -> String {
        let piece = self.pieces.iter().rev().find(|p| p.first_line <= line);
        match piece {
            Some(Piece {
                first_line,
                input_line: Some(input_line),
                ..
            }) => format!("{}:{}", message.input, input_line + (line - first_line)),
            Some(Piece {
                first_line,
                encoding,
                body_line,
                ..
            }) => format!(
                "{}:{}: line {} of the decoded {} body",
                message.input,
                message.line,
                body_line + (line - first_line),
                encoding
            ),
            None => format!("{}:{}", message.input, message.line),
        }
    }

    /// The text from 0-based line `from` on, with the piece map shifted to match.
    fn tail_from(&self, from: usize) -> PatchText {
        let start = line_offset(&self.text, from);
        let mut pieces: Vec<Piece> = Vec::new();
        for piece in &self.pieces {
            if piece.first_line <= from {
                let skipped = from - piece.first_line;
                pieces.clear();
                pieces.push(Piece {
                    first_line: 0,
                    input_line: piece.input_line.map(|l| l + skipped),
                    encoding: piece.encoding.clone(),
                    body_line: piece.body_line + skipped,
                });
            } else {
                pieces.push(Piece {
                    first_line: piece.first_line - from,
                    ..piece.clone()
                });
            }
        }
        PatchText {
            text: self.text[start..].to_string(),
            pieces,
        }
    }
}

/// Byte offset of 0-based line `line` (the text's length past the end).
fn line_offset(text: &str, line: usize) -> usize {
    if line == 0 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 1)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// Splits one input into messages: an mbox (`From ` lines), one RFC 822 message, or a plain diff.
/// `count` is the number of messages read so far from earlier inputs, for the bound.
pub fn read_messages(file: &InputFile, count: usize) -> Result<Vec<Message>, Unusable> {
    let name = &file.name;
    if file.bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(Unusable(format!(
            "{name}: binary data (a NUL byte), not mail or a patch"
        )));
    }
    let bytes = normalize_newlines(&file.bytes);
    let lines: Vec<&[u8]> = split_lines(&bytes);
    if let Some((index, line)) = lines.iter().enumerate().find(|(_, l)| l.len() > MAX_LINE) {
        return Err(Unusable(format!(
            "{name}:{}: a line of {} bytes; review accepts lines of at most {MAX_LINE} bytes",
            index + 1,
            line.len()
        )));
    }
    let first = lines.iter().position(|l| !is_blank(l)).unwrap_or(0);
    let starts: Vec<usize> = mbox_separators(&lines);
    if starts.first() == Some(&first) {
        if count + starts.len() > MAX_MESSAGES {
            return Err(Unusable(format!(
                "{name}: more than {MAX_MESSAGES} messages; review one series at a time"
            )));
        }
        let mut messages = Vec::with_capacity(starts.len());
        for (position, &start) in starts.iter().enumerate() {
            let end = starts.get(position + 1).copied().unwrap_or(lines.len());
            let mut raw = Vec::new();
            for line in &lines[start + 1..end] {
                raw.extend_from_slice(unescape_from(line));
                raw.push(b'\n');
            }
            messages.push(parse_message(name, start + 2, position + 1, &raw)?);
        }
        return Ok(messages);
    }
    if looks_like_mail(&lines[first.min(lines.len())..]) {
        if count + 1 > MAX_MESSAGES {
            return Err(Unusable(format!(
                "{name}: more than {MAX_MESSAGES} messages; review one series at a time"
            )));
        }
        let raw = bytes[line_start(&lines, &bytes, first)..].to_vec();
        return Ok(vec![parse_message(name, first + 1, 1, &raw)?]);
    }
    // A plain diff (or `git show` output): the diff parser skips what precedes the first file.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(vec![Message {
        input: name.clone(),
        line: 1,
        position: 1,
        is_mail: false,
        subject: String::new(),
        title: name.clone(),
        number: None,
        is_reply: false,
        from: Vec::new(),
        author: None,
        to: Vec::new(),
        cc: Vec::new(),
        message_id: None,
        references: Vec::new(),
        base_commit: base_commit(&text),
        patch: Some(PatchText::plain(text, 1)),
    }])
}

/// CRLF (and a lone CR before LF) becomes LF, as `git mailsplit` does without `--keep-cr`.
fn normalize_newlines(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The lines without their `\n`; a final line without one is kept, a final empty one is not.
fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Byte offset of line `index` in `bytes` (whose lines are `lines`).
fn line_start(lines: &[&[u8]], bytes: &[u8], index: usize) -> usize {
    match lines.get(index) {
        Some(line) => (line.as_ptr() as usize)
            .saturating_sub(bytes.as_ptr() as usize)
            .min(bytes.len()),
        None => bytes.len(),
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace())
}

/// The indices of mbox `From ` lines: at the start or after a blank line, and followed by a
/// header line (so that `From ` in a commit message is not taken for one).
fn mbox_separators(lines: &[&[u8]]) -> Vec<usize> {
    let mut starts = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if !line.starts_with(b"From ") {
            continue;
        }
        let after_blank = index == 0 || is_blank(lines[index - 1]);
        let before_header = lines.get(index + 1).is_some_and(|l| is_header_line(l));
        if after_blank && before_header && has_time(line) {
            starts.push(index);
        }
    }
    starts
}

/// Whether an mbox `From ` line carries its date's time (`00:00:00`), as every mbox writer puts
/// it; `From the start:` in a commit message does not.
fn has_time(line: &[u8]) -> bool {
    line.windows(5).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
    })
}

/// `Name: value`, with a field name of printable ASCII (RFC 5322).
fn is_header_line(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0
        && line[..colon]
            .iter()
            .all(|&b| (33..=126).contains(&b) && b != b':')
}

/// One RFC 822 message: a header block of header lines (and folded continuations) naming at
/// least one of the fields every mail has.
fn looks_like_mail(lines: &[&[u8]]) -> bool {
    let mut known = false;
    for (index, line) in lines.iter().enumerate() {
        if line.is_empty() {
            return known && index > 0;
        }
        if index > 0 && (line.starts_with(b" ") || line.starts_with(b"\t")) {
            continue;
        }
        if !is_header_line(line) {
            return false;
        }
        let lower = line.to_ascii_lowercase();
        known |= ["from:", "subject:", "message-id:", "date:", "to:"]
            .iter()
            .any(|field| lower.starts_with(field.as_bytes()));
    }
    known
}

/// mboxrd: `>From ` (any number of `>`) loses one `>`.
fn unescape_from(line: &[u8]) -> &[u8] {
    let quotes = line.iter().take_while(|&&b| b == b'>').count();
    if quotes > 0 && line[quotes..].starts_with(b"From ") {
        &line[1..]
    } else {
        line
    }
}

/// Parses one message; `line` is the input line of its first header.
fn parse_message(
    input: &str,
    line: usize,
    position: usize,
    raw: &[u8],
) -> Result<Message, Unusable> {
    let place = |what: &str| format!("{input}:{line}: message {position}: {what}");
    let parsed = match panic::catch_unwind(AssertUnwindSafe(|| mailparse::parse_mail(raw))) {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(error)) => return Err(Unusable(place(&format!("cannot be read as mail: {error}")))),
        Err(_) => return Err(Unusable(place("malformed mail (the mail parser failed)"))),
    };
    let headers = &parsed.headers;
    let subject = one_line(&headers.get_first_value("Subject").unwrap_or_default());
    let (is_reply, number, title) = parse_subject(&subject);
    let from = addresses(headers, "From");
    let to = addresses(headers, "To");
    let cc = addresses(headers, "Cc");
    let message_id = headers
        .get_first_value("Message-Id")
        .and_then(|value| message_ids(&value).into_iter().next());
    let mut references = headers
        .get_first_value("References")
        .map(|value| message_ids(&value))
        .unwrap_or_default();
    if references.is_empty() {
        references = headers
            .get_first_value("In-Reply-To")
            .map(|value| message_ids(&value))
            .unwrap_or_default();
    }
    references.truncate(64);

    let body = body_text(&parsed, raw, line).map_err(|what| Unusable(place(&what)))?;
    let (in_body_from, split) = split_message(&body.text);
    let author = in_body_from.or_else(|| from.first().cloned());
    let base_commit = base_commit(&body.text);
    let patch = split.map(|line| body.tail_from(line));
    Ok(Message {
        input: input.to_string(),
        line,
        position,
        is_mail: true,
        subject,
        title,
        number,
        is_reply,
        from,
        author,
        to,
        cc,
        message_id,
        references,
        patch,
        base_commit,
    })
}

/// The text parts of a message that can hold a patch, decoded and joined: `text/*` but HTML,
/// and attachments of a patch type or named `*.patch`/`*.diff`.
fn body_text(parsed: &ParsedMail<'_>, raw: &[u8], first_line: usize) -> Result<PatchText, String> {
    let mut text = String::new();
    let mut pieces = Vec::new();
    let mut line_count = 0usize;
    for (index, part) in parsed.parts().enumerate() {
        if index >= MAX_PARTS {
            return Err(format!(
                "more than {MAX_PARTS} MIME parts; review accepts at most {MAX_PARTS}"
            ));
        }
        if !part.subparts.is_empty() || part.ctype.mimetype.starts_with("multipart/") {
            continue;
        }
        if !holds_patch(part) {
            continue;
        }
        let decoded = decode_part(part);
        let decoded = decoded.replace("\r\n", "\n");
        let encoding = part
            .headers
            .get_first_value("Content-Transfer-Encoding")
            .map(|e| e.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let encoded = encoding == "base64" || encoding == "quoted-printable";
        let input_line = if encoded {
            None
        } else {
            body_offset(part, raw)
                .map(|offset| first_line + raw[..offset].iter().filter(|&&b| b == b'\n').count())
        };
        pieces.push(Piece {
            first_line: line_count,
            input_line,
            encoding,
            body_line: 1,
        });
        line_count += decoded.matches('\n').count();
        text.push_str(&decoded);
        if !decoded.ends_with('\n') && !decoded.is_empty() {
            text.push('\n');
            line_count += 1;
        }
    }
    if let Some((index, line)) = text
        .split('\n')
        .enumerate()
        .find(|(_, l)| l.len() > MAX_LINE)
    {
        return Err(format!(
            "line {} of its decoded body has {} bytes; review accepts lines of at most \
             {MAX_LINE} bytes",
            index + 1,
            line.len()
        ));
    }
    Ok(PatchText { text, pieces })
}

/// Whether a leaf part can hold the patch.
fn holds_patch(part: &ParsedMail<'_>) -> bool {
    let mime = part.ctype.mimetype.to_ascii_lowercase();
    if mime == "text/html" {
        return false;
    }
    if mime.starts_with("text/") {
        return true;
    }
    let disposition = part.get_content_disposition();
    let name = disposition
        .params
        .get("filename")
        .or_else(|| part.ctype.params.get("name"))
        .map(|n| n.to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        mime.as_str(),
        "application/x-patch" | "application/x-diff" | "application/octet-stream"
    ) && (name.is_empty() || name.ends_with(".patch") || name.ends_with(".diff"))
        || name.ends_with(".patch")
        || name.ends_with(".diff")
}

/// A part's text: UTF-8 when it is (whatever a missing charset defaults to), else decoded from its
/// charset, else lossily.
fn decode_part(part: &ParsedMail<'_>) -> String {
    let charset = part
        .ctype
        .params
        .get("charset")
        .map(|c| c.to_ascii_lowercase());
    let utf8_ok = matches!(
        charset.as_deref(),
        None | Some("utf-8" | "utf8" | "us-ascii" | "ascii")
    );
    let raw = part.get_body_raw().unwrap_or_default();
    if utf8_ok {
        match String::from_utf8(raw) {
            Ok(text) => return text,
            Err(error) => {
                if let Ok(text) = part.get_body() {
                    return text;
                }
                return String::from_utf8_lossy(error.as_bytes()).into_owned();
            }
        }
    }
    part.get_body()
        .unwrap_or_else(|_| String::from_utf8_lossy(&raw).into_owned())
}

/// Byte offset in `raw` of a part's body.
fn body_offset(part: &ParsedMail<'_>, raw: &[u8]) -> Option<usize> {
    let start = (part.raw_bytes.as_ptr() as usize).checked_sub(raw.as_ptr() as usize)?;
    let offset = start.checked_add(part.get_headers().get_raw_bytes().len())?;
    (offset <= raw.len()).then_some(offset)
}

/// The in-body `From:` of `git format-patch` (first lines of the body, before a blank line), and
/// the 0-based line where `git am` splits the message from the patch: a `---` line, or the first
/// line starting `diff -` or `Index: `.
fn split_message(text: &str) -> (Option<Address>, Option<usize>) {
    let mut from = None;
    for line in text.lines().skip_while(|l| l.trim().is_empty()) {
        if line.trim().is_empty() {
            break;
        }
        match line.strip_prefix("From:") {
            Some(value) => {
                from = parse_addresses(value).into_iter().next();
                break;
            }
            None if line.starts_with("Date:") || line.starts_with("Subject:") => continue,
            None => break,
        }
    }
    let split = text.lines().position(|line| {
        line.trim_end() == "---" || line.starts_with("diff -") || line.starts_with("Index: ")
    });
    (from, split)
}

/// `base-commit: <hex>`, as `git format-patch --base` writes it.
fn base_commit(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let sha = line.strip_prefix("base-commit: ")?.trim();
        (sha.len() >= 7 && sha.len() <= 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| sha.to_string())
    })
}

/// Splits `Re:` and the bracketed prefixes off a subject: `(is a reply, n/m, title)`.
pub fn parse_subject(subject: &str) -> (bool, Option<(u32, u32)>, String) {
    let mut rest = subject.trim();
    let mut is_reply = false;
    let mut number = None;
    loop {
        let lower = rest.to_ascii_lowercase();
        if let Some(prefix) = ["re:", "aw:", "sv:"]
            .iter()
            .find(|p| lower.starts_with(**p))
        {
            is_reply = true;
            rest = rest[prefix.len()..].trim_start();
            continue;
        }
        if let Some(prefix) = ["fwd:", "fw:"].iter().find(|p| lower.starts_with(**p)) {
            rest = rest[prefix.len()..].trim_start();
            continue;
        }
        if rest.starts_with('[') {
            if let Some(close) = rest.find(']') {
                for token in rest[1..close].split(|c: char| c.is_whitespace() || c == ',') {
                    if let Some((n, m)) = token.split_once('/') {
                        if let (Ok(n), Ok(m)) = (n.parse::<u32>(), m.parse::<u32>()) {
                            if m > 0 && n <= m {
                                number = Some((n, m));
                            }
                        }
                    }
                }
                rest = rest[close + 1..].trim_start();
                continue;
            }
        }
        break;
    }
    (is_reply, number, rest.to_string())
}

/// The addresses of a header; an unparsable one is kept as its text.
fn addresses(headers: &[MailHeader<'_>], key: &str) -> Vec<Address> {
    headers
        .get_all_headers(key)
        .into_iter()
        .flat_map(|header| match mailparse::addrparse_header(header) {
            Ok(list) => flatten(list.into_inner()),
            Err(_) => {
                let text = one_line(&header.get_value());
                if text.is_empty() {
                    Vec::new()
                } else {
                    vec![Address {
                        name: None,
                        addr: text,
                    }]
                }
            }
        })
        .take(256)
        .collect()
}

fn parse_addresses(value: &str) -> Vec<Address> {
    match mailparse::addrparse(value) {
        Ok(list) => flatten(list.into_inner()),
        Err(_) => Vec::new(),
    }
}

fn flatten(list: Vec<MailAddr>) -> Vec<Address> {
    let mut out = Vec::new();
    for addr in list {
        match addr {
            MailAddr::Single(info) => out.push(Address {
                name: info
                    .display_name
                    .map(|n| one_line(&n))
                    .filter(|n| !n.is_empty()),
                addr: one_line(&info.addr),
            }),
            MailAddr::Group(group) => {
                for info in group.addrs {
                    out.push(Address {
                        name: info
                            .display_name
                            .map(|n| one_line(&n))
                            .filter(|n| !n.is_empty()),
                        addr: one_line(&info.addr),
                    });
                }
            }
        }
    }
    out.retain(|a| !a.addr.is_empty());
    out
}

/// The `<…>` tokens of a Message-Id, References or In-Reply-To value.
fn message_ids(value: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let id = &rest[open + 1..open + close];
        let id: String = id
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect();
        if !id.is_empty() && id.len() <= 900 && !id.contains(['<', '>']) {
            ids.push(format!("<{id}>"));
        }
        rest = &rest[open + close + 1..];
    }
    if ids.is_empty() {
        let id: String = value
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control() && *c != '<' && *c != '>')
            .collect();
        if !id.is_empty() && id.len() <= 900 {
            ids.push(format!("<{id}>"));
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Message> {
        read_messages(
            &InputFile {
                name: "in.mbox".into(),
                bytes: text.as_bytes().to_vec(),
            },
            0,
        )
        .expect("usable")
    }

    #[test]
    fn subjects() {
        assert_eq!(
            parse_subject("[PATCH v2 02/10] rust: add x"),
            (false, Some((2, 10)), "rust: add x".to_string())
        );
        assert_eq!(
            parse_subject("Re: [RFC][PATCH net-next 1/2] y"),
            (true, Some((1, 2)), "y".to_string())
        );
        assert_eq!(parse_subject("[PATCH] z"), (false, None, "z".to_string()));
        assert_eq!(
            parse_subject("[PATCH 3/2] odd"),
            (false, None, "odd".to_string())
        );
        assert_eq!(
            parse_subject("[unclosed"),
            (false, None, "[unclosed".into())
        );
    }

    #[test]
    fn mbox_split_and_in_body_from() {
        let text = "From 1 Mon Sep 17 00:00:00 2001\nFrom: A <a@x>\nSubject: [PATCH 1/2] one\n\
                    Message-Id: <1@x>\n\nFrom: Real <real@x>\n\nbody\n\nFrom now on\nNote: x\n\
                    ---\ndiff --git a/x b/x\n\nFrom 2 Mon Sep 17 00:00:00 2001\nFrom: B <b@x>\n\
                    Subject: [PATCH 2/2] two\n\nbody\n";
        let messages = read(text);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].number, Some((1, 2)));
        assert_eq!(messages[0].line, 2);
        assert_eq!(messages[1].line, 16);
        assert_eq!(unescape_from(b">>From x"), b">From x");
        assert_eq!(unescape_from(b">Fromage"), b">Fromage");
        assert_eq!(messages[0].message_id.as_deref(), Some("<1@x>"));
        assert_eq!(messages[0].author.as_ref().unwrap().addr, "real@x");
        let patch = messages[0].patch.as_ref().unwrap();
        assert!(patch.text.starts_with("---\ndiff --git"));
        assert_eq!(patch.locate(&messages[0], 1), "in.mbox:13");
        assert!(messages[1].patch.is_none());
    }

    #[test]
    fn plain_diffs_and_single_messages() {
        let diff = read("diff --git a/x.rs b/x.rs\n");
        assert!(!diff[0].is_mail);
        let mail = read("Subject: [PATCH] a\nFrom: a@x\n\n---\ndiff --git a/x.rs b/x.rs\n");
        assert!(mail[0].is_mail);
        assert_eq!(mail[0].title, "a");
        let index = read("Index: x.rs\n===\n--- x.rs\n");
        assert!(!index[0].is_mail);
    }

    #[test]
    fn inline_multipart_patches_skip_signatures() {
        let mail = read(
            "From: a@x\nSubject: [PATCH] a\nContent-Type: multipart/signed; boundary=\"b\"\n\n\
             --b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: \
             quoted-printable\n\nmsg\n---\ndiff --git a/x.rs b/x.rs\n--- a/x.rs\n+++ b/x.rs\n\
             @@ -1 +1 @@\n-a =3D 1;\n+a =3D 2; // a long line that is broken with a soft=\n \
             break\n--b\nContent-Type: application/pgp-signature\n\n-----BEGIN PGP \
             SIGNATURE-----\n--- a/y.rs\n--b--\n",
        );
        let patch = mail[0].patch.as_ref().expect("a patch");
        assert_eq!(
            patch.text,
            "---\ndiff --git a/x.rs b/x.rs\n--- a/x.rs\n+++ b/x.rs\n@@ -1 +1 @@\n-a = 1;\n\
             +a = 2; // a long line that is broken with a soft break\n"
        );
        // Lines of a quoted-printable body are named within the decoded body.
        assert_eq!(
            patch.locate(&mail[0], 2),
            "in.mbox:1: line 4 of the decoded quoted-printable body"
        );
    }

    #[test]
    fn header_injection_is_flattened() {
        let mail = read("Subject: =?utf-8?q?a=0D=0ABcc:_evil@x?=\nFrom: a@x\n\nhi\n");
        assert_eq!(mail[0].subject, "a Bcc: evil@x");
    }

    #[test]
    fn message_ids_are_bracketed() {
        assert_eq!(message_ids("<a@b> <c@d>"), ["<a@b>", "<c@d>"]);
        assert_eq!(message_ids("bare@id"), ["<bare@id>"]);
        assert_eq!(message_ids("<a\r\nb@c>"), ["<ab@c>"]);
        assert!(message_ids("").is_empty());
    }
}
