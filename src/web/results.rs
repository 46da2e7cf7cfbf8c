//! The verdict banner, the counts per category with a small bar chart, the row accounting per
//! file, the run's notices and the downloads.

use yew::prelude::*;

use super::pending_panel::PendingPanel;
use super::protocol::{DownloadKind, Overview, UNREADABLE_SHOWN};
use super::since_panel::SincePanel;
use crate::engine::error::Side;
use crate::engine::output::group_digits;
use crate::engine::report::{Category, Severity};

/// Props of [`Results`].
#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    /// The finished run.
    pub overview: std::rc::Rc<Overview>,
    /// Downloads asked for and not handed over yet.
    #[prop_or_default]
    pub preparing: Vec<DownloadKind>,
    /// A download was asked for.
    pub on_download: Callback<DownloadKind>,
    /// A category bar was clicked: filter the table to it.
    pub on_category: Callback<Category>,
    /// A user in the comparison with the earlier report was clicked: open its detail.
    pub on_open: Callback<u32>,
}

/// Everything above the table once a run is done.
#[function_component(Results)]
pub fn results(props: &ResultsProps) -> Html {
    let o = &props.overview;
    let max = o.counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let bar_width = 220.0;
    let row_h = 22;
    let height = row_h * o.counts.len() as i32;
    let download = |kind: DownloadKind, label: &str| {
        let cb = props.on_download.clone();
        // Made in the worker: at a million users a report takes seconds. Marked disabled
        // meanwhile (a click asks nothing again), but not `disabled`, which would drop the
        // keyboard focus of the button just pressed.
        let preparing = props.preparing.contains(&kind);
        let label =
            if preparing { format!("{label}: preparing\u{2026}") } else { label.to_string() };
        html! {
            <button type="button" class="secondary" data-download={kind.file_name()}
                aria-disabled={preparing.to_string()} aria-busy={preparing.to_string()}
                onclick={move |_| cb.emit(kind)}>{ label }</button>
        }
    };
    let unreadable =
        |side: Side| o.accounting.iter().find(|a| a.side == side).map_or(0, |a| a.unreadable);
    html! {
        <section class="results" aria-labelledby="verdict">
            <div class={classes!("verdict", if o.safe { "safe" } else { "unsafe" })} role="status">
                <span class="verdict-icon" aria-hidden="true">{ if o.safe { "✓" } else { "!" } }</span>
                <div>
                    <h2 id="verdict">{ &o.headline }</h2>
                    if let Some(since) = &o.since {
                        <p class="since-line" data-since-line="">{ &since.summary }</p>
                    }
                    if let Some(pending) = &o.pending {
                        <p class="since-line" data-pending-line="">{ &pending.summary }</p>
                    }
                </div>
            </div>
            <div class="overview-grid">
                <div class="counts">
                    <h3>{ "Users per category" }</h3>
                    <table class="count-table" data-counts="">
                        <tbody>
                            { for o.counts.iter().enumerate().map(|(i, (c, n))| {
                                let cb = props.on_category.clone();
                                let c = *c;
                                html! {
                                    <tr data-category={c.key()}>
                                        <th scope="row">
                                            <button type="button" class="link" onclick={move |_| cb.emit(c)}
                                                aria-label={format!("Show {} only", c.label())}>
                                                <span class={classes!("swatch", format!("cat-{}", c.key()))} aria-hidden="true"></span>
                                                { c.label() }
                                            </button>
                                        </th>
                                        <td class="num" data-count="">{ group_digits(*n) }</td>
                                        if i == 0 {
                                            <td class="chart-cell" rowspan={o.counts.len().to_string()}>
                                                <svg class="chart" role="img" aria-label="Bar chart of users per category"
                                                    width={(bar_width + 8.0).to_string()} height={height.to_string()}
                                                    viewBox={format!("0 0 {} {height}", bar_width + 8.0)}>
                                                    { for o.counts.iter().enumerate().map(|(j, (c, n))| {
                                                        let w = if *n == 0 { 0.0 } else { (*n as f64 / max as f64 * bar_width).max(2.0) };
                                                        html! {
                                                            <rect class={format!("bar cat-{}", c.key())}
                                                                x="0" y={(j as i32 * row_h + 5).to_string()}
                                                                width={format!("{w:.1}")} height={(row_h - 10).to_string()} rx="2">
                                                                <title>{ format!("{}: {}", c.label(), group_digits(*n)) }</title>
                                                            </rect>
                                                        }
                                                    }) }
                                                </svg>
                                            </td>
                                        }
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                    <p class="tags">
                        <span data-tag="custom-anchor">{ format!("{} with a custom anchor", group_digits(o.custom_anchor)) }</span>
                        { " · " }
                        <span data-tag="duplicates">{ format!("{} involving duplicates", group_digits(o.duplicates)) }</span>
                    </p>
                </div>
                <div class="accounting">
                    <h3>{ "Every row accounted for" }</h3>
                    <ul>
                        { for o.accounting.iter().map(|a| {
                            let ok = a.balanced();
                            html! {
                                <li data-accounting={a.side.to_string()} class={classes!((!ok).then_some("bad"))}>
                                    <strong>{ if a.side == Side::OnPrem { "On-prem" } else { "Cloud" } }</strong>
                                    { format!(": {} rows read = {} in the report + {} unreadable",
                                        group_digits(a.records), group_digits(a.in_report), group_digits(a.unreadable)) }
                                </li>
                            }
                        }) }
                    </ul>
                    <p class="muted">{ format!("Anchor: {}.", o.anchor_attribute) }</p>
                    <h3>{ "Downloads" }</h3>
                    <div class="downloads">
                        { download(DownloadKind::Csv, "Report (CSV)") }
                        { download(DownloadKind::Json, "Report (JSON)") }
                        { download(DownloadKind::Script, "Fix script (.ps1)") }
                        { download(DownloadKind::Html, "Printable report (HTML)") }
                        if unreadable(Side::OnPrem) > 0 {
                            { download(DownloadKind::Unreadable(Side::OnPrem), "On-prem unreadable rows") }
                        }
                        if unreadable(Side::Cloud) > 0 {
                            { download(DownloadKind::Unreadable(Side::Cloud), "Cloud unreadable rows") }
                        }
                    </div>
                    <p class="muted small">{ "Made in this browser. Read the fix script before running it, and run it with -WhatIf first to see what it would change. Open the printable report and print it, or save it as PDF, for the change record." }</p>
                </div>
            </div>
            if let Some(pending) = &o.pending {
                <PendingPanel pending={pending.clone()} on_open={props.on_open.clone()} />
            }
            if let Some(since) = &o.since {
                <SincePanel since={since.clone()} on_open={props.on_open.clone()} />
            }
            if !o.unreadable.is_empty() {
                <details class="unreadable" data-unreadable="">
                    <summary>{ format!("Unreadable rows ({})", group_digits(o.accounting.iter().map(|a| a.unreadable).sum())) }</summary>
                    <p class="muted small">{ "Each is left out of the report. Download a file's unreadable rows above, fix them and load that file again." }</p>
                    <ul>
                        { for o.unreadable.iter().map(|e| html! { <li class="mono small">{ e.to_string() }</li> }) }
                    </ul>
                    if o.unreadable.len() == UNREADABLE_SHOWN {
                        <p class="muted small">{ format!("The first {UNREADABLE_SHOWN} are listed; the downloads have them all.") }</p>
                    }
                </details>
            }
            if !o.notices.is_empty() {
                <ul class="notices">
                    { for o.notices.iter().map(|n| html! {
                        <li class={classes!("notice", severity_class(n.severity))}>
                            <span class="sev">{ severity_label(n.severity) }</span>
                            <span class="pre-line">{ capitalised(&n.message) }</span>
                        </li>
                    }) }
                </ul>
            }
        </section>
    }
}

/// The first letter upper-cased; nothing else changes (a notice may end in PowerShell).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// "problem" / "warning" / "info".
pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Problem => "Problem",
        Severity::Warning => "Warning",
        Severity::Info => "Info",
    }
}

/// The CSS class of a severity.
pub fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Problem => "sev-problem",
        Severity::Warning => "sev-warning",
        Severity::Info => "sev-info",
    }
}
