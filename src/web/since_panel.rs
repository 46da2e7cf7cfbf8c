//! What changed since the earlier report: per category, who was fixed, who is new and who is
//! unchanged, each user a link to its detail.

use yew::prelude::*;

use super::protocol::{SinceList, SinceView};
use crate::engine::compare::Moved;
use crate::engine::output::group_digits;

/// Props of [`SincePanel`].
#[derive(Properties, PartialEq)]
pub struct SincePanelProps {
    /// The comparison.
    pub since: SinceView,
    /// A user of this run was clicked: open its detail.
    pub on_open: Callback<u32>,
}

/// The "since the earlier report" table.
#[function_component(SincePanel)]
pub fn since_panel(props: &SincePanelProps) -> Html {
    let since = &props.since;
    let cell = |list: &SinceList, what: &'static str| {
        let users = list.users.iter().map(|m| user(m, &props.on_open));
        html! {
            <td class="since-cell" data-since={what}>
                if list.total == 0 {
                    <span class="muted">{ "0" }</span>
                } else {
                    <details>
                        <summary><span data-count="">{ group_digits(list.total) }</span></summary>
                        <ul class="since-users">{ for users }</ul>
                        if list.total > list.users.len() as u64 {
                            <p class="muted small">{ format!("and {} more: the JSON report lists them all", group_digits(list.total - list.users.len() as u64)) }</p>
                        }
                    </details>
                }
            </td>
        }
    };
    html! {
        <section class="since" aria-labelledby="since-title" data-since-panel="">
            <h3 id="since-title">{ "Since the earlier report" }</h3>
            if since.categories.is_empty() {
                <p class="muted">{ "No user needed attention then or needs it now." }</p>
            } else {
                <table class="since-table">
                    <thead>
                        <tr><th scope="col">{ "Category" }</th><th scope="col">{ "Fixed" }</th><th scope="col">{ "New" }</th><th scope="col">{ "Unchanged" }</th></tr>
                    </thead>
                    <tbody>
                        { for since.categories.iter().map(|c| html! {
                            <tr data-category={c.category.key()}>
                                <th scope="row">
                                    <span class={classes!("swatch", format!("cat-{}", c.category.key()))} aria-hidden="true"></span>
                                    { c.category.label() }
                                </th>
                                { cell(&c.fixed, "fixed") }
                                { cell(&c.new, "new") }
                                { cell(&c.unchanged, "unchanged") }
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            { for since.notes.iter().map(|n| html! { <p class="hint">{ n.clone() }</p> }) }
        </section>
    }
}

/// One user: its name, where it went (or came from), and a link to its detail when it is in
/// this run.
fn user(moved: &Moved, on_open: &Callback<u32>) -> Html {
    let whereabouts = match (moved.before, moved.now) {
        (Some(before), Some(now)) if before != now => {
            format!("{} \u{2192} {}", before.label(), now.label())
        }
        (None, Some(_)) => "not in the earlier report".to_string(),
        (Some(_), None) => "no longer in the exports".to_string(),
        _ => String::new(),
    };
    html! {
        <li data-user={moved.user.clone()}>
            if let Some(entry) = moved.entry {
                <button type="button" class="link" onclick={on_open.reform(move |_| entry)}>{ &moved.user }</button>
            } else {
                <span>{ &moved.user }</span>
            }
            if !whereabouts.is_empty() {
                <span class="muted small">{ format!(" ({whereabouts})") }</span>
            }
        </li>
    }
}
