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

// ---------------------------------------------------------------------------------------------
// The report's components, each rendered alone with props built from a real audit of the
// fixture exports (the same functions the worker uses).

use std::rc::Rc;

use anchor_audit::engine::audit::{audit, Audit, AuditOptions, Input};
use anchor_audit::engine::error::{Error, ErrorKind, Position, Side};
use anchor_audit::engine::report::Category;
use anchor_audit::engine::view::{select, window, Query};
use anchor_audit::web::detail::{DetailPanel, DetailProps};
use anchor_audit::web::error_view::{ErrorProps, ErrorView, Problem};
use anchor_audit::web::slots::{FileSlot, FileSlotProps};
use anchor_audit::web::state::RowWindow;
use anchor_audit::web::table::{ReportTable, TableProps};
use anchor_audit::web::worker::{detail, overview};
use yew::{Callback, Renderer};

fn fixture_audit() -> Audit {
    audit(
        Input { name: "onprem-ps7.csv", bytes: include_bytes!("fixtures/onprem-ps7.csv") },
        Input { name: "cloud-mguser.csv", bytes: include_bytes!("fixtures/cloud-mguser.csv") },
        &AuditOptions::default(),
    )
    .unwrap()
}

fn entry_of(audit: &Audit, upn: &str) -> u32 {
    audit
        .report
        .entries()
        .position(|e| audit.report.cloud_of(&e).is_some_and(|c| c.upn() == upn))
        .unwrap() as u32
}

#[wasm_bindgen_test]
async fn file_slot_shows_what_the_file_is_its_rows_and_warnings() {
    let audit = fixture_audit();
    let root = fresh_root();
    let props = FileSlotProps {
        side: Side::OnPrem,
        slot: None,
        summary: Some(audit.onprem.clone()),
        accounting: Some(audit.accounting[0]),
        headers: audit.onprem.headers.clone(),
        columns: Default::default(),
        mapping_open: true,
        on_load: Callback::noop(),
        on_clear: Callback::noop(),
        on_column: Callback::noop(),
    };
    Renderer::<FileSlot>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    let info = text_of(&root, "[data-file-info]").unwrap();
    assert!(info.contains("Get-ADUser export"), "{info}");
    assert!(info.contains("UTF-8"), "{info}");
    assert!(info.contains("`,`-delimited"), "{info}");
    assert!(info.contains("8 rows read"), "{info}");
    // The real file input is there, labelled; the column mapping offers the file's headers.
    assert!(root.query_selector("input[type=file][aria-label]").unwrap().is_some());
    let options = root.query_selector_all("#map-onprem-objectGUID option").unwrap().length();
    assert_eq!(options as usize, audit.onprem.headers.len() + 1);
}

#[wasm_bindgen_test]
async fn table_renders_only_a_window_of_a_large_selection() {
    let audit = fixture_audit();
    let selection = select(&audit.report, &Query::default());
    // 120 real rows, repeated, standing for the first window of 100,000.
    let mut rows = Vec::new();
    while rows.len() < 120 {
        rows.extend(window(&audit.report, &selection, 0, 9));
    }
    rows.truncate(120);
    // Rows are keyed by entry: give each copy its own, as a real window has.
    for (i, row) in rows.iter_mut().enumerate() {
        row.entry = i as u32;
    }
    let root = fresh_root();
    let props = TableProps {
        rows: Rc::new(RowWindow { total: 100_000, offset: 0, rows, loaded: true }),
        query: Query::default(),
        overview: Rc::new(overview(&audit)),
        open: None,
        on_query: Callback::noop(),
        on_want: Callback::noop(),
        on_open: Callback::noop(),
    };
    Renderer::<ReportTable>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    let rendered = root.query_selector_all(".grid-row.body").unwrap().length();
    assert!(rendered > 5 && rendered < 40, "{rendered} rows in the DOM");
    let grid = root.query_selector("[role=table]").unwrap().unwrap();
    assert_eq!(grid.get_attribute("aria-rowcount").as_deref(), Some("100001"));
    // Colour and text: every row names its category.
    let first = text_of(&root, ".grid-row.body [data-category]").unwrap();
    assert_eq!(first, Category::Mismatch.label());
    let sorted = root.query_selector("[aria-sort=ascending]").unwrap().unwrap();
    assert!(sorted.text_content().unwrap().contains("Category"));
}

