//! Component tests in a real browser (headless Chromium through chromedriver): renders the app
//! into a fresh `<div>`, types into the converter the way a user would, and reads the DOM.
//! Run with `cargo test --target wasm32-unknown-unknown --test web` (`cargo xtask test` does).
#![cfg(target_arch = "wasm32")]

use anchor_audit::web::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlInputElement, InputEvent, InputEventInit};

wasm_bindgen_test_configure!(run_in_browser);

/// A new `<div>` in the test page's body, so each test renders into its own root.
fn fresh_root() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

/// Renders the whole app into a fresh root and waits until it is on screen.
async fn render_app() -> Element {
    let root = fresh_root();
    yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    root
}

/// Sets the input's value and fires the `input` event a keystroke would, then waits for Yew to
/// re-render. The event bubbles, as a real one does, because Yew listens at the app's root.
async fn type_into(root: &Element, selector: &str, text: &str) {
    let input: HtmlInputElement =
        root.query_selector(selector).unwrap().unwrap().dyn_into().unwrap();
    input.set_value(text);
    let init = InputEventInit::new();
    init.set_bubbles(true);
    let event = InputEvent::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
    yew::scheduler::flush().await;
}

fn text_of(root: &Element, selector: &str) -> Option<String> {
    root.query_selector(selector).unwrap().map(|e| e.text_content().unwrap_or_default())
}

#[wasm_bindgen_test]
async fn page_shows_title_privacy_line_and_labelled_input() {
    let root = render_app().await;
    assert_eq!(text_of(&root, "h1").as_deref(), Some("Anchor Audit"));
    assert!(text_of(&root, ".privacy").unwrap().contains("stays in this browser"));
    let label = root.query_selector("label[for='converter-input']").unwrap();
    assert!(label.is_some(), "the converter input has a label");
    assert!(root.query_selector("#converter-input").unwrap().is_some());
    // Nothing is converted before anything is typed.
    assert_eq!(text_of(&root, "[data-form='immutableid']"), None);
}

#[wasm_bindgen_test]
async fn typing_a_guid_shows_its_immutable_id() {
    let root = render_app().await;
    type_into(&root, "#converter-input", "35918bc9-196d-40ea-9779-889d79b753f0").await;
    assert_eq!(
        text_of(&root, "[data-form='immutableid']").as_deref(),
        Some("yYuRNW0Z6kCXeYidebdT8A==")
    );
}

#[wasm_bindgen_test]
async fn typing_an_immutable_id_shows_its_guid() {
    let root = render_app().await;
    type_into(&root, "#converter-input", "yYuRNW0Z6kCXeYidebdT8A==").await;
    assert_eq!(
        text_of(&root, "[data-form='guid']").as_deref(),
        Some("35918bc9-196d-40ea-9779-889d79b753f0")
    );
}

#[wasm_bindgen_test]
async fn typing_no_guid_says_why_and_shows_no_forms() {
    let root = render_app().await;
    type_into(&root, "#converter-input", "not a guid").await;
    assert_eq!(text_of(&root, "[data-form]"), None);
    assert!(!text_of(&root, ".error").unwrap_or_default().is_empty(), "an error is shown");
    // Clearing the input clears the result.
    type_into(&root, "#converter-input", "").await;
    assert_eq!(text_of(&root, ".converted").as_deref(), Some(""));
}
