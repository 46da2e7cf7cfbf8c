//! The browser app's worker (wasm32 only; Trunk builds it with `data-type="worker"`). It reads
//! the files, runs the audit and answers the page's questions; see `anchor_audit::web::worker`.

#[cfg(target_arch = "wasm32")]
fn main() {
    anchor_audit::web::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "The worker is part of the browser app (wasm32). Run the app with `cargo xtask serve`."
    );
    std::process::exit(2);
}
