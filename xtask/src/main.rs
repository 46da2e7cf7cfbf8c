//! `cargo xtask`: the project's two commands, `serve` and `test`, plus `build`. Each first
//! installs whatever is missing (printing what it does), so all work on a fresh machine. Besides
//! std, xtask uses only base64 and sha2 (for the single file, [`single`]), so it builds in seconds.

mod fuzz;
mod single;

use std::env;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// Trunk's version: 0.22 needs a newer rustc than the project's.
const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Poppler's PDF-to-image tool, from the same package as `pdftotext` and `pdfinfo`.
const PDFTOPPM: &str = "/usr/bin/pdftoppm";
const DEFAULT_PORT: u16 = 8080;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  serve [--port N] [--dev]   build the app and serve it on http://127.0.0.1:N/ (default 8080);
                             --dev builds without optimisations (faster to build, slower to run)
  test                       run every test: native, wasm (headless Chromium), release build,
                             end-to-end (Playwright + Chromium)
  build                      only the release build: dist/ (to host) and dist/anchor-audit.html
                             (the whole app in one file, to open from disk)
  fuzz [--seconds N] [--runs N] [TARGET]
                             run each cargo-fuzz target (or TARGET) for N seconds (default 60)
                             or N executions, on corpora seeded from tests/fixtures; targets:
                             chunked_read, guid, ldif, audit (RELIABILITY.md)
  single-file [DIR]          write DIR/anchor-audit.html from the Trunk build in DIR (default
                             dist; Trunk's post_build hook runs this with its staging folder)

All install what is missing first: the wasm32 target, trunk, wasm-bindgen-cli, and for `test`
Debian's chromium, chromium-driver, poppler-utils and the e2e npm packages; `fuzz` installs
cargo-fuzz and the nightly toolchain it needs. Every release build (trunk build --release,
serve, test, build) writes dist/anchor-audit.html and prints its size and SHA-256.";

pub(crate) type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("build") => build(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        Some("single-file") => single_file(&args[1..]),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The two commands

fn serve(args: &[String]) -> Result {
    let mut port = DEFAULT_PORT;
    let mut release = true;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" | "-p" => {
                let value = args.next().ok_or("--port needs a number")?;
                port =
                    value.parse().map_err(|_| format!("--port: `{value}` is not a port number"))?;
            }
            "--dev" => release = false,
            other => return Err(format!("serve: unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    let ws = Workspace::find()?;
    ws.install_build_tools()?;
    ws.fetch_crates()?;
    step(&format!("serving on http://127.0.0.1:{port}/ (Ctrl-C stops)"));
    let mut trunk = ws.command("trunk");
    trunk.args(["serve", "--offline", "--address", "127.0.0.1", "--port", &port.to_string()]);
    if release {
        trunk.arg("--release");
    }
    run(&mut trunk)
}

fn build(args: &[String]) -> Result {
    if let Some(arg) = args.first() {
        return Err(format!("build: unknown argument `{arg}`\n\n{USAGE}"));
    }
    let ws = Workspace::find()?;
    ws.install_build_tools()?;
    ws.fetch_crates()?;
    step("release build into dist/ (Trunk's post_build hook writes dist/anchor-audit.html)");
    run(ws.command("trunk").args(["build", "--release", "--offline"]))
}

/// Writes the single file into a Trunk build. Run by Trunk's post_build hook (Trunk.toml), which
/// sets TRUNK_STAGING_DIR (the build before it replaces dist/), TRUNK_DIST_DIR and TRUNK_PROFILE.
fn single_file(args: &[String]) -> Result {
    let ws = Workspace::find()?;
    let staging = env::var_os("TRUNK_STAGING_DIR").map(PathBuf::from);
    let dir = match (args.first(), &staging) {
        (Some(dir), _) => PathBuf::from(dir),
        (None, Some(staging)) => staging.clone(),
        (None, None) => ws.root.join("dist"),
    };
    if env::var("TRUNK_PROFILE").as_deref() == Ok("debug") {
        println!("xtask: no {} for a debug build (release builds only)", single::FILE_NAME);
        return Ok(());
    }
    let parts = single::Parts::read(&dir, &ws.root)?;
    let (html, csp) = single::assemble(&parts)?;
    let path = dir.join(single::FILE_NAME);
    fs::write(&path, &html).map_err(|e| format!("writing {}: {e}", path.display()))?;
    let hash = single::sha256_hex(html.as_bytes());
    let sums = dir.join(format!("{}.sha256", single::FILE_NAME));
    fs::write(&sums, format!("{hash}  {}\n", single::FILE_NAME))
        .map_err(|e| format!("writing {}: {e}", sums.display()))?;
    // Where it ends up: Trunk moves its staging folder to dist/ after the hook.
    let shown = match (&staging, env::var_os("TRUNK_DIST_DIR")) {
        (Some(_), Some(dist)) if args.is_empty() => Path::new(&dist).join(single::FILE_NAME),
        _ => path,
    };
    let shown = shown.strip_prefix(&ws.root).unwrap_or(&shown).display().to_string();
    println!("\nxtask: wrote {shown}: the whole app in one file, to open from disk");
    println!("  size     {} bytes ({:.1} MB)", group(html.len()), html.len() as f64 / 1e6);
    println!("  SHA-256  {hash}");
    println!(
        "  check a copy: `sha256sum anchor-audit.html` or `sha256sum -c anchor-audit.html.sha256`,"
    );
    println!("  in PowerShell `Get-FileHash -Algorithm SHA256 .\\anchor-audit.html`");
    println!("  CSP      {csp}");
    Ok(())
}

/// `1234567` as `1,234,567`.
fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn test(args: &[String]) -> Result {
    if let Some(arg) = args.first() {
        return Err(format!("test: unknown argument `{arg}`\n\n{USAGE}"));
    }
    let ws = Workspace::find()?;
    let started = Instant::now();
    ws.install_build_tools()?;
    ws.install_browser()?;
    ws.install_e2e_packages()?;
    ws.fetch_crates()?;
    let setup = started.elapsed();

    let dist = ws.root.join("dist");
    let dist = dist.to_str().ok_or("the workspace path is not UTF-8")?;
    let layers = [
        Layer::new("native", &["cargo", "test", "--workspace", "--all-targets"]),
        Layer::new("doc", &["cargo", "test", "--workspace", "--doc"]),
        // Every fuzz target for a few seconds (RELIABILITY.md): they keep building.
        Layer::new("fuzz smoke", &["cargo", "xtask", "fuzz", "--seconds", FUZZ_SMOKE_SECONDS]),
        Layer::new("wasm", &["cargo", "test", "--target", WASM_TARGET, "--test", "web"])
            .env("CHROMEDRIVER", CHROMEDRIVER),
        Layer::new("release build", &["trunk", "build", "--release", "--offline"]),
        // Node finds every *.test.mjs under tests/e2e (node_modules excluded).
        Layer::new("e2e", &["node", "--test", "--test-reporter=spec"])
            .dir("tests/e2e")
            .env("ANCHOR_AUDIT_DIST", dist)
            .env("ANCHOR_AUDIT_CHROMIUM", CHROMIUM),
    ];

    let mut done: Vec<(&str, Duration)> = Vec::new();
    let mut tally = Tally::default();
    for layer in &layers {
        let name = layer.name;
        step(&format!("test layer `{name}`: {}", layer.argv.join(" ")));
        let mut cmd = ws.command(layer.argv[0]);
        cmd.args(&layer.argv[1..]).envs(layer.envs.iter().copied());
        if let Some(dir) = layer.dir {
            cmd.current_dir(ws.root.join(dir));
        }
        let t = Instant::now();
        let outcome = run_counting(&mut cmd, &mut tally);
        let took = t.elapsed();
        if let Err(message) = outcome {
            summary(setup, &done, Some((name, took)));
            tally.print();
            return Err(format!("test layer `{name}` failed: {message}"));
        }
        done.push((name, took));
    }
    summary(setup, &done, None);
    tally.print();
    Ok(())
}

/// How long `cargo xtask fuzz` runs each target when not told.
const FUZZ_SECONDS: u64 = 60;
/// How long `cargo xtask test` runs each target: enough to load its seeds and mutate them a
/// little, so that every target keeps building and its properties hold on the fixtures.
const FUZZ_SMOKE_SECONDS: &str = "3";

/// `cargo xtask fuzz [--seconds N] [--runs N] [TARGET]`: each target in turn (or TARGET), for N
/// seconds or N executions, each on its corpus seeded from tests/fixtures, with one libFuzzer
/// job (run it under `nice` to leave the machine to others).
fn fuzz(args: &[String]) -> Result {
    let mut limit = format!("-max_total_time={FUZZ_SECONDS}");
    let mut targets: Vec<&str> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" | "--runs" => {
                let value = args.next().ok_or(format!("{arg} needs a number"))?;
                let n: u64 =
                    value.parse().map_err(|_| format!("{arg}: `{value}` is not a number"))?;
                limit = if arg == "--seconds" {
                    format!("-max_total_time={n}")
                } else {
                    format!("-runs={n}")
                };
            }
            target if fuzz::TARGETS.contains(&target) => targets.push(target),
            other => {
                return Err(format!(
                    "fuzz: unknown argument `{other}` (targets: {})\n\n{USAGE}",
                    fuzz::TARGETS.join(", ")
                ))
            }
        }
    }
    if targets.is_empty() {
        targets = fuzz::TARGETS.to_vec();
    }
    let ws = Workspace::find()?;
    ws.install_fuzz_tools()?;
    for target in targets {
        let corpus = fuzz::seed(&ws.root, target)?;
        let corpus = corpus.to_str().ok_or("the workspace path is not UTF-8")?;
        step(&format!("fuzzing `{target}` ({limit})"));
        run(ws
            .command("cargo")
            .current_dir(ws.root.join("fuzz"))
            // No sanitizer: the engine has no `unsafe`, and AddressSanitizer makes each run
            // several times slower (RELIABILITY.md); overflow checks and debug assertions stay on.
            .args(["+nightly", "fuzz", "run", "--sanitizer", "none", target, corpus, "--"])
            .args([limit.as_str(), "-print_final_stats=1"]))?;
    }
    Ok(())
}

