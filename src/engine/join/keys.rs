//! The UPN and primary SMTP keys of both sides, numbered: each user's keys are folded, hashed
//! and compared as text once, and every join, group and clash after that compares numbers.

use std::borrow::Cow;

use super::slots::{hash32, Slots, BATCH};
use crate::engine::model::fold_cow;
use crate::engine::report::SoftMatchKey;
use crate::engine::users::{CloudUsers, OnPremUsers};

/// The number of the empty key (no UPN, no primary SMTP address): nobody holds it.
pub(crate) const NO_KEY: u32 = 0;

/// The end of a [`Holders`] list.
pub(crate) const NO_USER: u32 = u32::MAX;

/// Numbers for the folded UPNs and primary SMTP addresses of both sides. Each user's keys are
/// folded, hashed and compared as text once, here; every join, group and clash after that
/// compares numbers and walks arrays, instead of probing maps of a million strings. Keys
/// already folded (most) borrow the users' own text.
///
/// Each slot keeps its key's hash: a lookup reads the key's text only when the hashes agree,
/// and growing moves slots without reading or hashing any text again.
pub(crate) struct Interner<'u> {
    slots: Slots<InternerSlot<'u>>,
}

pub(crate) struct InternerSlot<'u> {
    hash: u32,
    number: u32,
    key: Cow<'u, str>,
}

impl<'u> Interner<'u> {
    /// A table for `capacity` keys without growing.
    pub(crate) fn with_capacity(capacity: usize) -> Interner<'u> {
        Interner { slots: Slots::with_capacity(capacity) }
    }

    #[cfg(test)]
    pub(crate) fn number(&mut self, key: Cow<'u, str>) -> u32 {
        let hash = hash32(&*key);
        self.number_hashed(key, hash)
    }

    /// The number of a key whose [`hash32`] is `hash` (a new one when it is new).
    pub(crate) fn number_hashed(&mut self, key: Cow<'u, str>, hash: u32) -> u32 {
        if key.is_empty() {
            return NO_KEY;
        }
        match self.slots.find(hash, |slot| slot.hash == hash && slot.key == key) {
            Ok(slot) => slot.number,
            Err(at) => {
                let number = self.len() as u32;
                self.slots.insert(at, InternerSlot { hash, number, key }, |slot| slot.hash);
                number
            }
        }
    }

    /// The numbers of `keys`, each with its [`hash32`], in order (a new number for each key not
    /// seen before).
    ///
    /// Keys go in batches: the slots of a batch's keys, and the texts of those that may be
    /// there already, are read before any key is numbered. Those reads do not wait for each
    /// other, so the processor waits for a batch's cache misses at once, where numbering key
    /// after key waited for each in turn. The keys are numbered in the same order either way.
    pub(crate) fn numbers(&mut self, keys: impl Iterator<Item = (Cow<'u, str>, u32)>) -> Vec<u32> {
        let mut numbers = Vec::with_capacity(keys.size_hint().0);
        let mut keys = keys.peekable();
        let mut batch = Vec::with_capacity(BATCH);
        while keys.peek().is_some() {
            batch.extend(keys.by_ref().take(BATCH));
            let read = batch.iter().fold(0, |read, (key, hash)| read ^ self.read(key, *hash));
            // The reads are for their wait alone: `black_box` keeps the compiler from dropping
            // them as unused.
            std::hint::black_box(read);
            numbers.extend(batch.drain(..).map(|(key, hash)| self.number_hashed(key, hash)));
        }
        numbers
    }

    /// Reads the slot `hash` starts at, and the key there when the hashes agree: the first
    /// of what numbering a key of that hash reads.
    pub(crate) fn read(&self, key: &str, hash: u32) -> u32 {
        if key.is_empty() {
            return 0;
        }
        match self.slots.first(hash) {
            Some(slot) if slot.hash == hash => slot.key.as_bytes().first().map_or(0, |&b| b.into()),
            Some(slot) => slot.hash,
            None => 0,
        }
    }

    /// The number of a folded key either side holds.
    #[cfg(test)]
    pub(crate) fn get(&self, key: &str) -> Option<u32> {
        let hash = hash32(key);
        let found = self.slots.find(hash, |slot| slot.hash == hash && slot.key == key);
        found.ok().map(|slot| slot.number)
    }

    /// How many numbers there are, [`NO_KEY`] included.
    pub(crate) fn len(&self) -> usize {
        self.slots.len() + 1
    }
}

