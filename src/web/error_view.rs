//! The one component that shows every error: the core's (with file, line and column, and the
//! PowerShell that fixes it), the page's, and a crashed worker's.

use yew::prelude::*;

use crate::engine::error::{Error, ErrorKind};

/// What went wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// An error from the core or the page.
    Error(Error),
    /// The worker (or the page) panicked: only a reload helps.
    Crash(String),
    /// A worker stopped without a panic, with the browser's message: out of memory, as a rule.
    Stopped(String),
}

/// Props of [`ErrorView`].
#[derive(Properties, PartialEq)]
pub struct ErrorProps {
    /// The problem to show.
    pub problem: Problem,
    /// Offered when the files are in the wrong slots.
    #[prop_or_default]
    pub on_swap: Option<Callback<()>>,
    /// Offered when the column mapping can fix it.
    #[prop_or_default]
    pub on_map_columns: Option<Callback<()>>,
    /// Hides the message.
    #[prop_or_default]
    pub on_dismiss: Option<Callback<()>>,
}

/// A title for an error kind, and what to do about it.
fn advice(kind: &ErrorKind) -> (&'static str, &'static str) {
    match kind {
        ErrorKind::Empty => ("The file is empty", "Export again: the file holds no users."),
        ErrorKind::NotText { .. } => (
            "Not a CSV or LDIF file",
            "Export with Export-Csv (or csvde / ldifde). An Excel workbook must be saved as CSV first.",
        ),
        ErrorKind::TooLarge { .. } => (
            "The file is too large",
            "Export only the columns the audit reads, or run the anchor-audit command-line tool on it.",
        ),
        ErrorKind::TooLargeForTab { .. } => (
            "The files are too large for a browser tab",
            "Run the anchor-audit command-line tool on them, which has no such limit: anchor-audit report onprem.csv cloud.csv",
        ),
        ErrorKind::NoHeader { .. } => (
            "No header line found",
            "The first line must name the columns, as Export-Csv writes it.",
        ),
        ErrorKind::MissingColumn { .. } => (
            "A column is missing",
            "Export it with the PowerShell below, or pick the column that holds it under \u{201c}Columns\u{201d}.",
        ),
        ErrorKind::TypeNameInColumn { .. } => (
            "A column holds type names instead of values",
            "Export it again with the PowerShell below.",
        ),
        ErrorKind::EmptyAnchorColumn { .. } => (
            "The anchor column is empty",
            "Export it again with the PowerShell below (Get-MgUser needs -Property).",
        ),
        ErrorKind::WrongSide { .. } => (
            "This file belongs in the other slot",
            "Load the right export in this slot, or swap the two files if the other one belongs here.",
        ),
        ErrorKind::Swapped => ("The files are the wrong way round", "Swap them with one click."),
        ErrorKind::Syntax { .. } | ErrorKind::FieldCount { .. } => (
            "A record cannot be read",
            "Fix the line named above in the file, or export it again.",
        ),
        ErrorKind::BadGuid { .. } | ErrorKind::BadValue { .. } => (
            "A value cannot be used",
            "Fix the value named above in the file, or export it again.",
        ),
        ErrorKind::Usage { .. } => ("This cannot be done", "Check the options and files."),
        ErrorKind::UnknownContextFile { .. } => (
            "Not a tenant context file",
            "Export one of the kinds listed above with its PowerShell, or leave this file out.",
        ),
        ErrorKind::EarlierReport { .. } => (
            "This earlier report cannot be compared with",
            "Choose the JSON report an earlier run of these exports wrote (\u{201c}Report (JSON)\u{201d}).",
        ),
        ErrorKind::PendingExports { .. } => (
            "These pending exports cannot be read",
            "Export the Entra ID connector's pending exports again with csexport \u{2026} /f:x, on the staging server.",
        ),
        ErrorKind::Cancelled => ("Cancelled", "The run was stopped. Change the files or options, or run again."),
    }
}

