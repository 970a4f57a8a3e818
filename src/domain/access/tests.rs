//! The rules of `access`, case by case (the HTTP matrix tests walk them through the API).

use super::*;

fn editor(ms: &[i64]) -> Principal {
    Principal {
        user_id: 1,
        role: Role::Editor,
        municipalities: ms.to_vec(),
        display_name: "E".into(),
        scopes: Scope::ALL.to_vec(),
    }
}

#[test]
fn scopes_narrow_a_token_within_its_role() {
    let mut e = editor(&[1]);
    e.scopes = vec![Scope::Read];
    assert!(authorize(Some(&e), PlotAction::Create { target: 1 }).is_err());
    assert_eq!(read_scope(Some(&e)), ReadScope::Municipalities(vec![1]));
    e.scopes = vec![Scope::Write];
    assert_eq!(read_scope(Some(&e)), ReadScope::Public);
    assert!(authorize_staff_read(Some(&e)).is_err());
    assert!(authorize_token_scopes(Some(&e), &[Scope::Write]).is_ok());
    assert!(
        authorize_token_scopes(Some(&e), &[Scope::Read]).is_err(),
        "more than it has"
    );
    e.scopes = Scope::ALL.to_vec();
    assert!(
        authorize_token_scopes(Some(&e), &[Scope::Admin]).is_err(),
        "not an admin"
    );
}

#[test]
fn editors_stay_in_their_municipalities() {
    let e = editor(&[1, 2]);
    assert!(authorize(Some(&e), PlotAction::Create { target: 1 }).is_ok());
    assert!(authorize(Some(&e), PlotAction::Create { target: 3 }).is_err());
    assert!(authorize(
        Some(&e),
        PlotAction::Update {
            current: 1,
            target: 2
        }
    )
    .is_ok());
    assert!(authorize(
        Some(&e),
        PlotAction::Update {
            current: 1,
            target: 3
        }
    )
    .is_err());
    assert!(authorize(
        Some(&e),
        PlotAction::Update {
            current: 3,
            target: 1
        }
    )
    .is_err());
    assert!(authorize(Some(&e), PlotAction::Delete { current: 3 }).is_err());
    assert!(authorize(Some(&e), PlotAction::Restore { current: 1 }).is_err());
    assert_eq!(
        authorize(None, PlotAction::Publish { current: 1 }),
        Err(Denied::Unauthenticated)
    );
}

#[test]
fn plot_writes_need_a_writing_role_and_scope() {
    let mut e = editor(&[1]);
    assert!(authorize_plot_writes(Some(&e)).is_ok());
    e.scopes = vec![Scope::Read, Scope::Import];
    assert!(authorize_plot_writes(Some(&e)).is_err());
    let mut v = editor(&[]);
    v.role = Role::Viewer;
    assert!(authorize_plot_writes(Some(&v)).is_err());
    assert_eq!(authorize_plot_writes(None), Err(Denied::Unauthenticated));
}

#[test]
fn an_import_token_imports_without_write() {
    let mut e = editor(&[1]);
    e.scopes = vec![Scope::Import];
    let create = PlotAction::Create { target: 1 };
    assert!(authorize_imported(Some(&e), create).is_ok());
    assert!(authorize(Some(&e), create).is_err());
    assert!(authorize_imported(Some(&e), PlotAction::Create { target: 2 }).is_err());
}

