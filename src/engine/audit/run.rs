//! One run of the audit as a state machine: the events of a run (a file read, the cloud users
//! handed over) go in, in whatever order they come, and what to do next comes out. It does no
//! reading itself, so the same decisions drive [`audit_sources`](super::audit_sources) on one
//! thread, the CLI's two threads and the browser's two workers, whose reads finish in any order.
//!
//! The rules it keeps: the run waits for the on-prem file; an on-prem file that is a cloud
//! export is worth a swap only when the cloud slot's file, read for no slot, is the on-prem
//! export; the cloud file's own errors come before the on-prem users'.

use super::{finish, Audit, AuditOptions, CloudHalf, Stage};
use crate::engine::error::{Error, ErrorKind, Side};
use crate::engine::read::{Progress, Reject, RowCount, Table};
use crate::engine::users::{OnPremBuilder, OnPremUsers};

/// Who reads a run's cloud file for its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloudReader {
    /// Whoever drives the run, once the on-prem file is read ([`RunStep::ReadCloud`]).
    Driver,
    /// Someone else, beside the on-prem file (the CLI's second thread, the browser's reader
    /// worker): its [`RunEvent::CloudRead`] may come before the on-prem file is read, or after.
    Elsewhere,
}

/// What happened in a run.
#[derive(Debug)]
pub enum RunEvent {
    /// The on-prem file was read for its slot, straight into its users.
    OnPremRead(Box<Result<Table<OnPremBuilder>, Error>>),
    /// The cloud file was read for its slot, into its users (here or elsewhere).
    CloudRead(Box<Result<CloudHalf, Error>>),
    /// No one else will read the cloud file after all (the browser's reader worker could not
    /// start): the driver reads it.
    CloudReaderGone,
    /// The cloud slot's file, read for no slot after [`RunStep::ReadCloudForNoSlot`].
    CloudReadForNoSlot(Box<Result<Table<RowCount>, Error>>),
}

/// What the driver does next.
#[derive(Debug)]
pub enum RunStep {
    /// Nothing until the next event: the cloud users are on their way, or the on-prem file.
    Wait,
    /// Read the cloud slot's file (`read_cloud`), then [`RunEvent::CloudRead`].
    ReadCloud,
    /// The on-prem slot holds a cloud export: read the cloud slot's file for no slot into a
    /// [`RowCount`], then [`RunEvent::CloudReadForNoSlot`], to tell a swap.
    ReadCloudForNoSlot,
    /// Both halves are in: [`Ready::finish`] matches them.
    Match(Box<Ready>),
    /// The run ends with this error.
    Failed(Error),
}

/// The first half of a run: the on-prem file read straight into users (its rows are never
/// stored).
#[derive(Debug)]
pub(super) struct OnPremHalf {
    /// The table, with only how many rows it had.
    pub(super) table: Table<RowCount>,
    /// Its users, or why they could not be made (reported after the cloud file's own errors).
    pub(super) converted: Result<(OnPremUsers, Vec<Reject>), Error>,
}

/// A run with both halves in, to be matched.
#[derive(Debug)]
pub struct Ready {
    onprem: OnPremHalf,
    cloud: Result<CloudHalf, Error>,
}

impl Ready {
    /// Matches the two halves and accounts for every row; `progress` hears
    /// [`Stage::Matching`], and cancels the run by returning `false`.
    pub fn finish(
        self,
        options: &AuditOptions,
        progress: &mut dyn FnMut(Stage, Progress) -> bool,
    ) -> Result<Audit, Error> {
        finish(self.onprem, self.cloud, options, progress)
    }
}

/// One run between its events.
#[derive(Debug)]
pub struct Run {
    onprem: OnPremState,
    cloud: CloudState,
}

#[derive(Debug)]
enum OnPremState {
    Reading,
    Read(Box<OnPremHalf>),
    /// A cloud export, waiting for the cloud slot's file read for no slot.
    WrongSide(Error),
    /// The run has ended (matched or failed): later events change nothing.
    Ended,
}

#[derive(Debug)]
enum CloudState {
    ByDriver,
    /// Asked for with [`RunStep::ReadCloud`].
    DriverReading,
    Elsewhere,
    Read(Box<Result<CloudHalf, Error>>),
}

impl Run {
    /// A run whose on-prem file the driver reads now.
    pub fn new(cloud_reader: CloudReader) -> Run {
        let cloud = match cloud_reader {
            CloudReader::Driver => CloudState::ByDriver,
            CloudReader::Elsewhere => CloudState::Elsewhere,
        };
        Run { onprem: OnPremState::Reading, cloud }
    }

