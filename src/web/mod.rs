//! The browser app: a thin Yew UI over [`crate::engine`]. Nothing here talks to the network; every
//! value the user types or loads stays in this page.

mod app;
mod converter;
mod shown;

pub use app::App;
pub use converter::Converter;
