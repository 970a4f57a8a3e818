//! Content-hashed asset names: the pages name `/assets/NAME.<hash>.ext`, served immutable for a
//! year; modules import each other by hashed names too; plain names (old embed snippets) keep
//! working with a short cache lifetime.

use crate::helpers::*;

/// The first `"/assets/{stem}.<16 hex>.{ext}"` in `text`, without the quotes.
fn hashed_path(text: &str, stem: &str, ext: &str, prefix: &str) -> String {
    let start = format!("{prefix}{stem}.");
    text.match_indices(&start)
        .map(|(at, _)| &text[at + start.len()..])
        .find_map(|rest| {
            let hash = rest.get(..16)?;
            (hash.bytes().all(|b| b.is_ascii_hexdigit())
                && rest[16..].starts_with(&format!(".{ext}")))
            .then(|| format!("{stem}.{hash}.{ext}"))
        })
        .unwrap_or_else(|| panic!("no hashed {stem}.{ext} in: {text}"))
}

async fn cache_control(app: &TestApp, path: &str) -> (String, String) {
    let r = app.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    let cache = r.headers()["cache-control"].to_str().unwrap().to_owned();
    (cache, r.text().await.unwrap())
}

#[tokio::test]
async fn pages_and_modules_name_hashed_immutable_assets_and_plain_names_still_work() {
    let app = spawn_app().await;
    let embed = app.get("/embed").await.text().await.unwrap();
    assert!(!embed.contains("\"/assets/embed.js\""), "{embed}");
    let embed_js = hashed_path(&embed, "embed", "js", "\"/assets/");
    let maplibre = hashed_path(&embed, "maplibre-gl", "js", "\"/assets/");

    let (cache, body) = cache_control(&app, &format!("/assets/{embed_js}")).await;
    assert_eq!(cache, "public, max-age=31536000, immutable");
    // Its import of the shared module names that module's hashed file, itself immutable.
    let map_js = hashed_path(&body, "map", "js", "'./");
    let (cache, map_body) = cache_control(&app, &format!("/assets/{map_js}")).await;
    assert_eq!(cache, "public, max-age=31536000, immutable");
    // The offline basemap's files, loaded by map.js, are named the same way.
    hashed_path(&map_body, "pmtiles", "js", "'./");
    hashed_path(&map_body, "basemap", "js", "'./");
    assert_eq!(
        cache_control(&app, &format!("/assets/{maplibre}")).await.0,
        "public, max-age=31536000, immutable"
    );

    // An old embed snippet's plain name: the same module, for five minutes.
    let (cache, plain) = cache_control(&app, "/assets/embed.js").await;
    assert_eq!(cache, "public, max-age=300");
    assert_eq!(plain, body);

    // Portal and profile pages too (profile.js, a classic script, imports map.js by name).
    let portal = app
        .client
        .get(app.url("/"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let portal_js = hashed_path(&portal, "portal", "js", "\"/assets/");
    hashed_path(&portal, "portal", "css", "\"/assets/");
    let (_, portal_body) = cache_control(&app, &format!("/assets/{portal_js}")).await;
    assert_eq!(hashed_path(&portal_body, "map", "js", "'./"), map_js);
    let (_, profile) = cache_control(&app, "/assets/profile.js").await;
    assert_eq!(hashed_path(&profile, "map", "js", "'./"), map_js);

    // A hash that is not this version's: no file, rather than another version's content.
    assert_problem(app.get("/assets/embed.0000000000000000.js").await, 404).await;
}
