//! [`ViewIndex`]: what [`select`](super::select) computes on every query, computed once per
//! report, so filtering, sorting and searching a million entries stays interactive.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::cmp::Ordering;
use std::ops::Range;
use std::rc::Rc;

use memchr::memmem;
use uuid::Uuid;

use super::{category_rank, search_guid, search_texts, sort_source, Query, SortKey, SortSource};
use crate::engine::model::lower_case;
use crate::engine::report::{Category, Entry, MatchReport};

/// Each entry's category rank (its position in [`Category::ALL`]) in the low bits of its flags.
///
/// [`Category::ALL`]: crate::engine::report::Category::ALL
const RANK: u8 = 0b1111;
const _: () = assert!(Category::ALL.len() <= RANK as usize + 1, "a rank must fit in RANK");
/// The entry has a custom cloud anchor.
const CUSTOM_ANCHOR: u8 = 0b1_0000;
/// The entry involves a duplicate value.
const DUPLICATE: u8 = 0b10_0000;
/// Ends each value in the search text: never part of UTF-8, so no match spans two values.
const END: u8 = 0xFF;
/// Every [`SortKey`], in declaration order (`key as usize` indexes [`ViewIndex::orders`]).
const SORT_KEYS: [SortKey; 7] = [
    SortKey::Category,
    SortKey::OnPremUpn,
    SortKey::Name,
    SortKey::CloudUpn,
    SortKey::OnPremLine,
    SortKey::CloudLine,
    SortKey::AnchorKind,
];

/// The report's entries pre-sorted by each column, their filter flags and their searched text
/// folded once, so that [`ViewIndex::select`] returns exactly what [`select`](super::select)
/// does in time linear in the entries, without sorting or lower-casing.
///
/// Built for one report: pass the same report to [`ViewIndex::select`]. The orders and the
/// search text are built on first use (a column first sorted, a first search), so a report
/// never sorted by a column or never searched costs neither time nor memory for it; or ahead
/// of it, a slice at a time, by [`ViewIndex::warm`].
///
/// ```
/// use anchor_audit::engine::audit::{audit, AuditOptions, Input};
/// use anchor_audit::engine::sample::{generate, SampleSpec};
/// use anchor_audit::engine::view::{select, Query, SortKey, ViewIndex};
///
/// let (onprem, cloud, _) = generate(&SampleSpec::showcase());
/// let onprem = Input { name: "onprem.csv", bytes: &onprem };
/// let cloud = Input { name: "cloud.csv", bytes: &cloud };
/// let report = audit(onprem, cloud, &AuditOptions::default()).unwrap().report;
/// let index = ViewIndex::new(&report);
/// let query = Query { search: "okta".into(), sort: SortKey::Name, ..Query::default() };
/// assert_eq!(index.select(&report, &query), select(&report, &query));
/// ```
#[derive(Debug, Default)]
pub struct ViewIndex {
    /// Per entry: its [`RANK`], [`CUSTOM_ANCHOR`] and [`DUPLICATE`] bits.
    flags: Vec<u8>,
    /// Per sort key, in [`SORT_KEYS`] order.
    orders: [OnceCell<Order>; 7],
    /// The folded text search looks in.
    haystack: OnceCell<Haystack>,
    /// The last search and the entries it found: a new sort or filter does not search again,
    /// and typing on (a needle containing the last one) only looks at what the last one found.
    last_search: RefCell<Option<(String, Rc<Bits>)>>,
    /// The part [`ViewIndex::warm`] is building, up to where it stopped: a query that needs it
    /// finishes it.
    warming: RefCell<Option<Building>>,
}

impl ViewIndex {
    /// Indexes a report's entries: one pass over them for the filter flags. Sort orders and the
    /// search text are built when first needed.
    pub fn new(report: &MatchReport) -> ViewIndex {
        let entries = &report.entries;
        let flags = (0..entries.len())
            .map(|i| {
                // The rank is below 16: every category is in `Category::ALL`.
                category_rank(entries.category(i)) as u8
                    | if entries.has_custom_anchor(i) { CUSTOM_ANCHOR } else { 0 }
                    | if entries.has_duplicate(i) { DUPLICATE } else { 0 }
            })
            .collect();
        ViewIndex { flags, ..ViewIndex::default() }
    }

    /// The entries `query` selects, in its order: the same as [`select`](super::select).
    pub fn select(&self, report: &MatchReport, query: &Query) -> Vec<u32> {
        assert_eq!(report.entries.len(), self.flags.len(), "a ViewIndex is for one report");
        let needle = query.search.trim().to_lowercase();
        let found = (!needle.is_empty()).then(|| self.search(report, &needle));
        let categories =
            query.categories.iter().fold(0u16, |mask, c| mask | 1 << category_rank(*c));
        let mut required = 0;
        if query.custom_anchor_only {
            required |= CUSTOM_ANCHOR;
        }
        if query.duplicates_only {
            required |= DUPLICATE;
        }
        let order = self.order(report, query.sort);
        if categories == 0 && required == 0 && found.is_none() && !query.descending {
            return order.entries.clone();
        }
        let keep = |entry: u32| {
            let flags = self.flags[entry as usize];
            (categories == 0 || categories & 1 << (flags & RANK) != 0)
                && flags & required == required
                && found.as_ref().is_none_or(|f| f.get(entry as usize))
        };
        order.collect(query.descending, keep)
    }

