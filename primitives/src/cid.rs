//! CIDv1 of bill reports: raw codec (0x55), sha2-256 multihash (PROTOCOL.md §3).
//!
//! Binary form: `varint(1) || varint(0x55) || varint(0x12) || varint(32) || digest`, i.e.
//! `01 55 12 20 <32 bytes>` (36 bytes). String form: multibase base32 lowercase without padding,
//! prefix `b` (59 characters, `bafkrei...`), as IPFS prints CIDv1.
//!
//! # One block, so the CID is the digest
//! A raw CID addresses one block: its digest is the sha2-256 of the file itself, so the chain can
//! check a report's digest against its CID with no IPFS logic. That holds only while the report is
//! stored as a single block, so reports are limited to [`MAX_REPORT_BYTES`] = 1 MiB, the largest
//! block Kubo accepts, and are added as one raw leaf:
//! `ipfs add --cid-version 1 --raw-leaves --chunker=size-1048576` (helia / `ipfs-unixfs-importer`:
//! `{ cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 1048576 }) }`). With the
//! default 256 KiB chunker a larger file would become a dag-pb root instead, whose CID is not the
//! file's digest. `primitives/scripts/cids.mjs` prints the CIDs helia computes; a test compares.
//!
//! The parser is no_std and allocation-free, for the runtime: it accepts the binary form or the
//! `b...` string form and rejects anything else with a typed error (CIDv0, other codecs, other
//! hashes, wrong digest length, bad or non-minimal varints, non-canonical base32, trailing bytes).

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sha2::{Digest, Sha256};

/// CID version.
pub const CID_VERSION: u64 = 1;
/// Multicodec `raw`.
pub const RAW_CODEC: u64 = 0x55;
/// Multihash code of sha2-256.
pub const SHA2_256_CODE: u64 = 0x12;
/// Digest length of sha2-256.
pub const SHA2_256_LEN: u64 = 32;
/// Length of the binary form.
pub const CID_BYTES_LEN: usize = 36;
/// Length of the string form: `b` + 58 base32 characters.
pub const CID_STRING_LEN: usize = 59;
/// Longest input [`RawCid::parse`] looks at (a bound for the extrinsic argument).
pub const MAX_CID_INPUT_LEN: usize = 64;
/// Largest report that is still one raw IPFS block (Kubo's block size limit, 1 MiB).
pub const MAX_REPORT_BYTES: usize = 1 << 20;

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Why bytes are not an acceptable CID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum CidError {
	/// No input.
	Empty,
	/// Longer than [`MAX_CID_INPUT_LEN`].
	TooLong,
	/// A string form with another multibase prefix than `b`.
	UnsupportedMultibase,
	/// Not canonical unpadded lowercase base32.
	InvalidBase32,
	/// A varint is truncated, longer than 9 bytes or not minimally encoded.
	BadVarint,
	/// Not a CIDv1 (CIDv0 is reported as version 0).
	UnsupportedVersion(u64),
	/// Not the raw codec.
	UnsupportedCodec(u64),
	/// Not sha2-256.
	UnsupportedHash(u64),
	/// Digest length is not 32.
	BadDigestLength(u64),
	/// Fewer digest bytes than announced.
	Truncated,
	/// Bytes after the digest.
	TrailingBytes,
	/// The data is larger than one raw block ([`MAX_REPORT_BYTES`]).
	TooLarge,
}

/// A raw sha2-256 CIDv1, held as its digest (all other fields are fixed).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
pub struct RawCid(pub [u8; 32]);

impl RawCid {
	/// The CID of `data` stored as one raw block.
	pub fn of(data: &[u8]) -> Result<Self, CidError> {
		if data.len() > MAX_REPORT_BYTES {
			return Err(CidError::TooLarge);
		}
		Ok(Self(Sha256::digest(data).into()))
	}

	/// The sha2-256 digest of the block.
	pub fn digest(&self) -> &[u8; 32] {
		&self.0
	}

	/// Binary form.
	pub fn to_bytes(&self) -> [u8; CID_BYTES_LEN] {
		let mut out = [0u8; CID_BYTES_LEN];
		out[..4].copy_from_slice(&[
			CID_VERSION as u8,
			RAW_CODEC as u8,
			SHA2_256_CODE as u8,
			SHA2_256_LEN as u8,
		]);
		out[4..].copy_from_slice(&self.0);
		out
	}

