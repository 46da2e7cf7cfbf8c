//! An optional drop zone for one file beside the exports: an earlier report to compare with,
//! or Entra Connect's pending exports to check the prediction against.

use yew::prelude::*;

use super::file_drop::{use_file_drop, FileDrop};
use super::state::LoadedFile;

/// Props of [`SingleFileSlot`].
#[derive(Properties, PartialEq)]
pub struct SingleFileSlotProps {
    /// The zone's name in ids and `data-slot` (`earlier`, `pending`).
    pub name: AttrValue,
    /// Its heading.
    pub title: AttrValue,
    /// What the file is and what it adds to the report.
    pub hint: AttrValue,
    /// The file input's `accept`.
    pub accept: AttrValue,
    /// The file input's accessible name.
    pub label: AttrValue,
    /// The file given, if any.
    pub file: Option<LoadedFile>,
    /// A file was chosen or dropped (the first of several), or removed (`None`).
    pub on_change: Callback<Option<LoadedFile>>,
}

/// The drop zone.
#[function_component(SingleFileSlot)]
pub fn single_file_slot(props: &SingleFileSlotProps) -> Html {
    let on_files = {
        let on_change = props.on_change.clone();
        Callback::from(move |files: Vec<LoadedFile>| on_change.emit(files.into_iter().next()))
    };
    let FileDrop { dragging, ondragover, ondragleave, ondrop, onchange } = use_file_drop(on_files);
    let on_remove = {
        let on_change = props.on_change.clone();
        Callback::from(move |_: MouseEvent| on_change.emit(None))
    };
    let (title_id, input_id) =
        (format!("slot-{}-title", props.name), format!("file-{}", props.name));
    html! {
        <section
            class={classes!("slot", "single-file-slot", dragging.then_some("dragging"), props.file.is_some().then_some("filled"))}
            aria-labelledby={title_id.clone()}
            data-slot={props.name.clone()}
            {ondragover} {ondragleave} {ondrop}
        >
            <h3 id={title_id}>{ props.title.clone() }</h3>
            <p class="hint">{ props.hint.clone() }</p>
            if let Some(file) = &props.file {
                <p class="single-file">
                    <strong data-file-name="">{ &file.name }</strong>
                    <button type="button" class="secondary small" aria-label={format!("Remove {}", file.name)}
                        onclick={on_remove}>{ "Remove" }</button>
                </p>
            }
            <div class="slot-actions">
                <input id={input_id.clone()} class="file-input" type="file"
                    accept={props.accept.clone()} aria-label={props.label.clone()} {onchange} />
                <label for={input_id} class="button">{ "Choose a file…" }</label>
            </div>
        </section>
    }
}
