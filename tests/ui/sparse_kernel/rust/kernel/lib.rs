//! A sparse checkout of the kernel crate: `lib.rs` and the one module a patch adds. The names
//! these files do not define (`kernel::pci`, `kernel::types::ForLt`, `crate::device`) are still
//! the kernel's.

pub mod widget;
