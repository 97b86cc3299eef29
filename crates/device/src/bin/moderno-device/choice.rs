//! Reading the user's trust choice and ignore interval from flags or typed answers.

use moderno_device::{DeviceError, UserSelection};
use moderno_wire::device_api::{IgnoreInterval, IntervalUnit};
use moderno_wire::payload::TrustLevel;

/// `10m`, `2h`, `3d`, `1w`, `1mo`, `1y` or `always`.
pub fn parse_interval(text: &str) -> Result<IgnoreInterval, String> {
    let text = text.trim().to_ascii_lowercase();
    if text == "always" {
        return Ok(IgnoreInterval { value: 0, unit: IntervalUnit::Always });
    }
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let unit = match suffix {
        "m" | "min" => IntervalUnit::Minutes,
        "h" => IntervalUnit::Hours,
        "d" => IntervalUnit::Days,
        "w" => IntervalUnit::Weeks,
        "mo" => IntervalUnit::Months,
        "y" => IntervalUnit::Years,
        _ => return Err(format!("{text:?} is not an interval: use 10m, 2h, 3d, 1w, 1mo, 1y or always")),
    };
    let value: u32 = number.parse().map_err(|_| format!("{text:?} has no number before its unit"))?;
    if value == 0 {
        return Err("an interval must be at least 1".into());
    }
    Ok(IgnoreInterval { value, unit })
}

/// `primary`, `trusted` or `ignore` (the last needs an interval).
pub fn parse_level(text: &str) -> Result<TrustLevel, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "primary" | "p" => Ok(TrustLevel::Primary),
        "trusted" | "t" => Ok(TrustLevel::Trusted),
        "ignore" | "i" => Ok(TrustLevel::Ignore),
        other => Err(format!("{other:?} is not a trust level: use primary, trusted or ignore")),
    }
}

pub fn selection(level: TrustLevel, interval: Option<IgnoreInterval>) -> Result<UserSelection, DeviceError> {
    match (level, interval) {
        (TrustLevel::Ignore, Some(interval)) => Ok(UserSelection::Ignore(interval)),
        (TrustLevel::Ignore, None) => Err(DeviceError::InvalidInput("ignore needs an interval (--ignore-for)".into())),
        (level, _) => Ok(UserSelection::Trust(level)),
    }
}

pub fn describe(level: TrustLevel) -> &'static str {
    match level {
        TrustLevel::Primary => "primary  - this device approves the user's other logins",
        TrustLevel::Trusted => "trusted  - pair this device",
        TrustLevel::Ignore => "ignore   - do not pair now; log in without MFA for a while",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_read_in_every_unit() {
        let read = |t: &str| parse_interval(t).map(|i| (i.value, i.unit));
        assert_eq!(read("10m"), Ok((10, IntervalUnit::Minutes)));
        assert_eq!(read("2h"), Ok((2, IntervalUnit::Hours)));
        assert_eq!(read("3d"), Ok((3, IntervalUnit::Days)));
        assert_eq!(read("1w"), Ok((1, IntervalUnit::Weeks)));
        assert_eq!(read("1mo"), Ok((1, IntervalUnit::Months)));
        assert_eq!(read("1Y"), Ok((1, IntervalUnit::Years)));
        assert_eq!(read("always"), Ok((0, IntervalUnit::Always)));
        for bad in ["", "m", "0d", "3x", "-1d", "1.5h"] {
            assert!(parse_interval(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn levels_read_and_ignore_needs_an_interval() {
        assert_eq!(parse_level("Primary"), Ok(TrustLevel::Primary));
        assert!(parse_level("admin").is_err());
        assert!(selection(TrustLevel::Ignore, None).is_err());
        let week = IgnoreInterval { value: 1, unit: IntervalUnit::Weeks };
        assert_eq!(selection(TrustLevel::Ignore, Some(week)).ok(), Some(UserSelection::Ignore(week)));
        assert_eq!(selection(TrustLevel::Trusted, Some(week)).ok(), Some(UserSelection::Trust(TrustLevel::Trusted)));
    }
}
