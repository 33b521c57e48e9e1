//! A cargo package: `widget-driver/src/lib.rs` is crate `widget_driver`, so the binary beside it
//! can name its library.

pub mod alias {
    pub type DevPtr = *mut kernel::bindings::device;
}
