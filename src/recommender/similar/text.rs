//! Tokenisers for the per-title text fields of the content index.
//!
//! - Lists (`cast`, `country`, `director`, raw `listed_in` entries): split on `,`, each entry
//!   trimmed, inner whitespace runs collapsed to one space, lowercased; empty entries dropped
//!   (netflix has trailing commas such as `"united states,"`).
//! - Descriptions ([`description_words`]): maximal runs of alphanumeric characters (Unicode),
//!   lowercased, so `’`, `'`, `-` and the mis-decoded punctuation of some hulu rows separate
//!   words. Words shorter than 3 characters, pure numbers and [`STOP_WORDS`] are dropped, and a
//!   light plural stemmer maps `mysteries` -> `mystery`, `experiments` -> `experiment`.

use std::sync::OnceLock;

use crate::catalog::cast_members;
use crate::util::hash::FxHashSet;

/// English stop words dropped from descriptions, the fragments left by splitting contractions
/// on their apostrophe (`don`, `isn`, ...), and words nearly every synopsis uses (`film`,
/// `story`, `finds`...), which would otherwise make every description look alike.
pub const STOP_WORDS: &str = "
a about above after again against all along also am among an and another any are around
as at away back be became because become becomes been before behind being below between
both but by can cannot could did do does doing down during each even ever every few for
from further get gets getting had has have having he her here hers herself him himself
his how however i if in into is it its itself just least less let like made make makes
many may me might more most much must my myself never new no nor not now of off on once
one only or other others our ours ourselves out over own same set she should since so
some soon still such take takes than that the their theirs them themselves then there
these they this those though through thus till to too two under until up upon us very
was way we well were what when where whether which while who whom whose why will with
within without would yet you your yours yourself yourselves aren couldn didn doesn don
hadn hasn haven isn ll re shouldn ve wasn weren won wouldn film films movie movies
series show shows story stories finds find help tries try comes come goes go year years
first three four days day time best last big
";

fn is_stop_word(word: &str) -> bool {
    static SET: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.split_whitespace().collect())
        .contains(word)
}

/// A list entry as a token: inner whitespace collapsed to one space, lowercase.
pub fn list_token(entry: &str) -> String {
    let mut out = String::with_capacity(entry.len());
    for word in entry.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_ascii() {
        out.make_ascii_lowercase();
        out
    } else {
        out.to_lowercase()
    }
}

/// The tokens of a comma-separated list field (see the module doc).
pub fn list_tokens(list: &str) -> impl Iterator<Item = String> + '_ {
    cast_members(list).map(list_token)
}

/// The light plural stemmer of descriptions: `ies` -> `y` (words longer than 4), `sses` ->
/// `ss`, else a trailing `s` is dropped from words longer than 3 that do not end in `ss`, `us`
/// or `is` (`experiments` -> `experiment`, but `boss`, `virus`, `crisis` stay).
pub fn stem(word: &str) -> std::borrow::Cow<'_, str> {
    if word.len() > 4 && word.ends_with("ies") {
        return format!("{}y", &word[..word.len() - 3]).into();
    }
    if word.len() > 3
        && word.ends_with('s')
        && !(word.ends_with("ss") || word.ends_with("us") || word.ends_with("is"))
    {
        let cut = if word.ends_with("sses") { 2 } else { 1 };
        return word[..word.len() - cut].into();
    }
    word.into()
}

fn push_word(word: &mut String, out: &mut Vec<String>) {
    if word.chars().count() >= 3 && !word.bytes().all(|b| b.is_ascii_digit()) && !is_stop_word(word)
    {
        let token = stem(word);
        if !is_stop_word(&token) {
            out.push(token.into_owned());
        }
    }
    word.clear();
}

/// The content words of a description (see the module doc), in order, with repeats.
pub fn description_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            if c.is_ascii() {
                word.push(c.to_ascii_lowercase());
            } else {
                word.extend(c.to_lowercase());
            }
        } else if !word.is_empty() {
            push_word(&mut word, &mut out);
        }
    }
    if !word.is_empty() {
        push_word(&mut word, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_trim_and_lowercase() {
        let tokens: Vec<String> =
            list_tokens(" Winona Ryder,David  Harbour , ,United States,").collect();
        assert_eq!(
            tokens,
            vec!["winona ryder", "david harbour", "united states"]
        );
        assert_eq!(list_tokens("").count(), 0);
        assert_eq!(list_tokens(" , ").count(), 0);
    }

    #[test]
    fn description_words_drop_stop_words_and_stem() {
        let words = description_words(
            "When a young boy vanishes, a small town uncovers a mystery involving secret \
             experiments, terrifying supernatural forces and one strange little girl.",
        );
        assert_eq!(
            words,
            vec![
                "young",
                "boy",
                "vanishe",
                "small",
                "town",
                "uncover",
                "mystery",
                "involving",
                "secret",
                "experiment",
                "terrifying",
                "supernatural",
                "force",
                "strange",
                "little",
                "girl"
            ]
        );
        assert_eq!(
            description_words("It’s the world’s 1999 mysteries"),
            vec!["world", "mystery"]
        );
        assert_eq!(description_words("Pokémon ÉTÉ"), vec!["pokémon", "été"]);
        assert_eq!(stem("crisis"), "crisis");
        assert_eq!(stem("bosses"), "boss");
    }
}
