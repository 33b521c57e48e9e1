//! A miniature `kernel` crate: devref learns its device abstractions from the sources.

pub use bindings;

pub mod bus;
pub mod device;
pub mod types;
