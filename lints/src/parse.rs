//! Parsing a file's text with syn within limits: a file nested too deep or with one huge expression
//! is refused before syn's recursive descent (and every pass after it) could overflow the stack.

/// Delimiters nested deeper than this are refused: syn, and every pass after it, recurse once per
/// level, and real kernel code stays below a hundred.
pub const MAX_NESTING: usize = 512;

/// Tokens of one level allowed between `;` or `,`: a longer run is one huge expression
/// (`a + a + …`, `x.f().f()…`), which syn and the passes after it nest one level per operator.
pub const MAX_RUN: usize = 20_000;

/// Forgets what proc-macro2 keeps for the spans of the syntax trees this thread parsed: a copy of
/// each file's text and its line starts, which it never frees on its own (they would grow with
/// every file a worker parses). Call it only when no syntax tree, token or span this thread parsed
/// will be read again (a tree leaked for a process that exits is never read).
pub fn forget_spans() {
    proc_macro2::extra::invalidate_current_thread_spans();
}

/// `syn::parse_file` behind a nesting guard. proc-macro2's lexer is iterative, so the token tree is
/// measured (with an explicit stack) before syn's recursive descent can overflow the thread's stack,
/// unless `within_limits` says a scan of the text already proved the guard has nothing to find
/// (walking the tokens copies every group's tokens: a twentieth of a run).
pub fn parse_nested(text: &str, within_limits: bool) -> syn::Result<syn::File> {
    let tokens: proc_macro2::TokenStream = text.parse().map_err(syn::Error::from)?;
    if !within_limits {
        if let Some(error) = too_deep(&tokens) {
            return Err(error);
        }
    }
    syn::parse2(tokens)
}

/// Where nesting first exceeds [`MAX_NESTING`], or one expression runs past [`MAX_RUN`] tokens.
fn too_deep(tokens: &proc_macro2::TokenStream) -> Option<syn::Error> {
    use proc_macro2::TokenTree;
    // Each level: its tokens, and how many have passed since the last separator.
    let mut stack = vec![(tokens.clone().into_iter(), 0usize)];
    while let Some((top, run)) = stack.last_mut() {
        let Some(tree) = top.next() else {
            stack.pop();
            continue;
        };
        *run += 1;
        if *run > MAX_RUN {
            return Some(syn::Error::new(
                tree.span(),
                format!("an expression longer than {MAX_RUN} tokens; devref does not analyse such a file"),
            ));
        }
        match tree {
            TokenTree::Punct(punct) if matches!(punct.as_char(), ';' | ',') => *run = 0,
            TokenTree::Group(group) => {
                if stack.len() >= MAX_NESTING {
                    return Some(syn::Error::new(
                        group.span_open(),
                        format!("delimiters nested more than {MAX_NESTING} levels deep; devref does not analyse such a file"),
                    ));
                }
                stack.push((group.stream().into_iter(), 0));
            }
            _ => {}
        }
    }
    None
}
