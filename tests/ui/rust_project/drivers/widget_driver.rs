//! A driver of the crate `widget_driver`, which depends on `widget_core`.

struct Data {
    widget: &'static widget_core::Device, //~ static_device_ref
}
