//! Where a file hands a function to C as a callback: `probe: Some(Self::probe_callback)` in a
//! vtable literal, `(*pdrv.get()).remove = Some(Self::remove_callback)`, or
//! `open: if T::HAS_OPEN { Some(Self::open) } else { None }`. The field a function is stored in is
//! its role: the C core calls a `probe` or `remove` callback on a registered device, and a
//! `release` callback when the device's last reference is gone.
//!
//! Registrations are read from the file's text, as written: a vtable is often built in a safe
//! fn or a `const` whose body the pruning drops, and the role is a field name, which only the
//! text next to the function's path says.

use crate::model::item_tree::{Item, ItemKind, Registration};

/// Roles whose callback runs when the object is being torn down, after its last reference is
/// dropped: a pointer it is given is not kept alive by anyone.
pub fn is_teardown_role(role: &str) -> bool {
    ["release", "free", "destroy"]
        .iter()
        .any(|word| role == *word || role.ends_with(&format!("_{word}")))
}

/// Every registration in `text`. `items` are the file's lowered items, to name `Self`.
pub fn scan(text: &str, items: &[Item]) -> Vec<Registration> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&bytes[from..], b"Some(") {
        let start = from + at;
        from = start + 5;
        if start > 0 && is_ident_byte(bytes[start - 1]) {
            continue;
        }
        let Some(mut path) = path_in_parens(bytes, start + 5) else {
            continue;
        };
        // `Some(Foo)` is a value, not a function.
        if path
            .last()
            .is_none_or(|name| !name.starts_with(|c: char| c.is_lowercase() || c == '_'))
        {
            continue;
        }
        let Some(role) = role_before(bytes, start) else {
            continue;
        };
        if path.first().is_some_and(|first| first == "Self") {
            match impl_self_name(items, start as u32) {
                Some(name) => path[0] = name,
                None => continue,
            }
        }
        let called_in_file = path
            .last()
            .is_some_and(|name| is_called(bytes, name.as_bytes()));
        found.push(Registration {
            role,
            path,
            called_in_file,
        });
    }
    found
}

/// Whether `text` calls `name(…)` (a path or method call), other than in its `fn name(` item.
fn is_called(bytes: &[u8], name: &[u8]) -> bool {
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&bytes[from..], name) {
        let start = from + at;
        let end = start + name.len();
        from = end;
        if start > 0 && is_ident_byte(bytes[start - 1]) {
            continue;
        }
        let after = &bytes[end..];
        let open = after
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map(|i| after[i]);
        if open != Some(b'(') {
            continue;
        }
        let before = skip_space_back(bytes, start);
        let word_len = bytes[..before]
            .iter()
            .rev()
            .take_while(|b| is_ident_byte(**b))
            .count();
        if &bytes[before - word_len..before] == b"fn" {
            continue;
        }
        return true;
    }
    false
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The path in `Some(…)` when the parentheses hold a path only: segments, `::`, and generic
/// arguments (dropped).
fn path_in_parens(bytes: &[u8], mut at: usize) -> Option<Vec<String>> {
    let mut segments = Vec::new();
    let mut depth = 0usize;
    let mut expect_segment = true;
    while at < bytes.len() {
        let b = bytes[at];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => at += 1,
            b'<' => {
                depth += 1;
                at += 1;
            }
            b'>' if depth > 0 => {
                depth -= 1;
                at += 1;
            }
            b')' if depth == 0 => {
                return (!segments.is_empty() && !expect_segment).then_some(segments)
            }
            b':' if bytes.get(at + 1) == Some(&b':') => {
                if depth == 0 {
                    expect_segment = true;
                }
                at += 2;
            }
            _ if is_ident_byte(b) => {
                let end = at
                    + bytes[at..]
                        .iter()
                        .take_while(|b| is_ident_byte(**b))
                        .count();
                if depth == 0 {
                    if !expect_segment {
                        return None;
                    }
                    segments.push(String::from_utf8_lossy(&bytes[at..end]).into_owned());
                    expect_segment = false;
                }
                at = end;
            }
            // Inside generic arguments: `Adapter::<T>`, `File::<T::File>`, `X<'a, [u8; 4]>`.
            b',' | b'\'' | b'&' | b'[' | b']' | b';' if depth > 0 => at += 1,
            _ => return None,
        }
    }
    None
}

