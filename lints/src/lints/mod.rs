//! One module per lint, and the registry of them all.

use crate::diagnostic::Diagnostic;
use crate::lint::Lint;
use crate::model::body;
use crate::model::file_context::FileContext;
use crate::model::walk::{walk_file, Hooks};
use crate::panics::catch_panic;

pub mod callback_safety_comment_missing_refcount;
pub mod device_lifetime_escape;
pub mod manual_device_refcount;
pub mod missing_safety_comment;
pub mod raw_device_ptr_field;
pub mod safety_comment_missing_refcount;
pub mod safety_doc_missing_refcount;
pub mod static_device_ref;
pub(crate) mod suggest;
pub mod unbounded_device_ref;

/// A lint, and how it looks at a file: its items and the model's facts (`check`), the bodies in
/// the walk all lints share (`hooks`), or both.
pub struct LintPass {
    pub lint: &'static Lint,
    pub check: Option<fn(&FileContext<'_>, &mut Vec<Diagnostic>)>,
    /// Makes the lint's hooks for one file's walk; their findings are taken when it ends.
    pub hooks: Option<fn() -> Box<dyn Hooks>>,
}

/// What the lints found in one file, and the panics of lints, each under its lint.
#[derive(Default)]
pub struct Sink {
    pub diagnostics: Vec<Diagnostic>,
    pub panics: Vec<(&'static Lint, String)>,
}

/// Runs every lint on one file: one walk of its syntax for the hooks of all lints and the body
/// model's collector, then each lint's `check`. A lint that panics keeps what it found before, is
/// reported under its own name, and the others go on; nothing is walked twice.
pub fn check_file(cx: &FileContext<'_>) -> Sink {
    check_with(cx, ALL)
}

fn check_with(cx: &FileContext<'_>, passes: &[LintPass]) -> Sink {
    let mut sink = Sink::default();
    let mut collector = body::Collector::default();
    let mut walkers: Vec<(&'static Lint, Box<dyn Hooks>)> = passes
        .iter()
        .filter_map(|pass| Some((pass.lint, (pass.hooks?)())))
        .collect();
    let walked = {
        let mut hooks: Vec<&mut dyn Hooks> = vec![&mut collector];
        hooks.extend(
            walkers
                .iter_mut()
                .map(|(_, walker)| walker.as_mut() as &mut dyn Hooks),
        );
        catch_panic(|| walk_file(cx, &mut hooks))
    };
    // Per walker (the collector first), its panic; all of them when the walk itself panicked.
    let panics = match walked {
        Ok(panics) => panics,
        Err(message) => vec![Some(message); walkers.len() + 1],
    };
    let mut panics = panics.into_iter();
    // The safety lints meet a panic of the collector when they ask for its sites.
    let sites = match panics.next().flatten() {
        None => Ok(collector.sites),
        Some(message) => Err(message),
    };
    let _ = cx.safety_sites.set(sites);
    for ((lint, mut walker), panic) in walkers.into_iter().zip(panics) {
        sink.diagnostics.append(&mut walker.take_diagnostics());
        if let Some(message) = panic {
            sink.panics.push((lint, message));
        }
    }
    for pass in passes {
        let Some(check) = pass.check else {
            continue;
        };
        let mut found = Vec::new();
        let outcome = catch_panic(|| check(cx, &mut found));
        sink.diagnostics.append(&mut found);
        if let Err(message) = outcome {
            sink.panics.push((pass.lint, message));
        }
    }
    sink
}

/// Every lint, in documentation order.
pub static ALL: &[LintPass] = &[
    LintPass {
        lint: &static_device_ref::STATIC_DEVICE_REF,
        check: Some(static_device_ref::check),
        hooks: None,
    },
    LintPass {
        lint: &device_lifetime_escape::DEVICE_LIFETIME_ESCAPE,
        check: Some(device_lifetime_escape::check),
        hooks: None,
    },
    LintPass {
        lint: &unbounded_device_ref::UNBOUNDED_DEVICE_REF,
        check: Some(unbounded_device_ref::check),
        hooks: Some(|| Box::<unbounded_device_ref::FnHooks>::default()),
    },
    LintPass {
        lint: &raw_device_ptr_field::RAW_DEVICE_PTR_FIELD,
        check: Some(raw_device_ptr_field::check),
        hooks: None,
    },
    LintPass {
        lint: &manual_device_refcount::MANUAL_DEVICE_REFCOUNT,
        check: None,
        hooks: Some(|| Box::<manual_device_refcount::Finder>::default()),
    },
    LintPass {
        lint: &missing_safety_comment::MISSING_SAFETY_COMMENT,
        check: Some(missing_safety_comment::check),
        hooks: None,
    },
    LintPass {
        lint: &safety_comment_missing_refcount::SAFETY_COMMENT_MISSING_REFCOUNT,
        check: Some(safety_comment_missing_refcount::check),
        hooks: None,
    },
    LintPass {
        lint: &safety_doc_missing_refcount::SAFETY_DOC_MISSING_REFCOUNT,
        check: Some(safety_doc_missing_refcount::check),
        hooks: None,
    },
    LintPass {
        lint: &callback_safety_comment_missing_refcount::CALLBACK_SAFETY_COMMENT_MISSING_REFCOUNT,
        check: Some(callback_safety_comment_missing_refcount::check),
        hooks: None,
    },
];

/// Every lint: the passes' lints, then those the driver itself reports.
pub fn all_lints() -> impl Iterator<Item = &'static Lint> {
    ALL.iter().map(|pass| pass.lint).chain([
        &crate::suppress::UNUSED_SUPPRESSION,
        &crate::suppress::SUPPRESSION_WITHOUT_REASON,
    ])
}

pub fn find(name: &str) -> Option<&'static Lint> {
    all_lints().find(|lint| lint.name == name)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::comments::CommentIndex;
    use crate::model::lower::lower_file;
    use crate::model::macros::MacroCache;
    use crate::model::walk::{BodyScope, FnView};
    use crate::model::{Model, ModelConfig, ModelFile};
    use crate::source::{FileId, SourceFile, Span};

