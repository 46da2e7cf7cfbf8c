//! The role files' grants joined to the cloud users, by object id or UPN: who holds or is
//! eligible for which role, and the grants whose principal is no cloud user of the export.

use rustc_hash::FxHashMap as HashMap;
use uuid::Uuid;

use crate::engine::context::KnownRoles;
use crate::engine::model::fold_cow;
use crate::engine::report::{BlockCause, HeldRole};
use crate::engine::users::CloudUsers;

/// Each cloud user's roles, and the grants that joined no one.
#[derive(Default)]
pub(crate) struct CloudRoles {
    /// The roles of each cloud user with any, in file order.
    held: HashMap<u32, Vec<HeldRole>>,
    /// The grants (indices into [`KnownRoles::grants`]) whose principal is no cloud user.
    pub(crate) unmatched: Vec<u32>,
}

impl CloudRoles {
    /// Joins the grants to the cloud users. A role file is hundreds of rows, so its grants are
    /// indexed and the cloud users streamed past them, reading only the keys the files use.
    pub(crate) fn new(roles: Option<&KnownRoles>, cloud: &CloudUsers) -> CloudRoles {
        let Some(roles) = roles else { return CloudRoles::default() };
        let mut by_id: HashMap<Uuid, Vec<u32>> = HashMap::default();
        let mut by_upn: HashMap<String, Vec<u32>> = HashMap::default();
        for (g, grant) in roles.grants.iter().enumerate() {
            if let Some(id) = grant.object_id {
                by_id.entry(id).or_default().push(g as u32);
            }
            if let Some(upn) = grant.upn.as_deref().map(fold_cow).filter(|u| !u.is_empty()) {
                by_upn.entry(upn.into_owned()).or_default().push(g as u32);
            }
        }
        let mut joined = vec![false; roles.grants.len()];
        let mut held: HashMap<u32, Vec<HeldRole>> = HashMap::default();
        for (c, user) in cloud.iter().enumerate() {
            let by_object_id = match by_id.is_empty() {
                true => None,
                false => {
                    Uuid::try_parse(user.object_id().trim()).ok().and_then(|id| by_id.get(&id))
                }
            };
            let by_name = match by_upn.is_empty() {
                true => None,
                false => by_upn.get(&*fold_cow(user.upn())),
            };
            let mut grants: Vec<u32> =
                by_object_id.into_iter().chain(by_name).flatten().copied().collect();
            if grants.is_empty() {
                continue;
            }
            grants.sort_unstable();
            grants.dedup();
            let roles_of = held.entry(c as u32).or_default();
            for g in grants {
                joined[g as usize] = true;
                let grant = &roles.grants[g as usize];
                let role = HeldRole {
                    name: grant.role.clone(),
                    privileged: grant.privileged,
                    eligible: grant.eligible,
                };
                if !roles_of.contains(&role) {
                    roles_of.push(role);
                }
            }
        }
        let unmatched = (0..roles.grants.len() as u32).filter(|&g| !joined[g as usize]).collect();
        CloudRoles { held, unmatched }
    }

    /// The roles cloud user `c` holds or is eligible for.
    pub(crate) fn of(&self, c: u32) -> Option<&[HeldRole]> {
        self.held.get(&c).map(Vec::as_slice)
    }

    /// Why a hard match to cloud user `c` is blocked by its roles: a privileged role held, else
    /// one it is eligible for.
    pub(crate) fn blocks_hard_match(&self, c: u32) -> Option<BlockCause> {
        let roles = self.of(c)?;
        let privileged =
            |eligible: bool| roles.iter().any(|r| r.privileged && r.eligible == eligible);
        if privileged(false) {
            Some(BlockCause::PrivilegedRole)
        } else if privileged(true) {
            Some(BlockCause::PrivilegedEligibility)
        } else {
            None
        }
    }

    /// Whether soft match refuses cloud user `c`: it holds an admin role, of any kind.
    pub(crate) fn blocks_soft_match(&self, c: u32) -> bool {
        self.held.contains_key(&c)
    }
}
