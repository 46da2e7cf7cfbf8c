//! The optional earlier report: a previous run's JSON report, to say what was fixed since.

use yew::prelude::*;

use super::file_drop::{use_file_drop, FileDrop};
use super::state::LoadedFile;

/// Props of [`EarlierSlot`].
#[derive(Properties, PartialEq)]
pub struct EarlierSlotProps {
    /// The earlier report given, if any.
    pub file: Option<LoadedFile>,
    /// A report was chosen or dropped (the first of several), or removed (`None`).
    pub on_change: Callback<Option<LoadedFile>>,
}

/// The drop zone for an earlier run's JSON report.
#[function_component(EarlierSlot)]
pub fn earlier_slot(props: &EarlierSlotProps) -> Html {
    let on_files = {
        let on_change = props.on_change.clone();
        Callback::from(move |files: Vec<LoadedFile>| on_change.emit(files.into_iter().next()))
    };
    let FileDrop { dragging, ondragover, ondragleave, ondrop, onchange } = use_file_drop(on_files);
    let on_remove = {
        let on_change = props.on_change.clone();
        Callback::from(move |_: MouseEvent| on_change.emit(None))
    };
    html! {
        <section
            class={classes!("slot", "earlier-slot", dragging.then_some("dragging"), props.file.is_some().then_some("filled"))}
            aria-labelledby="slot-earlier-title"
            data-slot="earlier"
            {ondragover} {ondragleave} {ondrop}
        >
            <h3 id="slot-earlier-title">{ "Compare with an earlier report, optional" }</h3>
            <p class="hint">
                { "The JSON report of an earlier run on the same directory and tenant (\u{201c}Report (JSON)\u{201d} below, or the CLI's --format json). Users are matched by anchor and UPN: the report says who was fixed since, who is new and who is still to fix." }
            </p>
            if let Some(file) = &props.file {
                <p class="earlier-file">
                    <strong data-file-name="">{ &file.name }</strong>
                    <button type="button" class="secondary small" aria-label={format!("Remove {}", file.name)}
                        onclick={on_remove}>{ "Remove" }</button>
                </p>
            }
            <div class="slot-actions">
                <input id="file-earlier" class="file-input" type="file"
                    accept=".json,application/json"
                    aria-label="Earlier report (JSON)" {onchange} />
                <label for="file-earlier" class="button">{ "Choose a report…" }</label>
            </div>
        </section>
    }
}
