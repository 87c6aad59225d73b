//! Times and durations as the industry's formats write them: RFC 3339 UTC date-times
//! (OpenADR 3, Atom) and ISO 8601 durations (OpenADR 3 intervals).

/// RFC 3339 UTC time of `ms` since 1970 (`2026-12-07T13:50:00Z`, milliseconds when not whole).
pub fn rfc3339(ms: u64) -> String {
	let secs = ms / 1000;
	let (days, rem) = (secs / 86_400, secs % 86_400);
	// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
	let z = days as i64 + 719_468;
	let era = z.div_euclid(146_097);
	let doe = z - era * 146_097;
	let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
	let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	let mp = (5 * doy + 2) / 153;
	let day = doy - (153 * mp + 2) / 5 + 1;
	let month = if mp < 10 { mp + 3 } else { mp - 9 };
	let year = yoe + era * 400 + i64::from(month <= 2);
	let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
	let frac = if ms % 1000 == 0 { String::new() } else { format!(".{:03}", ms % 1000) };
	format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}{frac}Z")
}

/// ISO 8601 duration of `ms` (`PT60S`, `PT0.5S`).
pub fn iso_duration(ms: u64) -> String {
	if ms % 1000 == 0 {
		format!("PT{}S", ms / 1000)
	} else {
		format!("PT{}.{:03}S", ms / 1000, ms % 1000)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn times_are_rfc3339_and_durations_iso8601() {
		assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
		assert_eq!(rfc3339(1_796_119_920_000), "2026-12-01T10:12:00Z");
		assert_eq!(rfc3339(951_782_400_500), "2000-02-29T00:00:00.500Z");
		assert_eq!(iso_duration(60_000), "PT60S");
		assert_eq!(iso_duration(1_500), "PT1.500S");
	}
}
