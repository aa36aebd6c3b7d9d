//! Instants as the account page shows them: `2 Dec 2026, 04:10 UTC`.

use crate::UnixTime;

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `at` as a date and time in UTC.
pub(crate) fn shown_date(at: UnixTime) -> String {
    let secs = at.as_secs();
    let (days, of_day) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil(days);
    let month = MONTHS[usize::try_from(month - 1).unwrap_or(0)];
    format!("{day} {month} {year}, {:02}:{:02} UTC", of_day / 3600, of_day % 3600 / 60)
}

/// The proleptic Gregorian (year, month 1–12, day 1–31) of the day
/// `days` after 1970-01-01: counted in 400-year eras of 146,097 days,
/// with years starting on 1 March so that the leap day falls last.
fn civil(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468; // days from 0000-03-01
    let era = shifted / 146_097;
    let of_era = shifted % 146_097;
    let year_of_era = (of_era - of_era / 1460 + of_era / 36_524 - of_era / 146_096) / 365;
    let of_year = of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * of_year + 2) / 153; // 0 = March
    let day = of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_utc() {
        assert_eq!(shown_date(UnixTime::from_secs(0)), "1 Jan 1970, 00:00 UTC");
        assert_eq!(shown_date(UnixTime::from_secs(951_782_400)), "29 Feb 2000, 00:00 UTC");
        assert_eq!(shown_date(UnixTime::from_secs(1_796_184_600)), "2 Dec 2026, 04:10 UTC");
        assert_eq!(shown_date(UnixTime::from_secs(4_133_980_799)), "31 Dec 2100, 23:59 UTC");
    }
}