/// A user's keys, folded (empty when it has none), and the values they were folded from that
/// the findings compare: so that equal numbers can tell equal values.
pub(crate) struct UserKeys<'u> {
    upn: Cow<'u, str>,
    smtp: Cow<'u, str>,
    raw_upn: &'u str,
    /// `mail`, when the side has the column.
    mail: Option<&'u str>,
}

/// A side whose users have UPN and primary SMTP keys: the texts a part of the key numbering
/// reads again for its own keys ([`super::partition`]).
pub(crate) trait KeyedUsers {
    fn len(&self) -> usize;
    /// The keys of the user at `position`.
    fn keys(&self, position: usize) -> UserKeys<'_>;
    /// Its UPN key alone, folded.
    fn upn_key(&self, position: usize) -> Cow<'_, str>;
    /// Its primary SMTP key alone.
    fn smtp_key(&self, position: usize) -> Cow<'_, str>;
}

impl KeyedUsers for OnPremUsers {
    fn len(&self) -> usize {
        OnPremUsers::len(self)
    }
    fn keys(&self, position: usize) -> UserKeys<'_> {
        let user = self.get(position);
        UserKeys {
            upn: fold_cow(user.upn()),
            smtp: user.primary_smtp().unwrap_or_default(),
            raw_upn: user.upn(),
            mail: user.mail(),
        }
    }
    fn upn_key(&self, position: usize) -> Cow<'_, str> {
        fold_cow(self.get(position).upn())
    }
    fn smtp_key(&self, position: usize) -> Cow<'_, str> {
        self.get(position).primary_smtp().unwrap_or_default()
    }
}

impl KeyedUsers for CloudUsers {
    fn len(&self) -> usize {
        CloudUsers::len(self)
    }
    fn keys(&self, position: usize) -> UserKeys<'_> {
        let user = self.get(position);
        UserKeys {
            upn: fold_cow(user.upn()),
            smtp: user.primary_smtp().unwrap_or_default(),
            raw_upn: user.upn(),
            mail: Some(user.mail()),
        }
    }
    fn upn_key(&self, position: usize) -> Cow<'_, str> {
        fold_cow(self.get(position).upn())
    }
    fn smtp_key(&self, position: usize) -> Cow<'_, str> {
        self.get(position).primary_smtp().unwrap_or_default()
    }
}

/// A user's keys hashed ([`hash32`]), with what the findings need of their texts: made once for
/// each side, by whoever holds it, so that numbering the keys and looking them up later read a
/// key's text only where its hash is in question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyHashes {
    upn: u32,
    smtp: u32,
    flags: u8,
}

impl KeyHashes {
    /// The user has a UPN key.
    const UPN: u8 = 1;
    /// The user has a primary SMTP key that is not its UPN key.
    const OWN_SMTP: u8 = 2;
    /// Its primary SMTP key is its UPN key (one number for both: most users).
    const SMTP_IS_UPN: u8 = 4;
    /// [`KeyNumbers::upn_as_is`].
    const UPN_AS_IS: u8 = 8;
    /// [`KeyNumbers::mail_is_smtp`].
    const MAIL_IS_SMTP: u8 = 16;

