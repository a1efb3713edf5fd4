//! A task batch's `slug`: three words, adjective-noun-participle
//! (`characteristic-bug-photographed` in the seed), chosen deterministically from its id.

use sha2::{Digest, Sha256};

const ADJECTIVES: [&str; 40] = [
    "amber",
    "brave",
    "calm",
    "characteristic",
    "curious",
    "dapper",
    "eager",
    "fancy",
    "gentle",
    "glossy",
    "humble",
    "icy",
    "jolly",
    "keen",
    "lively",
    "mellow",
    "nimble",
    "odd",
    "patient",
    "quiet",
    "rapid",
    "rustic",
    "shy",
    "silver",
    "sturdy",
    "tidy",
    "upbeat",
    "vivid",
    "wary",
    "witty",
    "young",
    "zesty",
    "bold",
    "crisp",
    "dusty",
    "frosty",
    "golden",
    "hollow",
    "mossy",
    "polite",
];

const NOUNS: [&str; 40] = [
    "bug", "heron", "otter", "falcon", "badger", "crane", "lantern", "meadow", "river", "pebble",
    "harbor", "willow", "comet", "beacon", "canyon", "dune", "ember", "fern", "glacier", "island",
    "jaguar", "kettle", "lichen", "marble", "nebula", "orchard", "parrot", "quarry", "raven",
    "spruce", "thistle", "tundra", "valley", "walrus", "yak", "zephyr", "acorn", "bison", "cedar",
    "delta",
];

const PARTICIPLES: [&str; 40] = [
    "photographed",
    "updated",
    "stretched",
    "painted",
    "polished",
    "sorted",
    "counted",
    "folded",
    "gathered",
    "measured",
    "labelled",
    "traced",
    "weighed",
    "sketched",
    "mapped",
    "scanned",
    "tagged",
    "bundled",
    "charted",
    "decoded",
    "filtered",
    "grouped",
    "hatched",
    "indexed",
    "juggled",
    "knitted",
    "launched",
    "mended",
    "noted",
    "ordered",
    "planted",
    "quilted",
    "ranked",
    "sampled",
    "tuned",
    "unpacked",
    "varnished",
    "woven",
    "zipped",
    "balanced",
];

/// The slug for `id`: the same id always gives the same three words, joined by `-`.
pub fn slug(id: &str) -> String {
    let digest = Sha256::digest(id.as_bytes());
    let pick = |words: &[&'static str], at: usize| -> &'static str {
        let n = u16::from_be_bytes([digest[at], digest[at + 1]]) as usize;
        words[n % words.len()]
    };
    format!(
        "{}-{}-{}",
        pick(&ADJECTIVES, 0),
        pick(&NOUNS, 2),
        pick(&PARTICIPLES, 4)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn deterministic() {
        let id = "60649254-69b4-11e9-bef7-60f81dab267a";
        assert_eq!(slug(id), slug(id));
        assert_ne!(slug(id), slug("45b000fa-65d7-11e9-9d46-60f81dab267a"));
    }

    #[test]
    fn three_words_from_the_lists() {
        for i in 0..200 {
            let s = slug(&format!("batch-{i}"));
            let words: Vec<&str> = s.split('-').collect();
            assert_eq!(words.len(), 3, "{s}");
            assert!(ADJECTIVES.contains(&words[0]), "{s}");
            assert!(NOUNS.contains(&words[1]), "{s}");
            assert!(PARTICIPLES.contains(&words[2]), "{s}");
        }
    }

    #[test]
    fn lists_are_long_distinct_and_hyphen_free() {
        for list in [&ADJECTIVES[..], &NOUNS[..], &PARTICIPLES[..]] {
            assert!(list.len() >= 32);
            assert_eq!(list.iter().collect::<HashSet<_>>().len(), list.len());
            assert!(
                list.iter()
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
            );
        }
    }

    #[test]
    fn spreads_over_many_slugs() {
        let distinct: HashSet<String> = (0..500).map(|i| slug(&i.to_string())).collect();
        assert!(distinct.len() > 490, "{}", distinct.len());
    }
}