    /// Takes an event and says what to do next. An event the run no longer needs (the cloud
    /// users of a run that failed, a second copy) changes nothing and asks to wait.
    pub fn on(&mut self, event: RunEvent) -> RunStep {
        match event {
            RunEvent::OnPremRead(table) => {
                if !matches!(self.onprem, OnPremState::Reading) {
                    return RunStep::Wait;
                }
                match onprem_half(*table) {
                    Err(error) => self.fail(error),
                    Ok(Half::WrongSide(error)) => {
                        self.onprem = OnPremState::WrongSide(error);
                        RunStep::ReadCloudForNoSlot
                    }
                    Ok(Half::Read(half)) => {
                        self.onprem = OnPremState::Read(half);
                        self.step()
                    }
                }
            }
            RunEvent::CloudRead(half) => {
                if matches!(self.cloud, CloudState::Read(_)) {
                    return RunStep::Wait;
                }
                self.cloud = CloudState::Read(half);
                self.step()
            }
            RunEvent::CloudReaderGone => {
                if matches!(self.cloud, CloudState::Elsewhere) {
                    self.cloud = CloudState::ByDriver;
                }
                self.step()
            }
            RunEvent::CloudReadForNoSlot(table) => {
                match std::mem::replace(&mut self.onprem, OnPremState::Ended) {
                    OnPremState::WrongSide(error) => RunStep::Failed(swapped_or(error, *table)),
                    other => {
                        self.onprem = other;
                        RunStep::Wait
                    }
                }
            }
        }
    }

    /// Drives the run to its end on this thread: `read` does what each step asks (for
    /// [`RunStep::Wait`], it fetches the cloud users from whoever reads them) and returns the
    /// event that leads to. `first` is the step of the event fed before; the on-prem file's
    /// event must be among those fed before, as `read` is never asked for it.
    pub fn complete(
        mut self,
        first: RunStep,
        mut read: impl FnMut(RunStep) -> RunEvent,
    ) -> Result<Ready, Error> {
        let mut step = first;
        let mut waited = false;
        loop {
            step = match step {
                RunStep::Match(ready) => return Ok(*ready),
                RunStep::Failed(error) => return Err(error),
                // Still waiting once the cloud users are in: for the on-prem file.
                RunStep::Wait if waited => {
                    let message = "the run was driven before its on-prem file was read".into();
                    return Err(Error::new(ErrorKind::Usage { message }));
                }
                ask => {
                    waited = matches!(ask, RunStep::Wait);
                    self.on(read(ask))
                }
            }
        }
    }

    fn fail(&mut self, error: Error) -> RunStep {
        self.onprem = OnPremState::Ended;
        RunStep::Failed(error)
    }

    /// The step once the on-prem half is read: match, read the cloud file, or wait for it.
    fn step(&mut self) -> RunStep {
        let onprem = std::mem::replace(&mut self.onprem, OnPremState::Ended);
        match (onprem, std::mem::replace(&mut self.cloud, CloudState::DriverReading)) {
            (OnPremState::Read(onprem), CloudState::Read(cloud)) => {
                RunStep::Match(Box::new(Ready { onprem: *onprem, cloud: *cloud }))
            }
            (onprem @ OnPremState::Read(_), CloudState::ByDriver) => {
                self.onprem = onprem;
                RunStep::ReadCloud
            }
            (onprem, cloud) => {
                (self.onprem, self.cloud) = (onprem, cloud);
                RunStep::Wait
            }
        }
    }
}

/// What the on-prem table leads to.
enum Half {
    /// The run goes on with the cloud file, read for the cloud slot.
    Read(Box<OnPremHalf>),
    /// The on-prem slot holds a cloud export.
    WrongSide(Error),
}

/// Takes the on-prem file's table, read into its users (or why it could not be read: the run
/// stops with that error, before the cloud file is needed).
fn onprem_half(table: Result<Table<OnPremBuilder>, Error>) -> Result<Half, Error> {
    let table = match table {
        Err(e) if matches!(e.kind(), ErrorKind::WrongSide { .. }) => return Ok(Half::WrongSide(e)),
        other => other?,
    };
    // An error in the on-prem users waits until the cloud file has been read, as the cloud
    // file's own errors come first.
    let (table, users) = table.take_rows();
    Ok(Half::Read(Box::new(OnPremHalf { table, converted: users.finish() })))
}