    pub(crate) fn new(keys: &UserKeys) -> KeyHashes {
        let UserKeys { upn, smtp, raw_upn, mail } = keys;
        let flag = |set: bool, flag: u8| if set { flag } else { 0 };
        let smtp_is_upn = smtp == upn;
        let mail_is_smtp = !smtp.is_empty() && mail.is_some_and(|m| m.trim() == smtp);
        let flags = flag(!upn.is_empty(), Self::UPN)
            | flag(!smtp_is_upn && !smtp.is_empty(), Self::OWN_SMTP)
            | flag(smtp_is_upn, Self::SMTP_IS_UPN)
            | flag(**upn == **raw_upn, Self::UPN_AS_IS)
            | flag(mail_is_smtp, Self::MAIL_IS_SMTP);
        let smtp = if flags & Self::OWN_SMTP != 0 { hash32(&**smtp) } else { 0 };
        let upn = if flags & Self::UPN != 0 { hash32(&**upn) } else { 0 };
        KeyHashes { upn, smtp, flags }
    }

    /// The hashes of a side's users, in order.
    pub(crate) fn of_side(users: &impl KeyedUsers) -> Vec<KeyHashes> {
        (0..users.len()).map(|position| KeyHashes::new(&users.keys(position))).collect()
    }

    /// The UPN key's hash, if the user has one.
    pub(crate) fn upn(self) -> Option<u32> {
        (self.flags & Self::UPN != 0).then_some(self.upn)
    }

    /// The primary SMTP key's hash, if the user has one besides its UPN key.
    pub(crate) fn own_smtp(self) -> Option<u32> {
        (self.flags & Self::OWN_SMTP != 0).then_some(self.smtp)
    }

    /// The user's numbers, from those of its UPN key and of its own SMTP key (when it has
    /// one: [`KeyHashes::own_smtp`]).
    pub(crate) fn numbers(self, upn: u32, own_smtp: u32) -> KeyNumbers {
        let smtp = match self.flags {
            f if f & Self::SMTP_IS_UPN != 0 => upn,
            f if f & Self::OWN_SMTP != 0 => own_smtp,
            _ => NO_KEY,
        };
        KeyNumbers {
            upn,
            smtp,
            upn_shared: false,
            smtp_shared: false,
            upn_as_is: self.flags & Self::UPN_AS_IS != 0,
            mail_is_smtp: self.flags & Self::MAIL_IS_SMTP != 0,
        }
    }
}

/// A user's keys as [`Interner`] numbers, and whether another user of its side holds each:
/// most are held by one user, whose checks then need not walk [`Holders`].
///
/// Two users with the same number whose values are their keys as they are (`upn_as_is`,
/// `mail_is_smtp`) have the same values, byte for byte: the findings on a join can tell that
/// the UPN and mail stay without reading either user's text (a cache miss each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyNumbers {
    pub(crate) upn: u32,
    pub(crate) smtp: u32,
    pub(crate) upn_shared: bool,
    pub(crate) smtp_shared: bool,
    /// The UPN is its key: folding it changed nothing.
    pub(crate) upn_as_is: bool,
    /// The trimmed `mail` is the primary SMTP key (not empty).
    pub(crate) mail_is_smtp: bool,
}

/// One side's keys: each user's hashes and numbers, and who holds each number.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SideKeys {
    pub(crate) hashes: Vec<KeyHashes>,
    pub(crate) numbers: Vec<KeyNumbers>,
    pub(crate) upn_holders: Holders,
    pub(crate) smtp_holders: Holders,
}

impl SideKeys {
    pub(crate) fn new(
        hashes: Vec<KeyHashes>,
        mut numbers: Vec<KeyNumbers>,
        count: usize,
    ) -> SideKeys {
        let upn_holders = Holders::new(numbers.iter().map(|n| n.upn), count);
        let smtp_holders = Holders::new(numbers.iter().map(|n| n.smtp), count);
        for (position, n) in numbers.iter_mut().enumerate() {
            n.upn_shared = upn_holders.shared(n.upn, position as u32);
            n.smtp_shared = smtp_holders.shared(n.smtp, position as u32);
        }
        SideKeys { hashes, numbers, upn_holders, smtp_holders }
    }

    pub(crate) fn holders(&self, by: SoftMatchKey) -> &Holders {
        match by {
            SoftMatchKey::PrimarySmtp => &self.smtp_holders,
            SoftMatchKey::Upn => &self.upn_holders,
        }
    }
}

