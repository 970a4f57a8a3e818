//! Who may import: the rights for a whole import; each feature is then `authorize`d as a plot
//! write.

use super::{lacks, Denied, Principal, ReadScope, Role, Scope};

/// Imports: editors and admins, with a token that imports (the rights per plot are then
/// `authorize` for each feature).
pub fn authorize_import(caller: Option<&Principal>) -> Result<(), Denied> {
    match caller {
        None => Err(Denied::Unauthenticated),
        Some(p) if p.role == Role::Viewer => Err(Denied::Forbidden("viewers cannot import".into())),
        Some(p) if !p.may(Scope::Import) => Err(lacks(Scope::Import)),
        Some(_) => Ok(()),
    }
}

/// The plots an import may change and therefore read and lock: `None` for all of them (admins,
/// deleted ones too, to be told so), else those of these municipalities (editors; viewers and
/// anonymous callers none). Everything else an import meets stays unread.
pub fn import_scope(caller: Option<&Principal>) -> Option<Vec<i64>> {
    match caller {
        Some(p) if p.role == Role::Admin => None,
        Some(p) if p.role == Role::Editor => Some(p.municipalities.clone()),
        Some(_) | None => Some(Vec::new()),
    }
}

/// The estates an import may name or assign to plots: those its importer could import into,
/// i.e. all of an admin's, an editor's drafts of their own municipalities and published ones
/// elsewhere, whatever the token reads (an import token may lack `read`).
pub fn import_read_scope(caller: Option<&Principal>) -> ReadScope {
    match import_scope(caller) {
        None => ReadScope::Region,
        Some(ids) if ids.is_empty() => ReadScope::Public,
        Some(ids) => ReadScope::Municipalities(ids),
    }
}
