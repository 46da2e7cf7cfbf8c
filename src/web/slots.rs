//! One drop zone per export: drag and drop, a real file picker, or pasted text. Once read it
//! shows what the file is (source, encoding, delimiter), its rows and warnings, and lets the
//! admin pick columns where detection was unsure.

use std::collections::BTreeMap;

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::dom::text_blob;
use super::file_drop::{use_file_drop, FileDrop};
use super::state::LoadedFile;
use crate::engine::audit::{Accounting, FileSummary};
use crate::engine::error::Side;
use crate::engine::output::group_digits;
use crate::engine::read::{Confidence, Field, FileFormat, FileInfo};

/// Props of [`FileSlot`].
#[derive(Properties, PartialEq)]
pub struct FileSlotProps {
    /// Which export this slot takes.
    pub side: Side,
    /// The file in it.
    #[prop_or_default]
    pub slot: Option<LoadedFile>,
    /// What reading it found (after a run).
    #[prop_or_default]
    pub summary: Option<FileSummary>,
    /// Its row accounting (after a run).
    #[prop_or_default]
    pub accounting: Option<Accounting>,
    /// Its headers, for the column mapping.
    #[prop_or_default]
    pub headers: Vec<String>,
    /// The admin's column choices.
    #[prop_or_default]
    pub columns: BTreeMap<Field, String>,
    /// Open the column mapping (detection unsure, or a column missing).
    #[prop_or_default]
    pub mapping_open: bool,
    /// A file or text was loaded.
    pub on_load: Callback<LoadedFile>,
    /// The slot was emptied.
    pub on_clear: Callback<()>,
    /// A column was mapped.
    pub on_column: Callback<(Field, Option<String>)>,
}

/// The fields worth mapping on each side.
fn mappable(side: Side) -> &'static [Field] {
    match side {
        Side::OnPrem => &[
            Field::UserPrincipalName,
            Field::DisplayName,
            Field::SamAccountName,
            Field::Mail,
            Field::ProxyAddresses,
            Field::ObjectGuid,
            Field::ConsistencyGuid,
            Field::EmployeeId,
            Field::MailNickname,
        ],
        Side::Cloud => &[
            Field::UserPrincipalName,
            Field::DisplayName,
            Field::Mail,
            Field::ProxyAddresses,
            Field::ImmutableId,
            Field::SyncEnabled,
            Field::ObjectId,
        ],
    }
}

/// "Get-ADUser export (Export-Csv), Windows PowerShell 5.1 (#TYPE line), UTF-16LE, `;`-delimited".
pub fn describe(info: &FileInfo) -> String {
    let mut parts = vec![info.detection.kind.describe().to_string()];
    if info.type_line.is_some() {
        parts.push("Windows PowerShell 5.1 (#TYPE line)".into());
    }
    parts.push(info.encoding.label().to_string());
    parts.push(match info.format {
        FileFormat::Csv { delimiter: b'\t', .. } => "tab-delimited".into(),
        FileFormat::Csv { delimiter, .. } => format!("`{}`-delimited", char::from(delimiter)),
        FileFormat::Ldif => "LDIF".into(),
    });
    parts.join(", ")
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} KB", b as f64 / 1e3),
        b => format!("{b} bytes"),
    }
}