    /// Bytes held by the index (its vectors' capacities), for memory estimates.
    pub fn memory(&self) -> usize {
        let orders: usize = self.orders.iter().filter_map(OnceCell::get).map(Order::memory).sum();
        let haystack = self.haystack.get().map_or(0, |h| {
            h.text.capacity()
                + h.starts.capacity() * std::mem::size_of::<usize>()
                + h.guids.capacity() * std::mem::size_of::<Option<Uuid>>()
        });
        let search = self.last_search.borrow().as_ref().map_or(0, |(s, b)| s.len() + b.memory());
        self.flags.capacity() + orders + haystack + search
    }

    /// Builds a little of what queries would otherwise build on first use: the search text,
    /// then the orders by `sorts`, in that order. Each call does about `budget` entries' worth
    /// of work on one part (reading, sorting, merging or comparing that many), so a caller can
    /// keep each call short and answer queries in between; a query that needs the part being
    /// built finishes it at once, with the same result. Returns whether all of it is built.
    pub fn warm(&mut self, report: &MatchReport, sorts: &[SortKey], budget: usize) -> bool {
        assert_eq!(report.entries.len(), self.flags.len(), "a ViewIndex is for one report");
        let Some(part) = self.unbuilt(sorts) else { return true };
        let mut building = match self.warming.get_mut().take() {
            Some(building) if building.part() == part => building,
            _ => Building::new(report, part),
        };
        if !building.step(report, budget.max(1)) {
            *self.warming.get_mut() = Some(building);
            return false;
        }
        match building {
            Building::Search(haystack) => drop(self.haystack.set(haystack.finish(report))),
            Building::Sort(order) => {
                drop(self.orders[order.key as usize].set(order.finish(report)))
            }
        }
        self.unbuilt(sorts).is_none()
    }

    /// The first part [`ViewIndex::warm`] has still to build.
    fn unbuilt(&self, sorts: &[SortKey]) -> Option<Part> {
        let search = self.haystack.get().is_none().then_some(Part::Search);
        search.or_else(|| {
            sorts
                .iter()
                .find(|&&key| self.orders[key as usize].get().is_none())
                .map(|&k| Part::Sort(k))
        })
    }

    /// The part being warmed, if it is `part`.
    fn take_warming(&self, part: Part) -> Option<Building> {
        let mut warming = self.warming.borrow_mut();
        warming.take_if(|building| building.part() == part)
    }

    fn order(&self, report: &MatchReport, key: SortKey) -> &Order {
        self.orders[key as usize].get_or_init(|| {
            let building = match self.take_warming(Part::Sort(key)) {
                Some(Building::Sort(order)) => order,
                _ => OrderBuilder::new(report, key),
            };
            building.finish(report)
        })
    }

    /// The entries whose searched values contain `needle` (folded, not empty).
    fn search(&self, report: &MatchReport, needle: &str) -> Rc<Bits> {
        let last = self.last_search.borrow().clone();
        if let Some((previous, found)) = &last {
            if previous == needle {
                return found.clone();
            }
        }
        let haystack = self.haystack.get_or_init(|| {
            let building = match self.take_warming(Part::Search) {
                Some(Building::Search(haystack)) => haystack,
                _ => HaystackBuilder::new(report),
            };
            building.finish(report)
        });
        let finder = memmem::Finder::new(needle.as_bytes());
        let in_guids = GuidNeedle::new(needle.as_bytes());
        let in_guid =
            |entry: usize| haystack.guids[entry].is_some_and(|g| in_guids.matches(g.as_u128()));
        let len = self.flags.len();
        let mut found = Bits::new(len);
        // Typing on: every entry the longer needle finds, the shorter one found. Looking only at
        // those pays while they are few; a full scan is faster than many small ones.
        match last.filter(|(previous, f)| needle.contains(previous.as_str()) && f.count() < len / 4)
        {
            Some((_, candidates)) => {
                for entry in candidates.iter() {
                    if finder.find(haystack.of(entry)).is_some() || in_guid(entry) {
                        found.set(entry);
                    }
                }
            }
            None => {
                let (mut entry, mut at) = (0, 0);
                while let Some(hit) = finder.find(&haystack.text[at..]) {
                    // Hits come in text order: the entry holding this one is at or after the last.
                    while haystack.starts[entry + 1] <= at + hit {
                        entry += 1;
                    }
                    found.set(entry);
                    at = haystack.starts[entry + 1];
                }
                if !in_guids.alignments.is_empty() {
                    for entry in 0..len {
                        if in_guid(entry) {
                            found.set(entry);
                        }
                    }
                }
            }
        }
        let found = Rc::new(found);
        *self.last_search.borrow_mut() = Some((needle.to_string(), found.clone()));
        found
    }
}

/// The entries in one column's order: those with a value ascending, ties in file order, then
/// those without, in file order.
#[derive(Debug)]
struct Order {
    entries: Vec<u32>,
    /// How many entries have a value (they come first).
    present: usize,
    /// Among those, where a run of equal values starts: descending reverses the runs, not the
    /// entries, so that ties keep file order.
    run_starts: Bits,
}

/// A part of the index that [`ViewIndex::warm`] builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Search,
    Sort(SortKey),
}

/// A part being built, where its building stopped.
#[derive(Debug)]
enum Building {
    Search(HaystackBuilder),
    Sort(OrderBuilder),
}

impl Building {
    fn new(report: &MatchReport, part: Part) -> Building {
        match part {
            Part::Search => Building::Search(HaystackBuilder::new(report)),
            Part::Sort(key) => Building::Sort(OrderBuilder::new(report, key)),
        }
    }

    fn part(&self) -> Part {
        match self {
            Building::Search(_) => Part::Search,
            Building::Sort(order) => Part::Sort(order.key),
        }
    }

