//! The words by which text may matter to devref: a body that names none is not parsed (see
//! [`super`]), and a macro's tokens that declare no item are not lowered.

/// Whether the body's text names anything devref reads in a body (see the module docs). A line
/// that is a `//` comment counts only for `devref` (suppression comments name it): kernel bodies
/// explain themselves in comments that say "type", "use" and "static". Other comments and
/// strings count, which only ever keeps a body that could have been skipped.
pub(super) fn body_matters(body: &[u8]) -> bool {
    if memchr::memmem::find(body, b"devref").is_some() {
        return true;
    }
    any_code_word(body, |word, rest| match word {
        b"unsafe" | b"static" | b"struct" | b"enum" | b"union" | b"impl" | b"trait" | b"type"
        | b"mod" | b"macro_rules" | b"extern" | b"use" => true,
        // Nested `fn` and `const` items join their module's namespace; `fn(` is a type and
        // `*const T` a pointer.
        b"fn" => next_is_item_name(rest, false),
        b"const" => next_is_item_name(rest, true),
        _ => false,
    })
}

/// [`any_word`], skipping every line whose first non-blank characters are `//`. Outside a string
/// or a block comment such a line is a comment; inside one, its words are no code either, unless
/// the block comment ends on it (`// */ code`): such a line counts.
fn any_code_word(text: &[u8], wanted: impl Fn(&[u8], &[u8]) -> bool) -> bool {
    let mut line = 0;
    while line < text.len() {
        let end = memchr::memchr(b'\n', &text[line..]).map_or(text.len(), |i| line + i);
        let code = text[line..end]
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map_or(end, |i| line + i);
        let comment_line = text[code..end].starts_with(b"//")
            && memchr::memmem::find(&text[code..end], b"*/").is_none();
        if !comment_line {
            // What follows a word is read past the line end (`fn` and its name may be apart).
            let line_text = &text[line..end];
            let found = any_word(line_text, |word, rest| {
                wanted(word, &text[line + line_text.len() - rest.len()..])
            });
            if found {
                return true;
            }
        }
        line = end + 1;
    }
    false
}

/// Whether `text` may invoke a macro (`name!(…)`, `name! […]`, `name!{…}`), which may hide an
/// `unsafe` block in its definition. A `!` before a delimiter counts wherever it is (`!(a)` too).
pub(crate) fn may_invoke_macro(text: &[u8]) -> bool {
    memchr::memchr_iter(b'!', text).any(|at| {
        text[at + 1..]
            .iter()
            .find(|byte| !byte.is_ascii_whitespace())
            .is_some_and(|byte| matches!(byte, b'(' | b'[' | b'{'))
    })
}

/// Whether the text of a macro invocation could declare an item (lowering parses no other
/// macro: the lints parse the rest when they look into them).
pub fn may_declare_items(text: &[u8]) -> bool {
    any_word(text, |word, rest| match word {
        b"static" | b"struct" | b"enum" | b"union" | b"impl" | b"trait" | b"type" | b"mod"
        | b"macro_rules" | b"extern" | b"use" => true,
        b"fn" => next_is_item_name(rest, false),
        b"const" => next_is_item_name(rest, true),
        _ => false,
    })
}

/// Whether `text` has a word (an ASCII identifier or keyword) for which `wanted(word, rest)`
/// holds, `rest` being the text after it.
pub(crate) fn any_word(text: &[u8], wanted: impl Fn(&[u8], &[u8]) -> bool) -> bool {
    let mut i = 0;
    while i < text.len() {
        let byte = text[i];
        if !(byte.is_ascii_alphabetic() || byte == b'_') {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && (text[i].is_ascii_alphanumeric() || text[i] == b'_') {
            i += 1;
        }
        // Part of a longer word with non-ASCII letters, or a number's suffix: not a keyword.
        if start > 0 && (text[start - 1] >= 0x80 || text[start - 1].is_ascii_digit()) {
            continue;
        }
        if wanted(&text[start..i], &text[i..]) {
            return true;
        }
    }
    false
}

/// After `fn` or `const`: whitespace, then a name (for `const`, then a `:` that is not `::`). A
/// comment in between is not read: it may hide the name, so it counts as one.
fn next_is_item_name(rest: &[u8], colon: bool) -> bool {
    let mut i = 0;
    while i < rest.len() && rest[i].is_ascii_whitespace() {
        i += 1;
    }
    if starts_comment(&rest[i..]) {
        return true;
    }
    if i == 0 || i >= rest.len() || !(rest[i].is_ascii_alphabetic() || rest[i] == b'_') {
        return i < rest.len() && rest[i] >= 0x80;
    }
    if !colon {
        return true;
    }
    while i < rest.len() && (rest[i].is_ascii_alphanumeric() || rest[i] == b'_') {
        i += 1;
    }
    while i < rest.len() && rest[i].is_ascii_whitespace() {
        i += 1;
    }
    if starts_comment(&rest[i..]) {
        return true;
    }
    rest.get(i) == Some(&b':') && rest.get(i + 1) != Some(&b':')
}

fn starts_comment(text: &[u8]) -> bool {
    text.starts_with(b"//") || text.starts_with(b"/*")
}
