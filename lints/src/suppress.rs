//! Suppressions: `#[allow(devref::x)]`, `#[expect(devref::x, reason = "…")]`, and the comment forms
//! `// devref: allow(x) -- reason` (this line, or the next line with code) and `//! devref: allow(x)`
//! (the whole file).
//!
//! A suppression names lints or groups. One that suppresses nothing is itself reported, as is an
//! `expect` that nothing fulfilled.

use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::comments::{CommentIndex, DocStyle};
use crate::declare_lint;
use crate::diagnostic::{Diagnostic, Origin};
use crate::lint::{Group, Lint};
use crate::source::{SourceFile, Span};
use crate::spans::{self, impl_item_attrs, item_attrs, Tokens};

declare_lint! {
    /// ### What it does
    /// Reports a devref suppression (`#[allow(devref::…)]`, `#[expect(devref::…)]`,
    /// `// devref: allow(…)`) that suppresses nothing, an `expect` that no diagnostic fulfils, and a
    /// suppression that names no devref lint or group.
    ///
    /// ### Why is this bad
    /// A stale suppression hides the next real finding at that place, and a misspelt one hides
    /// nothing while looking as if it did.
    ///
    /// ### Example
    /// ```rust,ignore
    /// #[allow(devref::raw_device_ptr_field)] // the field is an `ARef` now
    /// dev: ARef<Device>,
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// dev: ARef<Device>,
    /// ```
    pub UNUSED_SUPPRESSION = "unused_suppression", Suspicious,
    "a devref suppression that suppresses nothing"
}

declare_lint! {
    /// ### What it does
    /// Reports a devref suppression that gives no reason: no `reason = "…"` in an attribute, no
    /// `-- reason` after a comment suppression.
    ///
    /// ### Why is this bad
    /// A reviewer cannot tell why the device reference is safe here, and nobody can tell later whether
    /// the reason still holds.
    ///
    /// ### Example
    /// ```rust,ignore
    /// // devref: allow(raw_device_ptr_field)
    /// parent: *mut bindings::device,
    /// ```
    ///
    /// ### Use instead
    /// ```rust,ignore
    /// // devref: allow(raw_device_ptr_field) -- released in Drop via put_device()
    /// parent: *mut bindings::device,
    /// ```
    pub SUPPRESSION_WITHOUT_REASON = "suppression_without_reason", Pedantic,
    "a devref suppression gives no reason"
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Allow,
    Expect,
}

/// What a suppression names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Lint(&'static Lint),
    Group(Group),
    Unknown(String),
}

#[derive(Clone, Debug)]
pub struct Suppression {
    pub kind: Kind,
    pub targets: Vec<(Target, Span)>,
    pub reason: Option<String>,
    /// The attribute or comment itself.
    pub span: Span,
    /// The byte range it covers.
    pub covers: std::ops::Range<usize>,
}

impl Target {
    fn matches(&self, lint: &Lint) -> bool {
        match self {
            Target::Lint(target) => target.name == lint.name,
            Target::Group(group) => *group == lint.group,
            Target::Unknown(_) => false,
        }
    }

    fn display(&self) -> String {
        match self {
            Target::Lint(lint) => format!("devref::{}", lint.name),
            Target::Group(group) => format!("devref::{}", group.name()),
            Target::Unknown(name) => format!("devref::{name}"),
        }
    }
}

/// Every suppression of a file.
#[derive(Debug, Default)]
pub struct Suppressions {
    pub entries: Vec<Suppression>,
}

impl Suppressions {
    pub fn collect(
        source: &SourceFile,
        ast: &syn::File,
        comments: &CommentIndex,
        resolve: &dyn Fn(&str) -> Target,
    ) -> Suppressions {
        if !source.mentions_devref() {
            return Suppressions {
                entries: Vec::new(),
            };
        }
        let mut collector = AttrCollector {
            source,
            resolve,
            found: Vec::new(),
        };
        let whole = 0..source.text.len();
        for attr in &ast.attrs {
            collector.attribute(attr, whole.clone());
        }
        collector.visit_file(ast);
        let mut entries = collector.found;
        entries.extend(comment_suppressions(source, comments, resolve));
        Suppressions { entries }
    }

