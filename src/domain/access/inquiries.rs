//! Who handles inquiries (leads): they hold personal data, so every decision follows whom an
//! inquiry is routed to. Part of `access`, whose rules and tests it shares.

use super::{lacks, Denied, Principal, Role, Scope};

/// Which inquiries (leads) a caller reads: they hold personal data, so only the people they
/// are routed to. An inquiry about plots is routed to the plots' municipality, a requirement
/// profile to the region's admins (`routed_to` = `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InquiryScope {
    /// Every inquiry (admins).
    Region,
    /// Those routed to these municipalities (an editor's own); never a profile.
    Municipalities(Vec<i64>),
}

impl InquiryScope {
    pub fn covers(&self, routed_to: Option<i64>) -> bool {
        match (self, routed_to) {
            (InquiryScope::Region, _) => true,
            (InquiryScope::Municipalities(own), Some(m)) => own.contains(&m),
            (InquiryScope::Municipalities(_), None) => false,
        }
    }
}

/// Something done with inquiries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InquiryAction {
    /// Send one (`POST /inquiries`): anyone, no account.
    Submit,
    /// List and read those routed to the caller (their matches too).
    Read,
    /// Move one routed to `routed_to` along the pipeline, assign it, note on it, mail its
    /// shortlist.
    Change { routed_to: Option<i64> },
    /// Export or erase one person's data across all inquiries (data-protection requests).
    Privacy,
}

/// Whether `caller` may do `action` with inquiries. Viewers read the region's plots, not its
/// leads: inquiries are personal data, seen only by those who answer them.
pub fn authorize_inquiry(caller: Option<&Principal>, action: InquiryAction) -> Result<(), Denied> {
    let role = caller.map(|p| p.role);
    let may = |scope: Scope| caller.is_some_and(|p| p.may(scope));
    match (role, action) {
        (_, InquiryAction::Submit) => Ok(()),
        (None, _) => Err(Denied::Unauthenticated),
        (Some(Role::Viewer), _) => Err(Denied::Forbidden(
            "viewers do not read inquiries: they hold personal data".into(),
        )),
        (Some(Role::Admin | Role::Editor), InquiryAction::Read) if !may(Scope::Read) => {
            Err(lacks(Scope::Read))
        }
        (Some(Role::Admin | Role::Editor), InquiryAction::Read) => Ok(()),
        (Some(Role::Admin | Role::Editor), InquiryAction::Change { .. }) if !may(Scope::Write) => {
            Err(lacks(Scope::Write))
        }
        (Some(Role::Admin), InquiryAction::Change { .. }) => Ok(()),
        (Some(Role::Editor), InquiryAction::Change { routed_to }) => {
            let own = caller.map(|p| p.municipalities.clone()).unwrap_or_default();
            if InquiryScope::Municipalities(own).covers(routed_to) {
                Ok(())
            } else {
                Err(Denied::Forbidden(
                    "this inquiry is not routed to your municipalities".into(),
                ))
            }
        }
        (Some(Role::Editor), InquiryAction::Privacy) => Err(Denied::Forbidden(
            "only an admin exports or erases a person's data".into(),
        )),
        (Some(Role::Admin), InquiryAction::Privacy) if !may(Scope::Admin) => {
            Err(lacks(Scope::Admin))
        }
        (Some(Role::Admin), InquiryAction::Privacy) => Ok(()),
    }
}

/// The inquiries `caller` reads (after `authorize_inquiry(Read)`).
pub fn inquiry_scope(caller: Option<&Principal>) -> Result<InquiryScope, Denied> {
    authorize_inquiry(caller, InquiryAction::Read)?;
    match caller.map(|p| (p.role, p)) {
        Some((Role::Admin, _)) => Ok(InquiryScope::Region),
        Some((Role::Editor, p)) => Ok(InquiryScope::Municipalities(p.municipalities.clone())),
        Some((Role::Viewer, _)) | None => Err(Denied::Forbidden(
            "viewers do not read inquiries: they hold personal data".into(),
        )),
    }
}

/// Whether an account with `role` (and these `municipalities`) may be assigned an inquiry
/// routed to `routed_to`: only someone who can read it.
pub fn may_be_assigned(role: Role, municipalities: &[i64], routed_to: Option<i64>) -> bool {
    match role {
        Role::Admin => true,
        Role::Editor => InquiryScope::Municipalities(municipalities.to_vec()).covers(routed_to),
        Role::Viewer => false,
    }
}

/// Who is told of a new inquiry routed to `routed_to`: the editors of that municipality, or,
/// for a profile or a town without editors, the admins.
pub fn notified(
    role: Role,
    municipalities: &[i64],
    routed_to: Option<i64>,
    town_has_editors: bool,
) -> bool {
    match (role, routed_to) {
        (Role::Editor, Some(m)) => municipalities.contains(&m),
        (Role::Editor, None) | (Role::Viewer, _) => false,
        (Role::Admin, None) => true,
        (Role::Admin, Some(_)) => !town_has_editors,
    }
}
