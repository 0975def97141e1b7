//! Genre normalisation across the four platforms: the rules and their data, in this one file.
//!
//! The platforms name the same genre differently (netflix `tv horror` / `horror movies`, amazon
//! and hulu `horror`; netflix `sci-fi & fantasy`, the others `science fiction` and `fantasy`...).
//! [`normalise_genre`] maps one raw lowercase `listed_in` entry to zero or more canonical genre
//! tokens, so that the content vectors match across platforms. The steps, in order:
//!
//! 1. Clean: trim, lowercase, collapse runs of whitespace.
//! 2. [`WHOLE`]: the few raw values the rules below cannot take apart (amazon's comma-split
//!    `arts` / `entertainment` / `and culture`, `adult animation`, `concert film`,
//!    `romantic comedy`). Found: done.
//! 3. Format words: values in [`DROP`] (`movies`, `tv shows`, `series`) carry no genre (the
//!    title's type is its own feature) and map to nothing.
//! 4. Strip one leading [`PREFIXES`] (`tv `) and one trailing [`SUFFIXES`] (` tv shows`,
//!    ` movies`, ` tv`, ` features`, ` series`): `tv dramas` -> `dramas`,
//!    `horror movies` -> `horror`, `anime series` -> `anime`.
//! 5. Split on [`SEPARATORS`] (` & `, ` and `, `/`): `sci-fi & fantasy` -> `sci-fi`, `fantasy`.
//! 6. Singularise each part's last word: `ies` -> `y`, else a trailing `s` is dropped unless the
//!    word ends in `ss`, `us` or `is`, or the part is in [`KEEP_PLURAL`] (`kids`, `sports`, ...):
//!    `comedies` -> `comedy`, `documentaries` -> `documentary`, `game shows` -> `game show`.
//! 7. [`SYNONYMS`]: a part found there is replaced by its list (possibly several tokens:
//!    `docuseries` -> `documentary`, `docuseries`; `sitcom` -> `comedy`, `sitcom`), else it
//!    stays as it is.
//! 8. Tokens are deduplicated, first occurrence kept.
//!
//! Every raw value found in the four catalogs is checked against its expected tokens in the tests
//! below; unseen values still go through the generic steps 1 and 3-8.

/// Raw values (after cleaning) mapped as a whole, before any other rule.
pub const WHOLE: &[(&str, &[&str])] = &[
    // amazon's "Arts, Entertainment, and Culture" arrives split on its commas.
    ("arts", &["arts"]),
    ("entertainment", &["arts"]),
    ("and culture", &["arts"]),
    ("adult animation", &["animation", "adult animation"]),
    ("concert film", &["music", "concert"]),
    ("romantic comedy", &["romance", "comedy"]),
];

/// Values that name a format, not a genre: they map to no token.
pub const DROP: &[&str] = &["movies", "movie", "tv shows", "tv show", "series", "tv"];

/// Leading words stripped once (netflix marks its series' genres with `tv `).
pub const PREFIXES: &[&str] = &["tv "];

/// Trailing words stripped once (the first that matches, longest listed first).
pub const SUFFIXES: &[&str] = &[" tv shows", " movies", " features", " series", " tv"];

/// Separators that join two genres in one value.
pub const SEPARATORS: &[&str] = &[" & ", " and ", "/"];

/// Parts whose trailing `s` is not a plural.
pub const KEEP_PLURAL: &[&str] = &[
    "kids",
    "kids'",
    "sports",
    "news",
    "arts",
    "docuseries",
    "series",
    "black stories",
    "lgbtq+",
];

