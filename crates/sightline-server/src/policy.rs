//! Who may create or change what, as one rule over *reaches*.
//!
//! Every identity has a reach: the role it acts with and the sites it acts on.
//! - A user with the admin role reaches (admin, every site); any other user (their role, their member sites).
//! - An API token reaches (the lower of its role and its owner's role, its owner's sites narrowed to the
//!   token's site); a token without an owner (made with the CLI) reaches (its role, its site or every site).
//!
//! A caller may create or change something only if the reach that results is covered by its own: role not
//! above the caller's and sites a subset of the caller's ([`Reach::covers`]). Since the admin role reaches every
//! site, only an admin of every site can make an admin or a site. Handlers state the resulting reach and call
//! [`authorize`]; they make no other access decision of their own beyond the role an operation needs.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use sightline_store::{MetaStore, Role, TokenInfo, User};

use crate::auth::{Access, SiteScope};
use crate::error::ApiError;

/// The role an identity acts with and the sites it acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub role: Role,
    pub scope: SiteScope,
}

impl Reach {
    /// An admin of every site: what creating a site or an admin needs.
    pub fn everything() -> Reach {
        Reach {
            role: Role::Admin,
            scope: SiteScope::All,
        }
    }

    /// A user who has `role` and is a member of `sites` (admins reach every site whatever their memberships).
    pub fn of_member(role: Role, sites: &[i64]) -> Reach {
        if role == Role::Admin {
            return Reach::everything();
        }
        Reach {
            role,
            scope: SiteScope::only(sites.iter().copied()),
        }
    }

    /// A user's reach now. Blocking.
    pub fn of_user(meta: &dyn MetaStore, user: &User) -> Result<Reach, ApiError> {
        if user.role == Role::Admin {
            return Ok(Reach::everything());
        }
        Ok(Reach::of_member(user.role, &meta.member_sites(user.id)?))
    }

    /// A token's reach now: capped by its owner's (looked up in `meta`), narrowed to its site. Blocking.
    pub fn of_token(
        meta: &dyn MetaStore,
        token: &TokenInfo,
        owner: Option<&User>,
    ) -> Result<Reach, ApiError> {
        let owner_reach = match owner {
            Some(user) => Reach::of_user(meta, user)?,
            None => Reach::everything(),
        };
        Ok(owner_reach.narrowed(token.role, token.site_id))
    }

    /// This reach capped at `role` and, given a site, limited to it.
    pub fn narrowed(&self, role: Role, site: Option<i64>) -> Reach {
        let scope = match site {
            None => self.scope.clone(),
            Some(site) => self.scope.intersect(site),
        };
        Reach {
            role: self.role.min(role),
            scope,
        }
    }

    /// True when everything `other` may do, this may do too.
    pub fn covers(&self, other: &Reach) -> bool {
        self.role >= other.role && self.scope.contains(&other.scope)
    }

    fn describe(&self) -> String {
        let sites = match &self.scope {
            SiteScope::All => "every site".to_string(),
            SiteScope::Only(ids) if ids.is_empty() => "no site".to_string(),
            SiteScope::Only(ids) => format!(
                "site{} {}",
                if ids.len() == 1 { "" } else { "s" },
                ids.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        format!("{} of {sites}", self.role.as_str())
    }
}

impl SiteScope {
    /// A normalized `Only` (sorted, without duplicates), so equal scopes compare equal.
    pub fn only(sites: impl IntoIterator<Item = i64>) -> SiteScope {
        SiteScope::Only(
            sites
                .into_iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        )
    }

    fn intersect(&self, site: i64) -> SiteScope {
        match self {
            SiteScope::All => SiteScope::Only(vec![site]),
            SiteScope::Only(ids) => {
                SiteScope::Only(ids.iter().copied().filter(|id| *id == site).collect())
            }
        }
    }

    /// True when every site of `other` is in this scope.
    pub fn contains(&self, other: &SiteScope) -> bool {
        match (self, other) {
            (SiteScope::All, _) => true,
            (SiteScope::Only(_), SiteScope::All) => false,
            (SiteScope::Only(mine), SiteScope::Only(theirs)) => {
                theirs.iter().all(|id| mine.contains(id))
            }
        }
    }
}

impl Access {
    pub fn reach(&self) -> Reach {
        Reach {
            role: self.role,
            scope: self.scope.clone(),
        }
    }
}

/// The one access rule: `caller` may bring about `result` (for `action`, e.g. "creating this user") only if its
/// own reach covers it; otherwise 403 naming both.
pub fn authorize(caller: &Access, result: &Reach, action: &str) -> Result<(), ApiError> {
    let own = caller.reach();
    if own.covers(result) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "exceeds_access",
        format!(
            "{action} would grant {}, beyond your own access ({})",
            result.describe(),
            own.describe()
        ),
    ))
}

