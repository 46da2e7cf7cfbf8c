//! The page: the two file slots and options, the run's progress, the verdict, the report table
//! with its detail panel, and the converters. State lives in one reducer ([`super::state`]);
//! the worker ([`super::bridge`]) does the computing.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::bridge::Bridge;
use super::context_slot::ContextSlot;
use super::converter::{Converter, ListConverter};
use super::detail::DetailPanel;
use super::dom::{revoke_downloads, save_blob};
use super::error_view::{ErrorView, Problem};
use super::options::MatchingOptions;
use super::protocol::{FromWorker, ToWorker};
use super::results::Results;
use super::single_file_slot::SingleFileSlot;
use super::slots::FileSlot;
use super::state::{Action, Crash, LoadedFile, Phase, Progress, State};
use super::table::{ReportTable, WINDOW};
use crate::engine::audit::Stage;
use crate::engine::error::{ErrorKind, Side};
use crate::engine::view::Query;

/// The whole page, mounted on `<body>` by the `app` binary.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(State::default);
    let mapping_open = use_state(|| false);

    // One worker for the page's life (restarted on cancel). Its answers become actions; the
    // Blobs it sends (downloads, the sample files) are handled here, outside the reducer.
    let bridge = {
        let dispatch = state.dispatcher();
        use_memo((), move |_| {
            Bridge::new(Callback::from(
                move |(message, blobs): (FromWorker, Vec<web_sys::Blob>)| {
                    match &message {
                        FromWorker::Download(kind) => {
                            if let Some(blob) = blobs.first() {
                                if let Err(e) = save_blob(blob, kind.file_name()) {
                                    dispatch.dispatch(Action::Error(
                                        ErrorKind::Usage {
                                            message: format!("the download failed: {e}"),
                                        }
                                        .into(),
                                    ));
                                }
                            }
                        }
                        FromWorker::Sample { names, sizes } => {
                            let mut files =
                                names.iter().zip(sizes).zip(&blobs).map(|((name, &size), blob)| {
                                    LoadedFile { name: name.clone(), size, blob: blob.clone() }
                                });
                            if let (Some(onprem), Some(cloud)) = (files.next(), files.next()) {
                                dispatch.dispatch(Action::Sample {
                                    pair: [onprem, cloud],
                                    context: files.collect(),
                                });
                            }
                        }
                        FromWorker::Ready => {
                            // Lets the end-to-end tests know the app (and its worker) is up.
                            if let Some(root) = gloo::utils::document().document_element() {
                                let _ = root.set_attribute("data-ready", "true");
                            }
                        }
                        _ => {}
                    }
                    dispatch.dispatch(Action::Worker(message));
                },
            ))
        })
    };

    // Ask for a run whenever `run` is bumped.
    {
        let bridge = bridge.clone();
        let state = state.clone();
        use_effect_with(state.run, move |run| {
            if *run > 0 {
                if let [Some(onprem), Some(cloud)] = &state.slots {
                    bridge.run(
                        *run,
                        state.options.clone(),
                        [onprem, cloud],
                        &state.context,
                        state.earlier.as_ref(),
                        state.pending.as_ref(),
                    );
                }
            }
        });
    }
    // Ask for the window of rows the table needs.
    {
        let bridge = bridge.clone();
        let done = state.phase == Phase::Done;
        use_effect_with((state.seq, done), {
            let query = state.query.clone();
            let want = state.want;
            move |(seq, done)| {
                if *done {
                    bridge.send(
                        &ToWorker::Rows { query, offset: want, limit: WINDOW, seq: *seq },
                        &[],
                    );
                }
            }
        });
    }
    // Ask for the open entry's details.
    {
        let bridge = bridge.clone();
        use_effect_with(state.open, move |open| {
            if let Some(entry) = open {
                bridge.send(&ToWorker::Detail { entry: *entry }, &[]);
            }
        });
    }

    let dispatch = state.dispatcher();
    let on_load = |side: Side| {
        let d = dispatch.clone();
        Callback::from(move |slot: LoadedFile| d.dispatch(Action::Load(side, slot)))
    };
    let on_clear = |side: Side| {
        let d = dispatch.clone();
        Callback::from(move |_| d.dispatch(Action::Clear(side)))
    };
    let on_add_context = {
        let d = dispatch.clone();
        Callback::from(move |files| d.dispatch(Action::AddContext(files)))
    };
    let on_remove_context = {
        let d = dispatch.clone();
        Callback::from(move |at| d.dispatch(Action::RemoveContext(at)))
    };
    let on_earlier = {
        let d = dispatch.clone();
        Callback::from(move |file| d.dispatch(Action::Earlier(file)))
    };
    let on_pending = {
        let d = dispatch.clone();
        Callback::from(move |file| d.dispatch(Action::PendingExports(file)))
    };
    let on_column = |side: Side| {
        let d = dispatch.clone();
        Callback::from(move |(field, header)| d.dispatch(Action::Column(side, field, header)))
    };
    let on_swap = {
        let d = dispatch.clone();
        Callback::from(move |_| d.dispatch(Action::Swap))
    };
    let on_cancel = {
        let d = dispatch.clone();
        let bridge = bridge.clone();
        Callback::from(move |_: MouseEvent| {
            bridge.restart();
            d.dispatch(Action::Cancel);
        })
    };
    // Clear: the worker (which holds the files' bytes and the report) is terminated and a fresh
    // one started from code already in memory; the page's state is reset and its inputs rebuilt.
    let on_clear_all = {
        let d = dispatch.clone();
        let bridge = bridge.clone();
        Callback::from(move |_: MouseEvent| {
            bridge.restart();
            revoke_downloads();
            d.dispatch(Action::ClearAll);
            // Focus goes to the (rebuilt) inputs' heading once the page has re-rendered: the
            // button that had it is gone.
            gloo::timers::callback::Timeout::new(0, || {
                if let Some(title) = gloo::utils::document().get_element_by_id("inputs-title") {
                    if let Ok(title) = title.dyn_into::<web_sys::HtmlElement>() {
                        let _ = title.focus();
                    }
                }
            })
            .forget();
        })
    };
    let has_data = state.slots.iter().any(Option::is_some)
        || !state.context.is_empty()
        || state.earlier.is_some()
        || state.pending.is_some()
        || state.overview.is_some();
    let on_sample = {
        let bridge = bridge.clone();
        Callback::from(move |_: MouseEvent| bridge.send(&ToWorker::Sample, &[]))
    };
    let on_download = {
        let bridge = bridge.clone();
        let d = dispatch.clone();
        let preparing = state.preparing.clone();
        Callback::from(move |kind| {
            if preparing.contains(&kind) {
                return; // asked already: its button says so
            }
            d.dispatch(Action::Download(kind));
            bridge.send(&ToWorker::Download(kind), &[]);
        })
    };
    let on_query = {
        let d = dispatch.clone();
        Callback::from(move |q: Query| d.dispatch(Action::Query(q)))
    };
    let on_category = {
        let d = dispatch.clone();
        let q = state.query.clone();
        Callback::from(move |c| {
            d.dispatch(Action::Query(Query { categories: vec![c], ..q.clone() }))
        })
    };
    let on_want = {
        let d = dispatch.clone();
        Callback::from(move |first| d.dispatch(Action::Want(first)))
    };
    let on_open = {
        let d = dispatch.clone();
        Callback::from(move |entry| d.dispatch(Action::Open(Some(entry))))
    };
    let on_close = {
        let d = dispatch.clone();
        let open = state.open;
        Callback::from(move |_| {
            d.dispatch(Action::Open(None));
            // Focus goes back to the row the drawer was opened from, if it is still drawn.
            if let Some(entry) = open {
                let selector = format!(".grid-row.body[data-entry='{entry}']");
                if let Ok(Some(row)) = gloo::utils::document().query_selector(&selector) {
                    if let Ok(row) = row.dyn_into::<web_sys::HtmlElement>() {
                        let _ = row.focus();
                    }
                }
            }
        })
    };
    let on_matching = {
        let d = dispatch.clone();
        Callback::from(move |m| d.dispatch(Action::Matching(m)))
    };
    let on_dismiss = {
        let d = dispatch.clone();
        Callback::from(move |_| d.dispatch(Action::DismissError))
    };
    let on_map_columns = {
        let mapping_open = mapping_open.clone();
        Callback::from(move |_| mapping_open.set(true))
    };
    let on_rerun = {
        let d = dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Rerun))
    };

    let overview = state.overview.clone();
    let summary = |i: usize| overview.as_ref().map(|o| o.files[i].clone());
    let accounting = |i: usize| overview.as_ref().map(|o| o.accounting[i]);
    let missing_on = |side: Side| {
        state.error.as_ref().is_some_and(|e| {
            matches!(e.kind(), ErrorKind::MissingColumn { .. }) && e.side() == Some(side)
        })
    };
    let problem = state
        .crashed
        .clone()
        .map(|crash| match crash {
            Crash::Panic(message) => Problem::Crash(message),
            Crash::Stopped(message) => Problem::Stopped(message),
        })
        .or_else(|| state.error.clone().map(Problem::Error));

    html! {
        <>
            <header class="page-header" key="header">
                <div class="brand">
                    <h1>{ "Anchor Audit" }</h1>
                    <p class="tagline">{ "Will every cloud user hard-match its on-prem AD account at cut-over?" }</p>
                </div>
                <p class="privacy">
                    { "Everything stays in this browser: nothing you type or load is sent anywhere." }
                </p>
            </header>
            <main key={format!("main-{}", state.cleared)}>
                <section class="inputs" aria-labelledby="inputs-title">
                    <div class="inputs-head">
                        <h2 id="inputs-title" tabindex="-1">{ "1. Load the two exports" }</h2>
                        if has_data {
                            <button type="button" class="secondary" data-clear="" onclick={on_clear_all}
                                title="Forget both files, the report and everything typed in this page (nothing was stored anywhere)">{ "Clear" }</button>
                        }
                        <button type="button" class="secondary" onclick={on_sample} disabled={state.running()}>{ "Try with sample data" }</button>
                    </div>
                    <div class="slots">
                        <FileSlot side={Side::OnPrem} slot={state.slots[0].clone()} summary={summary(0)} accounting={accounting(0)}
                            headers={state.headers[0].clone()} columns={state.options.onprem_columns.clone()}
                            mapping_open={*mapping_open || missing_on(Side::OnPrem)}
                            on_load={on_load(Side::OnPrem)} on_clear={on_clear(Side::OnPrem)} on_column={on_column(Side::OnPrem)} />
                        <FileSlot side={Side::Cloud} slot={state.slots[1].clone()} summary={summary(1)} accounting={accounting(1)}
                            headers={state.headers[1].clone()} columns={state.options.cloud_columns.clone()}
                            mapping_open={*mapping_open || missing_on(Side::Cloud)}
                            on_load={on_load(Side::Cloud)} on_clear={on_clear(Side::Cloud)} on_column={on_column(Side::Cloud)} />
                    </div>
                    <ContextSlot files={state.context.clone()} on_add={on_add_context} on_remove={on_remove_context} />
                    <SingleFileSlot name="earlier" title="Compare with an earlier report, optional"
                        hint="The JSON report of an earlier run on the same directory and tenant (\u{201c}Report (JSON)\u{201d} below, or the CLI's --format json). Users are matched by anchor and UPN: the report says who was fixed since, who is new and who is still to fix."
                        accept=".json,application/json" label="Earlier report (JSON)"
                        file={state.earlier.clone()} on_change={on_earlier} />
                    <SingleFileSlot name="pending" title="Entra Connect's pending exports, optional"
                        hint="From a staging-mode Entra Connect server: csexport.exe \u{201c}<tenant>.onmicrosoft.com - AAD\u{201d} export.xml /f:x (in C:\\Program Files\\Microsoft Azure AD Sync\\Bin). The report then lists, first, every user on which Entra Connect's own pending exports and its prediction disagree."
                        accept=".xml,text/xml,application/xml" label="Entra Connect's pending exports (XML)"
                        file={state.pending.clone()} on_change={on_pending} />
                    <details class="settings">
                        <summary>{ "Anchor and tenant settings" }</summary>
                        <MatchingOptions matching={state.options.matching.clone()} onprem_headers={state.headers[0].clone()} on_change={on_matching} />
                    </details>
                    if let Phase::Running(progress) = &state.phase {
                        <div class="progress-row" role="status" aria-live="polite">
                            <label for="progress">{ progress_label(progress) }</label>
                            // Matching has no measure of its own; the bar stays full then rather
                            // than indeterminate, whose animation repaints every frame and takes
                            // CPU from the workers on a two-core machine.
                            <progress id="progress" max="1000" value={((progress.fraction() * 1000.0) as u32).to_string()}></progress>
                            <button type="button" class="secondary" onclick={on_cancel}>{ "Cancel" }</button>
                        </div>
                    }
                    if let (Some(warning), true) = (&state.memory_warning, state.running() || state.crashed.is_some()) {
                        <p class="hint memory-warning" data-memory-warning="">{ warning.clone() }</p>
                    }
                    if state.slots.iter().filter(|s| s.is_some()).count() == 1 {
                        <p class="hint next-step">{ "Load the other export too: the audit starts as soon as both are here." }</p>
                    }
                    if state.phase == Phase::Idle && state.slots.iter().all(Option::is_some) {
                        <div class="progress-row"><button type="button" onclick={on_rerun}>{ "Run the audit" }</button></div>
                    }
                </section>
                if let Some(problem) = problem {
                    <ErrorView {problem} on_swap={Some(on_swap)} on_map_columns={Some(on_map_columns)} on_dismiss={Some(on_dismiss)} />
                }
                if let (Some(o), Phase::Done) = (&state.overview, &state.phase) {
                    <Results overview={o.clone()} preparing={state.preparing.clone()} {on_download} {on_category} on_open={on_open.clone()} />
                    <div class={classes!("report-area", state.open.is_some().then_some("with-detail"))}>
                        <ReportTable rows={state.rows.clone()} query={state.query.clone()} overview={o.clone()}
                            open={state.open} {on_query} {on_want} {on_open} />
                        if state.open.is_some() {
                            <DetailPanel detail={state.detail.clone()} {on_close} />
                        }
                    </div>
                }
                <div class="converters">
                    <Converter />
                    <ListConverter />
                </div>
            </main>
        </>
    }
}

/// Where each file is ("On-prem file: reading 12.0 of 296.0 MB · Cloud file: read"), or that
/// the users are being matched.
fn progress_label(progress: &Progress) -> String {
    if progress.matching {
        return "Matching users…".into();
    }
    let mb = |b: u64| format!("{:.1}", b as f64 / 1e6);
    let steps: Vec<String> = progress
        .files
        .iter()
        .zip(["On-prem file", "Cloud file"])
        .filter_map(|(step, file)| {
            let (stage, done, total) = (*step)?;
            Some(match stage {
                Stage::ReadingOnPrem | Stage::ReadingCloud if done >= total => {
                    format!("{file}: read")
                }
                Stage::ReadingOnPrem | Stage::ReadingCloud => {
                    format!("{file}: reading {} of {} MB", mb(done), mb(total))
                }
                _ => format!("{file}: loading {} of {} MB", mb(done), mb(total)),
            })
        })
        .collect();
    if steps.is_empty() {
        "Handing the files to the workers…".into()
    } else {
        steps.join(" · ")
    }
}
