//! The single-value converter: type a GUID or ImmutableID, see its other forms.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::shown::{show, Shown};

/// The converter's state: what was typed and what it converts to.
#[derive(Clone, Debug, Default, PartialEq)]
struct State {
    value: String,
    shown: Option<Shown>,
}

/// What the user can do to the converter.
enum Action {
    /// The input now holds this text.
    Typed(String),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Typed(value) => {
                let shown = (!value.trim().is_empty()).then(|| show(&value));
                Rc::new(State { value, shown })
            }
        }
    }
}

/// A labelled text input that shows every form of the GUID typed into it, as it is typed.
#[function_component(Converter)]
pub fn converter() -> Html {
    let state = use_reducer(State::default);
    let oninput = {
        let state = state.dispatcher();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            state.dispatch(Action::Typed(input.value()));
        })
    };
    html! {
        <section class="converter" aria-labelledby="converter-title">
            <h2 id="converter-title">{ "Convert one value" }</h2>
            <label for="converter-input">{ "objectGUID or ImmutableID" }</label>
            <input
                id="converter-input"
                type="text"
                autocomplete="off"
                spellcheck="false"
                placeholder="35918bc9-196d-40ea-9779-889d79b753f0"
                aria-describedby="converter-hint"
                value={state.value.clone()}
                {oninput}
            />
            <p id="converter-hint" class="hint">
                { "Any GUID spelling, or a base64 ImmutableID. Converted as you type." }
            </p>
            <div class="converted" aria-live="polite">
                if let Some(shown) = &state.shown {
                    <ShownView shown={shown.clone()} />
                }
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ShownProps {
    shown: Shown,
}

/// One value's forms as a definition list, with what it was recognised as.
#[function_component(ShownView)]
fn shown_view(props: &ShownProps) -> Html {
    let shown = &props.shown;
    html! {
        <>
            <p class="kind">{ "Read as: " }<strong>{ shown.kind }</strong></p>
            if !shown.forms.is_empty() {
                <dl class="forms">
                    { for shown.forms.iter().map(|form| html! {
                        <div class="form" key={form.key.clone()}>
                            <dt>{ form.label }</dt>
                            <dd><code data-form={form.key.clone()}>{ &form.value }</code></dd>
                        </div>
                    }) }
                </dl>
            }
            if !shown.note.is_empty() {
                <p class="note">{ &shown.note }</p>
            }
            if let Some(error) = &shown.error {
                <p class="error">{ error }</p>
            }
        </>
    }
}

/// The list converter's state: the pasted text and every value in it, converted.
#[derive(Clone, Debug, Default, PartialEq)]
struct ListState {
    text: String,
    shown: Vec<(String, Shown)>,
}

impl Reducible for ListState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Typed(text) => {
                let shown = super::shown::show_lines(&text);
                Rc::new(ListState { text, shown })
            }
        }
    }
}

/// A textarea taking any number of GUIDs / ImmutableIDs, one per line or comma-separated, each
/// shown in every form.
#[function_component(ListConverter)]
pub fn list_converter() -> Html {
    let state = use_reducer(ListState::default);
    let oninput = {
        let state = state.dispatcher();
        Callback::from(move |e: InputEvent| {
            let area: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            state.dispatch(Action::Typed(area.value()));
        })
    };
    html! {
        <section class="converter list" aria-labelledby="list-converter-title">
            <h2 id="list-converter-title">{ "Convert a list" }</h2>
            <label for="list-converter-input">{ "GUIDs or ImmutableIDs, any spelling, one per line" }</label>
            <textarea id="list-converter-input" rows="4" spellcheck="false" autocomplete="off"
                placeholder={"35918bc9-196d-40ea-9779-889d79b753f0\nyYuRNW0Z6kCXeYidebdT8A=="}
                value={state.text.clone()} {oninput} />
            if !state.shown.is_empty() {
                <p class="muted small" aria-live="polite">{ format!("{} values", state.shown.len()) }</p>
                <ol class="converted-list">
                    { for state.shown.iter().map(|(input, shown)| html! {
                        <li>
                            <p class="input mono">{ input }</p>
                            <ShownView shown={shown.clone()} />
                        </li>
                    }) }
                </ol>
            }
        </section>
    }
}