    crate::declare_lint! {
        /// Panics in its hooks at the second fn.
        pub PANICS_IN_HOOKS = "panics_in_hooks", Suspicious, "test"
    }
    crate::declare_lint! {
        /// Reports every fn its hooks see.
        pub REPORTS_FNS = "reports_fns", Suspicious, "test"
    }
    crate::declare_lint! {
        /// Reports every safety site of the body model.
        pub REPORTS_SITES = "reports_sites", Suspicious, "test"
    }

    thread_local! {
        static FNS_SEEN: Cell<usize> = const { Cell::new(0) };
    }

    #[derive(Default)]
    struct PanicsAtSecondFn {
        seen: usize,
        out: Vec<Diagnostic>,
    }

    impl Hooks for PanicsAtSecondFn {
        fn on_fn(&mut self, cx: &FileContext<'_>, _: &BodyScope, func: &FnView<'_>) {
            self.seen += 1;
            assert!(self.seen < 2, "hook bug at the second fn");
            let span = Span::new(cx.source.id, 0..0);
            let name = func.sig.ident.to_string();
            self.out
                .push(Diagnostic::lint(&PANICS_IN_HOOKS, span, name));
        }
        fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
            std::mem::take(&mut self.out)
        }
    }

    #[derive(Default)]
    struct ReportsFns(Vec<Diagnostic>);

    impl Hooks for ReportsFns {
        fn on_fn(&mut self, cx: &FileContext<'_>, _: &BodyScope, func: &FnView<'_>) {
            FNS_SEEN.with(|seen| seen.set(seen.get() + 1));
            let span = Span::new(cx.source.id, 0..0);
            let name = func.sig.ident.to_string();
            self.0.push(Diagnostic::lint(&REPORTS_FNS, span, name));
        }
        fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
            std::mem::take(&mut self.0)
        }
    }

    fn reports_sites(cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        for site in body::sites_of(cx) {
            out.push(Diagnostic::lint(&REPORTS_SITES, site.unsafe_span, "site"));
        }
    }

    #[test]
    fn a_panicking_hook_is_reported_under_its_lint_and_the_walk_is_not_rerun() {
        let text = concat!(
            "fn a(d: *mut bindings::device) { unsafe { bindings::get_device(d) }; }\n",
            "fn b(d: *mut bindings::device) { unsafe { bindings::get_device(d) }; }\n",
            "fn c(d: *mut bindings::device) { unsafe { bindings::put_device(d) }; }\n",
        );
        let source = SourceFile::new(FileId(0), "drivers/a.rs".to_string(), text.to_string());
        let ast = syn::parse_file(text).expect("parses");
        let macros = MacroCache::default();
        let tree = lower_file(&source, &ast, &macros);
        let model = Model::build(
            vec![ModelFile {
                id: source.id,
                name: source.name.clone(),
                tree,
            }],
            &ModelConfig::default(),
        );
        let comments = CommentIndex::build(text);
        let cx = FileContext::new(&source, &ast, &comments, &model, &macros);
        let passes = [
            LintPass {
                lint: &PANICS_IN_HOOKS,
                check: None,
                hooks: Some(|| Box::<PanicsAtSecondFn>::default()),
            },
            LintPass {
                lint: &REPORTS_FNS,
                check: None,
                hooks: Some(|| Box::<ReportsFns>::default()),
            },
            LintPass {
                lint: &REPORTS_SITES,
                check: Some(reports_sites),
                hooks: None,
            },
        ];
        FNS_SEEN.with(|seen| seen.set(0));
        let sink = check_with(&cx, &passes);
        let found: Vec<(&str, &str)> = sink
            .diagnostics
            .iter()
            .map(|d| (d.lint_name().unwrap_or("-"), d.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("panics_in_hooks", "a"),
                ("reports_fns", "a"),
                ("reports_fns", "b"),
                ("reports_fns", "c"),
                ("reports_sites", "site"),
                ("reports_sites", "site"),
                ("reports_sites", "site"),
            ]
        );
        let panics: Vec<(&str, &str)> = sink
            .panics
            .iter()
            .map(|(lint, message)| (lint.name, message.as_str()))
            .collect();
        assert_eq!(panics, [("panics_in_hooks", "hook bug at the second fn")]);
        // One walk: the other hooks saw each fn once, and the sites were not collected again.
        assert_eq!(FNS_SEEN.with(Cell::get), 3);
        assert!(cx.safety_sites.get().is_some_and(Result::is_ok));
    }
}