impl KeyNumbers {
    pub(crate) fn get(self, by: SoftMatchKey) -> u32 {
        match by {
            SoftMatchKey::PrimarySmtp => self.smtp,
            SoftMatchKey::Upn => self.upn,
        }
    }
}

/// The positions of the users holding each key number, in file order: a list per number,
/// threaded through one array of positions (no allocation per key).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Holders {
    first: Vec<u32>,
    next: Vec<u32>,
}

impl Holders {
    pub(crate) fn new(
        numbers: impl DoubleEndedIterator<Item = u32> + ExactSizeIterator,
        count: usize,
    ) -> Self {
        let mut holders =
            Holders { first: vec![NO_USER; count], next: vec![NO_USER; numbers.len()] };
        // Threading from the last position makes each list run in file order.
        for (position, number) in numbers.enumerate().rev() {
            if number != NO_KEY {
                holders.next[position] = holders.first[number as usize];
                holders.first[number as usize] = position as u32;
            }
        }
        holders
    }

    /// Whether someone besides the user at `position` holds its `number`.
    pub(crate) fn shared(&self, number: u32, position: u32) -> bool {
        number != NO_KEY
            && (self.first[number as usize] != position || self.next[position as usize] != NO_USER)
    }

    /// Whether the user at `position` is the first of several holding `number`.
    pub(crate) fn first_of_several(&self, number: u32, position: u32) -> bool {
        // `next` first: callers go through the positions in order, so it is read in order, and
        // most users have no next, which spares a look into `first` by number.
        self.next.get(position as usize).is_some_and(|&next| next != NO_USER)
            && self.first.get(number as usize) == Some(&position)
    }

