//! Who may make and read shortlists: everyone, with or without an account. A shortlist is a
//! public link (a visitor passes it on, a kiosk prints it as a QR code), so what it shows is
//! what the public reads, whoever made it or opens it: only published plots go in, public
//! fields come out, and a plot unpublished since is "no longer available" for staff too.
//! Part of `access`, whose rules and tests it shares.

use super::{Denied, Principal, ReadScope};

/// Something done with shortlists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortlistAction {
    /// Make one (`POST /shortlists`), rate limited per client address.
    Create,
    /// Read one by its code (JSON, the page, the QR code). The code is the permission.
    Read,
}

/// Whether `caller` may do `action` with shortlists.
pub fn authorize_shortlist(
    caller: Option<&Principal>,
    action: ShortlistAction,
) -> Result<(), Denied> {
    match (caller, action) {
        (_, ShortlistAction::Create | ShortlistAction::Read) => Ok(()),
    }
}

/// The plots a shortlist holds and shows, whoever asks: published ones, public fields. An
/// editor's draft in a shared link would leak it to everyone the link reaches.
pub fn shortlist_scope(_caller: Option<&Principal>) -> ReadScope {
    ReadScope::Public
}
