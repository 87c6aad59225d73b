//! Tests: the off-chain worker.

use super::*;

/// Put `meters`' master secrets for `region` into the node's local storage, sealed under the
/// secrets key of `seed`, as the operator does with `offchain_localStorageSet`.
fn set_secrets_sealed_by(seed: &[u8; 32], region: RegionId, meters: &[MeterId]) {
	use gridmask_primitives::secrets;
	let value: Vec<(MeterId, [u8; 32])> = meters.iter().map(|m| (*m, secret(*m))).collect();
	let key = secrets_key(region);
	let sealed = secrets::seal(&secrets::seal_key_of_seed(seed), [9; 12], &key, &value.encode());
	sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, &key, &sealed);
}

/// [`set_secrets_sealed_by`] the node's own secrets key.
fn set_secrets(region: RegionId, meters: &[MeterId]) {
	set_secrets_sealed_by(&SECRETS_SEED, region, meters)
}

fn run_worker(block: u64) {
	System::set_block_number(block);
	<Faults as Hooks<u64>>::offchain_worker(block);
}

/// The resolution a pool transaction carries, after checking that it is signed by the KGC
/// with nonce `nonce` and a valid signature.
fn resolution_of(tx: &Extrinsic, nonce: u32) -> (RegionId, PeriodIndex, ComputedResolution) {
	let Preamble::Signed(who, signature, ()) = &tx.preamble else {
		panic!("a signed transaction");
	};
	assert_eq!(*who, kgc());
	assert!(signature.verify(&signed_payload(&tx.function, nonce)[..], who));
	match &tx.function {
		RuntimeCall::Faults(crate::Call::submit_resolution {
			region,
			period,
			part: 0,
			entries,
			z_prime: Some(z_prime),
		}) => (
			*region,
			*period,
			ComputedResolution { entries: entries.to_vec(), z_prime: z_prime.clone() },
		),
		other => panic!("unexpected call {other:?}"),
	}
}

/// Dispatch a pool transaction as the runtime would, from its signer.
fn dispatch(tx: Extrinsic) -> frame_support::dispatch::DispatchResultWithPostInfo {
	tx.function.dispatch(kgc_origin())
}

#[test]
fn worker_resolves_a_silent_meter() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		let (_, z) = s.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);

		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		let (region, period, r) = resolution_of(&txs[0], 0);
		assert_eq!((region, period), (REGION, PERIOD));
		// Meter 3's two PRIDs, ascending.
		let (a, b) = keys(3, PERIOD).prids();
		let mut expected = vec![(3, a), (3, b)];
		expected.sort_by_key(|(_, p)| *p);
		assert_eq!(r.absent(), expected);
		assert!(r.forged().is_empty() && r.lone().is_empty());
		// Z' is the setup Z of the meters that reported (KGC's setup builder over 1, 2, 4).
		assert_eq!(r.z_prime, setup_of(REGION, PERIOD, &[1, 2, 4]).1);
		assert_ne!(r.z_prime, z);

		// On chain it is accepted, checked against T and seals the true aggregate.
		assert_ok!(dispatch(txs.into_iter().next().unwrap()));
		MockChecker::finish(REGION, PERIOD);
		assert_eq!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved {
				named: named(&[(3, 2)], 2, 0, 0),
				aggregate: Some(s.true_aggregate()),
				contributors: 3,
				blame: Blame::Meters,
			})
		);
	});
}

