//! Who may do what. Every authorisation decision of the service is made here, from the caller's
//! role and municipalities and the plot's municipality; handlers and the importer only ask.
//!
//! The rules:
//! - anonymous callers read published plots and their public fields, and write nothing;
//! - a `viewer` reads everything of the region (drafts, internal fields) and writes nothing;
//! - an `editor` reads everything of their own municipalities, and elsewhere what the public
//!   reads; creates, changes, publishes and deletes plots of their own municipalities only, and
//!   cannot move a plot into a foreign municipality;
//! - an `admin` does everything, including restoring deleted plots and managing users.
//!
//! Inquiries (leads) are personal data: anyone sends one; an editor reads and works those routed
//! to their municipalities, an admin all of them (requirement profiles are routed to admins
//! only) and answers data-protection requests; viewers read none (`authorize_inquiry`).
//!
//! A plot the caller may not read does not exist for them (404), so drafts of other towns are
//! not disclosed; a plot they may read but not change is 403.
//!
//! A bearer token carries scopes within its owner's role (`Scope`): a login session has all of
//! them; an API token only those chosen when it was made. Without `read` a token reads what the
//! public reads; `write` changes plots, `import` imports, `admin` manages accounts.

use serde::{Deserialize, Serialize};

/// Role of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The whole region, users included.
    Admin,
    /// The plots of the user's municipalities.
    Editor,
    /// Internal read of the whole region, drafts included; no writes.
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "editor" => Some(Role::Editor),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

/// What a bearer token may do within its owner's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read drafts and internal fields (as far as the role may).
    Read,
    /// Create, change, publish, delete and restore plots (as far as the role may).
    Write,
    /// Import plots.
    Import,
    /// Manage accounts (admins).
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Write, Scope::Import, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Import => "import",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether a role can use the scope at all.
    fn fits(self, role: Role) -> bool {
        match (self, role) {
            (Scope::Admin, Role::Admin) | (Scope::Read, _) => true,
            (Scope::Admin, _) => false,
            (Scope::Write | Scope::Import, Role::Viewer) => false,
            (Scope::Write | Scope::Import, _) => true,
        }
    }
}

/// An authenticated account, as far as decisions need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub role: Role,
    /// Municipality ids an editor is responsible for (empty for the other roles).
    pub municipalities: Vec<i64>,
    /// For history entries.
    pub display_name: String,
    /// What the presented token may do.
    pub scopes: Vec<Scope>,
}

impl Principal {
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Which plots a caller reads, and with which fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadScope {
    /// Published plots, public fields.
    Public,
    /// Every plot with internal fields in these municipalities, published plots elsewhere.
    Municipalities(Vec<i64>),
    /// Every plot, internal fields included.
    Region,
}

impl ReadScope {
    /// Whether internal fields of a plot in `municipality_id` are shown.
    pub fn internal(&self, municipality_id: i64) -> bool {
        match self {
            ReadScope::Public => false,
            ReadScope::Municipalities(ids) => ids.contains(&municipality_id),
            ReadScope::Region => true,
        }
    }

    /// Whether the caller sees internal data anywhere (changes response shape and caching).
    pub fn is_staff(&self) -> bool {
        !matches!(self, ReadScope::Public)
    }
}

/// Which plots a read runs over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlotSet {
    /// What this scope reads; deleted plots never.
    Readable(ReadScope),
    /// The deleted plots, for an admin looking for one to restore (`authorize_deleted_read`).
    Deleted,
}

/// A change to one plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotAction {
    /// Create a plot in `target`.
    Create {
        target: i64,
    },
    /// Change a plot of `current` so that it lies in `target` afterwards.
    Update {
        current: i64,
        target: i64,
    },
    Publish {
        current: i64,
    },
    Unpublish {
        current: i64,
    },
    Delete {
        current: i64,
    },
    Restore {
        current: i64,
    },
    /// Upload, change or delete a photo or document of a plot of `current`: whoever may change
    /// the plot (docs/media.md).
    EditMedia {
        current: i64,
    },
}

/// A change to a region, municipality or estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceAction {
    /// Create, change or delete a region.
    Region,
    /// Create, change, move between regions or delete a municipality.
    Municipality,
    /// Create an estate in municipality `target`.
    CreateEstate {
        target: i64,
    },
    /// Change an estate of `current` so that it lies in `target` afterwards (publishing and
    /// unpublishing included).
    UpdateEstate {
        current: i64,
        target: i64,
    },
    DeleteEstate {
        current: i64,
    },
    /// Upload, change or delete a photo or document of an estate of `current`: whoever may
    /// change the estate (docs/media.md).
    EditEstateMedia {
        current: i64,
    },
    /// Bring back a deleted region, municipality or estate.
    Restore,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// Nobody is logged in (401).
    Unauthenticated,
    /// Logged in, but not allowed (403); the text says why.
    Forbidden(String),
    /// Logged in, but the thing belongs to a municipality that is not the caller's (403). The
    /// API words it with the town's name, which the domain does not know.
    ForeignMunicipality { municipality_id: i64, doing: Doing },
}

