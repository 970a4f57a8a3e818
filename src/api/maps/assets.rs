//! Content-hashed asset names: `/assets/portal.<hash>.js` is served with a one-year immutable
//! cache lifetime, so a phone on a trade-fair network loads each version once; the plain name
//! (`/assets/portal.js`, as in old embed snippets on town websites) keeps working with a
//! five-minute lifetime and an ETag.
//!
//! The HTML pages name the hashed files (`Table::rewrite_html`, applied by
//! `pages::html_response`). ES modules name each other by relative literals
//! (`import … from './map.js'`, `new URL('./pmtiles.js', import.meta.url)`): those literals are
//! rewritten to the hashed names too, and a module's hash covers its rewritten text, so a change
//! in `map.js` gives `portal.js`, which imports it, a new name as well. Built once from the
//! compiled-in copies; with `GWF_WEB_DIR` from that folder on every request (development).

use std::borrow::Cow;
use std::collections::HashMap;

use super::tile_cache::content_hash;

/// One asset as served.
pub(crate) struct Asset {
    pub mime: &'static str,
    /// Shared by the responses without copying.
    pub body: actix_web::web::Bytes,
    pub hash: u64,
}

pub(crate) struct Table {
    assets: Vec<Asset>,
    /// Plain name → hashed name.
    hashed_names: HashMap<&'static str, String>,
    /// Plain and hashed names → (index, whether the name is the hashed one).
    by_name: HashMap<String, (usize, bool)>,
}

/// `portal.js` with `hash` → `portal.0123456789abcdef.js`.
fn hashed(name: &str, hash: u64) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash:016x}.{ext}"),
        None => format!("{name}.{hash:016x}"),
    }
}

