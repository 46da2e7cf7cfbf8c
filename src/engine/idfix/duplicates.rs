//! Values no two on-prem users may share, across the whole set and in any letter case (IdFix:
//! "no duplicates"): every proxyAddresses value, each user's mail counted as an SMTP address,
//! and mailNickname. A shared primary SMTP address is left to the join's own duplicate
//! finding.
//!
//! Each value is hashed folded and the (hash, user) pairs sorted, so that only the rare runs
//! of equal hashes are read again and compared as text.

use std::hash::Hasher;

use rustc_hash::{FxHashMap as HashMap, FxHasher};

use crate::engine::model::{fold_cow, RowRef};
use crate::engine::report::Finding;
use crate::engine::users::{OnPremUser, OnPremUsers};

/// A value a user holds: a proxyAddresses value, or its mail, which counts as an SMTP address.
#[derive(Clone, Copy)]
enum Held<'a> {
    Proxy(&'a str),
    Mail(&'a str),
}

impl Held<'_> {
    /// Writes the value's key into `key`: `smtp:` and the folded address for SMTP addresses
    /// (primary or not, and mail), else the folded value. One buffer serves every value, so
    /// the pass over a million users allocates nothing per value.
    fn write_key(self, key: &mut String) {
        key.clear();
        let folded = match self {
            Held::Mail(address) => {
                key.push_str("smtp:");
                fold_cow(address)
            }
            Held::Proxy(value) => match value.split_once(':') {
                Some((kind, address)) if kind.eq_ignore_ascii_case("smtp") => {
                    key.push_str("smtp:");
                    fold_cow(address)
                }
                _ => fold_cow(value),
            },
        };
        key.push_str(&folded);
    }

    /// The value as the report shows it.
    fn shown(self) -> String {
        match self {
            Held::Mail(address) => format!("smtp:{address}"),
            Held::Proxy(value) => value.to_string(),
        }
    }
}

fn hash(key: &str) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write(key.as_bytes());
    hasher.finish()
}

/// A user's address values; mail only where no SMTP proxy address is the same (most often
/// it is the primary one), which spares sorting it twice.
fn addresses(p: OnPremUser<'_>) -> impl Iterator<Item = Held<'_>> {
    let is_proxy = |mail: &str| {
        p.proxy_addresses().any(|a| {
            a.split_once(':').is_some_and(|(kind, address)| {
                kind.eq_ignore_ascii_case("smtp") && address.eq_ignore_ascii_case(mail)
            })
        })
    };
    let mail = p.mail().filter(|m| !m.is_empty() && !is_proxy(m)).map(Held::Mail);
    p.proxy_addresses().filter(|a| !a.trim().is_empty()).map(Held::Proxy).chain(mail)
}

/// The shared-value findings, by on-prem user index.
pub fn shared_values(users: &OnPremUsers, out: &mut HashMap<u32, Vec<Finding>>) {
    // Without proxy addresses the only address is mail, whose duplicates the join reports.
    if users.iter().any(|p| p.proxy_addresses().len() > 0) {
        let packing = Packing::new(users.len());
        let mut key = String::new();
        let mut packed = Vec::with_capacity(users.len() * 2);
        for (i, p) in users.iter().enumerate() {
            for held in addresses(p) {
                held.write_key(&mut key);
                packed.push(packing.pack(hash(&key), i as u32));
            }
        }
        let keyed = |p: OnPremUser<'_>| -> Vec<(String, String)> {
            let mut key = String::new();
            addresses(p)
                .map(|held| {
                    held.write_key(&mut key);
                    (key.clone(), held.shown())
                })
                .collect()
        };
        let primary = |p: OnPremUser<'_>| {
            let mut key = String::new();
            p.primary_smtp().map(|s| {
                Held::Mail(&s).write_key(&mut key);
                key
            })
        };
        for (user, key, value, others) in shared(users, packing, packed, keyed) {
            let is_primary = |u: u32| primary(users.get(u as usize)).as_ref() == Some(&key);
            // Every holder's primary address: the join's duplicate finding tells it.
            if !(is_primary(user) && others.iter().all(|&(o, _)| is_primary(o))) {
                let others = others.into_iter().map(|(_, at)| at).collect();
                out.entry(user)
                    .or_default()
                    .push(Finding::DuplicateProxyAddress { address: value, others });
            }
        }
    }
    if users.iter().any(|p| !p.mail_nickname().is_empty()) {
        let packing = Packing::new(users.len());
        let packed = users
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.mail_nickname().is_empty())
            .map(|(i, p)| packing.pack(hash(&fold_cow(p.mail_nickname())), i as u32))
            .collect();
        let keyed = |p: OnPremUser<'_>| {
            let nickname = p.mail_nickname();
            match nickname.is_empty() {
                true => vec![],
                false => vec![(fold_cow(nickname).into_owned(), nickname.to_string())],
            }
        };
        for (user, _, value, others) in shared(users, packing, packed, keyed) {
            let others = others.into_iter().map(|(_, at)| at).collect();
            out.entry(user).or_default().push(Finding::DuplicateMailNickname { value, others });
        }
    }
}