	/// String form, ASCII (`b` + base32).
	pub fn to_string_bytes(&self) -> [u8; CID_STRING_LEN] {
		let bytes = self.to_bytes();
		let mut out = [0u8; CID_STRING_LEN];
		out[0] = b'b';
		let (mut acc, mut bits, mut n) = (0u32, 0u32, 1usize);
		for byte in bytes {
			acc = (acc << 8) | u32::from(byte);
			bits += 8;
			while bits >= 5 {
				bits -= 5;
				out[n] = BASE32[((acc >> bits) & 31) as usize];
				n += 1;
			}
		}
		if bits > 0 {
			out[n] = BASE32[((acc << (5 - bits)) & 31) as usize];
		}
		out
	}

	/// Parses the binary form or the `b...` string form.
	pub fn parse(input: &[u8]) -> Result<Self, CidError> {
		match input.first() {
			None => Err(CidError::Empty),
			_ if input.len() > MAX_CID_INPUT_LEN => Err(CidError::TooLong),
			Some(b'b') => {
				let mut buf = [0u8; MAX_CID_INPUT_LEN * 5 / 8];
				let len = base32_decode(&input[1..], &mut buf)?;
				Self::parse_binary(&buf[..len])
			},
			// Other multibase prefixes are printable; binary CIDs start with a varint version.
			Some(c) if c.is_ascii_alphanumeric() => {
				// 'Q' (CIDv0 base58) and 'z', 'B', 'f', ... land here.
				if *c == b'Q' {
					Err(CidError::UnsupportedVersion(0))
				} else {
					Err(CidError::UnsupportedMultibase)
				}
			},
			Some(_) => Self::parse_binary(input),
		}
	}

	/// Parses the binary form.
	pub fn parse_binary(bytes: &[u8]) -> Result<Self, CidError> {
		let mut rest = bytes;
		// CIDv0 is a bare sha2-256 multihash: 0x12 0x20 <digest>.
		if rest.len() >= 2 && rest[0] == 0x12 && rest[1] == 0x20 {
			return Err(CidError::UnsupportedVersion(0));
		}
		let version = read_varint(&mut rest)?;
		if version != CID_VERSION {
			return Err(CidError::UnsupportedVersion(version));
		}
		let codec = read_varint(&mut rest)?;
		if codec != RAW_CODEC {
			return Err(CidError::UnsupportedCodec(codec));
		}
		let hash = read_varint(&mut rest)?;
		if hash != SHA2_256_CODE {
			return Err(CidError::UnsupportedHash(hash));
		}
		let len = read_varint(&mut rest)?;
		if len != SHA2_256_LEN {
			return Err(CidError::BadDigestLength(len));
		}
		if rest.len() < 32 {
			return Err(CidError::Truncated);
		}
		if rest.len() > 32 {
			return Err(CidError::TrailingBytes);
		}
		let mut digest = [0u8; 32];
		digest.copy_from_slice(rest);
		Ok(Self(digest))
	}
}

impl core::fmt::Display for RawCid {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		// Always ASCII.
		f.write_str(core::str::from_utf8(&self.to_string_bytes()).map_err(|_| core::fmt::Error)?)
	}
}

impl core::fmt::Debug for RawCid {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "RawCid({self})")
	}
}

impl core::str::FromStr for RawCid {
	type Err = CidError;
	fn from_str(s: &str) -> Result<Self, CidError> {
		Self::parse(s.as_bytes())
	}
}

/// Reads an unsigned LEB128 varint as multiformats restricts it: at most 9 bytes, minimal.
fn read_varint(input: &mut &[u8]) -> Result<u64, CidError> {
	let mut value = 0u64;
	for i in 0..9 {
		let (&byte, rest) = input.split_first().ok_or(CidError::BadVarint)?;
		*input = rest;
		value |= u64::from(byte & 0x7f) << (7 * i);
		if byte & 0x80 == 0 {
			// A final zero byte after the first one adds nothing: not minimal.
			if byte == 0 && i > 0 {
				return Err(CidError::BadVarint);
			}
			return Ok(value);
		}
	}
	Err(CidError::BadVarint)
}

/// Decodes canonical unpadded lowercase base32 into `out`; returns the decoded length.
fn base32_decode(input: &[u8], out: &mut [u8]) -> Result<usize, CidError> {
	let (mut acc, mut bits, mut n) = (0u32, 0u32, 0usize);
	for &c in input {
		let v = match c {
			b'a'..=b'z' => c - b'a',
			b'2'..=b'7' => c - b'2' + 26,
			_ => return Err(CidError::InvalidBase32),
		};
		acc = (acc << 5) | u32::from(v);
		bits += 5;
		if bits >= 8 {
			bits -= 8;
			*out.get_mut(n).ok_or(CidError::TooLong)? = (acc >> bits) as u8;
			n += 1;
		}
		acc &= (1 << bits) - 1;
	}
	// Leftover bits must be padding: fewer than 5 of them, all zero.
	if bits >= 5 || acc != 0 {
		return Err(CidError::InvalidBase32);
	}
	Ok(n)
}

