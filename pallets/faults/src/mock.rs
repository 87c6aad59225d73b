//! Mock runtime for the faults pallet: System + Faults with `AccountId32` accounts and
//! `MultiSignature` signed transactions (as the gridmask runtime), a mock meter registry, a mock
//! readings pallet (setups, stored shares) and a checker that really re-hashes T by
//! `gridmask_primitives::resolution`'s rules, and builders of real faulted periods from meters' master secrets.

use crate as pallet_faults;
use crate::traits::{CheckOutcome, FaultChecker, KgcAccount, MeterDirectory, PeriodData};
use crate::{FaultNote, Mark};
use codec::Encode;
use core::cell::RefCell;
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64, EnsureOrigin},
	weights::Weight,
};
use frame_system::offchain::{
	AppCrypto, CreateSignedTransaction, CreateTransactionBase, SigningTypes,
};
use gridmask_primitives::{
	add_values, channel_aggregates,
	mask::mask_values,
	resolution::{check_entry, EntryError, Merge, Merged},
	setup::build_period,
	t_commitment_sorted, MasterSecret, MeterId, PeriodIndex, PeriodKeys, Prid, RegionId,
	TCommitment, TimeParams, Values, MAX_CHANNELS,
};
use sp_core::{offchain::testing, Pair};
use sp_runtime::{
	traits::{IdentifyAccount, IdentityLookup},
	AccountId32, BuildStorage, DispatchError, DispatchResult, MultiSignature, MultiSigner,
};
use std::collections::{BTreeMap, BTreeSet};

pub type AccountId = AccountId32;
/// Signed transactions as the worker builds them: signed by the account, no extension.
pub type Extrinsic =
	sp_runtime::generic::UncheckedExtrinsic<AccountId, RuntimeCall, MultiSignature, ()>;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Faults: pallet_faults,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
}

impl SigningTypes for Test {
	type Public = MultiSigner;
	type Signature = MultiSignature;
}

impl<LocalCall> CreateTransactionBase<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = Extrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<LocalCall> CreateSignedTransaction<LocalCall> for Test
where
	RuntimeCall: From<LocalCall>,
{
	/// Signs `(call, nonce)` with the keystore key of `public`.
	fn create_signed_transaction<C: AppCrypto<Self::Public, Self::Signature>>(
		call: RuntimeCall,
		public: MultiSigner,
		account: AccountId,
		nonce: u32,
	) -> Option<Extrinsic> {
		let signature = C::sign(&signed_payload(&call, nonce), public)?;
		Some(Extrinsic::new_signed(call, account, signature, ()))
	}
}

/// What the mock's signed transactions sign.
pub fn signed_payload(call: &RuntimeCall, nonce: u32) -> Vec<u8> {
	(call, nonce).encode()
}

pub const SUSPEND_AFTER: u32 = 3;
/// Entries per resolution part.
pub const MAX_PART: u32 = 8;
/// Meters a fault record names.
pub const MAX_NAMED: u32 = 6;
/// The readings pallet's `MinRegionMeters` in the mock checker.
pub const MIN_REGION_METERS: u32 = 3;

frame_support::parameter_types! {
	/// Half of the covered meters must report for the missing ones to be blamed.
	pub const BlameQuorum: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(50);
}
pub const MAX_OPEN: u32 = 4;

frame_support::parameter_types! {
	/// `MaxOpenFaults` ([`MAX_OPEN`] unless a test raises it).
	pub static OpenFaultsBound: u32 = MAX_OPEN;
}
pub const RESEND_AFTER: u64 = 5;
pub const OCW_FAULTS_PER_BLOCK: u32 = 2;

