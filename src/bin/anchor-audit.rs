//! The `anchor-audit` command-line tool: the same engine as the browser app, for a terminal or a
//! script. Exit status: 0 when every user hard-matches, 1 when there are findings, 2 when the
//! input cannot be used.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::borrow::Cow;
    use std::collections::BTreeMap;
    use std::fs::File;
    use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::time::{SystemTime, UNIX_EPOCH};

    use anchor_audit::engine::audit::{
        read_cloud, read_onprem, read_source, Audit, AuditOptions, CloudReader, Run, RunEvent,
        RunStep, Source, Stage,
    };
    use anchor_audit::engine::compare::{compare, EarlierReport};
    use anchor_audit::engine::context::TenantContext;
    use anchor_audit::engine::convert::{convert_lines, Conversion};
    use anchor_audit::engine::error::{Error, ErrorKind};
    use anchor_audit::engine::join::MatchOptions;
    use anchor_audit::engine::model::AnchorAttribute;
    use anchor_audit::engine::output::{
        fix_script, headline, record_lines, write_csv, write_html, write_json, write_text,
        write_unreadable_csv,
    };
    use anchor_audit::engine::pending::{self, CrossCheck};
    use anchor_audit::engine::read::{ChunkSink, Field, Progress, RowCount};
    use anchor_audit::engine::report::Category;
    use anchor_audit::engine::sample::{
        generate_into, generate_tenant, Anomalies, CloudFormat, OnPremFormat, SampleSpec,
    };
    use anchor_audit::engine::Side;
    use clap::{Parser, Subcommand, ValueEnum};

    /// Checks, before an Entra Connect / cloud sync cut-over, that every cloud user will
    /// hard-match its on-premises account. Reads the two exports; nothing leaves this machine.
    #[derive(Parser)]
    #[command(name = "anchor-audit", version, about, long_about = None)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Match the on-prem export against the cloud export and report every user's verdict.
        Report(ReportArgs),
        /// Convert GUIDs / ImmutableIDs in any spelling (arguments, or one per line on stdin).
        Convert(ConvertArgs),
        /// Write a realistic on-prem / cloud export pair with known anomalies (onprem.csv and
        /// cloud.csv) and the tenant's context files (roles.csv, pim.csv, domains.csv), and print
        /// what the report on them must say, without and with the context.
        Generate(GenerateArgs),
    }

    #[derive(clap::Args)]
    struct ReportArgs {
        /// The on-prem export (Get-ADUser | Export-Csv, csvde, ldifde).
        onprem: PathBuf,
        /// The cloud export (Get-MgUser, Get-AzureADUser, Get-MsolUser, admin center).
        cloud: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The source anchor: `mS-DS-ConsistencyGuid` (ConsistencyGuid else objectGUID; the
        /// default), `objectGUID`, or the name of a string column used verbatim (e.g. employeeID).
        #[arg(long, default_value = "mS-DS-ConsistencyGuid")]
        anchor: String,
        /// In text output, list clean hard matches and cloud-only users too.
        #[arg(long)]
        all: bool,
        /// The tenant has BlockSoftMatchEnabled on.
        #[arg(long)]
        block_soft_match: bool,
        /// The tenant has BlockCloudObjectTakeoverThroughHardMatchEnabled on.
        #[arg(long)]
        block_cloud_takeover: bool,
        /// Use this on-prem column for a field: FIELD=HEADER, e.g. user-principal-name=UPN.
        #[arg(long = "onprem-column", value_name = "FIELD=HEADER")]
        onprem_columns: Vec<String>,
        /// Use this cloud column for a field: FIELD=HEADER, e.g. immutable-id=SourceAnchor.
        #[arg(long = "cloud-column", value_name = "FIELD=HEADER")]
        cloud_columns: Vec<String>,
        /// Write the report here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Also write the unreadable rows of each file as CSV into this folder, to fix and reload.
        #[arg(long, value_name = "DIR")]
        unreadable_dir: Option<PathBuf>,
        /// Tenant context files, recognised by their columns: role assignments and PIM
        /// eligibilities, the tenant's domains (Get-MgDomain) and its sync features
        /// (Get-MgDirectoryOnPremiseSynchronization).
        #[arg(long, value_name = "FILE", num_args = 1..)]
        context: Vec<PathBuf>,
        /// An earlier run's JSON report: the report then says, per category, who was fixed,
        /// who is new and who is unchanged since.
        #[arg(long, value_name = "EARLIER.json")]
        compare: Option<PathBuf>,
        /// Entra Connect's pending exports for its Entra ID connector, from a staging-mode
        /// server (`csexport "<tenant> - AAD" export.xml /f:x`): the report then lists every
        /// user on which the engine and its prediction disagree, first.
        #[arg(long, value_name = "EXPORT.xml")]
        pending_exports: Option<PathBuf>,
    }

    #[derive(clap::Args)]
    struct ConvertArgs {
        /// Values to convert; none, or `-`, reads standard input.
        values: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ConvertFormat::Text)]
        format: ConvertFormat,
    }

    #[derive(clap::Args)]
    struct GenerateArgs {
        /// On-prem AD accounts (rows of onprem.csv).
        #[arg(long, default_value_t = 200)]
        users: u64,
        /// Same seed, same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The folder to write the five files into.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out_dir: PathBuf,
        /// How the on-prem export is written.
        #[arg(long, default_value = "ps51-utf8",
              value_parser = OnPremFormat::ALL.map(OnPremFormat::name))]
        onprem_format: String,
        /// How the cloud export is written.
        #[arg(long, default_value = "mguser",
              value_parser = CloudFormat::ALL.map(CloudFormat::name))]
        cloud_format: String,
        /// A few of each anomaly, about 0.5-1 % of each, or none.
        #[arg(long, default_value = "showcase", value_parser = ["showcase", "scaled", "none"])]
        anomalies: String,
    }

    #[derive(Clone, Copy, ValueEnum)]
    enum Format {
        /// A summary and every entry that needs attention.
        Text,
        /// The full report (shape in the README).
        Json,
        /// One row per entry, for Excel.
        Csv,
        /// The Microsoft Graph PowerShell script that fixes the mismatches (review it first).
        Script,
        /// One standalone page to print or save as PDF: the verdict, chart, counts, run
        /// record and every user to act on.
        Html,
    }

    #[derive(Clone, Copy, ValueEnum)]
    enum ConvertFormat {
        Text,
        Json,
    }

    /// Unusable input: the status scripts can tell from "there are findings".
    const UNUSABLE: u8 = 2;

    pub fn main() -> ExitCode {
        let cli = Cli::parse();
        let result = match cli.command {
            Command::Report(args) => report(args),
            Command::Convert(args) => convert(args),
            Command::Generate(args) => generate(args),
        };
        match result {
            Ok(code) => code,
            Err(message) => {
                eprintln!("anchor-audit: {message}");
                ExitCode::from(UNUSABLE)
            }
        }
    }

    fn report(args: ReportArgs) -> Result<ExitCode, String> {
        let context = read_context(&args.context)?;
        let mut matching = MatchOptions {
            anchor: anchor_attribute(&args.anchor),
            block_soft_match: args.block_soft_match,
            block_cloud_takeover: args.block_cloud_takeover,
            domains: None,
            roles: None,
        };
        context.apply(&mut matching).map_err(|e| e.to_string())?;
        let options = AuditOptions {
            matching,
            onprem_columns: column_overrides(&args.onprem_columns)?,
            cloud_columns: column_overrides(&args.cloud_columns)?,
            max_bytes: None,
        };
        let onprem = FileSource::open(&args.onprem)?;
        let cloud = FileSource::open(&args.cloud)?;
        let mut result = audit_in_parallel(onprem, cloud, &options).map_err(|e| e.to_string())?;
        // The context files' notes first: they say what the rest of the report rests on.
        result.report.notices.splice(0..0, context.notices());
        result.record.context = context.inputs.clone();
        if let Some(path) = &args.compare {
            let bytes =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let earlier =
                EarlierReport::read(&display_name(path), &bytes).map_err(|e| e.to_string())?;
            result.since = Some(compare(&earlier, &result.report).map_err(|e| e.to_string())?);
        }
        if let Some(path) = &args.pending_exports {
            let bytes =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let name = display_name(path);
            let pending = pending::read(&name, &bytes).map_err(|e| e.to_string())?;
            result.pending = Some(CrossCheck::of(&result.report, &name, &pending));
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        result.record.stamp(i64::try_from(now).unwrap_or(i64::MAX));

        match &args.output {
            Some(path) => {
                let file = std::fs::File::create(path)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                let mut out = BufWriter::with_capacity(OUT_BUFFER, file);
                write_report(&args, &result, &mut out)
                    .and_then(|()| out.flush())
                    .map_err(|e| e.to_string())?;
                if matches!(args.format, Format::Csv) {
                    // A CSV report is a table for Excel: its run record goes beside it.
                    let mut record = path.clone().into_os_string();
                    record.push(".record.txt");
                    let text: String =
                        record_lines(&result).iter().map(|l| l.clone() + "\n").collect();
                    std::fs::write(&record, text).map_err(|e| {
                        format!("cannot write {}: {e}", Path::new(&record).display())
                    })?;
                }
                eprintln!("{}", headline(&result).text);
            }
            None => {
                let mut out = BufWriter::with_capacity(OUT_BUFFER, io::stdout().lock());
                // A closed pipe (`| head`) is not an error worth a message.
                match write_report(&args, &result, &mut out).and_then(|()| out.flush()) {
                    Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e.to_string()),
                    _ => {}
                }
            }
        }
        if let Some(dir) = &args.unreadable_dir {
            write_unreadable(&result, dir)?;
        }
        Ok(if headline(&result).safe { ExitCode::SUCCESS } else { ExitCode::from(1) })
    }

    /// Reads the `--context` files. Role files are recognised but refused: the 2026 role rules
    /// that use them are not in the report yet, and a file the report silently ignored would
    /// read as checked.
    fn read_context(paths: &[PathBuf]) -> Result<TenantContext, String> {
        let files: Vec<(String, Vec<u8>)> = paths
            .iter()
            .map(|path| {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                Ok((display_name(path), bytes))
            })
            .collect::<Result<_, String>>()?;
        TenantContext::read(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())))
            .map_err(|e| e.to_string())
    }

    /// The report's output buffer: a report can be a gigabyte, written in pieces of a few bytes.
    const OUT_BUFFER: usize = 1 << 20;

    /// Writes the report in the format asked for. Generic over the writer, so the writers'
    /// many small writes go straight into the buffer (no call through `dyn Write` each).
    fn write_report<W: Write>(args: &ReportArgs, result: &Audit, out: &mut W) -> io::Result<()> {
        match args.format {
            Format::Text => write_text(result, args.all, &mut *out),
            Format::Json => {
                // Streamed entry by entry: the same bytes as the JsonReport, less memory.
                write_json(result, &mut *out)?;
                writeln!(out)
            }
            Format::Csv => write_csv(result, &mut *out),
            Format::Script => out.write_all(fix_script(result).as_bytes()),
            Format::Html => write_html(result, &mut *out),
        }
    }

    /// `audit_sources`, with the cloud file read on a second thread while this one reads the
    /// on-prem file (as the browser's two workers do): the same [`Run`], the same result.
    fn audit_in_parallel(
        mut onprem: FileSource,
        mut cloud: FileSource,
        options: &AuditOptions,
    ) -> Result<Audit, Error> {
        let quiet = || |_: Stage, _: Progress| true;
        std::thread::scope(|scope| {
            let cloud_read = scope.spawn(|| (read_cloud(&mut cloud, options, &mut quiet()), cloud));
            let onprem_table = read_onprem(&mut onprem, options, &mut quiet());
            let (cloud_half, mut cloud) =
                cloud_read.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let mut run = Run::new(CloudReader::Elsewhere);
            let _ = run.on(RunEvent::CloudRead(Box::new(cloud_half)));
            let next = run.on(RunEvent::OnPremRead(Box::new(onprem_table)));
            let ready = run.complete(next, |step| match step {
                RunStep::ReadCloudForNoSlot => {
                    let count = RowCount::default();
                    let table = read_source(&mut cloud, None, options, &mut quiet(), count);
                    RunEvent::CloudReadForNoSlot(Box::new(table))
                }
                // Not asked for: the cloud users are in. Were they not, they are read here.
                _ => RunEvent::CloudRead(Box::new(read_cloud(&mut cloud, options, &mut quiet()))),
            })?;
            ready.finish(options, &mut quiet())
        })
    }

    fn write_unreadable(result: &Audit, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (side, name) in
            [(Side::OnPrem, "onprem-unreadable.csv"), (Side::Cloud, "cloud-unreadable.csv")]
        {
            let path = dir.join(name);
            let file = std::fs::File::create(&path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            write_unreadable_csv(result, side, BufWriter::new(file)).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn anchor_attribute(value: &str) -> AnchorAttribute {
        match value.trim().to_ascii_lowercase().as_str() {
            "ms-ds-consistencyguid" | "consistencyguid" | "consistency-guid" | "default" => {
                AnchorAttribute::ConsistencyGuidElseObjectGuid
            }
            "objectguid" | "object-guid" => AnchorAttribute::ObjectGuid,
            _ => AnchorAttribute::Column(value.trim().to_string()),
        }
    }

    fn column_overrides(pairs: &[String]) -> Result<BTreeMap<Field, String>, String> {
        let mut map = BTreeMap::new();
        for pair in pairs {
            let (field, header) = pair.split_once('=').ok_or_else(|| {
                format!("`{pair}`: expected FIELD=HEADER, e.g. user-principal-name=UPN")
            })?;
            let field: Field =
                serde_json::from_value(serde_json::Value::String(field.trim().to_string()))
                    .map_err(|_| {
                        let names: Vec<String> = Field::ALL
                            .iter()
                            .filter_map(|f| serde_json::to_value(f).ok())
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect();
                        format!("`{field}` is not a field; the fields are: {}", names.join(", "))
                    })?;
            map.insert(field, header.trim().to_string());
        }
        Ok(map)
    }

    /// An export read from disk a chunk at a time, so that it is never held whole beside its
    /// rows.
    struct FileSource {
        name: String,
        path: PathBuf,
        file: File,
        size: u64,
    }

    impl FileSource {
        /// Bytes read from the file per call.
        const CHUNK: usize = 1 << 20;

        fn open(path: &Path) -> Result<FileSource, String> {
            let cannot = |e: io::Error| format!("cannot read {}: {e}", path.display());
            let file = File::open(path).map_err(cannot)?;
            let size = file.metadata().map_err(cannot)?.len();
            Ok(FileSource { name: display_name(path), path: path.to_path_buf(), file, size })
        }

        fn unreadable(&self, e: io::Error) -> Error {
            let message = format!("cannot read {}: {e}", self.path.display());
            Error::new(ErrorKind::Usage { message })
        }
    }

    impl Source for FileSource {
        fn name(&self) -> &str {
            &self.name
        }

        fn load(&mut self, _: &mut dyn FnMut(Progress) -> bool) -> Result<Cow<'_, [u8]>, Error> {
            let mut bytes = Vec::with_capacity(self.size as usize);
            self.file.seek(SeekFrom::Start(0)).map_err(|e| self.unreadable(e))?;
            self.file.read_to_end(&mut bytes).map_err(|e| self.unreadable(e))?;
            Ok(Cow::Owned(bytes))
        }

        fn size(&self) -> Option<u64> {
            Some(self.size)
        }

        fn read_chunks(&mut self, sink: &mut ChunkSink<'_>) -> Result<(), Error> {
            self.file.seek(SeekFrom::Start(0)).map_err(|e| self.unreadable(e))?;
            let mut chunk = vec![0; FileSource::CHUNK];
            loop {
                match self.file.read(&mut chunk) {
                    Ok(0) => return Ok(()),
                    Ok(read) => sink(&chunk[..read])?,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(self.unreadable(e)),
                }
            }
        }
    }

    fn display_name(path: &Path) -> String {
        path.file_name()
            .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
    }

    fn convert(args: ConvertArgs) -> Result<ExitCode, String> {
        let text = if args.values.is_empty() || args.values == ["-"] {
            let mut input = String::new();
            io::stdin()
                .read_to_string(&mut input)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            input
        } else {
            args.values.join("\n")
        };
        let conversions = convert_lines(&text);
        let mut out = BufWriter::new(io::stdout().lock());
        let written = match args.format {
            ConvertFormat::Json => serde_json::to_writer_pretty(&mut out, &conversions)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out)),
            ConvertFormat::Text => {
                conversions.iter().try_for_each(|c| write_conversion(&mut out, c))
            }
        };
        match written.and_then(|()| out.flush()) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e.to_string()),
            _ => {}
        }
        // Any value that is not a GUID in some spelling is a finding for a script to notice.
        Ok(if conversions.iter().all(|c| c.guid.is_some()) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    }

    fn write_conversion(out: &mut impl Write, c: &Conversion) -> io::Result<()> {
        writeln!(out, "{}", c.input)?;
        writeln!(out, "  kind:         {}", c.class.label())?;
        if let Some(spelling) = c.spelling {
            writeln!(out, "  read as:      {}", spelling.describe())?;
        }
        if let Some(forms) = &c.forms {
            writeln!(out, "  GUID:         {}", forms.hyphenated)?;
            writeln!(out, "  ImmutableID:  {}", forms.immutable_id)?;
        }
        if !c.note.is_empty() {
            writeln!(out, "  note:         {}", c.note)?;
        }
        writeln!(out)
    }

    fn generate(args: GenerateArgs) -> Result<ExitCode, String> {
        let anomalies = match args.anomalies.as_str() {
            "showcase" => Anomalies::showcase(),
            "scaled" => Anomalies::scaled(args.users),
            _ => Anomalies::default(),
        };
        let spec = SampleSpec {
            users: args.users,
            seed: args.seed,
            anomalies,
            // clap has checked the names against the same lists.
            onprem_format: OnPremFormat::from_name(&args.onprem_format).unwrap_or_default(),
            cloud_format: CloudFormat::from_name(&args.cloud_format).unwrap_or_default(),
        };
        let dir = &args.out_dir;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let paths = [dir.join("onprem.csv"), dir.join("cloud.csv")];
        // generate_into writes in 1 MiB pieces already: no BufWriter.
        let create = |path: &PathBuf| {
            std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))
        };
        let (mut onprem, mut cloud) = (create(&paths[0])?, create(&paths[1])?);
        let expected = generate_into(&spec, &mut onprem, &mut cloud)
            .map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;
        let mut out = io::stdout().lock();
        let rows = [expected.onprem_rows, expected.cloud_rows];
        for (path, rows) in paths.iter().zip(rows) {
            let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            writeln!(out, "wrote {} ({rows} rows, {bytes} bytes)", path.display())
                .map_err(|e| e.to_string())?;
        }
        writeln!(out, "the report must say:").map_err(|e| e.to_string())?;
        let lines = Category::ALL.iter().map(|&c| (c.label(), expected.get(c))).chain([
            ("custom anchor", expected.custom_anchor),
            ("unreadable on-prem rows", expected.unreadable_onprem),
            ("UPN characters (IdFix)", expected.upn_characters),
            ("shared proxyAddresses", expected.shared_proxy_address),
            ("UPN suffix not in tenant", expected.unknown_upn_suffix),
        ]);
        for (label, n) in lines {
            writeln!(out, "  {label:<24} {n}").map_err(|e| e.to_string())?;
        }
        // The tenant's context for the same users: with it, admins' joins are refused.
        let tenant = generate_tenant(&spec);
        let mut names = Vec::new();
        for (name, bytes) in &tenant.files {
            let path = dir.join(name);
            std::fs::write(&path, bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            names.push(path.display().to_string());
        }
        let with = &tenant.expected;
        writeln!(out, "wrote {}; with --context {0}, the report must say:", names.join(" "))
            .map_err(|e| e.to_string())?;
        let lines = [
            Category::HardMatch,
            Category::HardMatchBlocked,
            Category::SoftMatch,
            Category::SoftMatchBlocked,
        ]
        .map(|c| (c.label(), with.get(c)));
        for (label, n) in
            lines.into_iter().chain([("UPN suffix not verified", with.unknown_upn_suffix)])
        {
            writeln!(out, "  {label:<24} {n}").map_err(|e| e.to_string())?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