/// What a caller tried in a foreign municipality, for the wording of the refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doing {
    CreatePlotIn,
    ChangePlotOf,
    MovePlotInto,
    CreateEstateIn,
    ChangeEstateOf,
    MoveEstateInto,
}

impl Doing {
    /// The refusal in words, `town` being the municipality's name (or how else to call it).
    pub fn refusal(self, town: &str) -> String {
        match self {
            Doing::CreatePlotIn => {
                format!("you may create plots only in your own municipalities, not in {town}")
            }
            Doing::ChangePlotOf => {
                format!("this plot belongs to {town}, which is not one of your municipalities")
            }
            Doing::MovePlotInto => {
                format!(
                    "you cannot move a plot into {town}, which is not one of your municipalities"
                )
            }
            Doing::CreateEstateIn => {
                format!("you may create estates only in your own municipalities, not in {town}")
            }
            Doing::ChangeEstateOf => {
                format!("this estate belongs to {town}, which is not one of your municipalities")
            }
            Doing::MoveEstateInto => format!(
                "you cannot move an estate into {town}, which is not one of your municipalities"
            ),
        }
    }
}

pub fn read_scope(caller: Option<&Principal>) -> ReadScope {
    match caller {
        None => ReadScope::Public,
        Some(p) if !p.may(Scope::Read) => ReadScope::Public,
        Some(p) => match p.role {
            Role::Admin | Role::Viewer => ReadScope::Region,
            Role::Editor => ReadScope::Municipalities(p.municipalities.clone()),
        },
    }
}

fn lacks(scope: Scope) -> Denied {
    Denied::Forbidden(format!(
        "this token may not do this: it lacks the scope `{}`",
        scope.as_str()
    ))
}

/// Whether `caller` may perform `action` through the API (its token needs `write`).
pub fn authorize(caller: Option<&Principal>, action: PlotAction) -> Result<(), Denied> {
    authorize_with(caller, action, Scope::Write)
}

/// Whether `caller` may perform `action` in an import (its token needs `import`): the same rights
/// per plot as through the API.
pub fn authorize_imported(caller: Option<&Principal>, action: PlotAction) -> Result<(), Denied> {
    authorize_with(caller, action, Scope::Import)
}

fn authorize_with(
    caller: Option<&Principal>,
    action: PlotAction,
    scope: Scope,
) -> Result<(), Denied> {
    let p = caller.ok_or(Denied::Unauthenticated)?;
    let own = |m: i64| p.municipalities.contains(&m);
    match (p.role, action) {
        (_, _) if !p.may(scope) => Err(lacks(scope)),
        (Role::Admin, _) => Ok(()),
        (Role::Viewer, _) => Err(Denied::Forbidden(
            "viewers read but do not change plots".into(),
        )),
        (Role::Editor, PlotAction::Restore { .. }) => Err(Denied::Forbidden(
            "only an admin can restore a deleted plot".into(),
        )),
        (Role::Editor, PlotAction::Create { target }) if !own(target) => {
            Err(Denied::ForeignMunicipality {
                municipality_id: target,
                doing: Doing::CreatePlotIn,
            })
        }
        (Role::Editor, PlotAction::Update { current, .. })
        | (Role::Editor, PlotAction::Publish { current })
        | (Role::Editor, PlotAction::Unpublish { current })
        | (Role::Editor, PlotAction::Delete { current })
        | (Role::Editor, PlotAction::EditMedia { current })
            if !own(current) =>
        {
            Err(Denied::ForeignMunicipality {
                municipality_id: current,
                doing: Doing::ChangePlotOf,
            })
        }
        (Role::Editor, PlotAction::Update { target, .. }) if !own(target) => {
            Err(Denied::ForeignMunicipality {
                municipality_id: target,
                doing: Doing::MovePlotInto,
            })
        }
        (Role::Editor, _) => Ok(()),
    }
}

/// Whether `caller` may perform a place `action` through the API (token with `write`):
/// regions and municipalities are the region's set-up and belong to admins; an editor keeps the
/// estates of their own municipalities, as they keep their plots.
pub fn authorize_place(caller: Option<&Principal>, action: PlaceAction) -> Result<(), Denied> {
    authorize_place_with(caller, action, Scope::Write)
}

/// Whether `caller` may change any place at all: asked before a body says which one.
pub fn authorize_place_writes(caller: Option<&Principal>) -> Result<(), Denied> {
    authorize_writer(caller, "places")
}