#[test]
fn worker_sends_one_z_prime_per_channel() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		// [import, export]: meter 3 silent, meter 2 sent share A only.
		let s = Scenario {
			meters: vec![1, 2, 3, 4, 5],
			silent: vec![3],
			lone: vec![2],
			channels: 2,
			..Scenario::one_silent()
		};
		let (_, z) = s.install();
		set_secrets(REGION, &s.meters);
		run_worker(2);

		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		let (_, _, r) = resolution_of(&txs[0], 0);
		assert_eq!(r.entries, s.entries());
		// Z'_j: the setup's Z_j of the complete meters (1, 4, 5), for both channels.
		assert_eq!(r.z_prime, setup_of_channels(REGION, PERIOD, &[1, 4, 5], 2).1);
		assert_eq!(r.z_prime.len(), 2);
		assert!(r.z_prime.iter().zip(z.iter()).all(|(zp, z)| zp != z));

		assert_ok!(dispatch(txs.into_iter().next().unwrap()));
		let check = MockChecker::pending(REGION, PERIOD).expect("a check");
		// Every channel unmasks to its total: import, and the export of meters 1 and 5.
		assert_eq!(MockChecker::aggregates(REGION, PERIOD, &check), s.true_aggregates());
		assert_eq!(s.true_aggregates()[1], 11 + 51);
		MockChecker::finish(REGION, PERIOD);
		assert!(matches!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved { aggregate: Some(a), contributors: 3, .. })
				if a == s.true_aggregate()
		));
	});
}

#[test]
fn worker_reports_a_forged_prid() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario {
			silent: vec![],
			forged: vec![(forged_prid(7), 123_456_789)],
			..Scenario::one_silent()
		};
		let (_, z) = s.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);

		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		let (_, _, r) = resolution_of(&txs[0], 0);
		assert_eq!(
			r,
			ComputedResolution { entries: marks(vec![], vec![forged_prid(7)]), z_prime: z }
		);

		assert_ok!(dispatch(txs.into_iter().next().unwrap()));
		MockChecker::finish(REGION, PERIOD);
		assert_eq!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved {
				named: named(&[], 0, 0, 1),
				aggregate: Some(s.true_aggregate()),
				contributors: 4,
				blame: Blame::Meters,
			})
		);
	});
}

#[test]
fn worker_reports_silent_meters_and_forged_prids_together() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario {
			silent: vec![1, 4],
			forged: vec![(forged_prid(7), 9), (forged_prid(8), 10)],
			..Scenario::one_silent()
		};
		s.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);

		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		let (_, _, r) = resolution_of(&txs[0], 0);
		assert_eq!(r.absent(), s.absent());
		assert_eq!(r.absent().len(), 4);
		assert_eq!(r.forged(), s.forged_prids());
		assert_eq!(r.z_prime, setup_of(REGION, PERIOD, &[2, 3]).1);

		assert_ok!(dispatch(txs.into_iter().next().unwrap()));
		MockChecker::finish(REGION, PERIOD);
		assert_eq!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved {
				named: named(&[(1, 2), (4, 2)], 4, 0, 2),
				aggregate: None,
				contributors: 2,
				blame: Blame::Meters,
			})
		);
	});
}

#[test]
fn worker_names_lone_shares_and_sends_large_resolutions_in_parts() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		// 10 meters, 4 silent and one that sent one share: 9 entries, more than a part (8).
		let s = Scenario {
			meters: (1..=10).collect(),
			silent: vec![1, 2, 3, 4],
			lone: vec![5],
			..Scenario::one_silent()
		};
		s.install();
		set_secrets(REGION, &(1..=10).collect::<Vec<_>>());
		run_worker(2);
		let txs = pool.take();
		assert_eq!(txs.len(), 2, "two parts");
		let mut all = vec![];
		for (nonce, tx) in txs.iter().enumerate() {
			let RuntimeCall::Faults(crate::Call::submit_resolution {
				part, entries, z_prime, ..
			}) = &tx.function
			else {
				panic!("a resolution part");
			};
			assert_eq!(*part, nonce as u32);
			assert_eq!(*z_prime, (nonce == 1).then(|| s.z_prime()), "Z' completes the last");
			all.extend(entries.iter().copied());
		}
		assert_eq!(all, s.entries());
		assert_eq!(all.iter().filter(|(_, m)| *m == Mark::Lone(5)).count(), 1);
		for tx in txs {
			assert_ok!(dispatch(tx));
		}
		MockChecker::finish(REGION, PERIOD);
		// Half the region sent complete readings: the named meters are blamed.
		assert!(matches!(
			status(REGION, PERIOD),
			Some(FaultStatus::Resolved { aggregate: Some(a), contributors: 5, blame: Blame::Meters, .. })
				if a == s.true_aggregate()
		));
		assert!((1..=5).all(|m| MockMeters::get(m).unwrap().faults == 1));
	});
}

