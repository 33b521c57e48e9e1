//! Text for messages and suggestions: one line, capitalised, or wrapped into comment lines.

/// `text` on one line: line breaks, tabs and other control characters become spaces, and runs of
/// whitespace one space.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The first letter upper-cased when it is lower case (text that starts with code is kept).
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => text.to_string(),
    }
}

/// The words of `text` in lines of at most `width` characters; a longer word has a line of its
/// own.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut current_width = 0;
    for word in text.split_whitespace() {
        let word_width = word.chars().count();
        if !current.is_empty() && current_width + 1 + word_width > width {
            lines.push(std::mem::take(&mut current));
            current_width = 0;
        }
        if !current.is_empty() {
            current.push(' ');
            current_width += 1;
        }
        current.push_str(word);
        current_width += word_width;
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// `text` as comment lines `{indent}{marker} …` of at most `width` columns, as rustfmt would
/// keep them; deep in nested code each line still holds 40 characters of text.
pub fn comment_lines(indent: &str, marker: &str, text: &str, width: usize) -> Vec<String> {
    let prefix = format!("{indent}{marker} ");
    let room = width.saturating_sub(prefix.chars().count()).max(40);
    wrap(text, room)
        .into_iter()
        .map(|line| format!("{prefix}{line}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_flattens_breaks_and_controls() {
        assert_eq!(one_line("  a\n  b\tc\r\n\x0bd  "), "a b c d");
        assert_eq!(one_line(""), "");
    }

    #[test]
    fn capitalize_keeps_code() {
        assert_eq!(capitalize("the device"), "The device");
        assert_eq!(capitalize("`dev` is"), "`dev` is");
        assert_eq!(capitalize("élan"), "Élan");
        assert_eq!(capitalize(""), "");
    }

    #[test]
    fn wrap_counts_characters_and_keeps_long_words() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("éé éé", 5), ["éé éé"]);
        assert_eq!(wrap("a verylongword b", 4), ["a", "verylongword", "b"]);
        assert!(wrap(" \n ", 10).is_empty());
    }

    #[test]
    fn comment_lines_fit_the_width_after_the_prefix() {
        let text = "word ".repeat(30);
        let lines = comment_lines("    ", "//", &text, 60);
        assert!(lines.iter().all(|line| line.starts_with("    // ")));
        assert!(lines.iter().all(|line| line.chars().count() <= 60));
        assert_eq!(lines[0].chars().count(), 7 + 49);
        // At column 90 there is still room for 40 characters of text.
        let deep = comment_lines(&" ".repeat(90), "///", &text, 100);
        assert_eq!(deep[0].trim_start().len(), 4 + 39);
    }
}