/// "the file is empty" → "The file is empty."
fn sentence(text: &str) -> String {
    let text = text.trim().trim_end_matches(['.', ':']);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The PowerShell that fixes an error, where the core gives one.
fn fix_text(kind: &ErrorKind) -> Option<&str> {
    match kind {
        ErrorKind::MissingColumn { fix, .. }
        | ErrorKind::TypeNameInColumn { fix, .. }
        | ErrorKind::EmptyAnchorColumn { fix, .. } => Some(fix),
        _ => None,
    }
}

/// The one way on from a crash: a fresh page (nothing was kept or sent).
fn reload_actions() -> Html {
    html! {
        <div class="actions">
            <button type="button" onclick={|_| { let _ = gloo::utils::window().location().reload(); }}>{ "Reload" }</button>
        </div>
    }
}

/// Shows one problem: a title, the full message, where it is, what to do, and any fix.
#[function_component(ErrorView)]
pub fn error_view(props: &ErrorProps) -> Html {
    let dismiss = props.on_dismiss.as_ref().map(|cb| {
        let cb = cb.clone();
        html! { <button type="button" class="secondary" onclick={move |_| cb.emit(())}>{ "Dismiss" }</button> }
    });
    match &props.problem {
        Problem::Stopped(message) => html! {
            <section class="error crash stopped" role="alert" aria-labelledby="error-title">
                <h2 id="error-title">{ "The audit stopped: most likely out of memory" }</h2>
                <p>{ "A browser tab gives the audit at most 4 GB, and it needs about 2.2 times the size of the two files. \
                      Audit these files with the anchor-audit command-line tool, which is not bound by a tab's memory, \
                      or export only the columns the audit reads. Reload the page to start again (nothing was sent anywhere)." }</p>
                <pre class="error-detail">{ message }</pre>
                { reload_actions() }
            </section>
        },
        Problem::Crash(message) => html! {
            <section class="error crash" role="alert" aria-labelledby="error-title">
                <h2 id="error-title">{ "Something went wrong inside Anchor Audit" }</h2>
                <p>{ "This is a bug, not a problem with your files. Reload the page to start again (nothing was sent anywhere)." }</p>
                <pre class="error-detail">{ message }</pre>
                { reload_actions() }
            </section>
        },
        Problem::Error(error) => {
            let (title, todo) = advice(error.kind());
            let cancelled = *error.kind() == ErrorKind::Cancelled;
            // The message without its place (which is shown as its own fields) and without the
            // PowerShell (shown below in a <pre>).
            let message = error.kind().to_string();
            let message = match fix_text(error.kind()) {
                Some(fix) => message
                    .replace(fix, "")
                    .split("Export it with")
                    .next()
                    .unwrap_or_default()
                    .trim_end()
                    .to_string(),
                None => message,
            };
            let message = sentence(&message);
            let swap = props.on_swap.as_ref().filter(|_| {
                matches!(error.kind(), ErrorKind::Swapped | ErrorKind::WrongSide { .. })
            });
            html! {
                <section class={classes!("error", cancelled.then_some("notice"))} role="alert" aria-labelledby="error-title">
                    <h2 id="error-title">{ title }</h2>
                    <p class="error-message">{ message }</p>
                    if error.side().is_some() || error.file().is_some() || error.position().is_some() {
                        <dl class="error-place">
                            if let Some(side) = error.side() {
                                <div><dt>{ "Export" }</dt><dd>{ side.to_string() }</dd></div>
                            }
                            if let Some(file) = error.file() {
                                <div><dt>{ "File" }</dt><dd>{ file }</dd></div>
                            }
                            if let Some(position) = error.position() {
                                <div><dt>{ "Line" }</dt><dd data-line="">{ position.line }</dd></div>
                                if let Some(column) = &position.column {
                                    <div><dt>{ "Column" }</dt><dd data-column="">{ column }</dd></div>
                                }
                            }
                        </dl>
                    }
                    <p class="error-todo">{ todo }</p>
                    if let Some(fix) = fix_text(error.kind()) {
                        <pre class="fix" tabindex="0" aria-label="PowerShell to export it right">{ fix }</pre>
                    }
                    <p class="error-full visually-hidden">{ error.to_string() }</p>
                    <div class="actions">
                        if let Some(cb) = swap {
                            <button type="button" onclick={let cb = cb.clone(); move |_| cb.emit(())}>{ "Swap the two files" }</button>
                        }
                        if let Some(cb) = &props.on_map_columns {
                            if matches!(error.kind(), ErrorKind::MissingColumn { .. }) {
                                <button type="button" class="secondary" onclick={let cb = cb.clone(); move |_| cb.emit(())}>{ "Choose columns" }</button>
                            }
                        }
                        { for dismiss }
                    </div>
                </section>
            }
        }
    }
}