/// Canonical tokens for a (singular) part. Parts not listed are their own token.
pub const SYNONYMS: &[(&str, &[&str])] = &[
    ("sci-fi", &["science fiction"]),
    ("children", &["kids"]),
    ("kids'", &["kids"]),
    ("kid", &["kids"]),
    ("cartoon", &["animation"]),
    ("docuseries", &["documentary", "docuseries"]),
    ("historical", &["history"]),
    ("biographical", &["biography"]),
    ("suspense", &["thriller"]),
    ("romantic", &["romance"]),
    ("sitcom", &["comedy", "sitcom"]),
    ("sketch comedy", &["comedy", "sketch comedy"]),
    ("parody", &["comedy", "parody"]),
    ("stand-up comedy", &["stand-up", "comedy"]),
    ("unscripted", &["reality"]),
    ("lgbtq+", &["lgbtq"]),
    ("spirituality", &["faith"]),
    ("competition", &["game show"]),
    ("melodrama", &["drama"]),
    ("soap opera", &["soap opera", "drama"]),
    ("espionage", &["spy"]),
    ("police", &["crime"]),
    ("cop", &["crime"]),
    ("food", &["cooking"]),
    ("wellness", &["health"]),
    ("fitness", &["fitness", "health"]),
    ("animal", &["nature"]),
    ("concert", &["music", "concert"]),
    ("music video", &["music"]),
    ("culture", &["arts"]),
    ("arthouse", &["independent"]),
    ("military", &["war"]),
    ("action-adventure", &["action", "adventure"]),
    ("stand up", &["stand-up", "comedy"]),
    ("late night", &["talk show"]),
    ("young adult audience", &["teen"]),
];