#[test]
fn places_belong_to_admins_and_estates_to_their_town() {
    let e = editor(&[1]);
    assert!(authorize_place(Some(&e), PlaceAction::Region).is_err());
    assert!(authorize_place(Some(&e), PlaceAction::Municipality).is_err());
    assert!(authorize_place(Some(&e), PlaceAction::CreateEstate { target: 1 }).is_ok());
    assert_eq!(
        authorize_place(Some(&e), PlaceAction::CreateEstate { target: 2 }),
        Err(Denied::ForeignMunicipality {
            municipality_id: 2,
            doing: Doing::CreateEstateIn
        })
    );
    let moved = PlaceAction::UpdateEstate {
        current: 1,
        target: 2,
    };
    assert!(authorize_place(Some(&e), moved).is_err());
    assert!(authorize_place(Some(&e), PlaceAction::DeleteEstate { current: 2 }).is_err());
    // An estate's media: whoever may change the estate.
    assert!(authorize_place(Some(&e), PlaceAction::EditEstateMedia { current: 1 }).is_ok());
    assert_eq!(
        authorize_place(Some(&e), PlaceAction::EditEstateMedia { current: 2 }),
        Err(Denied::ForeignMunicipality {
            municipality_id: 2,
            doing: Doing::ChangeEstateOf
        })
    );
    let mut viewer = e.clone();
    viewer.role = Role::Viewer;
    assert!(authorize_place(Some(&viewer), PlaceAction::EditEstateMedia { current: 1 }).is_err());
    assert!(authorize_place(None, PlaceAction::EditEstateMedia { current: 1 }).is_err());
    let mut read_only = e.clone();
    read_only.scopes = vec![Scope::Read];
    assert!(authorize_place(
        Some(&read_only),
        PlaceAction::EditEstateMedia { current: 1 }
    )
    .is_err());
    assert!(authorize_place(Some(&e), PlaceAction::Restore).is_err());
    let mut imports_only = e.clone();
    imports_only.scopes = vec![Scope::Import];
    let own = PlaceAction::CreateEstate { target: 1 };
    assert!(authorize_place(Some(&imports_only), own).is_err());
    assert!(authorize_imported_place(Some(&imports_only), own).is_ok());
}

#[test]
fn checks_are_read_over_the_towns_whose_drafts_one_reads() {
    let e = editor(&[1, 2]);
    assert_eq!(check_scope(Some(&e), None), Ok(Some(vec![1, 2])));
    assert_eq!(check_scope(Some(&e), Some(2)), Ok(Some(vec![2])));
    assert!(matches!(
        check_scope(Some(&e), Some(3)),
        Err(Denied::Forbidden(_))
    ));
    let mut v = editor(&[]);
    v.role = Role::Viewer;
    assert_eq!(check_scope(Some(&v), None), Ok(None));
    assert_eq!(check_scope(Some(&v), Some(3)), Ok(Some(vec![3])));
    let mut no_read = editor(&[1]);
    no_read.scopes = vec![Scope::Write];
    assert!(matches!(
        check_scope(Some(&no_read), None),
        Err(Denied::Forbidden(_))
    ));
    assert_eq!(check_scope(None, None), Err(Denied::Unauthenticated));
    assert!(sees_findings(Some(&e), 1) && !sees_findings(Some(&e), 3));
    assert!(!sees_findings(Some(&no_read), 1), "a write-only token");
    assert!(sees_findings(Some(&v), 3));
}

#[test]
fn an_import_token_sees_the_estates_it_imports_into() {
    let mut e = editor(&[1]);
    e.scopes = vec![Scope::Import];
    assert_eq!(read_scope(Some(&e)), ReadScope::Public);
    assert_eq!(
        import_read_scope(Some(&e)),
        ReadScope::Municipalities(vec![1])
    );
    e.role = Role::Admin;
    assert_eq!(import_read_scope(Some(&e)), ReadScope::Region);
    assert_eq!(import_read_scope(None), ReadScope::Public);
}

#[test]
fn read_scopes() {
    assert!(!read_scope(None).internal(1));
    let e = editor(&[1]);
    assert!(read_scope(Some(&e)).internal(1));
    assert!(!read_scope(Some(&e)).internal(2));
}

#[test]
fn monitoring_is_for_staff_unless_the_region_publishes_it() {
    let mut e = editor(&[1]);
    assert_eq!(
        authorize_monitoring(None, false),
        Err(Denied::Unauthenticated)
    );
    assert!(authorize_monitoring(Some(&e), false).is_ok());
    assert!(authorize_monitoring(None, true).is_ok());
    e.scopes = vec![Scope::Write];
    assert!(
        authorize_monitoring(Some(&e), false).is_err(),
        "a write-only token"
    );
    assert_eq!(
        freshness_scope(Some(&editor(&[1, 2]))),
        Ok(Some(vec![1, 2]))
    );
    assert!(freshness_scope(None).is_err());
}

