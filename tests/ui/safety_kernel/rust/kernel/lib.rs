//! A miniature `kernel` crate for the safety-contract lints: the contracts of its device
//! abstractions are read from these sources.

pub use bindings;

pub mod device;
pub mod gadget;
pub mod pwm;
pub mod types;
pub mod widget;
