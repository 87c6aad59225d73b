//! The KGC node's off-chain worker: computes and submits fault resolutions (see the crate docs,
//! "Off-chain worker").
//!
//! Local storage (persistent, i.e. `StorageKind::PERSISTENT`, the kind the RPC method
//! `offchain_localStorageSet("PERSISTENT", ..)` writes):
//!
//! | key | value | written by |
//! |---|---|---|
//! | `b"gridmask/kgc/secrets/" ++ region u32 LE` | SCALE `Vec<(MeterId, [u8; 32])>`, sealed (`gridmask_primitives::secrets`) | the operator, over the admin RPC |
//! | `b"gridmask/faults/sent/" ++ region u32 LE ++ period u32 LE` | SCALE [`SentResolution`] | the worker |
//! | `b"gridmask/faults/next"` | SCALE `u32`: where in [`OpenFaults`] the next run starts | the worker |
//!
//! **Fairness.** Each run starts where the previous one stopped in [`OpenFaults`] (round
//! robin), so faults that cannot be resolved never take the whole budget. A fault whose
//! evaluation sends nothing (nothing to resolve, too large, rejected before) backs off
//! exponentially: `ResendAfter × 2^k` blocks after its k-th such evaluation in a row (k ≤
//! [`MAX_BACKOFF_SHIFT`]), and a back-off is skipped before any work, so stuck faults cost the
//! budget almost nothing.

use crate::{
	pallet::{Call, Config, Faults, OpenFaults, Pallet},
	traits::{KgcAccount, MeterDirectory, PeriodData},
	FaultStatus, Mark, PartOf, ResolutionEntry, LOG_TARGET,
};
use alloc::{
	collections::{BTreeMap, BTreeSet},
	vec,
	vec::Vec,
};
use codec::{Decode, Encode};
use frame_support::{traits::Get, BoundedVec};
use frame_system::{
	offchain::{SendSignedTransaction, Signer},
	pallet_prelude::BlockNumberFor,
};
use gridmask_primitives::{
	secrets, MasterSecret, MeterId, PeriodIndex, Prid, RegionId, TimeParams, Values,
};
use sp_runtime::{
	offchain::storage::{MutateStorageError, StorageRetrievalError, StorageValueRef},
	Saturating,
};

/// Prefix of the key under which the KGC node keeps a region's master secrets.
pub const SECRETS_PREFIX: &[u8] = b"gridmask/kgc/secrets/";
/// Prefix of the key of the worker's per-fault send record.
pub const SENT_PREFIX: &[u8] = b"gridmask/faults/sent/";
/// Key of the round-robin position in [`OpenFaults`].
pub const NEXT_KEY: &[u8] = b"gridmask/faults/next";
/// Largest back-off exponent: a fault that keeps yielding nothing is looked at again every
/// `ResendAfter × 64` blocks (about an hour at 6-second blocks and `ResendAfter` = 10).
pub const MAX_BACKOFF_SHIFT: u32 = 6;

/// The value under [`secrets_key`]: each meter's id and master secret.
pub type RegionSecrets = Vec<(MeterId, [u8; 32])>;

/// The local-storage key of `region`'s master secrets: `SECRETS_PREFIX ++ region u32 LE`.
pub fn secrets_key(region: RegionId) -> Vec<u8> {
	[SECRETS_PREFIX, &region.to_le_bytes()[..]].concat()
}

/// The local-storage key of the send record of a fault: `SENT_PREFIX ++ region LE ++ period LE`.
pub fn sent_key(region: RegionId, period: PeriodIndex) -> Vec<u8> {
	[SENT_PREFIX, &region.to_le_bytes()[..], &period.to_le_bytes()[..]].concat()
}

/// What the worker remembers of a fault it handled.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
pub struct SentResolution<BlockNumber> {
	/// Nothing is sent (or recomputed) for this fault before this block.
	pub until: BlockNumber,
	/// BLAKE2b-256 of the SCALE of `(region, period, entries, z_prime)` last sent
	/// ([`ComputedResolution::digest`]); zero if nothing was sent yet.
	pub digest: [u8; 32],
	/// Evaluations in a row that sent nothing (the back-off exponent, capped).
	pub idle_runs: u32,
}

