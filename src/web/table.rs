//! The report table: filter chips, search, sortable columns, and a virtual list that keeps only
//! the visible rows in the DOM (the worker sends windows of rows), so 100k+ entries scroll
//! smoothly.

use std::rc::Rc;

use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use super::protocol::Overview;
use super::state::RowWindow;
use crate::engine::output::group_digits;
use crate::engine::report::{Category, Severity};
use crate::engine::view::{Query, RowSummary, SortKey};

/// Height of one row in pixels (fixed, so positions are arithmetic).
pub const ROW_HEIGHT: u32 = 40;
/// Height of the scrolling viewport in pixels.
pub const VIEWPORT_HEIGHT: u32 = 480;
/// Rows rendered above and below the visible ones.
const OVERSCAN: u32 = 6;
/// The tallest the scrolling content gets, in pixels. Browsers cap an element's height (Chromium
/// near 33.5 million px, about 840k rows of 40 px); past this the scroll position maps onto the
/// rows proportionally instead of one pixel per pixel.
const MAX_CONTENT: f64 = 8_000_000.0;
/// Rows asked of the worker at a time.
pub const WINDOW: u32 = 240;
/// Rows held beyond the rendered ones, either way, below which the next window is asked for:
/// it comes while these scroll by.
const AHEAD: u32 = WINDOW / 4;
/// How long typing in the search box must pause before the search goes to the worker: a query
/// per keystroke would queue a search of every entry per character on a large report.
pub const SEARCH_DELAY_MS: u32 = 180;

/// Props of [`ReportTable`].
#[derive(Properties, PartialEq)]
pub struct TableProps {
    /// The rows held (a window of the selection).
    pub rows: Rc<RowWindow>,
    /// The current filter, search and sort.
    pub query: Query,
    /// The finished run (counts for the chips).
    pub overview: Rc<Overview>,
    /// The entry whose detail panel is open.
    #[prop_or_default]
    pub open: Option<u32>,
    /// The query changed.
    pub on_query: Callback<Query>,
    /// The list needs rows from this position.
    pub on_want: Callback<u32>,
    /// A row was chosen.
    pub on_open: Callback<u32>,
}

const COLUMNS: [(&str, SortKey); 5] = [
    ("Category", SortKey::Category),
    ("On-prem user", SortKey::OnPremUpn),
    ("Name", SortKey::Name),
    ("Cloud user", SortKey::CloudUpn),
    ("Cloud anchor", SortKey::AnchorKind),
];