/// The error of a run whose on-prem file is the cloud export: [`ErrorKind::Swapped`] when the
/// cloud slot's file, read for no slot, is the on-prem export; the on-prem file's error if not.
fn swapped_or(onprem_error: Error, cloud_for_no_slot: Result<Table<RowCount>, Error>) -> Error {
    match cloud_for_no_slot {
        Ok(t) if t.info.detection.side == Some(Side::OnPrem) => Error::new(ErrorKind::Swapped),
        _ => onprem_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::audit::{read_cloud, read_onprem, read_source, Input};
    use crate::engine::report::Category;

    const ONPREM: &str = "UserPrincipalName,SamAccountName,objectGUID\n\
                          ada@contoso.com,ada,35918bc9-196d-40ea-9779-889d79b753f0\n";
    const CLOUD: &str = "UserPrincipalName,OnPremisesImmutableId,OnPremisesSyncEnabled\n\
                         ada@contoso.com,yYuRNW0Z6kCXeYidebdT8A==,True\n";

    fn quiet() -> impl FnMut(Stage, Progress) -> bool {
        |_, _| true
    }

    fn onprem_read(text: &str) -> RunEvent {
        let input = &mut Input { name: "onprem.csv", bytes: text.as_bytes() };
        RunEvent::OnPremRead(Box::new(read_onprem(input, &AuditOptions::default(), &mut quiet())))
    }

    fn cloud_read(text: &str) -> RunEvent {
        let input = &mut Input { name: "cloud.csv", bytes: text.as_bytes() };
        RunEvent::CloudRead(Box::new(read_cloud(input, &AuditOptions::default(), &mut quiet())))
    }

    fn read_for_no_slot(text: &str) -> RunEvent {
        let input = &mut Input { name: "cloud.csv", bytes: text.as_bytes() };
        let (options, count) = (AuditOptions::default(), RowCount::default());
        let table = read_source(input, None, &options, &mut quiet(), count);
        RunEvent::CloudReadForNoSlot(Box::new(table))
    }

    fn hard_matches(step: RunStep) -> u64 {
        let RunStep::Match(ready) = step else { panic!("{step:?}: not ready to match") };
        let audit = ready.finish(&AuditOptions::default(), &mut quiet()).unwrap();
        audit.counts.get(Category::HardMatch)
    }

    #[test]
    fn the_halves_match_in_either_order() {
        let mut run = Run::new(CloudReader::Elsewhere);
        assert!(matches!(run.on(cloud_read(CLOUD)), RunStep::Wait));
        assert_eq!(hard_matches(run.on(onprem_read(ONPREM))), 1);

        let mut run = Run::new(CloudReader::Elsewhere);
        assert!(matches!(run.on(onprem_read(ONPREM)), RunStep::Wait));
        assert_eq!(hard_matches(run.on(cloud_read(CLOUD))), 1);
    }

    #[test]
    fn the_driver_reads_the_cloud_file_once_when_the_reader_is_gone() {
        let mut run = Run::new(CloudReader::Elsewhere);
        assert!(matches!(run.on(RunEvent::CloudReaderGone), RunStep::Wait));
        assert!(matches!(run.on(onprem_read(ONPREM)), RunStep::ReadCloud));
        // Asked for once: a second word changes nothing while the read is under way.
        assert!(matches!(run.on(RunEvent::CloudReaderGone), RunStep::Wait));
        assert_eq!(hard_matches(run.on(cloud_read(CLOUD))), 1);
    }

    #[test]
    fn events_after_the_end_change_nothing() {
        let mut run = Run::new(CloudReader::Elsewhere);
        let RunStep::Failed(error) = run.on(onprem_read("")) else { panic!("an empty file") };
        assert!(matches!(error.kind(), ErrorKind::Empty), "{error}");
        assert!(matches!(run.on(cloud_read(CLOUD)), RunStep::Wait));
        assert!(matches!(run.on(onprem_read(ONPREM)), RunStep::Wait));

        let mut run = Run::new(CloudReader::Driver);
        assert!(matches!(run.on(onprem_read(ONPREM)), RunStep::ReadCloud));
        assert!(matches!(run.on(cloud_read(CLOUD)), RunStep::Match(_)));
        assert!(matches!(run.on(cloud_read(CLOUD)), RunStep::Wait));
        assert!(matches!(run.on(onprem_read(ONPREM)), RunStep::Wait));
    }

    #[test]
    fn files_in_each_others_slots_are_a_swap_whenever_the_cloud_users_come() {
        for cloud_users_meanwhile in [false, true] {
            let mut run = Run::new(CloudReader::Elsewhere);
            // The cloud export in the on-prem slot, the on-prem export in the cloud slot.
            assert!(matches!(run.on(onprem_read(CLOUD)), RunStep::ReadCloudForNoSlot));
            if cloud_users_meanwhile {
                assert!(matches!(run.on(cloud_read(ONPREM)), RunStep::Wait));
            }
            let RunStep::Failed(error) = run.on(read_for_no_slot(ONPREM)) else { panic!() };
            assert!(matches!(error.kind(), ErrorKind::Swapped), "{error}");
        }
        // Both files cloud exports: no swap, the on-prem slot's own error.
        let mut run = Run::new(CloudReader::Driver);
        assert!(matches!(run.on(onprem_read(CLOUD)), RunStep::ReadCloudForNoSlot));
        let RunStep::Failed(error) = run.on(read_for_no_slot(CLOUD)) else { panic!() };
        assert!(matches!(error.kind(), ErrorKind::WrongSide { .. }), "{error}");
    }

    #[test]
    fn completing_a_run_before_its_onprem_file_is_refused_not_a_loop() {
        let run = Run::new(CloudReader::Elsewhere);
        let error = run.complete(RunStep::Wait, |_| cloud_read(CLOUD)).unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::Usage { .. }), "{error}");
    }
}
