//! The file-taking half of a drop zone, shared by the exports' slots and the context slot:
//! drag-over highlighting, the drop itself and the file picker's change, each handing the chosen
//! files on as [`LoadedFile`]s.

use web_sys::{DragEvent, FileList, HtmlInputElement};
use yew::prelude::*;

use super::state::LoadedFile;

/// The handlers a drop zone spreads onto its section and its `<input type=file>`.
pub struct FileDrop {
    /// A drag is over the zone: highlight it.
    pub dragging: bool,
    pub ondragover: Callback<DragEvent>,
    pub ondragleave: Callback<DragEvent>,
    pub ondrop: Callback<DragEvent>,
    /// For the file input.
    pub onchange: Callback<Event>,
}

/// Every file of a list, in order.
fn loaded_files(files: Option<FileList>) -> Vec<LoadedFile> {
    let Some(files) = files else { return Vec::new() };
    (0..files.length())
        .filter_map(|i| files.get(i))
        .map(|file| LoadedFile { name: file.name(), size: file.size() as u64, blob: file.into() })
        .collect()
}

/// Handlers that emit the dropped or chosen files; an empty choice emits nothing.
#[hook]
pub fn use_file_drop(on_files: Callback<Vec<LoadedFile>>) -> FileDrop {
    let dragging = use_state(|| false);
    let take = {
        let on_files = on_files.clone();
        move |files: Option<FileList>| {
            let files = loaded_files(files);
            if !files.is_empty() {
                on_files.emit(files);
            }
        }
    };
    let onchange = {
        let take = take.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            take(input.files());
            input.set_value(""); // so choosing the same file again still loads it
        })
    };
    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default(); // a drop target must cancel dragover
            dragging.set(true);
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let ondrop = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default(); // else the browser opens the file
            dragging.set(false);
            take(e.data_transfer().and_then(|d| d.files()));
        })
    };
    FileDrop { dragging: *dragging, ondragover, ondragleave, ondrop, onchange }
}
