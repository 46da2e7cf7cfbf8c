//! The browser app's entry point (wasm32 only; built and served by Trunk). Everything it shows lives
//! in `anchor_audit::web`.

#[cfg(target_arch = "wasm32")]
fn main() {
    anchor_audit::web::panic::install();
    yew::Renderer::<anchor_audit::web::App>::new().render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The browser app builds for wasm32 only. Run it with `cargo xtask serve`,");
    eprintln!("then open http://127.0.0.1:8080/ (`cargo xtask serve --port N` for another port).");
    std::process::exit(2);
}