/// A drop zone for one export.
#[function_component(FileSlot)]
pub fn file_slot(props: &FileSlotProps) -> Html {
    let side = props.side;
    let key = if side == Side::OnPrem { "onprem" } else { "cloud" };
    let (title, hint) = match side {
        Side::OnPrem => ("On-premises AD export", "Get-ADUser | Export-Csv, csvde or ldifde"),
        Side::Cloud => {
            ("Entra ID (cloud) export", "Get-MgUser | Export-Csv, Get-AzureADUser, Get-MsolUser")
        }
    };
    let pasting = use_state(|| false);
    let paste_text = use_state(String::new);
    let FileDrop { dragging, ondragover, ondragleave, ondrop, onchange } = use_file_drop({
        let on_load = props.on_load.clone();
        // One export a slot: of several dropped files, the first.
        Callback::from(move |files: Vec<LoadedFile>| {
            if let Some(file) = files.into_iter().next() {
                on_load.emit(file);
            }
        })
    });
    let toggle_paste = {
        let pasting = pasting.clone();
        Callback::from(move |_: MouseEvent| pasting.set(!*pasting))
    };
    let oninput_paste = {
        let paste_text = paste_text.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            paste_text.set(area.value());
        })
    };
    let use_paste = {
        let on_load = props.on_load.clone();
        let paste_text = paste_text.clone();
        let pasting = pasting.clone();
        Callback::from(move |_: MouseEvent| {
            let text = (*paste_text).clone();
            if text.trim().is_empty() {
                return;
            }
            let blob = text_blob(&text);
            on_load.emit(LoadedFile { name: "pasted text".into(), size: blob.size() as u64, blob });
            pasting.set(false);
            paste_text.set(String::new());
        })
    };
    let on_clear = props.on_clear.clone();

    let input_id = format!("file-{key}");
    let paste_id = format!("paste-{key}");
    let summary = props.summary.as_ref();
    let unsure = summary.is_some_and(|s| s.info.detection.confidence == Confidence::Unsure);
    html! {
        <section
            class={classes!("slot", dragging.then_some("dragging"), props.slot.is_some().then_some("filled"))}
            aria-labelledby={format!("slot-{key}-title")}
            data-slot={key}
            {ondragover} {ondragleave} {ondrop}
        >
            <h3 id={format!("slot-{key}-title")}>{ title }</h3>
            if let Some(slot) = &props.slot {
                <p class="file-name"><strong data-file-name="">{ &slot.name }</strong>{ format!(" · {}", human_size(slot.size)) }</p>
            } else {
                <p class="hint">{ "Drop the file here, choose it, or paste its text. " }<span class="muted">{ hint }</span></p>
            }
            <div class="slot-actions">
                <input id={input_id.clone()} class="file-input" type="file"
                    accept=".csv,.txt,.tsv,.ldf,.ldif,text/csv,text/plain"
                    aria-label={format!("{title} file")} {onchange} />
                <label for={input_id} class="button">{ if props.slot.is_some() { "Choose another file…" } else { "Choose file…" } }</label>
                <button type="button" class="secondary" aria-expanded={(*pasting).to_string()} aria-controls={paste_id.clone()} onclick={toggle_paste}>{ "Paste text" }</button>
                if props.slot.is_some() {
                    <button type="button" class="secondary" onclick={move |_| on_clear.emit(())}>{ "Remove" }</button>
                }
            </div>
            if *pasting {
                <div class="paste" id={paste_id.clone()}>
                    <label for={format!("{paste_id}-text")}>{ format!("{title} as text") }</label>
                    <textarea id={format!("{paste_id}-text")} rows="5" spellcheck="false" value={(*paste_text).clone()} oninput={oninput_paste} />
                    <button type="button" onclick={use_paste}>{ "Use this text" }</button>
                </div>
            }
            if let Some(summary) = summary {
                <div class="file-info" data-file-info="">
                    <p class="source">{ describe(&summary.info) }
                        if unsure { <span class="badge warn">{ " detection unsure" }</span> }
                    </p>
                    if let Some(a) = &props.accounting {
                        <p class="rows">{ format!("{} rows read", group_digits(a.records)) }
                            if a.unreadable > 0 { { format!(" · {} unreadable", group_digits(a.unreadable)) } }
                        </p>
                    }
                    if !summary.warnings.is_empty() {
                        <ul class="warnings">
                            { for summary.warnings.iter().map(|w| html! { <li>{ &w.message }</li> }) }
                        </ul>
                    }
                </div>
            }
            if !props.headers.is_empty() {
                <details class="mapping" open={props.mapping_open || unsure}>
                    <summary>{ "Columns" }</summary>
                    <p class="hint">{ "Which column holds each value. \u{201c}Detected\u{201d} uses the column the file's headers suggest." }</p>
                    <div class="mapping-grid">
                        { for mappable(side).iter().map(|&field| {
                            let id = format!("map-{key}-{}", field.label());
                            let chosen = props.columns.get(&field).cloned();
                            let on_column = props.on_column.clone();
                            let onchange = Callback::from(move |e: Event| {
                                let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                                let value = select.value();
                                on_column.emit((field, (!value.is_empty()).then_some(value)));
                            });
                            html! {
                                <div class="mapping-row">
                                    <label for={id.clone()}>{ field.label() }</label>
                                    <select id={id} {onchange}>
                                        <option value="" selected={chosen.is_none()}>{ "Detected" }</option>
                                        { for props.headers.iter().map(|h| html! {
                                            <option value={h.clone()} selected={chosen.as_deref() == Some(h.as_str())}>{ h }</option>
                                        }) }
                                    </select>
                                </div>
                            }
                        }) }
                    </div>
                </details>
            }
        </section>
    }
}
