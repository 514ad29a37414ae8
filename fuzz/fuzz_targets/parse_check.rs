//! Any text, as a plan: compiling never panics, every diagnostic's span lies
//! in the text, and the diagnostics (errors, or a compiled plan's warnings)
//! render as `payplan check` prints them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payplan::{Diagnostic, Plan};
use payplan_cli::render_diagnostics;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    match Plan::compile(&source, "fuzz.plan") {
        Ok(plan) => render(&source, plan.warnings()),
        Err(e) => {
            assert!(!e.diagnostics.is_empty(), "refused without a diagnostic");
            let _ = e.to_string();
            render(&source, &e.diagnostics);
        }
    }
});

fn render(source: &str, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        for span in std::iter::once(&d.span).chain(d.secondary.iter().map(|(s, _)| s)) {
            assert!(
                span.start <= span.end
                    && source.is_char_boundary(span.start)
                    && source.is_char_boundary(span.end),
                "span {}..{} of `{}` is not in the {}-byte source",
                span.start,
                span.end,
                d.message,
                source.len()
            );
        }
        let _ = d.span.line_col(source);
    }
    let plain = render_diagnostics("fuzz.plan", source, diagnostics, false);
    let _ = render_diagnostics("fuzz.plan", source, diagnostics, true);
    assert!(diagnostics.is_empty() || !plain.is_empty());
}