fn lookup<'a>(table: &'a [(&str, &'a [&str])], key: &str) -> Option<&'a [&'a str]> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// Trim, lowercase and collapse whitespace runs to one space.
fn clean(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for word in raw.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.bytes().any(|b| b.is_ascii_uppercase()) || !out.is_ascii() {
        out = out.to_lowercase();
    }
    out
}

/// Step 6: singularise the last word of `part` (see the module doc).
fn singular(part: &str) -> String {
    if KEEP_PLURAL.contains(&part) {
        return part.to_string();
    }
    let start = part.rfind(' ').map_or(0, |p| p + 1);
    let (head, last) = part.split_at(start);
    let last = if last.len() > 4 && last.ends_with("ies") {
        format!("{}y", &last[..last.len() - 3])
    } else if last.len() > 3
        && last.ends_with('s')
        && !(last.ends_with("ss") || last.ends_with("us") || last.ends_with("is"))
    {
        last[..last.len() - 1].to_string()
    } else {
        last.to_string()
    };
    format!("{head}{last}")
}

fn push_unique(out: &mut Vec<String>, token: &str) {
    if !token.is_empty() && !out.iter().any(|t| t == token) {
        out.push(token.to_string());
    }
}

/// The canonical genre tokens of one raw `listed_in` entry (see the module doc for the rules).
pub fn normalise_genre(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    normalise_genre_into(raw, &mut out);
    out
}

/// [`normalise_genre`], appending to `out` (deduplicated against what `out` already holds).
pub fn normalise_genre_into(raw: &str, out: &mut Vec<String>) {
    let value = clean(raw);
    if value.is_empty() || DROP.contains(&value.as_str()) {
        return;
    }
    if let Some(tokens) = lookup(WHOLE, &value) {
        tokens.iter().for_each(|t| push_unique(out, t));
        return;
    }
    let mut rest = value.as_str();
    for prefix in PREFIXES {
        if let Some(stripped) = rest.strip_prefix(prefix) {
            rest = stripped;
            break;
        }
    }
    for suffix in SUFFIXES {
        if let Some(stripped) = rest.strip_suffix(suffix) {
            rest = stripped;
            break;
        }
    }
    if rest.is_empty() || DROP.contains(&rest) {
        return;
    }
    let mut parts = vec![rest.to_string()];
    for separator in SEPARATORS {
        parts = parts
            .iter()
            .flat_map(|p| p.split(separator).map(str::trim).map(str::to_string))
            .filter(|p| !p.is_empty())
            .collect();
    }
    for part in parts {
        let part = singular(&part);
        match lookup(SYNONYMS, &part) {
            Some(tokens) => tokens.iter().for_each(|t| push_unique(out, t)),
            None => push_unique(out, &part),
        }
    }
}

/// The raw entries of a `listed_in` field: comma-separated, trimmed, empty entries dropped (the
/// same splitting rule as `cast`, see [`super::cast_members`]).
pub fn genre_entries(listed_in: &str) -> impl Iterator<Item = &str> {
    super::cast_members(listed_in)
}

/// The canonical genre set of a whole `listed_in` field (comma-separated), in first-seen order.
pub fn normalise_listed_in(listed_in: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in genre_entries(listed_in) {
        normalise_genre_into(raw, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every raw value of the four catalogs (lowercase, as the ETL leaves them) and its tokens.
    const OBSERVED: &[(&str, &[&str])] = &[
        ("action", &["action"]),
        ("action & adventure", &["action", "adventure"]),
        ("action-adventure", &["action", "adventure"]),
        ("adult animation", &["animation", "adult animation"]),
        ("adventure", &["adventure"]),
        ("and culture", &["arts"]),
        ("animals & nature", &["nature"]),
        ("animation", &["animation"]),
        ("anime", &["anime"]),
        ("anime features", &["anime"]),
        ("anime series", &["anime"]),
        ("anthology", &["anthology"]),
        ("arthouse", &["independent"]),
        ("arts", &["arts"]),
        ("biographical", &["biography"]),
        ("black stories", &["black stories"]),
        ("british tv shows", &["british"]),
        ("buddy", &["buddy"]),
        ("cartoons", &["animation"]),
        ("children & family movies", &["kids", "family"]),
        ("classic & cult tv", &["classic", "cult"]),
        ("classic movies", &["classic"]),
        ("classics", &["classic"]),
        ("comedies", &["comedy"]),
        ("comedy", &["comedy"]),
        ("coming of age", &["coming of age"]),
        ("concert film", &["music", "concert"]),
        ("cooking & food", &["cooking"]),
        ("crime", &["crime"]),
        ("crime tv shows", &["crime"]),
        ("cult movies", &["cult"]),
        ("dance", &["dance"]),
        ("disaster", &["disaster"]),
        ("documentaries", &["documentary"]),
        ("documentary", &["documentary"]),
        ("docuseries", &["documentary", "docuseries"]),
        ("drama", &["drama"]),
        ("dramas", &["drama"]),
        ("entertainment", &["arts"]),
        ("faith & spirituality", &["faith"]),
        ("faith and spirituality", &["faith"]),
        ("family", &["family"]),
        ("fantasy", &["fantasy"]),
        ("fitness", &["fitness", "health"]),
        ("game show / competition", &["game show"]),
        ("game shows", &["game show"]),
        ("health & wellness", &["health"]),
        ("historical", &["history"]),
        ("history", &["history"]),
        ("horror", &["horror"]),
        ("horror movies", &["horror"]),
        ("independent movies", &["independent"]),
        ("international", &["international"]),
        ("international movies", &["international"]),
        ("international tv shows", &["international"]),
        ("kids", &["kids"]),
        ("kids' tv", &["kids"]),
        ("korean tv shows", &["korean"]),
        ("late night", &["talk show"]),
        ("latino", &["latino"]),
        ("lgbtq", &["lgbtq"]),
        ("lgbtq movies", &["lgbtq"]),
        ("lgbtq+", &["lgbtq"]),
        ("lifestyle", &["lifestyle"]),
        ("lifestyle & culture", &["lifestyle", "arts"]),
        ("medical", &["medical"]),
        ("military and war", &["war"]),
        ("movies", &[]),
        ("music", &["music"]),
        ("music & musicals", &["music", "musical"]),
        ("music videos and concerts", &["music", "concert"]),
        ("musical", &["musical"]),
        ("mystery", &["mystery"]),
        ("news", &["news"]),
        ("parody", &["comedy", "parody"]),
        ("police/cop", &["crime"]),
        ("reality", &["reality"]),
        ("reality tv", &["reality"]),
        ("romance", &["romance"]),
        ("romantic comedy", &["romance", "comedy"]),
        ("romantic movies", &["romance"]),
        ("romantic tv shows", &["romance"]),
        ("sci-fi & fantasy", &["science fiction", "fantasy"]),
        ("science & nature tv", &["science", "nature"]),
        ("science & technology", &["science", "technology"]),
        ("science fiction", &["science fiction"]),
        ("series", &[]),
        ("sitcom", &["comedy", "sitcom"]),
        ("sketch comedy", &["comedy", "sketch comedy"]),
        ("soap opera / melodrama", &["soap opera", "drama"]),
        ("spanish-language tv shows", &["spanish-language"]),
        ("special interest", &["special interest"]),
        ("sports", &["sports"]),
        ("sports movies", &["sports"]),
        ("spy/espionage", &["spy"]),
        ("stand up", &["stand-up", "comedy"]),
        ("stand-up comedy", &["stand-up", "comedy"]),
        (
            "stand-up comedy & talk shows",
            &["stand-up", "comedy", "talk show"],
        ),
        ("superhero", &["superhero"]),
        ("survival", &["survival"]),
        ("suspense", &["thriller"]),
        ("talk show", &["talk show"]),
        ("talk show and variety", &["talk show", "variety"]),
        ("teen", &["teen"]),
        ("teen tv shows", &["teen"]),
        ("thriller", &["thriller"]),
        ("thrillers", &["thriller"]),
        ("travel", &["travel"]),
        ("tv action & adventure", &["action", "adventure"]),
        ("tv comedies", &["comedy"]),
        ("tv dramas", &["drama"]),
        ("tv horror", &["horror"]),
        ("tv mysteries", &["mystery"]),
        ("tv sci-fi & fantasy", &["science fiction", "fantasy"]),
        ("tv shows", &[]),
        ("tv thrillers", &["thriller"]),
        ("unscripted", &["reality"]),
        ("variety", &["variety"]),
        ("western", &["western"]),
        ("young adult audience", &["teen"]),
    ];

    #[test]
    fn every_observed_value_maps_as_expected() {
        for (raw, expected) in OBSERVED {
            assert_eq!(normalise_genre(raw), *expected, "raw value {raw:?}");
        }
    }

    #[test]
    fn the_issue_pairs_match_across_platforms() {
        for (a, b) in [
            ("tv horror", "horror"),
            ("tv dramas", "drama"),
            ("kids' tv", "kids"),
            ("documentaries", "documentary"),
            ("international tv shows", "international movies"),
            ("horror movies", "horror"),
        ] {
            assert_eq!(normalise_genre(a), normalise_genre(b), "{a} vs {b}");
        }
        let scifi = normalise_genre("sci-fi & fantasy");
        assert!(scifi.contains(&"science fiction".to_string()));
        assert!(scifi.contains(&"fantasy".to_string()));
    }

    #[test]
    fn cleaning_and_unseen_values() {
        assert_eq!(normalise_genre("  TV   Horror "), vec!["horror"]);
        assert_eq!(normalise_genre("Westerns"), vec!["western"]);
        assert_eq!(
            normalise_genre("tv westerns & comedies"),
            vec!["western", "comedy"]
        );
        assert!(normalise_genre("").is_empty());
        assert_eq!(
            normalise_listed_in("TV Horror, TV Mysteries, TV Sci-Fi & Fantasy"),
            vec!["horror", "mystery", "science fiction", "fantasy"]
        );
        assert_eq!(
            normalise_listed_in("Arts, Entertainment, and Culture"),
            vec!["arts"]
        );
        assert_eq!(
            normalise_listed_in("Dramas, International Movies, Movies"),
            vec!["drama", "international"]
        );
    }

    #[test]
    fn the_test_table_holds_every_value_of_the_bundled_catalogs() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/streamrec/data");
        let table = crate::catalog::read_catalog_dir(&dir).unwrap();
        let mut seen: Vec<&str> = table
            .titles
            .iter()
            .filter_map(|title| title.listed_in.as_deref())
            .flat_map(genre_entries)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        let listed: Vec<&str> = OBSERVED.iter().map(|(raw, _)| *raw).collect();
        let missing: Vec<&&str> = seen.iter().filter(|raw| !listed.contains(raw)).collect();
        assert!(
            missing.is_empty(),
            "raw genres without an expected mapping: {missing:?}"
        );
        assert_eq!(seen.len(), 120);
        assert_eq!(listed.len(), 120);
    }
}