    /// Does about `budget` entries' worth of work; returns whether what is left for `finish`
    /// is a last pass over the entries at most.
    fn step(&mut self, report: &MatchReport, budget: usize) -> bool {
        match self {
            Building::Search(haystack) => haystack.step(report, budget),
            Building::Sort(order) => order.step(report, budget),
        }
    }
}

/// An [`Order`] being built: its entries' values read in file order, sorted in runs of
/// [`OrderBuilder::RUN`], the runs merged pairwise pass after pass (stable throughout, so ties
/// keep file order and the result is the one stable sort), then the runs of equal values found.
/// [`OrderBuilder::finish`] does what is left at once; from the start, that is one sort.
#[derive(Debug)]
struct OrderBuilder {
    key: SortKey,
    sort_entries: Vec<SortEntry>,
    /// The entries without a value, in file order.
    missing: Vec<u32>,
    /// The bytes of each text past its head, one entry after the other.
    tails: Vec<u8>,
    /// Where each entry's tail starts in `tails`, and one more: the end.
    tail_starts: Vec<usize>,
    stage: OrderStage,
}

#[derive(Debug)]
enum OrderStage {
    /// Reading values: the next entry.
    Read { next: usize },
    /// Sorting runs: where the next one starts.
    SortRuns { next: usize },
    /// Merging runs of `width` entries pairwise, in place through `buffer`, which holds the left
    /// run of the pair being merged: read up to `left`; its right run is read up to `right`, the
    /// merged entries written up to `out`; the next pair starts at `end`.
    Merge {
        width: usize,
        end: usize,
        left: usize,
        right: usize,
        out: usize,
        buffer: Vec<SortEntry>,
    },
    /// Sorted: marking where runs of equal values start, up to `next`.
    FindRuns { next: usize, run_starts: Bits },
}

impl OrderBuilder {
    /// Slots a run sorts at once: a few thousand sort in well under a millisecond. Tests take
    /// a few, so that their small reports are merged in many passes.
    const RUN: usize = if cfg!(test) { 5 } else { 4096 };

    fn new(report: &MatchReport, key: SortKey) -> OrderBuilder {
        debug_assert_eq!(SORT_KEYS[key as usize], key);
        let mut tail_starts = Vec::with_capacity(report.entries.len() + 1);
        tail_starts.push(0);
        OrderBuilder {
            key,
            sort_entries: Vec::with_capacity(report.entries.len()),
            missing: Vec::new(),
            tails: Vec::new(),
            tail_starts,
            stage: OrderStage::Read { next: 0 },
        }
    }

    /// Does about `budget` entries' worth of work; returns whether only `finish` is left.
    fn step(&mut self, report: &MatchReport, budget: usize) -> bool {
        let len = self.sort_entries.len();
        match &mut self.stage {
            &mut OrderStage::Read { next } => {
                let end = report.entries.len().min(next.saturating_add(budget));
                self.read(report, next..end);
                self.stage = if end == report.entries.len() {
                    OrderStage::SortRuns { next: 0 }
                } else {
                    OrderStage::Read { next: end }
                };
            }
            OrderStage::SortRuns { next } => {
                let runs = budget.div_ceil(Self::RUN);
                let end = len.min(next.saturating_add(runs.saturating_mul(Self::RUN)));
                let values = Values::new(&self.tails, &self.tail_starts);
                for run in self.sort_entries[*next..end].chunks_mut(Self::RUN) {
                    run.sort_by(|a, b| values.cmp(a, b));
                }
                self.stage = if end < len {
                    OrderStage::SortRuns { next: end }
                } else {
                    Self::merge_pass(Self::RUN, len, Vec::new())
                };
            }
            OrderStage::Merge { width, end, left, right, out, buffer } => {
                let values = Values::new(&self.tails, &self.tail_starts);
                let (sort_entries, width) = (&mut self.sort_entries, *width);
                let mut budget = budget;
                let mut pass_done = false;
                while budget > 0 {
                    if *left == buffer.len() {
                        // The pair before is merged: the rest of its right run is in place.
                        let (start, mid) = (*end, (*end + width).min(len));
                        if mid == len {
                            pass_done = true;
                            break;
                        }
                        *end = (mid + width).min(len);
                        buffer.clear();
                        buffer.extend_from_slice(&sort_entries[start..mid]);
                        (*left, *right, *out) = (0, mid, start);
                        budget = budget.saturating_sub(mid - start);
                    }
                    let moves = budget.min(buffer.len() - *left);
                    for _ in 0..moves {
                        let take_left = *right == *end
                            || values.cmp(&buffer[*left], &sort_entries[*right]).is_le();
                        if take_left {
                            sort_entries[*out] = buffer[*left];
                            *left += 1;
                        } else {
                            sort_entries[*out] = sort_entries[*right];
                            *right += 1;
                        }
                        *out += 1;
                    }
                    budget -= moves;
                }
                if pass_done {
                    self.stage = Self::merge_pass(2 * width, len, std::mem::take(buffer));
                }
            }
            OrderStage::FindRuns { next, run_starts } => {
                let values = Values::new(&self.tails, &self.tail_starts);
                let end = len.min(next.saturating_add(budget));
                for at in (*next).max(1)..end {
                    if values.cmp(&self.sort_entries[at - 1], &self.sort_entries[at]).is_ne() {
                        run_starts.set(at);
                    }
                }
                *next = end;
            }
        }
        matches!(self.stage, OrderStage::FindRuns { next, .. } if next == len)
    }