    /// Drops the diagnostics that a suppression covers and reports the suppressions that covered
    /// nothing. Only lint diagnostics can be suppressed.
    pub fn apply(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let mut used = vec![vec![false; 0]; self.entries.len()];
        for (entry, flags) in self.entries.iter().zip(used.iter_mut()) {
            *flags = vec![false; entry.targets.len()];
        }
        let mut kept = Vec::with_capacity(diagnostics.len());
        for diagnostic in diagnostics {
            let Origin::Lint(lint) = diagnostic.origin else {
                kept.push(diagnostic);
                continue;
            };
            let start = diagnostic.primary.start as usize;
            let mut suppressed = false;
            for (index, entry) in self.entries.iter().enumerate() {
                if !entry.covers.contains(&start) && entry.covers.start != start {
                    continue;
                }
                for (target_index, (target, _)) in entry.targets.iter().enumerate() {
                    if target.matches(lint) {
                        used[index][target_index] = true;
                        suppressed = true;
                    }
                }
            }
            if !suppressed {
                kept.push(diagnostic);
            }
        }
        for (entry, flags) in self.entries.iter().zip(&used) {
            for ((target, span), used) in entry.targets.iter().zip(flags) {
                if let Some(report) = unused_report(entry, target, *span, *used) {
                    kept.push(report);
                }
            }
            if entry.reason.is_none() {
                kept.push(
                    Diagnostic::lint(
                        &SUPPRESSION_WITHOUT_REASON,
                        entry.span,
                        "this suppression does not say why the code is right",
                    )
                    .with_help(match entry.span_kind() {
                        SpanKind::Attribute => "add `reason = \"…\"` to the attribute",
                        SpanKind::Comment => "add ` -- <reason>` after the suppression",
                    }),
                );
            }
        }
        kept
    }
}

enum SpanKind {
    Attribute,
    Comment,
}

impl Suppression {
    fn span_kind(&self) -> SpanKind {
        if self.covers.start == self.span.start as usize
            && self.covers.end == self.span.end as usize
        {
            SpanKind::Comment
        } else {
            SpanKind::Attribute
        }
    }
}

fn unused_report(
    entry: &Suppression,
    target: &Target,
    span: Span,
    used: bool,
) -> Option<Diagnostic> {
    if used {
        return None;
    }
    let name = target.display();
    let diagnostic = match (target, entry.kind) {
        (Target::Unknown(_), _) => Diagnostic::lint(
            &UNUSED_SUPPRESSION,
            span,
            format!("`{name}` is not a devref lint or lint group"),
        )
        .with_help("`devref lints` lists the lints and groups"),
        (_, Kind::Expect) => Diagnostic::lint(
            &UNUSED_SUPPRESSION,
            span,
            format!("this expectation of `{name}` is unfulfilled"),
        )
        .with_note("`expect` asserts that the lint fires here; it did not"),
        (_, Kind::Allow) => Diagnostic::lint(
            &UNUSED_SUPPRESSION,
            span,
            format!("`{name}` is allowed here, but nothing here triggers it"),
        )
        .with_help("remove the suppression"),
    };
    Some(diagnostic.with_label("suppresses nothing"))
}

fn is_suppression(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("allow") || attr.path().is_ident("expect")
}

struct AttrCollector<'r> {
    source: &'r SourceFile,
    resolve: &'r dyn Fn(&str) -> Target,
    found: Vec<Suppression>,
}

impl AttrCollector<'_> {
    /// `covers` is computed only for attributes that can suppress: a node's span is not free.
    fn attributes(&mut self, attrs: &[syn::Attribute], covers: impl FnOnce() -> Tokens) {
        if !attrs.iter().any(is_suppression) {
            return;
        }
        let range = covers().span_in(self.source).range();
        for attr in attrs {
            self.attribute(attr, range.clone());
        }
    }

    fn attribute(&mut self, attr: &syn::Attribute, covers: std::ops::Range<usize>) {
        let kind = if attr.path().is_ident("allow") {
            Kind::Allow
        } else if attr.path().is_ident("expect") {
            Kind::Expect
        } else {
            return;
        };
        let Ok(metas) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
        ) else {
            return;
        };
        let mut targets = Vec::new();
        let mut reason = None;
        for meta in &metas {
            match meta {
                syn::Meta::Path(path) => {
                    let segments: Vec<String> =
                        path.segments.iter().map(|s| s.ident.to_string()).collect();
                    if segments.len() == 2 && segments[0] == "devref" {
                        targets.push(((self.resolve)(&segments[1]), self.source.span(path.span())));
                    }
                }
                syn::Meta::NameValue(nv) if nv.path.is_ident("reason") => {
                    if let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }) = &nv.value
                    {
                        reason = Some(text.value());
                    }
                }
                _ => {}
            }
        }
        if !targets.is_empty() {
            self.found.push(Suppression {
                kind,
                targets,
                reason,
                span: self.source.span(attr.span()),
                covers,
            });
        }
    }
}