/// The filterable, sortable, virtual report table.
#[function_component(ReportTable)]
pub fn report_table(props: &TableProps) -> Html {
    let scroll_top = use_state(|| 0u32);
    let viewport = use_node_ref();
    let q = &props.query;
    let rows = &props.rows;

    // Back to the top when the query changes.
    {
        let viewport = viewport.clone();
        let scroll_top = scroll_top.clone();
        use_effect_with(q.clone(), move |_| {
            if let Some(el) = viewport.cast::<HtmlElement>() {
                el.set_scroll_top(0);
            }
            scroll_top.set(0);
        });
    }

    let visible = VIEWPORT_HEIGHT / ROW_HEIGHT + 1;
    let spacer = use_node_ref();
    let slab = use_node_ref();
    let geometry = Geometry::new(rows.total);
    let first = geometry.first_row(*scroll_top);
    // A scroll that outruns the worker's windows shows the held rows nearest, at the top of the
    // viewport, until the window comes: the rows lag a frame behind the scroll bar, and the
    // viewport is never left blank.
    let shown_first = nearest_first(first, rows.offset, rows.rows.len() as u32, visible);
    let from = shown_first.saturating_sub(OVERSCAN);
    let to = (shown_first + visible + OVERSCAN).min(rows.total);

    let shown: Vec<(u32, &RowSummary)> = (from..to)
        .filter_map(|i| {
            i.checked_sub(rows.offset).and_then(|j| rows.rows.get(j as usize)).map(|r| (i, r))
        })
        .collect();
    let start = shown.first().map_or(from, |(i, _)| *i);
    // Sizes and offsets go through the CSSOM, not `style` attributes: the page's CSP allows no
    // inline styles.
    {
        let (spacer, slab, viewport) = (spacer.clone(), slab.clone(), viewport.clone());
        let at = (rows.total, start, shown_first, *scroll_top);
        use_effect_with(at, move |(total, start, shown_first, top)| {
            let geometry = Geometry::new(*total);
            if let Some(el) = viewport.cast::<HtmlElement>() {
                let height = VIEWPORT_HEIGHT.min((*total).max(1) * ROW_HEIGHT);
                let _ = el.style().set_property("height", &format!("{height}px"));
            }
            if let Some(el) = spacer.cast::<HtmlElement>() {
                let _ = el.style().set_property("height", &format!("{}px", geometry.content));
            }
            if let Some(el) = slab.cast::<HtmlElement>() {
                let y = geometry.slab_top(*top, *start, *shown_first);
                let _ = el.style().set_property("transform", &format!("translateY({y:.0}px)"));
            }
        });
    }

    let onscroll = {
        let scroll_top = scroll_top.clone();
        let rows = rows.clone();
        let on_want = props.on_want.clone();
        let (slab, rendered) = (slab.clone(), shown.len() as u32);
        Callback::from(move |e: Event| {
            let el: HtmlElement = e.target_unchecked_into();
            let top = el.scroll_top().max(0) as u32;
            scroll_top.set(top);
            let geometry = Geometry::new(rows.total);
            let first = geometry.first_row(top);
            // The next render comes a task later, after this frame may be painted: the rows in
            // the page move under the viewport now, so it never shows without them.
            if let (Some(slab), true) = (slab.cast::<HtmlElement>(), rendered > 0) {
                let y =
                    geometry.slab_top(top, start, nearest_first(first, start, rendered, visible));
                let _ = slab.style().set_property("transform", &format!("translateY({y:.0}px)"));
            }
            let need_from = first.saturating_sub(OVERSCAN + AHEAD);
            let need_to = (first + visible + OVERSCAN + AHEAD).min(rows.total);
            let held_to = rows.offset + rows.rows.len() as u32;
            if need_from < rows.offset || need_to > held_to {
                on_want.emit(first.saturating_sub(WINDOW / 3));
            }
        })
    };

    // The search box's text goes out once typing pauses; until then it is only here (and the
    // box shows it: Yew resets an input to its `value` on every render). The pending search is
    // applied to the query as it is when it goes out, and a click on a chip or a column takes
    // it at once.
    let typed = use_mut_ref(|| q.search.clone());
    let pending = use_mut_ref(|| None::<Timeout>);
    let latest = use_mut_ref(Query::default);
    *latest.borrow_mut() = q.clone();
    let set = |f: Box<dyn Fn(&mut Query)>| {
        let on_query = props.on_query.clone();
        let q = q.clone();
        let (typed, pending) = (typed.clone(), pending.clone());
        Callback::from(move |_: MouseEvent| {
            pending.borrow_mut().take();
            let mut next = Query { search: typed.borrow().clone(), ..q.clone() };
            f(&mut next);
            on_query.emit(next);
        })
    };
    let oninput = {
        let on_query = props.on_query.clone();
        let (typed, pending, latest) = (typed.clone(), pending.clone(), latest.clone());
        Callback::from(move |e: InputEvent| {
            let search = e.target_unchecked_into::<HtmlInputElement>().value();
            *typed.borrow_mut() = search.clone();
            let (on_query, latest) = (on_query.clone(), latest.clone());
            // Replacing the timer cancels the one before.
            *pending.borrow_mut() = Some(Timeout::new(SEARCH_DELAY_MS, move || {
                let now = latest.borrow().clone();
                if now.search != search {
                    on_query.emit(Query { search, ..now });
                }
            }));
        })
    };
    let count =
        |c: Category| props.overview.counts.iter().find(|(k, _)| *k == c).map_or(0, |(_, n)| *n);

    html! {
        <section class="report" aria-labelledby="report-title">
            <div class="report-head">
                <h2 id="report-title">{ "Users" }</h2>
                <div class="search">
                    <label for="search">{ "Search" }</label>
                    <input id="search" type="search" placeholder="UPN, name, GUID, ImmutableID…" autocomplete="off"
                        spellcheck="false" value={typed.borrow().clone()} {oninput} />
                </div>
            </div>
            <div class="chips" role="group" aria-label="Filter by category">
                <button type="button" class="chip" aria-pressed={(q.categories.is_empty() && !q.custom_anchor_only && !q.duplicates_only).to_string()}
                    onclick={set(Box::new(|q: &mut Query| { q.categories.clear(); q.custom_anchor_only = false; q.duplicates_only = false; }))}>
                    { format!("All · {}", group_digits(props.overview.entries)) }
                </button>
                { for Category::ALL.iter().copied().filter(|c| count(*c) > 0).map(|c| {
                    let on = q.categories.contains(&c);
                    html! {
                        <button type="button" class={classes!("chip", format!("cat-{}", c.key()))} aria-pressed={on.to_string()}
                            data-chip={c.key()}
                            onclick={set(Box::new(move |q: &mut Query| {
                                if let Some(i) = q.categories.iter().position(|k| *k == c) { q.categories.remove(i); } else { q.categories.push(c); }
                            }))}>
                            <span class="swatch" aria-hidden="true"></span>
                            { format!("{} · {}", c.label(), group_digits(count(c))) }
                        </button>
                    }
                }) }
                <button type="button" class="chip tag" aria-pressed={q.custom_anchor_only.to_string()} data-chip="custom-anchor"
                    onclick={set(Box::new(|q: &mut Query| q.custom_anchor_only = !q.custom_anchor_only))}>
                    { format!("custom anchor · {}", group_digits(props.overview.custom_anchor)) }
                </button>
                <button type="button" class="chip tag" aria-pressed={q.duplicates_only.to_string()} data-chip="duplicates"
                    onclick={set(Box::new(|q: &mut Query| q.duplicates_only = !q.duplicates_only))}>
                    { format!("duplicates · {}", group_digits(props.overview.duplicates)) }
                </button>
            </div>
            <p class="muted small" aria-live="polite" data-row-total="">
                { if rows.loaded { format!("{} shown", group_digits(rows.total as u64)) } else { "Loading rows…".to_string() } }
            </p>
            <div class="grid" role="table" aria-label="Users and their verdicts" aria-rowcount={(rows.total + 1).to_string()}>
                <div class="grid-head" role="rowgroup">
                    <div class="grid-row head" role="row" aria-rowindex="1">
                        { for COLUMNS.iter().map(|(label, key)| {
                            let sorted = q.sort == *key;
                            let sort = if sorted { if q.descending { "descending" } else { "ascending" } } else { "none" };
                            let key = *key;
                            html! {
                                <div role="columnheader" aria-sort={sort} class="cell">
                                    <button type="button" class="sort" onclick={set(Box::new(move |q: &mut Query| {
                                        if q.sort == key { q.descending = !q.descending } else { q.sort = key; q.descending = false }
                                    }))}>
                                        { *label }
                                        <span class="arrow" aria-hidden="true">{ match sort { "ascending" => "▲", "descending" => "▼", _ => "↕" } }</span>
                                    </button>
                                </div>
                            }
                        }) }
                        <div role="columnheader" class="cell">{ "Tags" }</div>
                    </div>
                </div>
                <div class="viewport" role="rowgroup" ref={viewport} {onscroll}>
                    <div class="spacer" ref={spacer}>
                        <div class="slab" ref={slab}>
                            { for shown.into_iter().map(|(i, r)| row(i, r, props.open == Some(r.entry), &props.on_open)) }
                        </div>
                    </div>
                </div>
                if rows.loaded && rows.total == 0 {
                    <p class="empty">{ "No user matches these filters." }</p>
                }
            </div>
        </section>
    }
}