#[cfg(test)]
mod tests {
	use super::*;

	// sha2-256 of the empty string, as every IPFS implementation prints it.
	const EMPTY: &str = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

	#[test]
	fn empty_block() {
		let cid = RawCid::of(b"").unwrap();
		assert_eq!(cid.to_string(), EMPTY);
		assert_eq!(EMPTY.parse::<RawCid>(), Ok(cid));
		assert_eq!(RawCid::parse(&cid.to_bytes()), Ok(cid));
	}

	#[test]
	fn round_trips() {
		for data in [&b"a"[..], b"hello world", &[0u8; 1000]] {
			let cid = RawCid::of(data).unwrap();
			assert_eq!(RawCid::parse(&cid.to_string_bytes()), Ok(cid));
			assert_eq!(RawCid::parse(&cid.to_bytes()), Ok(cid));
			assert_eq!(cid.digest(), &<[u8; 32]>::from(Sha256::digest(data)));
		}
	}

	#[test]
	fn rejects() {
		let cid = RawCid::of(b"x").unwrap();
		let bin = cid.to_bytes();
		let with = |i: usize, b: u8| {
			let mut v = bin.to_vec();
			v[i] = b;
			v
		};
		assert_eq!(RawCid::parse(&[]), Err(CidError::Empty));
		assert_eq!(RawCid::parse(&with(0, 2)), Err(CidError::UnsupportedVersion(2)));
		assert_eq!(RawCid::parse(&with(1, 0x70)), Err(CidError::UnsupportedCodec(0x70)));
		assert_eq!(RawCid::parse(&with(2, 0x13)), Err(CidError::UnsupportedHash(0x13)));
		assert_eq!(RawCid::parse(&with(3, 0x21)), Err(CidError::BadDigestLength(0x21)));
		assert_eq!(RawCid::parse(&bin[..35]), Err(CidError::Truncated));
		assert_eq!(RawCid::parse(&[&bin[..], &[0]].concat()), Err(CidError::TrailingBytes));
		// dag-pb codec 0x70 and a two-byte codec varint.
		assert_eq!(RawCid::parse(&[1, 0x81, 0x01]), Err(CidError::UnsupportedCodec(0x81)));
		// Non-minimal varint: 0x55 as 0xd5 0x00.
		assert_eq!(RawCid::parse(&[1, 0xd5, 0x00, 0x12]), Err(CidError::BadVarint));
		assert_eq!(RawCid::parse(&[1, 0x80]), Err(CidError::BadVarint));
		assert_eq!(
			RawCid::parse(&[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
			Err(CidError::BadVarint)
		);
		// CIDv0, binary and base58.
		assert_eq!(
			RawCid::parse(&[&[0x12, 0x20][..], &[0u8; 32]].concat()),
			Err(CidError::UnsupportedVersion(0))
		);
		assert_eq!(
			RawCid::parse(b"QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"),
			Err(CidError::UnsupportedVersion(0))
		);
		// Other multibases, bad base32, non-canonical padding bits.
		let s = cid.to_string();
		assert_eq!(RawCid::parse(s.to_uppercase().as_bytes()), Err(CidError::UnsupportedMultibase));
		assert_eq!(
			RawCid::parse(format!("z{}", &s[1..]).as_bytes()),
			Err(CidError::UnsupportedMultibase)
		);
		assert_eq!(
			RawCid::parse(format!("{}1", &s[..58]).as_bytes()),
			Err(CidError::InvalidBase32)
		);
		let last = s.as_bytes()[58];
		let bumped = BASE32[(BASE32.iter().position(|c| *c == last).unwrap() + 1) % 32];
		assert_eq!(
			RawCid::parse(format!("{}{}", &s[..58], bumped as char).as_bytes()),
			Err(CidError::InvalidBase32)
		);
		assert_eq!(RawCid::parse(format!("{}a", s).as_bytes()), Err(CidError::InvalidBase32));
		assert_eq!(RawCid::parse(&s.as_bytes()[..58]), Err(CidError::InvalidBase32));
		assert_eq!(RawCid::parse(&[b'b'; 65]), Err(CidError::TooLong));
		// Size limit.
		assert_eq!(RawCid::of(&vec![0u8; MAX_REPORT_BYTES + 1]), Err(CidError::TooLarge));
		assert!(RawCid::of(&vec![0u8; MAX_REPORT_BYTES]).is_ok());
	}
}
