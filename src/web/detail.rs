//! One entry in full: both rows, the computed anchor, what the cloud anchor is made of, the
//! reason, the findings and the PowerShell that fixes it, with a copy button.

use std::rc::Rc;

use yew::prelude::*;

use super::dom::copy_text;
use super::protocol::Detail;
use super::results::{severity_class, severity_label};
use crate::engine::report::Category;

/// Props of [`DetailPanel`].
#[derive(Properties, PartialEq)]
pub struct DetailProps {
    /// The entry (`None` while it is fetched).
    #[prop_or_default]
    pub detail: Option<Rc<Detail>>,
    /// Close the panel.
    pub on_close: Callback<()>,
}

fn side(title: &str, values: &[(String, String)]) -> Html {
    html! {
        <div class="side">
            <h4>{ title.to_string() }</h4>
            if values.is_empty() {
                <p class="muted">{ "No row in this export." }</p>
            } else {
                <dl class="values">
                    { for values.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| html! {
                        <div><dt>{ k }</dt><dd class="mono">{ v }</dd></div>
                    }) }
                </dl>
            }
        </div>
    }
}

/// The detail panel beside the table.
#[function_component(DetailPanel)]
pub fn detail_panel(props: &DetailProps) -> Html {
    let copied = use_state(|| false);
    let title = use_node_ref();
    // Focus moves into the drawer when it opens (or shows another entry), so the keyboard
    // follows; Escape closes it.
    {
        let title = title.clone();
        let copied = copied.clone();
        let entry = props.detail.as_ref().map(|d| d.entry);
        use_effect_with(entry, move |_| {
            copied.set(false);
            if let Some(el) = title.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    let close = {
        let cb = props.on_close.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let onkeydown = {
        let cb = props.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                cb.emit(());
            }
        })
    };
    let Some(d) = &props.detail else {
        return html! { <aside class="detail" aria-busy="true" {onkeydown}><p class="muted">{ "Loading…" }</p></aside> };
    };
    let copy = d.fix_powershell.clone().map(|ps| {
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            copy_text(&ps, "fix-script");
            copied.set(true);
        })
    });
    let key = d.category.map(Category::key).unwrap_or("none");
    html! {
        <aside class="detail" role="dialog" aria-modal="false" aria-labelledby="detail-title" {onkeydown} data-detail={d.entry.to_string()}>
            <div class="detail-head">
                <h3 id="detail-title" tabindex="-1" ref={title}>
                    <span class={classes!("pill", format!("cat-{key}"))}>{ d.category.map(|c| c.label()).unwrap_or_default() }</span>
                </h3>
                <button type="button" class="secondary" onclick={close} aria-label="Close details">{ "Close" }</button>
            </div>
            <p class="reason">{ &d.reason }</p>
            if let Some(ps) = &d.fix_powershell {
                <h4>{ "Fix" }</h4>
                if let Some(summary) = &d.fix_summary { <p>{ summary }</p> }
                <pre id="fix-script" class="fix" tabindex="0" aria-label="PowerShell fix">{ ps }</pre>
                <button type="button" onclick={copy}>{ if *copied { "Copied" } else { "Copy PowerShell" } }</button>
                <span class="muted small">{ " Review it before you run it." }</span>
            }
            <div class="sides">
                { side("On-prem", &d.onprem) }
                { side("Cloud", &d.cloud) }
            </div>
            <dl class="values anchor">
                <div><dt>{ "Computed anchor" }</dt><dd class="mono" data-anchor="">{ d.anchor.clone().unwrap_or_else(|| "none".into()) }</dd></div>
                if let Some(class) = &d.anchor_class {
                    <div><dt>{ "Cloud anchor is" }</dt><dd data-anchor-class="">{ class }</dd></div>
                }
            </dl>
            if let Some(explain) = &d.anchor_explain {
                <p class="explain">{ explain }</p>
            }
            if !d.findings.is_empty() {
                <h4>{ "Findings" }</h4>
                <ul class="findings">
                    { for d.findings.iter().map(|(s, m)| html! {
                        <li class={severity_class(*s)}><span class="sev">{ severity_label(*s) }</span>{ " " }{ m }</li>
                    }) }
                </ul>
            }
        </aside>
    }
}