/// The block until which a fault is left alone after its `idle_runs`-th evaluation in a row
/// that sent nothing: `now + resend_after × 2^min(idle_runs − 1, MAX_BACKOFF_SHIFT)`.
pub fn back_off_until<BlockNumber: Saturating + From<u32> + Copy>(
	now: BlockNumber,
	resend_after: BlockNumber,
	idle_runs: u32,
) -> BlockNumber {
	let factor = 1u32 << idle_runs.saturating_sub(1).min(MAX_BACKOFF_SHIFT);
	now.saturating_add(resend_after.saturating_mul(BlockNumber::from(factor)))
}

/// A resolution as the worker computes it.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ComputedResolution {
	/// The PRIDs that explain the fault, strictly ascending: absent, lone and forged.
	pub entries: Vec<ResolutionEntry>,
	/// Per channel `j`, `Z_j − Σ H3(mask, j)` over the absent and lone PRIDs (mod 2^64): the
	/// mask sums of the complete readings.
	pub z_prime: Values,
}

impl ComputedResolution {
	/// Compute the resolution of faulted `period` from the region's `secrets` (only meters the
	/// setup `covered`), the setup's `z` (one per channel) and the `received` PRIDs.
	///
	/// Each kept meter's period keys (`cycle_of(period)`, `leaf_of(period)`) give its expected
	/// `(PRID, H3(z, j))` and `(PRID', H3(z', j))` for every channel `j`. A meter with
	/// neither share received has both PRIDs absent; with one, the missing PRID is absent and
	/// the received one lone; the masks of both are subtracted from every `z_j` either way.
	/// Received PRIDs not expected are forged.
	pub fn compute(
		time: &TimeParams,
		period: PeriodIndex,
		secrets: &[(MeterId, [u8; 32])],
		covered: impl Fn(MeterId) -> bool,
		z: &Values,
		received: impl IntoIterator<Item = Prid>,
	) -> Self {
		let (cycle, leaf) = (time.cycle_of(period), time.leaf_of(period));
		let received: BTreeSet<Prid> = received.into_iter().collect();
		let mut expected: BTreeSet<Prid> = BTreeSet::new();
		// Ordered by PRID, the order T hashes in.
		let mut entries: BTreeMap<Prid, Mark> = BTreeMap::new();
		let mut z_prime = z.clone();
		for (meter, secret) in secrets {
			if !covered(*meter) {
				continue;
			}
			let keys = MasterSecret(*secret).cycle_seeds(cycle).period_keys(leaf);
			let (a, b) = keys.prids();
			expected.insert(a);
			expected.insert(b);
			let (masks_a, masks_b) = keys.masks(z.len());
			let shares = [(a, masks_a), (b, masks_b)];
			let got: Vec<bool> = shares.iter().map(|(p, _)| received.contains(p)).collect();
			if got.iter().all(|g| *g) {
				continue;
			}
			for ((prid, masks), got) in shares.into_iter().zip(got) {
				for (z, mask) in z_prime.iter_mut().zip(masks.iter()) {
					*z = z.wrapping_sub(*mask);
				}
				entries.insert(prid, if got { Mark::Lone(*meter) } else { Mark::Absent(*meter) });
			}
		}
		for p in received.into_iter().filter(|p| !expected.contains(p)) {
			entries.insert(p, Mark::Forged);
		}
		Self { entries: entries.into_iter().collect(), z_prime }
	}

	/// Whether there is nothing to report (the secrets explain every received share and no
	/// expected one is missing: they cannot explain the fault).
	pub fn is_empty(&self) -> bool {
		self.entries.is_empty()
	}

	/// The absent shares: `(meter, PRID)`, ascending by PRID.
	pub fn absent(&self) -> Vec<(MeterId, Prid)> {
		self.of_meters(|m| if let Mark::Absent(meter) = m { Some(*meter) } else { None })
	}

	/// The lone shares: `(meter, PRID)`, ascending by PRID.
	pub fn lone(&self) -> Vec<(MeterId, Prid)> {
		self.of_meters(|m| if let Mark::Lone(meter) = m { Some(*meter) } else { None })
	}

	/// `(meter, PRID)` of the entries whose mark `meter_of` gives a meter, ascending by PRID.
	fn of_meters(&self, meter_of: impl Fn(&Mark) -> Option<MeterId>) -> Vec<(MeterId, Prid)> {
		self.entries.iter().filter_map(|(p, m)| meter_of(m).map(|meter| (meter, *p))).collect()
	}

