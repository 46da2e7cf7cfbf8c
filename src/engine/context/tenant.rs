//! The context files of one run together: what they set in the match, and what the report says
//! of them.

use super::{ContextFile, SyncFeatures};
use crate::engine::error::{Error, ErrorKind};
use crate::engine::join::MatchOptions;
use crate::engine::report::{Notice, Severity};
use crate::engine::run_record::InputFile;

/// The tenant context files given for a run, each read, at most one of a kind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TenantContext {
    /// Each file's name and what was read of it, in the order given.
    pub files: Vec<(String, ContextFile)>,
    /// Each file's name, kind, size and SHA-256, for the run record.
    pub inputs: Vec<InputFile>,
}

/// How many of a file's unreadable records the report lists by line (the rest are counted).
const REJECTS_SHOWN: usize = 20;

impl TenantContext {
    /// Reads each `(name, bytes)`; two files of one kind are refused (which would win?).
    pub fn read<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<TenantContext, Error> {
        let mut context = TenantContext::default();
        for (name, bytes) in files {
            let file = super::read_context(name, bytes)?;
            if let Some((first, _)) = context.files.iter().find(|(_, f)| f.kind() == file.kind()) {
                let message = format!(
                    "{name} and {first} are both {} files: give one of each kind",
                    file.kind()
                );
                return Err(ErrorKind::Usage { message }.into());
            }
            let kind = match &file {
                ContextFile::Features(features) => {
                    format!("{} ({})", file.kind(), switches(features))
                }
                _ => file.kind().to_string(),
            };
            context.inputs.push(InputFile::of(name, &kind, bytes));
            context.files.push((name.to_string(), file));
        }
        Ok(context)
    }

    /// Sets what the files tell in the match's options: who holds or is eligible for a role,
    /// the tenant's domains and its sync switches. A switch the caller set that the tenant's file contradicts is refused, so the
    /// report never rests on a setting the tenant does not have.
    pub fn apply(&self, options: &mut MatchOptions) -> Result<(), Error> {
        for (name, file) in &self.files {
            match file {
                ContextFile::Domains(domains) => options.domains = Some(domains.known(name)),
                ContextFile::Features(features) => apply_features(features, name, options)?,
                ContextFile::Roles(roles) => {
                    options.roles.get_or_insert_with(Default::default).add(name, roles)
                }
            }
        }
        Ok(())
    }

    /// What the report says of each file: its kind and its rows' accounting, and each
    /// unreadable record with where and why.
    pub fn notices(&self) -> Vec<Notice> {
        let mut notices = Vec::new();
        for ((name, file), input) in self.files.iter().zip(&self.inputs) {
            let rejects = file.rejects();
            let used = file.used();
            let records = used + rejects.len();
            let what = &input.kind;
            let rows = if records == 1 { "row" } else { "rows" };
            notices.push(Notice {
                severity: if rejects.is_empty() { Severity::Info } else { Severity::Problem },
                message: format!(
                    "tenant context {name}: {what}, {records} {rows} = {used} used + {} unreadable",
                    rejects.len()
                ),
            });
            for reject in rejects.iter().take(REJECTS_SHOWN) {
                notices.push(Notice {
                    severity: Severity::Problem,
                    message: reject.error.to_string(),
                });
            }
            if rejects.len() > REJECTS_SHOWN {
                notices.push(Notice {
                    severity: Severity::Problem,
                    message: format!(
                        "{name}: {} more unreadable rows",
                        rejects.len() - REJECTS_SHOWN
                    ),
                });
            }
        }
        notices
    }
}

fn apply_features(
    features: &SyncFeatures,
    name: &str,
    options: &mut MatchOptions,
) -> Result<(), Error> {
    let pairs = [
        (
            features.block_soft_match,
            &mut options.block_soft_match,
            super::features::BLOCK_SOFT_MATCH,
        ),
        (
            features.block_cloud_takeover,
            &mut options.block_cloud_takeover,
            super::features::BLOCK_CLOUD_TAKEOVER,
        ),
    ];
    for (from_tenant, option, feature) in pairs {
        match from_tenant {
            Some(false) if *option => {
                let message = format!(
                    "{feature} was asked for, but the tenant's file {name} says it is off: leave \
                     out the switch or the file"
                );
                return Err(ErrorKind::Usage { message }.into());
            }
            Some(on) => *option = on,
            None => {}
        }
    }
    Ok(())
}

/// The report's switches as the file sets them.
fn switches(features: &SyncFeatures) -> String {
    let state = |v: Option<bool>| match v {
        Some(true) => "on",
        Some(false) => "off",
        None => "not in the file",
    };
    format!(
        "{} {}, {} {}",
        super::features::BLOCK_SOFT_MATCH,
        state(features.block_soft_match),
        super::features::BLOCK_CLOUD_TAKEOVER,
        state(features.block_cloud_takeover)
    )
}