impl pallet_faults::Config for Test {
	type AuthorityId = crate::crypto::KgcAuthId;
	type KgcOrigin = EnsureKgc;
	type Kgc = MockKgc;
	type Meters = MockMeters;
	type Periods = MockPeriods;
	type Checker = MockChecker;
	type SuspendAfter = ConstU32<SUSPEND_AFTER>;
	type MaxEntriesPerPart = ConstU32<MAX_PART>;
	type MaxNamed = ConstU32<MAX_NAMED>;
	type BlameQuorum = BlameQuorum;
	type MaxOpenFaults = OpenFaultsBound;
	type ResendAfter = ConstU64<RESEND_AFTER>;
	type OcwFaultsPerBlock = ConstU32<OCW_FAULTS_PER_BLOCK>;
	type WeightInfo = ();
}

// -- the KGC

/// The suri of the KGC's key in the tests.
pub const KGC_SURI: &str = "//Kgc";

/// The seed of the operator's secrets key in the tests (the node loads it from
/// `--kgc-secrets-key-file`).
pub const SECRETS_SEED: [u8; 32] = [0x5e; 32];

/// The account of the sr25519 key of `suri` (`MultiSigner` → `AccountId32`).
pub fn account_of(suri: &str) -> AccountId {
	let public = sp_core::sr25519::Pair::from_string(suri, None).expect("valid suri").public();
	MultiSigner::from(public).into_account()
}

/// The KGC account: the account of [`KGC_SURI`].
pub fn kgc() -> AccountId {
	account_of(KGC_SURI)
}

thread_local! {
	static KGC: RefCell<Option<AccountId>> = const { RefCell::new(None) };
	static METERS: RefCell<BTreeMap<MeterId, MockMeter>> = const { RefCell::new(BTreeMap::new()) };
	static TIME: RefCell<Option<TimeParams>> = const { RefCell::new(None) };
	static PERIODS: RefCell<BTreeMap<(RegionId, PeriodIndex), MockPeriod>> =
		const { RefCell::new(BTreeMap::new()) };
	static VOIDED: RefCell<BTreeSet<(RegionId, PeriodIndex)>> = const { RefCell::new(BTreeSet::new()) };
	static CHECKS: RefCell<BTreeMap<(RegionId, PeriodIndex), PendingCheck>> =
		const { RefCell::new(BTreeMap::new()) };
}

/// The mock role holder.
pub struct MockKgc;
impl MockKgc {
	pub fn set(who: Option<AccountId>) {
		KGC.with(|k| *k.borrow_mut() = who);
	}
}
impl KgcAccount<AccountId> for MockKgc {
	fn kgc() -> Option<AccountId> {
		KGC.with(|k| k.borrow().clone())
	}
}

/// A signed origin whose account is [`MockKgc`]'s.
pub struct EnsureKgc;
impl EnsureOrigin<RuntimeOrigin> for EnsureKgc {
	type Success = AccountId;