#[test]
fn webhooks_are_for_admins_with_the_admin_scope() {
    let mut admin = editor(&[]);
    admin.role = Role::Admin;
    assert!(authorize_webhooks(Some(&admin)).is_ok());
    assert_eq!(authorize_webhooks(None), Err(Denied::Unauthenticated));
    assert!(authorize_webhooks(Some(&editor(&[1]))).is_err());
    let mut viewer = editor(&[]);
    viewer.role = Role::Viewer;
    assert!(authorize_webhooks(Some(&viewer)).is_err());
    admin.scopes = vec![Scope::Read, Scope::Write];
    assert!(
        authorize_webhooks(Some(&admin)).is_err(),
        "an admin's token without `admin`"
    );
}

#[test]
fn inquiries_are_read_by_those_they_are_routed_to() {
    let e = editor(&[1]);
    let mut admin = editor(&[]);
    admin.role = Role::Admin;
    let mut viewer = editor(&[]);
    viewer.role = Role::Viewer;
    assert!(authorize_inquiry(None, InquiryAction::Submit).is_ok());
    assert_eq!(
        authorize_inquiry(None, InquiryAction::Read),
        Err(Denied::Unauthenticated)
    );
    assert!(authorize_inquiry(Some(&viewer), InquiryAction::Read).is_err());
    assert_eq!(
        inquiry_scope(Some(&e)),
        Ok(InquiryScope::Municipalities(vec![1]))
    );
    assert_eq!(inquiry_scope(Some(&admin)), Ok(InquiryScope::Region));
    assert!(
        !InquiryScope::Municipalities(vec![1]).covers(None),
        "profiles: admins"
    );
    let own = InquiryAction::Change { routed_to: Some(1) };
    assert!(authorize_inquiry(Some(&e), own).is_ok());
    assert!(authorize_inquiry(Some(&e), InquiryAction::Change { routed_to: Some(2) }).is_err());
    assert!(authorize_inquiry(Some(&e), InquiryAction::Change { routed_to: None }).is_err());
    assert!(authorize_inquiry(Some(&e), InquiryAction::Privacy).is_err());
    assert!(authorize_inquiry(Some(&admin), InquiryAction::Privacy).is_ok());
    let mut read_only = e.clone();
    read_only.scopes = vec![Scope::Read];
    assert!(authorize_inquiry(Some(&read_only), InquiryAction::Read).is_ok());
    assert!(authorize_inquiry(Some(&read_only), own).is_err());
    assert!(may_be_assigned(Role::Editor, &[1], Some(1)));
    assert!(!may_be_assigned(Role::Editor, &[1], None));
    assert!(!may_be_assigned(Role::Viewer, &[1], Some(1)));
    assert!(notified(Role::Editor, &[1], Some(1), true));
    assert!(!notified(Role::Admin, &[], Some(1), true));
    assert!(notified(Role::Admin, &[], Some(1), false));
    assert!(notified(Role::Admin, &[], None, false));
}

#[test]
fn anyone_saves_a_search_and_staff_see_only_counts() {
    let mut viewer = editor(&[]);
    viewer.role = Role::Viewer;
    assert!(authorize_alert(None, AlertAction::Subscribe).is_ok());
    assert!(authorize_alert(None, AlertAction::UseToken).is_ok());
    assert_eq!(
        authorize_alert(None, AlertAction::Statistics),
        Err(Denied::Unauthenticated)
    );
    assert!(authorize_alert(Some(&viewer), AlertAction::Statistics).is_ok());
    viewer.scopes = vec![Scope::Write];
    assert!(authorize_alert(Some(&viewer), AlertAction::Statistics).is_err());
}