impl<'ast> Visit<'ast> for AttrCollector<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if let Some(attrs) = item_attrs(item) {
            self.attributes(attrs, || spans::item(item));
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        if let Some(attrs) = impl_item_attrs(item) {
            self.attributes(attrs, || spans::impl_item(item));
        }
        syn::visit::visit_impl_item(self, item);
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        let attrs = match item {
            syn::TraitItem::Const(i) => &i.attrs,
            syn::TraitItem::Fn(i) => &i.attrs,
            syn::TraitItem::Type(i) => &i.attrs,
            syn::TraitItem::Macro(i) => &i.attrs,
            _ => return syn::visit::visit_trait_item(self, item),
        };
        self.attributes(attrs, || spans::trait_item(item));
        syn::visit::visit_trait_item(self, item);
    }

    fn visit_field(&mut self, field: &'ast syn::Field) {
        self.attributes(&field.attrs, || Tokens::one(field.span()));
        syn::visit::visit_field(self, field);
    }

    fn visit_variant(&mut self, variant: &'ast syn::Variant) {
        self.attributes(&variant.attrs, || Tokens::one(variant.span()));
        syn::visit::visit_variant(self, variant);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        self.attributes(&local.attrs, || Tokens::one(local.span()));
        syn::visit::visit_local(self, local);
    }

    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        if let Some(attrs) = expr_attrs(expr) {
            self.attributes(attrs, || Tokens::one(expr.span()));
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_stmt_macro(&mut self, stmt: &'ast syn::StmtMacro) {
        self.attributes(&stmt.attrs, || Tokens::one(stmt.span()));
        syn::visit::visit_stmt_macro(self, stmt);
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.attributes(&arm.attrs, || Tokens::one(arm.span()));
        syn::visit::visit_arm(self, arm);
    }
}

fn expr_attrs(expr: &syn::Expr) -> Option<&[syn::Attribute]> {
    Some(match expr {
        syn::Expr::Assign(e) => &e.attrs,
        syn::Expr::Block(e) => &e.attrs,
        syn::Expr::Call(e) => &e.attrs,
        syn::Expr::Closure(e) => &e.attrs,
        syn::Expr::If(e) => &e.attrs,
        syn::Expr::Macro(e) => &e.attrs,
        syn::Expr::Match(e) => &e.attrs,
        syn::Expr::MethodCall(e) => &e.attrs,
        syn::Expr::Reference(e) => &e.attrs,
        syn::Expr::Return(e) => &e.attrs,
        syn::Expr::Struct(e) => &e.attrs,
        syn::Expr::Unsafe(e) => &e.attrs,
        _ => return None,
    })
}

/// `// devref: allow(a, b) -- reason` and `//! devref: allow(a)`.
fn comment_suppressions(
    source: &SourceFile,
    comments: &CommentIndex,
    resolve: &dyn Fn(&str) -> Target,
) -> Vec<Suppression> {
    let mut found = Vec::new();
    for comment in comments.all() {
        let body = comment.body(&source.text);
        let Some(directive) = body.trim_start().strip_prefix("devref:") else {
            continue;
        };
        let directive = directive.trim_start();
        let (kind, rest) = if let Some(rest) = directive.strip_prefix("allow") {
            (Kind::Allow, rest)
        } else if let Some(rest) = directive.strip_prefix("expect") {
            (Kind::Expect, rest)
        } else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('(') else {
            continue;
        };
        let Some(close) = rest.find(')') else {
            continue;
        };
        let names = &rest[..close];
        let reason = rest[close + 1..]
            .trim()
            .strip_prefix("--")
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let span = Span::new(source.id, comment.range());
        // Names are located inside the comment for precise `unused_suppression` spans.
        let names_start = comment.start as usize
            + (body.as_ptr() as usize - comment.text(&source.text).as_ptr() as usize)
            + (names.as_ptr() as usize - body.as_ptr() as usize);
        let mut targets = Vec::new();
        let mut offset = 0;
        for name in names.split(',') {
            let trimmed = name.trim();
            let lead = name.len() - name.trim_start().len();
            if !trimmed.is_empty() {
                let bare = trimmed.strip_prefix("devref::").unwrap_or(trimmed);
                let start = names_start + offset + lead;
                targets.push((
                    resolve(bare),
                    Span::new(source.id, start..start + trimmed.len()),
                ));
            }
            offset += name.len() + 1;
        }
        if targets.is_empty() {
            continue;
        }
        let covers = if comment.doc == DocStyle::Inner {
            0..source.text.len()
        } else {
            covered_line(source, comments, comment.start_line, comment.end_line)
        };
        found.push(Suppression {
            kind,
            targets,
            reason,
            span,
            covers,
        });
    }
    found
}

/// The line a comment suppression applies to: its own line when it trails code, else the next
/// line that holds code.
fn covered_line(
    source: &SourceFile,
    comments: &CommentIndex,
    start_line: u32,
    end_line: u32,
) -> std::ops::Range<usize> {
    if comments.line_has_code(start_line) {
        return source.line_range(start_line as usize);
    }
    let mut line = end_line + 1;
    while (line as usize) < source.line_count() {
        if comments.line_has_code(line) {
            return source.line_range(line as usize);
        }
        line += 1;
    }
    0..0
}
