//! The anchor attribute and the two tenant switches.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::join::MatchOptions;
use crate::engine::model::AnchorAttribute;

/// Props of [`MatchingOptions`].
#[derive(Properties, PartialEq)]
pub struct OptionsProps {
    /// The current choices.
    pub matching: MatchOptions,
    /// The on-prem file's headers, for a string anchor column.
    #[prop_or_default]
    pub onprem_headers: Vec<String>,
    /// The choices changed.
    pub on_change: Callback<MatchOptions>,
}

/// A fieldset: which attribute is the source anchor, and the tenant's matching switches.
#[function_component(MatchingOptions)]
pub fn matching_options(props: &OptionsProps) -> Html {
    let m = &props.matching;
    let set_anchor = |anchor: AnchorAttribute| {
        let on_change = props.on_change.clone();
        let m = m.clone();
        Callback::from(move |_: Event| {
            on_change.emit(MatchOptions { anchor: anchor.clone(), ..m.clone() })
        })
    };
    let column = match &m.anchor {
        AnchorAttribute::Column(c) => Some(c.clone()),
        _ => None,
    };
    let first_header = props
        .onprem_headers
        .iter()
        .find(|h| h.to_lowercase().contains("employee"))
        .or(props.onprem_headers.first())
        .cloned()
        .unwrap_or_else(|| "employeeID".into());
    let on_column = {
        let on_change = props.on_change.clone();
        let m = m.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            on_change
                .emit(MatchOptions { anchor: AnchorAttribute::Column(select.value()), ..m.clone() })
        })
    };
    let switch = |set: fn(&mut MatchOptions, bool)| {
        let on_change = props.on_change.clone();
        let m = m.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut next = m.clone();
            set(&mut next, input.checked());
            on_change.emit(next)
        })
    };
    html! {
        <div class="options">
            <fieldset>
                <legend>{ "Source anchor" }</legend>
                <label class="choice">
                    <input type="radio" name="anchor" checked={m.anchor == AnchorAttribute::ConsistencyGuidElseObjectGuid}
                        onchange={set_anchor(AnchorAttribute::ConsistencyGuidElseObjectGuid)} />
                    { "mS-DS-ConsistencyGuid, else objectGUID" }<span class="muted">{ " (Entra Connect ≥ 1.1.524, cloud sync)" }</span>
                </label>
                <label class="choice">
                    <input type="radio" name="anchor" checked={m.anchor == AnchorAttribute::ObjectGuid}
                        onchange={set_anchor(AnchorAttribute::ObjectGuid)} />
                    { "objectGUID only" }
                </label>
                <label class="choice">
                    <input type="radio" name="anchor" checked={column.is_some()}
                        onchange={set_anchor(AnchorAttribute::Column(column.clone().unwrap_or(first_header)))} />
                    { "A string attribute (used verbatim)" }
                </label>
                if let Some(column) = &column {
                    <div class="indent">
                        <label for="anchor-column">{ "On-prem column" }</label>
                        <select id="anchor-column" onchange={on_column}>
                            if !props.onprem_headers.iter().any(|h| h == column) {
                                <option value={column.clone()} selected=true>{ column }</option>
                            }
                            { for props.onprem_headers.iter().map(|h| html! {
                                <option value={h.clone()} selected={h == column}>{ h }</option>
                            }) }
                        </select>
                    </div>
                }
            </fieldset>
            <fieldset>
                <legend>{ "Tenant switches" }</legend>
                <label class="choice">
                    <input type="checkbox" checked={m.block_soft_match}
                        onchange={switch(|m, v| m.block_soft_match = v)} />
                    { "BlockSoftMatchEnabled" }<span class="muted">{ " (no soft match on SMTP / UPN)" }</span>
                </label>
                <label class="choice">
                    <input type="checkbox" checked={m.block_cloud_takeover}
                        onchange={switch(|m, v| m.block_cloud_takeover = v)} />
                    { "BlockCloudObjectTakeoverThroughHardMatchEnabled" }<span class="muted">{ " (no hard-match takeover)" }</span>
                </label>
            </fieldset>
        </div>
    }
}
