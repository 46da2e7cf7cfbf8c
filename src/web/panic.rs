//! A panic on the page must never leave a dead page: the hook writes a message with a reload
//! button into the DOM (built with DOM calls, no inner HTML, no inline script).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Installs the panic hook.
pub fn install() {
    std::panic::set_hook(Box::new(|info| show(&info.to_string())));
}

/// Puts the crash message, with its reload button, at the top of the page.
pub fn show(message: &str) {
    let document = gloo::utils::document();
    let Some(body) = document.body() else { return };
    let Ok(section) = document.create_element("section") else { return };
    section.set_class_name("error crash panic");
    let _ = section.set_attribute("role", "alert");
    let add = |tag: &str, text: &str| {
        if let Ok(el) = document.create_element(tag) {
            el.set_text_content(Some(text));
            let _ = section.append_child(&el);
            Some(el)
        } else {
            None
        }
    };
    add("h2", "Something went wrong inside Anchor Audit");
    add("p", "This is a bug, not a problem with your files. Reload the page to start again (nothing was sent anywhere).");
    add("pre", message);
    if let Some(button) = add("button", "Reload") {
        let reload = Closure::<dyn Fn()>::new(|| {
            let _ = gloo::utils::window().location().reload();
        });
        let _ = button.add_event_listener_with_callback("click", reload.as_ref().unchecked_ref());
        reload.forget();
    }
    let _ = body.insert_before(&section, body.first_child().as_ref());
    gloo::console::error!(format!("panic: {message}"));
}