	fn try_origin(o: RuntimeOrigin) -> Result<AccountId, RuntimeOrigin> {
		match (o.clone().into(), MockKgc::kgc()) {
			(Ok(frame_system::RawOrigin::Signed(who)), Some(kgc)) if who == kgc => Ok(who),
			_ => Err(o),
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin() -> Result<RuntimeOrigin, ()> {
		MockKgc::kgc().map(RuntimeOrigin::signed).ok_or(())
	}
}

// -- meters

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockMeter {
	pub region: RegionId,
	pub active: bool,
	pub faults: u32,
	/// The (region, membership epoch) pairs in which the meter was active.
	pub member_of: BTreeSet<(RegionId, u32)>,
}

/// The membership epoch of every mock setup (a test may add meters in later epochs).
pub const EPOCH: u32 = 1;

/// The mock meter registry.
pub struct MockMeters;
impl MockMeters {
	/// A meter active in `region` since [`EPOCH`].
	pub fn add(meter: MeterId, region: RegionId) {
		Self::add_in_epoch(meter, region, EPOCH);
	}
	/// A meter that became active in `region` in `epoch` (not covered by earlier setups).
	pub fn add_in_epoch(meter: MeterId, region: RegionId, epoch: u32) {
		let member_of = [(region, epoch)].into_iter().collect();
		METERS.with(|m| {
			m.borrow_mut().insert(meter, MockMeter { region, active: true, faults: 0, member_of })
		});
	}
	pub fn get(meter: MeterId) -> Option<MockMeter> {
		METERS.with(|m| m.borrow().get(&meter).cloned())
	}
	pub fn set_active(meter: MeterId, active: bool) {
		METERS.with(|m| m.borrow_mut().get_mut(&meter).expect("meter").active = active);
	}
}
impl MeterDirectory for MockMeters {
	fn was_active_in(meter: MeterId, region: RegionId, epoch: u32) -> bool {
		Self::get(meter).is_some_and(|m| m.member_of.contains(&(region, epoch)))
	}
	fn note_fault(meter: MeterId, suspend_after: u32) -> Option<FaultNote> {
		METERS.with(|m| {
			let mut meters = m.borrow_mut();
			let m = meters.get_mut(&meter)?;
			m.faults += 1;
			let suspended = m.active && suspend_after > 0 && m.faults >= suspend_after;
			if suspended {
				m.active = false;
			}
			Some(FaultNote { faults: m.faults, suspended })
		})
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_meters(region: RegionId, n: u32) -> Vec<MeterId> {
		(0..u64::from(n))
			.map(|i| {
				Self::add(1_000_000 + i, region);
				1_000_000 + i
			})
			.collect()
	}
}

// -- periods (the readings pallet's side)

/// A (region, period) as the mock readings pallet holds it.
#[derive(Clone, Debug, Default)]
pub struct MockPeriod {
	/// The setup's T.
	pub t: Option<TCommitment>,
	/// The setup's Z, one per channel.
	pub z: Values,
	/// Stored shares: PRID → values (one per channel).
	pub shares: BTreeMap<Prid, Values>,
	/// Shares pruned.
	pub pruned: bool,
}

/// The mock readings storage.
pub struct MockPeriods;
impl MockPeriods {
	pub fn set_time(time: Option<TimeParams>) {
		TIME.with(|t| *t.borrow_mut() = time);
	}
	pub fn insert(region: RegionId, period: PeriodIndex, p: MockPeriod) {
		PERIODS.with(|s| s.borrow_mut().insert((region, period), p));
	}
	pub fn get(region: RegionId, period: PeriodIndex) -> Option<MockPeriod> {
		PERIODS.with(|s| s.borrow().get(&(region, period)).cloned())
	}
	pub fn prune(region: RegionId, period: PeriodIndex) {
		PERIODS.with(|s| s.borrow_mut().get_mut(&(region, period)).expect("period").pruned = true);
	}
}
impl PeriodData for MockPeriods {
	fn time() -> Option<TimeParams> {
		TIME.with(|t| *t.borrow())
	}
	fn setup(region: RegionId, period: PeriodIndex) -> Option<(Values, u32)> {
		Self::get(region, period).filter(|p| p.t.is_some()).map(|p| (p.z, EPOCH))
	}
	fn received_prids(region: RegionId, period: PeriodIndex) -> Option<Vec<Prid>> {
		Self::get(region, period).filter(|p| !p.pruned).map(|p| p.shares.into_keys().collect())
	}
}

// -- the checker

/// A resolution collected by the mock checker, complete once `z_prime` is set.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PendingCheck {
	pub entries: Vec<(Prid, Mark)>,
	pub parts: u32,
	pub z_prime: Option<Values>,
}

/// The mock verifier: the readings pallet's up-front checks in `add_part`, and its re-check of a
/// whole period at once in `finish` (`gridmask_primitives::resolution`'s rules: the same merge
/// of stored shares and entries, T re-hashed over what it keeps), which, like the readings
/// pallet a few blocks later, reports to `Faults::on_check_done`.
pub struct MockChecker;
impl MockChecker {
	/// Whether (region, period) was closed void.
	pub fn voided(region: RegionId, period: PeriodIndex) -> bool {
		VOIDED.with(|v| v.borrow().contains(&(region, period)))
	}

	pub fn pending(region: RegionId, period: PeriodIndex) -> Option<PendingCheck> {
		CHECKS.with(|c| c.borrow().get(&(region, period)).cloned())
	}

	/// The stored shares and `check`'s entries, merged in PRID order.
	fn merged(p: &MockPeriod, check: &PendingCheck) -> Vec<Merged<()>> {
		let entries = check.entries.iter().map(|(prid, mark)| (*prid, mark.kind(), ()));
		Merge::new(p.shares.keys().copied(), entries).collect()
	}

	/// Per channel `j` of `check`'s `Z'`, `Σ values_j − Z'_j` (mod 2^64) over the complete
	/// readings' shares: the aggregates the readings pallet seals (whatever the count of
	/// contributors).
	pub fn aggregates(region: RegionId, period: PeriodIndex, check: &PendingCheck) -> Vec<u64> {
		let p = MockPeriods::get(region, period).unwrap_or_default();
		let (mut sums, mut excluded) = (Values::new(), Values::new());
		for m in Self::merged(&p, check) {
			let Some(values) = p.shares.get(&m.prid) else { continue };
			add_values(&mut sums, values);
			if !m.in_sum() {
				add_values(&mut excluded, values);
			}
		}
		let z_prime = check.z_prime.clone().unwrap_or_default();
		let aggregates = channel_aggregates(&sums, &excluded, &z_prime, |_| true);
		aggregates.into_iter().map(Option::unwrap_or_default).collect()
	}

	/// The check's outcome, as the readings pallet computes it: the aggregate is channel 0's
	/// (import).
	pub fn outcome(region: RegionId, period: PeriodIndex, check: &PendingCheck) -> CheckOutcome {
		let Some(p) = MockPeriods::get(region, period) else {
			return CheckOutcome::Mismatch;
		};
		let merged = Self::merged(&p, check);
		let in_t: Vec<Prid> = merged.iter().filter(|m| m.in_t()).map(|m| m.prid).collect();
		let contributors = merged.iter().filter(|m| m.in_sum()).count() as u32 / 2;
		match (t_commitment_sorted(region, period, &in_t), p.t) {
			(Ok(t), Some(expected)) if t == expected => CheckOutcome::Resolved {
				aggregate: (contributors >= MIN_REGION_METERS).then(|| {
					Self::aggregates(region, period, check).first().copied().unwrap_or_default()
				}),
				contributors,
			},
			_ => CheckOutcome::Mismatch,
		}
	}

	/// End the pending check of (region, period) and report it; returns the hook's weight.
	pub fn finish(region: RegionId, period: PeriodIndex) -> Weight {
		let check =
			CHECKS.with(|c| c.borrow_mut().remove(&(region, period))).expect("a check is pending");
		assert!(check.z_prime.is_some(), "the resolution is complete");
		let outcome = Self::outcome(region, period, &check);
		Faults::on_check_done(region, period, outcome)
	}
}
impl FaultChecker for MockChecker {
	fn add_part(
		region: RegionId,
		period: PeriodIndex,
		part: u32,
		entries: Vec<(Prid, Mark)>,
		z_prime: Option<Values>,
	) -> DispatchResult {
		let p = MockPeriods::get(region, period).ok_or(DispatchError::Other("NotFaulted"))?;
		if p.pruned {
			return Err(DispatchError::Other("AlreadyPruned"));
		}
		let mut check = match (Self::pending(region, period), part) {
			(Some(c), _) if c.z_prime.is_some() => {
				return Err(DispatchError::Other("RecheckPending"))
			},
			(_, 0) => PendingCheck::default(),
			(Some(c), n) if c.parts == n => c,
			_ => return Err(DispatchError::Other("WrongPart")),
		};
		for (prid, mark) in &entries {
			let last = check.entries.last().map(|(l, _)| l);
			check_entry(last, prid, mark.kind(), p.shares.contains_key(prid)).map_err(|e| {
				DispatchError::Other(match e {
					EntryError::NotAscending => "PridsNotSorted",
					EntryError::AbsentPridStored => "AbsentPridStored",
					EntryError::PridNotStored => "PridNotStored",
				})
			})?;
			check.entries.push((*prid, *mark));
		}
		if !entries.is_empty() {
			check.parts += 1;
		}
		check.z_prime = z_prime;
		CHECKS.with(|c| c.borrow_mut().insert((region, period), check));
		Ok(())
	}

	fn void(region: RegionId, period: PeriodIndex) -> DispatchResult {
		if Self::pending(region, period).is_some_and(|c| c.z_prime.is_some()) {
			return Err(DispatchError::Other("RecheckPending"));
		}
		CHECKS.with(|c| c.borrow_mut().remove(&(region, period)));
		VOIDED.with(|v| v.borrow_mut().insert((region, period)));
		Ok(())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn prepare_check(region: RegionId, period: PeriodIndex, entries: &[(Prid, Mark)]) {
		CHECKS.with(|c| c.borrow_mut().remove(&(region, period)));
		let shares = entries
			.iter()
			.filter(|(_, m)| !matches!(m, Mark::Absent(_)))
			.map(|(p, _)| (*p, Values::truncate_from(vec![1])))
			.collect();
		// A setup the pallet reads (for the membership epoch), of one channel.
		let (t, z) = (Some(TCommitment([0; 32])), Values::truncate_from(vec![0]));
		MockPeriods::insert(region, period, MockPeriod { t, z, shares, pruned: false });
	}
}

// -- real meters and periods

/// The chain's time parameters in the tests: 16 periods per cycle.
pub const TIME_PARAMS: TimeParams = TimeParams {
	genesis_start_ms: 1_000,
	period_ms: 60_000,
	periods_per_cycle: 16,
	window_ms: 5_000,
};
/// The region of the scenarios, and another one.
pub const REGION: RegionId = 1;
pub const OTHER_REGION: RegionId = 2;
/// The faulted period of the scenarios: cycle 2, leaf 5.
pub const PERIOD: PeriodIndex = 37;

/// The master secret of `meter` (a test value).
pub fn secret(meter: MeterId) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"test meter secret", meter).encode())
}