    /// The users holding `number`, in file order.
    pub(crate) fn of(&self, number: u32) -> impl Iterator<Item = u32> + '_ {
        let mut at = self.first.get(number as usize).copied().unwrap_or(NO_USER);
        std::iter::from_fn(move || {
            let position = at;
            (position != NO_USER).then(|| {
                at = self.next[position as usize];
                position
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::ops::Not;

    use super::super::partition::key_work;
    use super::*;
    use crate::engine::anchor::AnchorClass;
    use crate::engine::users::test_users::{
        cloud_table, onprem_table, TestCloudUser, TestOnPremUser,
    };

    #[test]
    fn holders_list_each_key_in_file_order() {
        let holders = Holders::new([1, 2, 1, NO_KEY, 1].into_iter(), 3);
        let of = |number| holders.of(number).collect::<Vec<u32>>();
        assert_eq!(of(1), [0, 2, 4]);
        assert_eq!(of(2), [1]);
        assert!(of(NO_KEY).is_empty());
        assert!(of(7).is_empty(), "a number nobody on this side holds");
        assert!(holders.shared(1, 0) && holders.shared(1, 4));
        assert!(!holders.shared(2, 1) && !holders.shared(NO_KEY, 3));
        assert!(holders.first_of_several(1, 0) && !holders.first_of_several(1, 2));
        assert!(!holders.first_of_several(2, 1) && !holders.first_of_several(NO_KEY, 3));
    }

    #[test]
    fn keys_are_numbered_folded_across_sides() {
        let jane = |upn: &str, mail: &str| TestCloudUser {
            upn: upn.into(),
            mail: mail.into(),
            ..TestCloudUser::default()
        };
        let onprem = [TestOnPremUser {
            upn: "Jane@Contoso.com ".into(),
            proxy_addresses: vec!["SMTP:jane.doe@contoso.com".into()],
            ..TestOnPremUser::default()
        }];
        let cloud = [jane("jane@contoso.com", "JANE.DOE@contoso.com"), jane("", "")];
        let (onprem, cloud) = (onprem_table(&onprem), cloud_table(&cloud));
        let work =
            key_work((&onprem, &cloud), &vec![AnchorClass::Empty; 2], &Default::default(), 1);
        let (onprem_numbers, cloud_numbers) = (work.onprem_keys.numbers, work.cloud_keys.numbers);
        assert_eq!(work.cloud_keys.upn_holders.first.len(), 3, "two keys and the empty one");
        assert_eq!(onprem_numbers[0].upn, cloud_numbers[0].upn);
        assert_eq!(onprem_numbers[0].smtp, cloud_numbers[0].smtp);
        assert_ne!(onprem_numbers[0].upn, onprem_numbers[0].smtp);
        assert!(!onprem_numbers[0].upn_as_is && cloud_numbers[0].upn_as_is);
        assert!(onprem_numbers[0].mail_is_smtp.not() && cloud_numbers[0].mail_is_smtp.not());
        assert_eq!((cloud_numbers[1].upn, cloud_numbers[1].smtp), (NO_KEY, NO_KEY));
    }

    #[test]
    fn interner_keeps_its_numbers_as_it_grows() {
        let keys: Vec<String> = (0..1000).map(|n| format!("user{n}@contoso.com")).collect();
        let mut interner = Interner::with_capacity(0);
        let numbers: Vec<u32> = keys.iter().map(|k| interner.number(Cow::Borrowed(k))).collect();
        assert_eq!(numbers, (1..=1000).collect::<Vec<u32>>());
        assert_eq!(interner.len(), 1001);
        assert!(interner.slots.slot_count() >= 1000 * 4 / 3, "grown to keep a quarter free");
        for (key, &number) in keys.iter().zip(&numbers) {
            assert_eq!(interner.number(Cow::Borrowed(key)), number);
            assert_eq!(interner.get(key), Some(number));
        }
        assert_eq!(interner.get("user1000@contoso.com"), None);
        assert_eq!(interner.number(Cow::Borrowed("")), NO_KEY);
    }

    #[test]
    fn batched_numbers_are_those_of_numbering_key_after_key() {
        // More keys than a batch, repeated within and across batches.
        let keys: Vec<String> = (0..100).map(|n| format!("u{}@contoso.com", n % 37)).collect();
        let hashed = keys.iter().map(|key| (Cow::Borrowed(key.as_str()), hash32(key.as_str())));
        let mut batched = Interner::with_capacity(0);
        let numbers = batched.numbers(hashed);
        let mut one_by_one = Interner::with_capacity(0);
        for (key, &number) in keys.iter().zip(&numbers) {
            assert_eq!(one_by_one.number(Cow::Borrowed(key)), number);
        }
        assert_eq!(batched.len(), one_by_one.len());
        assert_eq!(batched.len(), 38);
    }

    #[test]
    fn hashes_tell_which_keys_a_user_has() {
        let user = |upn: &str, smtp: &str, mail: Option<&str>| {
            let onprem = [TestOnPremUser {
                upn: upn.into(),
                mail: mail.map(String::from),
                proxy_addresses: vec![format!("SMTP:{smtp}")],
                ..TestOnPremUser::default()
            }];
            KeyHashes::of_side(&onprem_table(&onprem))[0]
        };
        let same = user("a@x.com", "a@x.com", Some("a@x.com"));
        assert_eq!((same.upn(), same.own_smtp()), (Some(hash32("a@x.com")), None));
        let numbers = same.numbers(5, 9);
        assert_eq!(
            (numbers.upn, numbers.smtp, numbers.upn_as_is, numbers.mail_is_smtp),
            (5, 5, true, true)
        );
        let own = user("A@x.com", "b@x.com", Some("c@x.com"));
        assert_eq!((own.upn(), own.own_smtp()), (Some(hash32("a@x.com")), Some(hash32("b@x.com"))));
        let numbers = own.numbers(5, 9);
        assert_eq!(
            (numbers.upn, numbers.smtp, numbers.upn_as_is, numbers.mail_is_smtp),
            (5, 9, false, false)
        );
        let no_upn = user("", "b@x.com", None);
        assert_eq!((no_upn.upn(), no_upn.own_smtp()), (None, Some(hash32("b@x.com"))));
        assert_eq!(no_upn.numbers(NO_KEY, 9).upn, NO_KEY);
    }
}