/// Where rows sit in the scrolling content: one pixel per pixel up to [`MAX_CONTENT`], then
/// scaled, so any number of rows can be reached with the scroll bar.
struct Geometry {
    /// The content's height in pixels.
    content: f64,
    /// Rows' pixels per content pixel of scrolling (1 unless scaled).
    ratio: f64,
}

impl Geometry {
    fn new(total: u32) -> Geometry {
        let full = f64::from(total) * f64::from(ROW_HEIGHT);
        let content = full.min(MAX_CONTENT);
        let view = f64::from(VIEWPORT_HEIGHT);
        let ratio = if full > content { (full - view) / (content - view) } else { 1.0 };
        Geometry { content, ratio }
    }

    /// The rows' pixel offset shown at the top of the viewport.
    fn virtual_top(&self, scroll_top: u32) -> f64 {
        f64::from(scroll_top) * self.ratio
    }

    /// The first row (partly) visible.
    fn first_row(&self, scroll_top: u32) -> u32 {
        (self.virtual_top(scroll_top) / f64::from(ROW_HEIGHT)) as u32
    }

    /// Where row `start` goes in the content, so that row `shown_first` lines up under the
    /// scroll position as the first visible row would (the same part of it above the top).
    fn slab_top(&self, scroll_top: u32, start: u32, shown_first: u32) -> f64 {
        let row = f64::from(ROW_HEIGHT);
        let above = self.virtual_top(scroll_top) - f64::from(self.first_row(scroll_top)) * row;
        f64::from(scroll_top) + (f64::from(start) - f64::from(shown_first)) * row - above
    }
}