/// `meter`'s keys for `period`, from its master secret.
pub fn keys(meter: MeterId, period: PeriodIndex) -> PeriodKeys {
	MasterSecret(secret(meter))
		.cycle_seeds(TIME_PARAMS.cycle_of(period))
		.period_keys(TIME_PARAMS.leaf_of(period))
}

/// `meter`'s consumption (import) in `period`, Wh (a test value).
pub fn consumption(meter: MeterId, period: PeriodIndex) -> u64 {
	100 * meter + u64::from(period)
}

/// `meter`'s readings in `period` for the first `channels` channels (a test value): channel 0
/// is [`consumption`], channel `j ≥ 1` is `10 × meter + j` (odd meters only; even ones are
/// consumers and send 0).
pub fn readings(meter: MeterId, period: PeriodIndex, channels: u8) -> Vec<u64> {
	(0..u64::from(channels))
		.map(|j| match j {
			0 => consumption(meter, period),
			_ if meter % 2 == 1 => 10 * meter + j,
			_ => 0,
		})
		.collect()
}

/// T and Z of (`region`, `period`) for `meters` and one channel, computed by the KGC's setup
/// builder.
pub fn setup_of(
	region: RegionId,
	period: PeriodIndex,
	meters: &[MeterId],
) -> (TCommitment, Values) {
	setup_of_channels(region, period, meters, 1)
}