#[wasm_bindgen_test]
async fn search_goes_out_when_typing_pauses_and_with_a_click_at_once() {
    use anchor_audit::web::table::SEARCH_DELAY_MS;
    use std::cell::RefCell;
    let audit = fixture_audit();
    let sent = Rc::new(RefCell::new(Vec::<Query>::new()));
    let root = fresh_root();
    let props = TableProps {
        rows: Rc::new(RowWindow { total: 0, offset: 0, rows: Vec::new(), loaded: true }),
        query: Query::default(),
        overview: Rc::new(overview(&audit)),
        open: None,
        on_query: {
            let sent = sent.clone();
            Callback::from(move |q| sent.borrow_mut().push(q))
        },
        on_want: Callback::noop(),
        on_open: Callback::noop(),
    };
    Renderer::<ReportTable>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    for text in ["m", "ma", "mar"] {
        type_into(&root, "#search", text).await;
    }
    assert!(sent.borrow().is_empty(), "a query per keystroke: {:?}", sent.borrow());
    until(|| !sent.borrow().is_empty()).await;
    assert_eq!(*sent.borrow(), [Query { search: "mar".into(), ..Query::default() }]);
    // A chip clicked before typing pauses takes the text at once, and nothing follows.
    type_into(&root, "#search", "marg").await;
    let chip: web_sys::HtmlElement =
        root.query_selector("[data-chip='mismatch']").unwrap().unwrap().dyn_into().unwrap();
    chip.click();
    yew::scheduler::flush().await;
    let clicked =
        Query { search: "marg".into(), categories: vec![Category::Mismatch], ..Query::default() };
    assert_eq!(sent.borrow().last(), Some(&clicked));
    // Waiting is the only way to see that nothing more comes.
    yew::platform::time::sleep(std::time::Duration::from_millis(u64::from(SEARCH_DELAY_MS) * 3))
        .await;
    assert_eq!(sent.borrow().len(), 2, "{:?}", sent.borrow());
    let input: HtmlInputElement =
        root.query_selector("#search").unwrap().unwrap().dyn_into().unwrap();
    assert_eq!(input.value(), "marg");
}

