//! Bundles (PROTOCOL.md §4, collection): an aggregator's node collects meters' readings, checks
//! them, and sends many as one [`Pallet::submit_bundle`] transaction signed with its own key.
//!
//! The bundle's authorization is cheap and does not look at the readings: a current
//! aggregator's key, a bounded size, the next sequence number of that aggregator (the replay
//! guard) and its signature over the contents. Each reading is checked when the bundle is
//! applied, exactly as a reading sent alone ([`check_window`], [`check_setup`], replay,
//! [`check_in_filter`], the PRID signature: batch-verified per group, by the node's own host
//! function), in every block that holds it, by every aggregator that imports it; a reading that fails (forged, late, sent to two aggregators and stored by
//! the other's bundle) is skipped and counted ([`BundleSkips`]), never failing the bundle.

use crate::{traits::Collectors, *};
use alloc::{collections::BTreeSet, vec::Vec};
use codec::Encode;
use frame_support::{pallet_prelude::*, traits::Time};
use gridmask_primitives::{bundle::bundle_signing_message, host::gridmask_crypto};
use sp_runtime::transaction_validity::{
	TransactionSource, TransactionValidityWithRefund, ValidTransaction,
};

/// Prefix of the pool tags of bundles: a bundle provides `("gridmask-bundle", collector, seq)`
/// and, unless it is the collector's next one, requires `seq − 1`'s.
pub const BUNDLE_TAG_PREFIX: &str = "gridmask-bundle";

/// Number of shares in all of `groups`.
pub fn bundle_shares<S: Get<u32>>(groups: &[BundleGroup<S>]) -> u32 {
	groups.iter().fold(0u32, |n, g| n.saturating_add(g.shares.len() as u32))
}

impl<T: Config> Pallet<T> {
	/// `#[pallet::authorize]` of [`Pallet::submit_bundle`].
	pub(crate) fn authorize_submit_bundle(
		source: TransactionSource,
		collector: &CollectorKey,
		seq: &u64,
		groups: &BundleGroupsOf<T>,
		signature: &CollectorSignature,
	) -> TransactionValidityWithRefund {
		let valid = Self::check_bundle(source, collector, *seq, groups, signature)?;
		Ok((valid, Weight::zero()))
	}

	/// The authorization of a bundle, cheapest first (see [`BundleRejection`]). In the pool a
	/// bundle may run up to [`Config::MaxBundlesAhead`] sequence numbers ahead, waiting for the
	/// ones before (`requires`); in a block it must be the collector's next.
	pub fn check_bundle(
		source: TransactionSource,
		collector: &CollectorKey,
		seq: u64,
		groups: &[BundleGroup<T::MaxBundleShares>],
		signature: &CollectorSignature,
	) -> Result<ValidTransaction, BundleRejection> {
		if !T::Collectors::is_collector(collector) {
			return Err(BundleRejection::NotCollector);
		}
		let shares = bundle_shares(groups);
		if shares == 0 {
			return Err(BundleRejection::EmptyBundle);
		}
		if shares > T::MaxBundleShares::get() {
			return Err(BundleRejection::OversizeBundle);
		}
		let next = BundleSeqs::<T>::get(collector);
		let ahead = seq.checked_sub(next).ok_or(BundleRejection::StaleBundle)?;
		if ahead > u64::from(T::MaxBundlesAhead::get())
			|| (source == TransactionSource::InBlock && ahead != 0)
		{
			return Err(BundleRejection::FutureBundle);
		}
		let contents = sp_io::hashing::blake2_256(&groups.encode());
		let message = bundle_signing_message(&Self::genesis_hash(), &collector.0, seq, &contents);
		if !sp_io::crypto::sr25519_verify(signature, &message, collector) {
			return Err(BundleRejection::BadCollectorSignature);
		}
		let tag = |seq: u64| (BUNDLE_TAG_PREFIX, collector, seq).encode();
		Ok(ValidTransaction {
			priority: T::ReadingPriority::get(),
			requires: if ahead > 0 { alloc::vec![tag(seq - 1)] } else { Vec::new() },
			provides: alloc::vec![tag(seq)],
			longevity: T::BundleLongevity::get(),
			propagate: true,
		})
	}

	/// Store every share of `groups` that a reading sent alone would have been accepted
	/// with, now; skip and count the others. One accumulator write per group.
	///
	/// The signatures of a group's shares that pass the other checks are verified as one batch
	/// (the node's [`gridmask_crypto::verify_readings`]); only if the batch fails are they
	/// verified one by one, to skip exactly the bad ones. Returns what was stored, what was
	/// skipped, and how many signatures were verified one by one (the weight of that fallback
	/// is charged up front and refunded when no batch fails).
	pub(crate) fn apply_bundle(
		groups: &[BundleGroup<T::MaxBundleShares>],
	) -> (u32, BundleSkips, u32) {
		let time = Self::started_time();
		let now = T::Clock::now();
		let genesis = Self::genesis_hash();
		let mut stored = 0u32;
		let mut one_by_one = 0u32;
		let mut skips = BundleSkips::default();
		for group in groups {
			let (region, period) = (group.region, group.period);
			let setup = match check_window(time, now, period)
				.and_then(|_| check_setup(Setups::<T>::get(region, period)))
			{
				Ok(setup) => setup,
				Err(r) => {
					skips.add(r, group.shares.len() as u32);
					continue;
				},
			};
			// Every check but the signature, share by share; a PRID twice in the group counts
			// as stored by its first occurrence.
			let mut seen = BTreeSet::new();
			let mut candidates = Vec::with_capacity(group.shares.len());
			for share in &group.shares {
				let checked = if share.masked.len() != setup.z.len() {
					Err(ReadingRejection::WrongShape)
				} else if Shares::<T>::contains_key((region, period), share.prid)
					|| !seen.insert(share.prid)
				{
					Err(ReadingRejection::DuplicatePrid)
				} else {
					check_in_filter(&setup, &share.prid, |index| {
						Bf1Chunks::<T>::get((region, period), index)
					})
				};
				match checked {
					Ok(()) => candidates.push(share.reading(genesis, region, period)),
					Err(r) => skips.add(r, 1),
				}
			}
			if !gridmask_crypto::verify_readings(&candidates) {
				one_by_one = one_by_one.saturating_add(candidates.len() as u32);
				candidates.retain(|r| {
					let ok = Self::signature_verifies(genesis, r);
					if !ok {
						skips.add(ReadingRejection::BadSignature, 1);
					}
					ok
				});
			}
			let mut added = Accumulator::default();
			for r in candidates {
				let p = r.payload;
				add_values(&mut added.sums, &p.masked);
				added.count = added.count.saturating_add(1);
				Shares::<T>::insert(
					(region, period),
					p.prid,
					Share { masked: p.masked, timestamp_ms: p.timestamp_ms },
				);
			}
			if added.count > 0 {
				Accumulators::<T>::mutate(region, period, |acc| {
					add_values(&mut acc.sums, &added.sums);
					acc.count = acc.count.saturating_add(added.count);
				});
				stored = stored.saturating_add(added.count);
			}
		}
		(stored, skips, one_by_one)
	}
}