#[test]
fn worker_sends_one_resolution_per_fault_and_retries_a_dropped_one() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);
		let first = pool.take();
		assert_eq!(first.len(), 1);
		let record =
			sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &sent_key(REGION, PERIOD))
				.expect("send record");
		let record = SentResolution::<u64>::decode(&mut &record[..]).unwrap();
		let (_, _, sent) = resolution_of(&first[0], 0);
		assert_eq!(
			record,
			SentResolution {
				until: 2 + RESEND_AFTER,
				digest: sent.digest(REGION, PERIOD),
				idle_runs: 0
			}
		);

		// Again in the same block, and in the following ones: nothing.
		run_worker(2);
		for block in 3..2 + RESEND_AFTER {
			run_worker(block);
		}
		assert!(pool.take().is_empty());

		// The transaction never made it (the fault is still open): sent once more, the same.
		run_worker(2 + RESEND_AFTER);
		let second = pool.take();
		assert_eq!(second.len(), 1);
		// The off-chain nonce advanced after the first send.
		let (_, _, again) = resolution_of(&second[0], 1);
		assert_eq!(again, sent);

		// Once on chain, the fault is checking: nothing more, ever.
		assert_ok!(dispatch(second.into_iter().next().unwrap()));
		run_worker(100);
		assert!(pool.take().is_empty());
	});
}

#[test]
fn the_send_record_is_taken_once_until_it_expires() {
	let (mut ext, _pool) = ExtBuilder::default().build_offchain(&[]);
	ext.execute_with(|| {
		let key = sent_key(REGION, PERIOD);
		let claim = |until: u64, d: u8| SentResolution { until, digest: [d; 32], idle_runs: 0 };
		assert_eq!(claim_send(&key, 2u64, claim(7, 1)), Ok(()));
		// A run that read no record (or an expired one) before this claim loses.
		assert_eq!(claim_send(&key, 2u64, claim(7, 2)), Err(OffchainError::RecentlySent(7)));
		assert_eq!(claim_send(&key, 6u64, claim(11, 2)), Err(OffchainError::RecentlySent(7)));
		let stored = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &key).unwrap();
		assert_eq!(SentResolution::<u64>::decode(&mut &stored[..]).unwrap(), claim(7, 1));
		// Expired: taken again.
		assert_eq!(claim_send(&key, 7u64, claim(12, 3)), Ok(()));
		let stored = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &key).unwrap();
		assert_eq!(SentResolution::<u64>::decode(&mut &stored[..]).unwrap(), claim(12, 3));
	});
}

#[test]
fn worker_without_secrets_does_nothing() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		run_worker(2);
		// Secrets of another region only.
		set_secrets(OTHER_REGION, &[1, 2, 3, 4]);
		run_worker(3);
		assert!(pool.take().is_empty());
		// Nothing was remembered: once the secrets arrive it acts at once.
		assert!(sp_io::offchain::local_storage_get(
			StorageKind::PERSISTENT,
			&sent_key(REGION, PERIOD)
		)
		.is_none());
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(4);
		assert_eq!(pool.take().len(), 1);
	});
}

