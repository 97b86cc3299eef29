//! Number matching on push approvals: the signing-in device shows a number, the approving device
//! offers three and the user picks the one they see. A bare "Approve" no longer counts as out of
//! band (security-numbers: push bombing); a wrong pick means someone else may be signing in.

use crate::Entropy;

/// What an approval's number says, against the push's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The push asks for no number.
    NotAsked,
    /// The push asks for one and none came: refuse the request, change nothing.
    Missing,
    /// Another number than the one shown: reject the push (someone else may be signing in).
    Wrong,
    Right,
}

impl Pick {
    /// Judges the number an approval carries against the one the push asks for.
    pub fn of(expected: Option<u8>, given: Option<u8>) -> Self {
        match (expected, given) {
            (None, _) => Self::NotAsked,
            (Some(_), None) => Self::Missing,
            (Some(e), Some(g)) if e == g => Self::Right,
            (Some(_), Some(_)) => Self::Wrong,
        }
    }

    /// What both servers say when an approval lacks its number ([`Pick::Missing`]).
    pub const MISSING: &'static str = "this push asks for the number shown on the signing-in device: send it as number";
}

/// The numbers drawn for one push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberChallenge {
    /// Shown on the signing-in device; 10 to 99.
    pub number: u8,
    /// Offered on the approving device: `number` and two others, in random order.
    pub choices: [u8; 3],
}

impl NumberChallenge {
    const LOW: u8 = 10;
    const SPAN: u32 = 90;

    pub fn draw(entropy: &Entropy) -> Self {
        let pick = || Self::LOW + u8::try_from(entropy.below(Self::SPAN)).unwrap_or(0);
        let number = pick();
        let mut choices = [number; 3];
        for i in 1..3 {
            choices[i] = loop {
                let other = pick();
                if !choices[..i].contains(&other) {
                    break other;
                }
            };
        }
        let at = usize::try_from(entropy.below(3)).unwrap_or(0);
        choices.swap(0, at);
        Self { number, choices }
    }

    /// Choices as stored: `"37,12,85"`.
    pub fn choices_text(choices: &[u8]) -> String {
        choices.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
    }

    /// Reads [`Self::choices_text`] back (none, or an unreadable text, reads as no choices).
    pub fn parse_choices(text: Option<&str>) -> Vec<u8> {
        text.map(|t| t.split(',').filter_map(|c| c.trim().parse().ok()).collect()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_number_is_one_of_three_distinct_two_digit_choices() {
        let entropy = Entropy::seeded(7);
        let mut positions = [0u32; 3];
        for _ in 0..300 {
            let c = NumberChallenge::draw(&entropy);
            assert!((10..=99).contains(&c.number), "{c:?}");
            assert!(c.choices.iter().all(|n| (10..=99).contains(n)), "{c:?}");
            assert!(
                c.choices[0] != c.choices[1] && c.choices[1] != c.choices[2] && c.choices[0] != c.choices[2],
                "{c:?}"
            );
            let at = c.choices.iter().position(|n| *n == c.number).expect("the number is offered");
            positions[at] += 1;
            assert_eq!(
                NumberChallenge::parse_choices(Some(&NumberChallenge::choices_text(&c.choices))),
                c.choices.to_vec()
            );
        }
        assert!(positions.iter().all(|p| *p > 50), "the right number is not always in one place: {positions:?}");
    }

    #[test]
    fn an_approval_is_judged_by_its_number() {
        assert_eq!(Pick::of(None, None), Pick::NotAsked);
        assert_eq!(Pick::of(None, Some(42)), Pick::NotAsked, "a number nobody asked for is ignored");
        assert_eq!(Pick::of(Some(42), None), Pick::Missing);
        assert_eq!(Pick::of(Some(42), Some(24)), Pick::Wrong);
        assert_eq!(Pick::of(Some(42), Some(42)), Pick::Right);
    }

    #[test]
    fn a_seed_draws_the_same_numbers() {
        let (a, b) = (Entropy::seeded(3), Entropy::seeded(3));
        assert_eq!(NumberChallenge::draw(&a), NumberChallenge::draw(&b));
        assert_eq!(NumberChallenge::parse_choices(Some("bad,,5")), vec![5]);
        assert_eq!(NumberChallenge::parse_choices(None), Vec::<u8>::new());
    }
}