/// The same rights for estates coming in through an estate import (token with `import`).
pub fn authorize_imported_place(
    caller: Option<&Principal>,
    action: PlaceAction,
) -> Result<(), Denied> {
    authorize_place_with(caller, action, Scope::Import)
}

fn authorize_place_with(
    caller: Option<&Principal>,
    action: PlaceAction,
    scope: Scope,
) -> Result<(), Denied> {
    let p = caller.ok_or(Denied::Unauthenticated)?;
    let own = |m: i64| p.municipalities.contains(&m);
    match (p.role, action) {
        (_, _) if !p.may(scope) => Err(lacks(scope)),
        (Role::Admin, _) => Ok(()),
        (Role::Viewer, _) => Err(Denied::Forbidden(
            "viewers read but do not change places".into(),
        )),
        (Role::Editor, PlaceAction::Region) => {
            Err(Denied::Forbidden("only an admin sets up regions".into()))
        }
        (Role::Editor, PlaceAction::Restore) => Err(Denied::Forbidden(
            "only an admin can restore a deleted place".into(),
        )),
        (Role::Editor, PlaceAction::Municipality) => Err(Denied::Forbidden(
            "only an admin sets up and changes municipalities".into(),
        )),
        (Role::Editor, PlaceAction::CreateEstate { target }) if !own(target) => {
            Err(Denied::ForeignMunicipality {
                municipality_id: target,
                doing: Doing::CreateEstateIn,
            })
        }
        (Role::Editor, PlaceAction::UpdateEstate { current, .. })
        | (Role::Editor, PlaceAction::DeleteEstate { current })
        | (Role::Editor, PlaceAction::EditEstateMedia { current })
            if !own(current) =>
        {
            Err(Denied::ForeignMunicipality {
                municipality_id: current,
                doing: Doing::ChangeEstateOf,
            })
        }
        (Role::Editor, PlaceAction::UpdateEstate { target, .. }) if !own(target) => {
            Err(Denied::ForeignMunicipality {
                municipality_id: target,
                doing: Doing::MoveEstateInto,
            })
        }
        (Role::Editor, _) => Ok(()),
    }
}

/// Whether `caller` may change any plot at all: asked before a body says which plot, so a
/// caller who may change none is refused before the body is looked at.
pub fn authorize_plot_writes(caller: Option<&Principal>) -> Result<(), Denied> {
    authorize_writer(caller, "plots")
}

/// An account whose role changes things (`what`: plots or places) and whose token writes.
fn authorize_writer(caller: Option<&Principal>, what: &str) -> Result<(), Denied> {
    let p = caller.ok_or(Denied::Unauthenticated)?;
    match p.role {
        _ if !p.may(Scope::Write) => Err(lacks(Scope::Write)),
        Role::Viewer => Err(Denied::Forbidden(format!(
            "viewers read but do not change {what}"
        ))),
        Role::Admin | Role::Editor => Ok(()),
    }
}

/// Whether a reader sees a photo or document of a plot in `municipality_id`: the item's plot
/// must be readable to them (published, or a draft they read), and an `internal` item is for
/// those who read the plot's internal fields. Deleted plots' media are gone with the plot.
/// An estate's items follow the same rule, with the estate's municipality and `published`.
pub fn may_read_media(
    scope: &ReadScope,
    municipality_id: i64,
    plot_published: bool,
    internal: bool,
) -> bool {
    // Staff of the plot's town see everything of it; everyone else public items of published
    // plots.
    scope.internal(municipality_id) || (plot_published && !internal)
}

/// Only admins manage accounts.
pub fn authorize_user_admin(caller: Option<&Principal>) -> Result<(), Denied> {
    match caller {
        None => Err(Denied::Unauthenticated),
        Some(p) if p.role != Role::Admin => {
            Err(Denied::Forbidden("only an admin manages accounts".into()))
        }
        Some(p) if !p.may(Scope::Admin) => Err(lacks(Scope::Admin)),
        Some(_) => Ok(()),
    }
}

/// Only admins manage webhooks: they send the region's changes to other hosts.
pub fn authorize_webhooks(caller: Option<&Principal>) -> Result<(), Denied> {
    match caller {
        None => Err(Denied::Unauthenticated),
        Some(p) if p.role != Role::Admin => {
            Err(Denied::Forbidden("only an admin manages webhooks".into()))
        }
        Some(p) if !p.may(Scope::Admin) => Err(lacks(Scope::Admin)),
        Some(_) => Ok(()),
    }
}

/// Only admins look through deleted plots (they alone can restore them).
pub fn authorize_deleted_read(caller: Option<&Principal>) -> Result<(), Denied> {
    match caller {
        None => Err(Denied::Unauthenticated),
        Some(p) if p.role != Role::Admin => Err(Denied::Forbidden(
            "only an admin searches deleted plots".into(),
        )),
        Some(p) if !p.may(Scope::Read) => Err(lacks(Scope::Read)),
        Some(_) => Ok(()),
    }
}