    /// The stage after sorted runs of `width` entries: merging them (through `buffer`), or
    /// finding equal values once there is one run.
    fn merge_pass(width: usize, len: usize, mut buffer: Vec<SortEntry>) -> OrderStage {
        if width >= len {
            let mut run_starts = Bits::new(len);
            if len > 0 {
                run_starts.set(0);
            }
            return OrderStage::FindRuns { next: 0, run_starts };
        }
        buffer.clear();
        OrderStage::Merge { width, end: 0, left: 0, right: 0, out: 0, buffer }
    }

    /// Reads the values of `entries`, the next ones in file order.
    fn read(&mut self, report: &MatchReport, entries: std::ops::Range<usize>) {
        let key = self.key;
        let first_byte = |e: &Entry| match sort_source(report, e, key) {
            Some(SortSource::Folded(text) | SortSource::Verbatim(text)) => first_byte(text),
            Some(SortSource::Number(n)) => n as usize,
            None => 0,
        };
        let start = entries.start as u32;
        for (entry, e) in (start..).zip(read_ahead(report, entries, first_byte)) {
            let text = match sort_source(report, &e, key) {
                None => {
                    self.missing.push(entry);
                    self.tail_starts.push(self.tails.len());
                    continue;
                }
                Some(SortSource::Number(n)) => {
                    self.sort_entries.push(SortEntry::number(n, entry));
                    self.tail_starts.push(self.tails.len());
                    continue;
                }
                Some(SortSource::Folded(text)) => lower_case(text),
                Some(SortSource::Verbatim(text)) => Cow::Borrowed(text),
            };
            self.sort_entries.push(SortEntry::text(&text, entry));
            self.tails
                .extend_from_slice(text.as_bytes().get(SortEntry::HEAD..).unwrap_or_default());
            self.tail_starts.push(self.tails.len());
        }
    }

    /// The order: what is left done at once.
    fn finish(mut self, report: &MatchReport) -> Order {
        if let OrderStage::Read { next } = self.stage {
            self.read(report, next..report.entries.len());
        }
        if let OrderStage::Read { .. } | OrderStage::SortRuns { .. } = self.stage {
            // One stable sort gives what the runs and merges would: the only stable order.
            let values = Values::new(&self.tails, &self.tail_starts);
            self.sort_entries.sort_by(|a, b| values.cmp(a, b));
            let len = self.sort_entries.len();
            self.stage = Self::merge_pass(len, len, Vec::new());
        }
        while !self.step(report, usize::MAX) {}
        let OrderStage::FindRuns { run_starts, .. } = self.stage else {
            unreachable!("step is done once the runs are found")
        };
        let present = self.sort_entries.len();
        let entries = self.sort_entries.into_iter().map(|s| s.entry).chain(self.missing).collect();
        Order { entries, present, run_starts }
    }
}

/// Compares entries by value: their heads, then, for texts longer than their head that agree on
/// it, their tails.
struct Values<'a> {
    tails: &'a [u8],
    tail_starts: &'a [usize],
}

impl<'a> Values<'a> {
    fn new(tails: &'a [u8], tail_starts: &'a [usize]) -> Values<'a> {
        Values { tails, tail_starts }
    }

    fn cmp(&self, a: &SortEntry, b: &SortEntry) -> Ordering {
        let tail = |s: &SortEntry| {
            let entry = s.entry as usize;
            &self.tails[self.tail_starts[entry]..self.tail_starts[entry + 1]]
        };
        // Equal heads have equal lengths: short texts and numbers are equal then.
        let long = a.len as usize > SortEntry::HEAD;
        a.cmp_head(b).then_with(|| if long { tail(a).cmp(tail(b)) } else { Ordering::Equal })
    }
}

impl Order {
    /// The entries `keep` accepts, in ascending or descending order.
    fn collect(&self, descending: bool, keep: impl Fn(u32) -> bool) -> Vec<u32> {
        let (with, without) = self.entries.split_at(self.present);
        let mut selected = Vec::new();
        if descending {
            let mut end = with.len();
            while end > 0 {
                let mut start = end - 1;
                while !self.run_starts.get(start) {
                    start -= 1;
                }
                selected.extend(with[start..end].iter().copied().filter(|&e| keep(e)));
                end = start;
            }
        } else {
            selected.extend(with.iter().copied().filter(|&e| keep(e)));
        }
        selected.extend(without.iter().copied().filter(|&e| keep(e)));
        selected
    }

    fn memory(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<u32>() + self.run_starts.memory()
    }
}

/// An entry in a sort: its value's first [`SortEntry::HEAD`] bytes (a number in the last word;
/// text zero-padded, big-endian) and length up to one more, so that comparing entries compares
/// numbers and texts of up to `HEAD` bytes exactly (a shorter text that pads equal to another
/// is a prefix of it), without following a pointer; longer texts with the same head are then
/// told apart by the rest.
#[derive(Clone, Copy, Debug)]
struct SortEntry {
    head: [u64; 3],
    len: u32,
    entry: u32,
}

impl SortEntry {
    /// 24 bytes: UPNs that share a long first and last name still differ there.
    const HEAD: usize = 24;

    fn number(n: u64, entry: u32) -> SortEntry {
        SortEntry { head: [0, 0, n], len: 0, entry }
    }

    fn text(text: &str, entry: u32) -> SortEntry {
        let mut bytes = [0u8; SortEntry::HEAD];
        let head = &text.as_bytes()[..text.len().min(SortEntry::HEAD)];
        bytes[..head.len()].copy_from_slice(head);
        let word = |i: usize| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
            u64::from_be_bytes(word)
        };
        let len = text.len().min(SortEntry::HEAD + 1) as u32;
        SortEntry { head: [word(0), word(1), word(2)], len, entry }
    }

    /// Compares heads and lengths.
    fn cmp_head(&self, other: &SortEntry) -> Ordering {
        let ([a0, a1, a2], [b0, b1, b2]) = (self.head, other.head);
        a0.cmp(&b0).then(a1.cmp(&b1)).then(a2.cmp(&b2)).then(self.len.cmp(&other.len))
    }
}

