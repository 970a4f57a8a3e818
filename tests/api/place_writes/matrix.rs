//! Every role against every write on places, checked against a rule written out here.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Viewer,
    Editor,
    Admin,
}

/// The rule for places, written out independently of the implementation: regions and
/// municipalities are admins' (create, change, delete); estates are their municipality's
/// editors' too; viewers and anonymous callers change nothing.
fn expected(who: Who, kind: &str, own: bool, op: &str) -> u16 {
    let ok = match op {
        "create" => 201,
        "delete" => 204,
        _ => 200,
    };
    match who {
        Who::Anonymous => 401,
        Who::Viewer => 403,
        Who::Admin => ok,
        Who::Editor if kind == "estate" && own => ok,
        Who::Editor => 403,
    }
}

#[tokio::test]
async fn every_role_gets_exactly_its_rights_on_places() {
    let app = spawn_app().await;
    let (own, _) = app.place().await;
    let foreign = app.other_municipality().await;
    app.account_with_token("editor@ludwigslust.example", "editor", &[own], EDITOR)
        .await;
    app.account_with_token("viewer@region.example", "viewer", &[], VIEWER)
        .await;
    let region_id: i64 = app
        .get(&format!("/municipalities/{own}"))
        .await
        .json::<Value>()
        .await
        .unwrap()["region_id"]
        .as_i64()
        .unwrap();
    let mut failures = Vec::new();
    let mut n = 0;
    for who in [Who::Anonymous, Who::Viewer, Who::Editor, Who::Admin] {
        let token = match who {
            Who::Anonymous => None,
            Who::Viewer => Some(VIEWER),
            Who::Editor => Some(EDITOR),
            Who::Admin => Some(TOKEN),
        };
        for (kind, own_place) in [
            ("region", false),
            ("municipality", false),
            ("estate", true),
            ("estate", false),
        ] {
            for op in ["create", "patch", "put", "delete"] {
                n += 1;
                let municipality = if own_place { own } else { foreign };
                let (collection, body) = match kind {
                    "region" => (
                        "regions",
                        json!({"slug": format!("r-{n}"), "name": format!("R {n}")}),
                    ),
                    "municipality" => (
                        "municipalities",
                        json!({"region_id": region_id, "ags": format!("13{n:06}"), "name": format!("M {n}")}),
                    ),
                    _ => (
                        "estates",
                        json!({"municipality_id": municipality, "name": format!("E {n}")}),
                    ),
                };
                let subject = if op == "create" {
                    None
                } else {
                    Some(
                        created(
                            app.client
                                .post(app.url(&format!("/{collection}")))
                                .bearer_auth(TOKEN)
                                .json(&body)
                                .send()
                                .await
                                .unwrap(),
                        )
                        .await,
                    )
                };
                let response = match (op, &subject) {
                    ("create", _) => {
                        send(
                            &app,
                            reqwest::Method::POST,
                            &format!("/{collection}"),
                            token,
                            None,
                            Some(body.clone()),
                        )
                        .await
                    }
                    (_, Some(s)) => {
                        let path = format!("/{collection}/{}", s["id"]);
                        let (method, payload) = match op {
                            "patch" => (
                                reqwest::Method::PATCH,
                                Some(json!({"name": format!("Neu {n}")})),
                            ),
                            "put" => {
                                let mut b = body.clone();
                                b["name"] = format!("Neu {n}").into();
                                (reqwest::Method::PUT, Some(b))
                            }
                            _ => (reqwest::Method::DELETE, None),
                        };
                        send(&app, method, &path, token, Some(1), payload).await
                    }
                    _ => unreachable!(),
                };
                let want = expected(who, kind, own_place, op);
                let got = response.status().as_u16();
                if got != want {
                    failures.push(format!(
                        "{who:?} {op} {kind} ({}): expected {want}, got {got}",
                        if own_place { "own" } else { "foreign" }
                    ));
                } else if got >= 400 {
                    let problem = assert_problem(response, want).await;
                    if want == 403 && kind == "estate" && who == Who::Editor {
                        assert!(
                            problem["detail"].as_str().unwrap().contains("Grabow"),
                            "the refusal names the town: {problem}"
                        );
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cases wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
