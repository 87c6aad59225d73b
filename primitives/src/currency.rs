//! The chain's currency, GMT: what the runtime's balances count in, the chain spec's token
//! properties and the client's amounts.

/// An amount in plancks.
pub type Balance = u128;

/// Decimal places of one GMT (the chain spec's `tokenDecimals`).
pub const DECIMALS: u8 = 12;

/// The currency's symbol (the chain spec's `tokenSymbol`).
pub const SYMBOL: &str = "GMT";

/// One GMT in plancks.
pub const UNIT: Balance = 10u128.pow(DECIMALS as u32);

/// One thousandth of a GMT.
pub const MILLI_UNIT: Balance = UNIT / 1_000;

/// One millionth of a GMT.
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn one_gmt_is_ten_to_the_twelve_plancks() {
		assert_eq!(UNIT, 1_000_000_000_000);
		assert_eq!((MILLI_UNIT, MICRO_UNIT), (1_000_000_000, 1_000_000));
	}
}