/// [`setup_of`] with `channels` channels: Z has one mask sum per channel.
pub fn setup_of_channels(
	region: RegionId,
	period: PeriodIndex,
	meters: &[MeterId],
	channels: u8,
) -> (TCommitment, Values) {
	let secrets: Vec<MasterSecret> = meters.iter().map(|m| MasterSecret(secret(*m))).collect();
	let setup =
		build_period(&TIME_PARAMS, region, period, &secrets, 30, channels).expect("setup builds");
	(setup.t, setup.z)
}

/// A faulted (region, period) of real meters.
pub struct Scenario {
	pub region: RegionId,
	pub period: PeriodIndex,
	/// The meters of the setup.
	pub meters: Vec<MeterId>,
	/// Meters of the setup that sent nothing.
	pub silent: Vec<MeterId>,
	/// Meters of the setup that sent only their first share (share A).
	pub lone: Vec<MeterId>,
	/// Forged shares that passed BF1: PRID and value (of every channel).
	pub forged: Vec<(Prid, u64)>,
	/// Channels of the region's shape (1: import only).
	pub channels: u8,
}

impl Scenario {
	/// Meters 1..=4 of [`REGION`] in [`PERIOD`], meter 3 silent.
	pub fn one_silent() -> Self {
		Self {
			region: REGION,
			period: PERIOD,
			meters: vec![1, 2, 3, 4],
			silent: vec![3],
			lone: vec![],
			forged: vec![],
			channels: 1,
		}
	}