/// `'./name'` and `"./name"`: how one asset names another.
fn literals(name: &str) -> [String; 2] {
    [format!("'./{name}'"), format!("\"./{name}\"")]
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

struct Builder {
    names: Vec<&'static str>,
    deps: Vec<Vec<usize>>,
    sources: Vec<Option<Cow<'static, [u8]>>>,
    done: Vec<Option<(Cow<'static, [u8]>, u64)>>,
    visiting: Vec<usize>,
}

impl Builder {
    /// Depth-first: an asset is finished (rewritten, hashed) once the assets it names are. A
    /// reference back into the path (a cycle; none today) keeps its plain name: still correct,
    /// only not immutable.
    fn finish(&mut self, i: usize) {
        if self.done[i].is_some() || self.visiting.contains(&i) {
            return;
        }
        self.visiting.push(i);
        for d in self.deps[i].clone() {
            self.finish(d);
        }
        self.visiting.pop();
        let body = self.sources[i].take().unwrap_or_default();
        let mut text: Option<String> = None;
        for &d in &self.deps[i] {
            let Some((_, hash)) = &self.done[d] else {
                continue;
            };
            let text = text.get_or_insert_with(|| String::from_utf8_lossy(&body).into_owned());
            let to = literals(&hashed(self.names[d], *hash));
            for (from, to) in literals(self.names[d]).iter().zip(to.iter()) {
                *text = text.replace(from, to);
            }
        }
        let body = text.map_or(body, |t| Cow::Owned(t.into_bytes()));
        let hash = content_hash(&body);
        self.done[i] = Some((body, hash));
    }
}

impl Table {
    /// `sources`: (name, MIME type, content).
    pub(crate) fn build(sources: Vec<(&'static str, &'static str, Cow<'static, [u8]>)>) -> Table {
        let names: Vec<&'static str> = sources.iter().map(|(name, _, _)| *name).collect();
        let mimes: Vec<&'static str> = sources.iter().map(|(_, mime, _)| *mime).collect();
        let deps = sources
            .iter()
            .map(|(own, _, body)| {
                (0..names.len())
                    .filter(|&j| {
                        names[j] != *own && literals(names[j]).iter().any(|l| contains(body, l))
                    })
                    .collect()
            })
            .collect();
        let mut builder = Builder {
            done: (0..names.len()).map(|_| None).collect(),
            sources: sources.into_iter().map(|(_, _, body)| Some(body)).collect(),
            names,
            deps,
            visiting: Vec::new(),
        };
        for i in 0..builder.names.len() {
            builder.finish(i);
        }
        let mut table = Table {
            assets: Vec::new(),
            hashed_names: HashMap::new(),
            by_name: HashMap::new(),
        };
        for (i, done) in builder.done.into_iter().enumerate() {
            let (body, hash) = done.expect("every asset is finished");
            let name = builder.names[i];
            let hashed_name = hashed(name, hash);
            table.by_name.insert(name.to_owned(), (i, false));
            table.by_name.insert(hashed_name.clone(), (i, true));
            table.hashed_names.insert(name, hashed_name);
            let body = match body {
                Cow::Borrowed(bytes) => actix_web::web::Bytes::from_static(bytes),
                Cow::Owned(bytes) => actix_web::web::Bytes::from(bytes),
            };
            table.assets.push(Asset {
                mime: mimes[i],
                body,
                hash,
            });
        }
        table
    }

    /// The asset a request names, and whether it was named by its hashed name (immutable). An
    /// old hash is unknown: 404, never this version's content under another version's name.
    pub(crate) fn get(&self, name: &str) -> Option<(&Asset, bool)> {
        self.by_name
            .get(name)
            .map(|&(i, immutable)| (&self.assets[i], immutable))
    }

    /// `"/assets/NAME"` in a page → `"/assets/NAME.<hash>.ext"`, for every asset. One pass over
    /// the page; names that are no asset stay.
    pub(crate) fn rewrite_html(&self, html: &str) -> String {
        const PREFIX: &str = "\"/assets/";
        let mut out = String::with_capacity(html.len() + 256);
        let mut rest = html;
        while let Some(at) = rest.find(PREFIX) {
            let (before, after) = rest.split_at(at + PREFIX.len());
            out.push_str(before);
            let end = after.find('"').unwrap_or(after.len());
            match self.hashed_names.get(&after[..end]) {
                Some(hashed) => out.push_str(hashed),
                None => out.push_str(&after[..end]),
            }
            rest = &after[end..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(files: &[(&'static str, &'static str)]) -> Table {
        Table::build(
            files
                .iter()
                .map(|(n, body)| (*n, "text/javascript", Cow::Borrowed(body.as_bytes())))
                .collect(),
        )
    }

    #[test]
    fn imports_name_the_hashed_modules_and_a_change_reaches_the_importers() {
        let app =
            "import { a } from './map.js';\nconst u = new URL(\"./lib.js\", import.meta.url);";
        let before = table(&[
            ("app.js", app),
            ("map.js", "export const a = 1;"),
            ("lib.js", "1"),
        ]);
        let after = table(&[
            ("app.js", app),
            ("map.js", "export const a = 2;"),
            ("lib.js", "1"),
        ]);
        let map = before.hashed_names["map.js"].clone();
        let (asset, immutable) = before.get(&before.hashed_names["app.js"]).unwrap();
        assert!(immutable);
        let text = String::from_utf8_lossy(&asset.body);
        assert!(text.contains(&format!("from './{map}'")), "{text}");
        assert!(text.contains(&format!("\"./{}\"", before.hashed_names["lib.js"])));
        // The plain name serves the same (rewritten) module, not immutable.
        let (plain, immutable) = before.get("app.js").unwrap();
        assert!(!immutable);
        assert_eq!(plain.body, asset.body);
        // map.js changed: so did app.js's name; lib.js kept its own.
        assert_ne!(before.hashed_names["map.js"], after.hashed_names["map.js"]);
        assert_ne!(before.hashed_names["app.js"], after.hashed_names["app.js"]);
        assert_eq!(before.hashed_names["lib.js"], after.hashed_names["lib.js"]);
        assert!(before.get("app.0000000000000000.js").is_none());
    }

    #[test]
    fn a_cycle_keeps_plain_names_and_pages_name_hashed_files() {
        let t = table(&[("a.js", "import './b.js';"), ("b.js", "import './a.js';")]);
        assert!(t.get("a.js").is_some() && t.get("b.js").is_some());
        let page = r#"<script src="/assets/a.js"></script><link href="/assets/none.css"><a href="/assets/b.js">"#;
        let out = t.rewrite_html(page);
        assert!(
            out.contains(&format!("\"/assets/{}\"", t.hashed_names["a.js"])),
            "{out}"
        );
        assert!(
            out.contains(&format!("\"/assets/{}\"", t.hashed_names["b.js"])),
            "{out}"
        );
        assert!(out.contains("\"/assets/none.css\""), "{out}");
    }
}