/// What search looks in. Every entry's text values, lower-cased as [`select`](super::select)
/// lower-cases them, one after the other, each ended by [`END`]: empty values and repeats
/// within an entry (a mail equal to the UPN, an anchor equal to the ImmutableID) are left out,
/// as they cannot change whether the entry matches. And each entry's on-prem objectGUID, as
/// bits: [`GuidNeedle`] finds text in its hyphenated form without writing it.
#[derive(Debug)]
struct Haystack {
    text: Vec<u8>,
    /// Where each entry's values start in `text`, and one more: the end.
    starts: Vec<usize>,
    guids: Vec<Option<Uuid>>,
}

/// A [`Haystack`] being built, entry after entry.
#[derive(Debug)]
struct HaystackBuilder {
    haystack: Haystack,
    /// The current entry's values so far, as (start, end) in the text.
    values: Vec<(usize, usize)>,
}

impl HaystackBuilder {
    /// Entries folded to estimate the text's size, evenly spread over the report.
    const SAMPLE: usize = 1024;

    /// Starts the haystack, its text reserved at the size a sample of the entries predicts, so
    /// that it is not copied as it grows nor when it is done: at a million entries each such
    /// copy is tens of megabytes, which would hold up a query.
    fn new(report: &MatchReport) -> HaystackBuilder {
        let len = report.entries.len();
        let mut sample = Vec::new();
        let mut values = Vec::new();
        let stride = len.div_ceil(Self::SAMPLE).max(1);
        for entry in (0..len).step_by(stride).map(|i| report.entry(i)) {
            fold_values(report, &entry, &mut sample, &mut values);
        }
        let sampled = len.div_ceil(stride);
        // A little over: short of the whole, the text would double as it grows.
        // In u64: wasm's usize would overflow.
        let estimate = sample.len() as u64 * len as u64 / sampled.max(1) as u64 * 17 / 16;
        let haystack = Haystack {
            text: Vec::with_capacity(usize::try_from(estimate).unwrap_or(0)),
            starts: Vec::with_capacity(len + 1),
            guids: Vec::with_capacity(len),
        };
        HaystackBuilder { haystack, values }
    }

    /// Adds the next `budget` entries; returns whether all are in.
    fn step(&mut self, report: &MatchReport, budget: usize) -> bool {
        let Haystack { text, starts, guids } = &mut self.haystack;
        let next = starts.len();
        let end = report.entries.len().min(next.saturating_add(budget));
        let first_bytes = |e: &Entry| search_texts(report, e).map(first_byte).sum();
        for entry in read_ahead(report, next..end, first_bytes) {
            starts.push(text.len());
            guids.push(search_guid(report, &entry));
            fold_values(report, &entry, text, &mut self.values);
        }
        end == report.entries.len()
    }

    /// The haystack: the entries not yet in added at once.
    fn finish(mut self, report: &MatchReport) -> Haystack {
        self.step(report, usize::MAX);
        let mut haystack = self.haystack;
        haystack.starts.push(haystack.text.len());
        // Only far from its estimate is the text worth a copy.
        if haystack.text.capacity() - haystack.text.len() > haystack.text.len() / 8 {
            haystack.text.shrink_to_fit();
        }
        haystack
    }
}

/// Appends an entry's searched values to `text`, folded, each ended by [`END`], leaving out
/// empty ones and repeats; `values` is scratch space.
fn fold_values(
    report: &MatchReport,
    entry: &Entry,
    text: &mut Vec<u8>,
    values: &mut Vec<(usize, usize)>,
) {
    values.clear();
    for value in search_texts(report, entry).filter(|v| !v.is_empty()) {
        let at = text.len();
        if value.is_ascii() {
            text.extend_from_slice(value.as_bytes());
            text[at..].make_ascii_lowercase();
        } else {
            text.extend_from_slice(value.to_lowercase().as_bytes());
        }
        let folded = &text[at..];
        if values.iter().any(|&(start, end)| text[start..end] == *folded) {
            text.truncate(at);
        } else {
            values.push((at, text.len()));
            text.push(END);
        }
    }
}

impl Haystack {
    /// One entry's values.
    fn of(&self, entry: usize) -> &[u8] {
        &self.text[self.starts[entry]..self.starts[entry + 1]]
    }
}

/// The entries, reading ahead: before each block of them is worked on, `touch` reads what the
/// work will read (each value's first byte, say). Those reads are independent, so the processor
/// overlaps their trips to memory, where the work itself would wait for each in turn: the users
/// of one entry are far from the next one's (the on-prem side is in another file's order).
/// Twice as fast at 1M entries.
fn read_ahead<'r>(
    report: &'r MatchReport,
    entries: Range<usize>,
    touch: impl Fn(&Entry<'r>) -> usize,
) -> impl Iterator<Item = Entry<'r>> {
    let end = entries.end;
    entries.step_by(64).flat_map(move |start| {
        let block: Vec<Entry<'r>> = (start..end.min(start + 64)).map(|i| report.entry(i)).collect();
        std::hint::black_box(block.iter().map(&touch).sum::<usize>());
        block
    })
}

fn first_byte(text: &str) -> usize {
    usize::from(text.as_bytes().first().copied().unwrap_or(0))
}

