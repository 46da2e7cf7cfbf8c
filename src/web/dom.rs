//! Small browser helpers: downloads from Blobs, Blobs from text, copying to the clipboard.
//! None of them makes a request: object URLs and the clipboard are local.

use std::cell::RefCell;

use js_sys::Array;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

thread_local! {
    /// Object URLs of downloads not revoked yet (each holds its Blob: report data).
    static DOWNLOADS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Revokes every download's object URL now (Clear), so no report Blob outlives it.
pub fn revoke_downloads() {
    for url in DOWNLOADS.with(|d| std::mem::take(&mut *d.borrow_mut())) {
        let _ = Url::revoke_object_url(&url);
    }
}

/// Offers `blob` as a download named `name` (an `<a download>` clicked, then removed).
pub fn save_blob(blob: &Blob, name: &str) -> Result<(), String> {
    let document = gloo::utils::document();
    let url = Url::create_object_url_with_blob(blob).map_err(|e| format!("{e:?}"))?;
    let a: HtmlAnchorElement =
        document.create_element("a").map_err(|e| format!("{e:?}"))?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.set_hidden(true);
    let body = document.body().ok_or("no body")?;
    let _ = body.append_child(&a);
    a.click();
    a.remove();
    // The download has its own copy once started; revoking late is harmless.
    DOWNLOADS.with(|d| d.borrow_mut().push(url.clone()));
    let _ = gloo::timers::callback::Timeout::new(30_000, move || {
        DOWNLOADS.with(|d| d.borrow_mut().retain(|u| *u != url));
        let _ = Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Pasted text as a Blob, so it goes to the worker like a file (UTF-8).
pub fn text_blob(text: &str) -> Blob {
    let parts = Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    Blob::new_with_str_sequence_and_options(&parts, &options)
        .unwrap_or_else(|e| panic!("cannot create a Blob: {e:?}"))
}

/// Copies `text` with the async clipboard API (local, no permission prompt on a click), and
/// selects the element `id`'s text as a fallback so Ctrl+C works where the API is missing.
pub fn copy_text(text: &str, id: &str) {
    let window = gloo::utils::window();
    let clipboard = window.navigator().clipboard();
    let _ = clipboard.write_text(text);
    select_text(id);
}

/// Selects the text of element `id`.
pub fn select_text(id: &str) {
    let document = gloo::utils::document();
    let (Some(element), Ok(Some(selection))) =
        (document.get_element_by_id(id), gloo::utils::window().get_selection())
    else {
        return;
    };
    if let Ok(range) = document.create_range() {
        if range.select_node_contents(&element).is_ok() {
            let _ = selection.remove_all_ranges();
            let _ = selection.add_range(&range);
        }
    }
}