#[test]
fn worker_without_the_kgcs_key_does_nothing() {
	for keys in [&["//Mallory"][..], &[][..]] {
		let (mut ext, pool) = ExtBuilder::default().build_offchain(keys);
		ext.execute_with(|| {
			Scenario::one_silent().install();
			set_secrets(REGION, &[1, 2, 3, 4]);
			run_worker(2);
			assert!(pool.take().is_empty());
			assert_eq!(Faults::offchain_resolve(2), Err(OffchainError::NoKgcKey));
		});
	}
	// No KGC on chain: the KGC's key is just a key.
	let (mut ext, pool) = ExtBuilder::default().without_kgc().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		Scenario::one_silent().install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);
		assert!(pool.take().is_empty());
		assert_eq!(Faults::offchain_resolve(2), Err(OffchainError::NoKgcAccount));
	});
}

#[test]
fn worker_signs_with_the_kgc_key_among_others() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&["//Mallory", KGC_SURI, "//Eve"]);
	ext.execute_with(|| {
		Scenario::one_silent().install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);
		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		resolution_of(&txs[0], 0);
	});
}

#[test]
fn worker_skips_faults_that_do_not_await_a_resolution() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		assert_ok!(submit_correct(&s));
		// Not indexed any more, and the status is checked too.
		OpenFaults::<Test>::put(BoundedVec::truncate_from(vec![(REGION, PERIOD)]));
		run_worker(2);
		assert!(pool.take().is_empty());
		OpenFaults::<Test>::kill();
	});
}

#[test]
fn worker_resends_a_rejected_fault_only_with_a_new_resolution() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		// Meter 5 is active in the region but was not in the setup; the operator's secrets
		// include it, so the worker takes it for silent.
		MockMeters::add(5, REGION);
		set_secrets(REGION, &[1, 2, 3, 4, 5]);
		run_worker(2);
		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		assert_eq!(resolution_of(&txs[0], 0).2.absent().len(), 4);
		assert_ok!(dispatch(txs.into_iter().next().unwrap()));
		MockChecker::finish(REGION, PERIOD);
		assert_eq!(status(REGION, PERIOD), Some(FaultStatus::Rejected));

		// The same resolution is not sent again.
		for block in 3..=3 * RESEND_AFTER {
			run_worker(block);
		}
		assert!(pool.take().is_empty());

		// The operator corrects the secrets: the next resolution differs and is sent.
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(10 * RESEND_AFTER);
		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		let (_, _, r) = resolution_of(&txs[0], 1);
		assert_eq!(r.absent(), s.absent());
		assert_ok!(dispatch(txs.into_iter().next().unwrap()));
		MockChecker::finish(REGION, PERIOD);
		assert!(matches!(status(REGION, PERIOD), Some(FaultStatus::Resolved { .. })));
	});
}

#[test]
fn worker_expects_exactly_the_meters_the_setup_covered() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		MockMeters::add(9, OTHER_REGION);
		MockMeters::add_in_epoch(10, REGION, EPOCH + 1);
		// The silent meter was suspended after the setup: it is still expected (G3).
		MockMeters::set_active(3, false);
		// Secrets of a meter of another region, one that joined after the setup and an
		// unregistered one: none of them is expected.
		set_secrets(REGION, &[1, 2, 3, 4, 9, 10, 11]);
		run_worker(2);
		let txs = pool.take();
		assert_eq!(txs.len(), 1);
		let (_, _, r) = resolution_of(&txs[0], 0);
		assert_eq!(r, ComputedResolution { entries: s.entries(), z_prime: s.z_prime() });
	});
}

