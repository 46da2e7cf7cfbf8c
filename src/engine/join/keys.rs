//! The UPN and primary SMTP keys of both sides, numbered: each user's keys are folded, hashed
//! and compared as text once, and every join, group and clash after that compares numbers.

use std::borrow::Cow;

use super::slots::{hash32, Slots, BATCH};
use crate::engine::model::fold_cow;
use crate::engine::report::SoftMatchKey;
use crate::engine::users::{CloudUser, OnPremUser};

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

    /// The numbers of each user's keys.
    ///
    /// Users go in batches: the slots of a batch's keys, and the texts of those that may be
    /// there already, are read before any key is numbered. Those reads do not wait for each
    /// other, so the processor waits for a batch's at once, where numbering key after key
    /// waited for each in turn (at a million keys, each is a look far away in memory). The keys
    /// are numbered in the same order either way.
    pub(crate) fn numbers(&mut self, keys: impl Iterator<Item = UserKeys<'u>>) -> Vec<KeyNumbers> {
        let mut numbers = Vec::with_capacity(keys.size_hint().0);
        let mut keys = keys.map(HashedKeys::new);
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            batch.extend(keys.by_ref().take(BATCH));
            if batch.is_empty() {
                return numbers;
            }
            let read = batch.iter().fold(0, |read, k| {
                let smtp = k.smtp.map_or(0, |hash| self.read(&k.keys.smtp, hash));
                read ^ self.read(&k.keys.upn, k.upn) ^ smtp
            });
            // The reads are for their wait alone: `black_box` keeps the compiler from dropping
            // them as unused.
            std::hint::black_box(read);
            numbers.extend(batch.drain(..).map(|k| self.key_numbers(k)));
        }
    }

    pub(crate) fn key_numbers(&mut self, keys: HashedKeys<'u>) -> KeyNumbers {
        let HashedKeys {
            keys: UserKeys { upn, smtp, raw_upn, mail },
            upn: upn_hash,
            smtp: smtp_hash,
        } = keys;
        let upn_as_is = *upn == *raw_upn;
        let mail_is_smtp = !smtp.is_empty() && mail.is_some_and(|m| m.trim() == smtp);
        let upn = self.number_hashed(upn, upn_hash);
        let smtp = match smtp_hash {
            Some(hash) => self.number_hashed(smtp, hash),
            None => upn,
        };
        KeyNumbers { upn, smtp, upn_shared: false, smtp_shared: false, upn_as_is, mail_is_smtp }
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

/// A user's keys with their [`hash32`]es: `smtp` is `None` when the primary SMTP address is
/// the UPN (most are: one number for both, looked up once).
pub(crate) struct HashedKeys<'u> {
    keys: UserKeys<'u>,
    upn: u32,
    smtp: Option<u32>,
}

impl<'u> HashedKeys<'u> {
    pub(crate) fn new(keys: UserKeys<'u>) -> HashedKeys<'u> {
        let smtp = (keys.smtp != keys.upn).then(|| hash32(&*keys.smtp));
        HashedKeys { upn: hash32(&*keys.upn), smtp, keys }
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

impl<'a> OnPremUser<'a> {
    pub(crate) fn keys(self) -> UserKeys<'a> {
        UserKeys {
            upn: fold_cow(self.upn()),
            smtp: self.primary_smtp().unwrap_or_default(),
            raw_upn: self.upn(),
            mail: self.mail(),
        }
    }
}

impl<'a> CloudUser<'a> {
    pub(crate) fn keys(self) -> UserKeys<'a> {
        UserKeys {
            upn: fold_cow(self.upn()),
            smtp: self.primary_smtp().unwrap_or_default(),
            raw_upn: self.upn(),
            mail: Some(self.mail()),
        }
    }
}

/// A user's keys as [`Interner`] numbers, and whether another user of its side holds each:
/// most are held by one user, whose checks then need not walk [`Holders`].
///
/// Two users with the same number whose values are their keys as they are (`upn_as_is`,
/// `mail_is_smtp`) have the same values, byte for byte: the findings on a join can tell that
/// the UPN and mail stay without reading either user's text, far away in memory.
#[derive(Clone, Copy)]
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

/// One side's keys: each user's numbers, and who holds each number.
pub(crate) struct SideKeys {
    pub(crate) numbers: Vec<KeyNumbers>,
    pub(crate) upn_holders: Holders,
    pub(crate) smtp_holders: Holders,
}

impl SideKeys {
    pub(crate) fn new(mut numbers: Vec<KeyNumbers>, count: usize) -> SideKeys {
        let upn_holders = Holders::new(numbers.iter().map(|n| n.upn), count);
        let smtp_holders = Holders::new(numbers.iter().map(|n| n.smtp), count);
        for (position, n) in numbers.iter_mut().enumerate() {
            n.upn_shared = upn_holders.shared(n.upn, position as u32);
            n.smtp_shared = smtp_holders.shared(n.smtp, position as u32);
        }
        SideKeys { numbers, upn_holders, smtp_holders }
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
    use super::*;
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
        let mut interner = Interner::with_capacity(0);
        let (onprem, cloud) = (onprem_table(&onprem), cloud_table(&cloud));
        let onprem_numbers = interner.numbers(onprem.iter().map(OnPremUser::keys));
        let cloud_numbers = interner.numbers(cloud.iter().map(CloudUser::keys));
        assert_eq!(interner.len(), 3);
        assert_eq!(onprem_numbers[0].upn, cloud_numbers[0].upn);
        assert_eq!(onprem_numbers[0].smtp, cloud_numbers[0].smtp);
        assert_ne!(onprem_numbers[0].upn, onprem_numbers[0].smtp);
        assert_eq!((cloud_numbers[1].upn, cloud_numbers[1].smtp), (NO_KEY, NO_KEY));
        assert_eq!(interner.get("jane@contoso.com"), Some(cloud_numbers[0].upn));
        assert_eq!(interner.get(""), None);
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
        // More users than a batch, with keys repeated within and across batches.
        let users: Vec<TestCloudUser> = (0..100)
            .map(|n| TestCloudUser {
                upn: format!("U{}@contoso.com", n % 37),
                mail: if n % 3 == 0 { String::new() } else { format!("m{}@x.com", n % 11) },
                ..TestCloudUser::default()
            })
            .collect();
        let mut batched = Interner::with_capacity(0);
        let users = cloud_table(&users);
        let numbers = batched.numbers(users.iter().map(CloudUser::keys));
        let mut one_by_one = Interner::with_capacity(0);
        for (user, numbers) in users.iter().zip(&numbers) {
            let keys = user.keys();
            assert_eq!(one_by_one.number(keys.upn), numbers.upn);
            assert_eq!(one_by_one.number(keys.smtp), numbers.smtp);
        }
        assert_eq!(batched.len(), one_by_one.len());
    }
}
