//! Tests only: a fresh directory under the system's temp dir, deleted when dropped. (Not the
//! `tempfile` crate: as a dev-dependency it changes the features of a crate the node build
//! shares, so `cargo test --workspace` and the node build would compile it twice.)

use std::{
	path::{Path, PathBuf},
	sync::atomic::{AtomicU32, Ordering},
};

/// A directory that exists until this value is dropped.
pub struct TempDir(PathBuf);

impl TempDir {
	/// Creates `<temp>/gridmask-test-<pid>-<n>`.
	pub fn new() -> Self {
		static NEXT: AtomicU32 = AtomicU32::new(0);
		let n = NEXT.fetch_add(1, Ordering::Relaxed);
		let path = std::env::temp_dir().join(format!("gridmask-test-{}-{n}", std::process::id()));
		let _ = std::fs::remove_dir_all(&path);
		std::fs::create_dir_all(&path).expect("create a temp dir");
		Self(path)
	}

	/// Its path.
	pub fn path(&self) -> &Path {
		&self.0
	}
}

impl Drop for TempDir {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.0);
	}
}