/// Tests passed and failed over every layer, read from the runners' own summary lines, so the
/// log ends with one plain `N passed, N failed` line that counts them all.
#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Counts a line of cargo's / wasm-bindgen-test's `test result: ok. 3 passed; 0 failed; …`
    /// or node's spec reporter `ℹ pass 3` / `ℹ fail 0`.
    fn read(&mut self, line: &str) {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("test result:") {
            for part in rest.split(';') {
                let mut words = part.split_whitespace().rev();
                let (Some(what), Some(n)) = (words.next(), words.next()) else { continue };
                let n = n.trim_start_matches("ok.").trim_start_matches("FAILED.");
                let Ok(n) = n.trim().parse::<u64>() else { continue };
                match what {
                    "passed" => self.passed += n,
                    "failed" => self.failed += n,
                    _ => {}
                }
            }
        } else if let Some(n) =
            line.strip_prefix("ℹ pass ").and_then(|n| n.trim().parse::<u64>().ok())
        {
            self.passed += n;
        } else if let Some(n) =
            line.strip_prefix("ℹ fail ").and_then(|n| n.trim().parse::<u64>().ok())
        {
            self.failed += n;
        }
    }

    fn print(&self) {
        println!("{} passed, {} failed", self.passed, self.failed);
    }
}