	/// The forged PRIDs, ascending.
	pub fn forged(&self) -> Vec<Prid> {
		self.entries.iter().filter(|(_, m)| *m == Mark::Forged).map(|(p, _)| *p).collect()
	}

	/// BLAKE2b-256 of the SCALE of `(region, period, entries, z_prime)`.
	pub fn digest(&self, region: RegionId, period: PeriodIndex) -> [u8; 32] {
		(region, period, &self.entries, &self.z_prime).using_encoded(sp_io::hashing::blake2_256)
	}
}

/// Why the worker did not send a resolution. Carries no secret.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum OffchainError<BlockNumber> {
	/// No KGC account is set on chain.
	NoKgcAccount,
	/// This node's keystore has no `gmkg` key of the KGC account.
	NoKgcKey,
	/// The chain's time parameters are not set.
	NoTimeParams,
	/// The fault is not recorded, or no longer waits for a resolution.
	NotAwaiting,
	/// A resolution was sent (or the fault evaluated) recently; nothing before this block.
	RecentlySent(BlockNumber),
	/// This node holds no secrets for the region.
	NoSecrets,
	/// This node's keystore has no secrets key (`gmsk`: start it with
	/// `--kgc-secrets-key-file`), so it cannot open the secrets it holds.
	NoSecretsKey,
	/// The region's sealed secrets do not open under this node's secrets key (sealed under
	/// another key, or altered).
	SecretsNotOpened,
	/// The region's secrets, opened, do not decode as `Vec<(MeterId, [u8; 32])>`.
	BadSecrets,
	/// The (region, period) has no setup.
	NoSetup,
	/// The period's shares are pruned: the fault can no longer be checked.
	SharesPruned,
	/// The secrets explain every received share and miss none: they cannot explain the fault
	/// (e.g. a meter of the setup is missing from them).
	NothingToResolve,
	/// The fault is `Rejected` and this very resolution was sent before.
	AlreadyRejected,
	/// Another worker run took the send record first.
	Contention,
	/// Signing or submitting the transaction failed.
	SubmitFailed,
}

type OffchainResult<T, R> = Result<R, OffchainError<BlockNumberFor<T>>>;

/// Take the send record under `key` for `claim` with a compare-and-set: fails if a record says
/// nothing may be sent before a block later than `now` (another run sent, or is sending), or if
/// another run wrote the record between our read and our write.
pub fn claim_send<BlockNumber: Encode + Decode + PartialOrd + Clone>(
	key: &[u8],
	now: BlockNumber,
	claim: SentResolution<BlockNumber>,
) -> Result<(), OffchainError<BlockNumber>> {
	let taken = StorageValueRef::persistent(key).mutate(
		|stored: Result<Option<SentResolution<BlockNumber>>, StorageRetrievalError>| match stored {
			Ok(Some(s)) if now < s.until => Err(OffchainError::RecentlySent(s.until)),
			_ => Ok(claim),
		},
	);
	match taken {
		Ok(_) => Ok(()),
		Err(MutateStorageError::ValueFunctionFailed(e)) => Err(e),
		Err(MutateStorageError::ConcurrentModification(_)) => Err(OffchainError::Contention),
	}
}

/// The send record of one fault in local storage, as read at the start of a run: the one place
/// the worker's lock on a fault is checked, taken, backed off and released.
pub struct SendRecord<BlockNumber> {
	key: Vec<u8>,
	/// What the record held when the run read it.
	previous: Option<SentResolution<BlockNumber>>,
}