/// The field `Some(` at `start` is stored in: `field: Some(`, `.field = Some(`, or the same with
/// `if cond { Some(` between.
fn role_before(bytes: &[u8], start: usize) -> Option<String> {
    let mut at = skip_space_back(bytes, start);
    if at > 0 && bytes[at - 1] == b'{' {
        // `field: if COND { Some(…) } else { None }`: the `if` that opens this block.
        let window = &bytes[at.saturating_sub(300)..at - 1];
        let base = at.saturating_sub(300);
        let found = memchr::memmem::rfind(window, b"if ")?;
        let if_at = base + found;
        if if_at > 0 && is_ident_byte(bytes[if_at - 1]) {
            return None;
        }
        // Nothing that ends a statement between the `if` and its block.
        if bytes[if_at..at - 1]
            .iter()
            .any(|b| matches!(b, b';' | b'{' | b'}'))
        {
            return None;
        }
        at = skip_space_back(bytes, if_at);
    }
    if at == 0 {
        return None;
    }
    let sign = bytes[at - 1];
    let before = at.checked_sub(2).map(|i| bytes[i]);
    match sign {
        b':' if before != Some(b':') => {}
        b'=' if !matches!(
            before,
            Some(b'=' | b'!' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/')
        ) => {}
        _ => return None,
    }
    let end = skip_space_back(bytes, at - 1);
    let len = bytes[..end]
        .iter()
        .rev()
        .take_while(|b| is_ident_byte(**b))
        .count();
    if len == 0 {
        return None;
    }
    let name = &bytes[end - len..end];
    if name[0].is_ascii_digit() {
        return None;
    }
    // `let x = Some(f)` binds a local, which C never calls through.
    let word_end = skip_space_back(bytes, end - len);
    let word_len = bytes[..word_end]
        .iter()
        .rev()
        .take_while(|b| is_ident_byte(**b))
        .count();
    if matches!(&bytes[word_end - word_len..word_end], b"let" | b"mut") {
        return None;
    }
    Some(String::from_utf8_lossy(name).into_owned())
}

fn skip_space_back(bytes: &[u8], mut at: usize) -> usize {
    while at > 0 && bytes[at - 1].is_ascii_whitespace() {
        at -= 1;
    }
    at
}

/// The last name of the self type of the innermost impl around `offset`.
fn impl_self_name(items: &[Item], offset: u32) -> Option<String> {
    let mut found = None;
    for item in items {
        if !(item.span.start <= offset && offset < item.span.end) {
            continue;
        }
        if let ItemKind::Impl(imp) = &item.kind {
            if let crate::model::item_tree::TypeKind::Path(path) = &imp.self_ty.kind {
                found = path.last_name().map(str::to_string);
            }
            if let Some(inner) = impl_self_name(&imp.items, offset) {
                found = Some(inner);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lower::lower_file;
    use crate::model::macros::MacroCache;
    use crate::source::{FileId, SourceFile};

    fn scanned(text: &str) -> Vec<Registration> {
        let source = SourceFile::new(FileId(0), "a.rs".to_string(), text.to_string());
        let ast = syn::parse_file(text).expect("valid Rust");
        let tree = lower_file(&source, &ast, &MacroCache::default());
        scan(text, &tree.items)
    }

    fn registrations(text: &str) -> Vec<(String, String)> {
        scanned(text)
            .into_iter()
            .map(|r| (r.role, r.path.join("::")))
            .collect()
    }

    #[test]
    fn a_rust_call_of_a_registered_fn_is_seen() {
        let text = r#"
impl Adapter {
    const OPS: Ops = Ops { probe: Some(Self::probe), remove: Some(Self::remove) };
    unsafe extern "C" fn probe(p: *mut u8) {}
    unsafe extern "C" fn remove(p: *mut u8) {}
    fn direct(p: *mut u8) { unsafe { Self::remove (p) } }
}
"#;
        let called: Vec<(String, bool)> = scanned(text)
            .into_iter()
            .map(|r| (r.role, r.called_in_file))
            .collect();
        assert_eq!(
            called,
            [("probe".to_string(), false), ("remove".to_string(), true)]
        );
    }

    #[test]
    fn the_forms_kernel_code_registers_with() {
        let text = r#"
impl<T: Driver> RegistrationOps for Adapter<T> {
    unsafe fn register(pdrv: &Opaque<X>) {
        unsafe {
            (*pdrv.get()).probe = Some(Self::probe_callback);
            (*pdrv.get()).remove=Some(Self :: remove_callback);
        }
    }
}
impl<T: Driver> Device<T> {
    const VTABLE: bindings::drm_driver = bindings::drm_driver {
        open: Some(drm::File::<T::File>::open_callback),
        soft_reset: if T::HAS_SOFT_RESET {
            Some(Adapter::<T>::soft_reset_callback)
        } else {
            None
        },
        name: Some(NAME),
    };
}
fn f() {
    ops.release = Some(release_callback);
    let x = foo(Some(Self::not_registered));
    if a == Some(b) {}
    let y: Option<u8> = Some(value);
    let mut z = Some(value);
}
"#;
        assert_eq!(
            registrations(text),
            [
                ("probe", "Adapter::probe_callback"),
                ("remove", "Adapter::remove_callback"),
                ("open", "drm::File::open_callback"),
                ("soft_reset", "Adapter::soft_reset_callback"),
                ("release", "release_callback"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn teardown_roles() {
        assert!(is_teardown_role("release"));
        assert!(is_teardown_role("dev_release"));
        assert!(is_teardown_role("free"));
        assert!(!is_teardown_role("probe"));
        assert!(!is_teardown_role("freeze"));
    }
}
