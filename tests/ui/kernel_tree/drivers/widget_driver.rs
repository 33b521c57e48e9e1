//! A driver outside the kernel crate, linted together with it.

use kernel::bindings;
use kernel::bus::widget;

struct WidgetData {
    wdev: *mut bindings::widget_device, //~ raw_device_ptr_field
    gadget: *mut bindings::widget_gadget,
    named: &'static widget::Device, //~ static_device_ref
}