/// [`run`], echoing the command's standard output line by line and counting its tests.
fn run_counting(cmd: &mut Command, tally: &mut Tally) -> Result {
    use std::io::{BufRead, BufReader};
    cmd.stdout(std::process::Stdio::piped());
    let shown = shown(cmd);
    println!("$ {shown}");
    let mut child = cmd.spawn().map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            println!("{line}");
            tally.read(&line);
        }
    }
    let status = child.wait().map_err(|e| format!("`{shown}` did not finish: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` exited with {status}"))
    }
}

fn shown(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One test layer: a command run in the workspace root (or `dir` below it).
struct Layer<'a> {
    name: &'a str,
    argv: &'a [&'a str],
    dir: Option<&'a str>,
    envs: Vec<(&'a str, &'a str)>,
}

impl<'a> Layer<'a> {
    fn new(name: &'a str, argv: &'a [&'a str]) -> Self {
        Layer { name, argv, dir: None, envs: Vec::new() }
    }

    fn dir(mut self, dir: &'a str) -> Self {
        self.dir = Some(dir);
        self
    }

    fn env(mut self, key: &'a str, value: &'a str) -> Self {
        self.envs.push((key, value));
        self
    }
}

/// One line per layer, so a long log still ends with what passed and what did not.
fn summary(setup: Duration, done: &[(&str, Duration)], failed: Option<(&str, Duration)>) {
    println!("\nxtask test summary:");
    println!("  ok      {:<14} {:>7.1} s", "setup", setup.as_secs_f64());
    for (name, took) in done {
        println!("  ok      {name:<14} {:>7.1} s", took.as_secs_f64());
    }
    if let Some((name, took)) = failed {
        println!("  FAILED  {name:<14} {:>7.1} s", took.as_secs_f64());
    } else {
        println!("  all test layers passed");
    }
}

// ---------------------------------------------------------------------------------------------
// The workspace and its tools

struct Workspace {
    root: PathBuf,
    /// PATH for every command run: cargo's bin folder and the e2e packages' bin folder first,
    /// so tools installed by this run are found even when the shell's PATH lacks them.
    path: std::ffi::OsString,
}

impl Workspace {
    fn find() -> Result<Workspace> {
        // xtask/ sits at the workspace root (cargo-xtask convention).
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("xtask has no parent folder")?
            .to_path_buf();
        let cargo_home = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
            .ok_or("neither CARGO_HOME nor HOME is set")?;
        let mut dirs = vec![cargo_home.join("bin")];
        dirs.extend(
            env::var_os("PATH")
                .map(|p| env::split_paths(&p).collect::<Vec<_>>())
                .unwrap_or_default(),
        );
        let path = env::join_paths(dirs).map_err(|e| format!("bad PATH: {e}"))?;
        Ok(Workspace { root, path })
    }

