//! The browser app's entry point (wasm32 only; built and served by Trunk).

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the browser app builds for wasm32 only: run `cargo xtask serve`");
    std::process::exit(2);
}
