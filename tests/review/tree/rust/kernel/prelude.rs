//! The kernel prelude.

pub use crate::types::ARef;