/// The first row to show at the top of the viewport: `first` if rows `from..from + len` let
/// `visible` rows from it be shown, else the nearest one that does.
fn nearest_first(first: u32, from: u32, len: u32, visible: u32) -> u32 {
    match len {
        0 => first,
        _ => first.clamp(from, (from + len).saturating_sub(visible).max(from)),
    }
}

fn row(i: u32, r: &RowSummary, open: bool, on_open: &Callback<u32>) -> Html {
    let entry = r.entry;
    let onclick = {
        let on_open = on_open.clone();
        Callback::from(move |_: MouseEvent| on_open.emit(entry))
    };
    let onkeydown = {
        let on_open = on_open.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" | " " => {
                e.prevent_default();
                on_open.emit(entry);
            }
            "ArrowDown" | "ArrowUp" => {
                e.prevent_default();
                let el: HtmlElement = e.target_unchecked_into();
                let next = if e.key() == "ArrowDown" {
                    el.next_element_sibling()
                } else {
                    el.previous_element_sibling()
                };
                if let Some(next) = next.and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
                    let _ = next.focus();
                }
            }
            _ => {}
        })
    };
    let key = r.category.key();
    html! {
        <div key={entry} class={classes!("grid-row", "body", open.then_some("open"))} role="row" tabindex="0"
            aria-rowindex={(i + 2).to_string()} aria-selected={open.to_string()} data-entry={entry.to_string()}
            {onclick} {onkeydown}>
            <div role="cell" class="cell"><span class={classes!("pill", format!("cat-{key}"))} data-category={key}>{ r.category.label() }</span></div>
            <div role="cell" class="cell mono" title={r.onprem.clone()}>{ &r.onprem }</div>
            <div role="cell" class="cell" title={r.name.clone()}>{ &r.name }</div>
            <div role="cell" class="cell mono" title={r.cloud.clone()}>{ &r.cloud }</div>
            <div role="cell" class="cell" title={r.anchor_kind.clone()}>{ &r.anchor_kind }</div>
            <div role="cell" class="cell tags">
                if r.custom_anchor { <span class="tag-label">{ "custom anchor" }</span> }
                if r.duplicate { <span class="tag-label">{ "duplicate" }</span> }
                if r.worst == Some(Severity::Problem) { <span class="tag-label problem">{ "problem" }</span> }
            </div>
        </div>
    }
}