/// Where a needle can stand in a GUID's hyphenated lower-case text (`8-4-4-4-12` hex digits),
/// as the hex digits it then fixes: the GUID's text contains the needle if its bits equal
/// `value` under `mask` for some alignment.
#[derive(Debug)]
struct GuidNeedle {
    /// (mask, value) over [`Uuid::as_u128`], whose first hex digit is its top 4 bits.
    alignments: Vec<(u128, u128)>,
}

impl GuidNeedle {
    /// Where the hyphens are in a GUID's text.
    const HYPHENS: [usize; 4] = [8, 13, 18, 23];

    fn new(needle: &[u8]) -> GuidNeedle {
        let alignments = (0..=36usize.saturating_sub(needle.len()))
            .filter(|_| needle.len() <= 36)
            .filter_map(|offset| {
                let mut pattern = (0u128, 0u128);
                for (i, &b) in needle.iter().enumerate() {
                    let at = offset + i;
                    let hyphens_before = Self::HYPHENS.iter().filter(|&&h| h < at).count();
                    let digit = match b {
                        b'-' if Self::HYPHENS.contains(&at) => continue,
                        _ if Self::HYPHENS.contains(&at) => return None,
                        b'0'..=b'9' => b - b'0',
                        b'a'..=b'f' => b - b'a' + 10,
                        _ => return None,
                    };
                    let shift = 124 - 4 * (at - hyphens_before);
                    pattern.0 |= 0xF << shift;
                    pattern.1 |= u128::from(digit) << shift;
                }
                Some(pattern)
            })
            .collect();
        GuidNeedle { alignments }
    }

    fn matches(&self, guid: u128) -> bool {
        self.alignments.iter().any(|(mask, value)| guid & mask == *value)
    }
}

/// A fixed-size set of small numbers (entries, positions).
#[derive(Debug)]
struct Bits {
    words: Vec<u64>,
}

impl Bits {
    fn new(len: usize) -> Bits {
        Bits { words: vec![0; len.div_ceil(64)] }
    }

    fn set(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }

    fn get(&self, i: usize) -> bool {
        self.words[i / 64] & 1 << (i % 64) != 0
    }

    fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The numbers in the set, ascending.
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(at, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    at * 64 + bit
                })
            })
        })
    }

    fn memory(&self) -> usize {
        self.words.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::audit::{audit, AuditOptions, Input};
    use crate::engine::join::{match_users, MatchOptions};
    use crate::engine::model::RowRef;
    use crate::engine::report::Category;
    use crate::engine::sample::{generate, Anomalies, CloudFormat, OnPremFormat, SampleSpec};
    use crate::engine::users::test_users::{
        cloud_table, onprem_table, TestCloudUser, TestOnPremUser,
    };
    use crate::engine::view::select;
    use uuid::Uuid;

    /// SplitMix64: a fixed seed gives the same queries on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
    }

    fn generated(spec: SampleSpec) -> MatchReport {
        let (onprem, cloud, _) = generate(&spec);
        let onprem = Input { name: "onprem.csv", bytes: &onprem };
        let cloud = Input { name: "cloud.csv", bytes: &cloud };
        audit(onprem, cloud, &AuditOptions::default()).unwrap().report
    }

    /// Values whose lower case is longer or shorter than they are, or ASCII from non-ASCII
    /// (Kelvin sign), a final sigma, empty and missing values, repeated values for ties, and
    /// texts that differ only after 16 bytes or in a trailing NUL.
    fn unicode() -> MatchReport {
        // Sort heads hold the first `SortEntry::HEAD` bytes: texts differing right after.
        let long = "a".repeat(SortEntry::HEAD);
        let names: Vec<String> =
            ["\u{212A}elvin", "İpek", "ΟΔΟΣ Σοφία", "Straße", "", "", "Zoë", "zoë", "ZOË", "zoë\0"]
                .into_iter()
                .map(str::to_string)
                .chain([
                    format!("{long}-1"),
                    format!("{}-0", long.to_uppercase()),
                    long.clone(),
                    format!("{long}\0"),
                    format!("{long}1-x"),
                    format!("{long}0-x"),
                    format!("{long}é1"),
                    format!("{}É0", long.to_uppercase()),
                ])
                .collect();
        let onprem: Vec<TestOnPremUser> = names
            .iter()
            .enumerate()
            .map(|(i, name)| TestOnPremUser {
                at: RowRef { line: i as u64 + 2, record: i as u64 + 1 },
                upn: match i % 4 {
                    3 => String::new(),
                    1 => format!("{long}{}@Contoso.com", i % 3),
                    _ => format!("U{}@Contoso.com", i % 3),
                },
                name: name.clone(),
                sam_account_name: format!("s{i}"),
                mail: (i % 2 == 0).then(|| format!("u{}@contoso.com", i % 3)),
                object_guid: (i % 5 != 4).then(|| Uuid::from_u128(0xABCD_0000 + i as u128)),
                ..TestOnPremUser::default()
            })
            .collect();
        let cloud: Vec<TestCloudUser> = (0..6)
            .map(|i| TestCloudUser {
                at: RowRef { line: i as u64 + 2, record: i as u64 + 1 },
                upn: format!("u{}@contoso.com", i % 3),
                name: names[names.len() - 1 - i].clone(),
                immutable_id: ["", "00uAbC", "x\u{212A}y", "İ", "ß"][i % 5].into(),
                ..TestCloudUser::default()
            })
            .collect();
        match_users(onprem_table(&onprem), cloud_table(&cloud), &MatchOptions::default())
    }

    /// Some text an admin might search for: part of a real value (in any case, maybe padded),
    /// a GUID's part, or a few odd characters.
    fn needle(rng: &mut Rng, report: &MatchReport) -> String {
        let entry = &report.entry(rng.below(report.entries.len()));
        let mut values: Vec<String> = search_texts(report, entry).map(str::to_string).collect();
        values.extend(search_guid(report, entry).map(|g| g.hyphenated().to_string()));
        let value = &values[rng.below(values.len())];
        let chars: Vec<char> = value.chars().collect();
        let mut text: String = match rng.below(10) {
            0 => {
                let alphabet =
                    ['a', 'e', '0', '-', '@', '.', ' ', 'ß', 'é', 'σ', 'Σ', 'İ', 'K', '\u{212A}'];
                (0..1 + rng.below(3)).map(|_| alphabet[rng.below(alphabet.len())]).collect()
            }
            _ if chars.is_empty() => String::new(),
            _ => {
                let start = rng.below(chars.len());
                let end = start + 1 + rng.below((chars.len() - start).min(8));
                chars[start..end].iter().collect()
            }
        };
        if rng.chance(30) {
            text = text
                .chars()
                .map(|c| if rng.chance(50) { c.to_ascii_uppercase() } else { c })
                .collect();
        }
        if rng.chance(10) {
            text = format!("  {text} ");
        }
        text
    }

    fn query(rng: &mut Rng, report: &MatchReport) -> Query {
        let categories =
            Category::ALL.iter().copied().filter(|_| rng.chance(15)).collect::<Vec<_>>();
        Query {
            categories,
            custom_anchor_only: rng.chance(15),
            duplicates_only: rng.chance(15),
            search: if rng.chance(50) { needle(rng, report) } else { String::new() },
            sort: SORT_KEYS[rng.below(SORT_KEYS.len())],
            descending: rng.chance(50),
        }
    }

    /// Random queries, and typing (the same query with a growing search), against `select`: on
    /// an index that builds its parts on first use, and on one warmed a random step (a random
    /// budget, random orders) before each query, so that queries come at every stage of every
    /// part's building.
    fn same_as_select(report: &MatchReport, seed: u64, queries: usize) {
        let index = ViewIndex::new(report);
        let mut warmed = ViewIndex::new(report);
        let mut rng = Rng(seed);
        let mut check = |query: &Query, rng: &mut Rng| {
            let expected = select(report, query);
            assert_eq!(index.select(report, query), expected, "{query:?}");
            if rng.chance(70) {
                let most = if rng.chance(50) { 8 } else { report.entries.len() };
                let budget = 1 + rng.below(most);
                let sorts: Vec<SortKey> =
                    SORT_KEYS.iter().copied().filter(|_| rng.chance(60)).collect();
                warmed.warm(report, &sorts, budget);
            }
            assert_eq!(warmed.select(report, query), expected, "warmed: {query:?}");
        };
        for _ in 0..queries {
            let mut query = query(&mut rng, report);
            check(&query, &mut rng);
            if rng.chance(30) {
                let typed = needle(&mut rng, report);
                query.search.clear();
                for c in typed.chars() {
                    query.search.push(c);
                    check(&query, &mut rng);
                }
            }
        }
        assert!(index.memory() > 0);
    }

    /// Warms a fresh index to the end in steps of `budget`, returning it and the steps taken.
    fn warmed(report: &MatchReport, sorts: &[SortKey], budget: usize) -> (ViewIndex, usize) {
        let mut index = ViewIndex::new(report);
        let mut steps = 1;
        while !index.warm(report, sorts, budget) {
            steps += 1;
        }
        (index, steps)
    }

    #[test]
    fn warming_in_any_steps_builds_what_first_use_builds() {
        for report in [unicode(), generated(SampleSpec::showcase())] {
            let built = ViewIndex::new(&report);
            built.select(&report, &Query { search: "x".into(), ..Query::default() });
            for key in SORT_KEYS {
                built.select(&report, &Query { sort: key, ..Query::default() });
            }
            let haystack = built.haystack.get().unwrap();
            for budget in [1, 2, 3, 7, 64, 1000, usize::MAX] {
                let (index, steps) = warmed(&report, &SORT_KEYS, budget);
                assert!(steps >= report.entries.len() / budget, "{budget}: {steps} steps");
                let warm = index.haystack.get().unwrap();
                assert_eq!(warm.text, haystack.text, "{budget}");
                assert_eq!(warm.starts, haystack.starts, "{budget}");
                assert_eq!(warm.guids, haystack.guids, "{budget}");
                for key in SORT_KEYS {
                    let (warm, order) =
                        (index.orders[key as usize].get(), built.orders[key as usize].get());
                    let (warm, order) = (warm.unwrap(), order.unwrap());
                    assert_eq!(warm.entries, order.entries, "{budget} {key:?}");
                    assert_eq!(warm.present, order.present, "{budget} {key:?}");
                    assert_eq!(warm.run_starts.words, order.run_starts.words, "{budget} {key:?}");
                }
                assert!(index.warming.borrow().is_none());
            }
        }
    }

    #[test]
    fn warming_builds_the_search_text_then_the_orders_asked_for() {
        let report = generated(SampleSpec::showcase());
        let mut index = ViewIndex::new(&report);
        let sorts = [SortKey::Name, SortKey::AnchorKind];
        assert!(!index.warm(&report, &sorts, 1));
        assert!(index.haystack.get().is_none() && index.warming.borrow().is_some());
        while index.haystack.get().is_none() {
            assert!(!index.warm(&report, &sorts, 7));
        }
        while !index.warm(&report, &sorts, 7) {}
        let built: Vec<SortKey> =
            SORT_KEYS.into_iter().filter(|&k| index.orders[k as usize].get().is_some()).collect();
        assert_eq!(built, sorts);
        // Nothing is left to do: more calls do nothing.
        let memory = index.memory();
        assert!(index.warm(&report, &sorts, 1) && index.memory() == memory);
    }

    #[test]
    fn a_query_finishes_the_part_being_warmed() {
        let report = generated(SampleSpec::showcase());
        for (part, query) in [
            (Part::Search, Query { search: "okta".into(), ..Query::default() }),
            (Part::Sort(SortKey::Name), Query { sort: SortKey::Name, ..Query::default() }),
        ] {
            // Every stage of the part's building: the number of steps taken before the query.
            let (_, steps) = warmed(&report, &[SortKey::Name], 3);
            for taken in 0..steps {
                let mut index = ViewIndex::new(&report);
                for _ in 0..taken {
                    index.warm(&report, &[SortKey::Name], 3);
                }
                let warming = index.warming.borrow().as_ref().map(Building::part);
                assert_eq!(index.select(&report, &query), select(&report, &query));
                if warming == Some(part) {
                    assert!(index.warming.borrow().is_none(), "the query took it over");
                }
                while !index.warm(&report, &[SortKey::Name], 1000) {}
                assert_eq!(index.select(&report, &query), select(&report, &query));
            }
        }
    }

    #[test]
    fn selects_what_select_selects_on_the_showcase() {
        same_as_select(&generated(SampleSpec::showcase()), 1, 400);
    }

    #[test]
    fn selects_what_select_selects_on_scaled_reports() {
        let spec = |users, seed, onprem_format, cloud_format| SampleSpec {
            users,
            seed,
            anomalies: Anomalies::scaled(users),
            onprem_format,
            cloud_format,
        };
        let specs = [
            spec(3000, 7, OnPremFormat::Ps51Utf8, CloudFormat::MgUser),
            spec(1500, 8, OnPremFormat::Ps51Ascii, CloudFormat::Msol),
            spec(1500, 9, OnPremFormat::Ps7, CloudFormat::AzureAdPs51),
        ];
        for (i, spec) in specs.into_iter().enumerate() {
            same_as_select(&generated(spec), 100 + i as u64, 150);
        }
    }

    #[test]
    fn selects_what_select_selects_with_unicode_and_missing_values() {
        same_as_select(&unicode(), 2, 2000);
    }

    #[test]
    fn selects_what_select_selects_on_an_empty_report() {
        let report = match_users(
            onprem_table(&Vec::new()),
            cloud_table(&Vec::new()),
            &MatchOptions::default(),
        );
        let index = ViewIndex::new(&report);
        for sort in SORT_KEYS {
            let query = Query { search: "a".into(), sort, descending: true, ..Query::default() };
            assert!(index.select(&report, &query).is_empty());
        }
    }

    #[test]
    fn descending_reverses_values_but_keeps_ties_in_file_order() {
        let report = unicode();
        let index = ViewIndex::new(&report);
        let query = Query { sort: SortKey::CloudUpn, descending: true, ..Query::default() };
        let selected = index.select(&report, &query);
        let upn = |e: u32| report.cloud_of(&report.entry(e as usize)).map(|c| c.upn().to_string());
        let pairs: Vec<(Option<String>, u32)> = selected.iter().map(|&e| (upn(e), e)).collect();
        // u2 first, then u1, then u0 (each in file order), then the entries without a cloud user.
        for pair in pairs.windows(2) {
            match (&pair[0], &pair[1]) {
                ((Some(a), i), (Some(b), j)) => assert!(a > b || (a == b && i < j), "{pairs:?}"),
                ((None, _), (Some(_), _)) => panic!("missing values come last: {pairs:?}"),
                ((None, i), (None, j)) => assert!(i < j),
                _ => {}
            }
        }
        assert_eq!(selected, select(&report, &query));
    }

    #[test]
    fn the_search_text_leaves_out_repeats_and_ends_each_value() {
        let report = unicode();
        let haystack = HaystackBuilder::new(&report).finish(&report);
        let entry = report.entries().position(|e| e.onprem == Some(0)).unwrap();
        let text = String::from_utf8_lossy(haystack.of(entry)).into_owned();
        // UPN and mail fold to the same text: it is there once; the Kelvin sign folds to `k`.
        assert_eq!(text.matches("u0@contoso.com").count(), 1, "{text}");
        assert!(text.contains("kelvin\u{FFFD}"), "{text}");
    }

    #[test]
    fn a_guid_needle_matches_where_the_text_contains_it() {
        let guid = Uuid::parse_str("a10fc70e-301a-4685-b80b-efe1a6c25249").unwrap();
        let text = guid.hyphenated().to_string();
        let mut needles =
            vec![String::new(), "-".into(), "--".into(), "g".into(), "a10fc70e0".into()];
        for start in 0..text.len() {
            for end in start + 1..=text.len() {
                let part = &text[start..end];
                needles.push(part.to_string());
                // The same with one character changed: another digit, or a hyphen moved.
                for (i, c) in part.char_indices() {
                    let other = match c {
                        '-' => '0',
                        'f' => '-',
                        _ => 'f',
                    };
                    needles.push(format!("{}{other}{}", &part[..i], &part[i + 1..]));
                }
            }
        }
        for needle in needles {
            let expected = text.contains(&needle);
            let found = GuidNeedle::new(needle.as_bytes()).matches(guid.as_u128());
            assert_eq!(found, expected, "{needle:?} in {text}");
        }
    }
}
