//! The page: a header, the privacy promise, and the tools below it.

use yew::prelude::*;

use super::converter::Converter;

/// The whole page, mounted on `<body>` by the `app` binary.
#[function_component(App)]
pub fn app() -> Html {
    html! {
        <>
            <header class="page-header">
                <h1>{ "Anchor Audit" }</h1>
                <p class="privacy">
                    { "Everything stays in this browser: nothing you type or load is sent anywhere." }
                </p>
            </header>
            <main>
                <Converter />
            </main>
        </>
    }
}
