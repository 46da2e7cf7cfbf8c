//! Where Entra Connect's own pending exports and the report's prediction disagree: each user
//! with both sides, a link to its detail where it is in the report.

use yew::prelude::*;

use super::protocol::PendingView;
use crate::engine::output::group_digits;

/// Props of [`PendingPanel`].
#[derive(Properties, PartialEq)]
pub struct PendingPanelProps {
    /// The cross-check.
    pub pending: PendingView,
    /// A user in the report was clicked: open its detail.
    pub on_open: Callback<u32>,
}

/// The disagreements table (nothing when they agree: the verdict's line says so).
#[function_component(PendingPanel)]
pub fn pending_panel(props: &PendingPanelProps) -> Html {
    let p = &props.pending;
    if p.total == 0 {
        return html! {};
    }
    html! {
        <section class="since pending" aria-labelledby="pending-title" data-pending-panel="">
            <h3 id="pending-title">{ format!("Entra Connect disagrees ({})", group_digits(p.total)) }</h3>
            <table class="since-table">
                <thead>
                    <tr><th scope="col">{ "User" }</th><th scope="col">{ "The report" }</th><th scope="col">{ "Entra Connect" }</th><th scope="col">{ "What it means" }</th></tr>
                </thead>
                <tbody>
                    { for p.shown.iter().map(|d| html! {
                        <tr data-user={d.user.clone()}>
                            <td>
                                if let Some(entry) = d.entry {
                                    <button type="button" class="link" onclick={props.on_open.reform(move |_| entry)}>{ &d.user }</button>
                                } else {
                                    { &d.user }
                                }
                            </td>
                            <td>{ &d.report }</td>
                            <td>{ &d.connect }</td>
                            <td>{ &d.meaning }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            if p.total > p.shown.len() as u64 {
                <p class="muted small">{ format!("The first {} are listed; the JSON report has them all.", p.shown.len()) }</p>
            }
        </section>
    }
}