	/// The meters that sent both shares.
	pub fn reporting(&self) -> Vec<MeterId> {
		self.meters
			.iter()
			.copied()
			.filter(|m| !self.silent.contains(m) && !self.lone.contains(m))
			.collect()
	}

	/// The regional consumption (import) of the reporting meters: the correct aggregate.
	pub fn true_aggregate(&self) -> u64 {
		self.true_aggregates()[0]
	}

	/// Per channel, the regional total of the reporting meters.
	pub fn true_aggregates(&self) -> Vec<u64> {
		let mut totals = vec![0u64; usize::from(self.channels)];
		for m in self.reporting() {
			for (t, r) in totals.iter_mut().zip(readings(m, self.period, self.channels)) {
				*t += r;
			}
		}
		totals
	}

	/// `meter`'s two masked shares (of every channel), `randoms` as the first parts.
	fn masked(&self, meter: MeterId, randoms: &[u64]) -> (Values, Values) {
		let (masks_a, masks_b) = keys(meter, self.period).masks(usize::from(self.channels));
		mask_values(&readings(meter, self.period, self.channels), randoms, &masks_a, &masks_b)
	}

	/// Register the meters (active, in the region), publish the setup over all of them and
	/// store the masked shares of the reporting ones plus the forged ones; record the fault as
	/// sealing would. Returns T and Z.
	pub fn install(&self) -> (TCommitment, Values) {
		for m in &self.meters {
			if MockMeters::get(*m).is_none() {
				MockMeters::add(*m, self.region);
			}
		}
		let (t, z) = setup_of_channels(self.region, self.period, &self.meters, self.channels);
		let channels = usize::from(self.channels);
		let mut shares = BTreeMap::new();
		for m in self.reporting() {
			let seed = secret(m);
			let randoms: Vec<u64> = (0..channels)
				.map(|j| u64::from_le_bytes(seed[8 * j..8 * j + 8].try_into().unwrap()))
				.collect();
			let (va, vb) = self.masked(m, &randoms);
			let (a, b) = keys(m, self.period).prids();
			shares.insert(a, va);
			shares.insert(b, vb);
		}
		for m in &self.lone {
			let (va, _) = self.masked(*m, &[7; MAX_CHANNELS as usize][..channels]);
			shares.insert(keys(*m, self.period).prids().0, va);
		}
		for (prid, value) in &self.forged {
			shares.insert(*prid, Values::truncate_from(vec![*value; channels]));
		}
		let received = shares.len() as u32;
		MockPeriods::insert(
			self.region,
			self.period,
			MockPeriod { t: Some(t), z: z.clone(), shares, pruned: false },
		);
		Faults::on_faulted(self.region, self.period, 2 * self.meters.len() as u32, received);
		(t, z)
	}

	/// The correct absent shares, ascending by PRID.
	pub fn absent(&self) -> Vec<(MeterId, Prid)> {
		let mut absent: Vec<(MeterId, Prid)> = self
			.silent
			.iter()
			.flat_map(|m| {
				let (a, b) = keys(*m, self.period).prids();
				[(*m, a), (*m, b)]
			})
			.chain(self.lone.iter().map(|m| (*m, keys(*m, self.period).prids().1)))
			.collect();
		absent.sort_by_key(|(_, p)| *p);
		absent
	}

