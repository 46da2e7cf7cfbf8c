//! The third drop zone: optional tenant context files (role assignments, PIM eligibilities,
//! domains, sync features), any number, each recognised by its columns in the worker.

use yew::prelude::*;

use super::file_drop::{use_file_drop, FileDrop};
use super::state::LoadedFile;
use crate::engine::context::ContextKind;

/// Props of [`ContextSlot`].
#[derive(Properties, PartialEq)]
pub struct ContextSlotProps {
    /// The files given, in order.
    pub files: Vec<LoadedFile>,
    /// Files were chosen or dropped.
    pub on_add: Callback<Vec<LoadedFile>>,
    /// The file at this index was removed.
    pub on_remove: Callback<usize>,
}

/// The drop zone for tenant context files.
#[function_component(ContextSlot)]
pub fn context_slot(props: &ContextSlotProps) -> Html {
    let FileDrop { dragging, ondragover, ondragleave, ondrop, onchange } =
        use_file_drop(props.on_add.clone());
    html! {
        <section
            class={classes!("slot", "context-slot", dragging.then_some("dragging"), (!props.files.is_empty()).then_some("filled"))}
            aria-labelledby="slot-context-title"
            data-slot="context"
            {ondragover} {ondragleave} {ondrop}
        >
            <h3 id="slot-context-title">{ "Tenant context, optional: any of these" }</h3>
            <p class="hint">
                { "Role assignments and PIM eligibilities (Entra refuses a hard match to a privileged role holder, and a soft match to any admin), the tenant's domains, its sync features. Each file is recognised by its columns." }
            </p>
            if !props.files.is_empty() {
                <ul class="context-files" data-context-files="">
                    { for props.files.iter().enumerate().map(|(i, file)| {
                        let on_remove = props.on_remove.clone();
                        html! {
                            <li>
                                <strong data-file-name="">{ &file.name }</strong>
                                <button type="button" class="secondary small" aria-label={format!("Remove {}", file.name)}
                                    onclick={move |_| on_remove.emit(i)}>{ "Remove" }</button>
                            </li>
                        }
                    }) }
                </ul>
            }
            <div class="slot-actions">
                <input id="file-context" class="file-input" type="file" multiple=true
                    accept=".csv,.txt,.tsv,text/csv,text/plain"
                    aria-label="Tenant context files" {onchange} />
                <label for="file-context" class="button">{ "Choose files…" }</label>
            </div>
            <details class="context-help">
                <summary>{ "How to make them (Microsoft Graph PowerShell)" }</summary>
                <dl>
                    { for ContextKind::ALL.iter().map(|kind| html! {
                        <>
                            <dt>{ kind.to_string() }</dt>
                            <dd><code>{ kind.command() }</code></dd>
                        </>
                    }) }
                </dl>
            </details>
        </section>
    }
}