/// A value's hash and its holder's index in one `u64`, the index in the low bits: sorting
/// 8-byte words is about twice as fast as sorting pairs, and a hash cut to 40 bits still
/// collides rarely (every collision is compared as text).
#[derive(Clone, Copy)]
struct Packing {
    user_bits: u32,
}

impl Packing {
    fn new(users: usize) -> Packing {
        Packing { user_bits: (usize::BITS - users.leading_zeros()).max(1) }
    }

    fn pack(self, hash: u64, user: u32) -> u64 {
        (hash << self.user_bits) | u64::from(user)
    }

    fn hash(self, packed: u64) -> u64 {
        packed >> self.user_bits
    }

    fn user(self, packed: u64) -> u32 {
        (packed & ((1 << self.user_bits) - 1)) as u32
    }
}

/// One holder of a shared value: its index, the value's key, the value as it holds it, and
/// the other holders with their rows.
type Shared = (u32, String, String, Vec<(u32, RowRef)>);

/// Each holder of a value that users share. `values` gives
/// a user's (key, value as written) pairs, read again only for users in a run of equal hashes.
fn shared<'u>(
    users: &'u OnPremUsers,
    packing: Packing,
    mut packed: Vec<u64>,
    values: impl Fn(OnPremUser<'u>) -> Vec<(String, String)>,
) -> Vec<Shared> {
    packed.sort_unstable();
    packed.dedup();
    let mut found = Vec::new();
    let mut start = 0;
    while start < packed.len() {
        let hash = packing.hash(packed[start]);
        let end = start + packed[start..].iter().take_while(|&&p| packing.hash(p) == hash).count();
        if end - start > 1 {
            // The run's holders, each with its values of this hash, grouped by exact key.
            let mut by_key: HashMap<String, Vec<(u32, String)>> = HashMap::default();
            for &p in &packed[start..end] {
                let user = packing.user(p);
                for (key, value) in values(users.get(user as usize)) {
                    if packing.hash(packing.pack(self::hash(&key), 0)) == hash {
                        let holders = by_key.entry(key).or_default();
                        if !holders.iter().any(|(u, _)| *u == user) {
                            holders.push((user, value));
                        }
                    }
                }
            }
            let mut groups: Vec<_> = by_key.into_iter().filter(|(_, h)| h.len() > 1).collect();
            groups.sort();
            for (key, holders) in groups {
                for (user, value) in &holders {
                    let others = holders
                        .iter()
                        .filter(|(o, _)| o != user)
                        .map(|&(o, _)| (o, users.get(o as usize).at()))
                        .collect();
                    found.push((*user, key.clone(), value.clone(), others));
                }
            }
        }
        start = end;
    }
    found
}