	/// The correct entries of the resolution, ascending by PRID.
	pub fn entries(&self) -> Vec<(Prid, Mark)> {
		let mut e: Vec<(Prid, Mark)> = self
			.absent()
			.into_iter()
			.map(|(m, p)| (p, Mark::Absent(m)))
			.chain(self.lone.iter().map(|m| (keys(*m, self.period).prids().0, Mark::Lone(*m))))
			.chain(self.forged.iter().map(|(p, _)| (*p, Mark::Forged)))
			.collect();
		e.sort_by_key(|(p, _)| *p);
		e
	}

	/// The correct forged PRIDs, ascending.
	pub fn forged_prids(&self) -> Vec<Prid> {
		let mut f: Vec<Prid> = self.forged.iter().map(|(p, _)| *p).collect();
		f.sort();
		f
	}

	/// The correct `Z'`: the setup's Z (per channel) of the reporting meters only.
	pub fn z_prime(&self) -> Values {
		setup_of_channels(self.region, self.period, &self.reporting(), self.channels).1
	}
}

/// A PRID no meter owns: the PRID of a key nobody registered.
pub fn forged_prid(n: u8) -> Prid {
	MasterSecret([n; 32]).cycle_seeds(0).period_keys(0).prids().0
}

// -- externalities

pub struct ExtBuilder {
	kgc: Option<AccountId>,
	time: Option<TimeParams>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { kgc: Some(kgc()), time: Some(TIME_PARAMS) }
	}
}

/// The transaction pool of an off-chain test.
pub struct Pool {
	drain: Box<dyn Fn() -> Vec<Vec<u8>>>,
}

impl Pool {
	/// Take every transaction submitted since the last call, decoded.
	pub fn take(&self) -> Vec<Extrinsic> {
		use codec::Decode;
		(self.drain)()
			.into_iter()
			.map(|tx| Extrinsic::decode(&mut &tx[..]).expect("a transaction of the mock"))
			.collect()
	}
}

impl ExtBuilder {
	/// No KGC account on chain.
	pub fn without_kgc(mut self) -> Self {
		self.kgc = None;
		self
	}

	/// No time parameters.
	pub fn without_time(mut self) -> Self {
		self.time = None;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		MockKgc::set(self.kgc);
		OpenFaultsBound::set(MAX_OPEN);
		MockPeriods::set_time(self.time);
		METERS.with(|m| m.borrow_mut().clear());
		PERIODS.with(|p| p.borrow_mut().clear());
		CHECKS.with(|c| c.borrow_mut().clear());
		VOIDED.with(|v| v.borrow_mut().clear());
		let t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut ext = sp_io::TestExternalities::new(t);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Build, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Faults::do_try_state().expect("invariants hold");
		})
	}

	/// Build with off-chain worker, off-chain DB, transaction pool and keystore extensions; the
	/// keystore holds a `gmkg` key for each of `keys` (suris) and the secrets key of
	/// [`SECRETS_SEED`].
	pub fn build_offchain(self, keys: &[&str]) -> (sp_io::TestExternalities, Pool) {
		use sp_core::offchain::{OffchainDbExt, OffchainWorkerExt, TransactionPoolExt};
		use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};

		let (offchain, _state) = testing::TestOffchainExt::new();
		let (pool, pool_state) = testing::TestTransactionPoolExt::new();
		let keystore = MemoryKeystore::new();
		for suri in keys {
			keystore.sr25519_generate_new(crate::KEY_TYPE, Some(suri)).expect("key generated");
		}
		// The operator's secrets key, in memory as the node holds it.
		keystore
			.ed25519_generate_new(
				sp_core::crypto::KeyTypeId(gridmask_primitives::secrets::SECRETS_KEY_TYPE),
				Some(&format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&SECRETS_SEED))),
			)
			.expect("key generated");
		let mut ext = self.build();
		ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
		ext.register_extension(OffchainDbExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.register_extension(KeystoreExt::new(keystore));
		let drain = Box::new(move || core::mem::take(&mut pool_state.write().transactions));
		(ext, Pool { drain })
	}
}
