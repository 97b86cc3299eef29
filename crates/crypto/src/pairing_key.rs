//! Manual pairing keys: what the user reads off a web page and types into the app.
//!
//! Alphabet: the 20 consonants of RFC 8628 section 6.1 (no vowels, so no words; no look-alike
//! digits). Twelve characters give 20^12 ≈ 2^51.9 — above the 40 bits asked for a code typed next
//! to a username. Shown as `XXXX-XXXX-XXXX`; case, spaces and dashes are ignored on entry.

/// RFC 8628's user-code alphabet.
pub const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// Characters in a key (without dashes).
pub const KEY_LENGTH: usize = 12;

/// Builds a key from a source of uniform indices below 20 (one call per character).
pub fn generate(mut below_20: impl FnMut() -> u32) -> String {
    let raw: String = (0..KEY_LENGTH).map(|_| ALPHABET[(below_20() % 20) as usize] as char).collect();
    format_key(&raw)
}

/// `BCDFGHJKLMNP` -> `BCDF-GHJK-LMNP`.
pub fn format_key(raw: &str) -> String {
    raw.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// The canonical form of what a user typed: upper case, spaces and dashes removed. `None` when
/// what is left is not a well-formed key (wrong length or a character outside the alphabet).
pub fn normalize(typed: &str) -> Option<String> {
    let canonical: String =
        typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    let well_formed = canonical.len() == KEY_LENGTH && canonical.bytes().all(|b| ALPHABET.contains(&b));
    well_formed.then_some(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_formatted_and_normalize_back() {
        let e = moderno_ambient::Entropy::seeded(3);
        let key = generate(|| e.below(20));
        assert_eq!(key.len(), 14, "{key}");
        assert_eq!(key.matches('-').count(), 2);
        let canonical = normalize(&key).unwrap();
        assert_eq!(format_key(&canonical), key);
    }

    #[test]
    fn entry_ignores_case_spaces_and_dashes() {
        assert_eq!(normalize(" bcdf ghjk-lmnp ").as_deref(), Some("BCDFGHJKLMNP"));
        assert_eq!(normalize("BCDF-GHJK-LMNP").as_deref(), Some("BCDFGHJKLMNP"));
    }

    #[test]
    fn malformed_entries_are_refused() {
        assert_eq!(normalize("BCDF-GHJK-LMN"), None, "too short");
        assert_eq!(normalize("BCDF-GHJK-LMNA"), None, "vowel");
        assert_eq!(normalize("BCDF-GHJK-LMN0"), None, "digit");
        assert_eq!(normalize(""), None);
    }
}
