//! Weights measured for this runtime on this project's machine (the pallets' own are in each
//! pallet's `weights.rs`).

pub mod db;