#[test]
fn worker_sends_nothing_it_cannot_justify() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let s = Scenario::one_silent();
		s.install();
		// Without meter 3's secret, the received shares are all explained: nothing to report.
		set_secrets(REGION, &[1, 2, 4]);
		run_worker(2);
		assert!(pool.take().is_empty());
		// Secrets that do not open: garbage, sealed under another key, moved from another
		// region, or plaintext.
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			&secrets_key(REGION),
			&[1, 2, 3],
		);
		run_worker(2 + RESEND_AFTER);
		assert!(pool.take().is_empty());
		let opened = || Faults::region_secrets(REGION).map(|s| s.len());
		assert_eq!(opened(), Err(OffchainError::SecretsNotOpened));
		set_secrets_sealed_by(&[0xee; 32], REGION, &[1, 2, 3, 4]);
		assert_eq!(opened(), Err(OffchainError::SecretsNotOpened));
		set_secrets(REGION + 1, &[1, 2, 3, 4]);
		let moved =
			sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &secrets_key(REGION + 1));
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			&secrets_key(REGION),
			&moved.unwrap(),
		);
		assert_eq!(opened(), Err(OffchainError::SecretsNotOpened));
		let plain: Vec<(MeterId, [u8; 32])> =
			[1, 2, 3, 4].iter().map(|m| (*m, secret(*m))).collect();
		sp_io::offchain::local_storage_set(
			StorageKind::PERSISTENT,
			&secrets_key(REGION),
			&plain.encode(),
		);
		assert_eq!(opened(), Err(OffchainError::SecretsNotOpened));
		set_secrets(REGION, &[1, 2, 3, 4]);
		assert_eq!(opened(), Ok(4));
		// Shares pruned.
		set_secrets(REGION, &[1, 2, 3, 4]);
		MockPeriods::prune(REGION, PERIOD);
		run_worker(2 + 2 * RESEND_AFTER);
		assert!(pool.take().is_empty());
	});
	// No time parameters.
	let (mut ext, pool) = ExtBuilder::default().without_time().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		Scenario::one_silent().install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);
		assert!(pool.take().is_empty());
	});
}

#[test]
fn worker_evaluates_a_bounded_number_of_faults_per_block() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		let periods: Vec<PeriodIndex> = (PERIOD..PERIOD + OCW_FAULTS_PER_BLOCK + 1).collect();
		for period in &periods {
			Scenario { period: *period, ..Scenario::one_silent() }.install();
		}
		set_secrets(REGION, &[1, 2, 3, 4]);
		run_worker(2);
		let first = pool.take();
		assert_eq!(first.len(), OCW_FAULTS_PER_BLOCK as usize);
		run_worker(3);
		let second = pool.take();
		assert_eq!(second.len(), 1);
		let mut sent: Vec<PeriodIndex> = first
			.iter()
			.enumerate()
			.map(|(nonce, tx)| resolution_of(tx, nonce as u32).1)
			.chain([resolution_of(&second[0], OCW_FAULTS_PER_BLOCK).1])
			.collect();
		sent.sort();
		assert_eq!(sent, periods);
	});
}

fn send_record(region: RegionId, period: PeriodIndex) -> Option<SentResolution<u64>> {
	sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &sent_key(region, period))
		.map(|r| SentResolution::<u64>::decode(&mut &r[..]).unwrap())
}

#[test]
fn stuck_faults_back_off_and_never_starve_the_others() {
	let (mut ext, pool) = ExtBuilder::default().build_offchain(&[KGC_SURI]);
	ext.execute_with(|| {
		OpenFaultsBound::set(64);
		// Faults nothing can resolve (every share arrived: the secrets explain them all), more
		// than the budget evaluates in `ResendAfter` blocks, ahead of one that can be resolved.
		let stuck = OCW_FAULTS_PER_BLOCK * RESEND_AFTER as u32 + 1;
		for i in 0..stuck {
			Scenario { period: PERIOD + i, silent: vec![], ..Scenario::one_silent() }.install();
		}
		let last = PERIOD + stuck;
		Scenario { period: last, ..Scenario::one_silent() }.install();
		set_secrets(REGION, &[1, 2, 3, 4]);
		// Round robin: the resolvable fault is reached within one pass over the index.
		let pass = u64::from((stuck + 1).div_ceil(OCW_FAULTS_PER_BLOCK));
		let mut sent = Vec::new();
		for block in 2..2 + pass {
			run_worker(block);
			sent.extend(pool.take());
		}
		assert_eq!(sent.len(), 1, "the resolvable fault was sent");
		assert_eq!(resolution_of(&sent[0], 0).1, last);
		assert_ok!(dispatch(sent.remove(0)));
		// Each stuck fault is evaluated ever more rarely: after n blocks about log2(n) times.
		let end = 2 + 64 * RESEND_AFTER;
		for block in 2 + pass..end {
			run_worker(block);
		}
		assert!(pool.take().is_empty());
		for i in 0..stuck {
			let record = send_record(REGION, PERIOD + i).expect("evaluated");
			assert!(
				(3..=MAX_BACKOFF_SHIFT + 2).contains(&record.idle_runs),
				"period {}: {record:?}",
				PERIOD + i
			);
		}
	});
}

