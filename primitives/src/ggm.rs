//! GGM PRF of depth 16 (PROTOCOL.md §3, the paper's Definition 3).
//!
//! `G(x) = BLAKE2b-512("gridmask/ggm/v1" || x)`, `G0` its first 32 bytes, `G1` its last 32 bytes.
//! `f_s(k)` walks the 16 bits of the leaf index `k` from the most significant: `x := G_bit(x)`,
//! starting from the seed `s`. Nodes are 32 bytes (κ = 256).

use crate::{hashing::blake2b_512, tags, LeafIndex};

/// Depth of the tree: leaf indices are 16 bits, one cycle has at most 2^16 periods.
pub const GGM_DEPTH: u32 = 16;
/// Number of leaves.
pub const GGM_LEAVES: u32 = 1 << GGM_DEPTH;

/// A node (root seed, inner node or leaf) of the tree.
pub type Node = [u8; 32];

/// Asked for leaves outside `0..2^16`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeError;

/// The length-doubling PRG: `(G0(x), G1(x))`.
pub fn prg(node: &Node) -> (Node, Node) {
	let out = blake2b_512(tags::GGM, &[node]);
	let (mut left, mut right) = ([0u8; 32], [0u8; 32]);
	left.copy_from_slice(&out[..32]);
	right.copy_from_slice(&out[32..]);
	(left, right)
}

/// `f_root(leaf)`.
pub fn eval(root: &Node, leaf: LeafIndex) -> Node {
	let mut node = *root;
	for level in (0..GGM_DEPTH).rev() {
		let (left, right) = prg(&node);
		node = if (leaf >> level) & 1 == 0 { left } else { right };
	}
	node
}

/// Every node on the path from the root (index 0) to `leaf` (index 16); for the test vectors.
pub fn eval_path(root: &Node, leaf: LeafIndex) -> [Node; GGM_DEPTH as usize + 1] {
	let mut path = [[0u8; 32]; GGM_DEPTH as usize + 1];
	path[0] = *root;
	for (i, level) in (0..GGM_DEPTH).rev().enumerate() {
		let (left, right) = prg(&path[i]);
		path[i + 1] = if (leaf >> level) & 1 == 0 { left } else { right };
	}
	path
}

/// Calls `f(k, f_root(k))` for every `k` in `start..end`, in order, expanding only the subtrees
/// that hold them: about `2·(end-start) + 2·16` PRG calls instead of `16·(end-start)`, which is
/// what makes a cycle's setup cheap.
pub fn eval_range(
	root: &Node,
	start: u32,
	end: u32,
	mut f: impl FnMut(LeafIndex, &Node),
) -> Result<(), RangeError> {
	if start > end || end > GGM_LEAVES {
		return Err(RangeError);
	}
	if start < end {
		expand(root, GGM_DEPTH, 0, start, end, &mut f);
	}
	Ok(())
}

/// `node` covers leaves `base..base + 2^height`, which intersect `lo..hi`.
fn expand(
	node: &Node,
	height: u32,
	base: u32,
	lo: u32,
	hi: u32,
	f: &mut impl FnMut(LeafIndex, &Node),
) {
	if height == 0 {
		// base < 2^16 here: the caller checked hi <= 2^16.
		f(base as LeafIndex, node);
		return;
	}
	let half = 1u32 << (height - 1);
	let (left, right) = prg(node);
	if lo < base + half {
		expand(&left, height - 1, base, lo, hi, f);
	}
	if hi > base + half {
		expand(&right, height - 1, base + half, lo, hi, f);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn range_matches_point_evaluation() {
		let root = [7u8; 32];
		for (start, end) in
			[(0u32, 0u32), (0, 1), (0, 1440), (5, 9), (65_530, 65_536), (1439, 1441)]
		{
			let mut seen = alloc::vec::Vec::new();
			eval_range(&root, start, end, |k, leaf| seen.push((k, *leaf))).unwrap();
			assert_eq!(seen.len() as u32, end - start);
			for (i, (k, leaf)) in seen.iter().enumerate() {
				assert_eq!(u32::from(*k), start + i as u32);
				assert_eq!(*leaf, eval(&root, *k));
			}
		}
		assert_eq!(eval_range(&root, 0, GGM_LEAVES + 1, |_, _| ()), Err(RangeError));
		assert_eq!(eval_range(&root, 3, 2, |_, _| ()), Err(RangeError));
	}

	#[test]
	fn path_walks_msb_first() {
		let root = [1u8; 32];
		let path = eval_path(&root, 0b1000_0000_0000_0001);
		assert_eq!(path[1], prg(&root).1);
		assert_eq!(path[2], prg(&path[1]).0);
		assert_eq!(path[16], eval(&root, 0x8001));
		assert_eq!(path[16], prg(&path[15]).1);
	}
}
