//! `cargo xtask single-file`: writes `anchor-audit.html`, the whole app in one self-contained file
//! that works opened straight from disk (`file://`), from Trunk's release build.
//!
//! Trunk runs it as its `post_build` hook (Trunk.toml), so every `trunk build --release` (and
//! so `cargo xtask build`, `serve` and `test`) writes it into the build, beside `index.html`.
//! It inlines the stylesheet as one `<style>`, the app's wasm-bindgen glue (`--target web`,
//! its `export` line dropped) plus static/single.js as one `<script type="module">`, and the two
//! wasm binaries (base64) and the worker's glue as data blocks, which never execute. Its CSP
//! allows exactly those two inline elements, by SHA-256, and no connection at all.

use std::fs;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::Result;

/// The file's name in the build.
pub const FILE_NAME: &str = "anchor-audit.html";

/// The line wasm-bindgen (0.2.130, `--target web`) ends the app's glue with.
const GLUE_EXPORT: &str = "export { initSync, __wbg_init as default };";

/// What goes into the single file, read from Trunk's build.
pub struct Parts {
    pub css: String,
    /// The app's glue, `--target web` (an ES module).
    pub app_glue: String,
    pub app_wasm: Vec<u8>,
    /// The worker's glue, `--target no-modules` (a classic script defining `wasm_bindgen`).
    pub worker_glue: String,
    pub worker_wasm: Vec<u8>,
    /// static/single.js.
    pub starter: String,
}

impl Parts {
    /// Reads the parts from a Trunk build folder (`index.html` names the hashed files) and the
    /// starter from the source tree.
    pub fn read(build: &Path, source: &Path) -> Result<Parts> {
        let index = read_text(&build.join("index.html"))?;
        let app_js = attribute(&index, "data-js=\"")
            .ok_or("index.html has no data-js=\"…\" (Trunk.toml's pattern_script)")?;
        let app_wasm = attribute(&index, "data-wasm=\"")
            .ok_or("index.html has no data-wasm=\"…\" (Trunk.toml's pattern_script)")?;
        let css = index
            .split("<link rel=\"stylesheet\" href=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or("index.html links no stylesheet")?;
        Ok(Parts {
            css: read_text(&build.join(css))?,
            app_glue: read_text(&build.join(app_js))?,
            app_wasm: read_bytes(&build.join(app_wasm))?,
            worker_glue: read_text(&build.join("worker.js"))?,
            worker_wasm: read_bytes(&build.join("worker_bg.wasm"))?,
            starter: read_text(&source.join("static/single.js"))?,
        })
    }
}

/// The single file's HTML and its Content-Security-Policy.
pub fn assemble(parts: &Parts) -> Result<(String, String)> {
    // The glue as an inline module: its one `export` line goes (nothing imports it), and it
    // must not import anything (a wasm-bindgen JS snippet would be a separate file).
    let mut exported = false;
    let mut glue = String::with_capacity(parts.app_glue.len());
    for line in parts.app_glue.lines() {
        if line.trim() == GLUE_EXPORT {
            exported = true;
            continue;
        }
        if line.starts_with("import ") || line.starts_with("export ") {
            return Err(format!(
                "the app's glue has `{line}`: the single file cannot inline it (a wasm-bindgen \
                 JS snippet or a new glue layout?)"
            ));
        }
        glue.push_str(line);
        glue.push('\n');
    }
    if !exported || !glue.contains("async function __wbg_init(") {
        return Err(format!(
            "the app's glue does not end with `{GLUE_EXPORT}` or lacks __wbg_init: has \
             wasm-bindgen's output changed? (static/single.js calls __wbg_init)"
        ));
    }
    let script = format!("{glue}\n// static/single.js\n{}", parts.starter);
    let style = parts.css.clone();

    // Raw text elements end at the first `</script` / `</style`; `<!--` in a script changes
    // how the parser reads it. None of the texts may hold them.
    check_raw("the app's glue + static/single.js", &script, "</script")?;
    check_raw("the worker's glue", &parts.worker_glue, "</script")?;
    check_raw("app.css", &style, "</style")?;

    let csp = format!(
        "default-src 'none'; script-src '{}' 'wasm-unsafe-eval'; worker-src blob:; \
         style-src '{}'; img-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'",
        csp_hash(&script),
        csp_hash(&style),
    );
    let html = format!(
        r#"<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <!-- Anchor Audit in one file: open it from disk in Edge or Chrome; it needs no network and
         uses none. Its CSP allows no connection of any kind (connect-src 'none'), no file from
         anywhere (default-src 'none'), only the one inline script and the one inline style below
         (by their SHA-256), wasm compilation ('wasm-unsafe-eval', not 'unsafe-eval') and workers
         from blob: URLs the page itself makes from the worker code in this file. -->
    <meta http-equiv="Content-Security-Policy" content="{csp}" />
    <meta name="referrer" content="no-referrer" />
    <meta name="color-scheme" content="light dark" />
    <title>Anchor Audit</title>
    <link rel="icon" href="data:," />
    <style>{style}</style>
    <script type="application/octet-stream" id="app-wasm" data-encoding="base64">{app_wasm}</script>
    <script type="application/octet-stream" id="worker-wasm" data-encoding="base64">{worker_wasm}</script>
    <script type="text/plain" id="worker-glue">{worker_glue}</script>
    <script type="module">{script}</script>
  </head>
  <body></body>
</html>
"#,
        app_wasm = BASE64.encode(&parts.app_wasm),
        worker_wasm = BASE64.encode(&parts.worker_wasm),
        worker_glue = parts.worker_glue,
    );
    Ok((html, csp))
}

/// `sha256-…` of an inline element's text, as a CSP source expression.
pub fn csp_hash(text: &str) -> String {
    format!("sha256-{}", BASE64.encode(Sha256::digest(text.as_bytes())))
}

/// The file's SHA-256 in hex, as `sha256sum` and `Get-FileHash` print it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn check_raw(what: &str, text: &str, end: &str) -> Result {
    let lower = text.to_ascii_lowercase();
    if lower.contains(end) || (end == "</script" && lower.contains("<!--")) {
        return Err(format!("{what} contains `{end}` or `<!--`: it cannot be inlined as is"));
    }
    Ok(())
}