/// Users a caller may see and manage: everyone for callers of every site; otherwise the members of a site in
/// the caller's scope (so a site admin sees the people of its sites, not everyone on the server). Blocking.
pub fn visible_users(meta: &dyn MetaStore, caller: &Access) -> Result<Vec<User>, ApiError> {
    let users = meta.list_users()?;
    let SiteScope::Only(sites) = &caller.scope else {
        return Ok(users);
    };
    let mut members = BTreeSet::new();
    for site in sites {
        members.extend(meta.members(*site)?.into_iter().map(|m| m.user_id));
    }
    Ok(users
        .into_iter()
        .filter(|u| members.contains(&u.id))
        .collect())
}

/// Tokens a caller may see and revoke: those whose reach it covers, and for non-admins only their own. Blocking.
pub fn visible_tokens(meta: &dyn MetaStore, caller: &Access) -> Result<Vec<TokenInfo>, ApiError> {
    let owner_filter = if caller.role == Role::Admin {
        None
    } else {
        match &caller.user {
            Some(user) => Some(user.id),
            None => return Ok(Vec::new()),
        }
    };
    let own = caller.reach();
    let mut visible = Vec::new();
    for token in meta.list_tokens(owner_filter)? {
        let owner = match token.user_id {
            Some(id) => match meta.user_by_id(id)? {
                Some(user) => Some(user),
                None => continue,
            },
            None => None,
        };
        if own.covers(&Reach::of_token(meta, &token, owner.as_ref())?) {
            visible.push(token);
        }
    }
    Ok(visible)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(role: Role, sites: &[i64]) -> Reach {
        Reach {
            role,
            scope: SiteScope::only(sites.iter().copied()),
        }
    }

    #[test]
    fn covering_needs_both_the_role_and_every_site() {
        let site_admin = reach(Role::Admin, &[1]);
        assert!(site_admin.covers(&reach(Role::Analyst, &[1])));
        assert!(site_admin.covers(&reach(Role::Admin, &[1])));
        assert!(site_admin.covers(&reach(Role::Viewer, &[])));
        assert!(!site_admin.covers(&reach(Role::Viewer, &[1, 2])));
        assert!(!site_admin.covers(&Reach::everything()));
        assert!(
            !site_admin.covers(&Reach::of_member(Role::Admin, &[1])),
            "an admin user reaches every site, so a site admin cannot make one"
        );
        let analyst_everywhere = Reach {
            role: Role::Analyst,
            scope: SiteScope::All,
        };
        assert!(analyst_everywhere.covers(&reach(Role::Analyst, &[1, 2, 3])));
        assert!(!analyst_everywhere.covers(&reach(Role::Admin, &[1])));
        assert!(Reach::everything().covers(&Reach::everything()));
    }

    #[test]
    fn tokens_are_capped_by_their_owner_and_narrowed_to_their_site() {
        let analyst_of_1_and_2 = reach(Role::Analyst, &[2, 1, 2]);
        assert_eq!(analyst_of_1_and_2.scope, SiteScope::Only(vec![1, 2]));
        assert_eq!(
            analyst_of_1_and_2.narrowed(Role::Admin, Some(2)),
            reach(Role::Analyst, &[2])
        );
        assert_eq!(
            analyst_of_1_and_2.narrowed(Role::Viewer, Some(3)),
            reach(Role::Viewer, &[]),
            "a site the owner cannot see gives nothing"
        );
        assert_eq!(
            Reach::everything().narrowed(Role::Admin, Some(7)),
            reach(Role::Admin, &[7])
        );
        assert_eq!(
            Reach::everything().narrowed(Role::Viewer, None),
            Reach {
                role: Role::Viewer,
                scope: SiteScope::All
            }
        );
    }
}
