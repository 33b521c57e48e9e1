//! A miniature `kernel` crate: the base tree of the review tests.

pub use bindings;

pub mod bus;
pub mod device;
pub mod prelude;
pub mod types;