#[test]
fn back_off_doubles_up_to_the_cap() {
	let until: Vec<u64> = (1..=9).map(|k| back_off_until(100u64, 5, k) - 100).collect();
	assert_eq!(until, vec![5, 10, 20, 40, 80, 160, 320, 320, 320]);
	assert_eq!(back_off_until(u64::MAX - 1, 5, 3), u64::MAX);
}

#[test]
fn local_storage_keys_are_as_documented() {
	assert_eq!(SECRETS_PREFIX, b"gridmask/kgc/secrets/");
	assert_eq!(secrets_key(1), b"gridmask/kgc/secrets/\x01\x00\x00\x00".to_vec());
	assert_eq!(
		sp_core::hexdisplay::HexDisplay::from(&secrets_key(1)).to_string(),
		"677269646d61736b2f6b67632f736563726574732f01000000"
	);
	assert_eq!(SENT_PREFIX, b"gridmask/faults/sent/");
	assert_eq!(NEXT_KEY, b"gridmask/faults/next");
	assert_eq!(
		sent_key(0x0102, 0x0a0b0c0d),
		[&b"gridmask/faults/sent/"[..], &[2, 1, 0, 0], &[0x0d, 0x0c, 0x0b, 0x0a]].concat()
	);
	// The value: compact length, then (meter u64 LE, 32-byte secret) per meter.
	let value: Vec<(MeterId, [u8; 32])> = vec![(0x0102, [7; 32])];
	let mut expected = vec![4u8, 2, 1, 0, 0, 0, 0, 0, 0];
	expected.extend_from_slice(&[7; 32]);
	assert_eq!(value.encode(), expected);
	assert_eq!(crate::KEY_TYPE.0, *b"gmkg");
}

#[test]
fn resolution_computation_matches_the_setup() {
	// Independently of the pallet: absent PRIDs and Z' of a scenario with two silent meters.
	let s = Scenario { silent: vec![2, 4], ..Scenario::one_silent() };
	let (_, z) = setup_of(REGION, PERIOD, &s.meters);
	let secrets: Vec<(MeterId, [u8; 32])> = s.meters.iter().map(|m| (*m, secret(*m))).collect();
	let received: Vec<Prid> = s
		.reporting()
		.iter()
		.flat_map(|m| {
			let (a, b) = keys(*m, PERIOD).prids();
			[a, b]
		})
		.chain([forged_prid(3)])
		.collect();
	let r = ComputedResolution::compute(&TIME_PARAMS, PERIOD, &secrets, |_| true, &z, received);
	assert_eq!(r.absent(), s.absent());
	assert_eq!(r.forged(), vec![forged_prid(3)]);
	assert_eq!(r.z_prime, setup_of(REGION, PERIOD, &[1, 3]).1);
	// The masks removed are exactly meters 2 and 4's, wrapping (one channel: H3(z) + H3(z')).
	let masks: u64 = [2, 4].iter().map(|m| keys(*m, PERIOD).mask_sum()).fold(0, u64::wrapping_add);
	assert_eq!(z.len(), 1);
	assert_eq!(r.z_prime.to_vec(), vec![z[0].wrapping_sub(masks)]);
	// Other periods give other PRIDs.
	let other =
		ComputedResolution::compute(&TIME_PARAMS, PERIOD + 1, &secrets, |_| true, &z, vec![]);
	assert!(other.absent().iter().all(|a| !r.absent().contains(a)));
}