impl<BlockNumber> SendRecord<BlockNumber>
where
	BlockNumber: Encode + Decode + PartialOrd + Clone + Saturating + From<u32> + Copy,
{
	/// The record of (`region`, `period`).
	pub fn read(region: RegionId, period: PeriodIndex) -> Self {
		let key = sent_key(region, period);
		let previous = StorageValueRef::persistent(&key).get().ok().flatten();
		Self { key, previous }
	}

	/// `Err(RecentlySent)` while the record says nothing may be sent before a block after
	/// `now`.
	pub fn check(&self, now: BlockNumber) -> Result<(), OffchainError<BlockNumber>> {
		match &self.previous {
			Some(p) if now < p.until => Err(OffchainError::RecentlySent(p.until)),
			_ => Ok(()),
		}
	}

	/// The digest of what was last sent, if anything was.
	pub fn last_digest(&self) -> Option<[u8; 32]> {
		self.previous.as_ref().map(|p| p.digest)
	}

	/// An evaluation that sent nothing (`e`): the fault is left alone for exponentially
	/// longer ([`back_off_until`]), keeping the digest of what was sent before.
	pub fn back_off(
		&self,
		now: BlockNumber,
		resend_after: BlockNumber,
		e: OffchainError<BlockNumber>,
	) -> OffchainError<BlockNumber> {
		let digest = self.previous.as_ref().map_or([0u8; 32], |p| p.digest);
		let idle_runs = self.previous.as_ref().map_or(0, |p| p.idle_runs).saturating_add(1);
		let until = back_off_until(now, resend_after, idle_runs);
		StorageValueRef::persistent(&self.key).set(&SentResolution { until, digest, idle_runs });
		e
	}

	/// Takes the record for a send of `digest` ([`claim_send`]): nothing else is sent for the
	/// fault before `until`, even if runs overlap.
	pub fn claim(
		&self,
		now: BlockNumber,
		until: BlockNumber,
		digest: [u8; 32],
	) -> Result<(), OffchainError<BlockNumber>> {
		claim_send(&self.key, now, SentResolution { until, digest, idle_runs: 0 })
	}

	/// Gives the record back as it was (a send failed), so that the next run retries.
	pub fn release(&self) {
		let mut record = StorageValueRef::persistent(&self.key);
		match &self.previous {
			Some(p) => record.set(p),
			None => record.clear(),
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The off-chain worker's run at block `now`: resolve open faults, at most
	/// [`Config::OcwFaultsPerBlock`] evaluated. Returns the number of resolutions sent; errors
	/// only if this node cannot resolve anything (no KGC key, no time parameters).
	pub fn offchain_resolve(now: BlockNumberFor<T>) -> OffchainResult<T, u32> {
		let open = OpenFaults::<T>::get();
		if open.is_empty() {
			return Ok(0);
		}
		let signer = Self::kgc_signer()?;
		let time = T::Periods::time().ok_or(OffchainError::NoTimeParams)?;
		let budget = T::OcwFaultsPerBlock::get();
		let (mut evaluated, mut sent) = (0u32, 0u32);
		// Round robin: start where the last run stopped.
		let next = StorageValueRef::persistent(NEXT_KEY);
		let start = next.get::<u32>().ok().flatten().unwrap_or(0) as usize % open.len();
		let mut visited = 0usize;
		for &(region, period) in open.iter().cycle().skip(start).take(open.len()) {
			if evaluated >= budget {
				break;
			}
			visited += 1;
			match Self::resolve_fault(now, &time, &signer, region, period, &mut evaluated) {
				Ok(()) => {
					sent += 1;
					log::info!(
						target: LOG_TARGET,
						"resolution of region {region} period {period} sent",
					);
				},
				Err(e @ (OffchainError::NoSecrets | OffchainError::RecentlySent(_))) => {
					log::debug!(target: LOG_TARGET, "fault {region}/{period} skipped: {e:?}");
				},
				Err(e) => {
					log::warn!(target: LOG_TARGET, "fault {region}/{period} not resolved: {e:?}");
				},
			}
		}
		next.set(&(((start + visited) % open.len()) as u32));
		Ok(sent)
	}

	/// The public key of this node's `gmkg` key whose account is the KGC.
	fn kgc_signer() -> OffchainResult<T, T::Public> {
		let kgc = T::Kgc::kgc().ok_or(OffchainError::NoKgcAccount)?;
		Signer::<T, T::AuthorityId>::keystore_accounts()
			.find(|account| account.id == kgc)
			.map(|account| account.public)
			.ok_or(OffchainError::NoKgcKey)
	}

	/// The sealing keys of this node's secrets keys (`gmsk`; more than one while the operator
	/// rotates it), derived by signing [`secrets::SEAL_KEY_MESSAGE`].
	fn seal_keys() -> OffchainResult<T, Vec<[u8; 32]>> {
		let key_type = sp_core::crypto::KeyTypeId(secrets::SECRETS_KEY_TYPE);
		let keys: Vec<[u8; 32]> = sp_io::crypto::ed25519_public_keys(key_type)
			.into_iter()
			.filter_map(|public| {
				sp_io::crypto::ed25519_sign(key_type, &public, secrets::SEAL_KEY_MESSAGE)
			})
			.map(|signature| secrets::seal_key(&signature.0))
			.collect();
		if keys.is_empty() {
			return Err(OffchainError::NoSecretsKey);
		}
		Ok(keys)
	}

	/// The region's master secrets from local storage, opened with this node's secrets key.
	pub(crate) fn region_secrets(region: RegionId) -> OffchainResult<T, RegionSecrets> {
		let key = secrets_key(region);
		let sealed =
			sp_io::offchain::local_storage_get(sp_core::offchain::StorageKind::PERSISTENT, &key)
				.ok_or(OffchainError::NoSecrets)?;
		let plain = Self::seal_keys()?
			.iter()
			.find_map(|seal_key| secrets::open(seal_key, &key, &sealed))
			.ok_or(OffchainError::SecretsNotOpened)?;
		RegionSecrets::decode(&mut &plain[..]).map_err(|_| OffchainError::BadSecrets)
	}

	/// Compute and send the resolution of one fault. Cheap checks first (status, send record,
	/// secrets present); `evaluated` counts the faults whose PRIDs were derived.
	fn resolve_fault(
		now: BlockNumberFor<T>,
		time: &TimeParams,
		signer: &T::Public,
		region: RegionId,
		period: PeriodIndex,
		evaluated: &mut u32,
	) -> OffchainResult<T, ()> {
		let status = Faults::<T>::get(region, period).map(|r| r.status);
		let rejected = match status {
			// Collecting: parts of an earlier send went missing; start over from part 0.
			Some(FaultStatus::Open | FaultStatus::Collecting(_)) => false,
			Some(FaultStatus::Rejected) => true,
			_ => return Err(OffchainError::NotAwaiting),
		};
		let record = SendRecord::<BlockNumberFor<T>>::read(region, period);
		record.check(now)?;
		let secrets = Self::region_secrets(region)?;
		let (z, epoch) = T::Periods::setup(region, period).ok_or(OffchainError::NoSetup)?;
		let received =
			T::Periods::received_prids(region, period).ok_or(OffchainError::SharesPruned)?;

		*evaluated += 1;
		let resolution = ComputedResolution::compute(
			time,
			period,
			&secrets,
			|meter| T::Meters::was_active_in(meter, region, epoch),
			&z,
			received,
		);
		drop(secrets);
		// Back off exponentially when there is nothing worth sending: the next evaluations of a
		// stuck fault come ever later.
		let back_off = |e| record.back_off(now, T::ResendAfter::get(), e);
		if resolution.is_empty() {
			return Err(back_off(OffchainError::NothingToResolve));
		}
		let digest = resolution.digest(region, period);
		if rejected && record.last_digest() == Some(digest) {
			return Err(back_off(OffchainError::AlreadyRejected));
		}
		let per_part = T::MaxEntriesPerPart::get().max(1) as usize;
		let parts: Vec<PartOf<T>> = resolution
			.entries
			.chunks(per_part)
			.map(|c| BoundedVec::truncate_from(c.to_vec()))
			.collect();

		// Take the send record: one resolution per fault until then, even if runs overlap.
		record.claim(now, now.saturating_add(T::ResendAfter::get()), digest)?;

		// Sign with the KGC's key only; the parts go out in order with consecutive nonces.
		let z_prime = resolution.z_prime;
		let last = parts.len() - 1;
		for (i, entries) in parts.into_iter().enumerate() {
			let result = Signer::<T, T::AuthorityId>::any_account()
				.with_filter(vec![signer.clone()])
				.send_signed_transaction(|_| Call::submit_resolution {
					region,
					period,
					part: i as u32,
					entries: entries.clone(),
					z_prime: (i == last).then(|| z_prime.clone()),
				});
			if !matches!(result, Some((_, Ok(())))) {
				// The next run retries (from part 0).
				record.release();
				return Err(OffchainError::SubmitFailed);
			}
		}
		Ok(())
	}
}
