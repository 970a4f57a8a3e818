//! Who does what with saved searches (alerts). Part of `access`, whose rules and tests it
//! shares.
//!
//! Anyone saves a search, no account needed; the secret token of a subscription is the only
//! credential to read its feed, confirm, manage or unsubscribe it (whoever holds the link).
//! Staff see counts only, never an address or a search: the subscribers are members of the
//! public, not leads.

use super::{lacks, Denied, Principal, Scope};

/// Something done with saved searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertAction {
    /// Save a search (`POST /saved-searches`): anyone.
    Subscribe,
    /// Read the feed, confirm, manage or unsubscribe: whoever presents the subscription's
    /// token (checked by the API against the stored hash; the account plays no part).
    UseToken,
    /// The counts (`GET /monitoring/alerts`): staff whose token reads.
    Statistics,
}

/// Whether `caller` may do `action` with saved searches.
pub fn authorize_alert(caller: Option<&Principal>, action: AlertAction) -> Result<(), Denied> {
    match (caller, action) {
        (_, AlertAction::Subscribe | AlertAction::UseToken) => Ok(()),
        (None, AlertAction::Statistics) => Err(Denied::Unauthenticated),
        (Some(p), AlertAction::Statistics) if !p.may(Scope::Read) => Err(lacks(Scope::Read)),
        (Some(_), AlertAction::Statistics) => Ok(()),
    }
}