    /// A command run in the workspace root with xtask's PATH.
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root).env("PATH", &self.path);
        cmd
    }

    /// What `program args` prints on stdout, or `None` when it is missing or fails.
    fn output(&self, program: &str, args: &[&str]) -> Option<String> {
        let out = self.command(program).args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// The wasm32 target, Trunk and wasm-bindgen-cli, each at the version the build needs.
    fn install_build_tools(&self) -> Result {
        let targets = self.output("rustup", &["target", "list", "--installed"]).ok_or(
            "`rustup` is not on PATH: install Rust with rustup (https://rustup.rs), then retry",
        )?;
        if !targets.lines().any(|t| t.trim() == WASM_TARGET) {
            step(&format!("installing the Rust target {WASM_TARGET}"));
            run(self.command("rustup").args(["target", "add", WASM_TARGET]))?;
        }

        self.cargo_install("trunk", "trunk", TRUNK_VERSION, true)?;

        let wasm_bindgen = self.wasm_bindgen_version()?;
        // Not --locked: wasm-bindgen-cli's own lock file pins crates some registries lack.
        self.cargo_install("wasm-bindgen-cli", "wasm-bindgen", &wasm_bindgen, false)?;
        let runner = self.output("wasm-bindgen-test-runner", &["--version"]).unwrap_or_default();
        if !runner.ends_with(&wasm_bindgen) {
            return Err(format!(
                "wasm-bindgen-test-runner reports `{runner}`, expected {wasm_bindgen}: \
                 run `cargo install wasm-bindgen-cli --version {wasm_bindgen} --force`"
            ));
        }
        Ok(())
    }

    /// `cargo install crate --version version` unless `bin --version` already ends with it.
    fn cargo_install(&self, krate: &str, bin: &str, version: &str, locked: bool) -> Result {
        let found = self.output(bin, &["--version"]);
        if found.as_deref().is_some_and(|v| v.split_whitespace().last() == Some(version)) {
            return Ok(());
        }
        match &found {
            Some(other) => {
                step(&format!("{bin} is `{other}`; installing {krate} {version} instead"))
            }
            None => step(&format!("installing {krate} {version} (takes a few minutes, once)")),
        }
        let mut cmd = self.command("cargo");
        cmd.args(["install", krate, "--version", version]);
        if locked {
            cmd.arg("--locked");
        }
        if found.is_some() {
            cmd.arg("--force");
        }
        run(&mut cmd)?;
        match self.output(bin, &["--version"]) {
            Some(v) if v.ends_with(version) => Ok(()),
            other => Err(format!(
                "after installing, `{bin} --version` says {other:?}, expected {version}: is \
                 another {bin} earlier on PATH?"
            )),
        }
    }

    /// The exact wasm-bindgen version in Cargo.lock, checked against Trunk.toml's `[tools]`.
    fn wasm_bindgen_version(&self) -> Result<String> {
        let lock = read(&self.root.join("Cargo.lock"))?;
        let locked = locked_version(&lock, "wasm-bindgen")
            .ok_or("Cargo.lock has no wasm-bindgen package")?;
        let trunk_toml = read(&self.root.join("Trunk.toml"))?;
        let wanted = toml_string(&trunk_toml, "wasm_bindgen")
            .ok_or("Trunk.toml has no `wasm_bindgen = \"...\"` under [tools]")?;
        if wanted != locked {
            return Err(format!(
                "Trunk.toml's [tools] wasm_bindgen is {wanted} but Cargo.lock has wasm-bindgen \
                 {locked}: make Trunk.toml say \"{locked}\""
            ));
        }
        Ok(locked)
    }

    /// The nightly toolchain and cargo-fuzz, for `cargo xtask fuzz`.
    fn install_fuzz_tools(&self) -> Result {
        let toolchains = self.output("rustup", &["toolchain", "list"]).ok_or(
            "`rustup` is not on PATH: install Rust with rustup (https://rustup.rs), then retry",
        )?;
        if !toolchains.lines().any(|t| t.starts_with("nightly")) {
            step("installing the nightly toolchain (cargo-fuzz needs it for libFuzzer)");
            run(self.command("rustup").args([
                "toolchain",
                "install",
                "nightly",
                "--profile",
                "minimal",
            ]))?;
        }
        if self.output("cargo", &["fuzz", "--version"]).is_none() {
            step("installing cargo-fuzz (about a minute, once)");
            run(self.command("cargo").args(["install", "cargo-fuzz", "--locked"]))?;
        }
        Ok(())
    }

    /// Debian's Chromium and its WebDriver, for the wasm and end-to-end tests, and poppler's
    /// PDF tools, with which the e2e tests read the printed report page by page.
    fn install_browser(&self) -> Result {
        if [CHROMIUM, CHROMEDRIVER, PDFTOPPM].iter().all(|tool| Path::new(tool).exists()) {
            return Ok(());
        }
        let packages = "chromium chromium-driver poppler-utils";
        if !self.is_root() {
            return Err(format!(
                "{CHROMIUM}, {CHROMEDRIVER} or {PDFTOPPM} is missing; install them, then retry:\n    \
                 sudo apt-get update && sudo apt-get install -y {packages}"
            ));
        }
        step(&format!("installing Debian's {packages} (about a minute, once)"));
        self.apt_install(&["chromium", "chromium-driver", "poppler-utils"])
    }

    /// Node's packages for the end-to-end tests (only `playwright-core`: it never downloads a
    /// browser), installed exactly as tests/e2e/package-lock.json says.
    fn install_e2e_packages(&self) -> Result {
        match self.output("node", &["--version"]) {
            Some(v) if node_major(&v).is_some_and(|major| major >= 20) => {}
            Some(v) => {
                return Err(format!(
                    "node {v} is too old: the e2e tests (playwright-core) need node 20 or later"
                ))
            }
            None => {
                return Err(
                    "node is not on PATH; install Node.js 20 or later, then retry".to_owned()
                )
            }
        }
        let e2e = self.root.join("tests/e2e");
        let lock = e2e.join("package-lock.json");
        let installed = e2e.join("node_modules/.package-lock.json");
        if modified(&installed).is_some() && modified(&installed) >= modified(&lock) {
            return Ok(());
        }
        step("installing the e2e test packages (npm ci in tests/e2e)");
        run(self.command("npm").current_dir(&e2e).args(["ci", "--no-audit", "--no-fund"]))
    }

    /// Trunk runs cargo --offline, so the crates must be in cargo's cache first.
    fn fetch_crates(&self) -> Result {
        run(self.command("cargo").args(["fetch", "--locked"]))
    }

    fn apt_install(&self, packages: &[&str]) -> Result {
        run(self.command("apt-get").arg("update").env("DEBIAN_FRONTEND", "noninteractive"))?;
        run(self
            .command("apt-get")
            .args(["install", "-y"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"))
    }

    fn is_root(&self) -> bool {
        self.output("id", &["-u"]).as_deref() == Some("0")
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/// Prints a step so the log shows what xtask does, between the tools' own output.
fn step(message: &str) {
    println!("\nxtask: {message}");
}

/// Runs a command to completion, echoing it first; a non-zero exit is an error naming it.
fn run(cmd: &mut Command) -> Result {
    let shown = shown(cmd);
    println!("$ {shown}");
    let status = cmd.status().map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` exited with {status}"))
    }
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The version of package `name` in a Cargo.lock (the first one, if several are locked).
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line == wanted {
            let version = lines.next()?.strip_prefix("version = ")?;
            return Some(version.trim_matches('"').to_owned());
        }
    }
    None
}

/// The string value of `key = "value"` in a small TOML file (the first such key).
fn toml_string(toml: &str, key: &str) -> Option<String> {
    toml.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// The major version in `node --version` output (`v20.11.1`).
fn node_major(version: &str) -> Option<u32> {
    version.trim_start_matches('v').split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_locked_version() {
        let lock = "[[package]]\nname = \"wasm-bindgen-test\"\nversion = \"0.3.80\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(locked_version(lock, "wasm-bindgen").as_deref(), Some("0.2.130"));
        assert_eq!(locked_version(lock, "yew"), None);
    }

    #[test]
    fn reads_toml_string() {
        let toml = "[build]\noffline = true\n\n[tools]\nwasm_bindgen = \"0.2.130\"\n";
        assert_eq!(toml_string(toml, "wasm_bindgen").as_deref(), Some("0.2.130"));
        assert_eq!(toml_string(toml, "wasm_opt"), None);
    }

    #[test]
    fn tallies_every_runners_summary_lines() {
        let mut tally = Tally::default();
        for line in [
            "test result: ok. 126 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.20s",
            "test result: FAILED. 3 passed; 2 failed; 0 ignored",
            "test result: ok. 4 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.05s",
            "ℹ pass 2",
            "ℹ fail 1",
            "ℹ tests 3",
            "running 3 tests",
        ] {
            tally.read(line);
        }
        assert_eq!((tally.passed, tally.failed), (135, 3));
    }

    #[test]
    fn groups_digits() {
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(group(999), "999");
    }

    #[test]
    fn reads_node_major() {
        assert_eq!(node_major("v20.20.2"), Some(20));
        assert_eq!(node_major("garbage"), None);
    }

    #[test]
    fn trunk_toml_matches_cargo_lock() {
        let ws = Workspace::find().unwrap();
        ws.wasm_bindgen_version().unwrap();
    }
}