#[wasm_bindgen_test]
async fn detail_panel_shows_reason_anchor_and_the_fix() {
    let audit = fixture_audit();
    let d = detail(&audit, entry_of(&audit, "grace.hopper@contoso.com"));
    let root = fresh_root();
    let props = DetailProps { detail: Some(Rc::new(d)), on_close: Callback::noop() };
    Renderer::<DetailPanel>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    assert!(text_of(&root, ".reason").unwrap().contains("big-endian"));
    assert_eq!(text_of(&root, "[data-anchor]").as_deref(), Some("Pmovm00cj06gscLT5PWmtw=="));
    let fix = text_of(&root, "#fix-script").unwrap();
    assert!(
        fix.contains("Update-MgUser -UserId 'grace.hopper@contoso.com' -OnPremisesImmutableId 'Pmovm00cj06gscLT5PWmtw=='"),
        "{fix}"
    );
    assert!(root.query_selector("button").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn html_in_names_renders_as_text() {
    let audit = fixture_audit();
    let mut d = detail(&audit, 0);
    d.onprem[2].1 = "<img src=x id=injected>".into();
    d.reason = "<b id=bold>not bold</b>".into();
    let root = fresh_root();
    let props = DetailProps { detail: Some(Rc::new(d)), on_close: Callback::noop() };
    Renderer::<DetailPanel>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    assert!(root.query_selector("#injected").unwrap().is_none());
    assert!(root.query_selector("#bold").unwrap().is_none());
    assert!(root.text_content().unwrap().contains("<img src=x id=injected>"));
}

#[wasm_bindgen_test]
async fn error_view_shows_file_line_column_and_the_fix_text() {
    let error = Error::new(ErrorKind::BadGuid {
        value: "xyz".into(),
        reason: "expected 32 hex digits".into(),
    })
    .in_file(Some(Side::OnPrem), "users.csv")
    .at(Position::line(13, 12).with_column("objectGUID"));
    let root = fresh_root();
    let props = ErrorProps {
        problem: Problem::Error(error),
        on_swap: None,
        on_map_columns: None,
        on_dismiss: None,
    };
    Renderer::<ErrorView>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    assert_eq!(text_of(&root, "[data-line]").as_deref(), Some("13"));
    assert_eq!(text_of(&root, "[data-column]").as_deref(), Some("objectGUID"));
    assert!(text_of(&root, ".error-message").unwrap().contains("`xyz` is not a GUID"));

    let fix = "Get-ADUser -Filter * -Properties objectGUID | Export-Csv users.csv".to_string();
    let error =
        Error::new(ErrorKind::MissingColumn { column: "objectGUID".into(), fix: fix.clone() })
            .in_file(Some(Side::OnPrem), "users.csv");
    let root = fresh_root();
    let props = ErrorProps {
        problem: Problem::Error(error),
        on_swap: None,
        on_map_columns: None,
        on_dismiss: None,
    };
    Renderer::<ErrorView>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    assert_eq!(text_of(&root, "pre.fix").as_deref(), Some(fix.as_str()));
    assert_eq!(text_of(&root, "h2").as_deref(), Some("A column is missing"));
}

#[wasm_bindgen_test]
async fn swapped_files_offer_the_swap_button() {
    let root = fresh_root();
    let props = ErrorProps {
        problem: Problem::Error(Error::new(ErrorKind::Swapped)),
        on_swap: Some(Callback::noop()),
        on_map_columns: None,
        on_dismiss: None,
    };
    Renderer::<ErrorView>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    assert!(root.text_content().unwrap().contains("Swap the two files"));
}

#[wasm_bindgen_test]
async fn a_panic_leaves_a_message_and_a_reload_button() {
    anchor_audit::web::panic::show("boom at src/web/app.rs:1");
    let document = web_sys::window().unwrap().document().unwrap();
    let crash = document.query_selector("section.panic[role=alert]").unwrap().unwrap();
    assert!(crash.text_content().unwrap().contains("boom at src/web/app.rs:1"));
    let button = crash.query_selector("button").unwrap().unwrap();
    assert_eq!(button.text_content().as_deref(), Some("Reload"));
    crash.remove();
}

#[wasm_bindgen_test]
async fn two_million_rows_fit_the_scroll_bar_and_the_end_is_reachable() {
    use std::cell::Cell;
    let audit = fixture_audit();
    let selection = select(&audit.report, &Query::default());
    let mut rows = window(&audit.report, &selection, 0, 9);
    for (i, row) in rows.iter_mut().enumerate() {
        row.entry = i as u32;
    }
    let wanted = Rc::new(Cell::new(0u32));
    let root = fresh_root();
    let props = TableProps {
        rows: Rc::new(RowWindow { total: 2_000_000, offset: 0, rows, loaded: true }),
        query: Query::default(),
        overview: Rc::new(overview(&audit)),
        open: None,
        on_query: Callback::noop(),
        on_want: {
            let wanted = wanted.clone();
            Callback::from(move |first: u32| wanted.set(first))
        },
        on_open: Callback::noop(),
    };
    Renderer::<ReportTable>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    let spacer: web_sys::HtmlElement =
        root.query_selector(".spacer").unwrap().unwrap().dyn_into().unwrap();
    // 2M rows × 40 px would pass the browser's height cap; the content is scaled instead.
    assert_eq!(spacer.offset_height(), 8_000_000);
    let viewport: web_sys::HtmlElement =
        root.query_selector(".viewport").unwrap().unwrap().dyn_into().unwrap();
    // The test page has no stylesheet: make the viewport scroll as app.css does.
    viewport.style().set_property("overflow-y", "auto").unwrap();
    viewport.set_scroll_top(8_000_000);
    viewport.dispatch_event(&web_sys::Event::new("scroll").unwrap()).unwrap();
    yew::scheduler::flush().await;
    assert!(wanted.get() > 2_000_000 - 200, "asked for rows from {}", wanted.get());
}

#[wasm_bindgen_test]
fn clear_forgets_the_files_the_report_and_the_options_but_keeps_the_counters() {
    use anchor_audit::web::dom::text_blob;
    use anchor_audit::web::state::{Action, LoadedFile, Phase, State};
    use yew::Reducible;
    let slot = |name: &str| LoadedFile { name: name.into(), size: 3, blob: text_blob("a,b") };
    let state = Rc::new(State::default())
        .reduce(Action::Load(Side::OnPrem, slot("onprem.csv")))
        .reduce(Action::Load(Side::Cloud, slot("cloud.csv")))
        .reduce(Action::Query(Query { search: "ada".into(), ..Query::default() }));
    assert!(state.running());
    let (run, seq) = (state.run, state.seq);
    let cleared = state.reduce(Action::ClearAll);
    assert_eq!(cleared.slots, [None, None]);
    assert_eq!(cleared.phase, Phase::Idle);
    assert_eq!(cleared.query, Query::default());
    assert!(cleared.overview.is_none() && cleared.error.is_none() && cleared.open.is_none());
    // Counters go on, so an answer from before Clear is never taken for a new one; the inputs
    // are keyed on `cleared`, so they are rebuilt empty.
    assert_eq!((cleared.run, cleared.seq, cleared.query_seq, cleared.cleared), (run, seq, seq, 1));
}

#[wasm_bindgen_test]
fn progress_keeps_both_files_while_two_workers_read_them() {
    use anchor_audit::engine::audit::Stage;
    use anchor_audit::web::dom::text_blob;
    use anchor_audit::web::protocol::FromWorker;
    use anchor_audit::web::state::{Action, LoadedFile, Phase, Progress, State};
    use yew::Reducible;
    let slot = |name: &str| LoadedFile { name: name.into(), size: 3, blob: text_blob("a,b") };
    let mut state = Rc::new(State::default())
        .reduce(Action::Load(Side::OnPrem, slot("onprem.csv")))
        .reduce(Action::Load(Side::Cloud, slot("cloud.csv")));
    let run = state.run;
    let progress = |state: &State| match &state.phase {
        Phase::Running(p) => p.clone(),
        other => panic!("{other:?}"),
    };
    let mut fractions = vec![progress(&state).fraction()];
    // The main worker's and the reader's reports interleave; one from an older run is ignored.
    let reports = [
        (run, Stage::LoadingOnPrem, 100, 300),
        (run, Stage::LoadingCloud, 100, 200),
        (run - 1, Stage::ReadingCloud, 50, 100),
        (run, Stage::LoadingOnPrem, 300, 300),
        (run, Stage::ReadingCloud, 100, 200),
        (run, Stage::ReadingOnPrem, 150, 300),
        (run, Stage::ReadingCloud, 200, 200),
        (run, Stage::ReadingOnPrem, 300, 300),
    ];
    for (run, stage, done, total) in reports {
        state = state.reduce(Action::Worker(FromWorker::Progress { run, stage, done, total }));
        fractions.push(progress(&state).fraction());
    }
    assert_eq!(
        progress(&state),
        Progress {
            files: [Some((Stage::ReadingOnPrem, 300, 300)), Some((Stage::ReadingCloud, 200, 200))],
            matching: false,
        }
    );
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
    assert_eq!((fractions[0], *fractions.last().unwrap()), (0.0, 1.0));
    let matching = FromWorker::Progress { run, stage: Stage::Matching, done: 0, total: 0 };
    let matching = progress(&state.reduce(Action::Worker(matching)));
    assert!(matching.matching);
    assert_eq!(matching.fraction(), 1.0);
}

/// Waits (up to 5 s) until `done()` holds.
async fn until(mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        yew::platform::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("timed out");
}

#[wasm_bindgen_test]
async fn the_bridge_starts_every_worker_from_code_in_memory() {
    use anchor_audit::web::bridge::Bridge;
    use anchor_audit::web::protocol::FromWorker;
    use js_sys::Reflect;
    use std::cell::RefCell;
    use wasm_bindgen::JsValue;
    // What the page's loader prepares, with a stand-in glue whose initSync says Ready once it
    // is handed a compiled Module (the smallest valid one: the wasm header).
    let header = js_sys::Uint8Array::from(&[0u8, 0x61, 0x73, 0x6d, 1, 0, 0, 0][..]);
    let module = js_sys::WebAssembly::Module::new(&header).unwrap();
    let code = js_sys::Object::new();
    let glue = "let wasm_bindgen = { initSync: ({ module }) => { \
                if (module instanceof WebAssembly.Module) postMessage([JSON.stringify('Ready')]); } };";
    Reflect::set(&code, &"glue".into(), &JsValue::from_str(glue)).unwrap();
    Reflect::set(&code, &"module".into(), &module).unwrap();
    Reflect::set(&js_sys::global(), &"anchorAuditWorker".into(), &code).unwrap();

    let got = Rc::new(RefCell::new(Vec::new()));
    let bridge = Bridge::new(Callback::from({
        let got = got.clone();
        move |(message, _blobs): (FromWorker, Vec<web_sys::Blob>)| got.borrow_mut().push(message)
    }));
    until(|| got.borrow().len() == 1).await;
    // Cancel and Clear replace the worker the same way: a fresh one from the same code.
    bridge.restart();
    until(|| got.borrow().len() == 2).await;
    assert_eq!(*got.borrow(), [FromWorker::Ready, FromWorker::Ready]);
    drop(bridge);
    Reflect::delete_property(&js_sys::global(), &"anchorAuditWorker".into()).unwrap();
}

#[wasm_bindgen_test]
async fn a_download_being_prepared_says_so_until_it_comes() {
    use anchor_audit::web::protocol::{DownloadKind, FromWorker};
    use anchor_audit::web::results::{Results, ResultsProps};
    use anchor_audit::web::state::{Action, State};
    use std::rc::Rc;
    use yew::Reducible;

    // The state: asked, asked again (no second entry), then handed over.
    let state = Rc::new(State::default()).reduce(Action::Download(DownloadKind::Json));
    let state = state.reduce(Action::Download(DownloadKind::Json));
    assert_eq!(state.preparing, vec![DownloadKind::Json]);
    let handed = state.clone().reduce(Action::Worker(FromWorker::Download(DownloadKind::Json)));
    assert!(handed.preparing.is_empty());

    // The buttons: the one being prepared is marked disabled (not `disabled`: it keeps the
    // focus) and says so; the others are not.
    let root = fresh_root();
    let props = ResultsProps {
        overview: Rc::new(overview(&fixture_audit())),
        preparing: state.preparing.clone(),
        on_download: Callback::noop(),
        on_category: Callback::noop(),
        on_open: Callback::noop(),
    };
    Renderer::<Results>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    let button =
        |name: &str| root.query_selector(&format!("[data-download='{name}']")).unwrap().unwrap();
    let json = button("anchor-audit-report.json");
    assert_eq!(json.get_attribute("aria-disabled").as_deref(), Some("true"));
    assert_eq!(json.get_attribute("aria-busy").as_deref(), Some("true"));
    assert_eq!(json.text_content().as_deref(), Some("Report (JSON): preparing\u{2026}"));
    let csv = button("anchor-audit-report.csv");
    assert_eq!(csv.get_attribute("aria-disabled").as_deref(), Some("false"));
    assert_eq!(csv.text_content().as_deref(), Some("Report (CSV)"));
}