/// The value of the first `name="value"` attribute (`prefix` is `name="`).
fn attribute<'a>(html: &'a str, prefix: &str) -> Option<&'a str> {
    html.split(prefix).nth(1)?.split('"').next()
}

fn read_text(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> Parts {
        Parts {
            css: "body { color: red; }\n".into(),
            app_glue: format!("let wasm;\nasync function __wbg_init(m) {{}}\n{GLUE_EXPORT}\n"),
            app_wasm: vec![0, 97, 115, 109],
            worker_glue: "let wasm_bindgen = 1;\n".into(),
            worker_wasm: vec![0, 97, 115, 109, 1],
            starter: "await __wbg_init({});\n".into(),
        }
    }

    /// The text between `open` and the next `close` after it.
    fn between<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
        html.split(open).nth(1).unwrap().split(close).next().unwrap()
    }

    #[test]
    fn the_csp_hashes_the_inline_script_and_style_and_allows_no_connection() {
        let (html, csp) = assemble(&parts()).unwrap();
        let script = between(&html, "<script type=\"module\">", "</script>");
        let style = between(&html, "<style>", "</style>");
        assert!(!script.contains("export {"), "the export line is dropped");
        assert!(script.ends_with("await __wbg_init({});\n"));
        assert!(csp.contains(&format!("script-src '{}' 'wasm-unsafe-eval'", csp_hash(script))));
        assert!(csp.contains(&format!("style-src '{}'", csp_hash(style))));
        assert!(csp.contains("connect-src 'none'"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"));
        assert!(html.contains(&format!("content=\"{csp}\"")));
        assert!(html.contains(">AGFzbQ==</script>"), "the app wasm in base64");
        // No URL to fetch anywhere: no src=, and the only href is the data: icon.
        assert!(!html.contains("src="));
        assert_eq!(html.matches("href=").count(), 1);
    }

    #[test]
    fn refuses_what_cannot_be_inlined() {
        let mut p = parts();
        p.worker_glue = "x = '</SCRIPT>';".into();
        assert!(assemble(&p).is_err());
        let mut p = parts();
        p.app_glue = p.app_glue.replace(GLUE_EXPORT, "export default 1;");
        assert!(assemble(&p).is_err());
        let mut p = parts();
        p.app_glue = format!("import x from './snippet.js';\n{}", p.app_glue);
        assert!(assemble(&p).is_err());
    }

    #[test]
    fn hashes_like_sha256sum() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(csp_hash(""), "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }
}