/// Reading a plot's history and staff exports needs an account and a token that reads.
pub fn authorize_staff_read(caller: Option<&Principal>) -> Result<(), Denied> {
    match caller {
        None => Err(Denied::Unauthenticated),
        Some(p) if !p.may(Scope::Read) => Err(lacks(Scope::Read)),
        Some(_) => Ok(()),
    }
}

/// The monitoring figures (`GET /monitoring`): staff whose token reads; everyone when the
/// region publishes them (`public`, `GWF_MONITORING_PUBLIC`). They are aggregates of published
/// plots only, so one answer fits every reader.
pub fn authorize_monitoring(caller: Option<&Principal>, public: bool) -> Result<(), Denied> {
    if public {
        return Ok(());
    }
    authorize_staff_read(caller)
}

/// The freshness report (`GET /monitoring/freshness`): it names drafts and missing internal
/// facts, so staff whose token reads, over the municipalities whose drafts they read (`None`:
/// the whole region).
pub fn freshness_scope(caller: Option<&Principal>) -> Result<Option<Vec<i64>>, Denied> {
    check_scope(caller, None)
}

/// Whose plots a reminder feed of an account with `role` (and, for editors, `municipalities`)
/// covers, as the account would read them today: `None` for the whole region.
pub fn feed_scope(role: Role, municipalities: Vec<i64>) -> Option<Vec<i64>> {
    match role {
        Role::Admin | Role::Viewer => None,
        Role::Editor => Some(municipalities),
    }
}

/// Whose spatial checks (`GET /places/checks`) a caller reads: `None` for the whole region
/// (viewers, admins), else these municipalities (an editor's own). The checks name drafts and
/// measure internal geometry, so they are for accounts whose token reads, over the towns whose
/// drafts they read (`ReadScope::internal`). Asking for one `municipality` outside that is 403.
pub fn check_scope(
    caller: Option<&Principal>,
    municipality: Option<i64>,
) -> Result<Option<Vec<i64>>, Denied> {
    authorize_staff_read(caller)?;
    let scope = read_scope(caller);
    match (scope, municipality) {
        (ReadScope::Region, None) => Ok(None),
        (ReadScope::Region, Some(m)) => Ok(Some(vec![m])),
        (ReadScope::Municipalities(own), None) => Ok(Some(own)),
        (ReadScope::Municipalities(own), Some(m)) if own.contains(&m) => Ok(Some(vec![m])),
        (ReadScope::Municipalities(_), Some(_)) => Err(Denied::Forbidden(
            "editors read the spatial checks of their own municipalities only".into(),
        )),
        (ReadScope::Public, _) => Err(lacks(Scope::Read)),
    }
}

/// Whether the findings about a plot of `municipality_id` go with the answer to a write: they
/// name drafts (the other plot of an overlap, the estate), so only for a token that reads the
/// municipality's internal data. A write-only token gets the plot as the public sees it, and
/// no warnings.
pub fn sees_findings(caller: Option<&Principal>, municipality_id: i64) -> bool {
    read_scope(caller).internal(municipality_id)
}

/// Any account, whatever its token may do (its own account, tokens and logout).
pub fn authorize_own_account(caller: Option<&Principal>) -> Result<(), Denied> {
    caller.map(|_| ()).ok_or(Denied::Unauthenticated)
}

/// A new API token with `scopes`: never more than the token asking has, and only scopes the
/// owner's role can use.
pub fn authorize_token_scopes(caller: Option<&Principal>, scopes: &[Scope]) -> Result<(), Denied> {
    let p = caller.ok_or(Denied::Unauthenticated)?;
    match scopes.iter().find(|s| !p.may(**s) || !s.fits(p.role)) {
        Some(s) if !s.fits(p.role) => Err(Denied::Forbidden(format!(
            "the scope `{}` is not for the role {}",
            s.as_str(),
            p.role.as_str()
        ))),
        Some(s) => Err(Denied::Forbidden(format!(
            "a token cannot make a token with more rights than its own (`{}`)",
            s.as_str()
        ))),
        None => Ok(()),
    }
}

mod alerts;
pub use alerts::{authorize_alert, AlertAction};

mod imports;
pub use imports::{authorize_import, import_read_scope, import_scope};

mod inquiries;
mod shortlists;
pub use inquiries::{
    authorize_inquiry, inquiry_scope, may_be_assigned, notified, InquiryAction, InquiryScope,
};
pub use shortlists::{authorize_shortlist, shortlist_scope, ShortlistAction};

#[cfg(test)]
mod tests;
